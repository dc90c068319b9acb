"""Chart functions shared by the notebooks.

Every function draws on a matplotlib ``Axes`` (created when not given), returns the ``Axes``,
and never computes statistics itself: callers pass tables made by :mod:`jdxlib.analysis`
or :mod:`jdxlib.national`.  Call :func:`jdxlib.viz.set_theme` first.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

HIGHLIGHT = "#d62728"
BASE = "#4c72b0"
LEVEL_COLORS = {"prefecture": "#dd8452", "municipality": "#4c72b0", "designated_city": "#55a868",
                "other_municipality": "#8172b3", "all_local_governments": "#937860", "national": "#c44e52"}
LEVEL_LABELS = {"prefecture": "都道府県", "municipality": "市区町村", "designated_city": "指定都市",
                "other_municipality": "その他の市区町村", "all_local_governments": "地方公共団体全体",
                "national": "全国"}


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def caption(ax, text: str, *, fontsize: float = 7.5) -> None:
    """Write *text* (source, reference date, denominator) under the axes' figure."""
    fig = ax.figure
    fig.text(0.01, 0.0, text, ha="left", va="top", fontsize=fontsize, color="0.3",
             transform=fig.transFigure, wrap=True)


# ------------------------------------------------------------------------------ fixed layout
# Constrained layout measures every artist before each draw, which costs as much as the
# draw itself.  Charts whose decorations are known in advance (a profile draws the same
# four charts 1,741 times) are laid out with margins in inches instead: drawn once.


@lru_cache(maxsize=1)
def _measuring_renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(1, 1, 72)  # at 72 dpi a pixel is a point


@lru_cache(maxsize=8192)
def _text_size_pt(text: str, size: float, family: tuple[str, ...]) -> tuple[float, float]:
    from matplotlib.font_manager import FontProperties

    w, h, _ = _measuring_renderer().get_text_width_height_descent(
        text, FontProperties(family=list(family), size=size), ismath=False)
    return w, h


def text_width_in(texts: Sequence[str], size: float) -> float:
    """Width in inches of the widest of *texts* at font *size* (points), in the current font."""
    family = tuple(plt.rcParams["font.sans-serif"][:1]) if plt.rcParams["font.family"] == ["sans-serif"] \
        else tuple(plt.rcParams["font.family"])
    return max((_text_size_pt(str(t), float(size), family)[0] for t in texts), default=0.0) / 72


def line_height_in(size: float, lines: int = 1, spacing: float = 1.25) -> float:
    """Height in inches of *lines* lines of text at font *size* (points)."""
    return lines * size * spacing / 72


def _points(key: str) -> float:
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=plt.rcParams[key]).get_size_in_points()


def x_axis_height_in(*, tick_size: float | None = None, label: bool = True) -> float:
    """Inches below an axes taken by x tick marks, tick labels and (optionally) the axis label."""
    rc = plt.rcParams
    h = (rc["xtick.major.size"] + rc["xtick.major.pad"]) / 72 + line_height_in(tick_size or _points("xtick.labelsize"))
    if label:
        h += rc["axes.labelpad"] / 72 + line_height_in(_points("axes.labelsize"))
    return h


def y_axis_width_in(tick_labels: Sequence[str], *, tick_size: float | None = None, label: bool = False) -> float:
    """Inches left of an axes taken by y tick marks, the widest tick label and (optionally) a label."""
    rc = plt.rcParams
    w = (rc["ytick.major.size"] + rc["ytick.major.pad"]) / 72 + text_width_in(
        tick_labels, tick_size or _points("ytick.labelsize"))
    if label:
        w += rc["axes.labelpad"] / 72 + line_height_in(_points("axes.labelsize"))
    return w


def title_height_in() -> float:
    """Inches above an axes taken by a one-line title."""
    return plt.rcParams["axes.titlepad"] / 72 + line_height_in(_points("axes.titlesize"))


def fixed_layout(fig, *, left: float, right: float, top: float, bottom: float) -> None:
    """Place the figure's subplot grid with margins given in inches.

    A figure laid out this way is drawn once when shown (:func:`jdxlib.sections.show_figure`)
    instead of being measured by a layout engine or trimmed to a tight bounding box.
    """
    w, h = fig.get_size_inches()
    fig.set_layout_engine(None)
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h)
    fig.jdx_fixed_layout = True


def has_fixed_layout(fig) -> bool:
    """True for figures laid out by :func:`fixed_layout` (or by a layout engine)."""
    return bool(getattr(fig, "jdx_fixed_layout", False)) or fig.get_layout_engine() is not None


def polygon_paths(geometries) -> list:
    """One compound matplotlib ``Path`` per (Multi)Polygon, holes included.

    A missing or empty geometry gives an empty path (nothing is drawn for it).
    """
    from matplotlib.path import Path
    from shapely.geometry.polygon import orient

    paths = []
    for geom in geometries:
        if geom is None or geom.is_empty:
            paths.append(Path(np.empty((0, 2))))
            continue
        # exterior counter-clockwise, holes clockwise: holes stay empty under the non-zero fill rule
        polygons = [orient(p) for p in (geom.geoms if hasattr(geom, "geoms") else [geom])]
        rings = [Path(np.asarray(ring.coords)[:, :2], closed=True)
                 for poly in polygons for ring in (poly.exterior, *poly.interiors)]
        paths.append(Path.make_compound_path(*rings))
    return paths


def add_polygons(ax, geometries, *, values=None, cmap=None, norm=None, facecolor=None,
                 edgecolor: str = "white", linewidth: float = 0.3, hatch: str | None = None):
    """Draw polygons on *ax* as one collection and return it.

    Either *values* (coloured through *cmap* / *norm*, usable by ``fig.colorbar``) or one
    *facecolor* (``"none"`` for outlines only).  Unlike ``GeoDataFrame.plot`` this does not
    redraw the whole figure after each call, which made maps the slowest part of a profile.
    """
    from matplotlib.collections import PathCollection

    coll = PathCollection(polygon_paths(geometries), edgecolors=edgecolor, linewidths=linewidth, hatch=hatch)
    if values is None:
        coll.set_facecolor(facecolor)
    else:
        coll.set_array(np.asarray(values, dtype=float))
        coll.set_cmap(cmap)
        coll.set_norm(norm)
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()
    return coll


def geographic_aspect(ax, gdf) -> None:
    """Aspect ratio for longitude/latitude axes: 1 / cos(mean latitude), as geopandas uses."""
    bounds = gdf.geometry.total_bounds
    if np.isfinite(bounds).all():
        ax.set_aspect(1 / np.cos(np.deg2rad((bounds[1] + bounds[3]) / 2)))


def share_bars(
    table: pd.DataFrame,
    *,
    label: str,
    share: str,
    low: str | None = None,
    high: str | None = None,
    yes: str | None = None,
    n: str | None = None,
    highlight: Sequence[str] = (),
    title: str = "",
    xlabel: str = "割合（％）",
    ax=None,
):
    """Horizontal bars of shares (0–1) with optional interval whiskers and ``yes/n`` labels.

    Parameters
    ----------
    table : DataFrame
        One row per bar, drawn top to bottom in table order.
    label, share, low, high, yes, n : str
        Column names: bar label, share (0–1), interval bounds (0–1), count and base.
    highlight : sequence of str
        Labels drawn in the highlight colour.
    """
    t = table.reset_index(drop=True)
    ax = _axes(ax, (8, max(2.0, 0.32 * len(t) + 1.0)))
    y = np.arange(len(t))
    colors = [HIGHLIGHT if str(v) in set(map(str, highlight)) else BASE for v in t[label]]
    ax.barh(y, t[share] * 100, color=colors, height=0.7)
    if low and high:
        err = np.vstack([(t[share] - t[low]).clip(lower=0), (t[high] - t[share]).clip(lower=0)]) * 100
        ax.errorbar(t[share] * 100, y, xerr=err, fmt="none", ecolor="0.25", elinewidth=0.8, capsize=2)
    if yes and n:
        for yi, (k, m, s) in enumerate(zip(t[yes], t[n], t[share])):
            if pd.notna(m):
                ax.text(101, yi, f"{int(k):,}/{int(m):,}", va="center", fontsize=7.5, color="0.25")
    ax.set_yticks(y, [str(v) for v in t[label]])
    ax.invert_yaxis()
    ax.set_xlim(0, 118 if (yes and n) else 100)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        ax.set_title(title, loc="left")
    return ax


def trend(
    rows: pd.DataFrame,
    *,
    x: str = "as_of",
    y: str = "percent",
    level: str = "level",
    published: str | None = None,
    conflicting: str | None = None,
    secondary: str | None = None,
    breaks: Sequence[tuple] = (),
    title: str = "",
    ylabel: str = "割合（％）",
    ax=None,
):
    """Percentages over survey dates, one line per level, with series breaks and corrections.

    Parameters
    ----------
    rows : DataFrame
        Tidy rows with a date column *x*, value column *y* and a *level* column.
    published : str, optional
        Column holding the published (pre-correction) value in the same unit as *y*; drawn
        as a hollow marker where it differs.
    conflicting : str, optional
        Column holding a published percentage that contradicts the published count; drawn
        as a red cross beside the point recomputed from the count.
    secondary : str, optional
        Boolean column: True for a point read from a secondary publication (news, blog …),
        drawn as a hollow marker in the level's colour; primary points are filled.  The
        legend then explains both.
    breaks : sequence of (date, label)
        Series breaks drawn as dashed vertical lines.
    """
    ax = _axes(ax, (8, 4))
    data = rows.dropna(subset=[x, y]).sort_values(x, kind="stable")
    is_secondary = (data[secondary].fillna(False).astype(bool) if secondary and secondary in data
                    else pd.Series(False, index=data.index))
    for lvl, grp in data.groupby(level, observed=True, sort=False):
        color = LEVEL_COLORS.get(lvl)
        sec = is_secondary[grp.index]
        if secondary and secondary in data:
            line, = ax.plot(grp[x], grp[y], color=color, label=LEVEL_LABELS.get(lvl, lvl))
            ax.plot(grp.loc[~sec, x], grp.loc[~sec, y], marker="o", linestyle="none", color=line.get_color())
            ax.plot(grp.loc[sec, x], grp.loc[sec, y], marker="o", linestyle="none", color=line.get_color(),
                    markerfacecolor="white", markeredgewidth=1.3, zorder=4)
        else:
            ax.plot(grp[x], grp[y], marker="o", color=color, label=LEVEL_LABELS.get(lvl, lvl))
        if published and published in grp:
            fixed = grp[grp[published].notna() & (grp[published] != grp[y])]
            if len(fixed):
                ax.scatter(fixed[x], fixed[published], marker="D", s=22, facecolors="none", edgecolors="0.2",
                           zorder=5, label="修正前の公表値")
        if conflicting and conflicting in grp:
            bad = grp[grp[conflicting].notna()]
            if len(bad):
                ax.scatter(bad[x], bad[conflicting], marker="x", color=HIGHLIGHT, zorder=6,
                           label="件数と矛盾する公表割合")
    grouped: dict = {}
    for when, text in breaks:
        grouped.setdefault(pd.Timestamp(when), [])
        if text not in grouped[pd.Timestamp(when)]:
            grouped[pd.Timestamp(when)].append(text)
    for i, (when, texts) in enumerate(sorted(grouped.items())):
        ax.axvline(when, color="0.4", ls="--", lw=0.8)
        ax.annotate("・".join(texts), (when, 0.98 - 0.06 * (i % 2)), xycoords=("data", "axes fraction"),
                    fontsize=7, va="top", ha="left", color="0.3", xytext=(2, 0), textcoords="offset points")
    ax.set_ylim(0, 112)
    if len(data):
        import matplotlib.dates as mdates

        lo, hi = pd.Timestamp(data[x].min()), pd.Timestamp(data[x].max())
        years = max(1, hi.year - lo.year)
        ax.set_xlim(lo - pd.DateOffset(months=6), hi + pd.DateOffset(months=10))
        ax.xaxis.set_major_locator(mdates.YearLocator(base=1 if years <= 8 else 2))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_ylabel(ylabel)
    ax.set_xlabel("調査時点（年）")
    handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles))
    if is_secondary.any():
        from matplotlib.lines import Line2D

        if (~is_secondary).any():
            uniq["一次資料（総務省等の公表資料）"] = Line2D([], [], marker="o", linestyle="none", color="0.35")
        uniq["二次資料（報道・ブログ等が伝えた値）"] = Line2D([], [], marker="o", linestyle="none", color="0.35",
                                                markerfacecolor="white", markeredgewidth=1.3)
    if uniq:
        ax.legend(uniq.values(), uniq.keys(), loc="best", fontsize=8)  # recent points sit at the right edge
    if title:
        ax.set_title(title, loc="left")
    return ax


def choropleth(
    gdf,
    column: str,
    *,
    highlight: Sequence[str] = (),
    key: str = "code",
    title: str = "",
    legend_label: str = "",
    vmin: float | None = 0,
    vmax: float | None = 100,
    cmap: str = "viridis",
    ax=None,
):
    """A choropleth of *column*; bodies whose *key* is in *highlight* get a red outline.

    Missing values are drawn in light grey and named in the legend.
    """
    from matplotlib.colors import Normalize

    ax = _axes(ax, (7, 7))
    values = pd.to_numeric(gdf[column], errors="coerce").astype("float64")
    known = values.notna().to_numpy()
    lo = float(values.min()) if vmin is None else vmin
    hi = float(values.max()) if vmax is None else vmax
    norm = Normalize(vmin=lo, vmax=hi)
    if (~known).any():
        from matplotlib.patches import Patch

        add_polygons(ax, gdf.geometry[~known], facecolor="0.85", linewidth=0.1)
        ax.legend(handles=[Patch(facecolor="0.85", label="値なし")], loc="lower left", fontsize=8)
    coll = add_polygons(ax, gdf.geometry[known], values=values[known], cmap=cmap, norm=norm, linewidth=0.1)
    ax.figure.colorbar(coll, ax=ax, label=legend_label, shrink=0.6)
    if len(highlight):
        sel = gdf[gdf[key].astype(str).isin([str(h) for h in highlight])]
        if len(sel):
            add_polygons(ax, sel.geometry, facecolor="none", edgecolor=HIGHLIGHT, linewidth=1.2)
    geographic_aspect(ax, gdf)
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left")
    return ax


def distribution(
    table: pd.DataFrame,
    *,
    value: str,
    by: str,
    order: Sequence[str] | None = None,
    highlight_value: float | None = None,
    highlight_label: str = "",
    title: str = "",
    xlabel: str = "割合（％）",
    ax=None,
):
    """Box plots of a percentage by group (median and IQR), with an optional marked value."""
    import seaborn as sns

    ax = _axes(ax, (8, max(2.0, 0.45 * table[by].nunique() + 1)))
    import warnings

    with warnings.catch_warnings():
        # seaborn 0.13 passes matplotlib's deprecated ``vert``; nothing for callers to fix
        warnings.filterwarnings("ignore", message=".*vert.*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*vert.*", category=PendingDeprecationWarning)
        try:
            from matplotlib import MatplotlibDeprecationWarning
            warnings.filterwarnings("ignore", message=".*vert.*", category=MatplotlibDeprecationWarning)
        except ImportError:  # pragma: no cover
            pass
        sns.boxplot(data=table, x=value, y=by, order=order, ax=ax, color="#a1c9f4", fliersize=1.5,
                    linewidth=0.8)
    if highlight_value is not None and pd.notna(highlight_value):
        ax.axvline(highlight_value, color=HIGHLIGHT, lw=1.2)
        ax.annotate(highlight_label, (highlight_value, 1.0), xycoords=("data", "axes fraction"),
                    color=HIGHLIGHT, fontsize=8, va="bottom", ha="center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        ax.set_title(title, loc="left")
    return ax


def heatmap(
    table: pd.DataFrame,
    *,
    row: str,
    col: str,
    value: str,
    highlight_rows: Sequence[str] = (),
    title: str = "",
    fmt: str = "{:.0f}",
    ax=None,
):
    """A row × column grid of percentages (0–100) with the values written in the cells."""
    import seaborn as sns

    wide = table.pivot_table(index=row, columns=col, values=value, aggfunc="first", observed=True, sort=False)
    ax = _axes(ax, (1.1 * wide.shape[1] + 2.5, 0.17 * wide.shape[0] + 1.5))
    annot = wide.map(lambda v: "" if pd.isna(v) else fmt.format(v))
    sns.heatmap(wide, ax=ax, vmin=0, vmax=100, cmap="viridis", annot=annot, fmt="", cbar_kws={"label": "%", "shrink": 0.5},
                annot_kws={"fontsize": 6.5}, linewidths=0.3, linecolor="white")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=7)
    ax.tick_params(axis="x", labelsize=8, rotation=30)
    for lab in ax.get_yticklabels():
        if lab.get_text() in set(map(str, highlight_rows)):
            lab.set_color(HIGHLIGHT)
    if title:
        ax.set_title(title, loc="left")
    return ax
