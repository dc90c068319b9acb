"""Workshop kit: lesson structure, the two editions, the exercise checks and the CLI.

The facilitator edition is built (executed with papermill) once per session from the
``real_data`` datasets; the kernels inherit JDX_DATA_DIR / JDX_DATA_MIRROR from os.environ.
Reference answers below are computed from the datasets, never typed in.
"""
from __future__ import annotations

import os
import re

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT

WORKSHOP = PROJECT_ROOT / "notebooks" / "workshop"
LESSONS = sorted(WORKSHOP.glob("[0-9][0-9]_*.ipynb"))
CHECK_CALL = re.compile(r"^check\.lesson(\d)\.q(\d)\((answer\d)\)$")


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


# ------------------------------------------------------------------------------ lessons


def test_five_lessons_with_exercise_solution_check_triples():
    assert [p.name for p in LESSONS] == [
        "01_datasets.ipynb", "02_rates_and_denominators.ipynb",
        "03_peer_comparison.ipynb", "04_maps_and_reports.ipynb", "05_who_did_not_answer.ipynb",
    ]
    for number, path in enumerate(LESSONS, 1):
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
        assert "viz.set_theme()" in "".join(c.source for c in _code(nb)[:2]), path.name
        cells = nb.cells
        exercises = [i for i, c in enumerate(cells) if "exercise" in _tags(c)]
        assert len(exercises) >= 3, path.name
        for q, i in enumerate(exercises, 1):
            ex, sol, chk = cells[i], cells[i + 1], cells[i + 2]
            assert "TODO" in ex.source and "..." in ex.source, (path.name, i)
            assert "solution" in _tags(sol) and sol.cell_type == "code", (path.name, i)
            m = CHECK_CALL.match(chk.source.strip())
            assert m and (int(m[1]), int(m[2])) == (number, q), (path.name, chk.source)
            assert f"{m[3]} = ..." in ex.source and m[3] in sol.source
        for c in _code(nb):  # committed clean
            assert c.outputs == [] and c.execution_count is None


# ------------------------------------------------------------------------------ editions


@pytest.fixture(scope="session")
def built(real_data, tmp_path_factory):
    from jdxlib import workshop

    assert os.environ["JDX_DATA_DIR"] == str(real_data)  # inherited by the papermill kernels
    out = tmp_path_factory.mktemp("workshop-out")
    result = workshop.build(out, execute=True)
    return out, result


@pytest.mark.slow  # executes notebooks
def test_every_solution_executes_and_passes_its_check(built):
    out, result = built
    assert result.executed and len(result.facilitator) == len(LESSONS)
    for path in LESSONS:
        nb = nbformat.read(out / "facilitator" / path.name, as_version=4)
        solutions = [c for c in nb.cells if "solution" in _tags(c)]
        assert solutions and all(c.execution_count for c in solutions), path.name
        for c in _code(nb):
            errors = [o for o in c.outputs if o.output_type == "error"]
            assert not errors, (path.name, c.source, errors)
            if CHECK_CALL.match(c.source.strip()):
                text = c.outputs[0]["data"]["text/plain"]
                assert text.startswith("✅"), (path.name, c.source, text)
    readme = (out / "facilitator" / "README.md").read_text(encoding="utf-8")
    assert "facilitator" in readme and all(p.name in readme for p in LESSONS)


@pytest.mark.slow  # executes notebooks
def test_student_edition_has_no_solutions_and_no_outputs(built):
    out, _ = built
    for path in LESSONS:
        source = nbformat.read(path, as_version=4)
        student = nbformat.read(out / "student" / path.name, as_version=4)
        text = "\n".join(c.source for c in student.cells)
        assert not any("solution" in _tags(c) for c in student.cells), path.name
        # lines that only solution cells have (not shared with worked examples or exercises)
        shared = {l.strip() for c in source.cells if "solution" not in _tags(c) for l in c.source.splitlines()}
        for sol in (c for c in source.cells if "solution" in _tags(c)):
            assert sol.source not in text
            own = [l.strip() for l in sol.source.splitlines()]
            own = [l for l in own if l and not l.startswith("#") and l not in shared and len(l) > 12]
            assert own, (path.name, sol.source)
            for line in own:
                assert line not in text, (path.name, line)
        for c in _code(student):
            assert c.outputs == [] and c.execution_count is None, path.name
        exercises = [c for c in student.cells if "exercise" in _tags(c)]
        assert len(exercises) == sum("exercise" in _tags(c) for c in source.cells)
        assert all("# TODO" in c.source for c in exercises)
    assert "student" in (out / "student" / "README.md").read_text(encoding="utf-8")


def test_failing_lesson_names_lesson_and_cell(tmp_path):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from jdxlib import workshop

    nb = new_notebook(cells=[new_markdown_cell("# broken"), new_code_cell("x = 1"), new_code_cell("1 / 0")])
    nbformat.write(nb, str(tmp_path / "01_broken.ipynb"))
    with pytest.raises(workshop.WorkshopBuildError) as info:
        workshop.build(tmp_path / "out", notebooks_dir=tmp_path, jobs=1)
    err = info.value
    assert err.lesson == "01_broken.ipynb" and err.cell_index == 2 and err.ename == "ZeroDivisionError"
    assert "01_broken.ipynb" in str(err) and "1 / 0" in str(err)
    assert not (tmp_path / "out").exists()  # nothing written on failure


# ------------------------------------------------------------------------------ checks


def _munis():
    import jdxlib

    return jdxlib.load("municipalities")


def _cio():
    from jdxlib import analysis

    st = analysis.status_items("cio_appointed")["status"].astype(str)
    yes, n, total = int((st == "実施").sum()), int(st.isin(["実施", "未実施"]).sum()), len(st)
    return yes, n, total


def _ishikawa_cio():
    """Respondents and all municipalities of 石川県 for the CIO item, from dx_status directly."""
    import jdxlib

    dx = jdxlib.load("dx_status")
    m = jdxlib.load("municipalities")
    codes = set(m.loc[m["prefecture"].astype(str) == "石川県", "code"].astype(str))
    st = dx[(dx["indicator_id"] == "cio_appointed") & dx["code"].astype(str).isin(codes)]["status"].astype(str)
    n, total = int(st.isin(["実施", "未実施"]).sum()), len(st)
    assert (n, total) == (11, 19)  # 8 bodies not surveyed after the 2024 Noto earthquake
    return n, total


def _gov_table():
    from jdxlib import analysis, stats, themes

    return stats.share_table(analysis.status_items(themes.get("governance")["per_body"]["dx_status"]), "indicator_id")


def _ciso():
    import jdxlib

    ni = jdxlib.load("national_indicators")
    return ni.query("series_id == 'ciso_appointed' and level == 'municipality' and fiscal_year_survey == 'R5'").iloc[0]


def _body():
    from jdxlib import check, names

    return names.resolve_municipality(check.lesson3.BODY)


def _similar_cio(with_self: bool):
    from jdxlib import analysis, peers

    code = _body().code
    codes = set(peers.peer_groups(code)["similar"].codes) | ({code} if with_self else set())
    st = analysis.status_items("cio_appointed")
    st = st[st["code"].isin(codes)]["status"].astype(str)
    return (st == "実施").sum() / st.isin(["実施", "未実施"]).sum()


def _percentile(with_self: bool):
    import jdxlib
    from jdxlib import peers, stats

    dx = jdxlib.load("dx_status")
    dx = dx[(dx["level"].astype(str) == "municipality") & dx["status"].notna()]
    counts = (dx["status"].astype(str) == "実施").groupby(dx["code"]).sum()
    code = _body().code
    group = list(peers.peer_groups(code)["similar"].codes) + ([code] if with_self else [])
    return stats.percentile_of(counts[code], counts.reindex(group, fill_value=0)).percentile


def _pref_gdf(column: str, scale: float):
    import jdxlib
    from jdxlib import analysis, check

    ind = check.lesson4.INDICATOR
    rk = analysis.prefecture_ranking(analysis.status_items(ind), ind)
    gdf = jdxlib.load("boundaries", level="prefecture").merge(rk[["prefecture_code", "share", "share_of_all"]],
                                                              on="prefecture_code")
    return gdf.assign(pct=gdf[column] * scale)


def _top_bottom(top: bool):
    from jdxlib import analysis, check

    ind = check.lesson4.INDICATOR
    rk = analysis.prefecture_ranking(analysis.status_items(ind), ind).sort_values("share", ascending=not top)
    return str(rk["prefecture"].iloc[0])


def _html(tmp_path):
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_markdown_cell, new_notebook

    import jdxlib

    nb = new_notebook(cells=[new_markdown_cell(jdxlib.describe("dx_status").credit_line)])
    html, _ = HTMLExporter().from_notebook_node(nb)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def _ipynb(tmp_path):
    path = tmp_path / "report.ipynb"
    path.write_text("{}", encoding="utf-8")
    return path


def _od(level="municipality"):
    """2024 open-data survey, one row per body (plain pandas on the dataset)."""
    import jdxlib

    s = jdxlib.load("opendata_survey")
    s = s[s["wave"] == "2024"] if level == "all" else s[(s["wave"] == "2024") & (s["level"] == level)]
    return s


def _od_counts(level):
    return _od(level).drop_duplicates("code")["status"].astype(str).value_counts()


def _od_q3():
    s = _od()
    q3 = s[s["question_id"] == "Q3"]
    yes = int((q3["option_label"] == "取り組んでいる").sum())
    return yes, q3["code"].nunique(), s["code"].nunique()


def _od_policy(denominator_all: bool):
    import jdxlib

    codes = _od().loc[lambda d: d["status"].astype(str) == "未提出", "code"].unique()
    dx = jdxlib.load("dx_status")
    st = dx[(dx["indicator_id"] == "dx_policy_formulated") & dx["code"].isin(codes)]["status"].astype(str)
    return 100 * (st == "実施").sum() / (len(st) if denominator_all else st.isin(["実施", "未実施"]).sum())


def _od_panel(both: bool):
    import jdxlib

    s = jdxlib.load("opendata_survey")
    s = s[s["level"] == "municipality"].drop_duplicates(["wave", "code"])
    sub = {w: set(g.loc[g["status"].astype(str) == "提出済", "code"]) for w, g in s.groupby("wave")}
    return len(sub["2020"] & sub["2024"]) if both else len(sub["2024"])


def _od_awareness(change: str):
    from jdxlib import opendata

    return int((opendata.panel_change("awareness", level="municipality")["change"] == change).sum())


# (lesson, question, right answer, typical wrong answer, words the hint must contain)
CASES = [
    (1, 1, lambda t: len(_munis()), lambda t: len(_munis()) + 47, ["都道府県"]),
    (1, 2, lambda t: _munis()["type"].value_counts(), lambda t: _munis()["type"].value_counts(normalize=True),
     ["normalize"]),
    (1, 3, lambda t: __import__("jdxlib").describe("dx_status").credit_line,
     lambda t: __import__("jdxlib").describe("dx_status").credit, ["credit_line"]),
    (1, 4, lambda t: int((_munis()["population_2020"] < 5000).sum()),
     lambda t: int((~(_munis()["population_2020"] >= 5000)).fillna(True).sum()), ["欠損"]),
    (2, 1, lambda t: 100 * _cio()[0] / _cio()[1], lambda t: 100 * _cio()[0] / _cio()[2], ["1,741", "1,733", "分母"]),
    (2, 2, lambda t: _gov_table(), lambda t: _gov_table().assign(n=lambda d: d["total"]), ["調査無し"]),
    (2, 3, lambda t: 100 / _ishikawa_cio()[0], lambda t: 100 / _ishikawa_cio()[1], ["全団体数", "調査無し", "回答団体"]),
    (2, 4, lambda t: 100 * _ciso()["count"] / _ciso()["denominator"], lambda t: float(_ciso()["percent"]), ["公表値"]),
    (3, 1, lambda t: _body().code, lambda t: _body().code5, ["検査数字"]),
    (3, 2, lambda t: __import__("jdxlib.peers").peers.peer_groups(_body().code)["same_prefecture"].size,
     lambda t: __import__("jdxlib.peers").peers.peer_groups(_body().code)["same_prefecture"].size + 1, ["自団体"]),
    (3, 3, lambda t: _similar_cio(False), lambda t: _similar_cio(True), ["自団体"]),
    (3, 4, lambda t: _percentile(False), lambda t: _percentile(True), ["自団体"]),
    (4, 1, lambda t: _pref_gdf("share", 100), lambda t: _pref_gdf("share_of_all", 100), ["石川県", "share"]),
    (4, 2, lambda t: _top_bottom(True), lambda t: _top_bottom(False), ["ascending"]),
    (4, 3, lambda t: dict(__import__("jdxlib.check.lesson4").check.lesson4.TARGET),
     lambda t: {"pref": "島根県", "highlight": "海士町"}, ["prefecture"]),
    (4, 4, _html, _ipynb, ["HTMLExporter"]),
    (5, 1, lambda t: _od_counts("municipality"), lambda t: _od_counts("all"), ["都道府県"]),
    (5, 2, lambda t: 100 * _od_q3()[0] / _od_q3()[1], lambda t: 100 * _od_q3()[0] / _od_q3()[2], ["分母", "回答"]),
    (5, 3, lambda t: (100 * _od_q3()[0] / _od_q3()[2], 100 * (_od_q3()[0] + _od_q3()[2] - _od_q3()[1]) / _od_q3()[2]),
     lambda t: (100 * _od_q3()[0] / _od_q3()[2], 100 * _od_q3()[0] / _od_q3()[1]), ["すべて「はい」"]),
    (5, 4, lambda t: _od_policy(False), lambda t: _od_policy(True), ["調査無し"]),
    (5, 5, lambda t: _od_panel(True), lambda t: _od_panel(False), ["共通部分"]),
    (5, 6, lambda t: _od_awareness("down"), lambda t: _od_awareness("up"), ["向き"]),
]


def _fn(lesson, q):
    import importlib

    return getattr(importlib.import_module(f"jdxlib.check.lesson{lesson}"), f"q{q}")


def test_every_check_has_a_case():
    from jdxlib import check

    have = {(l, q) for l, q, *_ in CASES}
    for lesson in (1, 2, 3, 4, 5):
        module = getattr(check, f"lesson{lesson}")
        for name in module.__all__:
            if re.fullmatch(r"q\d", name):
                assert (lesson, int(name[1])) in have


@pytest.mark.parametrize("lesson,q,right,wrong,hint", CASES, ids=[f"lesson{l}.q{q}" for l, q, *_ in CASES])
def test_check_accepts_reference_and_rejects_typical_mistake(real_data, tmp_path, lesson, q, right, wrong, hint):
    from jdxlib.check import CheckResult

    fn = _fn(lesson, q)
    ok = fn(right(tmp_path))
    assert isinstance(ok, CheckResult) and ok.ok and ok, ok.message
    assert "正解" in ok.message and ok.question == f"lesson{lesson}.q{q}"
    assert ok.message in repr(ok) and "✅" in ok._repr_html_()
    bad = fn(wrong(tmp_path))
    assert not bad.ok and not bad, bad.message
    for word in hint:
        assert word in bad.message, (word, bad.message)
    assert "❌" in repr(bad)


@pytest.mark.parametrize("lesson,q", [(l, q) for l, q, *_ in CASES], ids=[f"lesson{l}.q{q}" for l, q, *_ in CASES])
def test_check_explains_wrong_types_without_traceback(real_data, lesson, q):
    fn = _fn(lesson, q)
    todo = fn(...)
    assert not todo.ok and "TODO" in todo.message
    for odd in (object(), "abc", [1, 2, 3], pd.DataFrame(), {"x": 1}, float("nan"), True):
        res = fn(odd)
        assert not res.ok and res.message and "Traceback" not in res.message, (odd, res.message)


# ------------------------------------------------------------------------------ CLI


def test_cli_builds_both_editions(tmp_path):
    from jdxlib.workshop_cli import workshop

    out = tmp_path / "ws"
    res = CliRunner().invoke(workshop, ["build", "--out", str(out), "--no-execute"])
    assert res.exit_code == 0, res.output
    assert "student" in res.output and "facilitator" in res.output
    for path in LESSONS:
        student = nbformat.read(out / "student" / path.name, as_version=4)
        fac = nbformat.read(out / "facilitator" / path.name, as_version=4)
        assert not any("solution" in _tags(c) for c in student.cells)
        assert any("solution" in _tags(c) for c in fac.cells)
        assert all(c.outputs == [] for c in _code(student) + _code(fac))
    assert (out / "student" / "README.md").is_file() and (out / "facilitator" / "README.md").is_file()
    assert "Not executed" in (out / "facilitator" / "README.md").read_text(encoding="utf-8")


def test_cli_reports_a_malformed_lesson(tmp_path):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from jdxlib.workshop_cli import workshop

    cell = new_code_cell("# TODO\nanswer1 = ...")
    cell.metadata["tags"] = ["exercise"]
    nbformat.write(new_notebook(cells=[new_markdown_cell("# x"), cell]), str(tmp_path / "01_x.ipynb"))
    res = CliRunner().invoke(workshop, ["build", "--out", str(tmp_path / "o"), "--notebooks", str(tmp_path)])
    assert res.exit_code != 0
    assert "01_x.ipynb" in res.output and "solution" in res.output
