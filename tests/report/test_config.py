"""YAML batch configuration: good files parse, bad ones name the line and the key."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from jdxlib.cli import main
from jdxlib.report.catalog import Catalog
from jdxlib.report.config import ConfigError, load_config


def write(tmp_path, text, name="batch.yml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_good_config(fake_notebooks, tmp_path):
    p = write(tmp_path, """\
        out: out
        formats: [html, pdf]
        jobs: 2
        reports:
          - notebook: overview
          - notebooks: [fake_theme, failing]
            parameter_sets:
              - {prefecture: 東京都, highlight: 011002}
              - {prefecture: ~}
            formats: html
          - notebook: fake_theme
            parameters: {prefecture: "13"}
            name: fake-tokyo
        """)
    cfg = load_config(p, Catalog())
    assert cfg.run == "batch" and cfg.jobs == 2 and cfg.out == (tmp_path / "out").resolve()
    first, second, third = cfg.items
    assert first.formats == ("html", "pdf") and first.parameter_sets == [{}]
    assert [n.key for n in second.notebooks] == ["fake_theme", "failing"]
    # a plain 011002 for a str parameter stays text (YAML alone would read octal 4610)
    assert second.parameter_sets[0] == {"prefecture": "東京都", "highlight": "011002"}
    assert second.parameter_sets[1] == {"prefecture": None}
    assert second.formats == ("html",)
    assert third.name == "fake-tokyo" and third.parameter_sets == [{"prefecture": "13"}]


@pytest.mark.parametrize(
    "text, line, key, words",
    [
        ("reports:\n  - notebook: fake_theme\n    paramters: {prefecture: 東京都}\n",
         3, "reports[0].paramters", "did you mean 'parameters'"),
        ("reports:\n  - notebook: fake_them\n", 2, "reports[0].notebook", "Valid keys"),
        ("reports:\n  - notebook: overview\n  - notebook: fake_theme\n    parameters:\n      prefcture: 東京都\n",
         5, "reports[1].parameters.prefcture", "unknown parameter 'prefcture'"),
        ("formats: [html, docx]\nreports:\n  - notebook: overview\n", 1, "formats", "unknown format 'docx'"),
        ("jobs: zero\nreports:\n  - notebook: overview\n", 1, "jobs", "whole number"),
        ("reports:\n  - notebook: overview\n    name: [a, b]\n", 3, "reports[0].name", "file name"),
        ("outt: x\nreports: []\n", 1, "outt", "unknown key"),
        ("reports:\n  - notebook: overview\n    parameters: {since: 1\n", 4, "", "YAML syntax error"),
        ("reports: {notebook: overview}\n", 1, "reports", "non-empty list"),
    ],
)
def test_malformed_config_names_line_and_key(fake_notebooks, tmp_path, text, line, key, words):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_config(p, Catalog())
    msg = str(exc.value)
    assert msg.startswith(f"batch.yml:{line}:"), msg
    assert key in msg and words in msg, msg


def test_cli_reports_malformed_config_before_any_work(fake_notebooks, tmp_path):
    p = write(tmp_path, "reports:\n  - notebook: fake_theme\n    formats: [html, pdff]\n")
    res = CliRunner().invoke(main, ["report", "--config", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "batch.yml:3: reports[0].formats: unknown format 'pdff'" in res.output
    assert not (tmp_path / "o").exists()
