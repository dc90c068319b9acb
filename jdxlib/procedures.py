"""Online administrative procedures (行政手続のオンライン化) per body: tables and sections.

Data: ``online_procedures`` (online application rate per body × procedure, published values
only) and the 32手続 / 26手続 coverage rows of ``dx_status``, both from the Digital Agency
自治体DX dashboard export (2024-07-12).  The export states no reference date for either.

Definitions used throughout
---------------------------
offered
    The body has a published online application rate for the procedure (a row in
    ``online_procedures``).  An empty cell in the export means "not offered online **or** not
    reported" — the export does not tell them apart — so ``offered=False`` is "no published
    rate", never "0%".
share (of bodies offering)
    ``offering / total`` where *total* is **every** body of the universe (1,741 municipalities,
    47 prefectures, or the bodies of a group), not the bodies with a row.
online rate
    The published オンライン申請率 (% of that procedure's applications made online in that
    body).  Application counts are not published, so rates are summarised by the median and
    interquartile range over the bodies that publish one — never pooled or averaged.
32手続 coverage (``frequent_32_online_rate``)
    「オンライン化済」と回答した手続数 ÷ 実施されている手続総数 of the よく使う32手続, per body
    (numerator and denominator published); 26手続 coverage (``childcare_26_online_rate``) is
    published as a percentage only, for municipalities only.

Three states of a per-body value
--------------------------------
``published`` (a rate, including a real 0%), ``not_published`` (the body has rates for other
procedures but none for this one) and ``no_body_data`` (the export has no rate at all for the
body: 107 municipalities).  For a body without data nothing can be said per procedure, so
:func:`peer_procedure_gaps` returns no rows for it.  A gap (peers publish, the body does not)
is checked against the body's own 26/32手続 dashboard items (:func:`gap_check`): "no
published rate" cannot mean "not online" where the body reports those procedures online.

The body-level API (:func:`body_procedures`, :func:`peer_procedure_gaps`, :func:`gap_check`,
:func:`rate_vs_peers`) is what the profiles call.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import analysis, charts, sections
from ._datasets import describe
from ._memo import derived
from .peers import BAND_LABELS, population_band
from .sections import Section
from .stats import PERCENT_DECIMALS, median_iqr, rank_with_ties

__all__ = [
    "COVERAGE_LABELS",
    "GROUPS",
    "Body",
    "body_procedures",
    "by_group_section",
    "coverage",
    "coverage_distribution_section",
    "coverage_summary",
    "gap_check",
    "has_procedure_data",
    "highlight_section",
    "municipal_map_section",
    "overview_by",
    "overview_section",
    "peer_procedure_gaps",
    "prefecture_coverage",
    "prefecture_map_section",
    "prefecture_municipalities",
    "prefecture_municipalities_section",
    "prefecture_overview_section",
    "procedure_catalog",
    "procedure_overview",
    "rate_vs_peers",
    "resolve_body",
    "narrate_overview",
    "caption",
    "NOT_PUBLISHED",
    "NO_BODY_DATA",
    "PUBLISHED",
    "STATE_LABELS",
]

LEVELS = ("municipality", "prefecture")
LEVEL_JA = {"municipality": "市区町村", "prefecture": "都道府県"}
#: procedure groups in display order (municipal: よく使う32手続 then 子育て・介護26手続)
GROUPS = ("よく使う32手続", "子育て・介護26手続", "都道府県手続")
GROUP_COLORS = {"よく使う32手続": "#4c72b0", "子育て・介護26手続": "#55a868", "都道府県手続": "#dd8452"}
#: dx_status coverage indicators -> short Japanese label
COVERAGE_LABELS = {
    "frequent_32_online_rate": "よく使う32手続のオンライン化状況",
    "childcare_26_online_rate": "子育て・介護26手続のオンライン化状況",
}
_SOURCE_FILES = {"municipality": "dashboard_municipal_online", "prefecture": "dashboard_prefecture_online"}
UNKNOWN_BAND = analysis.UNKNOWN_GROUP
#: The three states of one body's value for one procedure.
PUBLISHED, NOT_PUBLISHED, NO_BODY_DATA = "published", "not_published", "no_body_data"
#: Reader labels of the states (a published value is shown as the value itself).
STATE_LABELS = {PUBLISHED: "公表値あり", NOT_PUBLISHED: "公表値なし", NO_BODY_DATA: "団体の値なし"}
#: Size of the procedure groups as defined by the dashboard (the export lists rates for fewer
#: of the 32: its numerator and denominator count all 32).
GROUP_SIZES = {"よく使う32手続": 32, "子育て・介護26手続": 26}


# --------------------------------------------------------------------------------- loading


def _load(name: str) -> pd.DataFrame:
    import jdxlib

    return jdxlib.load(name)


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level must be 'municipality' or 'prefecture', got {level!r}")
    return level


@lru_cache(maxsize=None)
def _catalog_rows(level: str) -> tuple[tuple[str, str, str], ...]:
    from . import sources
    from ._build.dashboard import labels, read_wide

    lab = labels()
    groups = lab["procedure_groups"][level]
    _, rows = read_wide(sources.fetch(_SOURCE_FILES[level]))
    return tuple((lab["procedures"][label], label, groups[area]) for area, label, _ in rows)


def procedure_catalog(level: str = "municipality") -> pd.DataFrame:
    """Every procedure of the export for *level*, including those no body publishes a rate for.

    The list comes from the export's row labels (the dataset has rows only where a value is
    published, so several disaster-related procedures would otherwise be missing).

    Parameters
    ----------
    level : {"municipality", "prefecture"}

    Returns
    -------
    pandas.DataFrame
        ``procedure_id``, ``procedure`` (label as published), ``procedure_group`` (ordered
        categorical, :data:`GROUPS`), ``order`` (row order of the export): 52 municipal
        procedures (26 + 26) or 30 prefectural ones.
    """
    rows = _catalog_rows(_check_level(level))
    out = pd.DataFrame(rows, columns=["procedure_id", "procedure", "procedure_group"])
    out["procedure_group"] = pd.Categorical(out["procedure_group"], categories=list(GROUPS), ordered=True)
    out["order"] = np.arange(len(out))
    return out


@derived("municipalities", "prefectures", maxsize=4, copy=False)
def _bodies(level: str) -> pd.DataFrame:
    """Who the bodies of *level* are: code, name, prefecture_code, prefecture, type, population."""
    if level == "municipality":
        m = _load("municipalities")
        out = m[["code", "name", "prefecture_code", "prefecture", "type", "population_2020"]].copy()
        out["type"] = out["type"].astype(str)
        out["population_band"] = population_band(out["population_2020"])
    else:
        p = _load("prefectures")
        out = pd.DataFrame({"code": p["code"], "name": p["name"], "prefecture_code": p["prefecture_code"],
                            "prefecture": p["name"], "type": "都道府県",
                            "population_2020": p["population_2020"]})
        out["population_band"] = pd.Categorical([None] * len(out), categories=list(BAND_LABELS), ordered=True)
    out["code"] = out["code"].astype(str)
    return out.sort_values("code").reset_index(drop=True)


@derived("online_procedures", maxsize=4, copy=False)
def _online(level: str) -> pd.DataFrame:
    op = _load("online_procedures")
    op = op[op["level"].astype(str) == level].copy()
    op["code"] = op["code"].astype(str)
    return op


@derived("municipalities", "prefectures", maxsize=4, copy=False)
def _known_codes(level: str) -> frozenset[str]:
    return frozenset(_bodies(level)["code"])


# --------------------------------------------------------------------------------- bodies


@dataclass(frozen=True)
class Body:
    """A resolved body: ``code`` (6 digits), ``level``, ``name``, ``prefecture``, ``type``."""

    code: str
    level: str
    name: str
    prefecture: str
    type: str


def resolve_body(code: Any) -> Body:
    """A municipality or a prefecture from a 6-digit code, a name, or a names.* object.

    Raises
    ------
    ValueError
        (:class:`jdxlib.names.NameResolutionError`) for an unknown, ambiguous or malformed
        value, with the resolver's explanation.
    """
    from . import names

    if hasattr(code, "code") and not isinstance(code, str):
        code = code.code
    text = str(code).strip()
    for level in LEVELS:
        if text in _known_codes(level):
            b = _bodies(level)
            r = b.loc[b["code"] == text].iloc[0]
            return Body(text, level, str(r["name"]), str(r["prefecture"]), str(r["type"]))
    try:
        m = names.resolve_municipality(code)
        return resolve_body(m.code)
    except names.NameResolutionError as exc_m:
        try:
            p = names.resolve_prefecture(code)
        except names.NameResolutionError:
            raise names.NameResolutionError(
                f"団体 {code!r} が見つかりません（市区町村・都道府県のいずれでもありません）/ unknown body "
                f"{code!r}: {exc_m}", kind=exc_m.kind, value=code, candidates=exc_m.candidates,
                suggestions=exc_m.suggestions) from None
        return resolve_body(p.code)


def _peer_codes(peer_codes: Any, level: str, exclude: str | None = None) -> list[str]:
    """Validated, de-duplicated peer codes of *level* (the body itself removed)."""
    if hasattr(peer_codes, "codes"):
        peer_codes = peer_codes.codes
    if isinstance(peer_codes, str):
        peer_codes = [peer_codes]
    codes = list(dict.fromkeys(str(c).strip() for c in peer_codes))
    known = _known_codes(level)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(
            f"{len(unknown)} peer code(s) are not {LEVEL_JA[level]} codes (6 digits with check digit): "
            f"{', '.join(unknown[:8])}{' …' if len(unknown) > 8 else ''}")
    return [c for c in codes if c != exclude]


# --------------------------------------------------------------------------------- body-level API


def has_procedure_data(code: Any) -> bool:
    """Whether the export publishes an online rate for at least one procedure of the body."""
    body = resolve_body(code)
    return bool((_online(body.level)["code"] == body.code).any())


def body_procedures(code: Any) -> pd.DataFrame:
    """Which procedures of its level one body publishes an online rate for, and the rate.

    Parameters
    ----------
    code : str
        A municipality or prefecture (6-digit code, or anything :func:`resolve_body` accepts).

    Returns
    -------
    pandas.DataFrame
        One row per procedure of the body's level (52 for a municipality, 30 for a
        prefecture), in the export's order: ``procedure_id``, ``procedure``,
        ``procedure_group``, ``offered`` (bool: a rate is published — not "offered online"),
        ``online_rate`` (%, NaN when none is published; 0.0 is a published zero) and
        ``state`` (:data:`PUBLISHED`, :data:`NOT_PUBLISHED`, or :data:`NO_BODY_DATA` on every
        row when the body has no rate at all).
    """
    body = resolve_body(code)
    op = _online(body.level)
    mine = op[op["code"] == body.code].set_index("procedure_id")["online_rate"]
    out = procedure_catalog(body.level)[["procedure_id", "procedure", "procedure_group"]].copy()
    out["offered"] = out["procedure_id"].isin(mine.index)
    out["online_rate"] = out["procedure_id"].map(mine).astype("float64")
    missing = NO_BODY_DATA if mine.empty else NOT_PUBLISHED
    out["state"] = np.where(out["offered"], PUBLISHED, missing)
    return out


def peer_procedure_gaps(code: Any, peer_codes: Iterable[str], min_share: float = 0.5) -> pd.DataFrame:
    """Procedures the body does not offer online that at least *min_share* of its peers offer.

    Parameters
    ----------
    code : str
        The body.
    peer_codes : iterable of str (or a :class:`jdxlib.peers.PeerGroup`)
        6-digit codes of the same level; the body itself is dropped if present.
    min_share : float, default 0.5
        Fraction (0–1) of peers offering the procedure.

    Returns
    -------
    pandas.DataFrame
        ``procedure_id``, ``procedure``, ``procedure_group``, ``peers_offering`` (peers with a
        published rate), ``peers_n`` (all peers), ``share`` (= peers_offering / peers_n),
        sorted by share (descending) then the export's order.  Empty when there are no peers
        and when the body has no published rate at all (:func:`has_procedure_data`): its
        missing values say nothing about single procedures.
    """
    if not 0 <= float(min_share) <= 1:
        raise ValueError(f"min_share must be a fraction between 0 and 1, got {min_share!r}")
    body = resolve_body(code)
    peers = _peer_codes(peer_codes, body.level, exclude=body.code)
    mine = body_procedures(body.code)
    op = _online(body.level)
    offering = op[op["code"].isin(peers)].groupby("procedure_id")["code"].nunique()
    out = mine.assign(peers_offering=mine["procedure_id"].map(offering).fillna(0).astype("int64"),
                      peers_n=len(peers))
    out["share"] = out["peers_offering"] / len(peers) if peers else np.nan
    out["_order"] = np.arange(len(out))
    keep = ((out["state"] == NOT_PUBLISHED) & (out["share"] >= float(min_share))
            & (out["peers_offering"] > 0))
    out = out[keep].sort_values(["share", "_order"], ascending=[False, True], kind="mergesort")
    cols = ["procedure_id", "procedure", "procedure_group", "peers_offering", "peers_n", "share"]
    return out[cols].reset_index(drop=True)


def gap_check(code: Any, gaps: pd.DataFrame) -> pd.DataFrame:
    """Check a gap list against the body's own 26/32手続 dashboard items.

    A procedure without a published rate may be not online, not conducted, or not reported.
    The dashboard items bound the first two: at most ``32 − オンライン化済`` of the 32 and, when
    the 26手続 item is 100%, none of the 26 conducted procedures is offline.  More gaps in a
    group than that bound contradict the body's own answer.

    Parameters
    ----------
    code : str
        A municipality.
    gaps : pandas.DataFrame
        :func:`peer_procedure_gaps` of the body.

    Returns
    -------
    pandas.DataFrame
        One row per procedure group present in *gaps*: ``procedure_group``, ``gaps``,
        ``indicator_id`` and ``value`` (the dashboard item, %), ``numerator`` /
        ``denominator`` (32手続 only), ``max_not_online`` (NaN when the item gives no bound)
        and ``contradicts`` (bool).
    """
    body = resolve_body(code)
    rows = []
    if not len(gaps):
        return pd.DataFrame(columns=["procedure_group", "gaps", "indicator_id", "value", "numerator",
                                     "denominator", "max_not_online", "contradicts"])
    cov = coverage(body.level).set_index("code")
    me = cov.loc[body.code] if body.code in cov.index else None
    counts = gaps["procedure_group"].astype(str).value_counts()
    for group in [g for g in GROUPS if g in counts.index]:
        ind = {"よく使う32手続": "frequent_32_online_rate", "子育て・介護26手続": "childcare_26_online_rate"}.get(group)
        value = num = den = bound = np.nan
        if me is not None and ind in cov.columns and pd.notna(me[ind]):
            value = float(me[ind])
            if group == "よく使う32手続" and pd.notna(me.get("frequent_32_numerator")):
                num, den = int(me["frequent_32_numerator"]), int(me["frequent_32_denominator"])
                bound = GROUP_SIZES[group] - num
            elif group == "子育て・介護26手続" and value >= 100:
                bound = 0
        k = int(counts[group])
        rows.append({"procedure_group": group, "gaps": k, "indicator_id": ind, "value": value,
                     "numerator": num, "denominator": den, "max_not_online": bound,
                     "contradicts": bool(pd.notna(bound) and k > bound)})
    return pd.DataFrame(rows)


def rate_vs_peers(code: Any, peer_codes: Iterable[str]) -> pd.DataFrame:
    """The body's online rate per procedure beside the median and IQR of its peers' rates.

    Returns
    -------
    pandas.DataFrame
        One row per procedure of the body's level (export order): ``procedure_id``,
        ``procedure``, ``procedure_group``, ``rate`` (the body's, NaN when not offered),
        ``median``, ``q1``, ``q3`` and ``n`` over the peers **that publish a rate** (NaN and
        0 when none does), and ``peers_n`` (all peers).
    """
    body = resolve_body(code)
    peers = _peer_codes(peer_codes, body.level, exclude=body.code)
    mine = body_procedures(body.code)
    op = _online(body.level)
    sub = op[op["code"].isin(peers)].copy()
    cat_ids = list(mine["procedure_id"])
    sub["procedure_id"] = pd.Categorical(sub["procedure_id"], categories=cat_ids)
    stats = median_iqr(sub, "online_rate", "procedure_id")
    stats["procedure_id"] = stats["procedure_id"].astype(str)
    out = mine.rename(columns={"online_rate": "rate"}).merge(
        stats[["procedure_id", "median", "q1", "q3", "n"]], on="procedure_id", how="left")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["peers_n"] = len(peers)
    return out[["procedure_id", "procedure", "procedure_group", "rate", "median", "q1", "q3", "n", "peers_n"]]


# --------------------------------------------------------------------------------- national tables


def _overview_frame(level: str, group_of: pd.Series, order: list[str]) -> pd.DataFrame:
    """Per group × procedure: offering, total, share, zero, median, q1, q3 (complete counts: no interval).

    *group_of* maps body code -> group label (bodies not in it are ignored).
    """
    cat = procedure_catalog(level)
    ids = list(cat["procedure_id"])
    sizes = group_of.value_counts().reindex(order, fill_value=0)
    op = _online(level)
    op = op.assign(_g=op["code"].map(group_of))
    op = op[op["_g"].notna()]
    keys = ["_g", "procedure_id"]
    grid = pd.MultiIndex.from_product([order, ids], names=keys)
    grouped = op.groupby(keys)["online_rate"]
    out = pd.DataFrame(index=grid)
    out["offering"] = grouped.size().reindex(grid, fill_value=0).astype("int64")
    out["zero"] = (op["online_rate"] == 0).groupby([op["_g"], op["procedure_id"]]).sum().reindex(
        grid, fill_value=0).astype("int64")
    if len(op):
        q = grouped.quantile([0.25, 0.5, 0.75]).unstack()
        q.columns = ["q1", "median", "q3"]
        q = q.reindex(grid)
    else:
        q = pd.DataFrame(np.nan, index=grid, columns=["q1", "median", "q3"])
    out = out.join(q).reset_index()
    out["total"] = out["_g"].map(sizes).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(out["total"] > 0, out["offering"] / out["total"].where(out["total"] > 0, 1), np.nan)
    out = out.merge(cat, on="procedure_id", how="left")
    cols = ["_g", "procedure_id", "procedure", "procedure_group", "offering", "total", "share", "zero", "median", "q1", "q3", "order"]
    return out[cols]


def procedure_overview(level: str = "municipality", codes: Iterable[str] | None = None) -> pd.DataFrame:
    """How many bodies offer each procedure online, and how much the online route is used.

    Parameters
    ----------
    level : {"municipality", "prefecture"}
    codes : iterable of str, optional
        Restrict to these bodies (e.g. one type or one prefecture); default every body of
        *level* (1,741 or 47).

    Returns
    -------
    pandas.DataFrame
        One row per procedure of the catalogue, sorted by ``offering`` (descending) then the
        export's order: ``procedure_id``, ``procedure``, ``procedure_group``, ``offering``
        (bodies with a published rate), ``total`` (all bodies of the universe), ``share``
        (offering / total; every body is counted, so no interval), ``zero`` (bodies publishing
        0%), then
        the online rate over the offering bodies: ``median``, ``q1``, ``q3`` (linear
        interpolation, as :func:`jdxlib.stats.median_iqr`).
    """
    level = _check_level(level)
    known = _bodies(level)["code"]
    universe = known if codes is None else pd.Series(sorted(set(map(str, codes)) & set(known)), dtype=str)
    group_of = pd.Series("all", index=pd.Index(universe, dtype=str))
    out = _overview_frame(level, group_of, ["all"])
    out = out.sort_values(["offering", "order"], ascending=[False, True], kind="mergesort")
    return out.drop(columns=["_g", "order"]).reset_index(drop=True)


def _group_values(bodies: pd.DataFrame, by: str) -> pd.Series:
    if by not in bodies.columns:
        raise ValueError(f"by must be one of 'type', 'population_band', 'prefecture'; got {by!r}")
    col = bodies[by]
    if by == "population_band":
        col = col.cat.add_categories([UNKNOWN_BAND]).fillna(UNKNOWN_BAND)
    return col


def _group_order(bodies: pd.DataFrame, by: str) -> list[str]:
    if by == "type":
        m = _load("municipalities")
        return [str(c) for c in m["type"].cat.categories if (bodies["type"] == str(c)).any()]
    if by == "population_band":
        present = set(_group_values(bodies, by).astype(str))
        return [b for b in list(BAND_LABELS) + [UNKNOWN_BAND] if b in present]
    return list(dict.fromkeys(bodies.sort_values("code")[by].astype(str)))


def overview_by(by: str = "type", level: str = "municipality") -> pd.DataFrame:
    """:func:`procedure_overview` per group of bodies (type, population band or prefecture).

    Returns
    -------
    pandas.DataFrame
        *by* (ordered categorical), then the columns of :func:`procedure_overview`; within a
        group, procedures are in the export's order.  ``total`` is the size of the group.
    """
    bodies = _bodies(_check_level(level))
    order = _group_order(bodies, by)
    group_of = pd.Series(_group_values(bodies, by).astype(str).to_numpy(), index=bodies["code"].to_numpy())
    out = _overview_frame(level, group_of, order)
    out = out.sort_values(["_g", "order"], key=lambda s: s.map({g: i for i, g in enumerate(order)})
                          if s.name == "_g" else s, kind="mergesort")
    out = out.rename(columns={"_g": by}).drop(columns="order").reset_index(drop=True)
    out[by] = pd.Categorical(out[by], categories=order, ordered=True)
    return out


def coverage(level: str = "municipality") -> pd.DataFrame:
    """Per body: 32手続 (and, for municipalities, 26手続) coverage and procedures offered.

    Returns
    -------
    pandas.DataFrame
        In code order: ``code``, ``name``, ``prefecture_code``, ``prefecture``, ``type``,
        ``population_2020``, ``population_band``, ``frequent_32_online_rate`` (%, NaN for the
        two 0-of-0 bodies), ``frequent_32_numerator``, ``frequent_32_denominator``,
        ``childcare_26_online_rate`` (%, municipalities only), then ``offered_<group>`` (number
        of procedures with a published rate, per group of the level) and ``offered`` (all).
    """
    level = _check_level(level)
    bodies = _bodies(level)
    dx = _load("dx_status")
    dx = dx[(dx["level"].astype(str) == level)].copy()
    dx["code"] = dx["code"].astype(str)
    f = dx[dx["indicator_id"] == "frequent_32_online_rate"].set_index("code")
    out = bodies.copy()
    out["frequent_32_online_rate"] = out["code"].map(f["value"]).astype("float64")
    out["frequent_32_numerator"] = out["code"].map(f["numerator"]).astype("Int64")
    out["frequent_32_denominator"] = out["code"].map(f["denominator"]).astype("Int64")
    c26 = dx[dx["indicator_id"] == "childcare_26_online_rate"].set_index("code")["value"]
    out["childcare_26_online_rate"] = out["code"].map(c26).astype("float64")
    op = _online(level)
    counts = op.groupby(["code", "procedure_group"], observed=True).size().unstack(fill_value=0)
    groups = [g for g in GROUPS if g in set(procedure_catalog(level)["procedure_group"].astype(str))]
    for g in groups:
        col = counts[g] if g in counts.columns else pd.Series(dtype="int64")
        out[f"offered_{g}"] = out["code"].map(col).fillna(0).astype("int64")
    out["offered"] = out[[f"offered_{g}" for g in groups]].sum(axis=1).astype("int64")
    return out


def coverage_summary(by: str | None = "type", level: str = "municipality") -> pd.DataFrame:
    """Median and IQR of the coverage rates by group, with a 全国 row.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``indicator``, *by* (``"全国"`` for the whole country), ``n``
        (bodies with a value), ``missing``, ``median``, ``q1``, ``q3``, ``iqr``, ``min``, ``max``.
    """
    cov = coverage(level)
    ids = [i for i in COVERAGE_LABELS if cov[i].notna().any()]
    frames = []
    for ind in ids:
        if by:
            values = _group_values(cov, by).astype(str)
            order = _group_order(cov, by)
            work = cov.assign(_g=pd.Categorical(values, categories=order, ordered=True))
            t = median_iqr(work, ind, "_g").rename(columns={"_g": by})
            nat = median_iqr(cov, ind)
            nat.insert(0, by, "全国")
            t = pd.concat([t.astype({by: object}), nat], ignore_index=True)
        else:
            t = median_iqr(cov, ind)
        t.insert(0, "indicator", COVERAGE_LABELS[ind])
        t.insert(0, "indicator_id", ind)
        frames.append(t)
    return pd.concat(frames, ignore_index=True)


def prefecture_coverage(indicator: str = "frequent_32_online_rate") -> pd.DataFrame:
    """Per prefecture: median and IQR of its municipalities' coverage, and its own value.

    Returns
    -------
    pandas.DataFrame
        47 rows sorted by rank: ``rank``, ``tied``, ``rank_label`` (by median, descending; equal
        medians tie), ``prefecture_code``, ``prefecture``, ``n``, ``missing``, ``median``,
        ``q1``, ``q3``, ``own`` (the prefecture's own 32手続 coverage; NaN for the 26手続, which is
        not published for prefectures), ``own_numerator``, ``own_denominator``.
    """
    if indicator not in COVERAGE_LABELS:
        raise ValueError(f"indicator must be one of {list(COVERAGE_LABELS)}, got {indicator!r}")
    cov = coverage("municipality")
    order = list(dict.fromkeys(cov.sort_values("code")["prefecture"].astype(str)))
    work = cov.assign(prefecture=pd.Categorical(cov["prefecture"].astype(str), categories=order, ordered=True))
    t = median_iqr(work, indicator, "prefecture")
    codes = dict(zip(cov["prefecture"].astype(str), cov["prefecture_code"].astype(str)))
    t["prefecture_code"] = t["prefecture"].astype(str).map(codes)
    own = coverage("prefecture").set_index("prefecture_code")
    if indicator == "frequent_32_online_rate":
        t["own"] = t["prefecture_code"].map(own["frequent_32_online_rate"])
        t["own_numerator"] = t["prefecture_code"].map(own["frequent_32_numerator"]).astype("Int64")
        t["own_denominator"] = t["prefecture_code"].map(own["frequent_32_denominator"]).astype("Int64")
    else:
        t["own"] = np.nan
        t["own_numerator"] = pd.array([pd.NA] * len(t), dtype="Int64")
        t["own_denominator"] = pd.array([pd.NA] * len(t), dtype="Int64")
    ranks = rank_with_ties(t["median"], ascending=False, decimals=PERCENT_DECIMALS)
    t = pd.concat([ranks, t], axis=1).sort_values(["rank", "prefecture_code"], kind="mergesort")
    cols = ["rank", "tied", "rank_label", "prefecture_code", "prefecture", "n", "missing", "median",
            "q1", "q3", "own", "own_numerator", "own_denominator"]
    return t[cols].reset_index(drop=True)


def prefecture_municipalities(prefecture: Any) -> pd.DataFrame:
    """A prefecture's municipalities side by side (coverage and procedures offered).

    Returns
    -------
    pandas.DataFrame
        :func:`coverage` rows of the prefecture's municipalities in code order.
    """
    from . import names

    pref = names.resolve_prefecture(prefecture)
    cov = coverage("municipality")
    return cov[cov["prefecture_code"].astype(str) == pref.prefecture_code].reset_index(drop=True)


# --------------------------------------------------------------------------------- captions / narration


def _pct(v, digits: int = 1) -> str:
    return "—" if pd.isna(v) else f"{v:.{digits}f}%"


def caption(level: str = "municipality", *, coverage_items: bool = False, extra: str = "") -> str:
    """Survey, reference date (not stated), denominators and the credit line."""
    n = len(_bodies(level))
    lv = LEVEL_JA[level]
    if coverage_items:
        den = (f"分母：{lv}{n:,}団体（値のない団体は除外）。32手続の値＝「オンライン化済」と回答した手続数÷"
               "その団体で実施されている手続総数（32ではない）。")
        meta = describe("dx_status")
    else:
        den = (f"分母：公表団体の割合は全{lv}{n:,}団体（申請率が公表されている団体の割合。公表がないことはオンライン未対応を意味しない）。"
               "申請率の中央値・四分位範囲は申請率が公表されている団体のみ（件数が公表されないため加重平均はしない）。"
               "空欄は「オンライン未対応」か「未報告」か区別できない。")
        meta = describe("online_procedures")
    return (f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」（2024-07-12公開データ）。"
            f"調査時点：調査時点の記載なし。{den}{extra}{meta.credit_line}")


#: a procedure needs at least this many bodies publishing a rate to be named "most used"
MIN_BODIES_FOR_MEDIAN = 30


def _quote(labels: Iterable[str]) -> str:
    return "、".join(f"「{x}」" for x in labels)


def narrate_overview(level: str = "municipality") -> str:
    """Japanese sentences, computed from the data, about the national picture."""
    ov = procedure_overview(level)
    lv = LEVEL_JA[level]
    total = int(ov["total"].iloc[0])
    top = ov.iloc[0]
    none = ov[ov["offering"] == 0]
    lines = [f"{len(ov)}手続のうち、オンライン申請率が公表されている{lv}が最も多いのは「{top['procedure']}」で、"
             f"{int(top['offering']):,}団体（全{total:,}団体の{top['share'] * 100:.1f}%）です。"]
    if len(none):
        lines.append(f"{len(none)}手続（{_quote(none['procedure'])}）は、どの{lv}にも申請率が公表されていません。")
    for g in [g for g in GROUPS if (ov["procedure_group"] == g).any()]:
        sub = ov[(ov["procedure_group"] == g) & (ov["offering"] > 0)]
        if sub.empty:
            continue
        zero_med = sub[sub["median"] == 0]
        big = sub[sub["offering"] >= MIN_BODIES_FOR_MEDIAN]
        if len(zero_med) == len(sub):
            lines.append(f"{g}：申請率が公表されている{len(sub)}手続のすべてで、申請率の中央値が0%です。"
                         f"オンラインで受け付けていても、申請のほとんどは窓口や郵送で行われていることを示します。")
            continue
        text = f"{g}："
        if len(big):
            hi = big.sort_values("median", ascending=False).iloc[0]
            text += (f"{MIN_BODIES_FOR_MEDIAN}団体以上が申請率を公表している手続のうち、中央値が最も高いのは"
                     f"「{hi['procedure']}」（{_pct(hi['median'])}、{int(hi['offering']):,}団体）")
        if len(zero_med):
            text += (("。" if len(big) else "") + f"申請率が公表されている{len(sub)}手続中{len(zero_med)}手続は"
                     "中央値が0%で、受け付けていても利用はまだ少ないことを示します")
        lines.append(text + "。")
    if level == "municipality":
        cs = coverage_summary(None)
        for r in cs.itertuples():
            lines.append(f"{r.indicator}（団体ごとの割合）：中央値{_pct(r.median)}、四分位範囲{_pct(r.q1)}〜{_pct(r.q3)}"
                         f"（{int(r.n):,}団体）。")
    return "\n\n".join(lines)


# --------------------------------------------------------------------------------- drawing helpers


def _wrap(label: str, width: int = 22) -> str:
    return label  # whole: a name is never cut with 「…」, and two-line labels overlap at 8 pt


def _overview_figure(ov: pd.DataFrame, level: str, mark: pd.DataFrame | None, mark_label: str, title: str):
    n = len(ov)
    fig, (a1, a2) = plt.subplots(1, 2, sharey=True, figsize=(12, 0.26 * n + 1.6),
                                 gridspec_kw={"width_ratios": [1.1, 1]})
    y = np.arange(n)
    colors = [GROUP_COLORS.get(str(g), charts.BASE) for g in ov["procedure_group"]]
    a1.barh(y, ov["share"] * 100, color=colors, height=0.7)
    for yi, (k, m) in enumerate(zip(ov["offering"], ov["total"])):
        a1.text(101, yi, f"{int(k):,}/{int(m):,}", va="center", fontsize=6.5, color="0.25")
    a1.set_xlim(0, 122)
    a1.set_xticks([0, 20, 40, 60, 80, 100])
    a1.set_xlabel(f"申請率が公表されている{LEVEL_JA[level]}の割合（％）")
    a1.set_yticks(y, [_wrap(str(p)) for p in ov["procedure"]])
    a1.tick_params(axis="y", labelsize=7)
    a1.invert_yaxis()
    has = ov["offering"] > 0
    a2.hlines(y[has], ov.loc[has, "q1"], ov.loc[has, "q3"], color="0.45", lw=2.2, label="四分位範囲")
    a2.scatter(ov.loc[has, "median"], y[has], color="0.1", s=14, zorder=3, label="中央値")
    if mark is not None:
        rates = ov["procedure_id"].map(mark.set_index("procedure_id")["online_rate"])
        ok = rates.notna().to_numpy()
        a2.scatter(rates[ok], y[ok], color=charts.HIGHLIGHT, s=22, marker="D", zorder=4, label=mark_label)
        offered = set(mark.loc[mark["offered"], "procedure_id"])
        for lab, pid in zip(a1.get_yticklabels(), ov["procedure_id"]):
            if pid in offered:
                lab.set_color(charts.HIGHLIGHT)
    a2.set_xlim(-3, 103)
    a2.set_xlabel("オンライン申請率（％、申請率が公表されている団体）")
    a2.legend(loc="lower right", fontsize=7)
    from matplotlib.patches import Patch

    groups = [g for g in GROUPS if (ov["procedure_group"] == g).any()]
    a1.legend(handles=[Patch(color=GROUP_COLORS[g], label=g) for g in groups], loc="lower right", fontsize=7)
    a1.set_title(title, loc="left", fontsize=10)
    fig.tight_layout()
    return fig


def _reader_overview(ov: pd.DataFrame, level: str) -> pd.DataFrame:
    return pd.DataFrame({
        "手続": ov["procedure"],
        "区分": ov["procedure_group"].astype(str),
        "公表団体": ov["offering"].map(sections.int_text),
        "全団体": ov["total"].map(sections.int_text),
        "公表団体の割合": (ov["share"] * 100).map(_pct),
        "申請率0%の団体": ov["zero"].map(sections.int_text),
        "申請率 中央値": ov["median"].map(_pct),
        "第1四分位": ov["q1"].map(_pct),
        "第3四分位": ov["q3"].map(_pct),
    })


# --------------------------------------------------------------------------------- sections


def overview_section(level: str = "municipality", highlight=None, codes: Iterable[str] | None = None,
                     scope: str = "全国") -> Section:
    """Per procedure: share of bodies offering it online, and the median / IQR of its rate.

    *highlight* (a municipality for ``level="municipality"``, a prefecture for ``"prefecture"``)
    is drawn as red diamonds (its own rates) and its offered procedures' labels in red.
    """
    ov = procedure_overview(level, codes)
    mark = body_procedures(highlight.code) if highlight is not None else None
    name = getattr(highlight, "name", "")
    lv = LEVEL_JA[level]
    title = f"{scope}の{lv}：手続ごとの申請率の公表状況とオンライン申請率"
    fig = _overview_figure(ov, level, mark, f"{name}の申請率", title)
    note = (f"赤の菱形と赤字の手続名：{name}（申請率が公表されている手続）。" if highlight is not None else "")
    extra = (f"範囲：{scope}の{lv}{int(ov['total'].iloc[0]):,}団体（すべての団体を数えた値なので信頼区間は付けない）。"
             f"{note}")
    return Section(f"{scope}：手続ごとの申請率公表団体数と申請率（{lv}）", fig, caption(level, extra=extra),
                   _reader_overview(ov, level))


def by_group_section(by: str = "type", highlight=None) -> Section:
    """Heat maps (procedure × group) of the share of municipalities offering each procedure and
    of the median online rate."""
    label = {"type": "団体区分", "population_band": "人口規模"}[by]
    t = overview_by(by)
    t = t[t["procedure_id"].isin(t.loc[t["offering"] > 0, "procedure_id"])]
    order = list(t[by].cat.categories)
    procs = list(dict.fromkeys(t["procedure"]))
    share = t.pivot_table(index="procedure", columns=by, values="share", observed=False, sort=False).reindex(
        index=procs, columns=order) * 100
    med = t.pivot_table(index="procedure", columns=by, values="median", observed=False, sort=False).reindex(
        index=procs, columns=order)
    import seaborn as sns

    fig, axes = plt.subplots(1, 2, figsize=(13, 0.24 * len(procs) + 2.2), sharey=True)
    for ax, wide, ttl in ((axes[0], share, "申請率が公表されている団体の割合（％）"),
                          (axes[1], med, "オンライン申請率の中央値（％）")):
        annot = wide.map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
        sns.heatmap(wide, ax=ax, vmin=0, vmax=100, cmap="viridis", annot=annot, fmt="", cbar=ax is axes[1],
                    cbar_kws={"label": "%", "shrink": 0.4}, annot_kws={"fontsize": 6}, linewidths=0.3,
                    linecolor="white")
        ax.set_title(ttl, loc="left", fontsize=9)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", labelsize=7.5, rotation=35)
        ax.tick_params(axis="y", labelsize=6.5)
    axes[0].set_yticks(np.arange(len(procs)) + 0.5, [_wrap(p) for p in procs])
    marked = None
    if highlight is not None:
        who = _bodies("municipality").set_index("code")
        if highlight.code in who.index:
            val = who.loc[highlight.code, by]
            marked = UNKNOWN_BAND if pd.isna(val) else str(val)
            for ax in axes:
                j = order.index(marked)
                ax.add_patch(plt.Rectangle((j, 0), 1, len(procs), fill=False, edgecolor=charts.HIGHLIGHT, lw=1.8))
                for lab in ax.get_xticklabels():
                    if lab.get_text() == marked:
                        lab.set_color(charts.HIGHLIGHT)
    fig.tight_layout()
    sizes = t.drop_duplicates(by)[[by, "total"]]
    size_text = "、".join(f"{g}{int(n):,}" for g, n in zip(sizes[by].astype(str), sizes["total"]))
    note = f"赤枠：{highlight.name}の属する{label}（{marked}）。" if marked else ""
    extra = f"各列の分母（団体数）：{size_text}。空白のマスは申請率を公表している団体がない。{note}"
    if by == "population_band" and UNKNOWN_BAND in order:
        extra += sections.unknown_band_note()
    table = pd.DataFrame({
        label: t[by].astype(str), "手続": t["procedure"], "公表団体": t["offering"].map(sections.int_text),
        "団体数": t["total"].map(sections.int_text),
        "割合": (t["share"] * 100).map(_pct), "申請率 中央値": t["median"].map(_pct),
        "第1四分位": t["q1"].map(_pct), "第3四分位": t["q3"].map(_pct)})
    return Section(f"{label}別：申請率の公表状況と申請率" + (f"（赤枠：{highlight.name}）" if marked else ""),
                   fig, caption("municipality", extra=extra), table.reset_index(drop=True))


def coverage_distribution_section(by: str = "type", highlight=None) -> Section:
    """Box plots of the 32手続 and 26手続 coverage by type / population band."""
    label = {"type": "団体区分", "population_band": "人口規模"}[by]
    cov = coverage("municipality")
    cov = cov.assign(_g=_group_values(cov, by).astype(str))
    order = _group_order(cov, by)
    me = cov[cov["code"] == highlight.code].iloc[0] if highlight is not None else None
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.42 * len(order) + 1.6), sharey=True)
    for ax, ind in zip(axes, COVERAGE_LABELS):
        v = None if me is None else me[ind]
        charts.distribution(cov, value=ind, by="_g", order=order, highlight_value=v,
                            highlight_label=f"{highlight.name} {_pct(v, 0)}" if me is not None else "",
                            title=COVERAGE_LABELS[ind], xlabel="％（団体ごと）", ax=ax)
        ax.set_xlim(-3, 103)
    fig.tight_layout()
    summ = coverage_summary(by)
    table = pd.DataFrame({"指標": summ["indicator"], label: summ[by].astype(str), "団体数": summ["n"].map(sections.int_text),
                          "値なし": summ["missing"].map(sections.int_text), "中央値": summ["median"].map(_pct),
                          "第1四分位": summ["q1"].map(_pct), "第3四分位": summ["q3"].map(_pct)})
    note = f"赤線：{highlight.name}の値。" if me is not None else ""
    if by == "population_band" and UNKNOWN_BAND in order:
        note += sections.unknown_band_note()
    return Section(f"{label}別：手続のオンライン化状況（団体ごとの割合）", fig,
                   caption("municipality", coverage_items=True, extra="箱は四分位範囲、中の線は中央値。" + note), table)


def prefecture_map_section(indicator: str = "frequent_32_online_rate", prefecture=None, highlight=None) -> Section:
    """Choropleth of the median municipal coverage per prefecture, with a ranking table."""

    pc = prefecture_coverage(indicator)
    marked = sections.marked_prefectures(prefecture, highlight)
    fig = sections.prefecture_choropleth(pc, "median", prefecture=prefecture, highlight=highlight,
                                         title=f"{COVERAGE_LABELS[indicator]}：県内市区町村の中央値（％）")
    table = pd.DataFrame({
        "順位": pc["rank_label"], "都道府県": pc["prefecture"].astype(str), "市区町村数": pc["n"],
        "中央値": pc["median"].map(_pct), "第1四分位": pc["q1"].map(_pct), "第3四分位": pc["q3"].map(_pct),
    })
    if indicator == "frequent_32_online_rate":
        table["都道府県自身の値"] = [
            "—" if pd.isna(o) else f"{_pct(o, 0)}（{int(a)}/{int(b)}）"
            for o, a, b in zip(pc["own"], pc["own_numerator"].fillna(0), pc["own_denominator"].fillna(0))]
    note = ("赤枠：" + "・".join(dict.fromkeys(
        [p.name for p in (prefecture,) if p is not None] + ([highlight.prefecture] if highlight else []))) + "。"
        if marked else "")
    extra = ("地図の値は県内市区町村の値の中央値（県全体の率ではない）。同じ中央値の県は同順位。" + note)
    cap = caption("municipality", coverage_items=True, extra=extra) + " " + describe("boundaries").credit_line
    return Section("都道府県別：県内市区町村のオンライン化状況", fig, cap, table)


def municipal_map_section(prefecture, highlight=None, indicator: str = "frequent_32_online_rate") -> Section:
    """A prefecture's municipalities coloured by their coverage."""
    import jdxlib

    cov = prefecture_municipalities(prefecture.prefecture_code)
    gdf = jdxlib.load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"] == prefecture.prefecture_code].merge(cov[["code", indicator]], on="code",
                                                                          how="left")
    fig, ax = plt.subplots(figsize=(7, 7))
    mark = [highlight.code] if highlight is not None else []
    charts.choropleth(gdf, indicator, highlight=mark, title=f"{prefecture.name}：{COVERAGE_LABELS[indicator]}（％）",
                      legend_label="%", ax=ax)
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)
    note = f"赤枠：{highlight.name}。" if highlight is not None and (gdf["code"] == highlight.code).any() else ""
    note += charts.outside_note(outside)
    cap = caption("municipality", coverage_items=True, extra=note) + " " + describe("boundaries").credit_line
    return Section(f"{prefecture.name}の市区町村：地図", fig, cap, None)


def prefecture_municipalities_section(prefecture, highlight=None) -> Section:
    """A prefecture's municipalities side by side: coverage, procedures offered, and a heat map
    of their online rates per procedure."""
    import seaborn as sns

    cov = prefecture_municipalities(prefecture.prefecture_code)
    op = _online("municipality")
    op = op[op["code"].isin(set(cov["code"]))]
    cat = procedure_catalog("municipality")
    procs = [p for p in cat["procedure_id"] if p in set(op["procedure_id"])]
    labels = dict(zip(cat["procedure_id"], cat["procedure"]))
    names_ = dict(zip(cov["code"], cov["name"]))
    wide = op.pivot_table(index="code", columns="procedure_id", values="online_rate", aggfunc="first")
    wide = wide.reindex(index=list(cov["code"]), columns=procs)
    wide.index = [names_[c] for c in wide.index]
    wide.columns = [_wrap(labels[p], 16) for p in procs]
    fig, ax = plt.subplots(figsize=(max(8, 0.23 * len(procs) + 3), 0.2 * len(wide) + 3))
    sns.heatmap(wide, ax=ax, vmin=0, vmax=100, cmap="viridis", cbar_kws={"label": "オンライン申請率（％）", "shrink": 0.4},
                linewidths=0.2, linecolor="white")
    ax.set_facecolor("0.93")
    ax.grid(False)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", labelsize=6, rotation=90)
    ax.tick_params(axis="y", labelsize=6.5 if len(wide) > 60 else 7.5)
    ax.set_yticks(np.arange(len(wide)) + 0.5, list(wide.index))
    if highlight is not None and highlight.code in set(cov["code"]):
        i = list(cov["code"]).index(highlight.code)
        ax.add_patch(plt.Rectangle((0, i), len(procs), 1, fill=False, edgecolor=charts.HIGHLIGHT, lw=1.5))
        for lab in ax.get_yticklabels():
            if lab.get_text() == highlight.name:
                lab.set_color(charts.HIGHLIGHT)
    ax.set_title(f"{prefecture.name}の市区町村：手続ごとのオンライン申請率（灰色＝申請率の公表なし）", loc="left", fontsize=10)
    fig.tight_layout()
    table = pd.DataFrame({
        "注目": ["◀" if highlight is not None and c == highlight.code else "" for c in cov["code"]],
        "コード": cov["code"], "団体": cov["name"], "区分": cov["type"], "人口（2020）": cov["population_2020"].map(sections.int_text),
        "32手続のオンライン化": [
            "—" if pd.isna(v) else f"{_pct(v, 0)}（{a}/{b}）" for v, a, b in
            zip(cov["frequent_32_online_rate"], cov["frequent_32_numerator"], cov["frequent_32_denominator"])],
        "26手続のオンライン化": cov["childcare_26_online_rate"].map(lambda v: _pct(v, 0)),
        "申請率公表：よく使う32手続": cov["offered_よく使う32手続"],
        "申請率公表：子育て・介護26手続": cov["offered_子育て・介護26手続"],
    })
    if highlight is None or highlight.code not in set(cov["code"]):
        table = table.drop(columns="注目")
    extra = (f"{prefecture.name}の{len(cov)}市区町村。「32手続のオンライン化」の（　）は「オンライン化済」の手続数／実施している手続数。"
             "「申請率公表」は申請率が公表されている手続の数。")
    cap = caption("municipality", extra=extra) + "（32手続・26手続のオンライン化状況も同じダッシュボードの値。）"
    return Section(f"{prefecture.name}の市区町村一覧", fig, cap, table)


def highlight_section(highlight, min_share: float = 0.5) -> tuple[Section, str]:
    """The highlighted body's rates beside its prefecture, type and country, and its gaps.

    Returns
    -------
    (Section, str)
        The section (table: one row per procedure offered by the body or by at least one peer
        of the same type) and a Japanese narration computed from the numbers.
    """
    from .peers import peer_groups

    munis = _load("municipalities")
    groups = peer_groups(highlight.code, munis)
    mine = body_procedures(highlight.code)
    cov = coverage("municipality").set_index("code")
    me = cov.loc[highlight.code]
    comps = [(f"{highlight.prefecture}の他の市区町村", groups["same_prefecture"].codes),
             (f"全国の他の{highlight.type}", groups["same_type"].codes),
             ("全国の他の市区町村", [c for c in cov.index if c != highlight.code])]
    table = mine[["procedure", "procedure_group"]].rename(columns={"procedure": "手続", "procedure_group": "区分"})
    table[f"{highlight.name}"] = mine["online_rate"].map(_pct).where(mine["offered"], mine["state"].map(STATE_LABELS))
    keep = mine["offered"].to_numpy().copy()
    for label, codes in comps:
        r = rate_vs_peers(highlight.code, codes)
        table[f"{label}：中央値（公表団体/全団体）"] = [
            "—" if n == 0 else f"{_pct(m)}（{n:,}/{pn:,}）" for m, n, pn in zip(r["median"], r["n"], r["peers_n"])]
        keep |= (r["n"] > 0).to_numpy()
    table = table[keep].reset_index(drop=True)
    gaps = peer_procedure_gaps(highlight.code, groups["similar"].codes, min_share=min_share)
    check = gap_check(highlight.code, gaps)
    bad = set(check.loc[check["contradicts"], "procedure_group"]) if len(check) else set()
    listed = gaps[~gaps["procedure_group"].astype(str).isin(bad)]
    sim = groups["similar"]
    no_data = not bool(mine["offered"].any())
    if no_data:
        parts = [f"{highlight.name}（{highlight.prefecture}、{highlight.type}）については、手続ごとのオンライン申請率が"
                 f"{len(mine)}手続のどれも公表されていないため、手続ごとの比較はできません。"]
    else:
        parts = [f"{highlight.name}（{highlight.prefecture}、{highlight.type}）は{len(mine)}手続のうち"
                 f"{int(mine['offered'].sum())}手続で申請率が公表されています。"]
    if pd.notna(me["frequent_32_online_rate"]):
        pref_med = cov.loc[list(groups["same_prefecture"].codes), "frequent_32_online_rate"].median()
        type_med = cov.loc[list(groups["same_type"].codes), "frequent_32_online_rate"].median()
        parts.append(f"よく使う32手続のオンライン化状況は{_pct(me['frequent_32_online_rate'], 0)}"
                     f"（{int(me['frequent_32_numerator'])}/{int(me['frequent_32_denominator'])}手続）で、"
                     f"{highlight.prefecture}の他の市区町村の中央値{_pct(pref_med)}、全国の他の{highlight.type}の中央値"
                     f"{_pct(type_med)}です。")
    if sim.size and not no_data:
        if len(listed):
            names_ = "、".join(f"「{p}」（{k}/{n}団体）" for p, k, n in
                               zip(listed["procedure"], listed["peers_offering"], listed["peers_n"]))
            parts.append(f"人口の近い同区分団体（{sim.size}団体）の{min_share * 100:.0f}%以上が申請率を公表しているのに、"
                         f"{highlight.name}では公表値がない手続：{names_}（公表値がないことはオンライン未対応を意味しません）。")
        for r in check[check["contradicts"]].itertuples() if len(check) else []:
            parts.append(f"{r.procedure_group}では、人口の近い同区分団体の多くで公表されている{int(r.gaps)}手続に{highlight.name}の公表値が"
                         f"ありませんが、{highlight.name}は同じダッシュボードで{r.procedure_group}のオンライン化状況を"
                         f"{_pct(r.value)}と回答しており、食い違うため一覧にしません。")
        if not len(gaps):
            parts.append(f"人口の近い同区分団体（{sim.size}団体）の{min_share * 100:.0f}%以上が申請率を公表している手続は、"
                         f"{highlight.name}でもすべて公表されています。")
    extra = "中央値は各比較グループのうち申請率が公表されている団体の値（本団体は含まない）。"
    sec = Section(f"{highlight.name}（{highlight.prefecture}）の手続と比較", None, caption("municipality", extra=extra),
                  table)
    return sec, "".join(parts)


def prefecture_overview_section(prefecture, highlight=None) -> Section:
    """:func:`overview_section` restricted to one prefecture's municipalities."""
    codes = prefecture_municipalities(prefecture.prefecture_code)["code"]
    return overview_section("municipality", highlight, codes=codes, scope=prefecture.name)
