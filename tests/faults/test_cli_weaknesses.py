"""The weaknesses of issue 13: --jobs above the core count, over-long names, a prefecture
given as --municipalities without 県, --out '', the failure summary, name-resolution inputs."""
from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from jdxlib.cli import main
from jdxlib.report import cli as report_cli

from report import fake_names


@pytest.fixture
def names(monkeypatch):
    monkeypatch.setattr(report_cli, "_names", lambda: fake_names)
    return fake_names


def invoke(*args):
    return CliRunner().invoke(main, ["report", *args])


def test_jobs_above_the_core_count_are_capped_with_a_warning(fake_notebooks, tmp_path, monkeypatch):
    seen = {}

    def fake_run(specs, out_dir, run, *, jobs, **kw):
        seen["jobs"] = jobs
        raise KeyboardInterrupt

    monkeypatch.setattr("jdxlib.report.runner.run_reports", fake_run)
    monkeypatch.setattr(report_cli, "_cores", lambda: 2)
    res = invoke("--theme", "fake_theme", "--jobs", "8", "--out", str(tmp_path))
    assert seen["jobs"] == 2
    assert "warning: 8 workers asked for, but this machine has 2 core(s): using 2" in res.output


@pytest.mark.parametrize("option", ["--theme", "--prefecture", "--municipalities"])
def test_over_long_names_are_quoted_short(fake_notebooks, tmp_path, names, no_runs, option):
    long = "架" * 10_000
    args = [option, long] if option == "--theme" else ["--theme", "fake_theme", option, long]
    res = invoke(*args, "--out", str(tmp_path))
    assert res.exit_code == 2, res.output
    assert len(res.output) < 1500, len(res.output)
    assert "10000 characters" in res.output


def test_municipalities_with_a_short_prefecture_name_suggests_it(fake_notebooks, tmp_path, names, no_runs):
    res = invoke("--theme", "fake_theme", "--municipalities", "島根", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "島根県" in res.output, res.output


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_out_is_rejected(fake_notebooks, tmp_path, no_runs, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = invoke("--theme", "fake_theme", "--out", value)
    assert res.exit_code == 2
    assert "--out" in res.output and "empty" in res.output
    assert not (tmp_path / "default").exists()


def test_failure_summary_shows_the_whole_parameter_problem():
    err = {
        "stage": "execute", "cell_index": 2, "execution_count": 2, "ename": "NameResolutionError",
        "evalue": "パラメータに 1 件の問題があります / 1 problem in the parameters:\n1. prefecture='架空': unknown",
    }
    text = report_cli._error_text(err)
    assert "1. prefecture='架空': unknown" in text and "\n" not in text


def test_name_resolution_datasets_are_inputs(fake_notebooks):
    from jdxlib.report.runner import ReportSpec, input_datasets

    nb = {"cells": [{"cell_type": "code", "source": "x = 1"}]}
    national = ReportSpec(name="a", key="fake_theme", notebook="x", parameters={"prefecture": None})
    body = ReportSpec(name="b", key="fake_theme", notebook="x", parameters={"prefecture": "東京都"})
    assert input_datasets(national, nb) == []
    assert input_datasets(body, nb) == ["municipalities", "prefectures"]
