"""jdxlib.cards against independent recomputation from the raw datasets (real data via the mirror).

Everything is built once per session into the shared temporary JDX_DATA_DIR (``real_data``), so data/ is never touched.
"""
from __future__ import annotations

import pandas as pd
import pytest

from jdxlib import names


@pytest.fixture(scope="session")
def data(real_data):
    names._set_master()
    import jdxlib

    return {n: jdxlib.load(n) for n in ("mynumber_cards", "dx_status", "municipalities")}


@pytest.fixture(scope="session")
def C(data):
    from jdxlib import cards

    return cards


def test_national_curve_is_sum_of_municipal_rows(C, data):
    raw = data["mynumber_cards"]
    nc = C.national_curve()
    assert len(nc) == 46 and (nc["bodies"] == 1741).all()
    assert nc["date"].min() == pd.Timestamp("2017-03-08") and nc["date"].max() == pd.Timestamp("2022-12-31")
    sums = raw.groupby("date")[["population", "cards_issued"]].sum()
    assert (nc.set_index("date")["cards_issued"] == sums["cards_issued"]).all()
    assert (nc.set_index("date")["population"] == sums["population"]).all()
    last = nc.iloc[-1]
    assert last["rate"] == pytest.approx(int(sums["cards_issued"].iloc[-1]) / int(sums["population"].iloc[-1]) * 100)
    # the recomputed national rate agrees with every published 全国 rate (rounded to 0.1)
    assert (nc["published_rate"] - nc["rate"]).abs().max() <= 0.05 + 1e-9


def test_by_type_curves_use_the_nakagawa_rule(C, data):
    raw = data["mynumber_cards"]
    bt = C.by_type_curves()
    assert set(bt["category"].astype(str)) == {"全国", "特別区", "指定都市", "市", "町村"}
    # 那珂川市 (402311) is 町村 through 2020-03-01 and 市 from 2020-04-01
    munis = data["municipalities"].set_index("code")["type"].astype(str)
    towns = set(munis[munis.isin(["町", "村"])].index)
    for date, with_nakagawa in ((pd.Timestamp("2020-03-01"), True), (pd.Timestamp("2020-04-01"), False)):
        snap = raw[raw["date"] == date]
        members = towns | ({"402311"} if with_nakagawa else set())
        expected = int(snap[snap["code"].isin(members)]["cards_issued"].sum())
        got = bt[(bt["date"] == date) & (bt["category"] == "町村")]["cards_issued"].iloc[0]
        assert got == expected
    per_date = bt[bt["category"] != "全国"].groupby("date")["population"].sum()
    nat = bt[bt["category"] == "全国"].set_index("date")["population"]
    assert (per_date == nat).all()


def test_errata_are_the_three_published_errors(C):
    er = C.errata()
    assert sorted(er["date"].dt.strftime("%Y-%m-%d").unique()) == ["2020-03-01", "2021-01-01", "2021-02-01"]
    rate = er[er["field"] == "rate"]
    rate = rate.set_index(rate["date"].dt.strftime("%Y-%m-%d"))
    assert rate.loc["2021-01-01", "published"] == 24.2 and round(rate.loc["2021-01-01", "recomputed"], 1) == 20.7
    assert rate.loc["2021-02-01", "published"] == 25.2 and round(rate.loc["2021-02-01", "recomputed"], 1) == 21.4
    cards = er[er["field"] == "cards_issued"]
    assert set(cards["category"]) == {"市", "町村"} and set(cards["difference"].abs()) == {6588}
    assert all("那珂川市" in r for r in cards["reason_ja"])
    assert all("全国の交付率" in r for r in rate["reason_ja"])
    sec = C.errata_section()
    assert len(sec.table) == 4 and "出典：" in sec.caption


def test_body_curve_and_peer_band(C, data):
    raw = data["mynumber_cards"]
    bc = C.body_curve("知夫村")
    assert list(bc.columns) == ["date", "population", "cards_issued", "rate"] and len(bc) == 46
    mine = raw[raw["code"] == "325279"].sort_values("date")
    assert bc["cards_issued"].tolist() == mine["cards_issued"].tolist()
    assert (bc["rate"] - mine["rate"].to_numpy()).abs().max() <= 0.05 + 1e-9  # published rate is rounded
    assert C.body_curve("325279")["cards_issued"].tolist() == bc["cards_issued"].tolist()
    # <NA> codes upstream (三宅村, 八丈町) are present in every snapshot
    assert len(C.body_curve("133817")) == 46 and len(C.body_curve("134015")) == 46
    peers = ["322016", "322024", "322032", "322041"]
    band = C.peer_band(peers)
    assert list(band.columns) == ["date", "median", "q1", "q3", "n"] and (band["n"] == 4).all()
    last = raw[(raw["date"] == raw["date"].max()) & raw["code"].isin(peers)]
    rates = last["cards_issued"].astype(float) / last["population"].astype(float) * 100
    assert band.iloc[-1]["median"] == pytest.approx(rates.median())
    assert band.iloc[-1]["q1"] == pytest.approx(rates.quantile(0.25))


def test_holding_rate_2024(C, data):
    dx = data["dx_status"]
    row = dx[(dx["indicator_id"] == "mynumber_card_holding_rate") & (dx["code"] == "131121")]
    assert C.holding_rate_2024("131121") == float(row["value"].iloc[0])
    assert C.holding_rate_2024("世田谷区") == float(row["value"].iloc[0])
    assert not ((dx["indicator_id"] == "mynumber_card_holding_rate") & (dx["level"] == "prefecture")).any()
    assert "都道府県単位の保有率" in C.holding_caption() and "調査時点の記載なし" in C.holding_caption()


def test_unknown_codes_are_explained(C):
    with pytest.raises(ValueError, match="市区町村として解決できません"):
        C.body_curve("存在しない村")
    with pytest.raises(ValueError, match="伊達市"):
        C.holding_rate_2024("伊達市")
    with pytest.raises(ValueError, match="not municipal codes.*000000"):
        C.peer_band(["322016", "000000"])
    with pytest.raises(ValueError, match="no snapshot"):
        C.latest("2019-01-02")


def test_latest_and_prefecture_rates(C, data):
    raw = data["mynumber_cards"]
    lt = C.latest()
    assert len(lt) == 1741 and lt["date"].nunique() == 1
    pr = C.prefecture_rates()
    assert len(pr) == 47 and pr["bodies"].sum() == 1741
    last = raw[raw["date"] == raw["date"].max()]
    shimane = last[last["code"].str.startswith("32")]
    row = pr.set_index("prefecture").loc["島根県"]
    assert row["cards_issued"] == shimane["cards_issued"].sum()
    assert row["rate"] == pytest.approx(shimane["cards_issued"].sum() / shimane["population"].sum() * 100)
    summ = C.latest_summary("type", "rate").set_index("type")
    assert summ.loc["全国", "n"] == 1741 and summ.drop("全国")["n"].sum() == 1741
    s = C.latest_summary("population_band", "holding_rate")
    assert "人口公表なし" in set(s["population_band"])


@pytest.mark.slow  # renders whole report sections
def test_sections_state_their_sources(C):
    from jdxlib import viz

    viz.set_theme()
    ctx = names.validate_parameters(prefecture="東京都", highlight="世田谷区")
    nat = C.national_section(ctx.highlight)
    assert "2017-03-08〜2022-12-31" in nat.caption and "出典：総務省" in nat.caption
    assert len(nat.table) == 46
    text = C.narrate_national()
    assert "2020-03-01" in text and "57.1%" in text
    for sec in (C.band_section("type", ctx.highlight), C.distribution_section("type", ctx.highlight),
                C.prefecture_map_section(ctx.prefecture, ctx.highlight),
                C.holding_prefecture_map_section(ctx.prefecture, ctx.highlight),
                C.prefecture_municipalities_section(ctx.prefecture, ctx.highlight),
                C.municipal_map_section(ctx.prefecture, ctx.highlight, value="holding_rate")):
        assert "出典：" in sec.caption
    hs, htext = C.highlight_section(ctx.highlight)
    assert "世田谷区" in htext and len(hs.table) == 3
    sec, text = C.holding_section(ctx.highlight)
    assert "因果関係を示すものではない" in sec.caption and "公表されていません" in text


@pytest.mark.slow  # renders whole report sections
def test_reader_tables_and_labels(C):
    from jdxlib import viz

    viz.set_theme()
    ctx = names.validate_parameters(prefecture="東京都", highlight="世田谷区")
    # Japanese header for the group column (was the raw column name "type")
    band = C.band_section("type")
    assert band.table.columns[0] == "団体区分" and "type" not in band.table.columns
    # the 不明 population band is explained where it appears
    dist = C.distribution_section("population_band")
    assert "人口公表なし" in set(dist.table["人口規模"]) and "人口が公表されていない団体：双葉町" in dist.caption
    assert "人口公表なし" not in set(C.distribution_section("type").table["団体区分"])
    # the holding rate is labelled by its publication, never as a "2024" reference date
    sec, text = C.holding_section(ctx.highlight)
    assert "2024年7月公開" in sec.title and "2024年7月公開" in text and "2024年のダッシュボード" not in text
    hs, htext = C.highlight_section(ctx.highlight)
    assert "保有率（2024年7月公開）" in hs.table.columns and "2024年7月公開のダッシュボード" in htext
    # integers with thousands separators
    nat = C.national_section()
    assert nat.table["市区町村数"].iloc[-1] == "1,741" and "," in nat.table["人口"].iloc[-1]
    pm = C.prefecture_municipalities_section(ctx.prefecture, ctx.highlight).table.set_index("団体")
    assert "," in pm.loc["世田谷区", "人口（住基）"] and "," in pm.loc["世田谷区", "交付枚数"]
