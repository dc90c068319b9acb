"""The per-body analysis behind the theme notebooks and profiles (notebooks stay thin).

Every function returns a tidy pandas DataFrame with ASCII column names (documented below) and
keeps its denominators visible: ``n`` respondents, ``total`` bodies, ``not_surveyed``
(調査無し) and ``missing`` are always shown beside a share.

Typical use in a notebook::

    items = analysis.status_items(["cio_appointed", "ai_introduced"])
    analysis.share_by(items, by="type")
    analysis.prefecture_ranking(items, "cio_appointed")
    analysis.prefecture_detail(items, "島根県")

Column glossary
---------------
``code``, ``name``, ``prefecture_code``, ``prefecture``, ``type``, ``population_2020``
    from the ``municipalities`` dataset (``type`` and ``prefecture`` are ordered categoricals:
    type order 指定都市 < … < 村, prefectures in code order).
``population_band``
    :func:`jdxlib.peers.population_band` of ``population_2020``.
``indicator_id``, ``indicator``, ``status``, ``value``, ...
    from ``dx_status``; ``indicator_id`` is categorical in the order requested.
``yes``, ``no``, ``not_surveyed``, ``missing``, ``n``, ``total``, ``share``, ``share_of_all``,
``one_body_pp``
    see :func:`jdxlib.stats.share_table` (shares are fractions; ``n`` = respondents).  These
    are complete counts, so no share carries a confidence interval.
``rank``, ``tied``, ``rank_label``
    see :func:`jdxlib.stats.rank_with_ties`; shares are ranked as displayed (percent with
    :data:`jdxlib.stats.PERCENT_DECIMALS` decimals), so equal displayed values tie.
``median``, ``q1``, ``q3``, ``iqr``, ``min``, ``max``
    see :func:`jdxlib.stats.median_iqr`.
"""
from __future__ import annotations

import difflib
from typing import Any, Iterable

import numpy as np
import pandas as pd

from . import names as _names
from .peers import PEER_GROUP_LABELS, peer_groups, population_band
from ._memo import derived
from .stats import (PERCENT_DECIMALS, STATUS_CLASSES, median_iqr, rank_with_ties, share_table,
                    shares_from_counts, status_classes)

__all__ = [
    "ALL_NATIONAL",
    "UNKNOWN_GROUP",
    "peer_comparison",
    "percent_summary",
    "prefecture_detail",
    "prefecture_ranking",
    "share_by",
    "status_items",
]

#: Label of the whole-country row added by ``total=True``.
ALL_NATIONAL = "全国"
#: Label of the group of bodies whose grouping value is missing (e.g. the population band of
#: 双葉町, which has no 2020 population).
UNKNOWN_GROUP = "人口公表なし"

_GROUPINGS = ("type", "population_band", "prefecture")
_MUNI_COLUMNS = ["code", "name", "prefecture_code", "prefecture", "type", "population_2020"]


def _load(name: str):
    from . import _datasets  # not the package root, which sits above the layers

    return _datasets.load(name)


def status_items(
    indicator_ids: str | Iterable[str] | None = None,
    level: str = "municipality",
    *,
    dx_status: pd.DataFrame | None = None,
    municipalities: pd.DataFrame | None = None,
    prefectures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ``dx_status`` rows of some indicators, joined with who each body is.

    Parameters
    ----------
    indicator_ids : str or iterable of str, optional
        E.g. ``["cio_appointed", "ai_introduced"]``; None takes every indicator of *level*.
    level : {"municipality", "prefecture"}
    dx_status, municipalities, prefectures : pandas.DataFrame, optional
        The datasets (default: ``jdxlib.load(...)``); pass frames to test or to reuse them.

    Returns
    -------
    pandas.DataFrame
        One row per body and indicator, ordered by indicator (as requested) then code.
        Columns: ``code``, ``name``, ``prefecture_code``, ``prefecture`` (ordered categorical
        in code order), ``type``, ``population_2020``, ``population_band``, then the
        ``dx_status`` columns ``area``, ``indicator_id`` (categorical, requested order),
        ``indicator``, ``status``, ``value``, ``numerator``, ``denominator``,
        ``reference_date``, ``source`` (those present).  For ``level="prefecture"``,
        ``name`` and ``prefecture`` are the prefecture, ``type`` is ``"都道府県"`` and
        ``population_band`` is NA.

    Raises
    ------
    ValueError
        Unknown *level* or indicator id (with close matches and the valid ids), or a body
        code that the master table lacks.
    """
    if level not in ("municipality", "prefecture"):
        raise ValueError(f"level must be 'municipality' or 'prefecture', got {level!r}")
    dx = _load("dx_status") if dx_status is None else dx_status
    dx = dx[dx["level"].astype(str) == level]
    valid = list(dict.fromkeys(dx["indicator_id"].astype(str)))
    if indicator_ids is None:
        wanted = valid
    else:
        wanted = [indicator_ids] if isinstance(indicator_ids, str) else list(indicator_ids)
        unknown = [i for i in wanted if i not in valid]
        if unknown:
            hints = []
            for u in unknown:
                close = difflib.get_close_matches(u, valid, n=1, cutoff=0.6)
                hints.append(f"{u!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ValueError(
                f"unknown indicator_id for level={level!r}: {', '.join(hints)}. "
                f"Valid: {', '.join(valid)}"
            )
    dx = dx[dx["indicator_id"].astype(str).isin(wanted)].copy()
    dx["indicator_id"] = pd.Categorical(dx["indicator_id"].astype(str), categories=wanted)

    prefs = _load("prefectures") if prefectures is None and level == "prefecture" else prefectures
    if level == "municipality":
        munis = _load("municipalities") if municipalities is None else municipalities
        who = munis[_MUNI_COLUMNS].copy()
        order = (
            who[["prefecture_code", "prefecture"]].astype(str).drop_duplicates()
            .sort_values("prefecture_code")["prefecture"].tolist()
        )
        who["population_band"] = population_band(who["population_2020"])
    else:
        who = pd.DataFrame(
            {
                "code": prefs["code"].astype(str),
                "name": prefs["name"].astype(str),
                "prefecture_code": prefs["prefecture_code"].astype(str),
                "prefecture": prefs["name"].astype(str),
                "type": "都道府県",
                "population_2020": prefs["population_2020"] if "population_2020" in prefs else pd.NA,
            }
        )
        order = who.sort_values("prefecture_code")["prefecture"].tolist()
        who["population_band"] = pd.Categorical([None] * len(who), categories=list(
            population_band(pd.Series([], dtype=float)).cat.categories), ordered=True)
    who["prefecture"] = pd.Categorical(who["prefecture"].astype(str), categories=order, ordered=True)
    who["code"] = who["code"].astype(str)

    dx["code"] = dx["code"].astype(str)
    lacking = sorted(set(dx["code"]) - set(who["code"]))
    if lacking:
        raise ValueError(
            f"{len(lacking)} dx_status codes are not in the {level} table: {', '.join(lacking[:5])}"
        )
    keep = [c for c in ("area", "indicator_id", "indicator", "status", "value", "numerator",
                        "denominator", "reference_date", "source") if c in dx.columns]
    out = who.merge(dx[["code"] + keep], on="code", how="inner", validate="one_to_many")
    out = out.sort_values(["indicator_id", "code"], kind="mergesort").reset_index(drop=True)
    return out


def _labels(items: pd.DataFrame) -> pd.DataFrame:
    if "indicator" not in items.columns:
        return pd.DataFrame({"indicator_id": pd.Series(dtype=object)})
    lab = items[["indicator_id", "indicator"]].drop_duplicates("indicator_id")
    return lab.assign(indicator_id=lab["indicator_id"].astype(str))


def _status_only(items: pd.DataFrame) -> pd.DataFrame:
    if "status" not in items.columns:
        raise ValueError("items have no 'status' column: use percent_summary for % items")
    has_status = items.groupby(items["indicator_id"].astype(str), sort=False)["status"].apply(
        lambda s: s.notna().any()
    )
    without = [i for i, ok in has_status.items() if not ok]
    if without:
        raise ValueError(
            f"no 実施/未実施 status for {', '.join(without)}: these are percentage items, "
            "use percent_summary"
        )
    out = items.copy()
    if isinstance(out["indicator_id"].dtype, pd.CategoricalDtype):
        out["indicator_id"] = out["indicator_id"].cat.remove_unused_categories()
    else:
        out["indicator_id"] = pd.Categorical(
            out["indicator_id"], categories=list(dict.fromkeys(out["indicator_id"]))
        )
    return out


def _label_unknown(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Name the group of bodies with a missing *by* value (:data:`UNKNOWN_GROUP`) instead of NaN."""
    if not by or not df[by].isna().any():
        return df
    col = df[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.cat.add_categories([UNKNOWN_GROUP]).fillna(UNKNOWN_GROUP)
    else:
        col = col.astype(object).where(col.notna(), UNKNOWN_GROUP)
    return df.assign(**{by: col})


def _with_total(grouped: pd.DataFrame, national: pd.DataFrame, by: str) -> pd.DataFrame:
    national = national.copy()
    col = grouped[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = list(col.cat.categories) + [ALL_NATIONAL]
        national[by] = ALL_NATIONAL
        both = pd.concat([grouped.astype({by: object}), national], ignore_index=True)
        both[by] = pd.Categorical(both[by], categories=cats, ordered=col.cat.ordered)
    else:
        national[by] = ALL_NATIONAL
        both = pd.concat([grouped, national], ignore_index=True)
    return both.sort_values(["indicator_id", by], kind="mergesort").reset_index(drop=True)


def share_by(
    items: pd.DataFrame,
    by: str = "type",
    *,
    total: bool = False,
) -> pd.DataFrame:
    """Share of bodies answering 実施, per indicator and group, with its counts.

    Parameters
    ----------
    items : pandas.DataFrame
        From :func:`status_items` (yes/no items only).
    by : {"type", "population_band", "prefecture"} or another column of *items*
    total : bool, default False
        Also add a whole-country row per indicator, labelled ``"全国"``.

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``indicator``, *by*, ``yes``, ``no``, ``not_surveyed``, ``missing``,
        ``n`` (respondents: 調査無し excluded), ``total`` (all bodies), ``share`` (yes/n),
        ``share_of_all`` (yes/total), ``one_body_pp``.  Every category of *by* is
        listed, even when empty; bodies with a missing *by* value form a :data:`UNKNOWN_GROUP` group
        (e.g. 双葉町 in ``population_band``).

    Raises
    ------
    ValueError
        If *by* is not a column, or an indicator has no status (a percentage item).
    """
    if by not in items.columns:
        raise ValueError(f"by={by!r} is not a column of items; try one of {', '.join(_GROUPINGS)}")
    work = _label_unknown(_status_only(items), by)
    grouped = share_table(work, ["indicator_id", by])
    if total:
        national = share_table(work, ["indicator_id"])
        grouped = _with_total(grouped, national, by)
    grouped["indicator_id"] = grouped["indicator_id"].astype(str)
    out = grouped.merge(_labels(work), on="indicator_id", how="left")
    out["indicator_id"] = pd.Categorical(
        out["indicator_id"], categories=list(work["indicator_id"].cat.categories)
    )
    front = ["indicator_id", "indicator", by] if "indicator" in out.columns else ["indicator_id", by]
    return out[front + [c for c in out.columns if c not in front]]


def prefecture_ranking(items: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """Prefectures ranked by the share of their municipalities answering 実施.

    Parameters
    ----------
    items : pandas.DataFrame
        From :func:`status_items` (municipality level).
    indicator_id : str

    Returns
    -------
    pandas.DataFrame
        One row per prefecture (47), sorted by rank then prefecture code: ``rank``, ``tied``,
        ``rank_label`` (min ranks over ``share`` as displayed: equal displayed percentages
        tie), ``prefecture_code``,
        ``prefecture``, ``indicator_id``, ``indicator``, ``yes``, ``no``, ``not_surveyed``,
        ``missing``, ``n`` (responding municipalities), ``total`` (municipalities),
        ``share`` (yes/n), ``share_of_all``, ``one_body_pp`` (one municipality moves the
        share of 鳥取県, 19 municipalities, by about 5.3 points; of 北海道, 179, by 0.6).
    """
    sub = items[items["indicator_id"].astype(str) == str(indicator_id)]
    if sub.empty:
        raise ValueError(f"indicator_id {indicator_id!r} is not in items")
    work = _status_only(sub)
    table = share_table(work, "prefecture")
    table = table[table["total"] > 0].reset_index(drop=True)
    codes = work[["prefecture", "prefecture_code"]].drop_duplicates().astype(str)
    table["prefecture_code"] = table["prefecture"].astype(str).map(
        dict(zip(codes["prefecture"], codes["prefecture_code"]))
    )
    ranks = rank_with_ties(table["share"] * 100, ascending=False, decimals=PERCENT_DECIMALS)
    table = pd.concat([ranks, table], axis=1)
    table["indicator_id"] = str(indicator_id)
    if "indicator" in work.columns:
        table["indicator"] = str(work["indicator"].iloc[0])
    table = table.sort_values(["rank", "prefecture_code"], kind="mergesort", na_position="last")
    front = ["rank", "tied", "rank_label", "prefecture_code", "prefecture", "indicator_id"]
    front += ["indicator"] if "indicator" in table.columns else []
    return table[front + [c for c in table.columns if c not in front]].reset_index(drop=True)


def percent_summary(
    values_df: pd.DataFrame,
    value_col: str = "value",
    by: str | None = "type",
    *,
    total: bool = False,
) -> pd.DataFrame:
    """Median and interquartile range of a percentage item (online rates, card rates).

    Parameters
    ----------
    values_df : pandas.DataFrame
        E.g. :func:`status_items` of % indicators, or ``online_procedures`` joined with
        municipalities.  When it has an ``indicator_id`` (or ``procedure_id``) column, each
        indicator is summarised separately.
    value_col : str, default "value"
    by : str or None, default "type"
        Grouping column; None gives one row per indicator.  Bodies with a missing *by*
        value form a :data:`UNKNOWN_GROUP` group.
    total : bool, default False
        Also add a whole-country row labelled ``"全国"`` (needs *by*).

    Returns
    -------
    pandas.DataFrame
        The item column (if any), ``indicator`` (if present), *by*, then ``n`` (bodies with a
        value), ``missing`` (bodies without one: not offered / not reported), ``median``,
        ``q1``, ``q3``, ``iqr``, ``min``, ``max`` — in the unit of *value_col* (% points).
    """
    item = next((c for c in ("indicator_id", "procedure_id") if c in values_df.columns), None)
    keys = ([item] if item else []) + ([by] if by else [])
    work = _label_unknown(values_df, by)
    if item and isinstance(work[item].dtype, pd.CategoricalDtype):
        work = work.assign(**{item: work[item].cat.remove_unused_categories()})
    out = median_iqr(work, value_col, keys or None)
    if total and by:
        national = median_iqr(work, value_col, [item] if item else None)
        if item is None:
            national[by] = ALL_NATIONAL
            out = pd.concat([out.astype({by: object}), national], ignore_index=True)
        else:
            out = _with_total(out.rename(columns={item: "indicator_id"}),
                              national.rename(columns={item: "indicator_id"}), by)
            out = out.rename(columns={"indicator_id": item})
    label_col = {"indicator_id": "indicator", "procedure_id": "procedure"}.get(item or "")
    if item and label_col in values_df.columns:
        lab = values_df[[item, label_col]].drop_duplicates(item).astype({item: str})
        order = list(dict.fromkeys(values_df[item].astype(str)))
        out[item] = out[item].astype(str)
        out = out.merge(lab, on=item, how="left")
        out[item] = pd.Categorical(out[item], categories=order)
        out = out.sort_values(item, kind="mergesort")  # items in the order of values_df
        front = [item, label_col] + ([by] if by else [])
        out = out[front + [c for c in out.columns if c not in front]]
    return out.reset_index(drop=True)


def prefecture_detail(
    items: pd.DataFrame, prefecture: Any, *, columns: str = "indicator"
) -> pd.DataFrame:
    """A prefecture's municipalities side by side: one row per body, one column per item.

    Parameters
    ----------
    items : pandas.DataFrame
        From :func:`status_items` (municipality level); yes/no and % items may be mixed.
    prefecture : str or int
        Anything :func:`jdxlib.names.resolve_prefecture` accepts (``"島根県"``, ``32``).
    columns : {"indicator", "indicator_id"}, default "indicator"
        Label the item columns with the Japanese label or the ASCII id.

    Returns
    -------
    pandas.DataFrame
        In code order: ``code``, ``name``, ``type``, ``population_2020``,
        ``population_band``, one column per item (the status 実施/未実施/調査無し for yes/no
        items, the value in % for percentage items), then ``yes_count`` (items answered 実施)
        and ``answered`` (yes/no items with an answer, i.e. not 調査無し or missing) — so
        ``yes_count / answered`` is each body's own denominator.
    """
    pref = _names.resolve_prefecture(prefecture)
    sub = items[items["prefecture_code"].astype(str) == pref.prefecture_code].copy()
    if sub.empty:
        raise ValueError(f"items have no municipalities of {pref.name}")
    ids = [i for i in (
        sub["indicator_id"].cat.categories if isinstance(sub["indicator_id"].dtype, pd.CategoricalDtype)
        else dict.fromkeys(sub["indicator_id"])
    ) if i in set(sub["indicator_id"].astype(str))]
    label = (
        dict(zip(sub["indicator_id"].astype(str), sub["indicator"].astype(str)))
        if columns == "indicator" and "indicator" in sub.columns else {i: i for i in ids}
    )
    base = (
        sub[["code", "name", "type", "population_2020", "population_band"]]
        .drop_duplicates("code").sort_values("code").reset_index(drop=True)
    )
    yes_count = pd.Series(0, index=base["code"], dtype="int64")
    answered = pd.Series(0, index=base["code"], dtype="int64")
    for ind in ids:
        rows = sub[sub["indicator_id"].astype(str) == ind].set_index("code")
        is_status = "status" in rows.columns and rows["status"].notna().any()
        if is_status:
            col = rows["status"].reindex(base["code"])
            answered += (col.notna() & (col.astype("string") != "調査無し")).fillna(False).astype("int64")
            yes_count += (col.astype("string") == "実施").fillna(False).astype("int64")
        else:
            col = rows["value"].reindex(base["code"])
        base[label[ind]] = col.to_numpy()
    base["yes_count"] = yes_count.to_numpy()
    base["answered"] = answered.to_numpy()
    return base


@derived("municipalities", maxsize=2, copy=False)
def _municipal_codes() -> frozenset[str]:
    return frozenset(_load("municipalities")["code"].astype(str))


def peer_comparison(
    items: pd.DataFrame,
    code: Any,
    *,
    municipalities: pd.DataFrame | None = None,
    n_similar: int = 30,
) -> pd.DataFrame:
    """One body's answers beside the share of each of its peer groups answering 実施.

    Parameters
    ----------
    items : pandas.DataFrame
        From :func:`status_items` (municipality level, yes/no items).
    code : str or int
        The body (anything :func:`jdxlib.names.resolve_municipality` accepts).
    municipalities : pandas.DataFrame, optional
        For the peer groups (default: ``jdxlib.load("municipalities")``).
    n_similar : int, default 30

    Returns
    -------
    pandas.DataFrame
        One row per indicator and peer group (see :func:`jdxlib.peers.peer_groups`; the body
        itself is never in its peer groups): ``indicator_id``, ``indicator``, ``own_status``,
        ``group`` (key), ``group_label``, ``group_size``, then ``yes``, ``no``,
        ``not_surveyed``, ``missing``, ``n``, ``total``, ``share``, ``share_of_all``,
        ``one_body_pp`` over the peers.
    """
    body_code = str(code)
    known = _municipal_codes() if municipalities is None else set(municipalities["code"].astype(str))
    if body_code not in known:
        body_code = _names.resolve_municipality(code).code
    groups = peer_groups(body_code, municipalities, n_similar=n_similar)
    work = _status_only(items)
    codes = work["code"].astype(str).to_numpy()
    mine = work[codes == body_code]
    own = mine.set_index(mine["indicator_id"].astype(str))["status"]
    # share_table per group, by counting: the indicator × status classes are computed once
    indicator = work["indicator_id"].cat.codes.to_numpy()
    classes = status_classes(work["status"])
    n_ind, n_cls = len(work["indicator_id"].cat.categories), len(STATUS_CLASSES)
    body, bodies = pd.factorize(codes)
    position = {c: i for i, c in enumerate(bodies)}
    general = bool((indicator < 0).any())  # an unlabelled row: the general path handles the NA group
    frames, blocks = [], []
    for key, group in groups.items():
        chosen = np.zeros(len(bodies), dtype=bool)
        chosen[[position[c] for c in group.codes if c in position]] = True
        members = chosen[body]
        if general:
            table = share_table(work[members], "indicator_id")
            table.insert(1, "group", key)
            table.insert(2, "group_label", group.label)
            table.insert(3, "group_size", group.size)
            frames.append(table)
        else:
            counts = np.bincount(indicator[members] * n_cls + classes[members], minlength=n_ind * n_cls)
            blocks.append((key, group, counts.reshape(n_ind, n_cls)))
    if general:
        out = pd.concat(frames, ignore_index=True)
    else:  # one table of counts for all groups, shares computed once
        counts = pd.DataFrame(np.vstack([b[2] for b in blocks]).astype("int64"), columns=list(STATUS_CLASSES))
        counts.insert(0, "indicator_id", pd.Categorical.from_codes(
            np.tile(np.arange(n_ind), len(blocks)), dtype=work["indicator_id"].dtype))
        counts.insert(1, "group", np.repeat([b[0] for b in blocks], n_ind))
        counts.insert(2, "group_label", np.repeat([b[1].label for b in blocks], n_ind))
        counts.insert(3, "group_size", np.repeat([b[1].size for b in blocks], n_ind))
        out = shares_from_counts(counts, ["indicator_id", "group", "group_label", "group_size"])
    out["indicator_id"] = out["indicator_id"].astype(str)
    out.insert(1, "own_status", out["indicator_id"].map(own.astype(object).to_dict()))
    out = out.merge(_labels(work), on="indicator_id", how="left")
    order = list(work["indicator_id"].cat.categories)
    out["indicator_id"] = pd.Categorical(out["indicator_id"], categories=order)
    out["group"] = pd.Categorical(out["group"], categories=list(PEER_GROUP_LABELS))
    out = out.sort_values(["indicator_id", "group"], kind="mergesort").reset_index(drop=True)
    front = ["indicator_id", "indicator", "own_status", "group", "group_label", "group_size"]
    front = [c for c in front if c in out.columns]
    return out[front + [c for c in out.columns if c not in front]]
