"""Profiles of municipalities and prefectures (jdxlib.profiles) and the two profile notebooks.

Real data only: the datasets are built once per session from the mirror into a temporary
JDX_DATA_DIR (skipped without a mirror).  Every peer share a profile shows is checked against
a recomputation made here directly from the ``dx_status`` / ``municipalities`` /
``online_procedures`` / ``mynumber_cards`` tables with plain pandas.
"""
from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

from conftest import PROJECT_ROOT

ITEMS = [
    "cio_appointed", "cio_assistant_appointed", "dx_policy_formulated", "org_wide_structure",
    "external_talent", "staff_development", "all_staff_training", "ai_introduced",
    "rpa_introduced", "telework_introduced",
]
BAND_EDGES = [0, 5_000, 10_000, 30_000, 50_000, 100_000, 200_000, 500_000]


@pytest.fixture(scope="session")
def data(real_data):
    """Datasets built once into the shared session temp dir; the env is kept for the kernels."""
    from jdxlib import names

    names._set_master()
    return real_data


@pytest.fixture(scope="session")
def raw(data):
    import jdxlib

    munis = jdxlib.load("municipalities")
    dx = jdxlib.load("dx_status")
    return {
        "munis": munis.assign(code=munis["code"].astype(str)),
        "dx": dx.assign(code=dx["code"].astype(str), status=dx["status"].astype(object)),
        "op": jdxlib.load("online_procedures"),
        "cards": jdxlib.load("mynumber_cards"),
        "prefs": jdxlib.load("prefectures"),
    }


@pytest.fixture(scope="session")
def profiles_mod(data):
    from jdxlib import profiles

    return profiles


@pytest.fixture(autouse=True)
def _japanese_font():
    from jdxlib import viz

    viz.set_theme()


@pytest.fixture(scope="session")
def profile(profiles_mod):
    cache: dict = {}

    def get(name):
        if name not in cache:
            cache[name] = profiles_mod.municipality_profile(name)
        return cache[name]

    return get


# ----------------------------------------------------------------------- independent recomputation


def _band(pop):
    if pop is None or pd.isna(pop):
        return None
    return sum(pop >= e for e in BAND_EDGES) - 1


def _groups(raw, code, n_similar=30):
    """The four peer groups recomputed from the municipalities table."""
    m = raw["munis"]
    me = m[m["code"] == code].iloc[0]
    others = m[m["code"] != code]
    out = {
        "same_prefecture": set(others.loc[others["prefecture_code"] == me["prefecture_code"], "code"]),
        "same_type": set(others.loc[others["type"].astype(str) == str(me["type"]), "code"]),
    }
    own_band = _band(me["population_2020"])
    bands = others["population_2020"].map(_band)
    out["same_population_band"] = set(others.loc[bands == own_band, "code"]) if own_band is not None else set()
    if pd.isna(me["population_2020"]):
        out["similar"] = set()
    else:
        pool = others[(others["type"].astype(str) == str(me["type"])) & others["population_2020"].notna()].copy()
        pool["d"] = [abs(math.log(float(p) / float(me["population_2020"]))) for p in pool["population_2020"]]
        out["similar"] = set(pool.sort_values(["d", "code"]).head(n_similar)["code"])
    return out


def _shares(raw, codes):
    """item -> (yes, n) among *codes* (n = 実施 + 未実施)."""
    dx = raw["dx"]
    sub = dx[(dx["level"].astype(str) == "municipality") & dx["code"].isin(codes) & dx["indicator_id"].isin(ITEMS)]
    out = {}
    for item in ITEMS:
        s = sub.loc[sub["indicator_id"] == item, "status"]
        out[item] = (int((s == "実施").sum()), int(s.isin(["実施", "未実施"]).sum()))
    return out


def _fmt(yes, n):
    return "—（回答0団体）" if n == 0 else f"{yes / n * 100:.1f}%（{yes:,}/{n:,}）"


def _own_status(raw, code):
    dx = raw["dx"]
    sub = dx[(dx["code"] == code) & dx["indicator_id"].isin(ITEMS)]
    return dict(zip(sub["indicator_id"], sub["status"]))


def check_peer_shares(raw, profiles_mod, p):
    groups = _groups(raw, p.code)
    for key, codes in groups.items():
        assert set(p.groups[key].codes) == codes, key
    shown = profiles_mod.status_section(p).table
    labels = dict(zip(p.comparison["indicator_id"].astype(str), p.comparison["indicator"]))
    own = _own_status(raw, p.code)
    for key, codes in groups.items():
        direct = _shares(raw, codes)
        col = shown[p.groups[key].label].tolist()
        for i, item in enumerate(ITEMS):
            yes, n = direct[item]
            row = p.comparison[(p.comparison["indicator_id"].astype(str) == item)
                               & (p.comparison["group"].astype(str) == key)].iloc[0]
            assert (int(row["yes"]), int(row["n"])) == (yes, n), (key, item)
            assert shown["指標"].iloc[i] == labels[item]
            assert col[i] == _fmt(yes, n), (key, item, col[i])
    assert shown[f"{p.body.name}の回答"].tolist() == [str(own[i]) for i in ITEMS]


def check_counts(raw, p):
    own = _own_status(raw, p.code)
    used = [i for i in ITEMS if own[i] in ("実施", "未実施")]
    assert p.own_count == sum(own[i] == "実施" for i in used)
    assert list(p.counted_items) == used
    dx = raw["dx"]
    wide = dx[(dx["level"].astype(str) == "municipality") & dx["indicator_id"].isin(used)].pivot(
        index="code", columns="indicator_id", values="status")
    for key, codes in _groups(raw, p.code).items():
        sub = wide.loc[sorted(codes)] if codes else wide.iloc[:0]
        ok = sub.isin(["実施", "未実施"]).all(axis=1)
        counts = (sub[ok] == "実施").sum(axis=1)
        row = p.count_table.set_index("group").loc[key]
        assert row["compared"] == len(counts) and row["left_out"] == int((~ok).sum())
        if len(counts):
            below, equal = int((counts < p.own_count).sum()), int((counts == p.own_count).sum())
            assert (row["below"], row["equal"]) == (below, equal)
            assert row["percentile"] == pytest.approx(100 * (below + equal / 2) / len(counts))


# ----------------------------------------------------------------------- municipalities


def test_sapporo(raw, profiles_mod, profile):
    p = profile("札幌市")
    assert p.info["type"] == "指定都市" and p.info["kana"] == "さっぽろし"
    assert p.info["population_band"] == "50万人以上"
    assert p.groups["similar"].size == 19 and p.primary == "similar"  # every other 指定都市
    check_peer_shares(raw, profiles_mod, p)
    check_counts(raw, p)
    text = profiles_mod.summary_text(p)
    assert "札幌市" in text and "指定都市" in text


def test_setagaya(raw, profiles_mod, profile):
    p = profile("世田谷区")
    assert p.info["type"] == "特別区" and p.groups["similar"].size == 22
    check_peer_shares(raw, profiles_mod, p)
    check_counts(raw, p)
    # the body's own 32手続 coverage and its peers' median, straight from dx_status
    dx = raw["dx"]
    f32 = dx[(dx["indicator_id"] == "frequent_32_online_rate") & (dx["level"].astype(str) == "municipality")]
    row = p.percent_items.set_index("indicator_id").loc["frequent_32_online_rate"]
    assert row["value"] == f32.loc[f32["code"] == p.code, "value"].iloc[0]
    assert row["median"] == pytest.approx(f32.loc[f32["code"].isin(p.groups["similar"].codes), "value"].median())


def test_core_city_procedures_and_cards(raw, profiles_mod, profile):
    p = profile("函館市")
    assert p.info["type"] == "中核市" and p.groups["similar"].size == 30
    check_peer_shares(raw, profiles_mod, p)
    # procedures the similar bodies commonly offer and 函館市 does not, from online_procedures
    op = raw["op"]
    op = op[op["level"].astype(str) == "municipality"].assign(code=lambda d: d["code"].astype(str))
    mine = set(op.loc[op["code"] == p.code, "procedure_id"])
    peers = set(p.groups["similar"].codes)
    offering = op[op["code"].isin(peers)].groupby("procedure_id")["code"].nunique()
    expected = {pid for pid, k in offering.items() if pid not in mine and k / len(peers) >= 0.5}
    assert set(p.procedure_gaps["procedure_id"]) == expected
    shown = profiles_mod.procedure_gaps_section(p).table
    assert expected and len(shown) == len(expected)
    # offered procedures and their rates
    rates = op[op["code"] == p.code].set_index("procedure_id")["online_rate"]
    got = p.procedures.set_index("procedure_id")
    assert set(got.index[got["offered"]]) == set(rates.index)
    assert np.allclose(got.loc[rates.index, "online_rate"], rates)
    # cards: latest issuance rate recomputed from counts
    c = raw["cards"]
    last = c["date"].max()
    mine_c = c[(c["code"] == p.code) & (c["date"] == last)].iloc[0]
    assert p.card_latest["rate"] == pytest.approx(mine_c["cards_issued"] / mine_c["population"] * 100)
    peer_rates = c[(c["date"] == last) & c["code"].isin(peers)]
    peer_rates = peer_rates["cards_issued"].astype(float) / peer_rates["population"].astype(float) * 100
    assert p.card_latest["median"] == pytest.approx(peer_rates.median())
    sec = profiles_mod.cards_section(p)
    assert sec.figure is not None and "住民基本台帳" in sec.caption


def test_small_village(raw, profiles_mod, profile):
    p = profile("青ヶ島村")  # the smallest body; an island the s0001 boundaries could not draw
    assert p.info["type"] == "村" and p.info["population_band"] == "5千人未満"
    check_peer_shares(raw, profiles_mod, p)
    check_counts(raw, p)
    sec = profiles_mod.map_section(p)
    assert "ポリゴン" not in sec.caption and "描かれ" not in sec.caption
    # the body's own outline is drawn (a collection with a red edge and no face)
    outlined = [c for c in sec.figure.axes[0].collections if len(c.get_facecolor()) == 0]
    assert len(outlined) == 1 and len(outlined[0].get_paths()) >= 1
    assert "出典" in sec.caption


def test_not_surveyed_ishikawa(raw, profiles_mod, profile):
    p = profile("輪島市")
    own = _own_status(raw, p.code)
    assert sum(v == "調査無し" for v in own.values()) == 7
    check_peer_shares(raw, profiles_mod, p)
    check_counts(raw, p)
    assert len(p.counted_items) == 3 and p.count_table["items_counted"].eq(3).all()
    assert len(p.not_surveyed_items) == 7
    text = profiles_mod.summary_text(p)
    assert "調査無し" in text and "輪島市" in text
    cap = profiles_mod.count_section(p).caption
    assert "調査無し" in cap


def test_no_population(raw, profiles_mod, profile):
    p = profile("双葉町")
    assert p.info["population_2020"] is None and p.primary == "same_type"
    assert p.groups["similar"].size == 0 and p.groups["same_population_band"].size == 0
    check_peer_shares(raw, profiles_mod, p)
    text = profiles_mod.summary_text(p)
    assert "人口" in text and "人口の近い同区分団体" in text


@pytest.mark.parametrize("name, code", [("北海道伊達市", "012335"), ("檜原村", "133078")])
def test_body_without_procedure_rows_gets_one_sentence_and_no_gap_list(raw, profiles_mod, profile, name, code):
    op = raw["op"]
    muni_op = op[op["level"].astype(str) == "municipality"]
    assert not (muni_op["code"].astype(str) == code).any()  # the export has no rate for this body
    p = profile(name)
    assert p.code == code and p.procedure_state == "no_body_data"
    assert p.procedure_gaps.empty and set(p.procedures["state"]) == {"no_body_data"}
    gaps = profiles_mod.procedure_gaps_section(p)
    procs = profiles_mod.procedures_section(p)
    assert gaps.table is None and procs.table is None and procs.figure is None
    assert "1手続も公表されていない" in procs.caption and "この一覧は作りません" in gaps.caption
    text = profiles_mod.summary_text(p)
    assert "1手続も公表されていない" in text
    for said in (text, gaps.title, gaps.caption, procs.caption):
        assert "提供" not in said and "値がない手続" not in said and "公表値がない手続" not in said
    # the body's own dashboard answers are quoted instead (26手続 from dx_status)
    dx = raw["dx"]
    own26 = dx[(dx["indicator_id"] == "childcare_26_online_rate") & (dx["code"] == code)]["value"].iloc[0]
    assert f"子育て・介護26手続のオンライン化状況は{own26:.1f}%" in text


def test_bodies_without_procedure_rows_counted(raw):
    from jdxlib import procedures

    op = raw["op"]
    with_rows = set(op.loc[op["level"].astype(str) == "municipality", "code"].astype(str))
    without = sorted(set(raw["munis"]["code"]) - with_rows)
    assert len(without) == 107 and {"012335", "133078"} <= set(without)
    assert not procedures.has_procedure_data("012335") and procedures.has_procedure_data("011002")


def test_published_zero_is_not_a_missing_value(raw, profiles_mod, profile):
    from jdxlib import procedures

    op = raw["op"]
    op = op[op["level"].astype(str) == "municipality"].assign(code=lambda d: d["code"].astype(str))
    zero = op[op["online_rate"] == 0]
    code = sorted(zero["code"].unique())[0]
    mine = procedures.body_procedures(code).set_index("procedure_id")
    zero_ids = set(zero.loc[zero["code"] == code, "procedure_id"])
    unpublished = set(mine.index) - set(op.loc[op["code"] == code, "procedure_id"])
    assert zero_ids and unpublished
    assert (mine.loc[list(zero_ids), "state"] == "published").all()
    assert (mine.loc[list(zero_ids), "online_rate"] == 0).all()
    assert (mine.loc[list(unpublished), "state"] == "not_published").all()
    assert mine.loc[list(unpublished), "online_rate"].isna().all()
    p = profile(code)
    t = profiles_mod.procedures_section(p).table.set_index("手続")
    zero_labels = set(mine.loc[list(zero_ids), "procedure"])
    shown_zero = [lab for lab in zero_labels if lab in t.index]
    assert shown_zero and (t.loc[shown_zero, p.body.name] == "0.0%").all()
    shown_missing = [lab for lab in mine.loc[list(unpublished), "procedure"] if lab in t.index]
    assert (t.loc[shown_missing, p.body.name] == "公表値なし").all()


def test_gaps_contradicting_own_dashboard_answer_are_not_listed(raw, profiles_mod, profile):
    p = profile("帯広市")
    dx = raw["dx"]
    own26 = dx[(dx["indicator_id"] == "childcare_26_online_rate") & (dx["code"] == p.code)]["value"].iloc[0]
    assert own26 == 100  # the body says every 子育て・介護 procedure it conducts is online
    in26 = p.procedure_gaps["procedure_group"].astype(str) == "子育て・介護26手続"
    assert in26.sum() > 0  # … yet most similar bodies publish rates it does not
    ck = p.gap_check.set_index("procedure_group")
    assert bool(ck.loc["子育て・介護26手続", "contradicts"]) and ck.loc["子育て・介護26手続", "gaps"] == in26.sum()
    # 32手続: contradiction only if more gaps than 32 − オンライン化済
    num = dx[(dx["indicator_id"] == "frequent_32_numerator") & (dx["code"] == p.code)]["value"].iloc[0]
    n32 = int((p.procedure_gaps["procedure_group"].astype(str) == "よく使う32手続").sum())
    if n32:
        assert bool(ck.loc["よく使う32手続", "contradicts"]) == (n32 > 32 - num)
    sec = profiles_mod.procedure_gaps_section(p)
    listed = set() if sec.table is None else set(sec.table["手続"])
    assert not listed & set(p.procedure_gaps.loc[in26, "procedure"])
    assert "100.0%と回答" in sec.caption and "一覧にしません" in sec.caption
    text = profiles_mod.summary_text(p)
    assert "一覧にしません" in text and "提供" not in text


def test_no_gaps_gives_a_sentence_not_an_empty_table(raw, profiles_mod, profile):
    p = profile("海士町")
    assert p.procedure_gaps.empty  # every procedure most of its similar bodies offer, 海士町 offers too
    sec = profiles_mod.procedure_gaps_section(p)
    assert sec.table is None
    assert "一覧なし" in sec.title and "すべて申請率が公表されています" in sec.caption
    assert "出典" in sec.caption and "調査時点" in sec.caption


def test_reader_text_has_no_developer_wording(profiles_mod, profile):
    p = profile("海士町")
    secs = [profiles_mod.identity_section(p), profiles_mod.peers_section(p), profiles_mod.percent_section(p),
            profiles_mod.cards_section(p)]
    text = "\n".join([s.caption for s in secs] + [profiles_mod.summary_text(p)])
    for word in ("jdxlib", "POPULATION_BANDS", "percentile_of", "パラメータ", "ノートブック", "2024年ダッシュボード"):
        assert word not in text, word
    assert "5千人未満／5千〜1万人" in secs[0].caption
    cards_rows = profiles_mod.cards_section(p).table["指標"].tolist()
    assert cards_rows[1] == "保有率（2024年7月公開のダッシュボード、調査時点の記載なし）"
    assert "保有率（2024年7月公開のダッシュボード、調査時点の記載なし）は" in profiles_mod.summary_text(p)


def test_no_population_band_is_explained(profiles_mod, profile):
    p = profile("双葉町")
    sec = profiles_mod.identity_section(p)
    assert sec.table["内容"].iloc[-1].startswith("区分できない")
    assert "人口の公表値がありません" in sec.caption and "全町避難" in sec.caption
    assert "不明" not in sec.caption and "不明" not in profiles_mod.summary_text(p)


def test_ambiguous_name(profiles_mod, data):
    from jdxlib import names

    with pytest.raises(names.NameResolutionError) as exc:
        profiles_mod.municipality_profile("伊達市")
    assert exc.value.kind == "ambiguous"
    msg = str(exc.value)
    assert "北海道" in msg and "福島県" in msg and "012335" in msg and "072133" in msg
    with pytest.raises(names.NameResolutionError) as exc:
        names.validate_parameters(municipality="伊達市")
    assert "municipality='伊達市'" in str(exc.value) and "北海道伊達市" in str(exc.value)
    with pytest.raises(names.NameResolutionError):
        profiles_mod.municipality_profile("")
    assert profiles_mod.municipality_profile("北海道伊達市", with_procedures=False, with_cards=False).code == "012335"


def test_captions_state_source_date_denominator(profiles_mod, profile):
    p = profile("世田谷区")
    for fn in (profiles_mod.status_section, profiles_mod.count_section, profiles_mod.percent_section,
               profiles_mod.procedures_section, profiles_mod.procedure_gaps_section,
               profiles_mod.cards_section, profiles_mod.map_section):
        cap = fn(p).caption
        assert "出典" in cap and "調査時点" in cap, fn.__name__
    assert "分母" in profiles_mod.status_section(p).caption


# ----------------------------------------------------------------------- prefectures


def test_prefecture_ishikawa(raw, profiles_mod):
    pp = profiles_mod.prefecture_profile("石川県")
    dx = raw["dx"]
    pref = dx[(dx["level"].astype(str) == "prefecture") & dx["indicator_id"].isin(ITEMS)]
    others = pref[pref["code"] != pp.prefecture.code]
    shown = profiles_mod.prefecture_status_section(pp).table
    for i, item in enumerate(ITEMS):
        s = others.loc[others["indicator_id"] == item, "status"]
        yes, n = int((s == "実施").sum()), int(s.isin(["実施", "未実施"]).sum())
        assert n == 46
        assert shown.iloc[i, 2] == _fmt(yes, n)
    # its municipalities against the country
    m = raw["munis"]
    mine = set(m.loc[m["prefecture_code"] == "17", "code"])
    ms = pp.municipal_status.set_index("indicator_id")
    muni = dx[dx["level"].astype(str) == "municipality"]
    for item in ITEMS:
        s = muni.loc[(muni["indicator_id"] == item) & muni["code"].isin(mine), "status"]
        assert (ms.loc[item, "yes"], ms.loc[item, "n"]) == (int((s == "実施").sum()), int(s.isin(["実施", "未実施"]).sum()))
        assert ms.loc[item, "not_surveyed"] == int((s == "調査無し").sum())
    assert ms.loc["cio_appointed", "not_surveyed"] == 8
    text = profiles_mod.summary_text(pp)
    assert "調査無し" in text and "石川県" in text
    # the prefectural procedures: rate and the other prefectures offering it
    op = raw["op"]
    op = op[op["level"].astype(str) == "prefecture"].assign(code=lambda d: d["code"].astype(str))
    pr = pp.procedures.set_index("procedure_id")
    for pid, grp in op.groupby("procedure_id"):
        assert pr.loc[pid, "n"] == int((grp["code"] != pp.prefecture.code).sum())
    for fn in (profiles_mod.prefecture_identity_section, profiles_mod.prefecture_procedures_section,
               profiles_mod.prefecture_municipal_status_section, profiles_mod.prefecture_municipal_percent_section,
               profiles_mod.prefecture_map_section, profiles_mod.prefecture_municipal_table_section):
        sec = fn(pp)
        assert "出典" in sec.caption, fn.__name__


def test_prefecture_shimane_lists(raw, profiles_mod):
    pp = profiles_mod.prefecture_profile("島根県")
    # procedure names are quoted: 「犬の登録申請、死亡届」 is one procedure, not two
    cap = profiles_mod.prefecture_procedures_section(pp).caption
    assert "「犬の登録申請、死亡届」" in cap
    text = profiles_mod.summary_text(pp)
    for name in pp.procedure_gaps["procedure"]:
        assert f"「{name}」" in text
    # the municipality list: compact marks, populations with separators
    sec = profiles_mod.prefecture_municipal_table_section(pp)
    t = sec.table.set_index("団体名")
    assert t.loc["松江市", "人口（2020）"] == "203,779"
    marks = t[["CIO", "CIO補佐官等", "全体方針", "全庁体制", "外部人材", "職員育成", "全職員研修", "AI", "RPA",
               "テレワーク"]]
    assert set(marks.stack()) <= {"○", "×", "－"}
    assert ((marks == "○").sum(axis=1) == t["実施数"]).all()
    dx = raw["dx"]
    cio = dx[(dx["indicator_id"] == "cio_appointed") & (dx["code"] == "322016")]["status"].iloc[0]
    assert t.loc["松江市", "CIO"] == {"実施": "○", "未実施": "×"}[cio]
    assert "○＝実施" in sec.caption and "CIO補佐官等＝CIO補佐官等の任命" in sec.caption


def test_prefecture_fukushima_unknown_band(profiles_mod):
    pp = profiles_mod.prefecture_profile("福島県")
    sec = profiles_mod.prefecture_municipal_table_section(pp)
    t = sec.table.set_index("団体名")
    assert t.loc["双葉町", "人口規模"] == "人口公表なし" and t.loc["双葉町", "人口（2020）"] == "公表値なし"
    assert "双葉町は令和2年国勢調査（速報集計）の人口の公表値がありません" in sec.caption and "全町避難" in sec.caption


def test_prefecture_tokyo_map_crops_islands(profiles_mod, data):
    pp = profiles_mod.prefecture_profile("東京都")
    cap = profiles_mod.prefecture_map_section(pp).caption
    assert "小笠原村" in cap and "範囲外" in cap


def _extreme_bodies(raw, prefecture: str):
    """Recomputed from dx_status: among the prefecture's bodies that answered all ten map items,
    those with the most and the fewest 実施 (names in code order)."""
    from jdxlib.profiles import STATUS_ITEMS

    m = raw["munis"]
    m = m[m["prefecture"] == prefecture]
    dx = raw["dx"]
    dx = dx[dx["indicator_id"].isin(STATUS_ITEMS) & dx["code"].isin(m["code"])]
    per = dx.assign(yes=dx["status"] == "実施", answered=dx["status"].isin(["実施", "未実施"])) \
        .groupby("code")[["yes", "answered"]].sum()
    per = per[per["answered"] == len(STATUS_ITEMS)]
    names = m.set_index("code")["name"].astype(str)
    return {which: (int(v), [names[c] for c in sorted(per.index[per["yes"] == v])])
            for which, v in (("highest", per["yes"].max()), ("lowest", per["yes"].min()))}


@pytest.mark.parametrize("prefecture", ["鳥取県", "北海道", "東京都"])
def test_prefecture_map_names_the_extremes_and_their_ties(profiles_mod, raw, prefecture):
    """Issue 12 §6: a municipal map names the bodies with the most and the fewest items; up to three
    tied bodies are all named, more are counted (「…ほかN団体」); off-map ones are named in the caption."""
    from matplotlib.text import Text

    from jdxlib import charts

    sec = profiles_mod.prefecture_map_section(profiles_mod.prefecture_profile(prefecture))
    fig = sec.figure
    charts.fit_to_print(fig)
    assert charts.print_problems(fig) == []  # ≥ 8 pt printed
    fig.canvas.draw()
    texts = fig.axes[0].texts
    off_map = sec.caption.split("離島の")[1].split("）")[0] if "離島の" in sec.caption else ""
    expected = []
    for which, (value, names) in _extreme_bodies(raw, prefecture).items():
        word = "最多" if which == "highest" else "最少"
        assert f"{word}（{value}項目）の" in sec.caption
        shown = [n for n in names if n not in off_map]
        if len(names) <= 3:
            expected += shown
        elif shown:
            expected.append(f"{names[0]}ほか{len(names) - 1}団体")
            assert f"{word}（{value}項目）の{len(names)}団体（" in sec.caption
        for n in set(names) - set(shown):
            assert f"{n}（地図の範囲外）" in sec.caption or f"うち{n}" in sec.caption
    assert sorted(t.get_text() for t in texts) == sorted(expected)
    boxes = [Text.get_window_extent(t) for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_municipality_map_names_the_body_in_red(profiles_mod, profile):
    from jdxlib import charts

    sec = profiles_mod.map_section(profile("檜原村"))
    named = {t.get_text(): t.get_color() for t in sec.figure.axes[0].texts}
    assert named["檜原村"] == charts.HIGHLIGHT
    assert "地図の団体名：赤の檜原村、実施数が最多（" in sec.caption


@pytest.mark.slow  # draws every chart of whole profiles
@pytest.mark.parametrize("name", ["札幌市", "北海道伊達市", "青ヶ島村", "小笠原村", "輪島市"])
def test_charts_fit_inside_their_figures(profiles_mod, profile, name):
    """Profile charts are laid out in inches (drawn once): nothing may stick out of the figure."""
    from jdxlib import charts

    p = profile(name)
    sections = [profiles_mod.status_section(p), profiles_mod.procedures_section(p),
                profiles_mod.cards_section(p), profiles_mod.map_section(p)]
    drawn = 0
    for sec in sections:
        fig = sec.figure
        if fig is None:
            continue
        assert charts.has_fixed_layout(fig), sec.title
        fig.canvas.draw()
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        w, h = fig.get_size_inches()
        assert box.x0 >= -0.01 and box.y0 >= -0.01, (sec.title, box)
        assert box.x1 <= w + 0.01 and box.y1 <= h + 0.01, (sec.title, box, (w, h))
        drawn += 1
    assert drawn >= 3


@pytest.mark.slow  # draws every chart of whole profiles
@pytest.mark.parametrize("name", ["石川県", "東京都"])
def test_prefecture_charts_fit_inside_their_figures(profiles_mod, name):
    pp = profiles_mod.prefecture_profile(name)
    for make in (profiles_mod.prefecture_status_section, profiles_mod.prefecture_procedures_section,
                 profiles_mod.prefecture_municipal_status_section,
                 profiles_mod.prefecture_municipal_percent_section, profiles_mod.prefecture_map_section):
        fig = make(pp).figure
        fig.canvas.draw()
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        w, h = fig.get_size_inches()
        assert box.x0 >= -0.01 and box.y0 >= -0.01 and box.x1 <= w + 0.01 and box.y1 <= h + 0.01, make.__name__


# ----------------------------------------------------------------------- notebooks


NB_DIR = PROJECT_ROOT / "notebooks"


def _run(nb, out, parameters):
    import papermill as pm

    return pm.execute_notebook(str(NB_DIR / nb), str(out), parameters=parameters, kernel_name="python3",
                               cwd=str(NB_DIR), progress_bar=False)


def _text(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            parts.append(str(data.get("text/markdown", "")) + str(data.get("text/plain", "")) + str(o.get("text", "")))
    return "\n".join(parts)


@pytest.mark.slow  # executes notebooks
@pytest.mark.parametrize("municipality", ["輪島市", "北海道伊達市"])
def test_municipality_notebook_runs(data, tmp_path, municipality):
    assert os.environ["JDX_DATA_DIR"] == str(data)
    nb = _run("profile_municipality.ipynb", tmp_path / "out.ipynb", {"municipality": municipality})
    text = _text(nb)
    name = municipality.replace("北海道", "")
    assert name in text
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 3  # status, cards, map (+ procedures when the body offers any online)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    if municipality == "輪島市":
        assert "調査無し" in text


@pytest.mark.slow  # executes notebooks
def test_prefecture_notebook_runs(data, tmp_path):
    nb = _run("profile_prefecture.ipynb", tmp_path / "out.ipynb", {"prefecture": "石川県"})
    text = _text(nb)
    assert "石川県" in text and "調査無し" in text
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images >= 4


@pytest.mark.slow  # executes notebooks
def test_notebook_ambiguous_name_fails_clearly(data, tmp_path):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError) as exc:
        _run("profile_municipality.ipynb", tmp_path / "out.ipynb", {"municipality": "伊達市"})
    assert "NameResolutionError" in str(exc.value) and "北海道伊達市" in str(exc.value)


def test_prefecture_profile_has_no_intervals_and_says_what_one_body_moves(profiles_mod):
    pp = profiles_mod.prefecture_profile("鳥取県")
    sec = profiles_mod.prefecture_municipal_status_section(pp)
    n = int(pp.municipal_status["n"].min())
    assert n == 19 and f"1団体の違いで割合が約{100 / 19:.1f}ポイント動きます" in sec.caption
    assert "95%区間" not in sec.table.columns and "偶然" not in sec.caption and "95%" not in sec.caption
    text = profiles_mod.summary_text(pp)
    assert "約5.3ポイント" in text and "95%" not in text
    status = profiles_mod.prefecture_status_section(pp)
    assert "ウィルソン" not in status.caption and "信頼区間は付けず" in status.caption
