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
from .formatting import percent_text
from ._memo import derived
from .peers import BAND_LABELS, population_band
from .sections import Section
from .stats import PERCENT_DECIMALS, rank_with_ties
from .constants import DASHBOARD_RELEASE, MYNUMBER_CATEGORIES
from .palette import MYNUMBER_CATEGORY_COLORS

from ._tidy.cards import (  # noqa: F401  (the numeric half, kept importable from here)
    CATEGORIES,
    HOLDING_ID,
    UNKNOWN_BAND,
    _load,
    _who,
    _who_shared,
    _cards,
    _cards_shared,
    _known_codes,
    _resolve,
    _peer_codes,
    latest_date,
    body_curve,
    _band,
    peer_band,
    holding_rates,
    _holding_by_code,
    holding_rate_2024,
    _summary,
    _summary_check,
    by_type_curves,
    national_curve,
    rate_band,
    _CATEGORY_JA,
    errata,
    latest,
    _groups,
    latest_summary,
    prefecture_rates,
)

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

CATEGORY_COLORS = MYNUMBER_CATEGORY_COLORS
#: How the dashboard holding rate is labelled for readers: the export was published in July 2024
#: and states no reference date, so "2024" alone must not read like a reference date.
HOLDING_LABEL = "保有率（2024年7月公開のダッシュボード、調査時点の記載なし）"
#: Shorter form for column headers and chart titles.
HOLDING_SHORT = "保有率（2024年7月公開、調査時点の記載なし）"


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
    return (f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」（{DASHBOARD_RELEASE}公開データ）の「マイナンバーカードの保有状況」。"
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
        f"全国の交付率は{first['date']:%Y年%m月}の{percent_text(first['rate'])}（{int(first['cards_issued']):,}枚）から"
        f"{last['date']:%Y年%m月}の{percent_text(last['rate'])}（{int(last['cards_issued']):,}枚、人口{int(last['population']):,}人）"
        f"になりました（{len(nc)}時点、{int(last['bodies']):,}市区町村の合計から再計算）。",
        f"市区町村の値の合計から計算した全国の率は、各時点の公表値と最大{ok:.2f}ポイントの差（公表値の丸め）で一致します。",
        "最後の時点の区分別の交付率は" + "、".join(
            f"{c}{percent_text(end.loc[c, 'rate'])}" for c in CATEGORIES if c in end.index) + "です。",
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
        "交付枚数": nc["cards_issued"].map(sections.int_text), "交付率（再計算）": nc["rate"].map(percent_text),
        "交付率（公表値）": nc["published_rate"].map(percent_text)})
    for cat in CATEGORIES:
        sub = bt[bt["category"] == cat].set_index("date")["rate"]
        table[f"{cat}（再計算）"] = nc["date"].map(sub).map(percent_text)
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
                          "中央値": last["median"].map(percent_text), "第1四分位": last["q1"].map(percent_text),
                          "第3四分位": last["q3"].map(percent_text)})
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
                            highlight_label=f"{highlight.name} {percent_text(v)}" if me is not None else "",
                            title=title, xlabel="％（市区町村ごと）", ax=ax)
    fig.tight_layout()
    a = latest_summary(by, "rate")
    b = latest_summary(by, "holding_rate")
    table = pd.DataFrame({label: a[by], "団体数": a["n"].map(sections.int_text), "交付率 中央値": a["median"].map(percent_text),
                          "交付率 第1〜第3四分位": [f"{percent_text(x)}〜{percent_text(y)}" for x, y in zip(a["q1"], a["q3"])],
                          "保有率 団体数": b["n"].map(sections.int_text), "保有率 中央値": b["median"].map(percent_text),
                          "保有率 第1〜第3四分位": [f"{percent_text(x)}〜{percent_text(y)}" for x, y in zip(b["q1"], b["q3"])]})
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
                          "交付率": pr["rate"].map(percent_text),
                          "保有率（2024年7月公開）市区町村の中央値": pr["holding_median"].map(percent_text)})
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
    text = (f"2024年7月公開のダッシュボードの保有率（調査時点の記載なし）は、{int(nat['n']):,}市区町村の中央値が{percent_text(nat['median'])}"
            f"（四分位範囲{percent_text(nat['q1'])}〜{percent_text(nat['q3'])}）です。{len(df):,}団体のうち{above:,}団体で、"
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
        "交付枚数": lt["cards_issued"].map(sections.int_text), f"交付率（{latest_date():%Y-%m}）": lt["rate"].map(percent_text),
        f"交付率（{c['date'].min():%Y-%m}）": lt["code"].map(first).map(percent_text),
        "保有率（2024年7月公開）": lt["holding_rate"].map(percent_text)}).reset_index(drop=True)
    if highlight is not None and (lt["code"] == highlight.code).any():
        table.insert(0, "注目", ["◀" if x == highlight.code else "" for x in lt["code"]])
    note = "灰色の線：県内の各市区町村。県全体の率は県内市区町村の合計から計算。"
    if highlight is not None:
        note += f"赤線：{highlight.name}。"
    cap = caption(note) + "　保有率の列：" + holding_caption()
    return Section(f"{prefecture.name}の市区町村一覧", fig, cap, table)


def municipal_map_section(prefecture, highlight=None, value: str = "rate") -> Section:
    """A prefecture's municipalities coloured by the latest issuance rate (or the 2024 holding rate)."""
    from . import _datasets  # not the package root, which sits above the layers

    lt = latest()
    lt = lt[lt["prefecture_code"] == prefecture.prefecture_code]
    gdf = _datasets.load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"] == prefecture.prefecture_code].merge(lt[["code", value]], on="code", how="left")
    fig, ax = plt.subplots(figsize=(7, 7))
    lo = float(np.floor(lt[value].min() / 5) * 5)
    hi = float(np.ceil(lt[value].max() / 5) * 5)
    what = f"交付率（{latest_date():%Y-%m-%d}）" if value == "rate" else "保有率（2024年7月公開）"
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)  # names on the final view
    charts.choropleth(gdf, value, highlight=[highlight.code] if highlight is not None else [], vmin=lo, vmax=hi,
                      title=f"{prefecture.name}：{what}（％）", legend_label="%", decimals=PERCENT_DECIMALS, ax=ax)
    note = f"赤枠：{highlight.name}。" if highlight is not None and (gdf["code"] == highlight.code).any() else ""
    note += charts.outside_note(outside)
    found = sections.named_extremes(charts.extremes(gdf, value, decimals=PERCENT_DECIMALS), gdf)
    note += sections.map_names_sentence(found, outside, None, what="交付率" if value == "rate" else "保有率", value_text=percent_text)
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
    table = pd.DataFrame([{"比較": f"{highlight.name}", "団体数": 1, f"交付率（{end['date']:%Y-%m}）": percent_text(end["rate"]),
                           "保有率（2024年7月公開）": percent_text(hr)}] + [
        {"比較": label, "団体数": size, f"交付率（{end['date']:%Y-%m}）":
         f"中央値{percent_text(last['median'])}（{percent_text(last['q1'])}〜{percent_text(last['q3'])}）",
         "保有率（2024年7月公開）": _holding_text(groups[key].codes)}
        for (label, size, last), key in zip(rows, [k for k in ("same_prefecture", "similar") if groups[k].size])])
    parts = [f"{highlight.name}の交付率は{end['date']:%Y年%m月}に{percent_text(end['rate'])}"
             f"（{int(end['cards_issued']):,}枚／人口{int(end['population']):,}人）でした。"]
    for label, size, last in rows:
        side = "上回って" if end["rate"] > last["median"] else ("下回って" if end["rate"] < last["median"] else "等しくなって")
        parts.append(f"{label}の中央値{percent_text(last['median'])}を{side}います。")
    parts.append(f"2024年7月公開のダッシュボードの保有率は{percent_text(hr)}です（調査時点の記載なし）。" if hr is not None
                 else "2024年7月公開のダッシュボードに保有率の値はありません。")
    cap = caption(f"人口の近い同区分団体：{groups['similar'].definition_ja}。比較グループに{highlight.name}自身は含まない。") + \
        "　保有率：" + holding_caption()
    return Section(f"{highlight.name}（{highlight.prefecture}）の交付率と比較", fig, cap, table), "".join(parts)


def _holding_text(codes) -> str:
    hr = holding_rates().set_index("code").loc[list(codes), "holding_rate"].dropna()
    if hr.empty:
        return "—"
    q = hr.quantile([0.25, 0.5, 0.75])
    return f"中央値{percent_text(q[0.5])}（{percent_text(q[0.25])}〜{percent_text(q[0.75])}）"
