"""Relative data paths mean the same folder in every entry point (rule: jdxlib._paths).

In a checkout a relative ``JDX_DATA_MIRROR`` / ``JDX_DATA_DIR`` is taken from the project root,
whatever the current folder: the ``jdx`` command, a kernel started in ``notebooks/`` and a
plain script agree, and kernels inherit the absolute value.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import PROJECT_ROOT
from jdxlib import _paths
from jdxlib.cli import main


def test_this_checkout_is_detected_as_one():
    assert _paths.IN_CHECKOUT
    assert _paths.PROJECT_ROOT == PROJECT_ROOT
    assert _paths.NATIONAL_DIR == PROJECT_ROOT / "data" / "national"
    assert _paths.NOTEBOOKS_DIR == PROJECT_ROOT / "notebooks"


def test_relative_data_paths_become_absolute_before_any_subcommand(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the current folder does not matter in a checkout
    monkeypatch.setenv("JDX_DATA_MIRROR", "../shared/data")
    monkeypatch.setenv("JDX_DATA_DIR", "cache")
    result = CliRunner().invoke(main, ["report", "--list"])
    assert result.exit_code == 0, result.output
    assert os.environ["JDX_DATA_MIRROR"] == str((PROJECT_ROOT.parent / "shared" / "data").resolve())
    assert os.environ["JDX_DATA_DIR"] == str(PROJECT_ROOT / "cache")


def test_urls_and_absolute_paths_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("JDX_DATA_MIRROR", "http://127.0.0.1:9/mirror")
    monkeypatch.setenv("JDX_DATA_DIR", str(tmp_path))
    assert CliRunner().invoke(main, ["report", "--list"]).exit_code == 0
    assert os.environ["JDX_DATA_MIRROR"] == "http://127.0.0.1:9/mirror"
    assert os.environ["JDX_DATA_DIR"] == str(tmp_path)


def test_a_kernel_in_notebooks_resolves_like_the_command(tmp_path):
    """`import jdxlib` from notebooks/ (a JupyterLab kernel): the README's ../shared/data works."""
    (tmp_path / "mirror").mkdir()
    rel_mirror = os.path.relpath(tmp_path / "mirror", PROJECT_ROOT)
    code = (
        "import os, jdxlib\n"
        "from jdxlib import _paths, sources\n"
        "print(os.environ['JDX_DATA_MIRROR']); print(sources.mirror()[1]); print(_paths.data_dir())\n"
    )
    env = {**os.environ, "JDX_DATA_MIRROR": rel_mirror, "JDX_DATA_DIR": "data-elsewhere"}
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT / "notebooks", env=env,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == [str(tmp_path / "mirror")] * 2 + [str(PROJECT_ROOT / "data-elsewhere")]


def test_a_missing_relative_mirror_is_named_with_its_absolute_path(monkeypatch):
    from jdxlib import sources

    monkeypatch.setenv("JDX_DATA_MIRROR", "no-such-mirror")
    with pytest.raises(sources.DataUnavailableError) as exc:
        sources.mirror()
    assert f"JDX_DATA_MIRROR='no-such-mirror' ({PROJECT_ROOT / 'no-such-mirror'})" in str(exc.value)
