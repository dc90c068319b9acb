"""The cleaned municipal datasets built from the real upstream files (via the mirror).

Skipped only when no directory mirror is configured (CI always has one).  Everything is built
once per session into a temporary JDX_DATA_DIR, so the developer's data/ is never touched.
"""
from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest
import shapely

import jdxlib
from jdxlib import _build, municipal
from jdxlib._build import codes

pytestmark = pytest.mark.mirror

DATASETS = ["municipalities", "prefectures", "dx_status", "online_procedures", "mynumber_cards", "boundaries"]


@pytest.fixture(scope="session")
def built(real_data):
    return real_data


@pytest.fixture(scope="session")
def munis(built):
    return municipal.load_municipalities()


@pytest.fixture(scope="session")
def dx(built):
    return municipal.load_dx_status()


def test_municipalities(munis):
    assert len(munis) == 1741
    assert munis["code"].is_unique and munis["code"].is_monotonic_increasing
    assert all(codes.is_valid_code(c) for c in munis["code"])
    assert (munis["code"].str[:5] == munis["code5"]).all()
    assert munis["type"].cat.ordered
    assert list(munis["type"].cat.categories) == ["指定都市", "中核市", "市", "特別区", "町", "村"]
    counts = munis["type"].value_counts()
    assert counts.to_dict() == {"指定都市": 20, "中核市": 62, "市": 710, "特別区": 23, "町": 743, "村": 183}
    assert munis["former_special_city"].sum() == 23
    row = munis.set_index("code").loc["011002"]
    assert (row["name"], row["kana"], row["prefecture"], row["type"]) == ("札幌市", "さっぽろし", "北海道", "指定都市")
    assert munis.set_index("code").loc["394050", "name"] == "梼原町"
    assert munis["population_2020"].dtype == "Int64"
    assert munis.loc[munis["population_2020"].isna(), "name"].tolist() == ["双葉町"]
    assert int(munis["population_2020"].sum()) == 126_226_568
    assert munis[["lat", "lng"]].notna().all().all() and munis["website"].str.startswith("http").all()
    assert munis.set_index("code").loc["094111", "district"] == "那須郡"


def test_prefectures(built):
    prefs = municipal.load_prefectures()
    assert len(prefs) == 47 and prefs["code"].is_unique
    assert all(codes.is_valid_code(c) for c in prefs["code"])
    assert prefs.iloc[0][["code", "prefecture_code", "name", "iso", "name_en"]].tolist() == [
        "010006", "01", "北海道", "JP-01", "Hokkaido"]
    assert int(prefs["population_2020"].sum()) == 126_226_568


def test_dx_status_dashboard_counts(dx):
    m = dx[dx["level"] == "municipality"]
    assert m["code"].nunique() == 1741 and dx.loc[dx["level"] == "prefecture", "code"].nunique() == 47

    def counts(ind):
        return m.loc[m["indicator_id"] == ind, "status"].value_counts().to_dict()

    assert counts("cio_appointed") == {"実施": 1270, "未実施": 463, "調査無し": 8}
    assert counts("dx_policy_formulated")["実施"] == 862
    assert counts("telework_introduced")["実施"] == 1055
    assert counts("ai_introduced")["実施"] == 879
    assert counts("rpa_introduced")["実施"] == 720
    assert list(dx["status"].cat.categories) == ["実施", "未実施", "調査無し"]
    r32 = m[m["indicator_id"] == "frequent_32_online_rate"].set_index("code")
    assert r32["value"].isna().sum() == 2 and set(r32.index[r32["value"].isna()]) == {"104264", "294462"}
    assert (dx.loc[dx["indicator_id"] == "cio_appointed", "reference_date"] == pd.Timestamp("2023-04-01")).all()
    assert dx.loc[dx["indicator_id"] == "telework_introduced", "reference_date"].isna().all()
    assert set(dx["indicator_id"]) == {
        "cio_appointed", "cio_assistant_appointed", "dx_policy_formulated", "org_wide_structure",
        "external_talent", "staff_development", "all_staff_training", "ai_introduced",
        "rpa_introduced", "telework_introduced", "mynumber_card_holding_rate",
        "childcare_26_online_rate", "frequent_32_online_rate", "frequent_32_denominator",
        "frequent_32_numerator"}
    assert not dx.duplicated(["code", "indicator_id"]).any()


def test_online_procedures(built, munis):
    op = municipal.load_online_procedures()
    assert op["online_rate"].notna().all() and op["online_rate"].between(0, 100).all()
    assert set(op.loc[op["level"] == "municipality", "code"]) <= set(munis["code"])
    assert not op.duplicated(["code", "procedure_id"]).any()
    m = op[op["level"] == "municipality"]
    assert m["procedure"].nunique() <= 52 and op.loc[op["level"] == "prefecture", "procedure"].nunique() <= 30
    assert (m["online_rate"] == 0).any()   # "0%" kept as a real zero
    # 札幌市's library reservations (first cell of the export)
    assert m.set_index(["code", "procedure_id"]).loc[("011002", "library_reservation"), "online_rate"] == 88.8


def test_mynumber_cards(built, munis):
    mc = municipal.load_mynumber_cards()
    assert mc["date"].nunique() == 46
    assert mc["date"].min() == pd.Timestamp("2017-03-08") and mc["date"].max() == pd.Timestamp("2022-12-31")
    assert (mc.groupby("date")["code"].nunique() == 1741).all()
    assert set(mc["code"]) == set(munis["code"])
    assert not mc.duplicated(["code", "date"]).any()
    assert (mc.loc[mc["code"] == "402311", "date"].nunique()) == 46   # 那珂川市 throughout
    # 三宅村 / 八丈町 recovered where the upstream code is <NA>
    late = mc[mc["date"] >= "2021-08-01"]
    assert {"133817", "134015"} <= set(late["code"])


def test_mynumber_summary_check_every_snapshot(built):
    chk = municipal.summary_check(progress=False)
    assert chk["date"].nunique() == 46
    assert (chk["status"] != "mismatch").all(), chk[chk["status"] == "mismatch"]
    assert (chk["status"] != "erratum_not_reproduced").all()
    errata = chk[chk["status"] == "erratum"]
    assert set(errata["erratum"]) == {"mynumber-2020-03-01-nakagawa-cards",
                                      "mynumber-2021-01-01-townvillage-rate",
                                      "mynumber-2021-02-01-townvillage-rate"}
    r = errata.set_index(["date", "category", "field"])
    assert r.loc[(pd.Timestamp("2021-01-01"), "町村", "rate"), "published"] == 24.2
    assert round(r.loc[(pd.Timestamp("2021-01-01"), "町村", "rate"), "computed"], 1) == 20.7
    ok = chk[chk["status"] == "ok"]
    assert (ok.loc[ok["field"] != "rate", "difference"] == 0).all()


def test_boundaries(built, munis):
    gm = municipal.load_boundaries()
    assert gm.__class__.__name__ == "GeoDataFrame" and gm.crs.to_epsg() == 4326
    assert list(gm["code"]) == list(munis["code"])
    assert gm.geometry.notna().all() and not gm.geometry.is_empty.any()
    assert (shapely.area(gm.geometry.values) > 0).all()
    gp = municipal.load_boundaries(level="prefecture")
    assert len(gp) == 47 and gp["code"].is_unique and gp.geometry.notna().all()
    assert list(gp.columns) == list(gm.columns)
    with pytest.raises(ValueError, match="level must be one of 'prefecture', 'municipality'"):
        municipal.load_boundaries("ward")


# The bodies the more simplified s0001 file could not draw (SOURCES.md §6), by code.
VANISHED_IN_S0001 = {"13362": "利島村", "13402": "青ヶ島村", "26208": "向日市", "23424": "大治町",
                     "30422": "太地町", "31384": "日吉津村", "38356": "上島町", "44322": "姫島村",
                     "47354": "座間味村", "47355": "粟国村", "47356": "渡名喜村"}


def test_every_municipality_has_a_polygon_close_to_the_source(built, munis, mirror):
    """All 1,741 are drawn (incl. the 11 small islands), and simplification keeps each shape."""
    import geopandas as gpd


    from jdxlib import sources

    gm = municipal.load_boundaries().set_index("code")
    named = munis.set_index("code5").loc[list(VANISHED_IN_S0001)]
    assert dict(zip(named.index, named["name"])) == VANISHED_IN_S0001
    for code in named["code"]:
        geom = gm.loc[code, "geometry"]
        assert geom is not None and not geom.is_empty and geom.area > 0, code
    # independent reading of the source: union of the features of each code
    raw = gpd.read_file(sources.get("boundaries_municipality_topojson_s0010").cache_path)
    raw = raw[raw["N03_007"].notna()].set_crs("EPSG:6668").to_crs("EPSG:4326")
    # areas in square degrees: only their ratio for the same body is used
    area = pd.Series(shapely.area(raw.geometry.values), index=raw.index).groupby(raw["N03_007"].str.zfill(5)).sum()
    ours = pd.Series(shapely.area(gm.geometry.values), index=gm.index.str[:5])
    ratio = ours / area.reindex(ours.index)
    assert ratio.notna().all()
    assert ratio.between(0.85, 1.15).all(), ratio[~ratio.between(0.85, 1.15)]
    assert gm.geometry.is_valid.all()


@pytest.mark.parametrize("name", DATASETS)
def test_metadata_columns_equal_dataframe_columns(built, name):
    df = jdxlib.load(name)
    assert list(jdxlib.describe(name).columns) == list(df.columns)
    if name == "boundaries":
        gp = municipal.load_boundaries(level="prefecture")
        assert list(jdxlib.describe(name).columns) == list(gp.columns)


def test_load_returns_copies(built):
    a = municipal.load_municipalities()
    a.loc[0, "name"] = "架空市"
    assert municipal.load_municipalities().loc[0, "name"] == "札幌市"


def test_rebuild_is_byte_stable(built):
    def digests():
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((built / "clean").glob("*.parquet"))}

    before = digests()
    assert len(before) == 10  # 7 municipal tables, procedure_catalog, opendata_survey, opendata_questions
    _build.build_all(force=True, progress=False)
    assert digests() == before


def test_checksum_mismatch_leaves_clean_unchanged(built, monkeypatch):
    from jdxlib import sources

    clean = {p.name: p.read_bytes() for p in (built / "clean").glob("*.parquet")}
    reg = dict(sources.registry())
    src = reg["dashboard_municipal_status"]
    src.cache_path.unlink()  # force a fresh copy from the mirror
    reg[src.id] = type(src)(**{**src.__dict__, "sha256": "c" * 64})
    monkeypatch.setattr(sources, "registry", lambda: reg)
    with pytest.raises(sources.ChecksumError, match="c{64}"):
        _build.build(["dx_status", "municipalities"], force=True, progress=False)
    assert {p.name: p.read_bytes() for p in (built / "clean").glob("*.parquet")} == clean
    assert not src.cache_path.exists()
    monkeypatch.undo()
    sources.fetch(src.id)  # restore the cache for later tests
    assert os.environ["JDX_DATA_DIR"] == str(built)
