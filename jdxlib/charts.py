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

from .palette import BASE, HIGHLIGHT, LEVEL_COLORS  # noqa: F401  (kept importable from here)

LEVEL_LABELS = {"prefecture": "都道府県", "municipality": "市区町村", "designated_city": "指定都市",
                "other_municipality": "その他の市区町村", "all_local_governments": "地方公共団体全体",
                "national": "全国", "town_village": "町村"}


# A chart printed in a report is at most as wide as an A4 page's text (210 − 2 × 14 mm) and as
# tall as jdx.css lets an image be (200 mm, leaving room for a heading, a lead paragraph and the
# caption on the same page).
PRINT_WIDTH_IN = 182 / 25.4
PRINT_HEIGHT_IN = 200 / 25.4
MIN_PRINTED_PT = 8.0
# jdx's survey rounds are yearly (or more often): a longer gap means a round is missing
MAX_GAP = pd.Timedelta(days=int(1.5 * 365))


def printed_scale(width_in: float, height_in: float) -> float:
    """How much an image of this size (inches) is shrunk to fit the printed A4 page (≤ 1)."""
    return min(1.0, PRINT_WIDTH_IN / width_in, PRINT_HEIGHT_IN / height_in)


def _texts(fig):
    """The texts drawn on *fig* (visible, not empty).

    Hidden artists are not descended into, and neither is the axis of an axes drawn without
    axes (a map): asking such an axis for its children would create tick objects only to
    find them invisible.
    """
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    out = []

    def walk(artist):
        if not artist.get_visible():
            return
        if isinstance(artist, Axis) and not artist.axes.axison:
            return
        if isinstance(artist, Text) and artist.get_text().strip():
            out.append(artist)
        for child in artist.get_children():
            walk(child)

    walk(fig)
    return out


def saved_size_in(fig) -> tuple[float, float]:
    """Size in inches of the image :func:`jdxlib.sections.show_figure` makes of *fig*."""
    if has_fixed_layout(fig):
        w, h = fig.get_size_inches()
        return float(w), float(h)
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    return float(bbox.width), float(bbox.height)


def fit_to_print(fig, min_pt: float = MIN_PRINTED_PT) -> None:
    """Make every text of *fig* at least *min_pt* points tall on the printed A4 page.

    A figure wider than the page is made page-wide (its text keeps its size in points, so it
    grows relative to the chart) and laid out again; text still under *min_pt* at the printed
    scale is enlarged.  Figures laid out in inches (:func:`fixed_layout`) keep their size.
    """
    import warnings

    inches = bool(getattr(fig, "jdx_fixed_layout", False))
    # a figure once laid out by fig.tight_layout() keeps a placeholder engine: lay it out again
    relayout = (not inches) and fig.get_layout_engine() is not None \
        and type(fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"

    def layout():
        if relayout:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "tight_layout not applied" for odd grids
                fig.tight_layout()

    if not inches:
        w, h = fig.get_size_inches()
        if w > PRINT_WIDTH_IN:
            fig.set_size_inches(PRINT_WIDTH_IN, h * PRINT_WIDTH_IN / w)
            layout()
            _fit_axis_text(fig)
            layout()
    for _ in range(2):  # enlarging text can enlarge the tight box once more
        scale = printed_scale(*saved_size_in(fig))
        small = [t for t in _texts(fig) if t.get_fontsize() * scale < min_pt - 1e-6]
        if not small:
            break
        for t in small:
            t.set_fontsize(min_pt / scale + 0.05)
        layout()
        if not inches:
            _fit_axis_text(fig)
            layout()


def _fit_axis_text(fig) -> None:
    """After a figure was narrowed: wrap x-axis labels to their axes' width and thin out x tick
    labels that would run into each other."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        width = ax.get_window_extent(renderer).width
        for label in (ax.xaxis.label, ax.title, ax._left_title):  # noqa: SLF001 - loc="left" titles
            text = label.get_text()
            if text and "\n" not in text:
                size = label.get_fontsize()
                if text_width_in([text], size) * fig.dpi > width > 0:
                    per_line = max(4, int(len(text) * width / (text_width_in([text], size) * fig.dpi)))
                    label.set_text("\n".join(text[i:i + per_line] for i in range(0, len(text), per_line)))
        _drop_crowded_annotations(ax, renderer)
        ticks = [t for t in ax.get_xticklabels() if t.get_text()]
        if len(ticks) > 2 and not any(t.get_rotation() for t in ticks):
            boxes = [t.get_window_extent(renderer) for t in ticks]
            gap = 0.5 * ticks[0].get_fontsize() * fig.dpi / 72  # at least half a character apart
            if any(a.x1 + gap > b.x0 for a, b in zip(boxes, boxes[1:])):
                locs = ax.get_xticks()
                ax.set_xticks(locs[::2], [t.get_text() for t in ax.get_xticklabels()][::2])


def _drop_crowded_annotations(ax, renderer) -> None:
    """A heat map whose cells became too narrow for their numbers keeps its colours only (the
    numbers are in the table under the chart)."""
    from matplotlib.collections import QuadMesh

    mesh = [c for c in ax.collections if isinstance(c, QuadMesh)]
    if not mesh or not ax.texts:
        return
    ncols = max(1, len(ax.get_xticks()))
    cell = ax.get_window_extent(renderer).width / ncols
    if any(t.get_window_extent(renderer).width > 0.95 * cell for t in ax.texts if t.get_text()):
        for t in list(ax.texts):
            t.set_visible(False)


def drawn_texts(fig) -> list:
    """The texts a draw of *fig* really puts on the image, where they are put.

    Tick labels outside the view limits exist but are not drawn, and legends place their texts
    only when drawn; so the figure is drawn once and the texts drawn are recorded.
    """
    from unittest import mock

    from matplotlib.text import Text

    drawn = []
    original = Text.draw

    def record(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return original(self, renderer)

    with mock.patch.object(Text, "draw", record):
        fig.canvas.draw()
    return list(dict.fromkeys(drawn))


def overlapping_texts(fig, tolerance_pt: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of visible texts of *fig* that overlap when drawn (titles, tick labels, numbers).

    Boxes are shrunk by *tolerance_pt* on each side so that texts merely touching (a heat
    map's neighbouring numbers, a title resting on its axes) do not count.
    """
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    if len(texts) < 2:
        return []
    pad = tolerance_pt * fig.dpi / 72
    extents = [t.get_window_extent(renderer) for t in texts]
    boxes = np.array([[b.x0 + pad, b.y0 + pad, b.x1 - pad, b.y1 - pad] for b in extents])
    out = []
    for i in range(len(texts) - 1):
        b = boxes[i + 1:]
        hit = (b[:, 0] < boxes[i, 2]) & (boxes[i, 0] < b[:, 2]) & (b[:, 1] < boxes[i, 3]) & (boxes[i, 1] < b[:, 3])
        for j in np.flatnonzero(hit) + i + 1:
            if _slanted_apart(texts[i], texts[j], extents[i], extents[j], renderer, pad):
                continue
            out.append((texts[i].get_text(), texts[j].get_text()))
    return out


def _slanted_apart(a, b, box_a, box_b, renderer, pad: float) -> bool:
    """Two texts slanted by the same angle (45° tick labels) whose upright boxes, turned by that
    angle, do not meet: their screen rectangles overlap only at the corners they do not fill."""
    angle = a.get_rotation() % 180
    if angle % 90 == 0 or abs(b.get_rotation() % 180 - angle) > 1e-6:
        return False
    rad = np.deg2rad(-a.get_rotation())
    rot = np.array([[np.cos(rad), -np.sin(rad)], [np.sin(rad), np.cos(rad)]])
    halves = []
    for t in (a, b):
        rotation = t.get_rotation()
        t.set_rotation(0)
        upright = t.get_window_extent(renderer)
        t.set_rotation(rotation)
        halves.append(np.array([upright.width, upright.height]) / 2 - pad)
    centres = [rot @ np.array([(bx.x0 + bx.x1) / 2, (bx.y0 + bx.y1) / 2]) for bx in (box_a, box_b)]
    return bool(np.any(np.abs(centres[0] - centres[1]) >= halves[0] + halves[1]))


def print_problems(fig, min_pt: float = MIN_PRINTED_PT) -> list[str]:
    """Texts of *fig* under *min_pt* at the printed size, tick labels cut with 「…」 and texts
    drawn over each other."""
    scale = printed_scale(*saved_size_in(fig))
    out = [f"{t.get_text()!r}: {t.get_fontsize() * scale:.1f} pt printed" for t in _texts(fig)
           if t.get_fontsize() * scale < min_pt - 1e-6]
    for ax in fig.axes:
        for lab in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            if lab.get_text().rstrip().endswith(("…", "...")):
                out.append(f"{lab.get_text()!r}: cut with …")
    out += [f"{a!r} overlaps {b!r}" for a, b in overlapping_texts(fig)]
    return out


def _segments(grp: pd.DataFrame, x: str, breaks: Sequence, max_gap: pd.Timedelta | None):
    """Split one line's points where a break lies between two points or a round is missing."""
    cuts = sorted(pd.Timestamp(b) for b in breaks)
    xs = pd.to_datetime(grp[x]).tolist()
    start = 0
    for i in range(1, len(xs)):
        gap = max_gap is not None and xs[i] - xs[i - 1] > max_gap
        crossed = any(xs[i - 1] < c <= xs[i] for c in cuts)
        if gap or crossed:
            yield grp.iloc[start:i]
            start = i
    yield grp.iloc[start:]


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def caption(ax, text: str, *, fontsize: float = 9) -> None:
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


def png_bytes(fig) -> bytes:
    """*fig* as a 256-colour (8-bit palette) PNG, as it is embedded in reports.

    Charts are a few flat colours plus anti-aliased edges, so 256 colours look the same as
    true colour at about a third of the size, and encode faster (measured on the four charts
    of a municipality profile: 30 ms instead of 54 ms, 150 KB instead of 430 KB) — less for the
    HTML to carry and for the PDF to decode.  A figure with a fixed layout
    (:func:`has_fixed_layout`) is drawn once as it is; others are trimmed to their tight
    bounding box as the notebook's inline backend does (which draws them twice).  No
    metadata is written (the bytes do not depend on the matplotlib version).
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    if has_fixed_layout(fig):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    else:
        raw = io.BytesIO()
        fig.savefig(raw, format="png", dpi=fig.dpi, bbox_inches="tight", pil_kwargs={"compress_level": 0})
        image = Image.open(raw)
        image.load()
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] < 255:  # see-through parts on white
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    paletted = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    # the octree averages each colour box: white comes out as 254, black as 1 — put them back
    palette = [255 if v >= 252 else 0 if v <= 3 else v for v in paletted.getpalette()]
    paletted.putpalette(palette)
    out = io.BytesIO()
    paletted.save(out, format="png", compress_level=3, dpi=(fig.dpi, fig.dpi))
    return out.getvalue()


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


def crop_outlying(ax, gdf, keep_code: str | None = None) -> list[str]:
    """Zoom a prefecture's municipal map on its main cluster; return the names of the bodies
    left outside the view.

    A body is outlying when its representative point is farther from the prefecture's median
    one than max(0.8°, 3 × the median distance); the view is cropped only when leaving the
    outlying bodies out shrinks the map's bounding box at least fourfold (伊豆諸島・小笠原 of
    東京都, 先島・大東 of 沖縄県).  An outlying highlighted body (*keep_code*) stays in the view
    (the view then spans the main cluster and that body, e.g. 東京都 down to 利島村 without
    小笠原).
    """
    geo = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if len(geo) < 3:
        return []
    rep = geo.geometry.representative_point()
    x, y = rep.x.to_numpy(), rep.y.to_numpy()
    dist = np.hypot(x - np.median(x), y - np.median(y))
    far = dist > max(0.8, 3 * float(np.median(dist)))
    codes = geo["code"].astype(str).to_numpy()
    kept = keep_code is not None and bool((far & (codes == str(keep_code))).any())
    if keep_code is not None:
        far &= codes != str(keep_code)
    if not far.any():
        return []
    x0, y0, x1, y1 = geo[~far].total_bounds
    fx0, fy0, fx1, fy1 = geo.total_bounds
    if (fx1 - fx0) * (fy1 - fy0) < 4 * max((x1 - x0) * (y1 - y0), 1e-9):
        return []
    # an outlying highlighted body sits at the view's edge: leave room for it and the legend
    px, py = (x1 - x0) * 0.03, (y1 - y0) * (0.1 if kept else 0.03)
    ax.set_xlim(x0 - px, x1 + px)
    ax.set_ylim(y0 - py, y1 + py)
    # outlying bodies that still fall inside the view (between the cluster and the highlighted body) are drawn
    seen = (x >= x0 - px) & (x <= x1 + px) & (y >= y0 - py) & (y <= y1 + py)
    return geo["name"][far & ~seen].astype(str).tolist()


def outside_note(names: Sequence[str]) -> str:
    """Caption sentence naming the bodies left outside a cropped map (empty when none)."""
    if not names:
        return ""
    return f"離島の{len(names)}団体（{'、'.join(names)}）は地図の範囲外。"


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
                ax.text(101, yi, f"{int(k):,}/{int(m):,}", va="center", fontsize=9, color="0.25")
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
    max_gap: pd.Timedelta | None = MAX_GAP,
    ax=None,
):
    """Percentages over survey dates, one line per level, with series breaks and corrections.

    A line never joins two points across a series break or across a gap longer than
    *max_gap* (more than one survey round missing, e.g. ICT-BCP 2013 → 2020): the pieces are
    drawn apart, a lone point as a marker.

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
    max_gap : Timedelta or None
        Longest gap joined by a line (default 1.5 years: yearly rounds); None joins all.
    """
    ax = _axes(ax, (8, 4))
    data = rows.dropna(subset=[x, y]).sort_values(x, kind="stable")
    is_secondary = (data[secondary].fillna(False).astype(bool) if secondary and secondary in data
                    else pd.Series(False, index=data.index))
    break_dates = [when for when, _ in breaks]
    split = False
    for lvl, grp in data.groupby(level, observed=True, sort=False):
        color = LEVEL_COLORS.get(lvl)
        # no line across a series break or a missing survey round: separate pieces, a lone
        # point as a marker only
        for k, piece in enumerate(_segments(grp, x, break_dates, max_gap)):
            split = split or k > 0
            label = LEVEL_LABELS.get(lvl, lvl) if k == 0 else "_nolegend_"
            if secondary and secondary in data:
                sec = is_secondary[piece.index]
                line, = ax.plot(piece[x], piece[y], color=color, label=label)
                color = line.get_color()
                ax.plot(piece.loc[~sec, x], piece.loc[~sec, y], marker="o", linestyle="none", color=color)
                ax.plot(piece.loc[sec, x], piece.loc[sec, y], marker="o", linestyle="none", color=color,
                        markerfacecolor="white", markeredgewidth=1.3, zorder=4)
            else:
                line, = ax.plot(piece[x], piece[y], marker="o", color=color, label=label)
                color = line.get_color()
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
    if split:  # say why some points are not joined
        ax.plot([], [], ls="none", marker="o", color="0.6", label="線なし＝断絶・調査の抜けをまたぐ")
    grouped: dict = {}
    for when, text in breaks:
        grouped.setdefault(pd.Timestamp(when), [])
        if text not in grouped[pd.Timestamp(when)]:
            grouped[pd.Timestamp(when)].append(text)
    for i, (when, texts) in enumerate(sorted(grouped.items())):
        ax.axvline(when, color="0.4", ls="--", lw=0.8)
        ax.annotate("・".join(texts), (when, 0.98 - 0.06 * (i % 2)), xycoords=("data", "axes fraction"),
                    fontsize=9, va="top", ha="left", color="0.3", xytext=(2, 0), textcoords="offset points")
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
        # under the axis label, outside the plot: inside, "best" placement can only trade one
        # covered thing for another (points, break labels at the top, recent points at the right)
        from matplotlib.transforms import offset_copy

        below = offset_copy(ax.transAxes, fig=ax.figure, y=-(x_axis_height_in() + 0.04) * 72, units="points")
        ax.legend(uniq.values(), uniq.keys(), loc="upper left", bbox_to_anchor=(0, 0), bbox_transform=below,
                  ncol=2, fontsize=9, frameon=False, borderaxespad=0, handlelength=1.6, columnspacing=1.5)
    if title:
        ax.set_title(title, loc="left")
    return ax


def _prefecture_codes(gdf, key: str) -> pd.Series:
    if "prefecture_code" in gdf:
        return gdf["prefecture_code"].astype(str).str.zfill(2)
    return gdf[key].astype(str).str[:2]


def choropleth(
    gdf,
    column: str,
    *,
    highlight: Sequence[str] = (),
    key: str = "code",
    title: str = "",
    legend_label: str = "",
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
    name: str | None = "name",
    decimals: int | None = None,
    ax=None,
):
    """A choropleth of *column*; bodies whose *key* is in *highlight* get a red outline.

    On a map of one prefecture's municipalities the highlighted body and the bodies with the
    lowest and highest value are named (column *name*; None for no names; values compared
    rounded to *decimals*, as displayed; see :func:`label_extremes`).  Crop the view (:func:`crop_outlying`) before, not after, drawing.

    The colour scale spans the data's range unless *vmin* / *vmax* are given.  Missing
    values are drawn in light grey and named in the legend.  On a national map Okinawa is
    drawn in an inset (top left) so that the main islands fill the frame.
    """
    from matplotlib.colors import Normalize

    ax = _axes(ax, (7, 7))
    values = pd.to_numeric(gdf[column], errors="coerce").astype("float64")
    known = values.notna().to_numpy()
    lo = float(values.min()) if vmin is None else vmin
    hi = float(values.max()) if vmax is None else vmax
    if not np.isfinite(lo) or not np.isfinite(hi) or lo == hi:
        lo, hi = (lo - 1, hi + 1) if np.isfinite(lo) else (0, 100)
    norm = Normalize(vmin=lo, vmax=hi)
    marked = gdf[key].astype(str).isin([str(h) for h in highlight]).to_numpy()
    prefs = _prefecture_codes(gdf, key)
    national = prefs.nunique() >= 40 and (prefs == "47").any()
    okinawa = (prefs == "47").to_numpy() if national else np.zeros(len(gdf), bool)

    def draw(target, rows):
        if (rows & ~known).any():
            add_polygons(target, gdf.geometry[rows & ~known], facecolor="0.85", linewidth=0.1)
        coll = add_polygons(target, gdf.geometry[rows & known], values=values[rows & known], cmap=cmap,
                            norm=norm, linewidth=0.1)
        if (rows & marked).any():
            add_polygons(target, gdf.geometry[rows & marked], facecolor="none", edgecolor=HIGHLIGHT, linewidth=1.2)
        return coll

    coll = draw(ax, ~okinawa)
    if (~known).any():
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(facecolor="0.85", label="値なし")], loc="lower right", fontsize=9)
    ax.figure.colorbar(coll, ax=ax, label=legend_label, shrink=0.6)
    geographic_aspect(ax, gdf[~okinawa] if national else gdf)
    if national:
        x0, y0, x1, y1 = gdf.geometry[~okinawa].total_bounds
        ax.set_xlim(x0 - 0.2, x1 + 0.2)
        ax.set_ylim(y0 - 0.2, y1 + 0.2)
        inset = ax.inset_axes([0.0, 0.6, 0.38, 0.38])
        draw(inset, okinawa)
        geographic_aspect(inset, gdf[okinawa])
        oki = gdf.geometry[okinawa]
        if len(oki) == 1:  # one prefecture polygon: frame the main island, where its colour is seen
            parts = getattr(oki.iloc[0], "geoms", [oki.iloc[0]])
            bx0, by0, bx1, by1 = max(parts, key=lambda g: g.area).bounds
            inset.set_xlim(bx0 - 0.25, bx1 + 0.25)
            inset.set_ylim(by0 - 0.15, by1 + 0.15)
        inset.set_xticks([])
        inset.set_yticks([])
        for spine in inset.spines.values():
            spine.set_edgecolor("0.6")
            spine.set_linewidth(0.6)
        inset.set_facecolor("none")
        inset.set_title("沖縄県", fontsize=9, loc="left", pad=2)
    if not national and name and name in gdf and len(gdf) > 1:
        label_extremes(ax, gdf, column, highlight=highlight, key=key, name=name, decimals=decimals)
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left")
    return ax


def label_bodies(ax, gdf, codes: Sequence[str], *, key: str = "code", name: str = "name",
                 color: str = "0.1", fontsize: float = 9) -> None:
    """Write the names of the bodies *codes* on a map, at a point inside each polygon."""
    sel = gdf[gdf[key].astype(str).isin([str(c) for c in codes])]
    _place_labels(ax, [(geom, label, color) for geom, label in zip(sel.geometry, sel[name].astype(str))], fontsize,
                  in_view_only=False)


#: How many bodies tied at an extreme are named one by one; more are named as 「…ほかN団体」.
MAX_TIED_NAMED = 3


def extremes(gdf, column: str, *, key: str = "code", decimals: int | None = None) -> list[tuple[str, float, list[str]]]:
    """The lowest and the highest known value of *column* with every body holding it.

    Returns ``[("lowest", value, codes), ("highest", value, codes)]`` (codes in the order of
    *gdf*); empty when fewer than two different values are known (no extreme to point at).
    With *decimals*, values are compared as displayed (rounded): equal displayed values tie.
    """
    values = pd.to_numeric(gdf[column], errors="coerce").astype("float64")
    if decimals is not None:
        values = values.round(decimals)
    known = values.notna()
    if values[known].nunique() < 2:
        return []
    codes = gdf[key].astype(str)
    out = []
    for which, value in (("lowest", values[known].min()), ("highest", values[known].max())):
        out.append((which, float(value), codes[known & (values == value)].tolist()))
    return out


def extreme_label(names: Sequence[str], max_named: int = MAX_TIED_NAMED) -> list[str]:
    """Map labels for bodies tied at an extreme: each name when at most *max_named* are tied,
    else one label 「<first>ほかN団体」 (ties are shown as ties, not as one body's record)."""
    names = list(names)
    if len(names) <= max_named:
        return names
    return [f"{names[0]}ほか{len(names) - 1}団体"]


def label_extremes(ax, gdf, column: str, *, highlight: Sequence[str] = (), key: str = "code", name: str = "name",
                   max_named: int = MAX_TIED_NAMED, fontsize: float = 9, decimals: int | None = None,
                   avoid: Sequence[tuple[float, float]] = ()) -> list[tuple[str, float, list[str]]]:
    """Name on a municipal map the highlighted bodies (red) and the bodies with the lowest and the
    highest value of *column* (ties as in :func:`extreme_label`; a highlighted body is named once).

    Call it once the view is final (after :func:`crop_outlying`): bodies outside the view are not
    written, and a label that would run into another (or cover a marker at one of the data points
    *avoid*) is moved aside with a leader line.
    Returns :func:`extremes` (with the highlighted bodies still among the codes) for captions.
    """
    marked = {str(h) for h in highlight}
    geoms = dict(zip(gdf[key].astype(str), gdf.geometry))
    names = dict(zip(gdf[key].astype(str), gdf[name].astype(str)))
    found = extremes(gdf, column, key=key, decimals=decimals)
    labels = [(geoms[c], names[c], HIGHLIGHT) for c in gdf[key].astype(str) if c in marked]
    for _, _, codes in found:
        others = [c for c in codes if c not in marked]
        shown = extreme_label([names[c] for c in others], max_named)
        labels += [(geoms[c], text, "0.1") for c, text in zip(others, shown)]
    _place_labels(ax, labels, fontsize, avoid)
    return found


# Where a label that would cover another goes instead (points from its body): above, below,
# right, left, then the diagonals, farther out each round.
_LABEL_OFFSETS = [(0, 0)] + [(dx * r, dy * r) for r in (13, 24, 36)
                             for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1))]


def _place_labels(ax, labels, fontsize: float, avoid: Sequence[tuple[float, float]] = (),
                  in_view_only: bool = True) -> None:
    """Write (geometry, text, colour) labels at a point inside each polygon, in order; a label
    that would overlap an earlier one or leave the axes takes the first free offset of
    :data:`_LABEL_OFFSETS`, tied to its body by a thin line; markers at the data points *avoid*
    and the legend count as earlier labels.  Bodies outside the view are skipped (*in_view_only*)."""
    from matplotlib.transforms import Bbox

    ax.apply_aspect()  # the axes' final box: positions measured now are the drawn ones
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    half = 7 * ax.figure.dpi / 72  # a marker's half width (points to pixels)
    placed = [Bbox.from_extents(x - half, y - half, x + half, y + half)
              for x, y in ax.transData.transform(np.asarray(avoid, dtype=float).reshape(-1, 2))]
    if ax.get_legend() is not None:
        placed.append(ax.get_legend().get_window_extent(renderer))
    for geom, text, color in labels:
        if geom is None or geom.is_empty:
            continue
        pt = geom.representative_point()
        if in_view_only and not (x0 <= pt.x <= x1 and y0 <= pt.y <= y1):
            continue
        for dx, dy in _LABEL_OFFSETS:
            ann, box = _annotate(ax, renderer, text, (pt.x, pt.y), (dx, dy), color, fontsize)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(b) for b in placed):
                break
            ann.remove()
        else:  # nowhere free: on the body itself
            ann, box = _annotate(ax, renderer, text, (pt.x, pt.y), (0, 0), color, fontsize)
        placed.append(box)


def _annotate(ax, renderer, text: str, xy, offset, color, fontsize: float):
    """One map label *offset* points from *xy* (a thin leader line when moved); returns it and
    the box of its text."""
    import matplotlib.patheffects as pe
    from matplotlib.text import Text

    ann = ax.annotate(text, xy, xytext=offset, textcoords="offset points", fontsize=fontsize, color=color,
                      ha="center", va="center", path_effects=[pe.withStroke(linewidth=2.5, foreground="white")],
                      arrowprops=None if tuple(offset) == (0, 0) else
                      dict(arrowstyle="-", color=color, linewidth=0.6, shrinkA=0, shrinkB=0))
    ann.update_positions(renderer)  # the text's place (offset points) before measuring it
    return ann, Text.get_window_extent(ann, renderer).padded(1.5)


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
                    color=HIGHLIGHT, fontsize=9, va="bottom", ha="center")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        # above the marked value's label, which sits on the axes' top edge
        pad = plt.rcParams["axes.titlepad"] + (12 if highlight_label else 0)
        ax.set_title(title, loc="left", pad=pad)
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
    """A row × column grid of percentages (0–100) with the values written in the cells.

    Every row is labelled (47 prefectures included; seaborn would label every other one) and
    a highlighted row is outlined in red.  A new figure is sized to print at A4 width with
    9 pt text.
    """
    import seaborn as sns

    wide = table.pivot_table(index=row, columns=col, values=value, aggfunc="first", observed=True, sort=False)
    nrows, ncols = wide.shape
    font = 9.0
    if ax is None:
        label_w = text_width_in([str(v) for v in wide.index], font) + 0.3
        col_h = 0.7 * text_width_in([str(c) for c in wide.columns], font) + 0.3  # labels at 45°
        width = min(PRINT_WIDTH_IN, label_w + 0.62 * ncols + 1.2)
        height = min(PRINT_HEIGHT_IN - 0.1, line_height_in(font, nrows, 1.3) + col_h + title_height_in() + 0.2)
        _, ax = plt.subplots(figsize=(width, height))
    annot = wide.map(lambda v: "" if pd.isna(v) else fmt.format(v))
    sns.heatmap(wide, ax=ax, vmin=0, vmax=100, cmap="viridis", annot=annot, fmt="",
                cbar_kws={"label": "%", "shrink": 0.5}, annot_kws={"fontsize": font - 0.5},
                linewidths=0.3, linecolor="white", xticklabels=True, yticklabels=True)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=font, rotation=0, pad=1)
    ax.tick_params(axis="x", labelsize=font, pad=1)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
    marked = set(map(str, highlight_rows))
    for i, name in enumerate(map(str, wide.index)):
        if name in marked:
            ax.add_patch(plt.Rectangle((0, i), ncols, 1, fill=False, edgecolor=HIGHLIGHT, lw=2, clip_on=False))
    for lab in ax.get_yticklabels():
        if lab.get_text() in marked:
            lab.set_color(HIGHLIGHT)
    if title:
        ax.set_title(title, loc="left")
    return ax
