"""`jdx report` selectors and bad input (no notebook is executed here)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from jdxlib.cli import main
from jdxlib.report import cli as report_cli
from jdxlib.report.catalog import Catalog

from . import fake_names


@pytest.fixture
def names(monkeypatch):
    monkeypatch.setattr(report_cli, "_names", lambda: fake_names)
    return fake_names


@pytest.fixture
def no_runs(monkeypatch):
    """Fail the test if any report would be executed."""
    def boom(*a, **k):
        raise AssertionError("reports were started")
    monkeypatch.setattr("jdxlib.report.runner.run_reports", boom)


def invoke(*args):
    return CliRunner().invoke(main, ["report", *args])


def test_unknown_theme_lists_valid_keys(fake_notebooks, tmp_path, no_runs):
    res = invoke("--theme", "securty", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "Unknown notebook 'securty'" in res.output
    assert "Valid keys: overview, fake_theme, failing, leak, probe" in res.output


def test_unwritable_out_is_reported_before_any_work(fake_notebooks, tmp_path, no_runs):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = invoke("--theme", "fake_theme", "--out", str(blocker / "sub"))
    assert res.exit_code == 1
    assert "cannot write to the output folder" in res.output


def test_short_prefecture_name_suggests_full_name(fake_notebooks, tmp_path, names, no_runs):
    res = invoke("--theme", "fake_theme", "--prefecture", "東京", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "did you mean '東京都'" in res.output


def test_bad_format_and_conflicting_selectors(fake_notebooks, tmp_path, names, no_runs):
    res = invoke("--format", "html,docx", "--out", str(tmp_path))
    assert res.exit_code == 2 and "unknown format 'docx'" in res.output
    res = invoke("--theme", "fake_theme", "--prefecture", "東京都", "--prefectures", "all", "--out", str(tmp_path))
    assert res.exit_code == 2 and "not both" in res.output
    res = invoke("--prefectures", "all", "--out", str(tmp_path))
    assert res.exit_code == 2 and "profile_prefecture.ipynb, which does not exist yet" in res.output
    res = invoke("--theme", "overview", "--prefecture", "東京都", "--out", str(tmp_path))
    assert res.exit_code == 2 and "has no parameter 'prefecture'" in res.output


def test_expand_selectors(fake_notebooks, names):
    cat = Catalog()
    theme = [cat.get("fake_theme")]
    # no selector: every NN_ notebook for the whole country
    specs = report_cli.expand(cat, None, ("html",))
    assert [s.name for s in specs] == ["overview", "fake_theme", "failing", "leak", "probe"]
    # one theme, one prefecture, one highlighted body
    (s,) = report_cli.expand(cat, theme, ("html", "pdf"), prefecture="東京都", highlight="世田谷区")
    assert s.name == "fake_theme-13-131121"
    assert s.parameters == {"prefecture": "東京都", "highlight": "131121"}
    assert s.parameter_labels["highlight"] == "東京都世田谷区 (131121)"
    assert s.title == "架空テーマ — 東京都 / 東京都世田谷区 (131121)"
    # the theme once per prefecture
    specs = report_cli.expand(cat, theme, ("html",), prefectures="all")
    assert [(s.name, s.parameters["prefecture"]) for s in specs] == [
        ("fake_theme-13", "東京都"), ("fake_theme-32", "島根県")]
    # a prefecture after --municipalities means all of its municipalities
    specs = report_cli.expand(cat, theme, ("html",), municipalities="東京都")
    assert [s.name for s in specs] == ["fake_theme-131121", "fake_theme-131016"]
    assert specs[0].parameters == {"prefecture": "東京都", "highlight": "131121"}
    # --prefecture applies to the notebooks that take it when no theme is given
    specs = report_cli.expand(cat, None, ("html",), prefecture="島根県")
    assert "overview" not in [s.key for s in specs] and specs[0].name == "fake_theme-32"


@pytest.mark.parametrize("epoch, message", [
    # 2026-01-01 in Japan: before the national figures' 2026-01-31 (マイナンバーカード保有枚数率)
    ("1767225600", r"^Error: generation date 2026-01-01 \(from SOURCE_DATE_EPOCH=1767225600\) is before the latest "
                   r"reference date of jdx's data, 2026-01-31: .* on or after 2026-01-31"),
    ("soon", r"^Error: SOURCE_DATE_EPOCH must be whole seconds since 1970, got 'soon'$"),
])
def test_generation_date_before_the_data_stops_the_batch_before_any_work(monkeypatch, tmp_path, no_runs, epoch, message):
    """One line and exit 2, no run folder, no data built, no kernel (was: every report run,
    then failed one by one with a ValueError)."""
    import re

    def no_data():
        raise AssertionError("datasets were prepared")

    monkeypatch.setattr(report_cli, "_ensure_data", no_data)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    out = tmp_path / "out"
    res = invoke("--theme", "governance", "--format", "html,pdf", "--out", str(out))
    assert res.exit_code == 2, res.output
    assert re.search(message, res.output.strip(), re.S) and len(res.output.strip().splitlines()) == 1, res.output
    assert not out.exists()
