"""jdxlib.analysis: per-body shares, rankings, summaries (synthetic first, then real data)."""
from __future__ import annotations

import pandas as pd
import pytest

from jdxlib import analysis as A
from jdxlib import names as N

STATUS = ["実施", "未実施", "調査無し"]
TYPES = ["指定都市", "中核市", "市", "特別区", "町", "村"]


def _code(code5: str) -> str:
    return code5 + N.check_digit(code5)


def _fake():
    """Fictional master (甲県 91, 乙県 92) and a fictional dx_status."""
    rows = [
        ("91201", "甲一市", "91", "甲県", "市", 60_000),
        ("91202", "甲二市", "91", "甲県", "市", 40_000),
        ("91301", "甲三町", "91", "甲県", "町", 8_000),
        ("91302", "甲四村", "91", "甲県", "村", None),
        ("92201", "乙一市", "92", "乙県", "市", 120_000),
        ("92301", "乙二町", "92", "乙県", "町", 3_000),
    ]
    munis = pd.DataFrame(
        [dict(code=_code(c), code5=c, name=n, prefecture_code=pc, prefecture=p, type=t,
              population_2020=pop) for c, n, pc, p, t, pop in rows]
    )
    munis["type"] = pd.Categorical(munis["type"], TYPES, ordered=True)
    munis["population_2020"] = munis["population_2020"].astype("Int64")
    prefs = pd.DataFrame({"code": [_code("91000"), _code("92000")], "prefecture_code": ["91", "92"],
                          "name": ["甲県", "乙県"], "population_2020": pd.array([1, 2], "Int64")})
    flag = ["実施", "未実施", "実施", "調査無し", "実施", "実施"]
    other = ["未実施", "未実施", "実施", "実施", "実施", "未実施"]
    rate = [50.0, None, 20.0, 10.0, 80.0, 30.0]
    recs = []
    for i, code in enumerate(munis["code"]):
        recs.append(dict(code=code, level="municipality", area="X", indicator="項目A",
                         indicator_id="item_a", status=flag[i], value=None))
        recs.append(dict(code=code, level="municipality", area="X", indicator="項目B",
                         indicator_id="item_b", status=other[i], value=None))
        recs.append(dict(code=code, level="municipality", area="X", indicator="率C",
                         indicator_id="rate_c", status=None, value=rate[i]))
    dx = pd.DataFrame(recs)
    dx["status"] = pd.Categorical(dx["status"], STATUS, ordered=True)
    return munis, prefs, dx


@pytest.fixture
def fake():
    munis, prefs, dx = _fake()
    N._set_master(munis, prefs)
    yield munis, prefs, dx
    N._set_master()


def test_status_items_joins_and_orders(fake):
    munis, _, dx = fake
    items = A.status_items(["item_b", "item_a"], dx_status=dx, municipalities=munis)
    assert len(items) == 12
    assert list(items["indicator_id"].cat.categories) == ["item_b", "item_a"]
    assert items["indicator_id"].astype(str).iloc[0] == "item_b"
    for col in ("type", "prefecture", "population_band", "status", "indicator"):
        assert col in items.columns
    with pytest.raises(ValueError, match="did you mean 'item_a'"):
        A.status_items(["itema", "item_b"], dx_status=dx, municipalities=munis)


def test_share_by_type_counts_and_total(fake):
    munis, _, dx = fake
    items = A.status_items(["item_a"], dx_status=dx, municipalities=munis)
    out = A.share_by(items, "type", total=True).set_index("type")
    assert list(out.index) == TYPES + ["全国"]  # every type, even empty ones
    city = out.loc["市"]
    assert (city.yes, city.no, city.not_surveyed, city.n, city.total) == (2, 1, 0, 3, 3)
    assert city.share == pytest.approx(2 / 3)
    assert city.one_body_pp == pytest.approx(100 / 3) and "ci_low" not in out.columns
    village = out.loc["村"]
    assert (village.yes, village.n, village.not_surveyed, village.total) == (0, 0, 1, 1)
    assert pd.isna(village.share)
    nat = out.loc["全国"]
    assert (nat.yes, nat.n, nat.not_surveyed, nat.total) == (4, 5, 1, 6)
    assert nat.share == pytest.approx(0.8) and nat.share_of_all == pytest.approx(4 / 6)
    assert out.loc["指定都市", "total"] == 0


def test_share_by_band_names_the_unknown_group(fake):
    munis, _, dx = fake
    items = A.status_items(["item_a"], dx_status=dx, municipalities=munis)
    out = A.share_by(items, "population_band")
    assert "人口公表なし" in set(out["population_band"].astype(str))
    assert out["total"].sum() == 6


def test_share_by_rejects_percentage_items(fake):
    munis, _, dx = fake
    items = A.status_items(["rate_c"], dx_status=dx, municipalities=munis)
    with pytest.raises(ValueError, match="percent_summary"):
        A.share_by(items, "type")


def test_prefecture_ranking_ties_and_counts(fake):
    munis, _, dx = fake
    items = A.status_items(["item_a", "item_b"], dx_status=dx, municipalities=munis)
    r = A.prefecture_ranking(items, "item_a").set_index("prefecture")
    # 甲県: 2 of 3 respondents (1 調査無し); 乙県: 2 of 2
    assert (r.loc["乙県", "rank"], r.loc["甲県", "rank"]) == (1, 2)
    assert (r.loc["甲県", "yes"], r.loc["甲県", "n"], r.loc["甲県", "not_surveyed"]) == (2, 3, 1)
    r = A.prefecture_ranking(items, "item_b")
    # item_b: 甲県 2 of 4 = 0.5, 乙県 1 of 2 = 0.5 -> tie for first
    assert r["rank"].tolist() == [1, 1] and r["tied"].tolist() == [2, 2]
    assert r["prefecture_code"].tolist() == ["91", "92"]


def test_percent_summary(fake):
    munis, _, dx = fake
    items = A.status_items(["rate_c"], dx_status=dx, municipalities=munis)
    out = A.percent_summary(items, "value", "type", total=True).set_index("type")
    assert (out.loc["市", "n"], out.loc["市", "missing"], out.loc["市", "median"]) == (2, 1, 65.0)
    assert out.loc["全国", "n"] == 5 and out.loc["全国", "median"] == 30.0
    assert out.loc["全国", "indicator"] == "率C"


def test_prefecture_detail(fake):
    munis, _, dx = fake
    items = A.status_items(dx_status=dx, municipalities=munis)
    wide = A.prefecture_detail(items, "甲県")
    assert wide["name"].tolist() == ["甲一市", "甲二市", "甲三町", "甲四村"]
    assert list(wide.columns[5:]) == ["項目A", "項目B", "率C", "yes_count", "answered"]
    village = wide.set_index("name").loc["甲四村"]
    assert (village["項目A"], village["yes_count"], village["answered"]) == ("調査無し", 1, 1)
    assert wide.set_index("name").loc["甲一市", "率C"] == 50.0
    with pytest.raises(N.NameResolutionError):
        A.prefecture_detail(items, "甲")


def test_peer_comparison_matches_direct_counts(fake):
    munis, _, dx = fake
    items = A.status_items(["item_a"], dx_status=dx, municipalities=munis)
    out = A.peer_comparison(items, "甲一市", municipalities=munis, n_similar=2)
    row = out[out["group"] == "same_prefecture"].iloc[0]
    assert row["own_status"] == "実施"
    # peers in 甲県: 甲二市 未実施, 甲三町 実施, 甲四村 調査無し
    assert (row["yes"], row["n"], row["not_surveyed"], row["group_size"]) == (1, 2, 1, 3)


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_items(real_data):
    N._set_master()
    return A.status_items(["cio_appointed", "ai_introduced", "telework_introduced"])


def test_real_cio_counts(real_items):
    out = A.share_by(real_items, "type", total=True)
    nat = out[(out["indicator_id"] == "cio_appointed") & (out["type"] == "全国")].iloc[0]
    assert (nat["yes"], nat["n"], nat["not_surveyed"], nat["total"]) == (1270, 1733, 8, 1741)
    assert round(100 * nat["share"], 1) == 73.3 and round(100 * nat["share_of_all"], 1) == 72.9
    tele = out[(out["indicator_id"] == "telework_introduced") & (out["type"] == "全国")].iloc[0]
    ai = out[(out["indicator_id"] == "ai_introduced") & (out["type"] == "全国")].iloc[0]
    assert (tele["yes"], ai["yes"]) == (1055, 879)


def test_real_designated_city_share_equals_direct(real_items):
    import jdxlib

    dx = jdxlib.load("dx_status")
    munis = jdxlib.load("municipalities")
    codes = set(munis.loc[munis["type"] == "指定都市", "code"])
    cio = dx[(dx["indicator_id"] == "cio_appointed") & dx["code"].isin(codes)]
    answered = cio[cio["status"] != "調査無し"]
    direct = (answered["status"] == "実施").sum() / len(answered)
    out = A.share_by(real_items, "type")
    row = out[(out["indicator_id"] == "cio_appointed") & (out["type"] == "指定都市")].iloc[0]
    assert row["share"] == direct and row["total"] == 20


def test_real_prefecture_ranking(real_items):
    r = A.prefecture_ranking(real_items, "cio_appointed")
    assert len(r) == 47 and r["total"].sum() == 1741 and r["n"].sum() == 1733
    ishikawa = r.set_index("prefecture").loc["石川県"]
    assert ishikawa["not_surveyed"] == 8
    assert r["rank"].is_monotonic_increasing and r["rank"].iloc[0] == 1


def test_real_prefecture_detail_and_peers(real_items):
    wide = A.prefecture_detail(real_items, "島根県")
    assert len(wide) == len(N.municipalities_in("島根県"))
    out = A.peer_comparison(real_items, "世田谷区")
    same_type = out[(out["indicator_id"] == "cio_appointed") & (out["group"] == "same_type")].iloc[0]
    wards = real_items[(real_items["indicator_id"] == "cio_appointed")
                       & (real_items["type"] == "特別区") & (real_items["name"] != "世田谷区")]
    assert same_type["group_size"] == len(wards) == 22
    assert same_type["yes"] == (wards["status"] == "実施").sum()
