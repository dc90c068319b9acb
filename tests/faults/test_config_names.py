"""Fault 2: a config's report ``name`` must be a plain file stem (issue 13)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from jdxlib.cli import main


def _config(tmp_path, name_line: str):
    p = tmp_path / "batch.yml"
    p.write_text(
        "reports:\n"
        "  - notebook: overview\n"
        "  - notebook: fake_theme\n"
        f"    name: {name_line}\n",
        encoding="utf-8",
    )
    return p


@pytest.mark.parametrize(
    "name, words",
    [
        ("/var/data/thesis", "plain file name"),
        ("../../escaped", "plain file name"),
        ("sub/dir", "plain file name"),
        ("index", "reserved"),
        ("INDEX", "reserved"),
        ("Manifest", "reserved"),
        (".hidden", "must not start"),
        ("-dash", "must not start"),
        ("'a b'", "plain file name"),
        ("'x.html'", "plain file name"),
        ("'" + "a" * 101 + "'", "1–100 characters"),
    ],
)
def test_bad_names_are_config_errors_before_anything_is_written(
    fake_notebooks, tmp_path, no_runs, name, words
):
    out = tmp_path / "out"
    cfg = _config(tmp_path, name)
    res = CliRunner().invoke(main, ["report", "--config", str(cfg), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "batch.yml:4: reports[1].name:" in res.output, res.output
    assert words in res.output, res.output
    assert not out.exists()


@pytest.mark.parametrize("name", ["security-tokyo", "東京都_セキュリティ・ー", "a", "x" * 100, "indexes", "Report_2"])
def test_plain_names_are_accepted(fake_notebooks, tmp_path, name):
    from jdxlib.report.catalog import Catalog
    from jdxlib.report.config import load_config

    cfg = load_config(_config(tmp_path, name), Catalog())
    assert cfg.items[1].name == name


def test_runner_refuses_a_path_as_name(tmp_path, fake_notebooks):
    from jdxlib.report.runner import ReportSpec, run_reports

    spec = ReportSpec(name="../escaped", key="fake_theme", notebook=str(fake_notebooks / "01_fake_theme.ipynb"))
    with pytest.raises(ValueError, match="plain file name"):
        run_reports([spec], tmp_path / "out", "run", jobs=1)
    assert not (tmp_path / "escaped.ipynb").exists()
