"""全国地方公共団体コード: check digit and the code list (1,741 municipalities, 47 prefectures).

The check digit (JIS X 0402 / 総務省): multiply the five digits by 6, 5, 4, 3, 2, sum, take the
remainder r of the division by 11; the check digit is the last digit of 11 - r.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ._common import BuildError

WEIGHTS = (6, 5, 4, 3, 2)

#: code-list type -> jdx type (中核市 comes from refdata/core_cities.csv, not from the code list)
TYPE_JA = {
    "designated_city": "指定都市",
    "city": "市",
    "special_ward": "特別区",
    "town": "町",
    "village": "村",
}
MUNICIPAL_TYPES = ["指定都市", "中核市", "市", "特別区", "町", "村"]

#: Spelling variants between upstream files and the code list: {variant: code-list spelling}.
NAME_VARIANTS = {"檮原町": "梼原町"}


def check_digit(code5: str) -> str:
    """The check digit of a 5-digit 団体コード.

    >>> check_digit("01100"), check_digit("13101"), check_digit("01000")
    ('2', '6', '6')
    """
    if not (isinstance(code5, str) and len(code5) == 5 and code5.isdigit()):
        raise ValueError(f"expected a 5-digit code string such as '01100', got {code5!r}")
    r = sum(int(d) * w for d, w in zip(code5, WEIGHTS)) % 11
    return str((11 - r) % 10)


def with_check_digit(code5: str) -> str:
    """``"01100"`` -> ``"011002"``."""
    return code5 + check_digit(code5)


def is_valid_code(code6: str) -> bool:
    """True when *code6* is six digits whose last is the check digit of the first five."""
    return (isinstance(code6, str) and len(code6) == 6 and code6.isdigit()
            and check_digit(code6[:5]) == code6[5])


def same_name(found: str, expected: str) -> bool:
    """Names equal up to the known spelling variants (檮原町 = 梼原町)."""
    return NAME_VARIANTS.get(found, found) == NAME_VARIANTS.get(expected, expected)


def read_code_list(path: str | Path) -> pd.DataFrame:
    """Every item of the code-list JSON (prefectures, municipalities, wards, 北方領土).

    Columns: code, code5, name, kana_hw (half-width katakana), prefecture, kind (the JSON's
    ``t``), parent, northern_territory.  Raises :class:`BuildError` on a malformed file or an
    invalid check digit.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        items = raw["items"]
        df = pd.DataFrame({
            "code": [i["c"] for i in items],
            "code5": [i["s"] for i in items],
            "name": [i["n"] for i in items],
            "kana_hw": [i.get("k", "") for i in items],
            "prefecture": [i["p"] for i in items],
            "kind": [i["t"] for i in items],
            "parent": [i.get("r", "") or "" for i in items],
            "northern_territory": [bool(i.get("u", False)) for i in items],
        })
    except (KeyError, TypeError, ValueError) as exc:
        raise BuildError(
            f"{path}: not a code-list JSON with items[] of c/s/n/p/t ({type(exc).__name__}: {exc})"
        ) from None
    bad = [c for c in df["code"] if not is_valid_code(c)]
    if bad:
        raise BuildError(f"{path}: {len(bad)} code(s) with an invalid check digit, e.g. {bad[:5]}")
    mismatch = df[df["code"].str[:5] != df["code5"]]
    if len(mismatch):
        raise BuildError(f"{path}: 6-digit and 5-digit codes disagree, e.g. "
                         f"{mismatch[['code', 'code5']].head(3).to_dict('records')}")
    known = set(TYPE_JA) | {"prefecture", "designated_ward"}
    unknown = sorted(set(df["kind"]) - known)
    if unknown:
        raise BuildError(f"{path}: unknown type(s) {unknown}; valid: {sorted(known)}")
    return df


def municipal_codes(code_list: pd.DataFrame) -> pd.DataFrame:
    """The 1,741 municipalities (wards and the 6 北方領土 villages removed), sorted by code."""
    m = code_list[code_list["kind"].isin(list(TYPE_JA)) & ~code_list["northern_territory"]]
    m = m.sort_values("code").reset_index(drop=True)
    if m["code"].duplicated().any():
        raise BuildError(f"duplicate municipal codes: {m.loc[m['code'].duplicated(), 'code'].tolist()}")
    return m


def prefecture_codes(code_list: pd.DataFrame) -> pd.DataFrame:
    """The 47 prefectures, sorted by code."""
    p = code_list[code_list["kind"] == "prefecture"].sort_values("code").reset_index(drop=True)
    if len(p) != 47:
        raise BuildError(f"code list has {len(p)} prefectures, expected 47")
    return p
