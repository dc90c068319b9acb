"""National series as numeric tables (tables layer): trend points, the latest round of each
survey, flagged points.  :mod:`jdxlib.trends` adds the Japanese captions and charts and
re-exports these functions.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from .. import national

#: Surveys that ended (the registry describes a 2003–2004 quarterly survey and a one-off 2008
#: survey): their series are never "latest", whatever their own last round.
ENDED_SURVEYS = ("security_quarterly", "bcp_adhoc_2008")


#: Checks under which the published percentage reproduces from its count.
_REPRODUCING = ("ok", "respondent_base_1733")


def national_themes_for(report_themes: Iterable[str]) -> list[str]:
    """The ``national_indicators`` themes shown by these report themes (e.g. ``online_procedures`` → ``online``).

    Report themes (``jdxlib/themes.yml``) and national themes differ; the overview notebook
    passes report keys, so they are mapped here, in registry order, without repeats.
    """
    from ..themes import get

    out: list[str] = []
    for key in report_themes:
        for t in get(key).get("national_themes", []):
            if t not in out:
                out.append(t)
    return out


def headline(rows: pd.DataFrame) -> pd.Series:
    """The headline percentage of each row: the published one where it reproduces, else recomputed."""
    published = rows["percent"].where(rows["check"].astype(str).isin(_REPRODUCING))
    return published.fillna(rows["value"]).astype(float)


def trend_rows(series_id: str, since: int | None = None) -> pd.DataFrame:
    """Dated points of one series, with ``published_value`` where MIC corrected the count."""
    rows = national.series_table(series_id, since=since)
    rows = rows[rows["as_of"].notna()].copy()
    pub = rows["published_count"].astype("Float64") / rows["denominator"].astype("Float64") * 100
    rows["published_value"] = pub.astype(float)
    # the published percent of a point whose count and percent contradict each other
    rows["conflicting_value"] = rows["percent"].where(rows["check"].astype(str) == "internally_inconsistent")
    # one headline number per point: the published figure where it reproduces (CIO R5 73.3%)
    rows["value"] = headline(rows)
    return rows.sort_values(["level", "as_of"]).reset_index(drop=True)


def survey_latest_years() -> pd.Series:
    """The year of the latest round of every survey in ``national_indicators`` (all themes)."""
    rows = national.series_table()
    # a round known only by inference (書かない窓口: neither date nor survey stated by its source)
    # does not make every value of the last confirmed round "past"
    rows = rows[~rows["as_of_inferred"].fillna(False).astype(bool)]
    return rows.groupby(rows["survey"].astype(str))["year"].max().astype(int)


def latest_rows(themes: Iterable[str], since: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last point of every series × level of *themes*, split into current and past.

    Returns
    -------
    (current, past) : (pandas.DataFrame, pandas.DataFrame)
        Rows of :func:`jdxlib.national.series_table` plus ``survey_latest_year``.  *current*:
        the series was observed in the latest round of its own survey (the 推進状況調査, the
        AI・RPA survey, the telework survey … each has its own latest round) and that survey
        has not ended (:data:`ENDED_SURVEYS`).  *past*: every other series, with the year of
        its last value (``year``), newest first.
    """
    rows = national.series_table(themes=list(themes), since=since)
    rows = rows.sort_values(["series_id", "level", "year", "as_of"])
    last = rows.groupby(["series_id", "level"], observed=True).tail(1).copy()
    # every source of a point on which sources disagree (series_table keeps them all)
    point = ["series_id", "level", "year", "as_of"]
    if rows["conflict"].notna().any():
        last = rows.merge(last[point], on=point, how="inner")
    last["survey_latest_year"] = last["survey"].astype(str).map(survey_latest_years()).astype("Int64")
    current = (last["year"] >= last["survey_latest_year"]).fillna(False) & ~last["survey"].astype(str).isin(
        ENDED_SURVEYS)
    cur = last[current.to_numpy(dtype=bool)].sort_values(["theme", "series_id", "level"])
    past = last[~current.to_numpy(dtype=bool)].sort_values(["year", "theme", "series_id", "level"],
                                                          ascending=[False, True, True, True])
    return cur.reset_index(drop=True), past.reset_index(drop=True)


def flagged_rows(themes: Iterable[str] | None = None) -> pd.DataFrame:
    """National points whose published figures do not reproduce, or were corrected by MIC."""
    rows = national.series_table(themes=list(themes) if themes else None)
    keep = rows["check"].isin(["respondent_base_1733", "internally_inconsistent", "superseded_unknown"]) | rows[
        "published_count"].notna()
    return rows[keep]
