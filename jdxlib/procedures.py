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
from .stats import PERCENT_DECIMALS, median_iqr, rank_with_ties
from .constants import DASHBOARD_RELEASE, PROCEDURE_GROUPS
from .constants import LEVELS as _LEVELS
from .palette import PROCEDURE_GROUP_COLORS

from ._tidy.procedures import (  # noqa: F401  (the numeric half, kept importable from here)
    LEVELS,
    LEVEL_JA,
    GROUPS,
    COVERAGE_LABELS,
    UNKNOWN_BAND,
    PUBLISHED,
    NOT_PUBLISHED,
    NO_BODY_DATA,
    STATE_LABELS,
    GROUP_SIZES,
    _load,
    _check_level,
    _catalog,
    procedure_catalog,
    _bodies,
    _online,
    _known_codes,
    Body,
    resolve_body,
    _peer_codes,
    has_procedure_data,
    body_procedures,
    peer_procedure_gaps,
    gap_check,
    rate_vs_peers,
    _overview_frame,
    procedure_overview,
    _group_values,
    _group_order,
    overview_by,
    coverage,
    coverage_summary,
    prefecture_coverage,
    prefecture_municipalities,
)

__all__ = [
    "COVERAGE_LABELS",
    "GROUPS",
    "Body",
    "body_procedures",
    "by_group_sections",
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
    "prefecture_municipalities_sections",
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

GROUP_COLORS = PROCEDURE_GROUP_COLORS


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
    return (f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」（{DASHBOARD_RELEASE}公開データ）。"
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
                     f"「{hi['procedure']}」（{percent_text(hi['median'])}、{int(hi['offering']):,}団体）")
        if len(zero_med):
            text += (("。" if len(big) else "") + f"申請率が公表されている{len(sub)}手続中{len(zero_med)}手続は"
                     "中央値が0%で、受け付けていても利用はまだ少ないことを示します")
        lines.append(text + "。")
    if level == "municipality":
        cs = coverage_summary(None)
        for r in cs.itertuples():
            lines.append(f"{r.indicator}（団体ごとの割合）：中央値{percent_text(r.median)}、四分位範囲{percent_text(r.q1)}〜{percent_text(r.q3)}"
                         f"（{int(r.n):,}団体）。")
    return "\n\n".join(lines)


# --------------------------------------------------------------------------------- drawing helpers


def _overview_figure(ov: pd.DataFrame, level: str, mark: pd.DataFrame | None, mark_label: str, title: str):
    """Per procedure: share of bodies publishing a rate (bars, with counts) | median and IQR of
    the rate.  Laid out in inches at the printed A4 width, every text at 8 pt or more: the
    procedure names take what they need, the two panels share the rest, the legend sits
    under the axis labels (not over data)."""
    from matplotlib.patches import Patch

    font = _GRID_FONT
    n = len(ov)
    names = [str(p) for p in ov["procedure"]]
    counts = [f"{int(k):,}/{int(m):,}" for k, m in zip(ov["offering"], ov["total"])]
    pad = 4 / 72
    label_w = charts.text_width_in(names, font) + pad + 0.04
    counts_w = charts.text_width_in(counts, font) + 0.06
    gap, right = 0.18, 0.08
    free = charts.PRINT_WIDTH_IN - label_w - gap - right
    w1, w2 = free * 0.56, free * 0.44
    row = charts.line_height_in(font, 1, 1.15)
    groups = [g for g in GROUPS if (ov["procedure_group"] == g).any()]
    n_legend = len(groups) + 2 + (mark is not None)
    legend_rows = -(-n_legend // 3)
    top = charts.line_height_in(9.5) + 0.12
    bottom = (charts.line_height_in(font) + pad) + (charts.line_height_in(font, 2) + 0.06) \
        + charts.line_height_in(font, legend_rows, 1.5) + 0.1
    # rows a little closer when that keeps the figure within the printed height
    row = max(min(row, (charts.PRINT_HEIGHT_IN - top - bottom - 0.01) / n), charts.line_height_in(font, 1, 1.05))
    height = top + row * n + bottom
    fig = plt.figure(figsize=(charts.PRINT_WIDTH_IN, height))
    fig.jdx_fixed_layout = True
    W, H = fig.get_size_inches()
    a1 = fig.add_axes((label_w / W, bottom / H, w1 / W, row * n / H))
    a2 = fig.add_axes(((label_w + w1 + gap) / W, bottom / H, w2 / W, row * n / H), sharey=a1)
    y = np.arange(n)
    colors = [GROUP_COLORS.get(str(g), charts.BASE) for g in ov["procedure_group"]]
    a1.barh(y, ov["share"] * 100, color=colors, height=0.7)
    bar_w = w1 - counts_w  # inches the 0–100 bars may take; the counts stand right of them
    xmax = 100 * w1 / bar_w
    for yi, text in zip(y, counts):
        a1.text(101, yi, text, va="center", ha="left", fontsize=font, color="0.25")
    a1.set_xlim(0, xmax)
    a1.set_xticks([0, 50, 100])
    a1.set_xlabel(f"申請率が公表されている\n{LEVEL_JA[level]}の割合（％）", fontsize=font)
    a1.set_yticks(y, names)
    a1.tick_params(axis="y", labelsize=font, pad=1, length=2)
    a1.tick_params(axis="x", labelsize=font)
    a1.set_ylim(n - 0.5, -0.5)
    has = (ov["offering"] > 0).to_numpy()
    a2.hlines(y[has], ov.loc[has, "q1"], ov.loc[has, "q3"], color="0.45", lw=2.2, label="四分位範囲")
    a2.scatter(ov.loc[has, "median"], y[has], color="0.1", s=12, zorder=3, label="中央値")
    if mark is not None:
        rates = ov["procedure_id"].map(mark.set_index("procedure_id")["online_rate"])
        ok = rates.notna().to_numpy()
        a2.scatter(rates[ok], y[ok], color=charts.HIGHLIGHT, s=18, marker="D", zorder=4, label=mark_label)
        offered = set(mark.loc[mark["offered"], "procedure_id"])
        for lab, pid in zip(a1.get_yticklabels(), ov["procedure_id"]):
            if pid in offered:
                lab.set_color(charts.HIGHLIGHT)
    a2.set_xlim(-3, 103)
    a2.set_xticks([0, 50, 100])
    a2.tick_params(axis="y", left=False, labelleft=False)
    a2.tick_params(axis="x", labelsize=font)
    a2.set_xlabel("オンライン申請率（％）\n申請率が公表されている団体", fontsize=font)
    handles, _ = a2.get_legend_handles_labels()
    fig.legend(handles=[Patch(color=GROUP_COLORS[g], label=g) for g in groups] + handles, loc="lower left",
               bbox_to_anchor=(0.0, 0.0), ncol=3, fontsize=font, frameon=False, borderaxespad=0.2,
               handlelength=1.4, columnspacing=1.2)
    fig.text(0, 1 - 0.04 / H, title, ha="left", va="top", fontsize=9.5)
    return fig


def _reader_overview(ov: pd.DataFrame, level: str) -> pd.DataFrame:
    return pd.DataFrame({
        "手続": ov["procedure"],
        "区分": ov["procedure_group"].astype(str),
        "公表団体": ov["offering"].map(sections.int_text),
        "全団体": ov["total"].map(sections.int_text),
        "公表団体の割合": (ov["share"] * 100).map(percent_text),
        "申請率0%の団体": ov["zero"].map(sections.int_text),
        "申請率 中央値": ov["median"].map(percent_text),
        "第1四分位": ov["q1"].map(percent_text),
        "第3四分位": ov["q3"].map(percent_text),
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


#: printed size (pt) of the by-group heat maps' text: the report's 8 pt floor (laid out at the
#: printed width, so printed as drawn); a long procedure name leaves no room for more
_GRID_FONT = charts.MIN_PRINTED_PT


def _group_heatmaps(share: pd.DataFrame, med: pd.DataFrame, marked: str | None, title: str):
    """Two heat maps side by side (share publishing | median rate), laid out in inches at the
    printed A4 width so that every text prints at :data:`_GRID_FONT` pt.

    A cell is as wide as the page allows; where that is too narrow for its number ("100" at
    8 pt), the cells keep their colours only (with a colour bar) and the numbers are in the
    table below.
    """
    import seaborn as sns

    procs, order = list(share.index), list(share.columns)
    font = _GRID_FONT
    pad = 4 / 72  # tick mark + pad, inches
    label_w = charts.text_width_in(procs, font) + pad + 0.05
    col_h = charts.text_width_in(order, font) + pad + 0.05  # column names at 90°
    gap, number_w = 0.12, charts.text_width_in(["100"], font) + 3 / 72
    # numbers in the cells make a colour bar redundant; without them the colour bar is the key
    cell = (charts.PRINT_WIDTH_IN - label_w - gap - 0.05) / (2 * len(order))
    numbers = cell >= number_w
    cbar_w = 0.0 if numbers else 0.62
    cell -= cbar_w / (2 * len(order))
    row = charts.line_height_in(font, 1, 1.3)
    titles = ("申請率が公表されている\n団体の割合（％）", "オンライン申請率の\n中央値（％）")
    top = charts.line_height_in(9.5) + 0.08 + charts.line_height_in(font + 0.5, 2) + 0.1
    height = top + row * len(procs) + col_h
    fig = plt.figure(figsize=(charts.PRINT_WIDTH_IN, height))
    fig.jdx_fixed_layout = True
    W, H = fig.get_size_inches()
    axes = []
    for k, (wide, ttl) in enumerate(zip((share, med), titles)):
        x0 = label_w + k * (cell * len(order) + gap)
        ax = fig.add_axes((x0 / W, col_h / H, cell * len(order) / W, row * len(procs) / H))
        annot = wide.map(lambda v: "" if pd.isna(v) else f"{v:.0f}") if numbers else False
        sns.heatmap(wide, ax=ax, vmin=0, vmax=100, cmap="viridis", annot=annot, fmt="", cbar=False,
                    annot_kws={"fontsize": font}, linewidths=0.3, linecolor="white",
                    xticklabels=True, yticklabels=k == 0)
        ax.set_title(ttl, loc="left", fontsize=font + 0.5, pad=3)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", labelsize=font, rotation=90, pad=1)
        ax.tick_params(axis="y", labelsize=font, rotation=0, pad=1, length=2 if k == 0 else 0)
        axes.append(ax)
    if not numbers:
        cax = fig.add_axes(((charts.PRINT_WIDTH_IN - cbar_w + 0.05) / W, col_h / H, 0.12 / W,
                            min(1.6, row * len(procs)) / H))
        fig.colorbar(axes[1].collections[0], cax=cax)
        cax.tick_params(labelsize=font)
        cax.set_title("％", fontsize=font, loc="left", pad=3)
    fig.text(0, 1 - 0.04 / H, title, ha="left", va="top", fontsize=9.5)
    if marked is not None:
        j = order.index(marked)
        for ax in axes:
            ax.add_patch(plt.Rectangle((j, 0), 1, len(procs), fill=False, edgecolor=charts.HIGHLIGHT, lw=1.8,
                                       clip_on=False))
            for lab in ax.get_xticklabels():
                if lab.get_text() == marked:
                    lab.set_color(charts.HIGHLIGHT)
    return fig, numbers


def by_group_sections(by: str = "type", highlight=None) -> list[Section]:
    """Per procedure group (よく使う32手続, 子育て・介護26手続): heat maps (procedure × municipal
    type or population band) of the share of municipalities publishing a rate and of the
    median online rate, one section each (one figure of ~50 procedures cannot print at 8 pt)."""
    label = {"type": "団体区分", "population_band": "人口規模"}[by]
    t = overview_by(by)
    t = t[t["procedure_id"].isin(t.loc[t["offering"] > 0, "procedure_id"])]
    order = list(t[by].cat.categories)
    marked = None
    if highlight is not None:
        who = _bodies("municipality").set_index("code")
        if highlight.code in who.index:
            val = who.loc[highlight.code, by]
            marked = UNKNOWN_BAND if pd.isna(val) else str(val)
    sizes = t.drop_duplicates(by)[[by, "total"]]
    size_text = "、".join(f"{g}{int(n):,}" for g, n in zip(sizes[by].astype(str), sizes["total"]))
    out = []
    for group in [g for g in GROUPS if (t["procedure_group"] == g).any()]:
        tg = t[t["procedure_group"] == group]
        procs = list(dict.fromkeys(tg["procedure"]))
        share = tg.pivot_table(index="procedure", columns=by, values="share", observed=False, sort=False).reindex(
            index=procs, columns=order) * 100
        med = tg.pivot_table(index="procedure", columns=by, values="median", observed=False, sort=False).reindex(
            index=procs, columns=order)
        fig, numbers = _group_heatmaps(share, med, marked, f"{group}：{label}別の申請率の公表状況と申請率")
        note = f"赤枠：{highlight.name}の属する{label}（{marked}）。" if marked else ""
        extra = (f"{group}のうち申請率がどこかで公表されている{len(procs)}手続。"
                 f"各列の分母（団体数）：{size_text}。空白のマスは申請率を公表している団体がない。{note}")
        if not numbers:
            extra += "マスが狭いため数値は図に書かず、下の表に示す。"
        if by == "population_band" and UNKNOWN_BAND in order:
            extra += sections.unknown_band_note()
        table = pd.DataFrame({
            label: tg[by].astype(str), "手続": tg["procedure"], "公表団体": tg["offering"].map(sections.int_text),
            "団体数": tg["total"].map(sections.int_text),
            "割合": (tg["share"] * 100).map(percent_text), "申請率 中央値": tg["median"].map(percent_text),
            "第1四分位": tg["q1"].map(percent_text), "第3四分位": tg["q3"].map(percent_text)})
        out.append(Section(f"{label}別：{group}の申請率の公表状況と申請率"
                           + (f"（赤枠：{highlight.name}）" if marked else ""),
                           fig, caption("municipality", extra=extra), table.reset_index(drop=True)))
    return out


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
                            highlight_label=f"{highlight.name} {percent_text(v, 0)}" if me is not None else "",
                            title=COVERAGE_LABELS[ind], xlabel="％（団体ごと）", ax=ax)
        ax.set_xlim(-3, 103)
    fig.tight_layout()
    summ = coverage_summary(by)
    table = pd.DataFrame({"指標": summ["indicator"], label: summ[by].astype(str), "団体数": summ["n"].map(sections.int_text),
                          "値なし": summ["missing"].map(sections.int_text), "中央値": summ["median"].map(percent_text),
                          "第1四分位": summ["q1"].map(percent_text), "第3四分位": summ["q3"].map(percent_text)})
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
        "中央値": pc["median"].map(percent_text), "第1四分位": pc["q1"].map(percent_text), "第3四分位": pc["q3"].map(percent_text),
    })
    if indicator == "frequent_32_online_rate":
        table["都道府県自身の値"] = [
            "—" if pd.isna(o) else f"{percent_text(o, 0)}（{int(a)}/{int(b)}）"
            for o, a, b in zip(pc["own"], pc["own_numerator"].fillna(0), pc["own_denominator"].fillna(0))]
    note = ("赤枠：" + "・".join(dict.fromkeys(
        [p.name for p in (prefecture,) if p is not None] + ([highlight.prefecture] if highlight else []))) + "。"
        if marked else "")
    extra = ("地図の値は県内市区町村の値の中央値（県全体の率ではない）。同じ中央値の県は同順位。" + note)
    cap = caption("municipality", coverage_items=True, extra=extra) + " " + describe("boundaries").credit_line
    return Section("都道府県別：県内市区町村のオンライン化状況", fig, cap, table)


def municipal_map_section(prefecture, highlight=None, indicator: str = "frequent_32_online_rate") -> Section:
    """A prefecture's municipalities coloured by their coverage."""
    from . import _datasets  # not the package root, which sits above the layers

    cov = prefecture_municipalities(prefecture.prefecture_code)
    gdf = _datasets.load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"] == prefecture.prefecture_code].merge(cov[["code", indicator]], on="code",
                                                                          how="left")
    fig, ax = plt.subplots(figsize=(7, 7))
    mark = [highlight.code] if highlight is not None else []
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)  # names on the final view
    charts.choropleth(gdf, indicator, highlight=mark, title=f"{prefecture.name}：{COVERAGE_LABELS[indicator]}（％）",
                      legend_label="%", decimals=PERCENT_DECIMALS, ax=ax)
    note = f"赤枠：{highlight.name}。" if highlight is not None and (gdf["code"] == highlight.code).any() else ""
    note += charts.outside_note(outside)
    found = sections.named_extremes(charts.extremes(gdf, indicator, decimals=PERCENT_DECIMALS), gdf)
    note += sections.map_names_sentence(found, outside, None, what="オンライン化済の割合", value_text=percent_text)
    cap = caption("municipality", coverage_items=True, extra=note) + " " + describe("boundaries").credit_line
    return Section(f"{prefecture.name}の市区町村：地図", fig, cap, None)


def _municipality_heatmaps(wide: pd.DataFrame, marked: str | None, title: str) -> list:
    """Heat maps of municipalities (rows) × procedures (columns) laid out in inches at the
    printed A4 width, every name at :data:`_GRID_FONT` pt: as many figures, each at most
    :data:`jdxlib.charts.PRINT_HEIGHT_IN` tall, as the rows need (a prefecture's 62 or 179
    municipalities do not fit one printed page at 8 pt).  Grey cells: no published rate."""
    import seaborn as sns

    font = _GRID_FONT
    pad = 4 / 72  # tick mark + pad, inches
    rows_all, cols = list(wide.index), list(wide.columns)
    label_w = charts.text_width_in(rows_all, font) + pad + 0.05
    col_h = charts.text_width_in(cols, font) + pad + 0.05  # procedure names at 90°
    cbar_w = 0.62
    cell = (charts.PRINT_WIDTH_IN - label_w - cbar_w - 0.05) / len(cols)
    row = charts.line_height_in(font, 1, 1.3)
    top = charts.line_height_in(9.5) + 0.12
    per_fig = max(1, int((charts.PRINT_HEIGHT_IN - top - col_h - 0.05) // row))
    n_figs = -(-len(rows_all) // per_fig)
    chunk = -(-len(rows_all) // n_figs)  # even chunks: no last figure of two rows
    figs = []
    for i in range(n_figs):
        part = wide.iloc[i * chunk:(i + 1) * chunk]
        height = top + row * len(part) + col_h + 0.05
        fig = plt.figure(figsize=(charts.PRINT_WIDTH_IN, height))
        fig.jdx_fixed_layout = True
        W, H = fig.get_size_inches()
        ax = fig.add_axes((label_w / W, col_h / H, cell * len(cols) / W, row * len(part) / H))
        sns.heatmap(part, ax=ax, vmin=0, vmax=100, cmap="viridis", cbar=False, linewidths=0.2,
                    linecolor="white", xticklabels=True, yticklabels=True)
        ax.set_facecolor("0.88")  # no published rate
        ax.grid(False)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", labelsize=font, rotation=90, pad=1)
        ax.tick_params(axis="y", labelsize=font, rotation=0, pad=1, length=2)
        cax = fig.add_axes(((charts.PRINT_WIDTH_IN - cbar_w + 0.1) / W, (H - top - min(1.6, row * len(part))) / H,
                            0.12 / W, min(1.6, row * len(part)) / H))
        fig.colorbar(ax.collections[0], cax=cax)
        cax.tick_params(labelsize=font)
        cax.set_title("％", fontsize=font, loc="left", pad=3)
        suffix = f"（{i + 1}/{n_figs}）" if n_figs > 1 else ""
        fig.text(0, 1 - 0.04 / H, f"{title}{suffix}", ha="left", va="top", fontsize=9.5)
        if marked is not None and marked in list(part.index):
            j = list(part.index).index(marked)
            ax.add_patch(plt.Rectangle((0, j), len(cols), 1, fill=False, edgecolor=charts.HIGHLIGHT, lw=1.5,
                                       clip_on=False))
            for lab in ax.get_yticklabels():
                if lab.get_text() == marked:
                    lab.set_color(charts.HIGHLIGHT)
        figs.append((fig, list(part.index)))
    return figs


def prefecture_municipalities_sections(prefecture, highlight=None) -> list[Section]:
    """A prefecture's municipalities side by side: a table (coverage, procedures with a
    published rate), then per procedure group heat maps of their online rates per procedure
    (split into figures that print at 8 pt)."""
    cov = prefecture_municipalities(prefecture.prefecture_code)
    op = _online("municipality")
    op = op[op["code"].isin(set(cov["code"]))]
    cat = procedure_catalog("municipality")
    names_ = dict(zip(cov["code"], cov["name"]))
    marked = names_.get(highlight.code) if highlight is not None else None
    table = pd.DataFrame({
        "注目": ["◀" if highlight is not None and c == highlight.code else "" for c in cov["code"]],
        "コード": cov["code"], "団体": cov["name"], "区分": cov["type"], "人口（2020）": cov["population_2020"].map(sections.int_text),
        "32手続のオンライン化": [
            "—" if pd.isna(v) else f"{percent_text(v, 0)}（{a}/{b}）" for v, a, b in
            zip(cov["frequent_32_online_rate"], cov["frequent_32_numerator"], cov["frequent_32_denominator"])],
        "26手続のオンライン化": cov["childcare_26_online_rate"].map(lambda v: percent_text(v, 0)),
        "申請率公表：よく使う32手続": cov["offered_よく使う32手続"],
        "申請率公表：子育て・介護26手続": cov["offered_子育て・介護26手続"],
    })
    if marked is None:
        table = table.drop(columns="注目")
    extra = (f"{prefecture.name}の{len(cov)}市区町村。「32手続のオンライン化」の（　）は「オンライン化済」の手続数／実施している手続数。"
             "「申請率公表」は申請率が公表されている手続の数。")
    cap = caption("municipality", extra=extra) + "（32手続・26手続のオンライン化状況も同じダッシュボードの値。）"
    out = [Section(f"{prefecture.name}の市区町村一覧", None, cap, table)]
    wide_all = op.pivot_table(index="code", columns="procedure_id", values="online_rate", aggfunc="first")
    published = set(op["procedure_id"])
    labels = dict(zip(cat["procedure_id"], cat["procedure"]))
    for group in GROUPS:
        procs = [p for p in cat.loc[cat["procedure_group"].astype(str) == group, "procedure_id"] if p in published]
        if not procs:
            continue
        wide = wide_all.reindex(index=list(cov["code"]), columns=procs)
        wide.index = [names_[c] for c in wide.index]
        wide.columns = [labels[p] for p in procs]
        figs = _municipality_heatmaps(wide, marked, f"{prefecture.name}の市区町村：{group}のオンライン申請率")
        for i, (fig, who) in enumerate(figs):
            part = f"（{i + 1}/{len(figs)}：{who[0]}〜{who[-1]}）" if len(figs) > 1 else ""
            note = f"赤枠と赤字：{marked}。" if marked is not None and marked in who else ""
            fig_extra = (f"{prefecture.name}の市区町村ごとの、{group}のうち{prefecture.name}内のどこかで申請率が公表されている"
                         f"{len(procs)}手続のオンライン申請率（％）。灰色のマスは申請率の公表なし（オンライン化して"
                         f"いないという意味ではない）。{note}")
            out.append(Section(f"{prefecture.name}の市区町村：{group}の申請率{part}", fig,
                               caption("municipality", extra=fig_extra), None))
    return out


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
    table[f"{highlight.name}"] = mine["online_rate"].map(percent_text).where(mine["offered"], mine["state"].map(STATE_LABELS))
    keep = mine["offered"].to_numpy().copy()
    for label, codes in comps:
        r = rate_vs_peers(highlight.code, codes)
        table[f"{label}：中央値（公表団体/全団体）"] = [
            "—" if n == 0 else f"{percent_text(m)}（{n:,}/{pn:,}）" for m, n, pn in zip(r["median"], r["n"], r["peers_n"])]
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
        parts.append(f"よく使う32手続のオンライン化状況は{percent_text(me['frequent_32_online_rate'], 0)}"
                     f"（{int(me['frequent_32_numerator'])}/{int(me['frequent_32_denominator'])}手続）で、"
                     f"{highlight.prefecture}の他の市区町村の中央値{percent_text(pref_med)}、全国の他の{highlight.type}の中央値"
                     f"{percent_text(type_med)}です。")
    if sim.size and not no_data:
        if len(listed):
            names_ = "、".join(f"「{p}」（{k}/{n}団体）" for p, k, n in
                               zip(listed["procedure"], listed["peers_offering"], listed["peers_n"]))
            parts.append(f"人口の近い同区分団体（{sim.size}団体）の{min_share * 100:.0f}%以上が申請率を公表しているのに、"
                         f"{highlight.name}では公表値がない手続：{names_}（公表値がないことはオンライン未対応を意味しません）。")
        for r in check[check["contradicts"]].itertuples() if len(check) else []:
            parts.append(f"{r.procedure_group}では、人口の近い同区分団体の多くで公表されている{int(r.gaps)}手続に{highlight.name}の公表値が"
                         f"ありませんが、{highlight.name}は同じダッシュボードで{r.procedure_group}のオンライン化状況を"
                         f"{percent_text(r.value)}と回答しており、食い違うため一覧にしません。")
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
