"""Weakness: a parameter of the wrong type is caught before the notebook starts, and said."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from jdxlib.cli import main


@pytest.mark.parametrize(
    "value, words",
    [
        ("[1, 2]", "expected str or None, found a list"),
        ("{a: 1}", "expected str or None, found a mapping"),
        ("[]", "expected str or None, found a list"),
    ],
)
def test_wrong_type_for_str_parameter(fake_notebooks, tmp_path, no_runs, value, words):
    p = tmp_path / "batch.yml"
    p.write_text(f"reports:\n  - notebook: fake_theme\n    parameters:\n      prefecture: {value}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", "--config", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert "batch.yml:4: reports[0].parameters.prefecture:" in res.output, res.output
    assert words in res.output, res.output


@pytest.mark.parametrize("value, ok", [("1990", True), ("'1990'", False), ("true", False), ("~", False), ("2.5", False)])
def test_int_parameter(fake_notebooks, tmp_path, value, ok):
    from jdxlib.report.catalog import Catalog
    from jdxlib.report.config import ConfigError, load_config

    p = tmp_path / "batch.yml"
    p.write_text(f"reports:\n  - notebook: overview\n    parameters: {{since: {value}}}\n", encoding="utf-8")
    if ok:
        assert load_config(p, Catalog()).items[0].parameter_sets == [{"since": 1990}]
    else:
        with pytest.raises(ConfigError, match=r"batch.yml:3: reports\[0\].parameters.since: expected int"):
            load_config(p, Catalog())


def test_long_values_are_quoted_short(fake_notebooks, tmp_path, no_runs):
    long = "x" * 10_000
    p = tmp_path / "batch.yml"
    p.write_text(f"reports:\n  - notebook: fake_theme\n    name: {long}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", "--config", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert len(res.output) < 400, len(res.output)
    assert "10000 characters" in res.output
