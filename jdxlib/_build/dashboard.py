"""``dx_status`` and ``online_procedures`` from the Digital Agency dashboard export.

The export is wide (one column per body, one row per indicator) and carries names only.  The
1,741 municipal columns are in MIC code-list order and the 47 prefecture columns in prefecture
code order: codes are attached by position and every name is checked against the code list
(檮原町/梼原町 is the one allowed variant).  Labels are mapped to ASCII ids through
``jdxlib/refdata/dashboard_labels.yml``.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .. import constants
from .._paths import PACKAGE_DIR
from . import codes
from ._common import BuildError, parse_int, parse_percent

INPUTS_STATUS = ["code_list", "dashboard_municipal_status", "dashboard_prefecture_status"]
INPUTS_ONLINE = ["code_list", "dashboard_municipal_online", "dashboard_prefecture_online"]
LABELS_PATH = PACKAGE_DIR / "refdata" / "dashboard_labels.yml"

STATUS_CATEGORIES = ["実施", "未実施", "調査無し"]
LEVELS = list(constants.LEVELS)
PROCEDURE_GROUPS = list(constants.PROCEDURE_GROUPS)

DX_STATUS_COLUMNS = ["code", "level", "area", "indicator", "indicator_id", "status", "value",
                     "numerator", "denominator", "reference_date", "source"]
ONLINE_COLUMNS = ["code", "level", "procedure", "procedure_id", "procedure_group",
                  "online_rate", "source"]


class DashboardJoinError(BuildError):
    """A dashboard column name does not match the code list at its position."""


@lru_cache(maxsize=None)
def labels(path: str = str(LABELS_PATH)) -> dict:
    """The label mapping (indicators, procedure groups, procedures)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def read_wide(path: Path) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
    """Parse a wide export: (body names, [(area, label, cells)]); labels and names trimmed.

    Trailing columns with an empty header (the export ends every line with a comma) are dropped.
    """
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2:
        raise BuildError(f"{Path(path).name}: expected a header row of names and indicator rows, "
                         f"found {len(rows)} line(s)")
    header = rows[0]
    width = len(header)
    while width > 2 and header[width - 1].strip() == "":
        width -= 1
    names = [h.strip() for h in header[2:width]]
    if any(n == "" for n in names):
        raise BuildError(f"{Path(path).name}: empty body name in the header at column(s) "
                         f"{[i + 3 for i, n in enumerate(names) if n == '']}")
    out = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < width or any(c.strip() for c in row[width:]):
            raise BuildError(f"{Path(path).name}, line {lineno}: {len(row)} cells, expected {width} "
                             f"(2 label columns + {width - 2} bodies)")
        out.append((row[0].strip(), row[1].strip(), row[2:width]))
    return names, out


def attach_codes(names: list[str], expected: pd.DataFrame, what: str) -> list[str]:
    """Codes for *names* by position in *expected* (code, name); every name is verified."""
    if len(names) != len(expected):
        raise DashboardJoinError(
            f"{what}: {len(names)} body columns, expected {len(expected)} (the code list order)")
    for pos, (found, code, name) in enumerate(zip(names, expected["code"], expected["name"]), start=1):
        if not codes.same_name(found, name):
            raise DashboardJoinError(
                f"{what}: body column {pos} is {found!r} but position {pos} of the code list is "
                f"{code} {name!r}; codes are attached by position, so the export's order or "
                f"membership changed (known variants: {codes.NAME_VARIANTS})")
    return list(expected["code"])


def _bodies(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    cl = codes.read_code_list(paths["code_list"])
    return {"municipality": codes.municipal_codes(cl), "prefecture": codes.prefecture_codes(cl)}


def _status_rows(path: Path, level: str, source: str, bodies: pd.DataFrame) -> pd.DataFrame:
    names, rows = read_wide(path)
    body_codes = np.array(attach_codes(names, bodies, Path(path).name), dtype=object)
    n = len(body_codes)
    mapping = labels()["indicators"]
    unknown = [lab for _, lab, _ in rows if lab not in mapping]
    if unknown:
        raise BuildError(f"{Path(path).name}: unknown indicator label(s) {unknown}; known labels are "
                         f"listed in {LABELS_PATH.name}: {list(mapping)}")
    parsed: dict[str, dict] = {}
    for order, (area, label, cells) in enumerate(rows):
        spec = mapping[label]
        kind = spec["kind"]
        status = value = count = None
        try:
            if kind == "status":
                status = [c.strip() for c in cells]
                bad = sorted({s for s in status if s not in STATUS_CATEGORIES})
                if bad:
                    raise ValueError(bad[0])
            elif kind == "percent":
                value = [parse_percent(c) for c in cells]
            else:
                count = [parse_int(c) for c in cells]
        except ValueError as exc:
            pos = next(i for i, c in enumerate(cells) if c.strip() == str(exc.args[0]).strip()
                       or c == exc.args[0])
            valid = {"status": " / ".join(STATUS_CATEGORIES), "percent": "'<number>%' or empty",
                     "count": "an integer or empty"}[kind]
            raise BuildError(f"{Path(path).name}: row {label!r}, body {names[pos]} "
                             f"(column {pos + 1}): {cells[pos]!r} is not valid; expected {valid}") from None
        parsed[spec["id"]] = dict(order=order, area=area, label=label, spec=spec, status=status,
                                  value=value, count=count)
    frames = []
    for ind_id, p in parsed.items():
        spec = p["spec"]
        num = den = pd.array([None] * n, dtype="Int64")
        value = p["value"]
        if spec["kind"] == "count":
            value = p["count"]
            arr = pd.array(p["count"], dtype="Int64")
            if ind_id == _count_of("numerator"):
                num = arr
            else:
                den = arr
        if spec.get("numerator") in parsed:
            num = pd.array(parsed[spec["numerator"]]["count"], dtype="Int64")
        if spec.get("denominator") in parsed:
            den = pd.array(parsed[spec["denominator"]]["count"], dtype="Int64")
        ref = spec.get("reference_date")
        frames.append(pd.DataFrame({
            "code": body_codes,
            "level": level,
            "area": p["area"],
            "indicator": p["label"],
            "indicator_id": ind_id,
            "status": p["status"] if p["status"] is not None else [None] * n,
            "value": pd.array([np.nan if v is None else float(v) for v in value], dtype="float64")
            if value is not None else np.full(n, np.nan),
            "numerator": num,
            "denominator": den,
            "reference_date": pd.Timestamp(str(ref)) if ref else pd.NaT,
            "source": source,
            "_order": p["order"],
        }))
    return pd.concat(frames, ignore_index=True)


def _count_of(role: str) -> str | None:
    for spec in labels()["indicators"].values():
        if spec.get(role):
            return spec[role]
    return None


def build_dx_status(paths: dict[str, Path]) -> pd.DataFrame:
    bodies = _bodies(paths)
    df = pd.concat([
        _status_rows(paths["dashboard_prefecture_status"], "prefecture",
                     "dashboard_prefecture_status", bodies["prefecture"]),
        _status_rows(paths["dashboard_municipal_status"], "municipality",
                     "dashboard_municipal_status", bodies["municipality"]),
    ], ignore_index=True)
    df["level"] = pd.Categorical(df["level"], categories=LEVELS)
    df["status"] = pd.Categorical(df["status"], categories=STATUS_CATEGORIES, ordered=True)
    df["reference_date"] = pd.to_datetime(df["reference_date"]).astype("datetime64[ns]")
    for col in ("code", "area", "indicator", "indicator_id", "source"):
        df[col] = df[col].astype("str")
    df = df.sort_values(["level", "code", "_order"], ignore_index=True)
    return df[DX_STATUS_COLUMNS]


def _online_rows(path: Path, level: str, source: str, bodies: pd.DataFrame) -> pd.DataFrame:
    names, rows = read_wide(path)
    body_codes = attach_codes(names, bodies, Path(path).name)
    lab = labels()
    groups = lab["procedure_groups"][level]
    procs = lab["procedures"]
    recs = []
    for order, (area, label, cells) in enumerate(rows):
        if area not in groups:
            raise BuildError(f"{Path(path).name}: unknown procedure area {area!r} on row {label!r}; "
                             f"valid: {list(groups)}")
        if label not in procs:
            raise BuildError(f"{Path(path).name}: unknown procedure {label!r}; add it to "
                             f"{LABELS_PATH.name} (known: {len(procs)} procedures)")
        for pos, cell in enumerate(cells):
            try:
                rate = parse_percent(cell)
            except ValueError:
                raise BuildError(f"{Path(path).name}: procedure {label!r}, body {names[pos]} "
                                 f"(column {pos + 1}): {cell!r} is not a percentage "
                                 f"('<number>%'; empty = not published)") from None
            if rate is None:
                if cell.strip() == "%":
                    raise BuildError(f"{Path(path).name}: procedure {label!r}, body {names[pos]}: "
                                     f"bare '%' without a number")
                continue
            recs.append((body_codes[pos], label, procs[label], groups[area], rate, order))
    df = pd.DataFrame(recs, columns=["code", "procedure", "procedure_id", "procedure_group",
                                     "online_rate", "_order"])
    df.insert(1, "level", level)
    df["source"] = source
    return df


def build_online_procedures(paths: dict[str, Path]) -> pd.DataFrame:
    bodies = _bodies(paths)
    df = pd.concat([
        _online_rows(paths["dashboard_prefecture_online"], "prefecture",
                     "dashboard_prefecture_online", bodies["prefecture"]),
        _online_rows(paths["dashboard_municipal_online"], "municipality",
                     "dashboard_municipal_online", bodies["municipality"]),
    ], ignore_index=True)
    df["level"] = pd.Categorical(df["level"], categories=LEVELS)
    df["procedure_group"] = pd.Categorical(df["procedure_group"], categories=PROCEDURE_GROUPS)
    df["online_rate"] = df["online_rate"].astype("float64")
    for col in ("code", "procedure", "procedure_id", "source"):
        df[col] = df[col].astype("str")
    df = df.sort_values(["level", "code", "_order"], ignore_index=True)
    return df[ONLINE_COLUMNS]


#: Columns of the built ``procedure_catalog`` table.
CATALOG_COLUMNS = ["level", "procedure_id", "procedure", "procedure_group", "order"]


def build_procedure_catalog(paths: dict[str, Path]) -> pd.DataFrame:
    """Every procedure row of the two online exports, including those no body publishes a rate for.

    ``online_procedures`` has rows only where a value is published, so several disaster-related
    procedures would be missing from a list made from it; this table keeps the export's rows:
    ``level``, ``procedure_id``, ``procedure`` (label as published), ``procedure_group`` and
    ``order`` (row order within the level's export).
    """
    lab = labels()
    recs = []
    for level, source in (("municipality", "dashboard_municipal_online"),
                          ("prefecture", "dashboard_prefecture_online")):
        groups = lab["procedure_groups"][level]
        _, rows = read_wide(paths[source])
        for order, (area, label, _) in enumerate(rows):
            if area not in groups or label not in lab["procedures"]:
                raise BuildError(f"{Path(paths[source]).name}: unknown procedure area or label "
                                 f"{area!r} / {label!r}; add it to {LABELS_PATH.name}")
            recs.append((level, lab["procedures"][label], label, groups[area], order))
    df = pd.DataFrame(recs, columns=CATALOG_COLUMNS)
    df["level"] = pd.Categorical(df["level"], categories=LEVELS)
    df["procedure_group"] = pd.Categorical(df["procedure_group"], categories=PROCEDURE_GROUPS)
    df["order"] = df["order"].astype("int64")
    return df
