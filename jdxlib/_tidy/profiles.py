"""Profiles of one body: the numeric tables behind :mod:`jdxlib.profiles` (tables layer).

:func:`municipality_profile` and :func:`prefecture_profile` compute everything a profile shows
(peer groups, item counts and percentiles, % items beside the peers, online procedures and
マイナンバーカード parts) as tidy DataFrames; shares are 0–1 (column ``share``), rates percent.
The sections, Japanese text and charts stay in :mod:`jdxlib.profiles`, which re-exports
everything here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import analysis
from .. import names as _names
from .._memo import derived
from ..peers import PEER_GROUP_LABELS, PeerGroup, peer_groups, population_band
from ..stats import PERCENT_DECIMALS, median_iqr, percentile_of, rank_with_ties, share_table


#: The 10 yes/no items of a profile: the 7 自治体DXの推進体制等 items, then AI, RPA, telework.
STATUS_ITEMS: tuple[str, ...] = (
    "cio_appointed",
    "cio_assistant_appointed",
    "dx_policy_formulated",
    "org_wide_structure",
    "external_talent",
    "staff_development",
    "all_staff_training",
    "ai_introduced",
    "rpa_introduced",
    "telework_introduced",
)


#: Percentage items of the municipal dashboard (value in %).
MUNICIPAL_PERCENT_ITEMS: tuple[str, ...] = (
    "frequent_32_online_rate",
    "childcare_26_online_rate",
    "mynumber_card_holding_rate",
)


#: Percentage items of the prefecture dashboard.
PREFECTURE_PERCENT_ITEMS: tuple[str, ...] = ("frequent_32_online_rate",)


#: Peer groups in display order.
GROUP_ORDER: tuple[str, ...] = tuple(PEER_GROUP_LABELS)


ANSWERED = ("実施", "未実施")


def _load(name: str, **kwargs):
    from .. import _datasets  # not the package root, which sits above the layers

    return _datasets.load(name, **kwargs)


def _status_strings(items: pd.DataFrame) -> pd.DataFrame:
    """code × indicator_id table of statuses as plain strings ('' when missing)."""
    wide = items.pivot(index="code", columns="indicator_id", values="status")
    wide.columns = [str(c) for c in wide.columns]
    return wide.astype("string").fillna("")


def item_counts(items: pd.DataFrame, indicator_ids: Any = None) -> pd.DataFrame:
    """Per body: how many of the yes/no items it answered 実施, and how many it answered.

    Parameters
    ----------
    items : pandas.DataFrame
        From :func:`jdxlib.analysis.status_items` (one row per body and item).
    indicator_ids : sequence of str, optional
        The items to count (default: every item in *items*).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``: ``yes_count`` (実施), ``answered`` (実施 or 未実施),
        ``not_surveyed`` (調査無し), ``missing`` (no status) and ``items`` (items counted).
    """
    wide = _status_strings(items)
    if indicator_ids is not None:
        wide = wide[[str(i) for i in indicator_ids]]
    return pd.DataFrame({
        "yes_count": (wide == "実施").sum(axis=1).astype("int64"),
        "answered": wide.isin(ANSWERED).sum(axis=1).astype("int64"),
        "not_surveyed": (wide == "調査無し").sum(axis=1).astype("int64"),
        "missing": (wide == "").sum(axis=1).astype("int64"),
        "items": wide.shape[1],
    })


@derived("dx_status", "municipalities", maxsize=2)
def _status_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The :data:`STATUS_ITEMS` of every municipality: long items, wide statuses, item counts.

    The same for every profile, so computed once per dataset version.
    """
    items = analysis.status_items(list(STATUS_ITEMS))
    return items, _status_strings(items)[list(STATUS_ITEMS)], item_counts(items, STATUS_ITEMS)


def _count_percentile(wide: pd.DataFrame, code: str, peer_codes):
    """The body's item count and its percentile among peers answering the same items.

    Returns (own count, items counted, PercentileResult, peers' counts, peers left out).
    """
    rows = pd.Index(wide.index).get_indexer(list(peer_codes))
    rows = np.unique(rows[rows >= 0])  # peers in code order, as wide.index is sorted
    values = wide.to_numpy(dtype=object)
    own = values[wide.index.get_loc(code)]
    used_mask = np.isin(own, ANSWERED)
    used = [c for c, u in zip(wide.columns, used_mask) if u]
    own_count = int((own[used_mask] == "実施").sum())
    sub = values[rows][:, used_mask]
    comparable = np.isin(sub, ANSWERED).all(axis=1) if used else np.zeros(len(rows), dtype=bool)
    peer_counts = pd.Series((sub[comparable] == "実施").sum(axis=1).astype("int64"),
                            index=wide.index[rows][comparable])
    result = percentile_of(own_count, peer_counts) if used else percentile_of(np.nan, [])
    return own_count, used, result, peer_counts, int((~comparable).sum())


@dataclass
class MunicipalityProfile:
    """Everything a municipality profile shows, computed once (tables only, no figures).

    Attributes
    ----------
    body : jdxlib.names.Municipality
    info : dict
        ``code``, ``name``, ``kana``, ``prefecture``, ``district``, ``type``,
        ``population_2020`` (None when unpublished) and ``population_band`` (None likewise).
    groups : dict of str to PeerGroup
        The four peer groups (:func:`jdxlib.peers.peer_groups`), body excluded.
    primary : str
        Key of the group used for procedures, cards and the summary (``similar``, or
        ``same_type`` when ``similar`` is empty).
    items : pandas.DataFrame
        :func:`jdxlib.analysis.status_items` of :data:`STATUS_ITEMS` for all municipalities.
    comparison : pandas.DataFrame
        :func:`jdxlib.analysis.peer_comparison`: one row per item and group (``own_status``,
        ``yes``, ``n``, ``share``, ``one_body_pp`` …).
    counts : pandas.DataFrame
        :func:`item_counts` of every municipality (indexed by code).
    count_table : pandas.DataFrame
        One row per group: the body's item count and its percentile among the group.
    own_count, counted_items
        The body's number of 実施 and the items it was counted over (those it answered).
    percent_items : pandas.DataFrame
        The body's dashboard percentage items (32/26 procedures, card holding rate) with
        the primary group's median and IQR and the body's percentile.
    procedures, procedure_gaps, rate_vs_peers, card_curve, card_band, holding_rate
        Results of :mod:`jdxlib.procedures` and :mod:`jdxlib.cards` for the primary group
        (None when those modules are not available).
    procedure_state
        :data:`jdxlib.procedures.PUBLISHED` when the body publishes at least one online
        rate, :data:`jdxlib.procedures.NO_BODY_DATA` when it publishes none.
    gap_check
        :func:`jdxlib.procedures.gap_check` of ``procedure_gaps`` (groups whose gaps contradict
        the body's own dashboard items are not listed).
    """

    body: _names.Municipality
    info: dict
    groups: dict[str, PeerGroup]
    primary: str
    items: pd.DataFrame
    comparison: pd.DataFrame
    counts: pd.DataFrame
    count_table: pd.DataFrame
    own_count: int
    counted_items: tuple[str, ...]
    percent_items: pd.DataFrame
    municipalities: pd.DataFrame = field(repr=False)
    min_share: float = 0.5
    procedures: Any = None
    procedure_gaps: Any = None
    rate_vs_peers: Any = None
    card_curve: Any = None
    card_band: Any = None
    holding_rate: Any = None
    card_latest: dict | None = None
    procedure_state: str | None = None
    gap_check: Any = None

    @property
    def code(self) -> str:
        return self.body.code

    @property
    def primary_group(self) -> PeerGroup:
        return self.groups[self.primary]

    @property
    def not_surveyed_items(self) -> list[str]:
        """Labels of the items the body was not surveyed on (調査無し)."""
        own = self.comparison.drop_duplicates("indicator_id")
        return [str(r.indicator) for r in own.itertuples() if str(r.own_status) == "調査無し"]


def _resolve_body(municipality: Any) -> _names.Municipality:
    if municipality is None or (isinstance(municipality, str) and not municipality.strip()):
        raise _names.NameResolutionError(
            "municipality を指定してください（団体名またはコード。例: 札幌市, 北海道伊達市, 011002） / "
            "give a municipality (a name or a code)", kind="missing", value=municipality)
    if isinstance(municipality, _names.Municipality):
        return municipality
    return _names.resolve_municipality(municipality)


def municipality_profile(
    municipality: Any, *, n_similar: int = 30, min_share: float = 0.5,
    with_procedures: bool = True, with_cards: bool = True,
) -> MunicipalityProfile:
    """Compute the profile of one municipality.

    Parameters
    ----------
    municipality : str, int or jdxlib.names.Municipality
        Anything :func:`jdxlib.names.resolve_municipality` accepts (an ambiguous name raises
        :class:`jdxlib.names.NameResolutionError` listing the candidates).
    n_similar : int, default 30
        Size of the "similar bodies" group.
    min_share : float, default 0.5
        A procedure offered online by at least this share of the primary group and not by the
        body is a gap.
    with_procedures, with_cards : bool, default True
        Compute the online-procedure and マイナンバーカード parts (needs
        :mod:`jdxlib.procedures` / :mod:`jdxlib.cards`).

    Returns
    -------
    MunicipalityProfile
    """
    body = _resolve_body(municipality)
    munis = _load("municipalities")
    row = munis.loc[munis["code"] == body.code].iloc[0]
    pop = row["population_2020"]
    band = population_band(pd.Series([pop])).iloc[0]
    info = {
        "code": body.code,
        "name": body.name,
        "kana": str(row.get("kana", "") or ""),
        "prefecture": body.prefecture,
        "district": str(row.get("district", "") or ""),
        "type": body.type,
        "population_2020": None if pd.isna(pop) else int(pop),
        "population_band": None if pd.isna(band) else str(band),
    }
    groups = peer_groups(body.code, n_similar=n_similar)
    primary = "similar" if groups["similar"].size else "same_type"

    items, wide, counts = _status_tables()
    comparison = analysis.peer_comparison(items, body.code, n_similar=n_similar)

    rows = []
    own_count, used = 0, []
    for key in GROUP_ORDER:
        g = groups[key]
        own_count, used, res, peer_counts, left_out = _count_percentile(wide, body.code, g.codes)
        rows.append({
            "group": key, "group_label": g.label, "group_size": g.size,
            "own_count": own_count, "items_counted": len(used), "compared": res.n,
            "left_out": left_out, "peer_median": float(peer_counts.median()) if len(peer_counts) else np.nan,
            "below": res.below, "equal": res.equal, "above": res.above,
            "percentile": res.percentile, "explanation": res.explanation,
        })
    count_table = pd.DataFrame(rows)

    percent = _percent_vs_group(body.code, groups[primary])

    profile = MunicipalityProfile(
        body=body, info=info, groups=groups, primary=primary, items=items,
        comparison=comparison, counts=counts, count_table=count_table, own_count=own_count,
        counted_items=tuple(used), percent_items=percent, municipalities=munis,
        min_share=min_share,
    )
    peer_codes = list(groups[primary].codes)
    if with_procedures:
        _attach_procedures(profile, peer_codes)
    if with_cards:
        _attach_cards(profile, peer_codes)
    return profile


@derived("dx_status", maxsize=2, copy=False)
def _municipal_percent_rows() -> pd.DataFrame:
    """dx_status rows of :data:`MUNICIPAL_PERCENT_ITEMS` (not modified by callers)."""
    dx = _load("dx_status")
    return dx[(dx["level"].astype(str) == "municipality") & dx["indicator_id"].isin(MUNICIPAL_PERCENT_ITEMS)]


def _percent_vs_group(code: str, group: PeerGroup) -> pd.DataFrame:
    """The body's % items beside the group's median / IQR and its percentile."""
    sub = _municipal_percent_rows()
    rows = []
    members = set(group.codes)
    for ind in MUNICIPAL_PERCENT_ITEMS:
        s = sub[sub["indicator_id"] == ind]
        if s.empty:
            continue
        own = s.loc[s["code"] == code, "value"]
        own_v = float(own.iloc[0]) if len(own) and pd.notna(own.iloc[0]) else np.nan
        peers = s[s["code"].isin(members)]
        st = median_iqr(peers, "value").iloc[0]
        res = percentile_of(own_v, peers["value"]) if pd.notna(own_v) else None
        rows.append({
            "indicator_id": ind, "indicator": str(s["indicator"].iloc[0]), "value": own_v,
            "group": group.key, "group_label": group.label, "n": int(st["n"]),
            "missing": int(st["missing"]), "median": st["median"], "q1": st["q1"], "q3": st["q3"],
            "percentile": res.percentile if res else np.nan,
            "explanation": res.explanation if res else "値なし",
        })
    return pd.DataFrame(rows)


def _attach_procedures(profile: MunicipalityProfile, peer_codes: list[str]) -> None:
    try:
        from . import procedures
    except ImportError:  # pragma: no cover - module written separately
        return
    rv = procedures.rate_vs_peers(profile.code, peer_codes)
    profile.rate_vs_peers = rv
    # the body's own procedures are the first columns of rate_vs_peers (same as
    # procedures.body_procedures, without computing them a second time)
    published = rv["rate"].notna()
    profile.procedure_state = procedures.PUBLISHED if published.any() else procedures.NO_BODY_DATA
    missing = procedures.NOT_PUBLISHED if published.any() else procedures.NO_BODY_DATA
    profile.procedures = pd.DataFrame({
        "procedure_id": rv["procedure_id"], "procedure": rv["procedure"],
        "procedure_group": rv["procedure_group"], "offered": published, "online_rate": rv["rate"],
        "state": np.where(published, procedures.PUBLISHED, missing)})
    profile.procedure_gaps = procedures.peer_procedure_gaps(profile.code, peer_codes, min_share=profile.min_share)
    profile.gap_check = procedures.gap_check(profile.code, profile.procedure_gaps)


def _attach_cards(profile: MunicipalityProfile, peer_codes: list[str]) -> None:
    try:
        from . import cards
    except ImportError:  # pragma: no cover - module written separately
        return
    profile.card_curve = cards.body_curve(profile.code)
    profile.card_band = cards.peer_band(peer_codes)
    profile.holding_rate = cards.holding_rate_2024(profile.code)
    profile.card_latest = _card_latest(profile)


def _card_latest(p: MunicipalityProfile) -> dict:
    """The last snapshot: the body's issuance rate, the peers' median / IQR and its percentile."""
    curve, band = p.card_curve, p.card_band
    last = curve["date"].max()
    own = float(curve.loc[curve["date"] == last, "rate"].iloc[0]) if len(curve) else np.nan
    b = band[band["date"] == last]
    b = b.iloc[0] if len(b) else pd.Series({"median": np.nan, "q1": np.nan, "q3": np.nan, "n": 0})
    peers = _load("mynumber_cards")
    peers = peers[(peers["date"] == last) & peers["code"].isin(set(p.primary_group.codes))]
    peer_rates = peers["cards_issued"].astype("float64") / peers["population"].astype("float64") * 100
    res = percentile_of(own, peer_rates) if pd.notna(own) else None
    return {"date": last, "rate": own, "median": b["median"], "q1": b["q1"], "q3": b["q3"], "n": int(b["n"]),
            "percentile": res.percentile if res else np.nan}


@dataclass
class PrefectureProfile:
    """Everything a prefecture profile shows (tables only).

    Attributes
    ----------
    prefecture : jdxlib.names.Prefecture
    info : dict
        ``code``, ``name``, ``kana``, ``name_en``, ``capital``, ``population_2020`` and
        ``municipalities_by_type`` (type → count).
    own_items : pandas.DataFrame
        The prefecture's own answer to each prefecture-level status item beside the other 46
        prefectures' ``yes``, ``n``, ``share``, ``one_body_pp``.
    own_count : pandas.DataFrame
        One row: its number of 実施 among the status items and its percentile among the other 46.
    own_percent : pandas.DataFrame
        Prefecture-level % items: its value, rank among 47 and the other 46's median / IQR.
    own_items_raw : pandas.DataFrame
        :func:`jdxlib.analysis.status_items` of the 47 prefectures (for dates and captions).
    procedures : pandas.DataFrame
        :func:`jdxlib.procedures.rate_vs_peers` against the other 46 (one row per prefectural
        procedure: ``rate`` — NaN when not published —, the others' ``median``, ``q1``,
        ``q3``, ``n`` publishing, ``peers_n``) plus ``rank_label`` (its rank among the
        prefectures with a rate) and ``others_share`` (``n / peers_n``).
    procedure_gaps : pandas.DataFrame
        :func:`jdxlib.procedures.peer_procedure_gaps`: procedures published by at least
        ``min_share`` of the other 46 and not by it.
    municipal_status : pandas.DataFrame
        Per municipal status item: the share of its municipalities answering 実施 (with
        Wilson interval), the national share and its rank among the 47 prefectures.
    municipal_percent : pandas.DataFrame
        Per municipal % item: median / IQR over its municipalities and nationally, and the
        rank of its median among the 47.
    municipal_values : pandas.DataFrame
        The per-body values behind ``municipal_percent`` (for box plots).
    counts : pandas.DataFrame
        :func:`item_counts` of every municipality.
    items : pandas.DataFrame
        Municipal status items (all municipalities).
    """

    prefecture: _names.Prefecture
    info: dict
    own_items: pd.DataFrame
    own_items_raw: pd.DataFrame
    own_count: pd.DataFrame
    own_percent: pd.DataFrame
    procedures: pd.DataFrame
    procedure_gaps: pd.DataFrame
    municipal_status: pd.DataFrame
    municipal_percent: pd.DataFrame
    municipal_values: pd.DataFrame
    counts: pd.DataFrame
    items: pd.DataFrame
    min_share: float = 0.5


def prefecture_profile(prefecture: Any, *, min_share: float = 0.5) -> PrefectureProfile:
    """Compute the profile of one prefecture.

    Parameters
    ----------
    prefecture : str, int or jdxlib.names.Prefecture
        Anything :func:`jdxlib.names.resolve_prefecture` accepts.
    min_share : float, default 0.5
        Threshold for "procedures the other prefectures commonly offer".

    Returns
    -------
    PrefectureProfile
    """
    if prefecture is None or (isinstance(prefecture, str) and not prefecture.strip()):
        raise _names.NameResolutionError(
            "prefecture を指定してください（例: 北海道, 島根県, 32） / give a prefecture",
            kind="missing", value=prefecture)
    pref = prefecture if isinstance(prefecture, _names.Prefecture) else _names.resolve_prefecture(prefecture)
    munis = _load("municipalities")
    prefs = _load("prefectures")
    dx = _load("dx_status")
    prow = prefs.loc[prefs["code"] == pref.code].iloc[0]
    mine = munis[munis["prefecture_code"] == pref.prefecture_code]
    by_type = mine["type"].astype(str).value_counts()
    order = [t for t in mine["type"].cat.categories if t in by_type.index] if hasattr(
        mine["type"], "cat") else list(by_type.index)
    info = {
        "code": pref.code, "name": pref.name, "kana": str(prow.get("kana", "") or ""),
        "name_en": str(prow.get("name_en", "") or ""), "capital": str(prow.get("capital", "") or ""),
        "population_2020": None if pd.isna(prow["population_2020"]) else int(prow["population_2020"]),
        "municipalities": int(len(mine)),
        "municipalities_by_type": {t: int(by_type[t]) for t in order},
    }

    # -- the prefecture's own items against the other 46
    pitems = analysis.status_items(list(STATUS_ITEMS), level="prefecture", dx_status=dx, prefectures=prefs)
    others = pitems[pitems["code"] != pref.code]
    share = share_table(others, "indicator_id")
    share["indicator_id"] = share["indicator_id"].astype(str)
    own = pitems[pitems["code"] == pref.code].set_index(pitems.loc[pitems["code"] == pref.code, "indicator_id"].astype(str))
    share["indicator"] = share["indicator_id"].map(dict(zip(pitems["indicator_id"].astype(str), pitems["indicator"])))
    share["own_status"] = share["indicator_id"].map(own["status"].astype(object).to_dict())
    share["group"] = "others"
    share = share.set_index("indicator_id").loc[[i for i in STATUS_ITEMS if i in set(share["indicator_id"])]].reset_index()
    wide = _status_strings(pitems)[[i for i in STATUS_ITEMS if i in set(pitems["indicator_id"].astype(str))]]
    oc, used, res, peer_counts, left_out = _count_percentile(wide, pref.code, [c for c in wide.index if c != pref.code])
    own_count = pd.DataFrame([{
        "own_count": oc, "items_counted": len(used), "compared": res.n, "left_out": left_out,
        "peer_median": float(peer_counts.median()) if len(peer_counts) else np.nan,
        "below": res.below, "equal": res.equal, "above": res.above, "percentile": res.percentile,
        "explanation": res.explanation}])

    ppct = dx[(dx["level"].astype(str) == "prefecture") & dx["indicator_id"].isin(PREFECTURE_PERCENT_ITEMS)]
    own_percent = _percent_rank(ppct, pref.code)

    procs, gaps = _prefecture_procedures(pref.code, min_share)

    # -- its municipalities against the country
    items = analysis.status_items(list(STATUS_ITEMS), dx_status=dx, municipalities=munis)
    municipal_status = _municipal_status(items, pref)
    values = _municipal_values(dx, munis)
    municipal_percent = _municipal_percent(values, pref)
    counts = item_counts(items, STATUS_ITEMS)
    return PrefectureProfile(
        prefecture=pref, info=info, own_items=share, own_items_raw=pitems, own_count=own_count,
        own_percent=own_percent, procedures=procs, procedure_gaps=gaps,
        municipal_status=municipal_status, municipal_percent=municipal_percent,
        municipal_values=values, counts=counts, items=items, min_share=min_share,
    )


def _percent_rank(rows: pd.DataFrame, code: str) -> pd.DataFrame:
    out = []
    for ind, s in rows.groupby("indicator_id", sort=False):
        s = s.reset_index(drop=True)
        ranks = rank_with_ties(s["value"], ascending=False, decimals=PERCENT_DECIMALS)
        me = s.index[s["code"] == code]
        others = s[s["code"] != code]
        st = median_iqr(others, "value").iloc[0]
        val = float(s.loc[me[0], "value"]) if len(me) and pd.notna(s.loc[me[0], "value"]) else np.nan
        out.append({
            "indicator_id": ind, "indicator": str(s["indicator"].iloc[0]), "value": val,
            "rank_label": str(ranks.loc[me[0], "rank_label"]) if len(me) and pd.notna(val) else "—",
            "ranked": int(s["value"].notna().sum()),
            "n": int(st["n"]), "median": st["median"], "q1": st["q1"], "q3": st["q3"],
            "numerator": s.loc[me[0], "numerator"] if "numerator" in s and len(me) else pd.NA,
            "denominator": s.loc[me[0], "denominator"] if "denominator" in s and len(me) else pd.NA,
        })
    return pd.DataFrame(out)


def _prefecture_procedures(code: str, min_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prefectural procedures: its rate, the other 46's median / IQR, its rank; gaps."""
    from . import procedures

    others = [c for c in _load("prefectures")["code"].astype(str) if c != code]
    r = procedures.rate_vs_peers(code, others)
    gaps = procedures.peer_procedure_gaps(code, others, min_share=min_share)
    op = _load("online_procedures")
    op = op[op["level"].astype(str) == "prefecture"]
    ranks = []
    for pid, val in zip(r["procedure_id"], r["rate"]):
        if pd.isna(val):
            ranks.append("—")
            continue
        s = op[op["procedure_id"] == pid].reset_index(drop=True)
        rk = rank_with_ties(s["online_rate"], ascending=False, decimals=PERCENT_DECIMALS)
        ranks.append(f"{rk.loc[int(np.flatnonzero(s['code'].to_numpy() == code)[0]), 'rank_label']}／{len(s)}")
    r = r.assign(rank_label=ranks, others_share=r["n"] / r["peers_n"])
    return r, gaps


def _municipal_status(items: pd.DataFrame, pref) -> pd.DataFrame:
    nat = share_table(items, "indicator_id")
    nat["indicator_id"] = nat["indicator_id"].astype(str)
    rows = []
    for ind in STATUS_ITEMS:
        rk = analysis.prefecture_ranking(items, ind)
        me = rk[rk["prefecture_code"] == pref.prefecture_code].iloc[0]
        n = nat[nat["indicator_id"] == ind].iloc[0]
        rows.append({
            "indicator_id": ind, "indicator": str(me["indicator"]), "yes": int(me["yes"]),
            "no": int(me["no"]), "not_surveyed": int(me["not_surveyed"]), "missing": int(me["missing"]),
            "n": int(me["n"]), "total": int(me["total"]), "share": me["share"],
            "one_body_pp": me["one_body_pp"], "rank": me["rank"],
            "rank_label": str(me["rank_label"]), "national_yes": int(n["yes"]), "national_n": int(n["n"]),
            "national_share": n["share"],
        })
    return pd.DataFrame(rows)


def _municipal_values(dx: pd.DataFrame, munis: pd.DataFrame) -> pd.DataFrame:
    """Per municipality: the dashboard % items and the card issuance rate of the last snapshot."""
    sub = dx[(dx["level"].astype(str) == "municipality") & dx["indicator_id"].isin(MUNICIPAL_PERCENT_ITEMS)]
    sub = sub[["code", "indicator_id", "indicator", "value", "reference_date"]].copy()
    cards = _load("mynumber_cards")
    last = cards["date"].max()
    c = cards[cards["date"] == last]
    extra = pd.DataFrame({"code": c["code"].astype(str), "indicator_id": "card_issuance_rate_last",
                          "indicator": f"マイナンバーカード交付率（{last:%Y-%m-%d}）",
                          "value": c["rate"].astype(float), "reference_date": last})
    out = pd.concat([sub, extra], ignore_index=True)
    return out.merge(munis[["code", "prefecture_code", "name"]], on="code", how="left")


def _municipal_percent(values: pd.DataFrame, pref) -> pd.DataFrame:
    rows = []
    for ind, s in values.groupby("indicator_id", sort=False):
        per = median_iqr(s, "value", "prefecture_code")
        ranks = rank_with_ties(per["median"], ascending=False, decimals=PERCENT_DECIMALS)
        per = pd.concat([per, ranks], axis=1)
        me = per[per["prefecture_code"] == pref.prefecture_code].iloc[0]
        nat = median_iqr(s, "value").iloc[0]
        rows.append({
            "indicator_id": ind, "indicator": str(s["indicator"].iloc[0]), "n": int(me["n"]),
            "missing": int(me["missing"]), "median": me["median"], "q1": me["q1"], "q3": me["q3"],
            "rank_label": str(me["rank_label"]), "national_n": int(nat["n"]),
            "national_median": nat["median"], "national_q1": nat["q1"], "national_q3": nat["q3"],
            "reference_date": s["reference_date"].dropna().max() if s["reference_date"].notna().any() else pd.NaT,
        })
    return pd.DataFrame(rows)
