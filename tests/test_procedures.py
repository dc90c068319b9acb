"""jdxlib.procedures against independent recomputation from the raw datasets (real data via the mirror).

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

    return {n: jdxlib.load(n) for n in ("online_procedures", "dx_status", "municipalities", "prefectures")}


@pytest.fixture(scope="session")
def P(data):
    from jdxlib import procedures

    return procedures


def test_catalog_has_every_procedure_of_the_export(P, data):
    muni, pref = P.procedure_catalog("municipality"), P.procedure_catalog("prefecture")
    assert len(muni) == 52 and len(pref) == 30
    assert muni["procedure_group"].astype(str).value_counts().to_dict() == {"よく使う32手続": 26, "子育て・介護26手続": 26}
    assert (pref["procedure_group"].astype(str) == "都道府県手続").all()
    op = data["online_procedures"]
    # every procedure with a row is in the catalogue, and the catalogue adds those without rows
    for level, cat in (("municipality", muni), ("prefecture", pref)):
        assert set(op.loc[op["level"] == level, "procedure_id"]) <= set(cat["procedure_id"])
    assert muni["procedure_id"].is_unique and pref["procedure_id"].is_unique
    with pytest.raises(ValueError, match="level"):
        P.procedure_catalog("ward")


def test_catalog_is_the_built_table_of_the_export_rows(P):
    # the catalogue is built with online_procedures (data layer); recomputed here from the raw rows
    import csv

    from jdxlib import sources
    from jdxlib.municipal import load_procedure_catalog

    built = load_procedure_catalog()
    for level, sid in (("municipality", "dashboard_municipal_online"), ("prefecture", "dashboard_prefecture_online")):
        with open(sources.fetch(sid), encoding="utf-8-sig", newline="") as fh:
            labels = [r[1].strip() for r in list(csv.reader(fh))[1:] if any(c.strip() for c in r)]
        got = built.loc[built["level"] == level].sort_values("order")
        assert got["procedure"].tolist() == labels
        assert got["procedure"].tolist() == P.procedure_catalog(level)["procedure"].tolist()


def test_overview_counts_equal_rows(P, data):
    op = data["online_procedures"]
    m = op[op["level"] == "municipality"]
    ov = P.procedure_overview("municipality").set_index("procedure_id")
    direct = m.groupby("procedure_id").size()
    assert (ov.loc[direct.index, "offering"] == direct).all()
    assert (ov.drop(direct.index)["offering"] == 0).all()
    assert (ov["total"] == 1741).all()
    assert ov.loc["local_tax_eltax", "offering"] == 1455
    assert ov.loc["local_tax_eltax", "share"] == pytest.approx(1455 / 1741)
    rates = m.loc[m["procedure_id"] == "library_reservation", "online_rate"]
    assert ov.loc["library_reservation", "median"] == pytest.approx(rates.median())
    assert ov.loc["library_reservation", "q1"] == pytest.approx(rates.quantile(0.25))
    assert ov.loc["library_reservation", "zero"] == int((rates == 0).sum())
    assert not {"ci_low", "ci_high"} & set(ov.columns)  # every body counted: no interval
    # sorted by offering, descending
    assert P.procedure_overview()["offering"].is_monotonic_decreasing
    pref = P.procedure_overview("prefecture").set_index("procedure_id")
    assert (pref["total"] == 47).all() and pref.loc["local_tax_eltax", "offering"] == 47


def test_overview_by_type_sums_to_national(P):
    by = P.overview_by("type")
    nat = P.procedure_overview().set_index("procedure_id")
    sums = by.groupby("procedure_id")[["offering", "total"]].sum()
    assert (sums["offering"] == nat.loc[sums.index, "offering"]).all()
    assert (sums["total"] == 1741).all()
    sizes = by.drop_duplicates("type").set_index("type")["total"].to_dict()
    assert sizes == {"指定都市": 20, "中核市": 62, "市": 710, "特別区": 23, "町": 743, "村": 183}
    band = P.overview_by("population_band")
    assert band.drop_duplicates("population_band")["total"].sum() == 1741
    assert "人口公表なし" in set(band["population_band"].astype(str))  # 双葉町 has no 2020 population


def test_body_procedures(P, data):
    op = data["online_procedures"]
    bp = P.body_procedures("131121")  # 世田谷区
    assert len(bp) == 52 and list(bp.columns) == ["procedure_id", "procedure", "procedure_group", "offered", "online_rate",
                                           "state"]
    mine = op[op["code"] == "131121"].set_index("procedure_id")["online_rate"]
    assert (bp["state"] == bp["offered"].map({True: "published", False: "not_published"})).all()
    assert set(bp.loc[bp["offered"], "procedure_id"]) == set(mine.index)
    got = bp.set_index("procedure_id")["online_rate"].dropna()
    pd.testing.assert_series_equal(got.sort_index(), mine.sort_index(), check_names=False)
    assert bp.loc[~bp["offered"], "online_rate"].isna().all()
    # names, and prefectures (30 procedures)
    assert P.body_procedures("世田谷区")["offered"].sum() == len(mine)
    assert len(P.body_procedures("島根県")) == 30
    # a body without any published rate: every row is "no data for this body", never "not offered"
    none = P.body_procedures("012335")  # 北海道伊達市
    assert not none["offered"].any() and set(none["state"]) == {"no_body_data"}
    assert P.peer_procedure_gaps("012335", ["012050", "012131"]).empty


def test_unknown_bodies_are_explained(P):
    with pytest.raises(ValueError, match="見つかりません|unknown body"):
        P.body_procedures("存在しない村")
    with pytest.raises(ValueError, match="伊達市"):
        P.body_procedures("伊達市")  # ambiguous: 北海道 and 福島県
    with pytest.raises(ValueError, match="not 市区町村 codes.*999999"):
        P.rate_vs_peers("131121", ["131016", "999999"])
    with pytest.raises(ValueError, match="min_share"):
        P.peer_procedure_gaps("131121", ["131016"], min_share=50)


def test_peer_procedure_gaps_recomputed(P, data):
    op = data["online_procedures"]
    code, peers = "325252", ["322016", "322024", "322032", "322041", "325252"]  # 海士町 and itself in the list
    gaps = P.peer_procedure_gaps(code, peers, min_share=0.5)
    others = [p for p in peers if p != code]
    mine = set(op.loc[op["code"] == code, "procedure_id"])
    counts = op[op["code"].isin(others)].groupby("procedure_id")["code"].nunique()
    expected = {p for p, k in counts.items() if p not in mine and k / len(others) >= 0.5}
    assert set(gaps["procedure_id"]) == expected
    assert (gaps["peers_n"] == 4).all()
    assert (gaps["peers_offering"] == gaps["procedure_id"].map(counts)).all()
    assert gaps["share"].is_monotonic_decreasing
    assert P.peer_procedure_gaps(code, [], 0.5).empty


def test_rate_vs_peers_recomputed(P, data):
    op = data["online_procedures"]
    peers = ["131016", "131024", "131032", "131041"]
    r = P.rate_vs_peers("131121", peers).set_index("procedure_id")
    assert len(r) == 52
    sub = op[op["code"].isin(peers) & (op["procedure_id"] == "library_reservation")]["online_rate"]
    assert r.loc["library_reservation", "median"] == pytest.approx(sub.median())
    assert r.loc["library_reservation", "q3"] == pytest.approx(sub.quantile(0.75))
    assert r.loc["library_reservation", "n"] == len(sub)
    assert (r["peers_n"] == 4).all()
    own = op[(op["code"] == "131121")].set_index("procedure_id")["online_rate"]
    assert r.loc[own.index, "rate"].tolist() == own.tolist()


def test_coverage_matches_dx_status(P, data):
    dx = data["dx_status"]
    cov = P.coverage().set_index("code")
    assert len(cov) == 1741
    f = dx[(dx["indicator_id"] == "frequent_32_online_rate") & (dx["level"] == "municipality")].set_index("code")
    assert cov["frequent_32_numerator"].astype(int).equals(f.loc[cov.index, "numerator"].astype(int))
    assert cov["frequent_32_online_rate"].isna().sum() == 2  # 草津町 and 天川村: 0 of 0
    assert cov.loc[["104264", "294462"], "frequent_32_online_rate"].isna().all()
    op = data["online_procedures"]
    per_body = op[op["level"] == "municipality"].groupby("code").size()
    assert (cov["offered"] == cov.index.map(per_body).fillna(0)).all()
    summ = P.coverage_summary("type")
    nat = summ[(summ["indicator_id"] == "frequent_32_online_rate") & (summ["type"] == "全国")].iloc[0]
    assert nat["n"] == 1739 and nat["median"] == pytest.approx(f["value"].median())
    pc = P.prefecture_coverage()
    assert len(pc) == 47 and pc["n"].sum() == 1739
    tokyo = pc.set_index("prefecture").loc["東京都"]
    direct = cov[cov["prefecture"] == "東京都"]["frequent_32_online_rate"]
    assert tokyo["median"] == pytest.approx(direct.median())
    own = dx[(dx["level"] == "prefecture") & (dx["indicator_id"] == "frequent_32_online_rate")
             & (dx["code"] == "130001")]["value"].iloc[0]
    assert tokyo["own"] == own
    assert len(P.prefecture_municipalities("島根県")) == 19


@pytest.mark.slow  # renders whole report sections
def test_narration_and_sections(P):
    from jdxlib import viz

    viz.set_theme()
    text = P.narrate_overview()
    assert "1,455団体" in text and "1,741" in text
    ctx = names.validate_parameters(prefecture="島根県", highlight="海士町")
    sec = P.overview_section("municipality", ctx.highlight)
    assert sec.figure is not None and "調査時点の記載なし" in sec.caption and "出典：" in sec.caption
    assert len(sec.table) == 52
    for s in (*P.by_group_sections("type", ctx.highlight), P.coverage_distribution_section("population_band", ctx.highlight),
              P.prefecture_map_section(prefecture=ctx.prefecture, highlight=ctx.highlight),
              *P.prefecture_municipalities_sections(ctx.prefecture, ctx.highlight),
              P.municipal_map_section(ctx.prefecture, ctx.highlight)):
        assert "調査時点の記載なし" in s.caption and "デジタル庁" in s.caption
    hs, htext = P.highlight_section(ctx.highlight)
    assert "海士町" in htext and hs.table is not None
    pm = P.prefecture_municipalities_sections(ctx.prefecture, ctx.highlight)[0].table
    assert len(pm) == 19 and pm["注目"].tolist().count("◀") == 1


def test_reader_tables_format_and_explain(P):
    from jdxlib import viz

    viz.set_theme()
    ov = P.overview_section("municipality").table
    assert ov["全団体"].iloc[0] == "1,741"
    sec = P.coverage_distribution_section("population_band")
    assert "人口公表なし" in set(sec.table["人口規模"]) and "人口が公表されていない団体：双葉町" in sec.caption
    assert "人口公表なし" not in P.coverage_distribution_section("type").caption
    pm = P.prefecture_municipalities_sections(names.resolve_prefecture("島根県"))[0].table.set_index("団体")
    assert pm.loc["松江市", "人口（2020）"] == "203,779"
    # procedure names are quoted in narration: 「犬の登録申請、死亡届」 is one procedure
    assert "「犬の登録申請、死亡届」" in P.narrate_overview("prefecture")
