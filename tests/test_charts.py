"""Charts draw what they are given (synthetic, clearly fake values) with Japanese labels."""
import io
import math
import warnings

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from jdxlib import charts, viz


@pytest.fixture(autouse=True)
def _theme():
    viz.set_theme()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        yield


def _png(ax):
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()


def test_share_bars_heights_labels_and_highlight():
    t = pd.DataFrame({"group": ["架空市", "架空町", "架空村"], "share": [0.5, 0.25, 1.0],
                      "lo": [0.3, 0.1, 0.8], "hi": [0.7, 0.5, 1.0], "k": [5, 1, 4], "n": [10, 4, 4]})
    ax = charts.share_bars(t, label="group", share="share", low="lo", high="hi", yes="k", n="n",
                           highlight=["架空町"], title="架空の指標")
    widths = [p.get_width() for p in ax.patches]
    assert widths == [50, 25, 100]
    assert [lab.get_text() for lab in ax.get_yticklabels()] == ["架空市", "架空町", "架空村"]
    assert ax.patches[1].get_facecolor() != ax.patches[0].get_facecolor()
    assert "1/4" in [t.get_text() for t in ax.texts]
    _png(ax)


def test_trend_draws_levels_breaks_and_published_values():
    rows = pd.DataFrame({
        "as_of": pd.to_datetime(["2020-04-01", "2021-04-01", "2020-04-01", "2021-04-01"]),
        "percent": [40.0, 50.0, 80.0, 90.0],
        "published": [None, 55.0, None, None],
        "level": ["municipality", "municipality", "prefecture", "prefecture"],
    })
    ax = charts.trend(rows, published="published", breaks=[("2021-01-01", "定義変更")], title="架空")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "市区町村" in labels and "都道府県" in labels and "修正前の公表値" in labels
    assert any(t.get_text() == "定義変更" for t in ax.texts)
    _png(ax)


def _square(x0, y0, size=1.0):
    from shapely.geometry import Polygon

    return Polygon([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)])


def test_polygon_paths_keep_holes_and_parts_and_skip_empty():
    from shapely.geometry import MultiPolygon, Polygon

    holed = Polygon(_square(0, 0, 4).exterior.coords, [_square(1, 1).exterior.coords])
    multi = MultiPolygon([_square(10, 0), _square(12, 0)])
    paths = charts.polygon_paths([holed, multi, Polygon(), None])
    assert len(paths) == 4
    # a closed ring is MOVETO … CLOSEPOLY: two rings each for the holed square and the two squares
    assert [int((p.codes == p.MOVETO).sum()) for p in paths[:2]] == [2, 2]
    assert len(paths[2].vertices) == 0 and len(paths[3].vertices) == 0



def test_holes_stay_empty_when_drawn():
    """Rings are oriented (holes clockwise): a body enclosed by another is not painted over."""
    import matplotlib.pyplot as plt
    import numpy as np
    from shapely.geometry import Polygon

    # the hole is given with the same orientation as the exterior, as GIS files often do
    holed = Polygon(_square(0, 0, 4).exterior.coords, [_square(1, 1).exterior.coords])
    fig, ax = plt.subplots(figsize=(4, 4), dpi=50)
    ax.set_position([0, 0, 1, 1])
    ax.set_axis_off()
    charts.add_polygons(ax, [holed], facecolor="black", linewidth=0)
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 4)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    h, w = pixels.shape[:2]

    def at(x, y):
        return tuple(pixels[int(h * (1 - y / 4)), int(w * x / 4)][:3])

    assert at(0.5, 0.5) == (0, 0, 0)
    assert at(1.5, 1.5) == (255, 255, 255)


def test_add_polygons_colours_by_value_and_sets_the_view():
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    gdf = gpd.GeoDataFrame({"v": [0.0, 10.0]}, geometry=[_square(130, 35), _square(132, 35)], crs=4326)
    fig, ax = plt.subplots()
    coll = charts.add_polygons(ax, gdf.geometry, values=gdf["v"], cmap="viridis", norm=Normalize(0, 10))
    charts.geographic_aspect(ax, gdf)
    fig.colorbar(coll, ax=ax)
    colours = coll.to_rgba(coll.get_array())
    assert tuple(colours[0]) != tuple(colours[1])
    x0, x1 = ax.get_xlim()
    assert x0 <= 130 and x1 >= 133
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(35.5)))
    _png(ax)


def test_choropleth_names_missing_values_in_the_legend():
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"code": ["A", "B"], "v": [50.0, None]},
                           geometry=[_square(130, 35), _square(132, 35)], crs=4326)
    ax = charts.choropleth(gdf, "v", highlight=["A"], title="架空の地図", legend_label="%")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["値なし"]
    assert len(ax.collections) == 3  # missing, values, highlight outline
    _png(ax)


def test_fixed_layout_margins_in_inches_fit_the_labels():
    import matplotlib.pyplot as plt

    labels = ["架空の長い項目名の例その一", "短い"]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.set_yticks([0, 1], labels)
    ax.set_xlabel("架空の軸ラベル")
    ax.set_title("架空の題名", loc="left")
    left = charts.y_axis_width_in(labels) + 0.1
    charts.fixed_layout(fig, left=left, right=0.2, top=charts.title_height_in() + 0.1,
                        bottom=charts.x_axis_height_in() + 0.1)
    assert charts.has_fixed_layout(fig)
    assert ax.get_position().x0 * 8 == pytest.approx(left)
    assert charts.text_width_in(labels, 11) > charts.text_width_in(["短い"], 11) > 0
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())
    assert drawn.x0 >= 0 and drawn.y0 >= 0 and drawn.x1 <= 8 and drawn.y1 <= 4


# ------------------------------------------------------------------ chart rules (issue 12 §6)
def test_trend_never_joins_points_across_a_break_or_a_missing_round():
    rows = pd.DataFrame({
        "as_of": pd.to_datetime(["2013-04-01", "2020-04-01", "2021-04-01", "2022-04-01", "2023-04-01"]),
        "percent": [10.0, 40.0, 45.0, 50.0, 55.0], "level": ["municipality"] * 5})
    ax = charts.trend(rows, breaks=[(pd.Timestamp("2022-01-01"), "定義の変更")])
    pieces = [list(pd.to_datetime(ln.get_xdata()).year) for ln in ax.get_lines()
              if ln.get_marker() == "o" and len(ln.get_xdata())]
    # 2013 → 2020 is a gap of several rounds, 2021 → 2022 crosses the break
    assert pieces == [[2013], [2020, 2021], [2022, 2023]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["市区町村", "線なし＝断絶・調査の抜けをまたぐ"]
    ax2 = charts.trend(rows, max_gap=None)
    assert [len(ln.get_xdata()) for ln in ax2.get_lines() if ln.get_marker() == "o"] == [5]
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["市区町村"]


def _japan(n_pref=47):
    from shapely.geometry import box

    import geopandas as gpd

    codes = [f"{i:02d}" for i in range(1, n_pref + 1)]
    geoms = [box(129 + (i % 8), 31 + i // 8, 129.9 + (i % 8), 31.9 + i // 8) for i in range(n_pref - 1)]
    geoms.append(box(127, 26, 128, 27))  # 沖縄県, far south-west
    return gpd.GeoDataFrame({"prefecture_code": codes, "v": [50 + i / 2 for i in range(n_pref)]},
                            geometry=geoms, crs="EPSG:4326")


def test_national_choropleth_has_an_okinawa_inset_and_a_fitted_scale():
    gdf = _japan()
    ax = charts.choropleth(gdf, "v", key="prefecture_code", legend_label="%")
    assert len(ax.child_axes) == 1 and ax.child_axes[0].get_title(loc="left") == "沖縄県"
    assert ax.get_ylim()[0] > 27  # the main map leaves Okinawa to the inset
    norm = ax.collections[-1].norm
    assert (norm.vmin, norm.vmax) == (50.0, 50 + 46 / 2)
    # a prefecture's own map has no inset
    assert charts.choropleth(gdf.iloc[:5], "v", key="prefecture_code").child_axes == []


def test_label_bodies_names_the_highlighted_body():
    gdf = _japan(5).assign(code=lambda d: d["prefecture_code"], name=["架空市", "架空町", "架空村", "架空郡", "架空島"])
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    charts.label_bodies(ax, gdf, ["02"])
    assert [t.get_text() for t in ax.texts] == ["架空町"]


def test_fit_to_print_raises_small_text_and_print_problems_finds_it():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(14, 4))  # printed at about half size
    ax.set_title("架空のグラフ")
    ax.text(0.5, 0.5, "小さな注記", fontsize=6)
    ax.set_yticks([0, 1], ["架空市", "とても長い団体名…"])
    problems = charts.print_problems(fig)
    assert any("小さな注記" in p for p in problems) and any("cut with" in p for p in problems)
    charts.fit_to_print(fig)
    assert charts.saved_size_in(fig)[0] <= charts.PRINT_WIDTH_IN + 0.3
    assert [p for p in charts.print_problems(fig) if "pt printed" in p] == []


def test_municipal_choropleth_names_extremes_and_the_highlighted_body():
    gdf = _japan(5).assign(code=lambda d: d["prefecture_code"], name=["架空市", "架空町", "架空村", "架空郡", "架空島"],
                           v=[30, 10, 50, 90, 40])
    ax = charts.choropleth(gdf, "v", highlight=["05"])
    named = {t.get_text(): t.get_color() for t in ax.texts}
    assert set(named) == {"架空町", "架空郡", "架空島"}  # lowest, highest, highlighted
    assert named["架空島"] == charts.HIGHLIGHT
    assert len(charts.choropleth(gdf, "v", name=None).texts) == 0


def test_municipal_choropleth_names_every_tied_extreme_or_counts_them():
    """Ties at an extreme are not one body's record: up to three are all named, more are counted."""
    names = ["甲市", "乙町", "丙村", "丁町", "戊村", "己町", "庚村"]
    gdf = _japan(8).iloc[:7].assign(code=lambda d: d["prefecture_code"], name=names,
                                    v=[10, 10, 50, 90, 90, 90, 90.04])
    ax = charts.choropleth(gdf, "v", decimals=1)
    assert sorted(t.get_text() for t in ax.texts) == sorted(["甲市", "乙町", "丁町ほか3団体"])
    assert charts.extremes(gdf, "v", decimals=1) == [("lowest", 10.0, ["01", "02"]),
                                                     ("highest", 90.0, ["04", "05", "06", "07"])]
    # unrounded, 庚村 alone holds the highest value
    assert charts.extremes(gdf, "v")[1] == ("highest", 90.04, ["07"])


def test_map_labels_move_aside_instead_of_overlapping():
    import matplotlib.pyplot as plt
    from shapely.geometry import box

    import geopandas as gpd

    # three tiny neighbouring bodies: their names cannot all sit on their own polygons
    gdf = gpd.GeoDataFrame({"code": ["1", "2", "3", "4"], "name": ["長い名前の市", "長い名前の町", "長い名前の村", "遠い村"],
                            "v": [0.0, 100.0, 50.0, 50.0]},
                           geometry=[box(0, 0, 0.02, 0.02), box(0.02, 0, 0.04, 0.02), box(0.04, 0, 0.06, 0.02),
                                     box(1, 1, 1.02, 1.02)], crs=4326)
    fig, ax = plt.subplots(figsize=(4, 4))
    charts.choropleth(gdf, "v", highlight=["3"], ax=ax)
    from matplotlib.text import Text

    fig.canvas.draw()
    boxes = [Text.get_window_extent(t) for t in ax.texts]  # the words, not their leader lines
    assert sorted(t.get_text() for t in ax.texts) == ["長い名前の市", "長い名前の村", "長い名前の町"]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert sum(t.arrow_patch is not None for t in ax.texts) >= 1  # moved ones point to their body


def test_fit_to_print_wraps_long_axis_labels_and_drops_numbers_that_no_longer_fit():
    import matplotlib.pyplot as plt
    import numpy as np
    import seaborn as sns

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 5))
    sns.heatmap(pd.DataFrame(np.full((4, 24), 100.0)), annot=True, fmt=".0f", ax=a1, annot_kws={"fontsize": 7})
    a2.plot([0, 1], [0, 1])
    a2.set_xlabel("とても長い架空の軸の説明がここに入り、図の幅が狭くなると隣と重なってしまう")
    fig.tight_layout()
    charts.fit_to_print(fig)
    assert "\n" in a2.get_xlabel()
    assert not any(t.get_visible() for t in a1.texts)  # 24 cells of "100" at 8 pt do not fit in 3 inches
    assert [p for p in charts.print_problems(fig) if "pt printed" in p] == []


@pytest.mark.parametrize("fixed", [True, False])
def test_png_bytes_is_a_256_colour_image_of_the_figure_and_deterministic(fixed):
    """The embedded chart: a palette PNG the figure's size (fixed layout) or its tight box,
    visually the true-colour rendering, white where the figure is see-through, no metadata."""
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    viz.set_theme()
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [0, 2, 1], color="tab:red", lw=2)
    ax.set_title("棒と線")
    fig.patch.set_alpha(0.0)  # see-through background: shown on white, never black
    if fixed:
        charts.fixed_layout(fig, left=0.5, right=0.1, top=0.3, bottom=0.4)
    data = charts.png_bytes(fig)
    assert charts.png_bytes(fig) == data
    img = Image.open(io.BytesIO(data))
    assert img.mode == "P" and not img.text  # no Software/version chunk
    if fixed:
        assert img.size == (round(4 * fig.dpi), round(3 * fig.dpi))
    # the true-colour picture the palette stands for: the same draw, see-through parts on white
    true = io.BytesIO()
    fig.savefig(true, format="png", dpi=fig.dpi, bbox_inches=None if fixed else "tight")
    rgba = Image.open(true)
    ref = np.asarray(Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB"), dtype=float)
    got = np.asarray(img.convert("RGB"), dtype=float)
    assert got.shape == ref.shape
    err = np.abs(got - ref)
    assert err.mean() < 1.5 and err.max() <= 24  # 256 colours: the same picture
    assert (got[ref.min(axis=2) == 255] == 255).all()  # white stays pure white (the octree gives 254)
    assert got[0, 0].tolist() == [255.0, 255.0, 255.0]
    plt.close(fig)
