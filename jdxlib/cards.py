"""マイナンバーカード: issuance 2017-03 → 2022-12 per body, and the 2024 dashboard holding rate.

Data
----
``mynumber_cards``
    総務省「マイナンバーカード交付状況について」 per municipality, 46 snapshots (2017-03-08 →
    2022-12-31).  Every aggregate here is **recomputed** from the municipal rows as
    ``sum(cards_issued) / sum(population) × 100`` (never an average of rates); per-body rates
    are recomputed the same way (the published rate is rounded to 0.1 and agrees within 0.05).
By type
    The published 区分 are 特別区 / 指定都市 / 市 / 町村 (中核市 counted as 市).  They are reproduced
    with the 那珂川 rule (那珂川市 counted among 町村 up to 2020-03-01; see
    ``data/errata/mynumber_summary.yml``).  :func:`errata` lists the three published errors
    found by :func:`jdxlib.mynumber_checks.summary_check`, with a Japanese reason computed from
    the published and recomputed figures; the chart functions mark them.
``dx_status`` indicator ``mynumber_card_holding_rate``
    The 2024 dashboard's マイナンバーカードの保有状況 (%), municipalities only; its reference date
    is **not stated** in the export, and **no prefecture-level holding rate is published** there
    (the prefecture file has no such row).  Population is not published with it, so it is only
    summarised by median and IQR, never pooled.

The body-level API (:func:`body_curve`, :func:`peer_band`, :func:`holding_rate_2024`) is what
the profiles call.
"""
from __future__ import annotations

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
from .stats import PERCENT_DECIMALS, rank_with_ties

__all__ = [
    "CATEGORIES",
    "HOLDING_LABEL",
    "HOLDING_SHORT",
    "body_curve",
    "by_type_curves",
    "caption",
    "distribution_section",
    "errata",
    "errata_section",
    "highlight_section",
    "holding_caption",
    "holding_prefecture_map_section",
    "holding_rate_2024",
    "holding_rates",
    "holding_section",
    "latest",
    "latest_date",
    "latest_summary",
    "municipal_map_section",
    "narrate_national",
    "national_curve",
    "national_section",
    "peer_band",
    "prefecture_map_section",
    "prefecture_municipalities_section",
    "prefecture_rates",
    "rate_band",
    "band_section",
]

#: MIC's published 区分 in display order (中核市 counted as 市)
CATEGORIES = ("特別区", "指定都市", "市", "町村")
CATEGORY_COLORS = {"全国": "#222222", "特別区": "#8172b3", "指定都市": "#55a868", "市": "#4c72b0", "町村": "#dd8452"}
HOLDING_ID = "mynumber_card_holding_rate"
UNKNOWN_BAND = analysis.UNKNOWN_GROUP
#: How the dashboard holding rate is labelled for readers: the export was published in July 2024
#: and states no reference date, so "2024" alone must not read like a reference date.
HOLDING_LABEL = "保有率（2024年7月公開のダッシュボード、調査時点の記載なし）"
#: Shorter form for column headers and chart titles.
HOLDING_SHORT = "保有率（2024年7月公開、調査時点の記載なし）"


def _load(name: str) -> pd.DataFrame:
    import jdxlib

    return jdxlib.load(name)


def _pct(v, digits: int = 1) -> str:
    return "—" if pd.isna(v) else f"{v:.{digits}f}%"


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
    from . import names

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

    from .mynumber_checks import summary_check

    with warnings.catch_warnings():  # tqdm.auto warns about ipywidgets in notebooks even with progress=False
        warnings.filterwarnings("ignore", message=".*IProgress.*")
        return summary_check(progress=False)


def _summary_check() -> pd.DataFrame:
    from ._paths import clean_dir

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
    from .mynumber_checks import TYPE_CATEGORY, recompute

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
    from .mynumber_checks import errata as errata_record

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


# ------------------------------------------------------------------------------------ captions


def caption(extra: str = "") -> str:
    """Survey, reference dates, denominators and the credit line of the issuance data."""
    c = _load("mynumber_cards")
    return (f"調査：総務省「マイナンバーカード交付状況について」（市区町村別、{c['date'].nunique()}時点）。"
            f"調査時点：{c['date'].min():%Y-%m-%d}〜{c['date'].max():%Y-%m-%d}（各時点の算出基準日）。"
            f"分母：各市区町村の住民基本台帳人口（各年1月1日）、{c.groupby('date').size().max():,}市区町村。"
            "率＝交付枚数÷人口（合計は市区町村の値を合計してから計算し、率の平均はとらない）。"
            f"{extra}{describe('mynumber_cards').credit_line}（Code for Japan による抽出データを使用）")


def holding_caption(extra: str = "") -> str:
    """Caption of the 2024 holding rate (reference date not stated; municipalities only)."""
    n = holding_rates()["holding_rate"].notna().sum()
    return ("調査：デジタル庁「自治体DXの取組に関するダッシュボード」（2024-07-12公開データ）の「マイナンバーカードの保有状況」。"
            f"調査時点：調査時点の記載なし。分母：市区町村{n:,}団体（各団体の保有率、％）。都道府県単位の保有率は"
            "このデータでは公表されていない。人口が併記されていないため、団体の値は中央値と四分位範囲で要約する。"
            f"{extra}{describe('dx_status').credit_line}")


def narrate_national() -> str:
    """Japanese sentences about the national curve, computed from the data."""
    nc = national_curve()
    first, last = nc.iloc[0], nc.iloc[-1]
    bt = by_type_curves()
    end = bt[bt["date"] == last["date"]].set_index("category")
    ok = (nc["published_rate"] - nc["rate"]).abs().max()
    er = errata()
    lines = [
        f"全国の交付率は{first['date']:%Y年%m月}の{_pct(first['rate'])}（{int(first['cards_issued']):,}枚）から"
        f"{last['date']:%Y年%m月}の{_pct(last['rate'])}（{int(last['cards_issued']):,}枚、人口{int(last['population']):,}人）"
        f"になりました（{len(nc)}時点、{int(last['bodies']):,}市区町村の合計から再計算）。",
        f"市区町村の値の合計から計算した全国の率は、各時点の公表値と最大{ok:.2f}ポイントの差（公表値の丸め）で一致します。",
        "最後の時点の区分別の交付率は" + "、".join(
            f"{c}{_pct(end.loc[c, 'rate'])}" for c in CATEGORIES if c in end.index) + "です。",
    ]
    if len(er):
        dates = "、".join(sorted({f"{d:%Y-%m-%d}" for d in er["date"]}))
        lines.append(f"区分別の公表値には、市区町村別の値から再現できない誤りが{er['date'].nunique()}時点（{dates}）"
                     "にあります。図に印を付け、下の表に理由を示します。")
    return "\n\n".join(lines)


# ------------------------------------------------------------------------------------ sections


def _mark_errata(ax, er: pd.DataFrame) -> None:
    """Dotted lines at the snapshots whose by-type summary has a published error, numbered as in
    :func:`errata_section`."""
    for i, d in enumerate(sorted(er["date"].unique())):
        ax.axvline(d, color="0.35", ls=":", lw=1.0)
        ax.annotate(f"誤り{i + 1}", (d, 0.97 - 0.07 * i), xycoords=("data", "axes fraction"), fontsize=7.5,
                    color="0.2", va="top", ha="right", xytext=(-2, 0), textcoords="offset points",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})


def national_section(highlight=None) -> Section:
    """National and by-type issuance curves (recomputed), the published errors marked."""
    nc = national_curve()
    bt = by_type_curves()
    er = errata()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.4), sharey=True)
    a1.plot(nc["date"], nc["rate"], color=CATEGORY_COLORS["全国"], marker="o", ms=3, label="全国（再計算）")
    a1.scatter(nc["date"], nc["published_rate"], facecolors="none", edgecolors="0.5", s=18, label="全国（公表値）", zorder=3)
    for cat in CATEGORIES:
        sub = bt[bt["category"] == cat]
        a2.plot(sub["date"], sub["rate"], color=CATEGORY_COLORS[cat], marker="o", ms=2.5, label=cat)
    wrong = er[er["field"] == "rate"]
    if len(wrong):
        a2.scatter(wrong["date"], wrong["published"], marker="x", color="0.1", s=40, zorder=5, label="誤った公表値")
    if highlight is not None:
        mine = body_curve(highlight.code)
        for ax in (a1, a2):
            ax.plot(mine["date"], mine["rate"], color=charts.HIGHLIGHT, lw=1.6, label=highlight.name)
    _mark_errata(a2, er)
    for ax, title in ((a1, "全国の交付率"), (a2, "区分別の交付率（那珂川市は2020-03-01まで町村）")):
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_ylabel("交付率（％）")
        ax.legend(fontsize=7.5, loc="center left")
        ax.set_ylim(bottom=0)
    fig.autofmt_xdate()
    fig.tight_layout()
    table = pd.DataFrame({
        "算出基準日": nc["date"].dt.strftime("%Y-%m-%d"), "市区町村数": nc["bodies"].map(sections.int_text),
        "人口": nc["population"].map(sections.int_text),
        "交付枚数": nc["cards_issued"].map(sections.int_text), "交付率（再計算）": nc["rate"].map(_pct),
        "交付率（公表値）": nc["published_rate"].map(_pct)})
    for cat in CATEGORIES:
        sub = bt[bt["category"] == cat].set_index("date")["rate"]
        table[f"{cat}（再計算）"] = nc["date"].map(sub).map(_pct)
    note = (f"右図の点線：区分別の公表値に誤りがある時点（{len(er['date'].unique())}時点、番号は下の表の順）。×：誤って公表された率。"
            "区分は総務省の公表区分（特別区・指定都市・市・町村、中核市は市に含む）。")
    if highlight is not None:
        note += f"赤線：{highlight.name}。"
    return Section("交付率の推移（全国・区分別）", fig, caption(note), table)


def errata_section() -> Section:
    """The published errors in a table with their reasons."""
    er = errata()
    number = {d: i + 1 for i, d in enumerate(sorted(er["date"].unique()))}
    table = pd.DataFrame({
        "図の番号": er["date"].map(lambda d: f"誤り{number[d]}"),
        "算出基準日": er["date"].dt.strftime("%Y-%m-%d"), "区分": er["category"],
        "項目": er["field"].map(_CATEGORY_JA), "公表値": er["published"].map(lambda v: f"{v:,.1f}" if v % 1 else f"{int(v):,}"),
        "再計算値": [f"{v:,.1f}" if f == "rate" else f"{int(v):,}" for v, f in zip(er["recomputed"], er["field"])],
        "理由": er["reason_ja"]})
    cap = ("各時点の区分別の公表値（総務省の区分別集計）を、同じ時点の市区町村別の値の合計と比べた結果"
           "（人口・枚数は完全一致、率は0.1ポイント以内を一致とする）。このレポートでは公表値を黙って直さず、"
           "再計算値を使い、誤りをここに示す。"
           + caption())
    return Section("区分別の公表値の誤り", None, cap, table)


def band_section(by: str | None = None, highlight=None) -> Section:
    """Median and IQR band of the municipal rates per snapshot (overall or per type)."""
    band = rate_band(by)
    fig, ax = plt.subplots(figsize=(9, 4.4))
    if by is None:
        ax.fill_between(band["date"], band["q1"], band["q3"], color="#a1c9f4", alpha=0.7, label="四分位範囲")
        ax.plot(band["date"], band["median"], color="#1f4e79", lw=1.6, label="中央値")
    else:
        _, order = _groups(latest(), by)
        pal = plt.get_cmap("tab10")
        for i, g in enumerate(o for o in order if (band[by].astype(str) == o).any()):
            sub = band[band[by].astype(str) == g]
            ax.fill_between(sub["date"], sub["q1"], sub["q3"], color=pal(i), alpha=0.12)
            ax.plot(sub["date"], sub["median"], color=pal(i), lw=1.3, label=f"{g}（中央値）")
    if highlight is not None:
        mine = body_curve(highlight.code)
        ax.plot(mine["date"], mine["rate"], color=charts.HIGHLIGHT, lw=1.8, label=highlight.name)
    ax.set_ylabel("交付率（％、市区町村ごと）")
    ax.legend(fontsize=7.5, loc="upper left", ncol=2 if by else 1)
    ax.set_title("市区町村ごとの交付率の分布（中央値と四分位範囲）", loc="left", fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    last = band[band["date"] == band["date"].max()]
    if by is not None:
        pos = {g: i for i, g in enumerate(_groups(latest(), by)[1])}
        last = last.assign(_o=last[by].astype(str).map(pos)).sort_values("_o")
    head = {None: "区分", "type": "団体区分", "population_band": "人口規模"}.get(by, "区分")
    table = pd.DataFrame({head: (last[by].astype(str) if by else ["全市区町村"] * len(last)),
                          "算出基準日": last["date"].dt.strftime("%Y-%m-%d"), "団体数": last["n"].map(sections.int_text),
                          "中央値": last["median"].map(_pct), "第1四分位": last["q1"].map(_pct),
                          "第3四分位": last["q3"].map(_pct)})
    note = "帯は各時点の市区町村の交付率の四分位範囲、線は中央値（団体ごとの率の分布で、全国の率とは異なる）。"
    if by == "population_band" and (table[head] == UNKNOWN_BAND).any():
        note += sections.unknown_band_note()
    if highlight is not None:
        note += f"赤線：{highlight.name}。"
    return Section("市区町村ごとの交付率：中央値と四分位範囲の推移", fig, caption(note), table.reset_index(drop=True))


def distribution_section(by: str = "type", highlight=None) -> Section:
    """Box plots of the latest issuance rate and of the 2024 holding rate by type / population band."""
    label = {"type": "団体区分", "population_band": "人口規模"}[by]
    df = latest()
    g, order = _groups(df, by)
    df = df.assign(_g=g)
    me = df[df["code"] == highlight.code].iloc[0] if highlight is not None else None
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.42 * len(order) + 1.6), sharey=True)
    when = latest_date()
    for ax, col, title in ((axes[0], "rate", f"交付率（{when:%Y-%m-%d}）"),
                           (axes[1], "holding_rate", HOLDING_SHORT)):
        v = None if me is None else me[col]
        charts.distribution(df, value=col, by="_g", order=order, highlight_value=v,
                            highlight_label=f"{highlight.name} {_pct(v)}" if me is not None else "",
                            title=title, xlabel="％（市区町村ごと）", ax=ax)
    fig.tight_layout()
    a = latest_summary(by, "rate")
    b = latest_summary(by, "holding_rate")
    table = pd.DataFrame({label: a[by], "団体数": a["n"].map(sections.int_text), "交付率 中央値": a["median"].map(_pct),
                          "交付率 第1〜第3四分位": [f"{_pct(x)}〜{_pct(y)}" for x, y in zip(a["q1"], a["q3"])],
                          "保有率 団体数": b["n"].map(sections.int_text), "保有率 中央値": b["median"].map(_pct),
                          "保有率 第1〜第3四分位": [f"{_pct(x)}〜{_pct(y)}" for x, y in zip(b["q1"], b["q3"])]})
    note = f"赤線：{highlight.name}の値。" if me is not None else ""
    if by == "population_band" and (a[by] == UNKNOWN_BAND).any():
        note += sections.unknown_band_note()
    cap = caption(f"左の図：{when:%Y-%m-%d}時点。箱は四分位範囲、中の線は中央値。{note}") + "　右の図：" + holding_caption()
    return Section(f"{label}別：交付率（{when:%Y-%m}）と保有率（2024年7月公開のダッシュボード）", fig, cap, table)


def prefecture_map_section(prefecture=None, highlight=None) -> Section:
    """Choropleth of the prefectures' issuance rate at the last snapshot (recomputed), with ranks."""

    pr = prefecture_rates()
    marked = sections.marked_prefectures(prefecture, highlight)
    when = latest_date()
    lo, hi = float(np.floor(pr["rate"].min() / 5) * 5), float(np.ceil(pr["rate"].max() / 5) * 5)
    fig = sections.prefecture_choropleth(pr, "rate", prefecture=prefecture, highlight=highlight, vmin=lo, vmax=hi,
                                         title=f"都道府県別の交付率（{when:%Y-%m-%d}、％）")
    table = pd.DataFrame({"順位": pr["rank_label"], "都道府県": pr["prefecture"], "市区町村数": pr["bodies"],
                          "人口": pr["population"].map(sections.int_text), "交付枚数": pr["cards_issued"].map(sections.int_text),
                          "交付率": pr["rate"].map(_pct),
                          "保有率（2024年7月公開）市区町村の中央値": pr["holding_median"].map(_pct)})
    note = "都道府県の率は県内市区町村の人口と交付枚数を合計して計算（小数1桁で同じ値は同順位）。色の範囲は最小〜最大に合わせている。"
    if marked:
        note += "赤枠：" + "・".join(dict.fromkeys([p.name for p in (prefecture,) if p is not None]
                                               + ([highlight.prefecture] if highlight else []))) + "。"
    cap = caption(note) + "　保有率の列：" + holding_caption() + " " + describe("boundaries").credit_line
    return Section("都道府県別の交付率", fig, cap, table)


def holding_prefecture_map_section(prefecture=None, highlight=None) -> Section:
    """Choropleth of the median municipal holding rate (2024) per prefecture."""

    pr = prefecture_rates()
    lo = float(np.floor(pr["holding_median"].min() / 5) * 5)
    hi = float(np.ceil(pr["holding_median"].max() / 5) * 5)
    fig = sections.prefecture_choropleth(pr, "holding_median", prefecture=prefecture, highlight=highlight,
                                         vmin=lo, vmax=hi,
                                         title="保有率（2024年7月公開、調査時点の記載なし）：県内市区町村の中央値（％）")
    note = "地図の値は県内市区町村の保有率の中央値（都道府県の保有率ではない：公表されていない）。"
    return Section("都道府県別：市区町村の保有率（2024年7月公開のダッシュボード）の中央値", fig,
                   holding_caption(note) + " " + describe("boundaries").credit_line, None)


def holding_section(highlight=None) -> tuple[Section, str]:
    """Issuance at the last snapshot (2022-12) vs the 2024 holding rate, per municipality.

    Returns the section and a Japanese narration (association only).
    """
    df = latest().dropna(subset=["rate", "holding_rate"])
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.scatter(df["rate"], df["holding_rate"], s=6, alpha=0.45, color=charts.BASE, label="市区町村")
    if highlight is not None:
        me = df[df["code"] == highlight.code]
        if len(me):
            ax.scatter(me["rate"], me["holding_rate"], s=40, color=charts.HIGHLIGHT, zorder=4, label=highlight.name)
    lo = float(min(df["rate"].min(), df["holding_rate"].min())) - 2
    hi = float(max(df["rate"].max(), df["holding_rate"].max())) + 2
    ax.plot([lo, hi], [lo, hi], color="0.6", lw=0.8, ls="--", label="同じ値の線")
    ax.set_xlabel(f"交付率（{latest_date():%Y-%m-%d}、％）")
    ax.set_ylabel("保有率（％、2024年7月公開、調査時点の記載なし）")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("交付率（2022年末）と保有率（2024年7月公開のダッシュボード）", loc="left", fontsize=10)
    fig.tight_layout()
    rho = df["rate"].rank().corr(df["holding_rate"].rank())  # Spearman = Pearson of the ranks
    above = int((df["holding_rate"] > df["rate"]).sum())
    hs = latest_summary("type", "holding_rate")
    nat = hs[hs["type"] == "全国"].iloc[0]
    text = (f"2024年7月公開のダッシュボードの保有率（調査時点の記載なし）は、{int(nat['n']):,}市区町村の中央値が{_pct(nat['median'])}"
            f"（四分位範囲{_pct(nat['q1'])}〜{_pct(nat['q3'])}）です。{len(df):,}団体のうち{above:,}団体で、"
            f"保有率が{latest_date():%Y年%m月}の交付率を上回っています。両者の順位相関（スピアマン）は{rho:.2f}です。"
            "ただし保有率の調査時点はエクスポートに記載がなく、定義（交付と保有）も異なるため、差をそのまま伸びと読むことはできません。"
            "都道府県単位の保有率は、このダッシュボードのデータでは公表されていません。")
    cap = caption("横軸。") + "　縦軸：" + holding_caption("関連を示すだけで、因果関係を示すものではない。")
    return Section("交付率（2022年末）と保有率（2024年7月公開のダッシュボード）", fig, cap, None), text


def prefecture_municipalities_section(prefecture, highlight=None) -> Section:
    """A prefecture's municipalities side by side: their curves and a table."""
    c = _cards()
    who = _who()
    mine = who[who["prefecture_code"] == prefecture.prefecture_code]
    sub = c[c["code"].isin(set(mine["code"]))]
    fig, ax = plt.subplots(figsize=(9, 4.6))
    for code, grp in sub.groupby("code"):
        if highlight is not None and code == highlight.code:
            continue
        ax.plot(grp["date"], grp["rate_calc"], color="0.7", lw=0.6)
    tot = sub.groupby("date")[["cards_issued", "population"]].sum()
    ax.plot(tot.index, tot["cards_issued"] / tot["population"] * 100, color="#1f4e79", lw=2, label=f"{prefecture.name}全体")
    nc = national_curve()
    ax.plot(nc["date"], nc["rate"], color="0.1", lw=1.2, ls="--", label="全国")
    if highlight is not None:
        hb = body_curve(highlight.code)
        ax.plot(hb["date"], hb["rate"], color=charts.HIGHLIGHT, lw=1.8, label=highlight.name)
    ax.plot([], [], color="0.7", lw=0.6, label=f"{prefecture.name}の市区町村（{len(mine)}）")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_ylabel("交付率（％）")
    ax.set_title(f"{prefecture.name}の市区町村の交付率", loc="left", fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    lt = latest()
    lt = lt[lt["prefecture_code"] == prefecture.prefecture_code]
    first = c[(c["date"] == c["date"].min())].set_index("code")["rate_calc"]
    table = pd.DataFrame({
        "コード": lt["code"], "団体": lt["name"], "区分": lt["type"], "人口（住基）": lt["population"].map(sections.int_text),
        "交付枚数": lt["cards_issued"].map(sections.int_text), f"交付率（{latest_date():%Y-%m}）": lt["rate"].map(_pct),
        f"交付率（{c['date'].min():%Y-%m}）": lt["code"].map(first).map(_pct),
        "保有率（2024年7月公開）": lt["holding_rate"].map(_pct)}).reset_index(drop=True)
    if highlight is not None and (lt["code"] == highlight.code).any():
        table.insert(0, "注目", ["◀" if x == highlight.code else "" for x in lt["code"]])
    note = "灰色の線：県内の各市区町村。県全体の率は県内市区町村の合計から計算。"
    if highlight is not None:
        note += f"赤線：{highlight.name}。"
    cap = caption(note) + "　保有率の列：" + holding_caption()
    return Section(f"{prefecture.name}の市区町村一覧", fig, cap, table)


def municipal_map_section(prefecture, highlight=None, value: str = "rate") -> Section:
    """A prefecture's municipalities coloured by the latest issuance rate (or the 2024 holding rate)."""
    import jdxlib

    lt = latest()
    lt = lt[lt["prefecture_code"] == prefecture.prefecture_code]
    gdf = jdxlib.load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"] == prefecture.prefecture_code].merge(lt[["code", value]], on="code", how="left")
    fig, ax = plt.subplots(figsize=(7, 7))
    lo = float(np.floor(lt[value].min() / 5) * 5)
    hi = float(np.ceil(lt[value].max() / 5) * 5)
    what = f"交付率（{latest_date():%Y-%m-%d}）" if value == "rate" else "保有率（2024年7月公開）"
    charts.choropleth(gdf, value, highlight=[highlight.code] if highlight is not None else [], vmin=lo, vmax=hi,
                      title=f"{prefecture.name}：{what}（％）", legend_label="%", ax=ax)
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)
    note = f"赤枠：{highlight.name}。" if highlight is not None and (gdf["code"] == highlight.code).any() else ""
    note += charts.outside_note(outside)
    cap = (caption(note) if value == "rate" else holding_caption(note)) + " " + describe("boundaries").credit_line
    return Section(f"{prefecture.name}の市区町村：{what}の地図", fig, cap, None)


def highlight_section(highlight) -> tuple[Section, str]:
    """The highlighted municipality's curve against the median band of its peers, and a narration."""
    from .peers import peer_groups

    groups = peer_groups(highlight.code, _load("municipalities"))
    mine = body_curve(highlight.code)
    fig, ax = plt.subplots(figsize=(9, 4.4))
    pal = {"same_prefecture": "#4c72b0", "similar": "#55a868"}
    rows = []
    for key in ("same_prefecture", "similar"):
        g = groups[key]
        if not g.size:
            continue
        band = peer_band(g.codes)
        ax.fill_between(band["date"], band["q1"], band["q3"], color=pal[key], alpha=0.15)
        label = g.label if "団体" in g.label else f"{g.label}（{g.size}団体）"
        ax.plot(band["date"], band["median"], color=pal[key], lw=1.2, label=f"{label}の中央値と四分位範囲")
        last = band.iloc[-1]
        rows.append((label, g.size, last))
    ax.plot(mine["date"], mine["rate"], color=charts.HIGHLIGHT, lw=2, label=highlight.name)
    ax.legend(fontsize=7.5, loc="upper left")
    ax.set_ylabel("交付率（％）")
    ax.set_title(f"{highlight.name}の交付率と比較グループ", loc="left", fontsize=10)
    fig.autofmt_xdate()
    fig.tight_layout()
    end = mine.iloc[-1]
    hr = holding_rate_2024(highlight.code)
    table = pd.DataFrame([{"比較": f"{highlight.name}", "団体数": 1, f"交付率（{end['date']:%Y-%m}）": _pct(end["rate"]),
                           "保有率（2024年7月公開）": _pct(hr)}] + [
        {"比較": label, "団体数": size, f"交付率（{end['date']:%Y-%m}）":
         f"中央値{_pct(last['median'])}（{_pct(last['q1'])}〜{_pct(last['q3'])}）",
         "保有率（2024年7月公開）": _holding_text(groups[key].codes)}
        for (label, size, last), key in zip(rows, [k for k in ("same_prefecture", "similar") if groups[k].size])])
    parts = [f"{highlight.name}の交付率は{end['date']:%Y年%m月}に{_pct(end['rate'])}"
             f"（{int(end['cards_issued']):,}枚／人口{int(end['population']):,}人）でした。"]
    for label, size, last in rows:
        side = "上回って" if end["rate"] > last["median"] else ("下回って" if end["rate"] < last["median"] else "等しくなって")
        parts.append(f"{label}の中央値{_pct(last['median'])}を{side}います。")
    parts.append(f"2024年7月公開のダッシュボードの保有率は{_pct(hr)}です（調査時点の記載なし）。" if hr is not None
                 else "2024年7月公開のダッシュボードに保有率の値はありません。")
    cap = caption(f"人口の近い同区分団体：{groups['similar'].definition}。比較グループに{highlight.name}自身は含まない。") + \
        "　保有率：" + holding_caption()
    return Section(f"{highlight.name}（{highlight.prefecture}）の交付率と比較", fig, cap, table), "".join(parts)


def _holding_text(codes) -> str:
    hr = holding_rates().set_index("code").loc[list(codes), "holding_rate"].dropna()
    if hr.empty:
        return "—"
    q = hr.quantile([0.25, 0.5, 0.75])
    return f"中央値{_pct(q[0.5])}（{_pct(q[0.25])}〜{_pct(q[0.75])}）"
