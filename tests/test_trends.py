"""National trend tables and charts say what the committed figures say, with the right credit."""
import matplotlib

matplotlib.use("Agg")
import pytest

from jdxlib import national, trends, viz


@pytest.fixture(autouse=True)
def _theme():
    viz.set_theme()


def test_amounts_are_not_turned_into_percentages():
    t = trends.latest_table(["expenditure"])
    cost = t[t["指標"].str.contains("情報システム経費")]
    assert len(cost) and (cost["再計算(%)"] == "—").all()
    assert cost["件数"].str.contains("億円|円/人").all()


def test_credit_names_the_separate_survey():
    rows = trends.trend_rows("ai_introduced_airpa_survey")
    cap = trends.caption(rows)
    assert "AI・RPA" in cap.split("出典：")[1]
    assert "行政情報化の推進状況調査" not in cap.split("出典：")[1]
    assert cap.endswith("を加工して作成")


def test_flagged_reasons_are_computed_in_japanese():
    t = trends.flagged_table().set_index(["指標", "区分", "調査"])
    cio = t.loc[("CIO(情報化統括責任者)の任命", "市区町村", "R4"), "理由"]
    assert cio == "総務省が2024-04-26に修正（公表値1,279→1,222）。"
    ciso = t.loc[("CISO(最高情報セキュリティ責任者)の任命", "市区町村", "R5"), "理由"]
    assert "件数1,733は全1,741団体の99.5%" in ciso and "93.5%" in ciso
    r3 = t.loc[("CIO(情報化統括責任者)の任命", "市区町村", "R3"), "理由"]
    assert "修正後の値は不明" in r3


def test_conflicting_published_rate_is_drawn():
    ax = trends.plot_trend("ciso_appointed")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "件数と矛盾する公表割合" in labels
    published = national.series_table("ciso_appointed", level="municipality")
    pct = published.loc[published["check"] == "internally_inconsistent", "percent"].iloc[0]
    offsets = [tuple(o) for c in ax.collections for o in c.get_offsets()]
    assert any(abs(y - pct) < 1e-9 for _, y in offsets)


def test_unknown_reference_date_reads_kisai_nashi():
    t = trends.latest_table(["expenditure"])
    assert "記載なし" in set(t["調査時点"]) and "NaN" not in t.to_string()
