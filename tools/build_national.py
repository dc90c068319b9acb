"""Build ``data/national/national_indicators.csv`` from the shared reference figures.

Dev-time only: developers run it when the reference figures, the registry or the errata
change, and commit the result.  The project never runs it at run time (it reads ``../shared``).

Inputs
------
- ``../shared/reference/national_indicators_sources.csv`` (figures with their source page)
- ``../shared/reference/r5_summary_figures.csv`` (figures of a 2024 summary of the R5 survey)
- ``../shared/reference/national_2024_2026_figures.csv`` (figures published after the R5 survey)
- ``data/national/publications.yml`` (who published each source page; primary or secondary)
- ``data/national/indicator_registry.yml`` (source id -> series, theme, survey)
- ``data/national/errata.yml`` (MIC's published corrections)

Only figures, labels and source references are taken over; the ``evidence``, ``note`` and
``corroborated_by`` texts and the prose notes of the reference files are not.  Notes, check
reasons and the titles of the newer figures' pages (publications.yml) are written here.

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
RECENT_CSV = "national_2024_2026_figures.csv"
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
    "publisher",
    "publication",
    "published",
    "secondary",
    "as_of_inferred",
    "corroborated",
    "conflict",
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

RECENT_NOTES: list[tuple[tuple[str, str, str], str]] = [   # (indicator, level, as_of) of the recent file
    (("kakanai_madoguchi", "*", "*"),
     "The source gives no reference date; the R6 round (2024-04-01) of the main survey is the "
     "project's inference, not a stated fact.  Only the percentage was published."),
    (("frontyard_model_project_selected", "*", "*"),
     "Number of municipalities selected in one round; no denominator applies."),
    (("mynumber_card_holding_rate", "*", "*"),
     "Cards held over the resident population (the population figure is not given).  Not the "
     "issuance rate (交付枚数率) of earlier years: a separate series."),
    (("mynumber_card_holding_rate", "*", "2025-10-31"), "The count was published rounded to 10,000 cards."),
    (("std_delayed_systems", "*", "*"), "A share of systems, not of bodies."),
    (("ai_introduced", "all_local_governments", "*"), "Only the percentage was published."),
]

#: Levels of the recent file that are named differently from the dataset's levels.
RECENT_LEVELS = {"systems": "all_local_governments", "bodies": "municipality"}
#: Series whose share equals the sum of two other series' counts (AI = AI only + AI and RPA).
IMPLIED_SUMS = {"ai_introduced_airpa_survey": ("ai_only_introduced_airpa_survey", "ai_and_rpa_introduced_airpa_survey")}


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


def reproduces(count: int, base: int, percent: float, tolerance: float = TOLERANCE) -> bool:
    return abs(100.0 * count / base - percent) <= tolerance


def fiscal_label(as_of: str) -> str:
    """Survey label (R6 …) of the fiscal year a reference date falls in (April to March)."""
    y, m = int(as_of[:4]), int(as_of[5:7])
    return f"R{(y if m >= 4 else y - 1) - 2018}"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_publications(path: Path) -> list[dict]:
    pubs = yaml.safe_load(path.read_text(encoding="utf-8"))["publications"]
    for p in pubs:
        for key in ("url", "publisher", "title", "published", "secondary"):
            if key not in p:
                raise ValueError(f"publications.yml: {p.get('url')} lacks {key}")
        if not isinstance(p["secondary"], bool):
            raise ValueError(f"publications.yml: {p['url']}: secondary must be true or false")
        if p["published"] and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", str(p["published"])):
            raise ValueError(f"publications.yml: {p['url']}: bad date {p['published']!r}")
    return pubs


def attach_publications(rows: list[dict], pubs: list[dict]) -> None:
    """Give every row the publication it was read from; fail on unknown or unused entries."""
    used = set()
    for r in rows:
        hits = [i for i, p in enumerate(pubs) if p["url"] == r["source_url"]
                and r["source_title"].startswith(p.get("title_starts", ""))]
        if len(hits) != 1:
            raise ValueError(f"publications.yml: {len(hits)} entries match {r['source_url']} "
                             f"({r['source_title'][:40]}); exactly one must")
        used.add(hits[0])
        r["_pub"] = pubs[hits[0]]
    unused = [p["url"] for i, p in enumerate(pubs) if i not in used]
    if unused:
        raise ValueError(f"publications.yml: entries no figure uses: {unused}")


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


def note_for(file_key: str, indicator_id: str, level: str, fys: str, url: str = "", as_of: str = "") -> str:
    parts = []
    if file_key == "recent":
        return " ".join(text for (i, lv, d), text in RECENT_NOTES
                        if i == indicator_id and lv in ("*", level) and d in ("*", as_of))
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
            "_as_of_inferred": "(inferred)" in r["fiscal_year_survey"],
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
            "_as_of_inferred": False,
        })
    return out


def recent_rows(rows: list[dict[str, str]], mapping, pubs: list[dict]) -> list[dict]:
    """Figures published after the R5 survey (national_2024_2026_figures.csv)."""
    out = []
    for r in rows:
        series = mapping.get(("recent", r["indicator"]))
        if series is None:
            raise ValueError(f"recent:{r['indicator']} is not in the registry")
        level = RECENT_LEVELS.get(r["level"].strip(), r["level"].strip())
        m = re.fullmatch(r"(\d{4}-\d{2}(?:-\d{2})?)(?:\s*\((.*)\))?", r["as_of"].strip())
        if not m:
            raise ValueError(f"recent:{r['indicator']}: unreadable as_of {r['as_of']!r}")
        date, qualifier = m.group(1), (m.group(2) or "")
        inferred = qualifier == "inferred"
        if qualifier and not inferred and not qualifier.startswith("FY"):
            raise ValueError(f"recent:{r['indicator']}: unknown as_of qualifier {qualifier!r}")
        if qualifier.startswith("FY"):                      # a selection round, not a survey date
            fys = qualifier.split()[0] + ("補正" if "supplementary" in qualifier else "")
        else:
            fys = fiscal_label(date) + ("(inferred)" if inferred else "")
        if len(date) == 7:                                  # month only: no reference date
            date = ""
        den_text = r["denominator"].strip()
        if den_text.startswith("population"):
            denominator, basis = None, "population"
        elif not den_text:
            denominator, basis = None, "none" if series["measure"] == "count" else ""
        else:
            denominator, basis = to_int(den_text), "source"
        pct_text = r["percent"].strip()
        pub = [p for p in pubs if p["url"] == r["source_url"].strip()]
        title = " ".join(filter(None, [pub[0]["publisher"], str(pub[0]["published"]), pub[0]["title"]])) \
            if len(pub) == 1 else r["source_title"].strip()
        corroborated_by = r["corroborated_by"].strip()
        out.append({
            "_file": "recent",
            "indicator_id": r["indicator"],
            "series": series,
            "indicator_ja": series["label_ja"],
            "level": level,
            "as_of": date,
            "fiscal_year_survey": fys,
            "count": to_int(r["count"]),
            "denominator": denominator,
            "_basis": basis,
            "percent": to_float(pct_text),
            "_tolerance": (0.5 + 1e-9) if pct_text and "." not in pct_text else TOLERANCE,
            "unit": series["unit"],
            "source_title": title,
            "source_url": r["source_url"].strip(),
            # another outlet gave the same figure (not "consistent with" or "implied" remarks)
            "_corroborated_by_file": bool(corroborated_by) and not corroborated_by.startswith(("(", "consistent"))
            and "implied" not in corroborated_by,
            "_corrected_marker": False,
            "_as_of_inferred": inferred,
        })
    return out


def drop_repeats(rows: list[dict], recent: list[dict]) -> tuple[list[dict], int]:
    """Drop recent rows that repeat a row already in the older files; fail when they differ."""
    kept, dropped = [], 0
    for r in recent:
        same = [o for o in rows if o["series"]["series_id"] == r["series"]["series_id"]
                and o["level"] == r["level"] and o["as_of"] == r["as_of"] and o["source_url"] == r["source_url"]]
        if not same:
            kept.append(r)
            continue
        if any((o["count"], o["denominator"], o["percent"]) != (r["count"], r["denominator"], r["percent"])
               for o in same):
            raise ValueError(f"recent:{r['indicator_id']} {r['level']} {r['as_of']}: differs from the row "
                             f"already read from the same page")
        dropped += 1
    return kept, dropped


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
    tolerance = row.get("_tolerance", TOLERANCE)
    row["respondents"] = None
    key = (row["_file"], row["indicator_id"], row["level"])
    extra = CHECK_NOTES.get(key, "")
    if row["_basis"] == "population" and count is not None and pct is not None:
        row["check"] = "denominator_unknown"
        row["check_note"] = (f"Base is the resident population, not given as a number; the rate implies "
                             f"about {fmt_int(int(round(count * 100 / pct, -5)))} residents.")
    elif row["_basis"] == "none" and pct is None:
        row["check"] = "not_checkable"
        row["check_note"] = "A count without a denominator; no rate applies."
    elif row.get("_superseded"):
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
        if tolerance != TOLERANCE:
            raise ValueError(f"{key}: integer percent without a denominator is not handled")
        row["check_note"] = (
            f"Base not stated; the published rate fits a base of {fmt_int(lo)} to {fmt_int(hi)} bodies."
        )
    elif reproduces(count, den, pct, tolerance):
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


def flag_conflicts(rows: list[dict]) -> None:
    """Mark points where sources disagree (``conflict``) and say by how much, never choosing one.

    Two kinds: two pages giving different values for the same series, level and date; and a
    share that differs from the sum of the counts of its parts (IMPLIED_SUMS).
    """
    for r in rows:
        r.setdefault("conflict", "")
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["as_of"] and r["_file"] == "recent":
            groups.setdefault((r["series"]["series_id"], r["level"], r["as_of"]), []).append(r)
    for (sid, level, as_of), grp in sorted(groups.items()):
        others = [o for o in rows if o["series"]["series_id"] == sid and o["level"] == level
                  and o["as_of"] == as_of and o not in grp]
        grp = grp + others
        if len(grp) < 2 or all(_consistent(a, b) for a in grp for b in grp if a is not b):
            continue
        values = sorted({r["percent"] for r in grp if r["percent"] is not None})
        for r in grp:
            r["conflict"] = f"{sid}:{level}:{as_of}"
            r["check_note"] = (r["check_note"] + " " + (
                f"Sources disagree for this point: {' / '.join(fmt_num(v) + '%' for v in values)} "
                f"from {len({o['source_url'] for o in grp})} pages; all are kept.")).strip()
    for sid, parts in IMPLIED_SUMS.items():
        for r in [r for r in rows if r["series"]["series_id"] == sid and r["percent"] is not None and r["as_of"]]:
            found = [[o for o in rows if o["series"]["series_id"] == p and o["level"] == r["level"]
                      and o["as_of"] == r["as_of"] and o["count"] is not None and o["denominator"]]
                     for p in parts]
            if not all(found):
                continue
            total = sum(f[0]["count"] for f in found)
            base = found[0][0]["denominator"]
            if reproduces(total, base, r["percent"]):
                continue
            r["conflict"] = f"{sid}:{r['level']}:{r['as_of']}"
            r["check_note"] = (r["check_note"] + " " + (
                f"Another page's counts of its parts ({' + '.join(fmt_int(f[0]['count']) for f in found)} = "
                f"{fmt_int(total)} of {fmt_int(base)}) give {100 * total / base:.1f}%, not the published "
                f"{fmt_num(r['percent'])}%; both are kept.")).strip()


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
        "publisher": row["_pub"]["publisher"],
        "publication": row["_pub"]["title"],
        "published": str(row["_pub"]["published"]),
        "secondary": "true" if row["_pub"]["secondary"] else "false",
        "as_of_inferred": "true" if row["_as_of_inferred"] else "false",
        "corroborated": "true" if row["corroborated"] else "false",
        "conflict": row.get("conflict", ""),
        "published_count": fmt_num(row.get("published_count")),
        "correction": row.get("correction", ""),
        "check": row["check"],
        "check_note": row["check_note"],
        "note": " ".join(filter(None, [
            note_for(row["_file"], row["indicator_id"], row["level"], row["fiscal_year_survey"],
                     row["source_url"], row["as_of"]),
            row.get("_errata_note", ""),
        ])),
    }


def build(shared: Path, national_dir: Path) -> str:
    """Return the CSV text of the national_indicators dataset."""
    ref = shared / "reference"
    registry, mapping = load_registry(national_dir / "indicator_registry.yml")
    errata = yaml.safe_load((national_dir / "errata.yml").read_text(encoding="utf-8"))["errata"]
    pubs = load_publications(national_dir / "publications.yml")
    src = read_csv(ref / SOURCES_CSV)
    r5 = read_csv(ref / R5_CSV)
    recent = read_csv(ref / RECENT_CSV)

    ids = ({("sources", r["indicator_id"]) for r in src} | {("r5_summary", r["indicator_id"]) for r in r5}
           | {("recent", r["indicator"]) for r in recent})
    unused = sorted(set(mapping) - ids)
    if unused:
        raise ValueError(f"registry maps ids that are in none of the files: {unused}")

    rows = source_rows(src, mapping) + r5_rows(r5, mapping, registry)
    new, _ = drop_repeats(rows, recent_rows(recent, mapping, pubs))
    rows += new
    attach_publications(rows, pubs)
    for row in rows:
        row["year"] = era_year(row["fiscal_year_survey"])
        fill_universe(row)
    apply_errata(rows, errata)
    for row in rows:
        check_row(row)
    flag_conflicts(rows)
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
