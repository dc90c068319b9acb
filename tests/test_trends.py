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
    assert len(cost) and (cost["全団体を分母(%)"] == "—").all()
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


# ------------------------------------------------------------------- latest means latest (issue 12 §4)


def _points(df):
    """(series, level) → rows of the raw dataset, keyed independently of jdxlib.trends."""
    return df.assign(level=df["level"].astype(str), survey=df["survey"].astype(str))


def test_latest_rows_are_those_observed_in_their_surveys_latest_round():
    from jdxlib import themes

    report = themes.validate_overview_parameters()[0]
    nat = trends.national_themes_for(report)
    raw = _points(national.load_national_indicators())
    assert set(nat) == set(raw["theme"].astype(str))  # the overview covers every national theme
    raw = raw[raw["theme"].astype(str).isin(nat)]
    survey_last = raw[~raw["as_of_inferred"].fillna(False).astype(bool)].groupby("survey")["year"].max()
    last = raw.groupby(["series_id", "level"])["year"].max().reset_index()
    last["survey"] = last["series_id"].map(raw.drop_duplicates("series_id").set_index("series_id")["survey"])
    current = last[(last["year"] >= last["survey"].map(survey_last))
                   & ~last["survey"].isin(["security_quarterly", "bcp_adhoc_2008"])]
    past = last.drop(current.index)
    cur, old = trends.latest_rows(nat)
    got_cur = set(zip(cur["series_id"], cur["level"].astype(str)))
    got_old = set(zip(old["series_id"], old["level"].astype(str)))
    assert got_cur == set(zip(current["series_id"], current["level"]))
    assert got_old == set(zip(past["series_id"], past["level"]))
    assert len(got_cur) == 65 and len(got_old) == 70
    # nothing from 2004–2010 sits beside 2023 values; the past table says each series' last year
    assert cur["year"].min() >= 2017 and old["year"].min() == 2004
    latest = trends.latest_section(nat)
    assert len(latest.table) == len(cur) and isinstance(latest.table.index, __import__("pandas").RangeIndex)
    assert "最新回：" in latest.caption and "出典" in latest.caption
    disc = trends.discontinued_section(nat)
    assert disc.title == "最新回に値のない系列（最後の値：2004〜2023年）"
    assert len(disc.table) == len(got_old) and disc.table["最後の値の年"].iloc[0] == "2023年"


def test_online_procedures_latest_has_caption_and_volumes():
    secs = trends.national_sections(["online"])
    latest = secs[0]
    assert latest.title == "最新の全国値" and "出典" in latest.caption
    assert any("件数" in s or "オンライン利用" in s for s in latest.table["指標"])
    past = secs[1].table
    assert "2015年" in set(past["最後の値の年"])  # the 21-procedure and eLTAX usage rates end in FY2015


def test_overview_flags_all_twenty_points():
    from jdxlib import themes

    nat = trends.national_themes_for(themes.validate_overview_parameters()[0])
    raw = national.load_national_indicators()
    flagged = raw["check"].isin(["respondent_base_1733", "internally_inconsistent", "superseded_unknown"]) | raw[
        "published_count"].notna()
    points = raw[flagged][["series_id", "level", "year", "as_of"]].astype(str).drop_duplicates()
    assert len(points) == 20
    t = trends.flagged_section(nat).table
    assert len(t) == 20
    r5 = t[t["調査"] == "R5"].set_index("指標")
    assert r5.loc["CIO(情報化統括責任者)の任命", "件数"] == "1,270"
    assert r5.loc["DX推進のための全体方針の策定", "件数"] == "862"
    assert r5.loc["オンライン申請システムの導入", "件数"] == "1,079"


def test_one_headline_number_for_cio_r5():
    t = trends.latest_table(["governance"]).set_index(["指標", "区分"])
    cio = t.loc[("CIO(情報化統括責任者)の任命", "市区町村")]
    assert (cio["件数"], cio["回答団体"], cio["公表割合(%)"], cio["全団体を分母(%)"]) == ("1,270", "1,733", "73.3", "72.9")
    policy = t.loc[("DX推進のための全体方針の策定", "市区町村")]
    assert policy["公表割合(%)"] == "49.7"
    rows = trends.trend_rows("cio_appointed")
    r5 = rows[(rows["level"] == "municipality") & (rows["year"] == 2023)].iloc[0]
    assert r5["value"] == 73.3  # the chart shows the published figure, not 72.9


def test_dashboard_difference_is_explained_once():
    sec = trends.dashboard_comparison_section(["ai_rpa"])
    t = sec.table.set_index("指標")
    ai = t.loc[[i for i in t.index if i.startswith("AI")][0]]
    assert ai["全国値"] == "791／1,741団体（45.4%）" and ai["ダッシュボード（2024-07-12公開）"] == "879／1,741団体（50.5%）"
    assert sec.caption.count("件数が違います") == 1 and "調査時点の記載がありません" in sec.caption
    same = trends.dashboard_comparison_section(["governance"])
    assert (same.table["件数"] == "一致").all() and "一致します" in same.caption


def test_reports_show_national_tables_as_captioned_sections():
    import json

    from conftest import PROJECT_ROOT

    for path in sorted((PROJECT_ROOT / "notebooks").glob("0[0-9]_*.ipynb")):
        code = "".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
                       if c["cell_type"] == "code")
        assert "trends.latest_table(" not in code, path.name  # a bare table: no caption, 0…N index
        if "national_themes" in code and path.name != "09_mynumber_card.ipynb":
            assert "trends.national_sections(" in code, path.name
    overview = (PROJECT_ROOT / "notebooks" / "00_overview.ipynb").read_text(encoding="utf-8")
    assert "national_themes_for(themes)" in overview
