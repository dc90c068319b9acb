"""Standard per-body sections of the theme notebooks: figures, captions and reader tables.

Each function returns a :class:`Section` (figure, caption, table); the notebook displays it
and adds its own narration.  Statistics come from :mod:`jdxlib.analysis`; drawing from
:mod:`jdxlib.charts`.  Nothing here types a number: every figure is computed from datasets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from . import analysis, charts
from ._datasets import describe
from .formatting import share_text
from .constants import DASHBOARD_RELEASE
from .palette import STATUS_MAP_COLORS

STATUS_COLORS = STATUS_MAP_COLORS
#: When this environment variable is set (the slow report scan sets it), :func:`show_figure`
#: records :func:`jdxlib.charts.print_problems` of every figure in the output's metadata.
CHECK_CHARTS_ENV = "JDX_CHECK_CHARTS"


@dataclass
class Section:
    """One displayable block: an optional figure, its caption, and a reader's table."""

    title: str
    figure: Any
    caption: str
    table: pd.DataFrame | None = None

    def show(self) -> None:
        """Display in a notebook (figure, caption in small type, table)."""
        from IPython.display import Markdown, display

        display(Markdown(f"#### {self.title}"))
        if self.figure is not None:
            show_figure(self.figure, alt=self.title)
        display(Markdown(f"<small>{self.caption}</small>"))
        if self.table is not None:
            show_table(self.table)


def show_figure(fig, alt: str | None = None) -> None:
    """Display *fig* as a PNG image and close it.

    *alt* is the image's alternative text in HTML reports (the section title).  A figure laid
    out in advance (:func:`jdxlib.charts.fixed_layout`, or a layout engine) already fits
    inside its own size and is saved as it is; others are trimmed to their tight bounding
    box as the notebook's inline backend does, which draws them twice.
    """
    import os

    from IPython.display import Image, display

    charts.fit_to_print(fig)  # no text under 8 pt on the printed A4 page
    png = charts.png_bytes(fig)
    metadata = None
    if os.environ.get(CHECK_CHARTS_ENV):  # tests: every figure a report shows is checked as printed
        metadata = {"jdx": {"print_problems": charts.print_problems(fig), "alt": alt or ""}}
    display(Image(data=png, format="png", alt=alt), metadata=metadata)
    plt.close(fig)


def show_table(table: pd.DataFrame) -> None:
    """Display a reader's table: no 0, 1, 2 … row numbers (a meaningful index is kept)."""
    from IPython.display import HTML, display

    keep_index = not isinstance(table.index, pd.RangeIndex)
    display(HTML(table.to_html(index=keep_index, na_rep="—", border=0, classes="dataframe jdx-table")))


# ------------------------------------------------------------------------------ captions


def _date_text(items: pd.DataFrame) -> str:
    dates = sorted({d for d in items["reference_date"].dropna()}) if "reference_date" in items else []
    stated = "、".join(f"{pd.Timestamp(d):%Y-%m-%d}" for d in dates)
    unstated = items["reference_date"].isna().any() if "reference_date" in items else True
    if stated and unstated:
        return f"{stated}（一部の項目は調査時点の記載なし）"
    return stated or "エクスポートに記載なし"


#: Why shares of the dashboard carry no interval (one sentence, used in captions).
COMPLETE_COUNT_NOTE = ("全団体の回答を数えた値（標本ではない）なので信頼区間は付けず、団体間・グループ間の差は"
                       "データ上の実際の差です（不確かさは定義・調査時点・未回答から生じます）。")


def one_body_text(n) -> str:
    """How much one body moves a share of *n* bodies: 「1団体で約5.3ポイント」."""
    return "—" if n is None or pd.isna(n) or int(n) == 0 else f"1団体で約{100 / int(n):.1f}ポイント"


def status_caption(items: pd.DataFrame) -> str:
    """Reference date, denominators and credit for yes/no dashboard items (no intervals)."""
    per = analysis.share_by(items, by="type", total=True)
    per = per[per["type"] == analysis.ALL_NATIONAL] if "type" in per else per
    dens = []
    for r in per.itertuples():
        part = f"{r.indicator}：回答{int(r.n):,}団体／全{int(r.total):,}団体"
        if r.not_surveyed:
            part += f"（調査無し{int(r.not_surveyed)}団体は分母から除外）"
        dens.append(part)
    level = "都道府県" if (items["type"].astype(str) == "都道府県").all() else "市区町村"
    return (f"対象：{level}。調査時点：{_date_text(items)}。分母：{'; '.join(dens)}。"
            f"割合＝実施÷回答団体。{COMPLETE_COUNT_NOTE}"
            f"{describe('dx_status').credit_line}（{DASHBOARD_RELEASE}公開データ）")


# ------------------------------------------------------------------------------ formatting


def named_extremes(found: list, gdf) -> list[tuple[str, float, list[str]]]:
    """:func:`jdxlib.charts.extremes` (or what :func:`~jdxlib.charts.label_extremes` returns) with
    the bodies' names in place of their codes."""
    names = dict(zip(gdf["code"].astype(str), gdf["name"].astype(str)))
    return [(which, value, [names[c] for c in codes]) for which, value, codes in found]


def map_names_sentence(extremes: list, outside: Sequence[str], highlight_name: str | None, *, what: str,
                       value_text, words: tuple[str, str] = ("最高", "最低")) -> str:
    """Caption sentence saying which bodies a municipal map names: the highlighted one and those
    with the highest and the lowest *what* (:func:`named_extremes`), every tied body counted and
    those outside the view (*outside*) said so.  *value_text* formats a value."""
    parts = []
    for which, value, names in sorted(extremes, key=lambda e: e[0] != "highest"):
        off = [n for n in names if n in set(outside)]
        if len(names) == 1:
            bodies = names[0] + ("（地図の範囲外）" if off else "")
        else:
            shown = "、".join(names) if len(names) <= 5 else f"{'、'.join(names[:3])}ほか{len(names) - 3}団体"
            bodies = f"{len(names)}団体（{shown}" + (f"；うち{'、'.join(off)}は地図の範囲外" if off else "") + "）"
        parts.append(f"{words[0] if which == 'highest' else words[1]}（{value_text(value)}）の{bodies}")
    named = ([f"赤の{highlight_name}"] if highlight_name else []) + ([f"{what}が" + "と".join(parts)] if parts else [])
    return f"地図の団体名：{'、'.join(named)}。" if named else ""


def int_text(v) -> str:
    """An integer with thousands separators for reader tables ("—" when missing)."""
    return "—" if v is None or pd.isna(v) else f"{int(v):,}"


def unknown_band_note() -> str:
    """Why some bodies have no population band (no 2020 census population)."""
    from . import _datasets  # not the package root, which sits above the layers

    m = _datasets.load("municipalities")
    names = m.loc[m["population_2020"].isna(), "name"].astype(str).tolist()
    if not names:
        return ""
    why = ("（双葉町は東京電力福島第一原子力発電所の事故に伴う全町避難が続いていたため）"
           if "双葉町" in names else "")
    return (f"人口規模の「{analysis.UNKNOWN_GROUP}」＝令和2年国勢調査の人口が公表されていない団体："
            f"{'、'.join(names)}{why}。")



def share_reader_table(shares: pd.DataFrame, group_col: str, group_label: str) -> pd.DataFrame:
    """Shares with their counts and how much one body moves them, Japanese headers."""
    return pd.DataFrame({
        "指標": shares["indicator"],
        group_label: shares[group_col].astype(str),
        "実施": shares["yes"].astype(int),
        "未実施": shares["no"].astype(int),
        "調査無し": shares["not_surveyed"].astype(int),
        "回答団体": shares["n"].astype(int),
        "全団体": shares["total"].astype(int),
        "実施割合": shares["share"].map(share_text),
        "1団体の重み": shares["n"].map(one_body_text),
    }).reset_index(drop=True)


def _grid(n: int, ncols: int = 2, height: float = 2.6):
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, height * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def marked_prefectures(prefecture=None, highlight=None) -> list[str]:
    """Prefecture codes to outline: the chosen prefecture and the highlighted body's."""
    marked = [p.prefecture_code for p in (prefecture,) if p is not None]
    if highlight is not None:
        marked.append(highlight.prefecture_code)
    return marked


def prefecture_choropleth(values: pd.DataFrame, column: str, *, title: str, prefecture=None, highlight=None,
                          vmin: float | None = None, vmax: float | None = None):
    """A prefecture map of ``values[column]`` (one row per ``prefecture_code``); returns the figure."""
    from . import _datasets  # not the package root, which sits above the layers

    gdf = _datasets.load("boundaries", level="prefecture").merge(
        values[["prefecture_code", column]], on="prefecture_code", how="left")
    fig, ax = plt.subplots(figsize=(7, 7))
    charts.choropleth(gdf, column, highlight=marked_prefectures(prefecture, highlight), key="prefecture_code",
                      vmin=vmin, vmax=vmax, title=title, legend_label="%", ax=ax)
    return fig


# ------------------------------------------------------------------------------ sections


def share_by_section(items: pd.DataFrame, by: str, highlight=None) -> Section:
    """Share of 実施 by body type or population band, per indicator (with the national row)."""
    label = {"type": "団体区分", "population_band": "人口規模"}[by]
    shares = analysis.share_by(items, by=by, total=True)
    marked = []
    if highlight is not None:
        row = items[items["code"] == highlight.code]
        if len(row):
            marked = [str(row[by].iloc[0])]
    inds = list(dict.fromkeys(shares["indicator"]))
    fig, axes = _grid(len(inds), height=0.3 * shares[by].nunique() + 1.1)
    for ax, ind in zip(axes, inds):
        t = shares[shares["indicator"] == ind]
        charts.share_bars(t, label=by, share="share", yes="yes", n="n", highlight=marked, title=ind, ax=ax)
    fig.tight_layout()
    note = f"（赤：{highlight.name}の属する{label}）" if marked else ""
    return Section(f"{label}別の実施割合{note}", fig, status_caption(items),
                   share_reader_table(shares, by, label))


def ranking_section(items: pd.DataFrame, indicator_id: str, prefecture=None, highlight=None) -> Section:
    """Prefectures ranked by the share of their municipalities answering 実施."""
    rk = analysis.prefecture_ranking(items, indicator_id)
    marked = [p.name for p in (prefecture,) if p is not None]
    if highlight is not None:
        marked.append(highlight.prefecture)
    fig, ax = plt.subplots(figsize=(8, 9))
    rk = rk.assign(label=[f"{r}　{p}" for r, p in zip(rk["rank_label"], rk["prefecture"].astype(str))])
    charts.share_bars(rk, label="label", share="share", yes="yes", n="n",
                      highlight=[l for l, p in zip(rk["label"], rk["prefecture"].astype(str)) if p in marked],
                      title=f"{rk['indicator'].iloc[0]}：都道府県別（市区町村の実施割合）", ax=ax)
    ax.tick_params(axis="y", labelsize=7.5)
    fig.tight_layout()
    sub = items[items["indicator_id"].astype(str) == indicator_id]
    table = pd.DataFrame({
        "順位": rk["rank_label"], "都道府県": rk["prefecture"].astype(str), "実施": rk["yes"],
        "回答団体": rk["n"], "全団体": rk["total"], "調査無し": rk["not_surveyed"],
        "実施割合": rk["share"].map(share_text),
        "1団体の重み": rk["n"].map(one_body_text),
        "同順位": rk["tied"],
    })
    small = rk.loc[rk["n"].idxmin()]
    cap = (status_caption(sub) + " 順位は表示した割合（小数第1位の%）で付け、表示が同じ都道府県は同順位（最小順位）。"
           f"市区町村の少ない県では1団体の違いで割合が大きく動きます（最少の{small['prefecture']}は回答{int(small['n'])}団体で、"
           f"{one_body_text(small['n'])}）。")
    return Section("都道府県別ランキング", fig, cap, table)


def prefecture_map_section(items: pd.DataFrame, indicator_id: str, prefecture=None, highlight=None) -> Section:
    """Choropleth of the share of municipalities answering 実施, by prefecture."""
    rk = analysis.prefecture_ranking(items, indicator_id)
    fig = prefecture_choropleth(rk.assign(pct=rk["share"] * 100), "pct", prefecture=prefecture, highlight=highlight,
                                title=f"{rk['indicator'].iloc[0]}（市区町村の実施割合、%）")
    sub = items[items["indicator_id"].astype(str) == indicator_id]
    cap = status_caption(sub) + " " + describe("boundaries").credit_line
    return Section("都道府県別の地図", fig, cap, None)


def municipal_map_section(items: pd.DataFrame, indicator_id: str, prefecture, highlight=None) -> Section:
    """A prefecture's municipalities coloured by their answer (実施 / 未実施 / 調査無し)."""
    from . import _datasets  # not the package root, which sits above the layers
    from matplotlib.patches import Patch

    sub = items[(items["indicator_id"].astype(str) == indicator_id)
                & (items["prefecture_code"] == prefecture.prefecture_code)]
    gdf = _datasets.load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"] == prefecture.prefecture_code].merge(
        sub[["code", "status"]], on="code", how="left")
    fig, ax = plt.subplots(figsize=(7, 7))
    colors = gdf["status"].astype(str).map(STATUS_COLORS).fillna("#eeeeee")
    charts.add_polygons(ax, gdf.geometry, facecolor=colors.tolist(), linewidth=0.3)
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)
    charts.geographic_aspect(ax, gdf)
    if highlight is not None and (gdf["code"] == highlight.code).any():
        charts.add_polygons(ax, gdf.geometry[gdf["code"] == highlight.code], facecolor="none",
                            edgecolor=charts.HIGHLIGHT, linewidth=1.5)
        charts.label_bodies(ax, gdf, [highlight.code], color=charts.HIGHLIGHT)
    ax.legend(handles=[Patch(color=c, label=s) for s, c in STATUS_COLORS.items()], loc="lower left", fontsize=8)
    ax.set_axis_off()
    ax.set_title(f"{prefecture.name}：{sub['indicator'].iloc[0]}", loc="left")
    cap = status_caption(sub) + charts.outside_note(outside) + " " + describe("boundaries").credit_line
    return Section(f"{prefecture.name}の市区町村", fig, cap, None)


def prefecture_table_section(items: pd.DataFrame, prefecture, highlight=None) -> Section:
    """A prefecture's municipalities side by side."""
    table = analysis.prefecture_detail(items, prefecture.name)
    if highlight is not None:
        table.insert(0, "注目", ["◀" if c == highlight.code else "" for c in table["code"]])
    # reader headings, as in the prefecture profile (no column names in reader text)
    table = table.rename(columns={"code": "コード", "name": "団体名", "type": "区分", "population_2020": "人口（2020）",
                                  "population_band": "人口規模", "yes_count": "実施数", "answered": "回答項目数"})
    cap = status_caption(items[items["prefecture_code"] == prefecture.prefecture_code])
    return Section(f"{prefecture.name}の市区町村一覧", None, cap, table)


def highlight_section(items: pd.DataFrame, highlight) -> Section:
    """The highlighted body's answers beside the shares of its prefecture, type and the country."""
    rows = []
    mine = items[items["code"] == highlight.code]
    for ind_id, grp in items.groupby("indicator_id", observed=True, sort=False):
        me = mine[mine["indicator_id"] == ind_id]
        answer = str(me["status"].iloc[0]) if len(me) else "—"
        row = {"指標": grp["indicator"].iloc[0], f"{highlight.name}の回答": answer}
        for label, sub in (
            (f"{highlight.prefecture}の市区町村", grp[grp["prefecture_code"] == highlight.prefecture_code]),
            (f"全国の{highlight.type}", grp[grp["type"].astype(str) == highlight.type]),
            ("全国", grp),
        ):
            s = analysis.share_by(sub.assign(_all="all"), by="_all")
            r = s.iloc[0]
            row[label] = f"{share_text(r['share'])}（{int(r['yes']):,}/{int(r['n']):,}）"
        rows.append(row)
    cap = status_caption(items)
    return Section(f"{highlight.name}（{highlight.prefecture}）の回答と比較", None, cap, pd.DataFrame(rows))


def prefecture_level_section(indicator_ids: Sequence[str], prefecture=None) -> Section | None:
    """The 47 prefectures' own answers (prefecture-level items)."""
    try:
        items = analysis.status_items(list(indicator_ids), level="prefecture")
    except ValueError:
        return None
    shares = analysis.share_by(items.assign(_all="都道府県"), by="_all")
    table = share_reader_table(shares, "_all", "区分")
    if prefecture is not None:
        mine = items[items["prefecture_code"] == prefecture.prefecture_code]
        table[f"{prefecture.name}の回答"] = [
            str(mine.loc[mine["indicator"] == ind, "status"].iloc[0]) if (mine["indicator"] == ind).any() else "—"
            for ind in table["指標"]
        ]
    return Section("都道府県自身の取組（47都道府県）", None, status_caption(items), table)


def crosstab_section(items: pd.DataFrame, a: str, b: str) -> Section:
    """Counts of bodies by the answers to two items (an association, not a cause)."""
    wide = items[items["indicator_id"].astype(str).isin([a, b])].pivot_table(
        index="code", columns="indicator", values="status", aggfunc="first", observed=True)
    la = items.loc[items["indicator_id"].astype(str) == a, "indicator"].iloc[0]
    lb = items.loc[items["indicator_id"].astype(str) == b, "indicator"].iloc[0]
    tab = pd.crosstab(wide[la].astype(str), wide[lb].astype(str), margins=True, margins_name="計")
    tab.index.name, tab.columns.name = la, lb
    yes_a = wide[wide[la].astype(str) == "実施"]
    no_a = wide[wide[la].astype(str) == "未実施"]
    pa = (yes_a[lb].astype(str) == "実施").mean()
    pn = (no_a[lb].astype(str) == "実施").mean()
    cap = (f"{la}を実施している{len(yes_a):,}団体のうち{lb}も実施は{share_text(pa)}、未実施の{len(no_a):,}団体では"
           f"{share_text(pn)}。これは関連（同時に見られる傾向）であり、一方が他方の原因であることを示すものではありません"
           f"（団体の規模などが両方に影響している可能性があります）。" + status_caption(
               items[items["indicator_id"].astype(str).isin([a, b])]))
    return Section(f"{la} × {lb}（団体数）", None, cap, tab.map(lambda v: f"{int(v):,}"))


def prefecture_grid_section(items: pd.DataFrame, prefecture=None, highlight=None) -> Section:
    """All items × 47 prefectures: the share of municipalities answering 実施 (%)."""
    shares = analysis.share_by(items, by="prefecture")
    shares = shares.assign(pct=shares["share"] * 100, prefecture=shares["prefecture"].astype(str))
    marked = [p.name for p in (prefecture,) if p is not None] + ([highlight.prefecture] if highlight else [])
    ax = charts.heatmap(shares, row="prefecture", col="indicator", value="pct", highlight_rows=marked,
                        title="都道府県別：市区町村の実施割合（%）")
    fig = ax.figure
    fig.tight_layout()
    return Section("都道府県 × 指標の一覧", fig, status_caption(items), None)


def narrate_shares(items: pd.DataFrame) -> str:
    """A few Japanese sentences on the national share of each item and its spread by type."""
    shares = analysis.share_by(items, by="type", total=True)
    lines = []
    for ind, grp in shares.groupby("indicator", sort=False):
        nat = grp[grp["type"].astype(str) == analysis.ALL_NATIONAL].iloc[0]
        types = grp[(grp["type"].astype(str) != analysis.ALL_NATIONAL) & (grp["n"] > 0)]
        hi = types.loc[types["share"].idxmax()]
        lo = types.loc[types["share"].idxmin()]
        text = (f"- **{ind}**：全国で{int(nat['yes']):,}団体（回答{int(nat['n']):,}団体の{share_text(nat['share'])}）。"
                f"区分別では{hi['type']}が最も高く{share_text(hi['share'])}（{int(hi['yes'])}/{int(hi['n'])}）、"
                f"{lo['type']}が最も低く{share_text(lo['share'])}（{int(lo['yes'])}/{int(lo['n'])}）。")
        if nat["not_surveyed"]:
            text += f"調査無しの{int(nat['not_surveyed'])}団体は分母に含めていません。"
        lines.append(text)
    return "\n".join(lines)
