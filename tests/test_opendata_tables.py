"""jdxlib.opendata: shares over respondents, non-response as its own category, bounds, the
2020 → 2024 panel.  Small synthetic frames for the arithmetic; the real files (read here with
plain csv) for the national figures."""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from jdxlib import opendata as od


def _who(codes, types, prefs=("A県",)):
    n = len(codes)
    return pd.DataFrame({
        "code": codes, "name": [f"架空{i}" for i in range(n)],
        "prefecture_code": ["01" if i % 2 == 0 or len(prefs) == 1 else "02" for i in range(n)],
        "prefecture": pd.Categorical([prefs[0] if i % 2 == 0 or len(prefs) == 1 else prefs[1] for i in range(n)],
                                     categories=list(prefs), ordered=True),
        "type": pd.Categorical(types, categories=["市", "町"], ordered=True),
        "population_2020": [1000] * n,
        "population_band": pd.Categorical(["5千人未満"] * n, categories=["5千人未満"], ordered=True),
        "level": "municipality",
    })


def _survey(rows):
    """rows: (code, status, question_id, option_label, option_order) for wave 2024."""
    df = pd.DataFrame(rows, columns=["code", "status", "question_id", "option_label", "option_order"])
    df["wave"] = "2024"
    df["option"] = df["option_label"]
    return df


CODES = ["000011", "000022", "000033", "000044", "000055", "000066"]
SURVEY = _survey([
    ("000011", "提出済", "Q3", "取り組んでいる", 1),
    ("000011", "提出済", "Q6", "定期的", 2),
    ("000022", "提出済", "Q3", "取り組んでいる", 1),
    ("000033", "提出済", "Q3", "取り組んでいない", 2),
    ("000044", "未提出", None, None, None),
    ("000055", "未確認", None, None, None),
    ("000066", "提出済", "Q1", "知らない", 4),  # submitted, skipped Q3
])
WHO = _who(CODES, ["市", "市", "町", "町", "町", "市"])


def test_option_shares_use_respondents_and_keep_non_respondents_visible():
    sh = od.option_shares("Q3", survey=SURVEY, who=WHO).set_index("category")
    assert sh.loc["取り組んでいる", "count"] == 2 and sh.loc["取り組んでいる", "respondents"] == 3
    assert sh.loc["取り組んでいる", "share"] == pytest.approx(2 / 3)
    assert sh.loc["取り組んでいない", "share"] == pytest.approx(1 / 3)
    assert sh.loc[["未提出", "未確認", "無回答"], "count"].tolist() == [1, 1, 1]
    assert sh.loc[["未提出", "未確認", "無回答"], "share"].isna().all()
    assert (sh["total"] == 6).all() and (sh["nonrespondents"] == 3).all()
    assert sh["share_of_all"].sum() == pytest.approx(1.0)


def test_option_shares_by_type_keep_every_group():
    sh = od.option_shares("Q3", by="type", survey=SURVEY, who=WHO)
    city = sh[sh["group"] == "市"].set_index("category")
    assert city.loc["取り組んでいる", "count"] == 2 and city.loc["取り組んでいる", "respondents"] == 2
    assert city.loc["無回答", "count"] == 1 and city["total"].iloc[0] == 3
    town = sh[sh["group"] == "町"].set_index("category")
    assert town.loc["取り組んでいない", "share"] == 1.0 and town.loc[["未提出", "未確認"], "count"].tolist() == [1, 1]


def test_bounds_are_all_no_and_all_yes():
    b = od.bounds("Q3", ["取り組んでいる"], survey=SURVEY, who=WHO).iloc[0]
    assert (b["yes"], b["respondents"], b["nonrespondents"], b["total"]) == (2, 3, 3, 6)
    assert b["share"] == pytest.approx(2 / 3)
    assert b["low"] == pytest.approx(2 / 6) and b["high"] == pytest.approx(5 / 6)
    assert b["low"] <= b["share"] <= b["high"]


def test_bounds_reject_an_option_the_question_does_not_have():
    with pytest.raises(ValueError, match=r"yes must name options of Q3 \(2024\); unknown: \['はい'\]. Valid: 取り組んでいる, 取り組んでいない"):
        od.bounds("Q3", ["はい"], survey=SURVEY, who=WHO)
    with pytest.raises(ValueError, match="unknown: \\['未提出'\\]"):
        od.bounds("Q3", ["未提出"], survey=SURVEY, who=WHO)


def test_unknown_question_and_wave_are_named():
    with pytest.raises(ValueError, match=r"Unknown 2024 question 'Q99'.* Valid ids: Q1, Q2"):
        od.question("Q99")
    with pytest.raises(ValueError, match="Did you mean 'No.1'"):
        od.question("No1", "2020")
    with pytest.raises(ValueError, match="wave must be one of 2020, 2024; got '2023'"):
        od.question("Q1", 2023)


def test_status_table_counts_every_status():
    st = od.status_table(by="type", survey=SURVEY, who=WHO)
    town = st[st["group"] == "町"].set_index("status")["count"].to_dict()
    assert town == {"提出済": 1, "未提出": 1, "未確認": 1}
    assert st["count"].sum() == 6


def test_answers_mark_skipped_questions_as_no_answer_not_as_no():
    a = od.answers("Q3", survey=SURVEY, who=WHO).set_index("code")
    assert a.loc["000066", "category"] == "無回答" and a.loc["000066", "kind"] == "nonresponse"
    assert a.loc["000044", "category"] == "未提出"
    assert a.loc["000033", "category"] == "取り組んでいない" and a.loc["000033", "kind"] == "answer"


def test_panel_change_refuses_differently_worded_questions():
    with pytest.raises(ValueError, match="'update_frequency' is worded differently .*: awareness, files"):
        od.panel_change("update_frequency")
    with pytest.raises(ValueError, match="Unknown comparable topic 'nope'. Valid topics: awareness"):
        od.panel_change("nope")


# ------------------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def real(mirror, _isolated_data_dir):
    from jdxlib import _build, sources

    mp = pytest.MonkeyPatch()
    mp.setenv("JDX_DATA_MIRROR", str(mirror))
    _build.build(["opendata_survey", "municipalities", "prefectures", "dx_status"], progress=False)
    paths = sources.fetch_all(["opendata2024_answers", "opendata2020_answers"], progress=False)
    with open(paths["opendata2024_answers"], encoding="utf-8-sig", newline="") as fh:
        r24 = list(csv.reader(fh))
    with open(paths["opendata2020_answers"], encoding="utf-8", newline="") as fh:
        r20 = list(csv.reader(fh))
    yield {"2024": r24, "2020": r20}
    mp.undo()


def _col(header, prefix):
    return next(j for j, h in enumerate(header) if h.startswith(prefix))


def _raw_2020_by_code(r20, r24):
    """2020 rows keyed by the 2024 file's code of the same name (repairs 苅田町 independently)."""
    by_name = {r[2].replace("檮原町", "梼原町"): r[1].zfill(6) for r in r24[1:]}
    return {by_name[r[1]]: r for r in r20[2:]}


@pytest.mark.mirror
def test_national_q3_shares_and_bounds_match_the_raw_file(real):
    h, rows = real["2024"][0], real["2024"][1:]
    j = _col(h, "Q3【")
    muni = [r for r in rows if r[1].zfill(6)[2:5] != "000"]
    yes = sum(r[j] == "取組んでいる" for r in muni)
    resp = sum(r[j] != "" for r in muni)
    b = od.bounds("Q3", ["取り組んでいる"]).iloc[0]
    assert (b["yes"], b["respondents"], b["total"]) == (yes, resp, len(muni)) == (1185, 1402, 1741)
    assert b["low"] == pytest.approx(yes / len(muni)) and b["high"] == pytest.approx((yes + len(muni) - resp) / len(muni))
    ps = od.prefecture_shares("Q3", ["取り組んでいる"])
    assert len(ps) == 47 and ps["total"].sum() == 1741 and ps["yes"].sum() == 1185
    assert ps["rank"].is_monotonic_increasing


@pytest.mark.mirror
def test_dx_policy_by_open_data_answer_matches_a_plain_join(real):
    import jdxlib

    h, rows = real["2024"][0], real["2024"][1:]
    j = _col(h, "Q3【")
    group = {r[1].zfill(6): (r[j] or r[5]) for r in rows}
    dx = jdxlib.load("dx_status")
    dx = dx[(dx["indicator_id"] == "dx_policy_formulated") & (dx["level"].astype(str) == "municipality")]
    expect = {}
    for code, st in zip(dx["code"], dx["status"].astype(str)):
        g = group[code]
        y, n = expect.get(g, (0, 0))
        expect[g] = (y + (st == "実施"), n + (st in ("実施", "未実施")))
    got = od.dx_by_response().set_index("group")
    mapping = {"取り組んでいる": "取組んでいる", "取り組んでいない": "取組んでいない", "未提出": "未提出", "未確認": "未確認"}
    for label, raw_label in mapping.items():
        assert (got.loc[label, "yes"], got.loc[label, "n"]) == expect[raw_label]
    # SOURCES.md §7: about 58% / 24% / 45% / 25%
    assert [round(got.loc[k, "share"] * 100) for k in mapping] == [58, 24, 45, 25]


@pytest.mark.mirror
def test_awareness_change_matches_the_raw_files(real):
    r20, r24 = real["2020"], real["2024"]
    h1, h2 = r20[0], r20[1]
    j1 = _col(h1, "[No.1]")
    opts20 = h2[j1:j1 + 4]  # the four options, most aware first
    raw20 = _raw_2020_by_code(r20, r24)
    j = _col(r24[0], "Q1【")
    up = same = down = 0
    for r in r24[1:]:
        code = r[1].zfill(6)
        old = raw20[code]
        if r[5] != "提出済" or old[2] != "提出済":
            continue
        a20 = next(k for k in range(4) if old[j1 + k] == "○")
        a24 = opts20.index(r[j])
        up += a24 < a20
        same += a24 == a20
        down += a24 > a20
    assert up + same + down == 1394
    got = od.panel_change_summary("awareness").set_index("change")["count"].to_dict()
    assert got == {"up": up, "same": same, "down": down, "not_comparable": 0}


@pytest.mark.mirror
def test_published_in_2020_but_not_engaged_in_2024_matches_the_raw_files(real):
    r20, r24 = real["2020"], real["2024"]
    h1, h2 = r20[0], r20[1]
    j2 = _col(h1, "[No.2]")
    jp = next(k for k in range(j2, j2 + 5) if "すでに公開" in h2[k])
    raw20 = _raw_2020_by_code(r20, r24)
    j3 = _col(r24[0], "Q3【")
    expect = sorted(r[1].zfill(6) for r in r24[1:] if r[j3] == "取組んでいない" and raw20[r[1].zfill(6)][jp] == "○")
    got = od.published_then_not_engaged()
    assert sorted(got["code"]) == expect and len(expect) > 0
    ct = od.publication_crosstab()
    assert ct["count"].sum() == 1741
    cell = ct[(ct["answer_2020"] == "すでに公開している") & (ct["answer_2024"] == "取り組んでいない")]["count"].iloc[0]
    assert cell == sum(1 for c in expect if c[2:5] != "000")


@pytest.mark.mirror
def test_body_answers_show_non_response_as_such(real):
    st = od.status_by_body("2024")
    code = st.loc[st["status"].astype(str) == "未確認", "code"].iloc[0]
    ba = od.body_answers(code)
    mine = ba[ba["wave"] == "2024"]
    assert (mine["answer"] == "未確認").all() and mine["prefecture_count"].isna().all()
    with pytest.raises(ValueError, match="is not the code of one of the 1,741 municipalities"):
        od.body_answers("999999")


@pytest.mark.mirror
def test_peers_leave_the_body_out_and_profile_sections_state_non_response(real):
    from jdxlib import names, opendata_sections

    h, rows = real["2024"][0], real["2024"][1:]
    j1 = _col(h, "Q1【")
    me = next(r for r in rows if r[4] == "八王子市")
    ba = od.body_answers(me[1].zfill(6)).set_index(["wave", "question_id"]).loc[("2024", "Q1")]
    tokyo = [r for r in rows if r[3] == "東京都" and r[1].zfill(6)[2:5] != "000" and r[1] != me[1]]
    assert ba["prefecture_respondents"] == sum(r[j1] != "" for r in tokyo)
    assert ba["prefecture_count"] == sum(r[j1] == me[j1] for r in tokyo)
    # a non-respondent gets one sentence saying so, in the theme report and in the profiles
    chibu = names.resolve_municipality("知夫村")
    assert next(r for r in rows if r[4] == "知夫村")[5] == "未確認"
    assert opendata_sections.body_section(chibu).caption.startswith("知夫村は2024年度調査は未確認で、回答がありません。")
    shimane = names.resolve_prefecture("島根県")
    t = opendata_sections.prefecture_municipal_section(shimane).table.set_index("")
    raw = pd.Series([r[5] for r in rows if r[3] == "島根県" and r[1].zfill(6)[2:5] != "000"]).value_counts()
    assert [t.loc["島根県の市区町村", k] for k in ("提出済", "未提出", "未確認")] == [str(raw[k]) for k in ("提出済", "未提出", "未確認")]
    own = od.prefecture_answers("32")
    assert (own["kind"] == "answer").sum() >= 4 and (own["others_respondents"] <= 46).all()
    with pytest.raises(ValueError, match="'99' is not a 2-digit prefecture code"):
        od.prefecture_answers("99")


@pytest.mark.mirror
def test_prefecture_grid_cells_match_their_labels(real):
    from jdxlib import opendata_sections, viz

    viz.set_theme()
    sec = opendata_sections.grid_section()
    ax = sec.figure.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert len(rows) == 47 and rows[0] == "北海道" and rows[-1] == "沖縄県"
    assert cols == [g[0] for g in opendata_sections.GRID_ITEMS]
    cells = [t.get_text() for t in ax.texts]
    for r in (0, 31):  # 北海道, 島根県
        for c, (_, wave, qid, yes) in enumerate(opendata_sections.GRID_ITEMS):
            ps = od.prefecture_shares(qid, list(yes), wave).set_index("prefecture")
            share = ps.loc[rows[r], "share"]
            assert cells[r * len(cols) + c] == ("" if pd.isna(share) else f"{share * 100:.0f}"), (rows[r], cols[c])


@pytest.mark.mirror
def test_body_answers_counts_match_filtering_the_answers_table(real):
    """The per-group counts (counted once per question) equal filtering every answer row."""
    m = od.bodies("municipality")
    st = od.status_by_body("2024")
    silent = st.loc[st["status"].astype(str) == "未提出", "code"].iloc[0]  # answered 2020 only
    for code in [*m["code"].iloc[[0, 400, 777, 1200, 1740]], silent]:
        me = m[m["code"] == code].iloc[0]
        got = od.body_answers(code).set_index(["wave", "question_id"])
        for (wave, qid), row in got.iterrows():
            a = od.answers(qid, wave)
            mine = a[a["code"] == code].sort_values("option_order")
            assert row["answer"] == "、".join(mine["category"].astype(str))
            others = a[a["code"] != code]
            for peer, sel in (("prefecture", others["prefecture_code"] == me["prefecture_code"]),
                              ("type", others["type"].astype(str) == str(me["type"])),
                              ("national", pd.Series(True, index=others.index))):
                resp = others[sel & (others["kind"] == "answer")]
                assert row[f"{peer}_respondents"] == resp["code"].nunique(), (code, qid, peer)
                if mine["kind"].iloc[0] == "answer":
                    first = mine["category"].astype(str).iloc[0]
                    want = resp[resp["category"].astype(str) == first]["code"].nunique()
                    assert row[f"{peer}_count"] == want, (code, qid, peer)
                else:
                    assert pd.isna(row[f"{peer}_count"])
