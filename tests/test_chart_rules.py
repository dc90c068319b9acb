"""Chart rules checked on the report figures themselves, drawn from the real datasets.

Every prefecture × indicator heat map labels all 47 prefectures and marks the chosen one; no
tick label is cut with 「…」; no text is under 8 pt once the figure is printed on A4 (after
:func:`jdxlib.charts.fit_to_print`, which every report figure goes through in
:func:`jdxlib.sections.show_figure`) and no two texts are drawn over each other; trend lines do
not cross breaks or missing rounds.
"""
from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from jdxlib import analysis, charts, sections, themes, trends, viz
from jdxlib.names import validate_parameters

DX_THEMES = ["governance", "ai_rpa", "telework"]  # the themes with 実施/未実施 items per body


@pytest.fixture(scope="module")
def ctx(real_data):
    viz.set_theme()
    return validate_parameters(prefecture="東京都", highlight="檜原村")


def _printed(fig) -> list[str]:
    charts.fit_to_print(fig)
    problems = charts.print_problems(fig)
    plt.close(fig)
    return problems


@pytest.mark.parametrize("key", DX_THEMES)
def test_prefecture_heatmap_labels_all_47_and_marks_the_prefecture(ctx, key):
    items = analysis.status_items(themes.get(key)["per_body"]["dx_status"])
    fig = sections.prefecture_grid_section(items, ctx.prefecture, ctx.highlight).figure
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 47 and len(set(labels)) == 47 and labels[12] == "東京都"
    assert [t.get_text() for t in ax.get_yticklabels() if t.get_color() == charts.HIGHLIGHT] == ["東京都"]
    outlined = [p for p in ax.patches if isinstance(p, plt.Rectangle) and p.get_edgecolor()[:3] != (1, 1, 1)]
    assert any(p.get_y() == 12 for p in outlined)
    assert _printed(fig) == []


@pytest.mark.parametrize("key", DX_THEMES)
def test_theme_figures_print_at_8pt_without_cut_labels(ctx, key):
    items = analysis.status_items(themes.get(key)["per_body"]["dx_status"])
    headline = themes.get(key)["per_body"]["dx_status"][0]
    figures = {
        "type": sections.share_by_section(items, "type", ctx.highlight).figure,
        "band": sections.share_by_section(items, "population_band", ctx.highlight).figure,
        "ranking": sections.ranking_section(items, headline, ctx.prefecture, ctx.highlight).figure,
        "map": sections.prefecture_map_section(items, headline, ctx.prefecture, ctx.highlight).figure,
        "municipal map": sections.municipal_map_section(items, headline, ctx.prefecture, ctx.highlight).figure,
    }
    problems = {name: _printed(fig) for name, fig in figures.items()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_national_map_has_okinawa_inset_and_fitted_scale(ctx):
    items = analysis.status_items(["cio_appointed"])
    fig = sections.prefecture_map_section(items, "cio_appointed").figure
    ax = fig.axes[0]
    assert [a.get_title(loc="left") for a in ax.child_axes] == ["沖縄県"]
    rk = analysis.prefecture_ranking(items, "cio_appointed")
    norm = ax.collections[0].norm
    assert norm.vmin == pytest.approx(rk["share"].min() * 100) and norm.vmax == pytest.approx(rk["share"].max() * 100)
    plt.close(fig)


def test_municipal_map_names_the_highlighted_body(ctx):
    items = analysis.status_items(["cio_appointed"])
    fig = sections.municipal_map_section(items, "cio_appointed", ctx.prefecture, ctx.highlight).figure
    assert "檜原村" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)


def test_theme_municipal_map_names_the_extremes(ctx):
    """The card map of 東京都 names its lowest rate on the map and its highest (an island left
    outside the view) in the caption; recomputed from mynumber_cards."""
    import jdxlib
    from jdxlib import cards

    c = jdxlib.load("mynumber_cards")
    c = c[(c["date"] == c["date"].max()) & c["code"].astype(str).str.startswith("13")]
    names = jdxlib.load("municipalities").set_index("code")["name"]
    pct = (c["cards_issued"] / c["population"] * 100).round(1)
    low, high = names[c.loc[pct == pct.min(), "code"]].tolist(), names[c.loc[pct == pct.max(), "code"]].tolist()
    sec = cards.municipal_map_section(ctx.prefecture, ctx.highlight)
    texts = [t.get_text() for t in sec.figure.axes[0].texts]
    assert len(low) == len(high) == 1 and low[0] in texts and high[0] not in texts, (low, high, texts)
    assert f"最高（{pct.max():.1f}%）の{high[0]}（地図の範囲外）" in sec.caption
    assert f"最低（{pct.min():.1f}%）の{low[0]}。" in sec.caption
    plt.close(sec.figure)


def test_municipal_maps_of_tokyo_leave_far_islands_out_and_say_so(ctx):
    """小笠原 (27°N) must not shrink 東京都's municipalities to a dot (sections, cards, procedures)."""
    from jdxlib import cards, procedures

    items = analysis.status_items(["cio_appointed"])
    for sec in (sections.municipal_map_section(items, "cio_appointed", ctx.prefecture, ctx.highlight),
                cards.municipal_map_section(ctx.prefecture, ctx.highlight),
                procedures.municipal_map_section(ctx.prefecture, ctx.highlight)):
        assert sec.figure.axes[0].get_ylim()[0] > 34, sec.title
        assert "小笠原村" in sec.caption and "地図の範囲外" in sec.caption, sec.title
        plt.close(sec.figure)


def test_municipal_maps_keep_an_outlying_highlighted_body_in_view(real_data):
    """A highlighted island stays on the map, cropped down to it; the farther islands are named outside
    (one crop for theme maps and profiles, :func:`jdxlib.charts.crop_outlying`)."""
    from jdxlib import cards, procedures, profiles

    viz.set_theme()
    ctx = validate_parameters(prefecture="東京都", highlight="利島村")
    items = analysis.status_items(["cio_appointed"])
    for sec in (sections.municipal_map_section(items, "cio_appointed", ctx.prefecture, ctx.highlight),
                cards.municipal_map_section(ctx.prefecture, ctx.highlight),
                procedures.municipal_map_section(ctx.prefecture, ctx.highlight),
                profiles.map_section(profiles.municipality_profile("利島村"))):
        low, high = sec.figure.axes[0].get_ylim()
        assert 30 < low < 34.6 and high > 35.5, (sec.title, low)  # 利島 (34.5°N) in, 小笠原 (27°N) out
        outside = re.search(r"離島の\d+団体（([^）]*)）", sec.caption).group(1).split("、")
        assert "小笠原村" in outside and "利島村" not in outside, sec.caption
        plt.close(sec.figure)


def _all_trend_series():
    return sorted({s for k in themes.theme_keys(include_overview=True) for s in themes.get(k).get("trend_series", [])})


def _trend_params():
    # ict_bcp_formulated: its legend used to cover the 「母数の変化」 break label
    return _all_trend_series()


@pytest.mark.parametrize("series_id", _trend_params())
def test_trend_charts_print_at_8pt_and_split_at_breaks_and_gaps(real_data, series_id):
    viz.set_theme()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    trends.plot_trend(series_id, ax=ax)
    breaks = [pd.Timestamp(int(b.year), 4, 1) for b in trends.national.series_breaks(series_id).itertuples()]
    for line in ax.get_lines():
        if line.get_marker() != "o":
            continue
        xs = pd.to_datetime(line.get_xdata())
        for a, b in zip(xs[:-1], xs[1:]):
            assert b - a <= charts.MAX_GAP, (series_id, a, b)
            assert not any(a < c <= b for c in breaks), (series_id, a, b)
    assert _printed(fig) == []


@pytest.mark.parametrize("series_id, years", [("ict_bcp_formulated", (2013, 2020)),
                                               ("cio_assistant_appointed", (2016, 2021))])
def test_named_gaps_are_not_joined(real_data, series_id, years):
    viz.set_theme()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    trends.plot_trend(series_id, ax=ax)
    for line in ax.get_lines():
        if line.get_marker() == "o":
            got = list(pd.to_datetime(line.get_xdata()).year)
            assert not (years[0] in got and years[1] in got), got
    plt.close(fig)


def test_online_procedure_figures_print_at_8pt_and_never_cut_names(ctx):
    from jdxlib import procedures

    figures = {
        "overview": procedures.overview_section("municipality", ctx.highlight).figure,
        "prefecture overview": procedures.overview_section("prefecture", ctx.prefecture).figure,
        "coverage by type": procedures.coverage_distribution_section("type", ctx.highlight).figure,
        "prefecture map": procedures.prefecture_map_section(prefecture=ctx.prefecture, highlight=ctx.highlight).figure,
        "municipal map": procedures.municipal_map_section(ctx.prefecture, ctx.highlight).figure,
    }
    problems = {name: _printed(fig) for name, fig in figures.items()}
    assert {k: v for k, v in problems.items() if v} == {}


def test_prefecture_municipality_heatmaps_print_at_8pt_and_show_every_municipality(ctx):
    """東京都's 62 municipalities × procedures: split into figures that print at 8 pt, every
    municipality in exactly one figure of each procedure group, the highlighted one in red."""
    from matplotlib.collections import QuadMesh

    from jdxlib import procedures

    secs = procedures.prefecture_municipalities_sections(ctx.prefecture, ctx.highlight)
    table, figs = secs[0], secs[1:]
    assert table.figure is None and len(table.table) == 62
    by_group: dict[str, list[str]] = {}
    for sec in figs:
        fig = sec.figure
        grid = next(ax for ax in fig.axes if any(isinstance(c, QuadMesh) for c in ax.collections))
        rows = [t.get_text() for t in grid.get_yticklabels()]
        group = sec.title.split("：")[1].split("の申請率")[0]
        by_group.setdefault(group, []).extend(rows)
        assert charts.printed_scale(*charts.saved_size_in(fig)) == 1.0
        red = [t.get_text() for t in grid.get_yticklabels() if t.get_color() == charts.HIGHLIGHT]
        assert red == (["檜原村"] if "檜原村" in rows else []), sec.title
        assert _printed(fig) == [], sec.title
    assert set(by_group) == {"よく使う32手続", "子育て・介護26手続"}
    for rows in by_group.values():
        assert rows == list(table.table["団体"])
    assert len(figs) > 2  # 62 rows at 8 pt do not fit one printed page


@pytest.mark.parametrize("scope", ["national", "prefecture-scoped", "prefectures"])
def test_online_procedure_overviews_print_whole_at_8pt(ctx, scope):
    """The overview is laid out at the printed width: nothing cut at the edge (every text
    inside the image), printed unscaled, every procedure named, no text under 8 pt or over another."""
    from jdxlib import procedures

    sec = {"national": lambda: procedures.overview_section("municipality", ctx.highlight),
           "prefecture-scoped": lambda: procedures.prefecture_overview_section(ctx.prefecture, ctx.highlight),
           "prefectures": lambda: procedures.overview_section("prefecture")}[scope]()
    fig = sec.figure
    assert charts.has_fixed_layout(fig)
    assert charts.printed_scale(*charts.saved_size_in(fig)) == 1.0
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert names == list(sec.table["手続"])
    fig.canvas.draw()
    box = fig.bbox
    for t in charts._texts(fig):
        e = t.get_window_extent()
        assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1 and box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1, t.get_text()
    assert _printed(fig) == []


@pytest.mark.parametrize("by", ["type", "population_band"])
def test_procedure_by_group_heatmaps_print_at_8pt_with_every_number(ctx, by):
    """One figure per procedure group, laid out at the printed width: every name whole, titles
    apart, and (by type, the report's figure) every cell's number written at 8 pt or more."""
    from matplotlib.collections import QuadMesh

    from jdxlib import procedures

    secs = procedures.by_group_sections(by, ctx.highlight)
    assert [s.title.split("：")[1].split("の申請率")[0] for s in secs] == ["よく使う32手続", "子育て・介護26手続"]
    for sec in secs:
        fig = sec.figure
        grids = [ax for ax in fig.axes if any(isinstance(c, QuadMesh) for c in ax.collections)][:2]
        names = [t.get_text() for t in grids[0].get_yticklabels()]
        assert names == list(dict.fromkeys(sec.table["手続"])), sec.title
        cells = int(sum(m.get_array().count() for ax in grids for m in ax.collections if isinstance(m, QuadMesh)))
        written = [t for ax in grids for t in ax.texts if t.get_visible() and t.get_text()]
        if by == "type":
            assert len(written) == cells > 0, sec.title
        assert charts.printed_scale(*charts.saved_size_in(fig)) == 1.0
        assert _printed(fig) == [], sec.title
