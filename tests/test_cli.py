"""The `jdx` entry point: relative data paths survive kernels started in another folder."""
from __future__ import annotations

import os

from click.testing import CliRunner

from jdxlib.cli import main


def test_relative_data_paths_become_absolute_before_any_subcommand(tmp_path, monkeypatch):
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("JDX_DATA_MIRROR", "../shared/data")
    monkeypatch.setenv("JDX_DATA_DIR", "cache")
    result = CliRunner().invoke(main, ["report", "--list"])
    assert result.exit_code == 0, result.output
    assert os.environ["JDX_DATA_MIRROR"] == str(tmp_path / "shared" / "data")
    assert os.environ["JDX_DATA_DIR"] == str(tmp_path / "work" / "cache")


def test_urls_and_absolute_paths_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("JDX_DATA_MIRROR", "http://127.0.0.1:9/mirror")
    monkeypatch.setenv("JDX_DATA_DIR", str(tmp_path))
    assert CliRunner().invoke(main, ["report", "--list"]).exit_code == 0
    assert os.environ["JDX_DATA_MIRROR"] == "http://127.0.0.1:9/mirror"
    assert os.environ["JDX_DATA_DIR"] == str(tmp_path)
