"""Notebook sections show what the datasets say (independent recomputation with pandas)."""
import pytest

import jdxlib
from jdxlib import analysis, names, sections, viz

GOV = ["cio_appointed", "dx_policy_formulated"]


@pytest.fixture(scope="module")
def items(real_data):
    viz.set_theme()
    return analysis.status_items(GOV + ["ai_introduced", "rpa_introduced"])


def _direct(indicator_id):
    dx = jdxlib.load("dx_status")
    sub = dx[(dx["level"] == "municipality") & (dx["indicator_id"] == indicator_id)]
    return sub.merge(jdxlib.load("municipalities")[["code", "type", "prefecture"]], on="code")


def test_type_table_matches_direct_counts(items):
    sec = sections.share_by_section(items[items["indicator_id"].isin(GOV)], "type")
    direct = _direct("cio_appointed")
    for t in ["指定都市", "村"]:
        row = sec.table[(sec.table["指標"] == "CIOの任命") & (sec.table["団体区分"] == t)].iloc[0]
        d = direct[direct["type"] == t]
        assert row["実施"] == (d["status"] == "実施").sum()
        assert row["回答団体"] == (d["status"] != "調査無し").sum()
        assert row["全団体"] == len(d)
    national = sec.table[(sec.table["指標"] == "CIOの任命") & (sec.table["団体区分"] == "全国")].iloc[0]
    assert (national["実施"], national["未実施"], national["調査無し"]) == (1270, 463, 8)
    assert national["実施割合"] == "73.3%"


def test_caption_names_date_denominators_and_credit(items):
    cap = sections.status_caption(items[items["indicator_id"] == "cio_appointed"])
    assert "2023-04-01" in cap
    assert "回答1,733団体／全1,741団体" in cap and "調査無し8団体" in cap
    assert "デジタル庁「自治体DXの取組に関するダッシュボード」を加工して作成" in cap
    cap_ai = sections.status_caption(items[items["indicator_id"] == "ai_introduced"])
    assert "記載なし" in cap_ai


def test_ranking_counts_and_ties(items):
    sec = sections.ranking_section(items, "cio_appointed")
    t = sec.table
    assert len(t) == 47 and t["回答団体"].sum() == 1733 and t["実施"].sum() == 1270
    direct = _direct("cio_appointed")
    tokyo = t[t["都道府県"] == "東京都"].iloc[0]
    d = direct[direct["prefecture"] == "東京都"]
    assert tokyo["実施"] == (d["status"] == "実施").sum()
    # equal shares share the same (minimum) rank
    shares = t["実施割合"]
    for s, grp in t.groupby(shares):
        assert grp["順位"].nunique() == 1


def test_highlight_and_prefecture_sections(items):
    ctx = names.validate_parameters(prefecture="島根県", highlight="海士町")
    hi = sections.highlight_section(items, ctx.highlight).table
    direct = _direct("cio_appointed")
    mine = direct[direct["code"] == ctx.highlight.code]["status"].iloc[0]
    assert hi.loc[hi["指標"] == "CIOの任命", "海士町の回答"].iloc[0] == mine
    shimane = direct[direct["prefecture"] == "島根県"]
    k, n = (shimane["status"] == "実施").sum(), (shimane["status"] != "調査無し").sum()
    assert f"（{k}/{n}）" in hi.loc[hi["指標"] == "CIOの任命", "島根県の市区町村"].iloc[0]
    detail = sections.prefecture_table_section(items, ctx.prefecture, ctx.highlight).table
    assert len(detail) == len(shimane) and (detail["注目"] == "◀").sum() == 1
    assert not [c for c in detail.columns if str(c).isascii()]  # reader headings only


def test_crosstab_is_an_association_with_counts(items):
    sec = sections.crosstab_section(items, "ai_introduced", "rpa_introduced")
    ai, rpa = _direct("ai_introduced"), _direct("rpa_introduced")
    both = ai.merge(rpa, on="code")
    both_yes = ((both["status_x"] == "実施") & (both["status_y"] == "実施")).sum()
    assert sec.table.loc["実施", "実施"] == f"{both_yes:,}"
    assert sec.table.loc["計", "計"] == "1,741"
    assert "原因" in sec.caption and "関連" in sec.caption


def test_narration_is_computed(items):
    text = sections.narrate_shares(items[items["indicator_id"] == "dx_policy_formulated"])
    assert "862団体" in text and "回答1,733団体" in text


def test_equal_displayed_shares_get_equal_ranks_and_no_intervals(real_data):
    items = analysis.status_items(["org_wide_structure"])
    sec = sections.ranking_section(items, "org_wide_structure")
    t = sec.table.set_index("都道府県")
    direct = _direct("org_wide_structure")
    shown = {}
    for pref in ("熊本県", "福島県"):
        d = direct[(direct["prefecture"] == pref) & (direct["status"] != "調査無し")]
        shown[pref] = f"{(d['status'] == '実施').sum() / len(d) * 100:.1f}%"
        assert t.loc[pref, "実施割合"] == shown[pref]
    assert shown["熊本県"] == shown["福島県"] == "64.4%"  # different fractions (29/45, 38/59), one display
    assert t.loc["熊本県", "順位"] == t.loc["福島県", "順位"]
    for _, grp in sec.table.groupby("実施割合"):  # everywhere: equal display, equal rank
        assert grp["順位"].nunique() == 1
    # complete counts: no interval column and no "chance"; one body's weight instead
    assert "95%区間" not in sec.table.columns and "95%" not in sec.caption and "偶然" not in sec.caption
    assert not sec.table.astype(str).apply(lambda c: c.str.contains(r"%〜")).any().any()  # no interval ranges
    tottori = direct[(direct["prefecture"] == "鳥取県") & (direct["status"] != "調査無し")]
    assert t.loc["鳥取県", "1団体の重み"] == f"1団体で約{100 / len(tottori):.1f}ポイント"
    typ = sections.share_by_section(items, "type")
    assert "95%区間" not in typ.table.columns and "信頼区間" in typ.caption and "付けず" in typ.caption
    assert "ウィルソン" not in typ.caption and "偶然" not in typ.caption
