"""Charts draw what they are given (synthetic, clearly fake values) with Japanese labels."""
import io
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
