"""Issue 12 §5: parameters that do what they say.  National-only themes refuse
prefecture/highlight (exit 2, naming the themes that accept them) in the CLI and in YAML
configs; --prefecture with --municipalities and an empty --prefecture are errors."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from jdxlib import themes
from jdxlib.cli import main
from jdxlib.report import cli as report_cli

from report import fake_names
from .conftest import make_notebook

NATIONAL_ONLY = ["frontyard", "security", "digital_divide", "services"]
PARAMS = 'prefecture: str | None = None  # 都道府県\nhighlight: str | None = None  # 強調'


@pytest.fixture
def theme_notebooks(tmp_path, monkeypatch):
    """Fake notebooks named like the real themes (the rule comes from jdxlib/themes.yml)."""
    d = tmp_path / "notebooks"
    for i, key in enumerate(["governance", *NATIONAL_ONLY], start=1):
        make_notebook(d / f"{i:02d}_{key}.ipynb", f"架空 {key}", ["x = 1"], params=PARAMS)
    monkeypatch.setenv("JDX_NOTEBOOKS_DIR", str(d))
    monkeypatch.setattr(report_cli, "_names", lambda: fake_names)
    return d


def invoke(*args):
    return CliRunner().invoke(main, ["report", *args])


def test_themes_yml_says_which_themes_have_per_body_data():
    assert set(NATIONAL_ONLY).isdisjoint(themes.body_themes())
    assert {"governance", "online_procedures", "ai_rpa", "telework", "mynumber_card"} <= set(themes.body_themes())


@pytest.mark.parametrize("theme", NATIONAL_ONLY)
@pytest.mark.parametrize("option", [["--prefecture", "東京都"], ["--highlight", "世田谷区"], ["--prefectures", "all"], ["--municipalities", "東京都"]])
def test_cli_refuses_body_parameters_for_national_themes(theme_notebooks, tmp_path, no_runs, theme, option):
    res = invoke("--theme", theme, *option, "--out", str(tmp_path))
    assert res.exit_code == 2, res.output
    assert f"the theme {theme!r} has only national figures" in res.output
    assert "governance, online_procedures, ai_rpa, telework, mynumber_card" in res.output


def test_cli_without_theme_runs_prefecture_only_where_it_means_something(theme_notebooks):
    from jdxlib.report.catalog import Catalog

    specs = report_cli.expand(Catalog(), None, ("html",), prefecture="東京都")
    assert [s.key for s in specs] == ["governance"]


def test_config_refuses_body_parameters_for_national_themes(theme_notebooks, tmp_path, no_runs):
    p = tmp_path / "b.yml"
    p.write_text("reports:\n  - notebook: governance\n  - notebook: security\n    parameters: {prefecture: 東京都}\n",
                 encoding="utf-8")
    res = invoke("--config", str(p), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2
    assert "b.yml:4: reports[1].parameters: the theme 'security' has only national figures" in res.output, res.output
    p.write_text("reports:\n  - notebook: services\n    prefectures: all\n", encoding="utf-8")
    res = invoke("--config", str(p), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and "the theme 'services' has only national figures" in res.output, res.output


def test_config_accepts_national_themes_without_body_parameters(theme_notebooks, tmp_path):
    from jdxlib.report.catalog import Catalog
    from jdxlib.report.config import load_config

    p = tmp_path / "b.yml"
    p.write_text("reports:\n  - notebooks: [security, governance]\n    parameters: {prefecture: ~}\n", encoding="utf-8")
    assert load_config(p, Catalog()).items[0].parameter_sets == [{"prefecture": None}]


def test_prefecture_with_municipalities_is_an_error(theme_notebooks, tmp_path, no_runs):
    res = invoke("--theme", "governance", "--prefecture", "東京都", "--municipalities", "世田谷区", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "give --prefecture or --municipalities, not both" in res.output


@pytest.mark.parametrize("option", ["--prefecture", "--highlight"])
def test_empty_prefecture_is_an_error(theme_notebooks, tmp_path, no_runs, option):
    res = invoke("--theme", "governance", option, "", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "empty" in res.output and option in res.output


def test_notebook_validation_uses_the_same_rule():
    with pytest.raises(themes.ThemeParameterError, match="governance, online_procedures"):
        themes.check_body_parameters("security", prefecture="東京都")
    themes.check_body_parameters("security")
    themes.check_body_parameters("governance", prefecture="東京都", highlight="131121")


@pytest.mark.parametrize("stem", ["02_frontyard", "04_security", "07_digital_divide", "08_services"])
def test_national_theme_notebooks_refuse_a_prefecture_themselves(stem):
    """Run directly (JupyterLab, papermill), the notebook's validation cell applies the rule."""
    import nbformat

    from jdxlib._paths import PROJECT_ROOT

    nb = nbformat.read(PROJECT_ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    ns: dict = {}
    exec(code[0].source, ns)
    exec(code[1].source, {**ns, "prefecture": None})  # national: accepted (needs no data)
    with pytest.raises(themes.ThemeParameterError, match="only national figures"):
        exec(code[1].source, {**ns, "prefecture": "東京都"})


def test_refused_before_any_data_work(theme_notebooks, tmp_path, monkeypatch):
    def boom():
        raise AssertionError("data prepared before the options were checked")

    monkeypatch.setattr(report_cli, "_ensure_data", boom)
    monkeypatch.setattr(report_cli, "NOTEBOOKS_DIR", theme_notebooks)  # as with the real notebooks
    res = invoke("--theme", "security", "--prefecture", "東京都", "--out", str(tmp_path))
    assert res.exit_code == 2 and "only national figures" in res.output, res.output
