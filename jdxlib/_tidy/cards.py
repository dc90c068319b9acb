"""マイナンバーカード: the numeric tables behind :mod:`jdxlib.cards` (tables layer).

Per-body curves, peer bands, the 2024 holding rates, national and by-type curves, the published
errata, latest values and prefecture rates as tidy DataFrames; rates are percent (0–100).  The
captions, Japanese text and charts stay in :mod:`jdxlib.cards`, which re-exports everything here.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .. import analysis
from .._datasets import describe
from .._memo import derived
from ..peers import BAND_LABELS, population_band
from ..stats import PERCENT_DECIMALS, rank_with_ties
from ..constants import MYNUMBER_CATEGORIES


#: MIC's published 区分 in display order (中核市 counted as 市)
CATEGORIES = MYNUMBER_CATEGORIES
HOLDING_ID = "mynumber_card_holding_rate"
UNKNOWN_BAND = analysis.UNKNOWN_GROUP


def _load(name: str) -> pd.DataFrame:
    from .. import _datasets  # not the package root, which sits above the layers

    return _datasets.load(name)



# ------------------------------------------------------------------------------------ base data


def _who() -> pd.DataFrame:
    return _who_shared().copy()


@derived("municipalities", maxsize=2, copy=False)
def _who_shared() -> pd.DataFrame:
    """Who the municipalities are (shared: callers must not modify it)."""
    m = _load("municipalities")
    who = m[["code", "name", "prefecture_code", "prefecture", "type", "population_2020"]].copy()
    who["code"] = who["code"].astype(str)
    who["type"] = who["type"].astype(str)
    who["population_band"] = population_band(who["population_2020"])
    return who


def _cards() -> pd.DataFrame:
    """Municipal rows with float ``rate_calc`` (recomputed rate, %)."""
    return _cards_shared().copy()


@derived("mynumber_cards", maxsize=2, copy=False)
def _cards_shared() -> pd.DataFrame:
    """:func:`_cards`, shared: callers must not modify it."""
    c = _load("mynumber_cards")
    c["code"] = c["code"].astype(str)
    c["rate_calc"] = c["cards_issued"].astype("float64") / c["population"].astype("float64") * 100
    return c


@derived("municipalities", maxsize=2, copy=False)
def _known_codes() -> frozenset[str]:
    return frozenset(_who_shared()["code"])


def _resolve(code: Any) -> str:
    """6-digit municipal code from a code, name or names.Municipality (errors explain)."""
    from .. import names

    if hasattr(code, "code") and not isinstance(code, str):
        code = code.code
    text = str(code).strip()
    if text in _known_codes():
        return text
    try:
        return names.resolve_municipality(code).code
    except names.NameResolutionError as exc:
        raise names.NameResolutionError(
            f"マイナンバーカードの値は市区町村ごとにしか公表されていません。{code!r} は市区町村として解決できません / "
            f"{code!r} is not a municipality: {exc}", kind=exc.kind, value=code, candidates=exc.candidates,
            suggestions=exc.suggestions) from None


def _peer_codes(peer_codes: Any) -> list[str]:
    if hasattr(peer_codes, "codes"):
        peer_codes = peer_codes.codes
    if isinstance(peer_codes, str):
        peer_codes = [peer_codes]
    codes = list(dict.fromkeys(str(c).strip() for c in peer_codes))
    known = _known_codes()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"{len(unknown)} peer code(s) are not municipal codes (6 digits with check digit): "
                         f"{', '.join(unknown[:8])}{' …' if len(unknown) > 8 else ''}")
    return codes


def latest_date() -> pd.Timestamp:
    """The last snapshot (2022-12-31)."""
    return pd.Timestamp(_load("mynumber_cards")["date"].max())


# ------------------------------------------------------------------------------------ body-level API


def body_curve(code: Any) -> pd.DataFrame:
    """One municipality's issuance over the 46 snapshots.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``population`` (住民基本台帳), ``cards_issued``, ``rate`` (% recomputed as
        cards_issued / population × 100), in date order.
    """
    c = _cards_shared()
    mine = c[c["code"] == _resolve(code)].sort_values("date")
    return pd.DataFrame({"date": mine["date"].to_numpy(), "population": mine["population"].to_numpy(),
                         "cards_issued": mine["cards_issued"].to_numpy(), "rate": mine["rate_calc"].to_numpy()})


def _band(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = frame.groupby(keys, observed=True)["rate_calc"]
    q = g.quantile([0.25, 0.5, 0.75]).unstack()
    q.columns = ["q1", "median", "q3"]
    q["n"] = g.count()
    return q.reset_index()[keys + ["median", "q1", "q3", "n"]]


def peer_band(peer_codes: Iterable[str]) -> pd.DataFrame:
    """Median and IQR of the peers' issuance rates at every snapshot.

    Parameters
    ----------
    peer_codes : iterable of str (or a :class:`jdxlib.peers.PeerGroup`)
        6-digit municipal codes.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``median``, ``q1``, ``q3``, ``n`` (peers with a value) — rates in %,
        recomputed per body; quantiles by linear interpolation.
    """
    codes = _peer_codes(peer_codes)
    c = _cards_shared()
    if not codes:
        dates = pd.Series(sorted(c["date"].unique()))
        return pd.DataFrame({"date": dates, "median": np.nan, "q1": np.nan, "q3": np.nan, "n": 0})
    return _band(c[c["code"].isin(codes)], ["date"])


@derived("dx_status", "municipalities", maxsize=2)
def holding_rates() -> pd.DataFrame:
    """The 2024 dashboard holding rate per municipality (with who it is); reference date not stated."""
    dx = _load("dx_status")
    dx = dx[(dx["indicator_id"] == HOLDING_ID) & (dx["level"].astype(str) == "municipality")]
    out = _who().merge(dx[["code", "value"]].astype({"code": str}), on="code", how="left")
    return out.rename(columns={"value": "holding_rate"})


@derived("dx_status", "municipalities", maxsize=2, copy=False)
def _holding_by_code() -> pd.Series:
    return holding_rates().set_index("code")["holding_rate"]


def holding_rate_2024(code: Any) -> float | None:
    """The municipality's マイナンバーカード保有率 of the 2024 dashboard (%), or None when not published.

    Only municipalities have one (no prefecture-level holding rate is published in the export);
    its reference date is not stated.
    """
    hr = _holding_by_code()
    v = hr.get(_resolve(code))
    return None if v is None or pd.isna(v) else float(v)


# ------------------------------------------------------------------------------------ national tables


@lru_cache(maxsize=1)
def _summary(key: tuple) -> pd.DataFrame:
    import warnings

    from ..municipal import summary_check  # the data layer's check (it reads the raw summaries)

    with warnings.catch_warnings():  # tqdm.auto warns about ipywidgets in notebooks even with progress=False
        warnings.filterwarnings("ignore", message=".*IProgress.*")
        return summary_check(progress=False)


def _summary_check() -> pd.DataFrame:
    from .._paths import clean_dir

    path = clean_dir() / "mynumber_cards.parquet"
    st = path.stat() if path.exists() else None
    return _summary((str(path), st.st_mtime_ns if st else 0)).copy()


def by_type_curves() -> pd.DataFrame:
    """National and by-type totals per snapshot, recomputed with the 那珂川 rule.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``category`` (全国, 特別区, 指定都市, 市, 町村), ``population``,
        ``cards_issued``, ``rate`` (recomputed, %), ``published_rate`` (the rate printed in
        that snapshot's summary_by_types.csv; NaN where the publication merged 特別区 and 市).
    """
    from ..mynumber_checks import TYPE_CATEGORY, recompute

    types = _who().set_index("code")["type"]
    assert set(types.map(TYPE_CATEGORY).dropna()) <= set(CATEGORIES)
    rec = recompute(_load("mynumber_cards"), types)
    rec = rec[rec["category"].isin(("全国",) + CATEGORIES)].copy()
    chk = _summary_check()
    pub = chk[chk["field"] == "rate"].set_index(["date", "category"])["published"]
    rec["published_rate"] = [pub.get((d, c), np.nan) for d, c in zip(rec["date"], rec["category"])]
    rec["category"] = pd.Categorical(rec["category"], categories=("全国",) + CATEGORIES, ordered=True)
    return rec.sort_values(["category", "date"]).reset_index(drop=True)[
        ["date", "category", "population", "cards_issued", "rate", "published_rate"]]


def national_curve() -> pd.DataFrame:
    """National totals per snapshot recomputed from the 1,741 municipal rows.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``bodies`` (municipal rows), ``population``, ``cards_issued``, ``rate`` (%),
        ``published_rate`` (全国 rate of that snapshot's summary).
    """
    c = _load("mynumber_cards")
    g = c.groupby("date").agg(bodies=("code", "size"), population=("population", "sum"),
                              cards_issued=("cards_issued", "sum")).reset_index()
    g["population"] = g["population"].astype("int64")
    g["cards_issued"] = g["cards_issued"].astype("int64")
    g["rate"] = g["cards_issued"] / g["population"] * 100
    bt = by_type_curves()
    nat = bt[bt["category"] == "全国"].set_index("date")["published_rate"]
    g["published_rate"] = g["date"].map(nat)
    return g


def rate_band(by: str | None = None) -> pd.DataFrame:
    """Median and IQR of the municipal issuance rates per snapshot (optionally per group).

    Parameters
    ----------
    by : {None, "type", "population_band", "prefecture"}

    Returns
    -------
    pandas.DataFrame
        ``date``, *by*, ``median``, ``q1``, ``q3``, ``n``.
    """
    c = _cards()
    keys = ["date"]
    if by is not None:
        who = _who()
        if by not in ("type", "population_band", "prefecture"):
            raise ValueError(f"by must be None, 'type', 'population_band' or 'prefecture'; got {by!r}")
        c = c.merge(who[["code", by]], on="code", how="left")
        keys.append(by)
    return _band(c, keys)


_CATEGORY_JA = {"rate": "交付率", "cards_issued": "交付枚数", "population": "人口"}


def errata() -> pd.DataFrame:
    """The published errors of the by-type summaries, with a Japanese reason computed from the numbers.

    Returns
    -------
    pandas.DataFrame
        One row per snapshot × category × field that does not reproduce and is a known
        erratum: ``date``, ``category``, ``field``, ``published``, ``recomputed``,
        ``difference``, ``erratum`` (id in data/errata/mynumber_summary.yml), ``reason_ja``,
        ``reason`` (English, from the errata file).
    """
    from ..mynumber_checks import errata as errata_record

    chk = _summary_check()
    bad = chk[chk["status"].astype(str) == "erratum"].copy()
    rules = {r["code"]: r for r in errata_record()["rules"]}
    nat = chk[(chk["category"] == "全国")].set_index(["date", "field"])["published"]
    pub = chk.set_index(["date", "category", "field"])["published"]
    reasons = []
    for r in bad.itertuples():
        if r.field == "rate":
            same = nat.get((r.date, "rate"))
            text = (f"{r.category}の交付率が{r.published:.1f}%と公表されているが、同じ表の{r.category}の人口"
                    f"（{int(pub[(r.date, r.category, 'population')]):,}人）と交付枚数"
                    f"（{int(pub[(r.date, r.category, 'cards_issued')]):,}枚）からは{r.computed:.1f}%になる。")
            if same is not None and abs(float(same) - float(r.published)) < 1e-9:
                text += f"公表値は全国の交付率（{float(same):.1f}%）と同じで、全国の値が誤って記載されたとみられる。"
        else:
            label = _CATEGORY_JA.get(r.field, r.field)
            text = (f"{r.category}の{label}が{int(r.published):,}と公表されているが、市区町村別の値の合計は"
                    f"{int(r.computed):,}（差{int(r.difference):+,}）。")
            for code, rule in rules.items():
                who = _cards()
                row = who[(who["code"] == code) & (who["date"] == r.date)]
                if len(row) and abs(int(row[r.field].iloc[0]) - abs(int(r.difference))) == 0:
                    text += (f"差は{rule['name']}の{label}（{int(row[r.field].iloc[0]):,}）に等しく、同じ表の中で"
                             f"人口は{rule['category']}に、{label}は市に数えられている（扱いの不統一）。")
        reasons.append(text)
    bad["reason_ja"] = reasons
    out = bad.rename(columns={"computed": "recomputed"})[
        ["date", "category", "field", "published", "recomputed", "difference", "erratum", "reason_ja", "reason"]]
    return out.reset_index(drop=True)


def latest(date: Any = None) -> pd.DataFrame:
    """Per municipality at one snapshot (default the last): issuance and the 2024 holding rate.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``prefecture_code``, ``prefecture``, ``type``, ``population_2020``,
        ``population_band``, ``date``, ``population``, ``cards_issued``, ``rate`` (%),
        ``holding_rate`` (2024 dashboard, %).
    """
    c = _cards()
    when = latest_date() if date is None else pd.Timestamp(date)
    if when not in set(c["date"]):
        raise ValueError(f"no snapshot on {when:%Y-%m-%d}; snapshots: {c['date'].min():%Y-%m-%d} … "
                         f"{c['date'].max():%Y-%m-%d} ({c['date'].nunique()})")
    snap = c[c["date"] == when][["code", "date", "population", "cards_issued", "rate_calc"]]
    out = holding_rates().merge(snap, on="code", how="left").rename(columns={"rate_calc": "rate"})
    cols = ["code", "name", "prefecture_code", "prefecture", "type", "population_2020", "population_band",
            "date", "population", "cards_issued", "rate", "holding_rate"]
    return out[cols]


def _groups(frame: pd.DataFrame, by: str) -> tuple[pd.Series, list[str]]:
    if by == "type":
        order = [str(t) for t in _load("municipalities")["type"].cat.categories]
        return frame["type"].astype(str), order
    if by == "population_band":
        col = frame["population_band"].cat.add_categories([UNKNOWN_BAND]).fillna(UNKNOWN_BAND).astype(str)
        return col, [b for b in list(BAND_LABELS) + [UNKNOWN_BAND] if (col == b).any()]
    raise ValueError(f"by must be 'type' or 'population_band', got {by!r}")


def latest_summary(by: str = "type", value: str = "rate") -> pd.DataFrame:
    """Median and IQR of the latest issuance rate (``value="rate"``) or of the 2024 holding rate
    (``value="holding_rate"``) by type or population band, with a 全国 row.

    Returns
    -------
    pandas.DataFrame
        *by*, ``n``, ``median``, ``q1``, ``q3``, ``min``, ``max``.
    """
    df = latest()
    g, order = _groups(df, by)
    rows = []
    for label, sub in list(((o, df[g == o]) for o in order)) + [("全国", df)]:
        v = sub[value].dropna()
        q = v.quantile([0.25, 0.5, 0.75]).tolist() if len(v) else [np.nan] * 3
        rows.append({by: label, "n": int(len(v)), "median": q[1], "q1": q[0], "q3": q[2],
                     "min": v.min() if len(v) else np.nan, "max": v.max() if len(v) else np.nan})
    return pd.DataFrame(rows)


def prefecture_rates(date: Any = None) -> pd.DataFrame:
    """Per prefecture: issuance rate recomputed from its municipalities, and the median of their
    2024 holding rates (there is no published prefecture holding rate).

    Returns
    -------
    pandas.DataFrame
        47 rows by rank of ``rate``: ``rank``, ``tied``, ``rank_label``, ``prefecture_code``,
        ``prefecture``, ``bodies``, ``population``, ``cards_issued``, ``rate`` (%),
        ``holding_median``, ``holding_q1``, ``holding_q3`` (over its municipalities).
    """
    df = latest(date)
    g = df.groupby(["prefecture_code", "prefecture"]).agg(
        bodies=("code", "size"), population=("population", "sum"), cards_issued=("cards_issued", "sum")).reset_index()
    g["population"] = g["population"].astype("int64")
    g["cards_issued"] = g["cards_issued"].astype("int64")
    g["rate"] = g["cards_issued"] / g["population"] * 100
    h = df.groupby("prefecture_code")["holding_rate"].quantile([0.25, 0.5, 0.75]).unstack()
    g["holding_q1"] = g["prefecture_code"].map(h[0.25])
    g["holding_median"] = g["prefecture_code"].map(h[0.5])
    g["holding_q3"] = g["prefecture_code"].map(h[0.75])
    ranks = rank_with_ties(g["rate"], ascending=False, decimals=PERCENT_DECIMALS)
    g = pd.concat([ranks, g], axis=1).sort_values(["rank", "prefecture_code"], kind="mergesort")
    return g.reset_index(drop=True)
