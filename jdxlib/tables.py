"""Numeric tidy tables: the data behind every chart of the theme notebooks.

One function per chart (or per section) of ``notebooks/00_overview`` … ``10_opendata``, each
returning a :class:`pandas.DataFrame` that an analyst can filter, pivot and plot::

    from jdxlib import tables

    t = tables.status_by_type("cio_appointed")
    t.pivot(index="type", columns="indicator_id", values="share_pct")

Conventions
-----------
Tidy
    One row per observation (an indicator × group, a date × group, a prefecture …); the
    columns are numbers, dates, booleans or labels (names, codes, categories).  No column
    holds pre-formatted numbers such as ``"73.3%"`` or ``"1,270"``: formatting (and
    Japanese prose) is the job of the report layer, not of these tables.
Unit of shares
    **Every share is a percentage from 0 to 100 in a column whose name ends in ``_pct``**
    (``share_pct``, ``rate_pct``, ``median_pct`` …); ``*_pp`` columns are percentage
    points.  The counts a share is made of stand beside it (``yes`` / ``n`` / ``total``,
    ``count`` / ``respondents``, ``cards_issued`` / ``population`` …).
Missing is not "no"
    Bodies that did not answer, were not surveyed or have no published value are never
    counted as 0 or 未実施: they are explicit counts (``not_surveyed``, ``missing``,
    ``not_published``, ``nonrespondents``) or explicit categories (未提出, 未確認), and a
    share whose denominator is 0 is NaN.  Complete counts carry no confidence interval.

Functions and the dataset each reads (its survey, reference dates and credit line are in
``jdxlib.describe(name)``; credit it wherever a number is shown):

``status_*``, ``body_status``
    ``dx_status`` (デジタル庁 dashboard), themes 01, 05, 06;
``national_*``
    ``national_indicators`` (national figures, every theme and 00_overview);
``procedure_*``
    ``online_procedures`` and ``dx_status``, theme 03;
``card_*``
    ``mynumber_cards`` and ``dx_status``, theme 09;
``opendata_*``
    ``opendata_survey`` (and ``dx_status`` for :func:`opendata_dx`), theme 10.

These functions are a thin facade over the analysis modules (:mod:`jdxlib.analysis`,
:mod:`jdxlib.trends`, :mod:`jdxlib.procedures`, :mod:`jdxlib.cards`,
:mod:`jdxlib.opendata`), which hold the definitions behind each count; here the shares are
only put in one unit and display-only columns dropped.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd

__all__ = [
    "body_status",
    "card_errata",
    "card_holding_by_body",
    "card_latest",
    "card_rate_bands",
    "card_rates",
    "card_rates_by_prefecture",
    "national_flags",
    "national_latest",
    "national_series",
    "national_trends",
    "opendata_bounds",
    "opendata_by_prefecture",
    "opendata_dx",
    "opendata_panel_change",
    "opendata_publication",
    "opendata_shares",
    "opendata_status",
    "procedure_coverage",
    "procedure_coverage_by_body",
    "procedure_coverage_by_prefecture",
    "procedure_rates",
    "status_by_band",
    "status_by_prefecture",
    "status_by_type",
    "status_prefecture_level",
]


# --------------------------------------------------------------------------- helpers
def _percent(df: pd.DataFrame, fractions: dict[str, str] | None = None,
             percents: dict[str, str] | None = None, drop: Iterable[str] = ()) -> pd.DataFrame:
    """Fractions (0–1) → ``*_pct`` (0–100); percentages already 0–100 → renamed ``*_pct``."""
    out = df.drop(columns=[c for c in drop if c in df.columns])
    for old in fractions or {}:
        if old in out.columns:
            out[old] = out[old].astype(float) * 100
    renames = {**(fractions or {}), **(percents or {})}
    out = out.rename(columns={k: v for k, v in renames.items() if k in out.columns})
    for new in renames.values():
        if new in out.columns:
            out[new] = out[new].astype(float)
    return out.reset_index(drop=True)


_SHARES = {"share": "share_pct", "share_of_all": "share_of_all_pct"}
# rank_label is a display string ("3位（2団体同率）"); rank and tied hold the same numbers
_DISPLAY = ("rank_label",)


def _ids(indicator_ids: str | Iterable[str]) -> list[str]:
    return [indicator_ids] if isinstance(indicator_ids, str) else list(indicator_ids)


# --------------------------------------------------------------------------- dx_status
def body_status(indicator_ids: str | Iterable[str] | None = None, level: str = "municipality") -> pd.DataFrame:
    """Each body's answer to ``dx_status`` items (one row per body and item).

    Parameters
    ----------
    indicator_ids : str or iterable of str, optional
        E.g. ``"cio_appointed"``; None takes every item of *level*.
    level : {"municipality", "prefecture"}

    Returns
    -------
    pandas.DataFrame
        :func:`jdxlib.analysis.status_items`: ``code``, ``name``, ``prefecture_code``,
        ``prefecture``, ``type``, ``population_2020``, ``population_band``, ``indicator_id``,
        ``indicator``, ``status`` (実施 / 未実施 / 調査無し; NA = no answer), ``value``,
        ``numerator``, ``denominator`` (percentage items), ``reference_date``, ``source``.
    """
    from . import analysis

    return analysis.status_items(None if indicator_ids is None else _ids(indicator_ids), level=level)


def _status_by(indicator_ids, by: str) -> pd.DataFrame:
    from . import analysis

    items = analysis.status_items(_ids(indicator_ids))
    return _percent(analysis.share_by(items, by=by, total=True), _SHARES)


def status_by_type(indicator_ids: str | Iterable[str]) -> pd.DataFrame:
    """Municipalities answering 実施, by body type and for the whole country (dx_status).

    Parameters
    ----------
    indicator_ids : str or iterable of str
        ``dx_status`` items of the municipality level, e.g. ``"cio_appointed"``.

    Returns
    -------
    pandas.DataFrame
        One row per item × type (指定都市 … 村) plus a ``"全国"`` row per item:
        ``indicator_id``, ``indicator``, ``type``, ``yes``, ``no``, ``not_surveyed``
        (調査無し), ``missing`` (no answer), ``n`` (respondents = yes + no), ``total`` (all
        bodies), ``share_pct`` (yes / n × 100), ``share_of_all_pct`` (yes / total × 100),
        ``one_body_pp`` (points one body moves ``share_pct``).

    Raises
    ------
    ValueError
        An unknown item (the message lists the valid ids) or a percentage item.
    """
    return _status_by(indicator_ids, "type")


def status_by_band(indicator_ids: str | Iterable[str]) -> pd.DataFrame:
    """Like :func:`status_by_type`, by population band (2020 census) instead of type.

    The column ``population_band`` replaces ``type``; bodies without a 2020 population form
    their own group (人口公表なし) rather than being dropped.
    """
    return _status_by(indicator_ids, "population_band")


def status_by_prefecture(indicator_id: str) -> pd.DataFrame:
    """Municipalities answering 実施, per prefecture, ranked (dx_status).

    Returns
    -------
    pandas.DataFrame
        47 rows sorted by rank: ``rank``, ``tied`` (prefectures sharing the rank; ranks are
        over the share rounded as displayed), ``prefecture_code``, ``prefecture``,
        ``indicator_id``, ``indicator``, the counts of :func:`status_by_type`,
        ``share_pct``, ``share_of_all_pct``, ``one_body_pp``.
    """
    from . import analysis

    items = analysis.status_items(_ids(indicator_id))
    return _percent(analysis.prefecture_ranking(items, indicator_id), _SHARES, drop=_DISPLAY)


def status_prefecture_level(indicator_ids: str | Iterable[str]) -> pd.DataFrame:
    """The 47 prefectures' own answers (prefecture-level ``dx_status`` items), counted.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``indicator_id``, ``indicator``, the counts of
        :func:`status_by_type`, ``share_pct``, ``share_of_all_pct``, ``one_body_pp``.
    """
    from . import analysis

    items = analysis.status_items(_ids(indicator_ids), level="prefecture")
    shares = analysis.share_by(items.assign(_all="all"), by="_all")
    return _percent(shares, _SHARES, drop=["_all"])


# --------------------------------------------------------------------------- national figures
_NATIONAL_COLUMNS = {
    "series_id": "series_id", "indicator_id": "indicator_id", "label_ja": "label_ja",
    "theme": "theme", "level": "level", "year": "year", "as_of": "as_of", "survey": "survey",
    "unit": "unit", "count": "count", "denominator": "denominator",
    "denominator_basis": "denominator_basis", "respondents": "respondents",
    "percent": "published_pct", "percent_all_bodies": "all_bodies_pct",
    "value": "value_pct", "value_basis": "value_basis", "check": "check",
    "published_count": "published_count", "published_value": "published_count_pct",
    "correction": "correction", "break_before": "break_before", "secondary": "secondary",
    "publisher": "publisher", "source_title": "source_title", "source_url": "source_url",
}


def _national(rows: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    keep = [c for c in list(_NATIONAL_COLUMNS) + list(extra) if c in rows.columns]
    out = rows[keep].rename(columns=_NATIONAL_COLUMNS)
    for col in ("published_pct", "all_bodies_pct", "value_pct", "published_count_pct"):
        if col in out.columns:
            out[col] = out[col].astype(float)
    return out.reset_index(drop=True)


def national_series(series_id: str, since: int | None = None) -> pd.DataFrame:
    """The dated points of one national series (national_indicators), as charted.

    Parameters
    ----------
    series_id : str
        E.g. ``"cio_appointed"`` (see ``jdxlib.load("indicator_registry")``).
    since : int, optional
        Only points from this year on.

    Returns
    -------
    pandas.DataFrame
        One row per level × reference date (several rows when sources disagree):
        ``series_id``, ``indicator_id``, ``label_ja``, ``theme``, ``level``, ``year``,
        ``as_of``, ``survey``, ``unit``, ``count``, ``denominator``, ``denominator_basis``,
        ``respondents``, ``published_pct`` (the percentage as published; NaN when none
        was), ``all_bodies_pct`` (count / all bodies × 100), ``value_pct`` (the one
        headline value charted: the published percentage where it reproduces, else the
        recomputed one), ``value_basis``, ``check``, ``published_count`` and
        ``published_count_pct`` (a count first published and later corrected by MIC),
        ``correction``, ``break_before`` (a series break before this point),
        ``secondary`` (read in a secondary report), ``publisher``, ``source_title``,
        ``source_url``.
    """
    from ._tidy import trends

    return _national(trends.trend_rows(series_id, since=since))


def national_trends(themes: str | Iterable[str], since: int | None = None) -> pd.DataFrame:
    """All national series charted for report theme(s) *themes* (e.g. ``"governance"``), stacked.

    Parameters
    ----------
    themes : str or iterable of str
        Report theme keys (:func:`jdxlib.themes.theme_keys`); a series charted by several
        themes appears once.
    since : int, optional
        Only points from this year on.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`national_series`; empty (with those columns) when the themes
        have no national time series.
    """
    from .themes import get

    keys = [themes] if isinstance(themes, str) else list(themes)
    series = dict.fromkeys(s for k in keys for s in get(k).get("trend_series", []))
    frames = [f for f in (national_series(s, since=since) for s in series) if len(f)]
    if not frames:
        return _empty_national()
    return pd.concat(frames, ignore_index=True)


def _empty_national() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float if c.endswith("_pct") else object)
                         for c in _NATIONAL_COLUMNS.values()})


def national_latest(themes: Iterable[str], since: int | None = None) -> pd.DataFrame:
    """The last point of every national series × level of the national *themes*.

    Parameters
    ----------
    themes : iterable of str
        Themes of ``national_indicators`` (a report theme's ``national_themes``, e.g.
        ``["governance", "expenditure"]``; :func:`jdxlib.trends.national_themes_for` maps
        report themes to them).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`national_series` plus ``survey_latest_year`` and
        ``in_latest_round`` (True: observed in the latest round of its own survey — the
        「最新の全国値」 table; False: a series last seen earlier).
    """
    from ._tidy import trends

    current, past = trends.latest_rows(list(themes), since=since)
    both = pd.concat([current.assign(in_latest_round=True), past.assign(in_latest_round=False)],
                     ignore_index=True)
    return _national(both, extra=("survey_latest_year", "in_latest_round"))


def national_flags(themes: Iterable[str] | None = None) -> pd.DataFrame:
    """National points whose published figures disagree or were corrected by MIC.

    Same columns as :func:`national_series`: ``check`` says what is wrong
    (``respondent_base_1733``, ``internally_inconsistent``, ``superseded_unknown``), and
    ``published_count`` the count first published where MIC corrected it.
    """
    from ._tidy import trends

    return _national(trends.flagged_rows(list(themes) if themes else None))


# --------------------------------------------------------------------------- online procedures
_RATE_STATS = {"median": "rate_median_pct", "q1": "rate_q1_pct", "q3": "rate_q3_pct"}


def procedure_rates(level: str = "municipality", by: str | None = None) -> pd.DataFrame:
    """Per procedure: how many bodies publish an online application rate, and its spread.

    Parameters
    ----------
    level : {"municipality", "prefecture"}
    by : {"type", "population_band"}, optional
        Municipalities only: one block of rows per group.

    Returns
    -------
    pandas.DataFrame
        One row per procedure (× group): [*by*], ``procedure_id``, ``procedure``,
        ``procedure_group``, ``offering`` (bodies with a published rate), ``not_published``
        (bodies without one: not the same as "not online"), ``total``, ``offering_pct``
        (offering / total × 100), ``zero`` (bodies publishing a rate of 0),
        ``rate_median_pct``, ``rate_q1_pct``, ``rate_q3_pct`` (over the bodies publishing a
        rate; NaN when none does).
    """
    from ._tidy import procedures

    frame = procedures.procedure_overview(level) if by is None else procedures.overview_by(by, level)
    frame = frame.assign(not_published=frame["total"] - frame["offering"])
    cols = list(frame.columns)
    cols.insert(cols.index("total"), cols.pop(cols.index("not_published")))
    return _percent(frame[cols], {"share": "offering_pct"}, _RATE_STATS)


def procedure_coverage(by: str | None = "type", level: str = "municipality") -> pd.DataFrame:
    """Spread of each body's share of procedures online (よく使う32手続, 子育て・介護26手続).

    Returns
    -------
    pandas.DataFrame
        One row per indicator (× *by* group): ``indicator_id``, ``indicator``, [*by*],
        ``n`` (bodies with a value), ``missing`` (without), ``median_pct``, ``q1_pct``,
        ``q3_pct``, ``iqr_pp``, ``min_pct``, ``max_pct``.
    """
    from ._tidy import procedures

    frame = procedures.coverage_summary(by, level)
    return _percent(frame, percents={"median": "median_pct", "q1": "q1_pct", "q3": "q3_pct",
                                     "iqr": "iqr_pp", "min": "min_pct", "max": "max_pct"})


def procedure_coverage_by_prefecture(indicator: str = "frequent_32_online_rate") -> pd.DataFrame:
    """Per prefecture: the median over its municipalities of *indicator*, and its own value.

    Returns
    -------
    pandas.DataFrame
        47 rows by rank: ``rank``, ``tied``, ``prefecture_code``, ``prefecture``, ``n``,
        ``missing``, ``median_pct``, ``q1_pct``, ``q3_pct``, ``own_pct`` (the prefecture's
        own value), ``own_numerator``, ``own_denominator``.
    """
    from ._tidy import procedures

    return _percent(procedures.prefecture_coverage(indicator),
                    percents={"median": "median_pct", "q1": "q1_pct", "q3": "q3_pct", "own": "own_pct"},
                    drop=_DISPLAY)


def procedure_coverage_by_body(level: str = "municipality") -> pd.DataFrame:
    """Each body's share of procedures online, with the counts it is made of.

    Returns
    -------
    pandas.DataFrame
        One row per body: who it is (``code``, ``name``, ``prefecture_code``,
        ``prefecture``, ``type``, ``population_2020``, ``population_band``),
        ``frequent_32_online_pct`` (= ``frequent_32_numerator`` /
        ``frequent_32_denominator`` × 100), ``childcare_26_online_pct``, and ``offered*``
        (procedures with a published application rate).  NaN = not published.
    """
    from ._tidy import procedures

    return _percent(procedures.coverage(level), percents={
        "frequent_32_online_rate": "frequent_32_online_pct",
        "childcare_26_online_rate": "childcare_26_online_pct"})


# --------------------------------------------------------------------------- マイナンバーカード
def card_rates(by: str | None = None) -> pd.DataFrame:
    """マイナンバーカード issuance rate, recomputed from the municipal counts, per date.

    Parameters
    ----------
    by : {None, "type"}
        None: the whole country; ``"type"``: 全国 and the published categories
        (特別区・指定都市・市・町村).

    Returns
    -------
    pandas.DataFrame
        One row per date (× ``category``): ``date``, [``bodies``], [``category``],
        ``population``, ``cards_issued``, ``rate_pct`` (cards_issued / population × 100),
        ``published_pct`` (the rate MIC published, for comparison).
    """
    from ._tidy import cards

    if by is None:
        frame = cards.national_curve()
    elif by == "type":
        frame = cards.by_type_curves()
    else:
        raise ValueError(f"by must be None or 'type', got {by!r}")
    return _percent(frame, percents={"rate": "rate_pct", "published_rate": "published_pct"})


def card_rate_bands(by: str | None = None) -> pd.DataFrame:
    """Spread of the municipalities' own issuance rates per date (median and quartiles).

    Returns
    -------
    pandas.DataFrame
        ``date``, [*by*], ``median_pct``, ``q1_pct``, ``q3_pct``, ``n`` (municipalities).
    """
    from ._tidy import cards

    return _percent(cards.rate_band(by), percents={"median": "median_pct", "q1": "q1_pct", "q3": "q3_pct"})


def card_errata() -> pd.DataFrame:
    """Published category figures that the municipal counts do not reproduce.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``category``, ``field`` (``rate``: a percentage; ``cards_issued``: a
        count), ``published``, ``recomputed``, ``difference`` (in the unit of *field*),
        ``erratum`` (its id; the reason is told in the report).
    """
    from ._tidy import cards

    return cards.errata().drop(columns=["reason_ja", "reason"], errors="ignore").reset_index(drop=True)


def card_latest(by: str = "type", value: str = "rate") -> pd.DataFrame:
    """Spread of the municipalities' latest issuance rate (``value="rate"``, 2022-12) or
    holding rate (``value="holding_rate"``, dashboard 2024-07) by *by*.

    Returns
    -------
    pandas.DataFrame
        *by*, ``n``, ``median_pct``, ``q1_pct``, ``q3_pct``, ``min_pct``, ``max_pct``.
    """
    from ._tidy import cards

    return _percent(cards.latest_summary(by, value), percents={
        "median": "median_pct", "q1": "q1_pct", "q3": "q3_pct", "min": "min_pct", "max": "max_pct"})


def card_rates_by_prefecture() -> pd.DataFrame:
    """Per prefecture: the issuance rate summed over its municipalities, and their holding rates.

    Returns
    -------
    pandas.DataFrame
        47 rows by rank: ``rank``, ``tied``, ``prefecture_code``, ``prefecture``,
        ``bodies``, ``population``, ``cards_issued``, ``rate_pct``, ``holding_q1_pct``,
        ``holding_median_pct``, ``holding_q3_pct`` (over its municipalities: no
        prefecture-wide holding rate is published).
    """
    from ._tidy import cards

    return _percent(cards.prefecture_rates(), percents={
        "rate": "rate_pct", "holding_q1": "holding_q1_pct", "holding_median": "holding_median_pct",
        "holding_q3": "holding_q3_pct"}, drop=_DISPLAY)


def card_holding_by_body() -> pd.DataFrame:
    """Each municipality's holding rate from the dashboard (``holding_pct``; NaN = not published)."""
    from ._tidy import cards

    return _percent(cards.holding_rates(), percents={"holding_rate": "holding_pct"})


# --------------------------------------------------------------------------- open data
def opendata_status(wave: str = "2024", by: str | None = "type", level: str = "municipality") -> pd.DataFrame:
    """Who returned the open-data survey: bodies per response status (提出済・未提出・未確認).

    Returns
    -------
    pandas.DataFrame
        ``group`` (the *by* value), ``status``, ``count``, ``total``, ``share_of_all_pct``.
    """
    from . import opendata

    return _percent(opendata.status_table(wave, by, level), _SHARES)


def opendata_shares(question_id: str, wave: str = "2024", by: str | None = "type",
                    level: str = "municipality") -> pd.DataFrame:
    """Answers to one open-data question, with the bodies that did not answer as categories.

    Returns
    -------
    pandas.DataFrame
        One row per group × option: ``group``, ``category`` (the option, or 未提出 / 未確認 /
        無回答), ``kind`` (``answer`` or ``nonresponse``), ``option_order``, ``count``,
        ``respondents``, ``nonrespondents``, ``total``, ``share_pct`` (count /
        respondents × 100; NaN for non-response rows), ``share_of_all_pct``.
    """
    from . import opendata

    return _percent(opendata.option_shares(question_id, wave, by, level), _SHARES)


def opendata_bounds(question_id: str, yes: Sequence[str], wave: str = "2024", by: str | None = "type",
                    level: str = "municipality") -> pd.DataFrame:
    """Share answering *yes*, with its bounds if every non-respondent answered no / yes.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``yes``, ``respondents``, ``nonrespondents``, ``total``, ``share_pct``
        (yes / respondents × 100), ``low_pct`` (yes / total), ``high_pct`` ((yes +
        nonrespondents) / total).
    """
    from . import opendata

    return _percent(opendata.bounds(question_id, list(yes), wave, by, level),
                    {"share": "share_pct", "low": "low_pct", "high": "high_pct"})


def opendata_by_prefecture(question_id: str, yes: Sequence[str], wave: str = "2024") -> pd.DataFrame:
    """Per prefecture: its municipalities answering *yes*, with bounds and rank.

    Returns
    -------
    pandas.DataFrame
        47 rows: ``prefecture``, ``prefecture_code``, ``yes``, ``respondents``,
        ``nonrespondents``, ``total``, ``share_pct``, ``low_pct``, ``high_pct``, ``rank``,
        ``tied``.
    """
    from . import opendata

    return _percent(opendata.prefecture_shares(question_id, list(yes), wave),
                    {"share": "share_pct", "low": "low_pct", "high": "high_pct"}, drop=_DISPLAY)


def opendata_panel_change(topic: str, by: str | None = "type", level: str = "all") -> pd.DataFrame:
    """2020 → 2024 change of the bodies that answered both surveys (``awareness``, ``files``).

    Returns
    -------
    pandas.DataFrame
        ``group``, ``change`` (``up``, ``same``, ``down``, ``not_comparable``), ``count``,
        ``panel`` (bodies in both surveys), ``comparable``, ``share_pct`` (count /
        comparable × 100; NaN for ``not_comparable``).
    """
    from . import opendata

    return _percent(opendata.panel_change_summary(topic, by, level), {"share": "share_pct"})


def opendata_publication(level: str = "municipality") -> pd.DataFrame:
    """Bodies by their 2020 publication answer × 2024 engagement answer (non-response included).

    Returns
    -------
    pandas.DataFrame
        ``answer_2020``, ``answer_2024``, ``count``.
    """
    from . import opendata

    return opendata.publication_crosstab(level).reset_index(drop=True)


def opendata_dx(indicator_ids: str | Iterable[str] = ("dx_policy_formulated", "cio_appointed",
                                                       "all_staff_training")) -> pd.DataFrame:
    """DX items (dx_status) answered 実施, by the body's open-data answer or response status.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``indicator``, ``group``, ``bodies``, ``yes``, ``n``
        (respondents of the DX item), ``not_surveyed``, ``share_pct`` (yes / n × 100).
    """
    from . import opendata

    return _percent(opendata.dx_by_response(_ids(indicator_ids)), {"share": "share_pct"})
