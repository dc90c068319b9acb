"""Build ``data/national/national_indicators.csv`` from the shared reference figures.

Dev-time only: developers run it when the reference figures, the registry or the errata
change, and commit the result.  The project never runs it at run time (it reads ``../shared``).

Inputs
------
- ``../shared/reference/national_indicators_sources.csv`` (figures with their source page)
- ``../shared/reference/r5_summary_figures.csv`` (figures of a 2024 summary of the R5 survey)
- ``data/national/indicator_registry.yml`` (source id -> series, theme, survey)
- ``data/national/errata.yml`` (MIC's published corrections)

Only figures, labels and source references are taken over; the ``evidence`` column and the
prose notes of the reference files are not.  Notes and check reasons are written here.

The output is deterministic: fixed column order, sorted rows, UTF-8, ``\\n`` line endings.
Running the script twice gives byte-identical files.

Usage::

    .venv/bin/python tools/build_national.py [--shared ../shared] [--out data/national]
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from jdxlib._atomic import write_text  # noqa: E402

SOURCES_CSV = "national_indicators_sources.csv"
R5_CSV = "r5_summary_figures.csv"
OUTPUT_NAME = "national_indicators.csv"

COLUMNS = [
    "indicator_id",
    "series_id",
    "theme",
    "indicator_ja",
    "level",
    "as_of",
    "year",
    "fiscal_year_survey",
    "survey",
    "count",
    "denominator",
    "denominator_basis",
    "respondents",
    "percent",
    "unit",
    "source_title",
    "source_url",
    "corroborated",
    "published_count",
    "correction",
    "check",
    "check_note",
    "note",
]

MAIN_SURVEY = "mic_gyosei_johoka"
TOLERANCE = 0.05 + 1e-9          # published percentages are rounded to one decimal
R5_AS_OF = "2023-04-01"          # reference date assumed for the R5 main survey
R5_RESPONDENTS = 1733            # the base some R5 summary percentages reproduce with
MUNICIPAL_UNIVERSE_1741 = range(2014, 2025)   # municipal universe is 1,741 in these years
UNIVERSE = {"prefecture": 47, "designated_city": 20}
OTHER_MUNICIPALITIES = 1721      # AI・RPA / telework surveys: municipalities other than 指定都市

# Notes written for the project (keys: file, indicator_id, level, fiscal_year_survey; "*" = any).
ROW_NOTES: list[tuple[tuple[str, str, str, str], str]] = [
    (("sources", "*", "*", "H23(inferred)"),
     "Survey year inferred from the white paper's publication year; the page does not state it."),
    (("sources", "cio_appointed", "*", "H26"),
     "H26 value quoted for comparison in a report on the H28 results."),
    (("sources", "egov_promotion_structure", "*", "H26"),
     "H26 value quoted for comparison in a report on the H28 results."),
    (("sources", "cio_assistant_external", "*", "H23"),
     "H23 value quoted for comparison in an analysis of the R2 results."),
    (("sources", "ai_introduced_airpa_survey", "designated_city", "R1"),
     "Reference date not given in the source table."),
    (("sources", "ai_introduced_airpa_survey", "designated_city", "R3"),
     "Reference date not given in the source table."),
    (("sources", "online_usage_rate_21proc", "*", "*"),
     "Fiscal-year flow; as_of is the last day of that fiscal year."),
    (("sources", "online_usage_rate_eltax", "*", "*"),
     "Fiscal-year flow; as_of is the last day of that fiscal year."),
    (("sources", "it_system_cost_municipal", "*", "*"),
     "Initial budget of FY2017; no reference date applies."),
    (("sources", "it_system_cost_per_capita", "*", "*"),
     "Initial budget of FY2017; no reference date applies."),
    (("sources", "telework_introduced_tsurvey", "other_municipality", "R4"),
     "With the 20 designated cities this makes 1,103 municipal bodies (63.4% of 1,741)."),
    (("sources", "telework_introduced_tsurvey", "municipality", "R3"),
     "Base of the municipal rate not stated (designated cities plus other municipalities)."),
    (("sources", "ict_bcp_not_formulated", "*", "*"),
     "Share of towns and villages WITHOUT an ICT-BCP; the number of towns and villages is not stated."),
    (("sources", "personal_info_ordinance", "*", "*"),
     "All 47 prefectures and 1,750 municipalities."),
    (("r5_summary", "*", "*", "*"),
     "Secondary source: a 2024 article summarising the R5 results; only some counts are confirmed elsewhere."),
    (("r5_summary", "ai_introduced", "municipality", "*"),
     "From the separate AI・RPA survey, reference date not stated; a later dashboard shows 879 bodies."),
    (("r5_summary", "rpa_introduced", "municipality", "*"),
     "From the separate AI・RPA survey, reference date not stated; a later dashboard shows 720 bodies."),
    (("r5_summary", "ai_introduced", "prefecture", "*"),
     "From the separate AI・RPA survey, reference date not stated."),
    (("r5_summary", "rpa_introduced", "prefecture", "*"),
     "From the separate AI・RPA survey, reference date not stated."),
    (("r5_summary", "telework_introduced", "municipality", "*"),
     "From the telework survey, reference date not stated; does not match the 1,103 municipal "
     "bodies of the 2022-10-01 telework survey.  Same count as a 2024 dashboard export."),
    (("r5_summary", "telework_introduced", "prefecture", "*"),
     "From the telework survey, reference date not stated."),
    (("r5_summary", "e_approval", "*", "*"),
     "Approximate: about 30% for each of the three systems; no count published."),
    (("r5_summary", "frontdesk_systems_designated_cities", "*", "*"),
     "All designated cities are reported to push these front-desk systems; no per-item counts."),
    (("r5_summary", "staff_dx_training", "*", "*"), "No count published."),
    (("r5_summary", "dx_dedicated_unit", "prefecture", "*"),
     "Not confirmed elsewhere (R3: 42 prefectures)."),
    (("r5_summary", "procedures_total", "*", "*"), "Fiscal-year flow (FY2022), in 10,000 applications."),
    (("r5_summary", "procedures_online", "*", "*"),
     "Fiscal-year flow (FY2022), in 10,000 applications; new all-procedure basis, not comparable "
     "with the 21-procedure rate."),
]

# Extra reasons for flagged rows, added after the computed part of check_note.
CHECK_NOTES: dict[tuple[str, str, str], str] = {
    ("r5_summary", "ciso_appointed", "municipality"):
        "Count and percent cannot both be right; 1,733 is also the base that reproduces other R5 "
        "rates, so the base may have been printed in place of the count.",
    ("r5_summary", "application_data_analysed", "municipality"):
        "104 is also 13.1% of the 795 bodies that collect the data; 22.1% would need a base of "
        "about 470, so the base of the published rate is unclear.",
}


# --------------------------------------------------------------------------- helpers
def era_year(label: str) -> int | None:
    """Gregorian (fiscal) year of a survey label such as ``H16``, ``R1`` or ``FY2022実績``."""
    m = re.match(r"^\s*(H|R)(\d+)", label or "")
    if m:
        return (1988 if m.group(1) == "H" else 2018) + int(m.group(2))
    m = re.match(r"^\s*FY(\d{4})", label or "")
    return int(m.group(1)) if m else None


def to_int(value: str) -> int | None:
    value = (value or "").strip().replace(",", "")
    if not value:
        return None
    number = float(value)
    if number != int(number):
        raise ValueError(f"not an integer count: {value!r}")
    return int(number)


def to_float(value: str) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None


def fmt_num(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, "g")
    return str(value)


def fmt_int(value: int) -> str:
    return f"{value:,}"


def reproduces(count: int, base: int, percent: float) -> bool:
    return abs(100.0 * count / base - percent) <= TOLERANCE


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_registry(path: Path) -> tuple[dict, dict[tuple[str, str], dict]]:
    """Return (registry, {(file, source_id): series}); fail on ids mapped twice."""
    registry = yaml.safe_load(path.read_text(encoding="utf-8"))
    mapping: dict[tuple[str, str], dict] = {}
    seen_series = set()
    for series in registry["series"]:
        sid = series["series_id"]
        if sid in seen_series:
            raise ValueError(f"series {sid} defined twice")
        seen_series.add(sid)
        if series["survey"] not in registry["surveys"]:
            raise ValueError(f"series {sid}: unknown survey {series['survey']}")
        for file_key, ids in (series.get("source_ids") or {}).items():
            for source_id in ids:
                key = (file_key, source_id)
                if key in mapping:
                    raise ValueError(f"{file_key}:{source_id} mapped twice")
                mapping[key] = series
    return registry, mapping


def note_for(file_key: str, indicator_id: str, level: str, fys: str, url: str = "") -> str:
    parts = []
    if file_key == "sources" and fys == "H21" and url.endswith("/36822.html"):
        parts.append("Previous-year value quoted in the H22 press release.")
    for (f, i, lv, fy), text in ROW_NOTES:
        if f == file_key and i in ("*", indicator_id) and lv in ("*", level) and fy in ("*", fys):
            parts.append(text)
    return " ".join(parts)


# --------------------------------------------------------------------------- rows
def source_rows(rows: list[dict[str, str]], mapping) -> list[dict]:
    out = []
    for r in rows:
        series = mapping.get(("sources", r["indicator_id"]))
        if series is None:
            raise ValueError(f"sources:{r['indicator_id']} is not in the registry")
        out.append({
            "_file": "sources",
            "indicator_id": r["indicator_id"],
            "series": series,
            "indicator_ja": r["indicator_ja"].strip(),
            "level": r["level"].strip(),
            "as_of": r["as_of"].strip(),
            "fiscal_year_survey": r["fiscal_year_survey"].strip(),
            "count": to_int(r["count"]),
            "denominator": to_int(r["denominator"]),
            "percent": to_float(r["percent"]),
            "unit": r["unit"].strip(),
            "source_title": r["source_title"].strip(),
            "source_url": r["source_url"].strip(),
            "_corroborated_by_file": None,
            "_corrected_marker": "修正後" in r["indicator_ja"],
        })
    return out


def r5_rows(rows: list[dict[str, str]], mapping, registry) -> list[dict]:
    totals = {r["indicator_id"]: to_int(r["count"]) for r in rows}
    out = []
    for r in rows:
        series = mapping.get(("r5_summary", r["indicator_id"]))
        if series is None:
            raise ValueError(f"r5_summary:{r['indicator_id']} is not in the registry")
        survey = series["survey"]
        if survey == MAIN_SURVEY:
            as_of, fys = R5_AS_OF, "R5"
        elif survey == "online_usage":
            as_of, fys = "2023-03-31", "FY2022実績"
        else:                       # AI・RPA / telework figures: reference date not stated
            as_of, fys = "", "R5"
        denominator = None
        basis = ""
        if r["indicator_id"] == "procedures_online":
            denominator, basis = totals["procedures_total"], "total_series"
        elif r["level"] == "municipality":
            denominator, basis = 1741, "survey_universe"
        elif r["level"] in UNIVERSE:
            denominator, basis = UNIVERSE[r["level"]], "survey_universe"
        out.append({
            "_file": "r5_summary",
            "indicator_id": r["indicator_id"],
            "series": series,
            "indicator_ja": r["indicator_ja"].strip(),
            "level": r["level"].strip(),
            "as_of": as_of,
            "fiscal_year_survey": fys,
            "count": to_int(r["count"]),
            "denominator": denominator,
            "_basis": basis,
            "percent": to_float(r["percent"]),
            "unit": "万件" if r["indicator_id"].startswith("procedures_") else "",
            "source_title": r["source_title"].strip(),
            "source_url": r["source_url"].strip(),
            "_corroborated_by_file": r["corroborated"].strip().lower().startswith("yes"),
            "_corrected_marker": False,
        })
    return out


def fill_universe(row: dict) -> None:
    """Fill an empty denominator with the category's universe where the survey documents it."""
    if "_basis" in row:
        return
    if row["denominator"] is not None:
        row["_basis"] = "source"
        return
    row["_basis"] = ""
    level, survey, year = row["level"], row["series"]["survey"], row["year"]
    if row["series"]["measure"] != "share_of_bodies":
        return
    if level in UNIVERSE:
        row["denominator"] = UNIVERSE[level]
    elif level == "municipality" and survey == MAIN_SURVEY and year in MUNICIPAL_UNIVERSE_1741:
        row["denominator"] = 1741
    elif level == "other_municipality" and survey in ("airpa_survey", "telework_survey"):
        row["denominator"] = OTHER_MUNICIPALITIES
    else:
        return
    row["_basis"] = "survey_universe"


def apply_errata(rows: list[dict], errata: list[dict]) -> None:
    for e in errata:
        hits = [
            r for r in rows
            if r["series"]["series_id"] == e["series_id"] and r["level"] == e["level"]
            and r["as_of"] == str(e["as_of"]) and r["fiscal_year_survey"] == e["survey_year"]
        ]
        if e["status"] == "corrected":
            hits = [r for r in hits if r["count"] == e["corrected_value"]]
            if len(hits) != 1 or not hits[0]["_corrected_marker"]:
                raise ValueError(f"erratum {e['id']}: expected one corrected row, found {len(hits)}")
            hits[0]["published_count"] = e["published_value"]
            hits[0]["correction"] = e["id"]
            hits[0]["_errata_note"] = (
                f"Corrected by MIC ({e['correction_date']}); first published as "
                f"{fmt_int(e['published_value'])}."
            )
        elif e["status"] == "superseded_value_unknown":
            if not any(r["count"] == e["published_value"] for r in hits):
                raise ValueError(f"erratum {e['id']}: published value not found")
            for r in hits:
                r["correction"] = e["id"]
                r["_superseded"] = True
        else:
            raise ValueError(f"erratum {e['id']}: unknown status {e['status']}")
    unmarked = [r for r in rows if r["_corrected_marker"] and not r.get("correction")]
    if unmarked:
        raise ValueError(f"rows marked 修正後 without an erratum: {[r['indicator_id'] for r in unmarked]}")


def check_row(row: dict) -> None:
    count, den, pct = row["count"], row["denominator"], row["percent"]
    row["respondents"] = None
    key = (row["_file"], row["indicator_id"], row["level"])
    extra = CHECK_NOTES.get(key, "")
    if row.get("_superseded"):
        row["check"] = "superseded_unknown"
        row["check_note"] = "MIC revised this value again on 2024-04-26; the new value is not known."
    elif count is None or pct is None:
        row["check"] = "not_checkable"
        missing = "count" if count is None else "percent"
        row["check_note"] = f"No published {missing}, so the rate cannot be checked."
    elif den is None:
        row["check"] = "denominator_unknown"
        lo = math.ceil(100 * count / (pct + 0.05))
        hi = math.floor(100 * count / (pct - 0.05))
        row["check_note"] = (
            f"Base not stated; the published rate fits a base of {fmt_int(lo)} to {fmt_int(hi)} bodies."
        )
    elif reproduces(count, den, pct):
        row["check"] = "ok"
        row["check_note"] = ""
    elif (row["_file"] == "r5_summary" and row["level"] == "municipality"
          and reproduces(count, R5_RESPONDENTS, pct)):
        row["check"] = "respondent_base_1733"
        row["respondents"] = R5_RESPONDENTS
        row["check_note"] = (
            f"Reproduces only over 1,733 bodies ({100 * count / R5_RESPONDENTS:.1f}%), i.e. 1,741 less "
            f"8 Ishikawa bodies reported as not surveyed; over 1,741 it is {100 * count / den:.1f}%."
        )
    else:
        row["check"] = "internally_inconsistent"
        row["check_note"] = (
            f"{fmt_int(count)} is {100 * count / den:.1f}% of {fmt_int(den)}, not the published "
            f"{fmt_num(pct)}% (which would be about {fmt_int(round(pct * den / 100))} bodies)."
        )
    if extra:
        row["check_note"] = (row["check_note"] + " " + extra).strip()


def _consistent(a: dict, b: dict) -> bool:
    if a["count"] is not None and b["count"] is not None:
        return a["count"] == b["count"]
    if a["percent"] is not None and b["percent"] is not None:
        return abs(a["percent"] - b["percent"]) <= TOLERANCE
    for x, y in ((a, b), (b, a)):
        if x["count"] is not None and x["denominator"] and y["percent"] is not None:
            return reproduces(x["count"], x["denominator"], y["percent"])
    return False


def corroborate(rows: list[dict]) -> None:
    """Mark a row corroborated when a second source gives a consistent figure for the same point."""
    for r in rows:
        others = [
            o for o in rows
            if o is not r and o["series"]["series_id"] == r["series"]["series_id"]
            and o["level"] == r["level"] and o["year"] == r["year"] and o["as_of"] == r["as_of"]
            and (o["source_title"], o["source_url"]) != (r["source_title"], r["source_url"])
        ]
        found = any(_consistent(r, o) for o in others)
        r["corroborated"] = bool(found or r["_corroborated_by_file"])


def finish(row: dict) -> dict:
    series = row["series"]
    return {
        "indicator_id": row["indicator_id"],
        "series_id": series["series_id"],
        "theme": series["theme"],
        "indicator_ja": row["indicator_ja"],
        "level": row["level"],
        "as_of": row["as_of"],
        "year": fmt_num(row["year"]),
        "fiscal_year_survey": row["fiscal_year_survey"],
        "survey": series["survey"],
        "count": fmt_num(row["count"]),
        "denominator": fmt_num(row["denominator"]),
        "denominator_basis": row["_basis"],
        "respondents": fmt_num(row["respondents"]),
        "percent": fmt_num(row["percent"]),
        "unit": row["unit"] or series["unit"],
        "source_title": row["source_title"],
        "source_url": row["source_url"],
        "corroborated": "true" if row["corroborated"] else "false",
        "published_count": fmt_num(row.get("published_count")),
        "correction": row.get("correction", ""),
        "check": row["check"],
        "check_note": row["check_note"],
        "note": " ".join(filter(None, [
            note_for(row["_file"], row["indicator_id"], row["level"], row["fiscal_year_survey"],
                     row["source_url"]),
            row.get("_errata_note", ""),
        ])),
    }


def build(shared: Path, national_dir: Path) -> str:
    """Return the CSV text of the national_indicators dataset."""
    ref = shared / "reference"
    registry, mapping = load_registry(national_dir / "indicator_registry.yml")
    errata = yaml.safe_load((national_dir / "errata.yml").read_text(encoding="utf-8"))["errata"]
    src = read_csv(ref / SOURCES_CSV)
    r5 = read_csv(ref / R5_CSV)

    ids = {("sources", r["indicator_id"]) for r in src} | {("r5_summary", r["indicator_id"]) for r in r5}
    unused = sorted(set(mapping) - ids)
    if unused:
        raise ValueError(f"registry maps ids that are in neither file: {unused}")

    rows = source_rows(src, mapping) + r5_rows(r5, mapping, registry)
    for row in rows:
        row["year"] = era_year(row["fiscal_year_survey"])
        fill_universe(row)
    apply_errata(rows, errata)
    for row in rows:
        check_row(row)
    corroborate(rows)

    records = [finish(r) for r in rows]
    records.sort(key=lambda d: (
        d["theme"], d["series_id"], d["level"], int(d["year"] or 0), d["as_of"],
        d["source_url"], d["source_title"], d["indicator_id"], d["count"], d["percent"],
    ))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(records)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=PROJECT_ROOT.parent / "shared",
                        help="the shared folder (default: ../shared)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "data" / "national",
                        help="output folder (default: data/national)")
    parser.add_argument("--registry-dir", type=Path, default=PROJECT_ROOT / "data" / "national",
                        help="folder holding indicator_registry.yml and errata.yml")
    args = parser.parse_args(argv)
    text = build(args.shared, args.registry_dir)
    target = args.out / OUTPUT_NAME
    write_text(target, text)
    print(f"wrote {target} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
