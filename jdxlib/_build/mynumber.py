"""``mynumber_cards``: マイナンバーカード交付状況 per municipality, every snapshot 2017-03 → 2022-12.

Quirks handled (SOURCES.md §2): 団体コード is an integer that lost its leading zero (11002 →
011002, check digit verified); from 2021-08 三宅村 and 八丈町 have the literal ``<NA>`` as code
and are recovered by prefecture + name; town and village names carry their 郡 (and, up to 2021-07,
三宅村/八丈町 their island: 三宅島三宅村) -- the name check accepts such a prefix.  Every code must be one of the 1,741 (那珂川 is 402311 throughout).
"""
from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np

import pandas as pd

from .. import sources
from . import codes
from ._common import BuildError

HEADER = ["算出基準日", "都道府県名", "市区町村名", "総数（人口）", "交付枚数", "人口に対する交付枚数率",
          "人口算出基準日", "交付件数基準日", "団体コード"]
COLUMNS = ["code", "date", "population", "cards_issued", "rate", "population_date", "issued_date"]
MISSING_CODE = {"", "<NA>", "NA", "nan"}


def inputs() -> list[str]:
    return ["code_list"] + [f"mynumber_{d}_all_localgovs" for d in sources.mynumber_snapshots()]


def _date(values: list[str], what: str) -> np.ndarray:
    cache: dict[str, np.datetime64] = {}
    for v in set(values):
        try:
            cache[v] = np.datetime64(datetime.strptime(v.strip(), "%Y/%m/%d"), "ns")
        except ValueError:
            raise BuildError(f"{what}: date {v!r} is not YYYY/MM/DD") from None
    return np.array([cache[v] for v in values], dtype="datetime64[ns]")


def _numbers(values: list[str], what: str, kind: type) -> list:
    try:
        return [kind(v.strip().replace(",", "")) for v in values]
    except ValueError:
        bad = next(v for v in values if not _is(kind, v))
        raise BuildError(f"{what}: {bad!r} is not {'an integer' if kind is int else 'a number'}") from None


def _is(kind: type, v: str) -> bool:
    try:
        kind(v.strip().replace(",", ""))
        return True
    except ValueError:
        return False


def read_snapshot(path: Path, munis: pd.DataFrame, label: str | None = None,
                  memo: dict | None = None) -> pd.DataFrame:
    """One ``all_localgovs.csv`` as rows of :data:`COLUMNS` (codes recovered and verified)."""
    label = label or Path(path).name
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    if not lines or lines[0] != HEADER:
        raise BuildError(f"{label}: header {lines[0] if lines else []} differs from the expected {HEADER}")
    bad = [i + 1 for i, r in enumerate(lines) if len(r) != len(HEADER)]
    if bad:
        raise BuildError(f"{label}: line(s) {bad[:5]} do not have {len(HEADER)} fields")
    # plain Python columns (iterating Arrow-backed pandas strings is slow)
    raw = {h: [r[j] for r in lines[1:]] for j, h in enumerate(HEADER)}
    m_code, m_pref, m_name = (munis[c].to_numpy(dtype=object) for c in ("code", "prefecture", "name"))
    by_code = dict(zip(m_code, zip(m_pref, m_name)))
    by_name: dict[tuple[str, str], list[str]] = {}
    for c, p, n in zip(m_code, m_pref, m_name):
        by_name.setdefault((p, n), []).append(c)

    def name_ok(found: str, expected: str) -> bool:
        # 「那須郡那珂川町」 = 那珂川町; 「高岡郡檮原町」 = 梼原町; up to 2021-07 the two Tokyo
        # island bodies carry their island: 「三宅島三宅村」, 「八丈島八丈町」
        f = found
        for v, c in codes.NAME_VARIANTS.items():
            f = f.replace(v, c)
        e = codes.NAME_VARIANTS.get(expected, expected)
        return f == e or (f.endswith(e) and f[: len(f) - len(e)].endswith(("郡", "島")))

    memo = {} if memo is None else memo

    def resolve(i: int, raw_code: str, pref: str, name: str) -> str:
        rc = raw_code.strip()
        if rc in MISSING_CODE:
            cands = [c for (p, n), cs in by_name.items() if p == pref and name_ok(name, n) for c in cs]
            if len(cands) != 1:
                raise BuildError(f"{label}, row {i + 2}: code is {raw_code!r} and {pref}{name} matches "
                                 f"{len(cands)} code-list entries ({cands}); cannot recover the code")
            return cands[0]
        if not rc.isdigit() or len(rc) > 6:
            raise BuildError(f"{label}, row {i + 2}: 団体コード {raw_code!r} is not a 6-digit code "
                             f"(with or without its leading zero) or <NA>")
        code = rc.zfill(6)
        if not codes.is_valid_code(code):
            raise BuildError(f"{label}, row {i + 2}: 団体コード {raw_code!r} → {code} has an invalid check digit")
        if code not in by_code:
            raise BuildError(f"{label}, row {i + 2}: code {code} ({pref}{name}) is not one of the 1,741 "
                             f"municipalities of the code list")
        p, n = by_code[code]
        if p != pref or not name_ok(name, n):
            raise BuildError(f"{label}, row {i + 2}: code {code} is {p}{n} in the code list but the row "
                             f"says {pref}{name}")
        return code

    out_codes = []
    rows = zip(raw["団体コード"], raw["都道府県名"], raw["市区町村名"])
    for i, key in enumerate(rows):
        code = memo.get(key)  # the same (code, prefecture, name) rows recur in every snapshot
        if code is None:
            code = memo[key] = resolve(i, *key)
        out_codes.append(code)
    if len(set(out_codes)) != len(out_codes):
        seen: set[str] = set()
        dup = [c for c in out_codes if c in seen or seen.add(c)]
        raise BuildError(f"{label}: duplicate code(s) {dup}")
    missing = sorted(set(m_code) - set(out_codes))
    if missing:
        raise BuildError(f"{label}: {len(missing)} municipality(ies) missing, e.g. {missing[:5]}")
    if len(set(raw["算出基準日"])) != 1:
        raise BuildError(f"{label}: several 算出基準日 in one snapshot: {sorted(set(raw['算出基準日']))}")
    df = pd.DataFrame({
        "code": pd.array(out_codes, dtype="str"),
        "date": _date(raw["算出基準日"], label),
        "population": pd.array(_numbers(raw["総数（人口）"], label, int), dtype="Int64"),
        "cards_issued": pd.array(_numbers(raw["交付枚数"], label, int), dtype="Int64"),
        "rate": np.array(_numbers(raw["人口に対する交付枚数率"], label, float), dtype="float64"),
        "population_date": _date(raw["人口算出基準日"], label),
        "issued_date": _date(raw["交付件数基準日"], label),
    })
    return df


def build_mynumber_cards(paths: dict[str, Path]) -> pd.DataFrame:
    munis = codes.municipal_codes(codes.read_code_list(paths["code_list"]))
    frames, memo = [], {}
    for d in sources.mynumber_snapshots():
        fid = f"mynumber_{d}_all_localgovs"
        frames.append(read_snapshot(paths[fid], munis, label=fid, memo=memo))
    df = pd.concat(frames, ignore_index=True)
    dup = df.duplicated(["code", "date"])
    if dup.any():
        raise BuildError(f"mynumber: duplicate (code, date) rows, e.g. {df[dup].head(3).to_dict('records')}")
    df = df.sort_values(["date", "code"], ignore_index=True)
    return df[COLUMNS]

