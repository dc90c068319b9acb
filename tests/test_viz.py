import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import seaborn as sns

from jdxlib import viz


def _render(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_japanese_labels_render_without_missing_glyphs():
    viz.set_theme()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing")
        fig, ax = plt.subplots()
        sns.barplot(x=["指定都市", "中核市", "町村"], y=[1, -2, 3], ax=ax)
        ax.set_title("CIOの任命（市区町村）－２０２３年")
        ax.set_ylabel("割合（％）")
        viz.add_credit(fig, "出典：総務省「地方公共団体における行政情報化の推進状況調査」を加工して作成")
        png = _render(fig)
    assert png.startswith(b"\x89PNG")


def test_theme_keeps_the_japanese_font_after_seaborn_reset():
    viz.set_theme()
    assert matplotlib.rcParams["font.family"][0] == viz.FONT_NAME
    assert matplotlib.rcParams["font.sans-serif"][0] == viz.FONT_NAME
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_without_theme_glyphs_are_missing():
    """Guard: the glyph check above can fail (DejaVu has no kana)."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("市区町村")
        with pytest.warns(UserWarning, match="Glyph .* missing"):
            _render(fig)


def test_font_file_is_bundled():
    path = viz.font_path()
    assert path.suffix == ".ttf" and path.stat().st_size > 1_000_000


def test_set_theme_keeps_table_cells_whole():
    import pandas as pd

    from jdxlib import viz

    viz.set_theme()
    html = pd.DataFrame({"出典": ["あ" * 80]}).to_html()
    assert "あ" * 80 in html and "..." not in html
