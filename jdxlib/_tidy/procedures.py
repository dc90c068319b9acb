"""Online procedures per body: the numeric tables behind :mod:`jdxlib.procedures` (tables layer).

Catalogue, body resolution, per-body states and rates, peer gaps, overviews and coverage as
tidy DataFrames; rates are percent (0–100).  The captions, Japanese text and charts stay in
:mod:`jdxlib.procedures`, which re-exports everything here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .. import analysis
from .._datasets import describe
from .._memo import derived
from ..peers import BAND_LABELS, population_band
from ..stats import PERCENT_DECIMALS, median_iqr, rank_with_ties
from ..constants import PROCEDURE_GROUPS
from ..constants import LEVELS as _LEVELS


LEVELS = _LEVELS
LEVEL_JA = {"municipality": "市区町村", "prefecture": "都道府県"}
#: procedure groups in display order (municipal: よく使う32手続 then 子育て・介護26手続)
GROUPS = PROCEDURE_GROUPS
#: dx_status coverage indicators -> short Japanese label
COVERAGE_LABELS = {
    "frequent_32_online_rate": "よく使う32手続のオンライン化状況",
    "childcare_26_online_rate": "子育て・介護26手続のオンライン化状況",
}
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
    from .. import _datasets  # not the package root, which sits above the layers

    return _datasets.load(name)


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level must be 'municipality' or 'prefecture', got {level!r}")
    return level


@derived("online_procedures", maxsize=4)
def _catalog(level: str) -> pd.DataFrame:
    from ..municipal import load_procedure_catalog

    cat = load_procedure_catalog()
    return cat.loc[cat["level"] == level].sort_values("order", ignore_index=True)


def procedure_catalog(level: str = "municipality") -> pd.DataFrame:
    """Every procedure of the export for *level*, including those no body publishes a rate for.

    The list comes from the built ``procedure_catalog`` table (the export's row labels; the
    dataset has rows only where a value is published, so several disaster-related procedures
    would otherwise be missing).

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
    cat = _catalog(_check_level(level))
    out = pd.DataFrame({c: cat[c].astype(str).tolist() for c in ("procedure_id", "procedure", "procedure_group")})
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
    from .. import names

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
    cov = _coverage_by_code(body.level)
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


@derived("dx_status", "online_procedures", "municipalities", "prefectures", maxsize=4, copy=False)
def _coverage_by_code(level: str) -> pd.DataFrame:
    """:func:`coverage` indexed by code, kept while the data is unchanged (read only)."""
    return coverage(level).set_index("code")


@derived("dx_status", "online_procedures", "municipalities", "prefectures", maxsize=4)
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
    from .. import names

    pref = names.resolve_prefecture(prefecture)
    cov = coverage("municipality")
    return cov[cov["prefecture_code"].astype(str) == pref.prefecture_code].reset_index(drop=True)


# --------------------------------------------------------------------------------- captions / narration
