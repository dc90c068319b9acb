"""National figures on 自治体DX: the committed ``national_indicators`` dataset and its registry.

The files live in ``data/national/`` and are committed with the project:

``national_indicators.csv``
    One row per published figure (several rows when several sources give the same point),
    built by ``tools/build_national.py``; consistency checks and MIC's corrections are columns,
    not silent fixes.
``indicator_registry.yml``
    Maps every figure onto a *series* (one concept from one survey) with labels, definition
    and the series breaks.
``errata.yml``
    MIC's published corrections.
``publications.yml``
    Who published each page a figure was read from, and whether it is a secondary report
    (``secondary`` column): the base of every credit line of national figures.

Examples
--------
>>> from jdxlib import national
>>> df = national.load_national_indicators()
>>> int(df.query("series_id == 'cio_appointed' and level == 'municipality' "
...              "and fiscal_year_survey == 'R5'")["count"].iloc[0])
1270
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import pandas as pd
import yaml

from ._paths import NATIONAL_DIR

__all__ = [
    "LEVELS",
    "CHECKS",
    "load_national_indicators",
    "load_indicator_registry",
    "load_errata",
    "series_breaks",
    "recompute_percent",
    "series_table",
    "source_counts",
]

#: Levels (categories of bodies) in a fixed order for tables and charts.
LEVELS = [
    "prefecture",
    "designated_city",
    "municipality",
    "other_municipality",
    "town_village",
    "all_local_governments",
    "national",
]

#: Values of the ``check`` column.
CHECKS = [
    "ok",
    "respondent_base_1733",
    "denominator_unknown",
    "not_checkable",
    "internally_inconsistent",
    "superseded_unknown",
]

_STRING_COLUMNS = [
    "indicator_id", "series_id", "indicator_ja", "fiscal_year_survey", "source_title",
    "source_url", "publisher", "publication", "published", "conflict", "correction", "check_note", "note",
]
_BOOL_COLUMNS = ["corroborated", "secondary", "as_of_inferred"]
_INT_COLUMNS = ["year", "count", "denominator", "respondents", "published_count"]
_CATEGORY_COLUMNS = ["theme", "survey", "unit", "denominator_basis"]


def _read_yaml(name: str) -> dict:
    return yaml.safe_load((NATIONAL_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _indicators() -> pd.DataFrame:
    raw = pd.read_csv(
        NATIONAL_DIR / "national_indicators.csv", dtype=str, keep_default_na=False, encoding="utf-8"
    )
    df = pd.DataFrame(index=raw.index)
    for col in raw.columns:
        s = raw[col].replace("", pd.NA)
        if col in _INT_COLUMNS:
            df[col] = pd.to_numeric(s).astype("Int64")
        elif col == "percent":
            df[col] = pd.to_numeric(s).astype("float64")
        elif col == "as_of":
            df[col] = pd.to_datetime(s, format="%Y-%m-%d").astype("datetime64[ns]")
        elif col in _BOOL_COLUMNS:
            df[col] = s.map({"true": True, "false": False}).astype("boolean")
        elif col == "level":
            df[col] = pd.Categorical(s, categories=LEVELS)
        elif col == "check":
            df[col] = pd.Categorical(s, categories=CHECKS)
        elif col in _CATEGORY_COLUMNS:
            df[col] = pd.Categorical(s, categories=sorted(s.dropna().unique()))
        else:
            df[col] = s.astype("string")
    return df


def load_national_indicators() -> pd.DataFrame:
    """Load the national indicators of 自治体DX (2003-2024) with proper dtypes.

    Returns
    -------
    pandas.DataFrame
        One row per published figure.  ``as_of`` is ``datetime64`` (NaT when the source gives
        no reference date; ``year`` and ``fiscal_year_survey`` are then still set); counts are
        nullable ``Int64``; ``percent`` is the percentage as published (float); ``check`` says
        whether ``count`` / (``respondents`` or ``denominator``) reproduces it.  See
        ``jdxlib.describe("national_indicators")`` for every column.

    Examples
    --------
    >>> df = load_national_indicators()
    >>> df["as_of"].dtype.kind
    'M'
    """
    return _indicators().copy()


@lru_cache(maxsize=1)
def _registry() -> dict:
    return _read_yaml("indicator_registry.yml")


def _join(items: Iterable) -> str:
    return "; ".join(str(i) for i in items)


def load_indicator_registry() -> pd.DataFrame:
    """Load the indicator registry: one row per series.

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id``, ``theme``, ``survey``, ``survey_label_ja``, ``label_ja``,
        ``label_en``, ``unit``, ``measure``, ``definition``, ``source_ids`` (``file:id`` pairs
        joined by ``"; "``), ``n_breaks``, ``breaks`` (readable summary; see
        :func:`series_breaks` for a tidy table) and ``not_comparable_with``.

    Examples
    --------
    >>> reg = load_indicator_registry()
    >>> reg.set_index("series_id").loc["security_training", "theme"]
    'security'
    """
    reg = _registry()
    surveys = reg["surveys"]
    rows = []
    for s in reg["series"]:
        ids = [f"{f}:{i}" for f, lst in (s.get("source_ids") or {}).items() for i in lst]
        breaks = s.get("breaks") or []
        rows.append({
            "series_id": s["series_id"],
            "theme": s["theme"],
            "survey": s["survey"],
            "survey_label_ja": surveys[s["survey"]]["label_ja"],
            "label_ja": s["label_ja"],
            "label_en": s["label_en"],
            "unit": s["unit"],
            "measure": s["measure"],
            "definition": " ".join(str(s["definition"]).split()),
            "source_ids": _join(ids),
            "n_breaks": len(breaks),
            "breaks": " | ".join(
                f"{b['year']} ({b['survey_year']}, {b['kind']}): {' '.join(b['note'].split())}"
                for b in breaks
            ),
            "not_comparable_with": _join(s.get("not_comparable_with") or []),
        })
    df = pd.DataFrame(rows)
    for col in ("theme", "survey", "unit", "measure"):
        df[col] = pd.Categorical(df[col], categories=sorted(df[col].unique()))
    df["n_breaks"] = df["n_breaks"].astype("Int64")
    for col in ("series_id", "survey_label_ja", "label_ja", "label_en", "definition",
                "source_ids", "breaks", "not_comparable_with"):
        df[col] = df[col].replace("", pd.NA).astype("string")
    return df


def series_breaks(series_ids: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Series breaks as a tidy table: one row per break (and level it applies to).

    Parameters
    ----------
    series_ids : str or iterable of str, optional
        Restrict to these series.

    Returns
    -------
    pandas.DataFrame
        Columns ``series_id``, ``year`` (first survey year on the new basis), ``survey_year``,
        ``kind`` (universe, definition, survey_title, reference_date), ``level`` (NA = all
        levels) and ``note``.
    """
    wanted = _as_set(series_ids)
    rows = []
    for s in _registry()["series"]:
        if wanted is not None and s["series_id"] not in wanted:
            continue
        for b in s.get("breaks") or []:
            for level in b.get("levels") or [None]:
                rows.append({
                    "series_id": s["series_id"], "year": b["year"],
                    "survey_year": b["survey_year"], "kind": b["kind"], "level": level,
                    "note": " ".join(b["note"].split()),
                })
    df = pd.DataFrame(rows, columns=["series_id", "year", "survey_year", "kind", "level", "note"])
    df["year"] = df["year"].astype("Int64")
    for col in ("series_id", "survey_year", "kind", "level", "note"):
        df[col] = df[col].astype("string")
    return df


def load_errata() -> pd.DataFrame:
    """Load MIC's published corrections (``data/national/errata.yml``).

    Returns
    -------
    pandas.DataFrame
        One row per correction: ``id``, ``survey_year``, ``as_of``, ``series_id``, ``level``,
        ``published_value``, ``corrected_value`` (NA when MIC's new value is not known),
        ``unit``, ``correction_date``, ``status`` (``corrected`` or
        ``superseded_value_unknown``), ``source_url`` and ``reason``.
    """
    df = pd.DataFrame(_read_yaml("errata.yml")["errata"])
    df["reason"] = df["reason"].map(lambda t: " ".join(str(t).split()))
    for col in ("as_of", "correction_date"):
        df[col] = pd.to_datetime(df[col], format="%Y-%m-%d").astype("datetime64[ns]")
    for col in ("published_value", "corrected_value"):
        df[col] = pd.array(df[col].tolist(), dtype="Int64")
    df["level"] = pd.Categorical(df["level"], categories=LEVELS)
    df["status"] = pd.Categorical(df["status"], categories=["corrected", "superseded_value_unknown"])
    for col in ("id", "survey_year", "series_id", "unit", "source_url", "reason"):
        df[col] = df[col].astype("string")
    return df


def recompute_percent(df: pd.DataFrame) -> pd.DataFrame:
    """Add percentages recomputed from the counts.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`load_national_indicators` (needs ``count``, ``denominator``,
        ``respondents`` and ``percent``).

    Returns
    -------
    pandas.DataFrame
        A copy with ``percent_all_bodies`` (count ÷ denominator × 100, the MIC definition over
        all bodies of the category; only for series whose ``measure`` is ``share_of_bodies``), ``percent_recomputed`` (count ÷ respondents when the
        published percent used respondents, else ÷ denominator) and ``percent_diff``
        (published − recomputed; within ±0.05 means the published rounding reproduces).
    """
    out = df.copy()
    # Only counts of bodies make a share: amounts (億円, 円/人) and staff counts do not.
    measure = out["series_id"].astype("string").map(
        load_indicator_registry().set_index("series_id")["measure"].astype("string"))
    shares = (measure == "share_of_bodies").fillna(False).to_numpy()
    count = out["count"].astype("Float64").where(shares)
    den = out["denominator"].astype("Float64")
    base = out["respondents"].astype("Float64").fillna(den)
    out["percent_all_bodies"] = (100 * count / den).astype("float64")
    out["percent_recomputed"] = (100 * count / base).astype("float64")
    out["percent_diff"] = out["percent"] - out["percent_recomputed"]
    return out


def _as_set(value) -> set[str] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def series_table(
    series_ids: str | Iterable[str] | None = None,
    level: str | Iterable[str] | None = None,
    since: int | str | None = None,
    *,
    themes: str | Iterable[str] | None = None,
    dedupe: bool = True,
) -> pd.DataFrame:
    """Tidy rows for charting trends, with labels and series-break markers.

    Parameters
    ----------
    series_ids : str or iterable of str, optional
        Series to include (default: all).
    level : str or iterable of str, optional
        Levels to include, e.g. ``["prefecture", "municipality"]``.
    since : int or str, optional
        First year to include: a year (``2014``) or a date string (``"2014-04-01"``, whose year
        is used).  Compared with the ``year`` column, which is set even when ``as_of`` is not.
    themes : str or iterable of str, optional
        Themes to include.
    dedupe : bool, default True
        Keep one row per series, level, year and reference date: the row whose count and
        denominator are both known is preferred, then one that also carries the published
        percentage (so a flagged figure such as CIO R5, 1,270 of 1,733 respondents = 73.3%, is
        not replaced by a count-only row of the same point), then a row whose check is ``ok``.
        ``n_sources`` tells how many rows gave that point.

    Returns
    -------
    pandas.DataFrame
        Columns of the dataset plus ``label_ja``, ``label_en``, ``value`` (percent over all
        bodies where count and denominator are known, else the published percent),
        ``value_basis`` (``recomputed`` or ``published``), ``n_sources``, ``break_before``
        (True when a series break falls between the previous point of that series and level
        and this one) and ``break_note``.  Sorted by series, level and year.
    """
    df = recompute_percent(load_national_indicators())
    for col, wanted in (("series_id", series_ids), ("level", level), ("theme", themes)):
        keep = _as_set(wanted)
        if keep is not None:
            df = df[df[col].astype("string").isin(keep)]
    if since is not None:
        first = int(since) if isinstance(since, int) else pd.Timestamp(since).year
        df = df[(df["year"] >= first).fillna(False)]

    df = df.copy()
    df["value"] = df["percent_all_bodies"].fillna(df["percent"])
    df["value_basis"] = pd.Series(
        ["recomputed" if pd.notna(v) else "published" for v in df["percent_all_bodies"]],
        index=df.index, dtype="string",
    )
    df.loc[df["value"].isna(), "value_basis"] = pd.NA
    keys = ["series_id", "level", "year", "as_of"]
    df["n_sources"] = df.groupby(keys, observed=True, dropna=False)["indicator_id"].transform("size")
    if dedupe:
        df["_rank"] = (
            df["percent_all_bodies"].isna().astype(int) * 4
            + df["percent"].isna().astype(int) * 2
            + (df["check"].astype("string") != "ok").astype(int)
        )
        df = df.sort_values(keys + ["_rank"], kind="stable")
        # points on which sources disagree keep every source: choosing one would hide the conflict
        df = df[~df.duplicated(keys, keep="first") | df["conflict"].notna()].drop(columns="_rank")

    reg = load_indicator_registry().set_index("series_id")[["label_ja", "label_en"]]
    df = df.join(reg, on="series_id")
    df = df.sort_values(["series_id", "level", "year", "as_of"], kind="stable").reset_index(drop=True)

    brk = series_breaks(df["series_id"].dropna().unique())
    flags, notes = [], []
    prev: dict[tuple, int] = {}
    for sid, lvl, year in zip(df["series_id"], df["level"].astype("string"), df["year"]):
        key = (sid, lvl)
        last = prev.get(key)
        if last is None or pd.isna(year):
            hit = brk.iloc[0:0]
        else:
            hit = brk[
                (brk["series_id"] == sid)
                & (brk["level"].isna() | (brk["level"] == lvl))
                & (brk["year"] > last)
                & (brk["year"] <= year)
            ]
        flags.append(bool(len(hit)))
        notes.append(" ".join(hit["note"].tolist()) or pd.NA)
        if pd.notna(year):
            prev[key] = int(year)
    df["break_before"] = pd.array(flags, dtype="boolean")
    df["break_note"] = pd.array(notes, dtype="string")
    return df


def source_counts(df: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many figures were read from primary and from secondary publications.

    Parameters
    ----------
    df : pandas.DataFrame, optional
        Rows of :func:`load_national_indicators` (default: all of them).

    Returns
    -------
    pandas.DataFrame
        One row per kind (``secondary`` False, then True) with ``figures`` (rows) and
        ``publications`` (distinct publications).
    """
    df = load_national_indicators() if df is None else df
    # two publications can share an address (the ministry's page and an article citing it)
    page = df["publisher"].astype(str) + "\n" + df["publication"].astype(str) + "\n" + df["source_url"].astype(str)
    out = (page.groupby(df["secondary"].astype(bool).to_numpy())
               .agg(figures="size", publications="nunique")
               .reindex([False, True], fill_value=0))
    out.index.name = "secondary"
    return out.reset_index()
