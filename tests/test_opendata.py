"""The open-data survey datasets (SOURCES.md §7), checked against the raw files read here with
plain csv/pandas, and against the counts SOURCES.md verified."""
from __future__ import annotations

import csv
import os

import pandas as pd
import pytest
import yaml

from jdxlib._build import opendata as od
from jdxlib._build._common import BuildError
from jdxlib._paths import PROJECT_ROOT


# ------------------------------------------------------------------------------ no mirror


def test_fused_multi_choice_options_are_split_on_the_known_options():
    cells = ["A;B", "A\t;C\t", "AB", "C", "BA\tC"]
    assert od._split_multi(cells) == [["A", "B"], ["A", "C"], ["A", "B"], ["C"], ["B", "A", "C"]]


def test_levels_must_match_exactly_one_option():
    spec = {"levels": [{"label": "x", "match": "知って"}, {"label": "y", "match": "知らない"}]}
    assert od._order_options("2024", "Q1", spec, {"知らない": 1, "良く知っている": 2}) == [
        ("良く知っている", "x"), ("知らない", "y")]
    with pytest.raises(BuildError, match=r"Q1: option '新しい選択肢' matches 0 of the expected levels"):
        od._order_options("2024", "Q1", spec, {"新しい選択肢": 1})


def test_every_comparable_question_exists_in_both_waves():
    q = od.questionnaire()
    for c in q["comparable"]:
        assert c["2020"] in q["questions"]["2020"] and c["2024"] in q["questions"]["2024"]
        assert c["wording"] in {"identical", "similar", "different"}
        assert q["questions"]["2020"][c["2020"]]["topic"] == c["topic"] or c["wording"] == "different"


def test_no_publisher_question_text_is_committed():
    text = (PROJECT_ROOT / "jdxlib" / "refdata" / "opendata_questions.yml").read_text(encoding="utf-8")
    assert "回答対象" not in text and "選択してください" not in text


def _who():
    return pd.DataFrame({"code": ["010006", "011002"], "level": ["prefecture", "municipality"],
                         "prefecture": ["北海道", "北海道"], "name": ["北海道", "札幌市"]})


def _csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


HEAD24 = od.HEADER_2024 + ["Q1【架空の設問】", "Q8【架空の設問】"]


def test_2024_reader_zero_fills_codes_and_reads_multi_answers(tmp_path):
    path = _csv(tmp_path / "a.csv", [HEAD24, ["1000", "10006", "北海道", "北海道", "北海道", "提出済", "良く知っている", "A\t;B"],
                                     ["1100", "11002", "北海道 札幌市", "北海道", "札幌市", "未確認", "", ""]])
    status, answers, texts = od.read_2024(path, _who())
    assert status == {"010006": "提出済", "011002": "未確認"}
    assert texts["Q1"] == "【架空の設問】" and answers["Q1"] == {"010006": ["良く知っている"]}
    assert answers["Q8"] == {"010006": ["A", "B"]}  # Q8 is multi-choice: ';'-joined, stray TAB removed


def test_2024_reader_rejects_answers_of_a_non_respondent(tmp_path):
    path = _csv(tmp_path / "a.csv", [HEAD24, ["1000", "10006", "北海道", "北海道", "北海道", "提出済", "x", ""],
                                     ["1100", "11002", "北海道 札幌市", "北海道", "札幌市", "未提出", "良く知っている", ""]])
    with pytest.raises(BuildError, match=r"line 3: 札幌市 is 未提出 but has answers \(\['Q1'\]\)"):
        od.read_2024(path, _who())


def test_2024_reader_rejects_a_code_whose_name_differs(tmp_path):
    path = _csv(tmp_path / "a.csv", [HEAD24, ["1000", "10006", "北海道", "北海道", "北海道", "提出済", "", ""],
                                     ["1100", "11002", "北海道 函館市", "北海道", "函館市", "提出済", "", ""]])
    with pytest.raises(BuildError, match="code 011002 is 北海道札幌市 in the code list but the row says 北海道 函館市"):
        od.read_2024(path, _who())


def test_2020_reader_repairs_a_code_by_name_and_rejects_unknown_names(tmp_path):
    h1 = od.HEADER_2020 + ["[No.1]架空の設問", ""]
    h2 = ["", "", "", "はい", "いいえ"]
    rows = [h1, h2, ["010006", "北海道", "提出済", "○", ""], ["010006", "北海道 札幌市", "提出済", "", "○"]]
    status, answers, texts, order, repairs = od.read_2020(_csv(tmp_path / "b.csv", rows), _who())
    assert repairs == [{"line": 4, "name": "北海道 札幌市", "published_code": "010006", "code": "011002",
                        "published_code_name": "北海道"}]
    assert answers["No.1"] == {"010006": ["はい"], "011002": ["いいえ"]} and order["No.1"] == ["はい", "いいえ"]
    rows[3][1] = "北海道 架空町"
    with pytest.raises(BuildError, match="no body of the code list has that name"):
        od.read_2020(_csv(tmp_path / "c.csv", rows), _who())


# ------------------------------------------------------------------------------ mirror

pytestmark_mirror = pytest.mark.mirror


@pytest.fixture(scope="module")
def raw(mirror):
    """The two answer files read with csv only: {wave: (header rows, body rows)}."""
    from jdxlib import sources

    mp = pytest.MonkeyPatch()
    mp.setenv("JDX_DATA_MIRROR", str(mirror))
    paths = sources.fetch_all(["code_list", "opendata2024_answers", "opendata2020_answers"], progress=False)
    with open(paths["opendata2024_answers"], encoding="utf-8-sig", newline="") as fh:
        r24 = list(csv.reader(fh))
    with open(paths["opendata2020_answers"], encoding="utf-8", newline="") as fh:
        r20 = list(csv.reader(fh))
    yield {"paths": paths, "2024": r24, "2020": r20}
    mp.undo()


@pytest.fixture(scope="module")
def built(mirror, _isolated_data_dir):
    import jdxlib
    from jdxlib import _build

    mp = pytest.MonkeyPatch()
    mp.setenv("JDX_DATA_MIRROR", str(mirror))
    _build.build(["opendata_survey"], progress=False)
    yield jdxlib.load("opendata_survey"), jdxlib.load("opendata_questions")
    mp.undo()


def _status_counts(df, wave):
    one = df[df["wave"] == wave].drop_duplicates("code")
    return one["status"].astype(str).value_counts().to_dict()


@pytest.mark.mirror
def test_status_counts_equal_the_raw_files_and_sources_md(raw, built):
    survey, _ = built
    raw24 = pd.Series([r[5] for r in raw["2024"][1:]]).value_counts().to_dict()
    raw20 = pd.Series([r[2] for r in raw["2020"][2:]]).value_counts().to_dict()
    assert _status_counts(survey, "2024") == raw24 == {"提出済": 1449, "未提出": 183, "未確認": 156}
    assert _status_counts(survey, "2020") == raw20 == {"提出済": 1715, "未提出": 51, "未確認": 22}
    assert survey.groupby("wave")["code"].nunique().to_dict() == {"2020": 1788, "2024": 1788}


@pytest.mark.mirror
def test_non_respondents_have_one_row_without_any_answer(built):
    survey, _ = built
    non = survey[survey["status"].astype(str) != "提出済"]
    assert non["question_id"].isna().all() and non["option"].isna().all()
    assert not non.duplicated(["wave", "code"]).any()
    sub = survey[survey["status"].astype(str) == "提出済"]
    assert sub["question_id"].notna().all()


@pytest.mark.mirror
def test_codes_are_zero_filled_and_hokkaido_present(raw, built):
    survey, _ = built
    raw_hokkaido = [r for r in raw["2024"][1:] if r[3] == "北海道"]
    assert len(raw_hokkaido) == 180 and all(len(r[1]) == 5 for r in raw_hokkaido)
    codes24 = set(survey.loc[survey["wave"] == "2024", "code"])
    assert {r[1].zfill(6) for r in raw_hokkaido} <= codes24
    assert all(len(c) == 6 for c in codes24)
    # 檮原町 (2024 spelling) is 梼原町 394050
    row = next(r for r in raw["2024"][1:] if r[4] == "檮原町")
    assert row[1] == "394050" and "394050" in codes24


@pytest.mark.mirror
def test_kanda_is_repaired_by_name_and_recorded_as_an_erratum(raw, built):
    survey, _ = built
    rows = [r for r in raw["2020"][2:] if r[1] == "福岡県 苅田町"]
    assert len(rows) == 1 and rows[0][0] == "132209"
    assert not any(r[0] == "406210" for r in raw["2020"][2:])
    s20 = survey[survey["wave"] == "2020"]
    assert s20.loc[s20["code"] == "406210", "status"].astype(str).unique().tolist() == [rows[0][2]]
    # 東大和市 keeps exactly its own answers: as many No.1 rows as its raw row has ○ there
    assert (s20.loc[s20["code"] == "132209", "question_id"] == "No.1").sum() == 1
    repairs = od.repairs_2020(raw["paths"])
    errata = yaml.safe_load((PROJECT_ROOT / "data" / "errata" / "opendata_2020.yml").read_text(encoding="utf-8"))
    assert [(r["name"], r["published_code"], r["code"]) for r in repairs] == [
        (e["name"], e["published_code"], e["code"]) for e in errata["errata"]]


@pytest.mark.mirror
def test_panel_of_bodies_submitting_both_times(raw, built):
    survey, _ = built
    sub24 = {r[1].zfill(6) for r in raw["2024"][1:] if r[5] == "提出済"}
    by_name = {r[2]: r[1].zfill(6) for r in raw["2024"][1:]}  # "福岡県 苅田町" -> 406210
    sub20_raw = {r[0] for r in raw["2020"][2:] if r[2] == "提出済"}
    sub20_named = {by_name[r[1].replace("梼原町", "檮原町")] if r[1].replace("梼原町", "檮原町") in by_name
                   else by_name[r[1]] for r in raw["2020"][2:] if r[2] == "提出済"}
    assert len(sub24 & sub20_raw) == 1393  # unrepaired (SOURCES.md)
    assert len(sub24 & sub20_named) == 1394
    one = survey.drop_duplicates(["wave", "code"])
    both = (one[one["status"].astype(str) == "提出済"].groupby("code")["wave"].nunique() == 2).sum()
    assert both == 1394


@pytest.mark.mirror
def test_question_totals_against_raw_columns(raw, built):
    survey, questions = built
    h24, rows24 = raw["2024"][0], raw["2024"][1:]
    j3 = next(j for j, h in enumerate(h24) if h.startswith("Q3【"))
    muni = [r for r in rows24 if r[1].zfill(6)[2:5] != "000"]
    raw_q3 = pd.Series([r[j3] for r in muni]).value_counts().to_dict()
    assert raw_q3 == {"取組んでいる": 1185, "取組んでいない": 217, "": 339}
    s = survey[(survey["wave"] == "2024") & (survey["question_id"] == "Q3") & (survey["level"] == "municipality")]
    assert s["option"].value_counts().to_dict() == {"取組んでいる": 1185, "取組んでいない": 217}
    # 2020 No.1: one ○ per submitted row, in four columns
    h1, h2, rows20 = raw["2020"][0], raw["2020"][1], raw["2020"][2:]
    j1 = next(j for j, h in enumerate(h1) if h.startswith("[No.1]"))
    counts = [sum(r[j] == "○" for r in rows20) for j in range(j1, j1 + 4)]
    assert counts == [1038, 568, 104, 5]
    q1 = questions[(questions["wave"] == "2020") & (questions["question_id"] == "No.1")]
    assert q1["chosen"].tolist() == counts and q1["option"].tolist() == [h2[j] for j in range(j1, j1 + 4)]
    # No.2 すでに公開: 971 bodies, 924 municipalities
    j2 = next(j for j, h in enumerate(h1) if h.startswith("[No.2]"))
    jp = next(j for j in range(j2, j2 + 5) if "すでに公開" in h2[j])
    published = [r for r in rows20 if r[jp] == "○"]
    assert len(published) == 971 and sum(r[0][2:5] != "000" for r in published) == 924
    s2 = survey[(survey["wave"] == "2020") & (survey["question_id"] == "No.2") & (survey["option"] == h2[jp])]
    assert len(s2) == 971 and (s2["level"] == "municipality").sum() == 924


@pytest.mark.mirror
def test_multi_choice_counts_equal_a_plain_split_of_the_raw_column(raw, built):
    _, questions = built
    h24, rows24 = raw["2024"][0], raw["2024"][1:]
    j8 = next(j for j, h in enumerate(h24) if h.startswith("Q8【"))
    parts = pd.Series([p.strip(" \t") for r in rows24 for p in r[j8].split(";") if p.strip(" \t")])
    q8 = questions[(questions["wave"] == "2024") & (questions["question_id"] == "Q8")]
    assert q8.set_index("option")["chosen"].to_dict() == parts.value_counts().to_dict()
    assert q8["respondents"].iloc[0] == sum(1 for r in rows24 if r[j8].strip())


@pytest.mark.mirror
def test_free_text_is_only_a_flag(raw, built):
    survey, questions = built
    free = survey[survey["question_type"].astype(str) == "free"]
    assert free["option"].isna().all() and (free["option_label"] == "（記入あり）").all()
    h24, rows24 = raw["2024"][0], raw["2024"][1:]
    j58 = next(j for j, h in enumerate(h24) if h.startswith("Q58【"))
    assert (free[(free["wave"] == "2024")]["question_id"] == "Q58").sum() == sum(1 for r in rows24 if r[j58].strip())


@pytest.mark.mirror
def test_build_is_byte_stable(mirror, tmp_path):
    from jdxlib import sources
    from jdxlib._build._common import write_parquet

    mp = pytest.MonkeyPatch()
    mp.setenv("JDX_DATA_MIRROR", str(mirror))
    paths = sources.fetch_all(od.inputs(), progress=False)
    a = write_parquet(od.build_opendata(paths)[0], tmp_path / "a.parquet").read_bytes()
    b = write_parquet(od.build_opendata(paths)[0], tmp_path / "b.parquet").read_bytes()
    mp.undo()
    assert a == b


def test_metadata_names_both_publishers_and_the_unchecked_2020_terms():
    import jdxlib

    meta = jdxlib.describe("opendata_survey")
    assert "デジタル庁" in meta.credit and "内閣官房IT総合戦略室" in meta.credit
    assert "再確認していない" in meta.licence
    assert len(meta.reference_dates) == 2
    assert set(meta.extra["credits"]) == {"2020", "2024"}


@pytest.mark.mirror
def test_metadata_columns_equal_dataframe_columns(built):
    import jdxlib

    survey, questions = built
    assert list(jdxlib.describe("opendata_survey").columns) == list(survey.columns)
    assert list(jdxlib.describe("opendata_questions").columns) == list(questions.columns)
