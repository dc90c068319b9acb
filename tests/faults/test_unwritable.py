"""Fault 8: places that cannot be written (a file where a folder belongs, a full disk, a
read-only file system — injected, since tests run as root) give a clear message and a
non-zero exit, and leave no half-written output (issue 13)."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jdxlib.cli import main

JDX = str(Path(sys.executable).parent / "jdx")


def _jdx(*args, env):
    return subprocess.run([JDX, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


def _no_traceback(res):
    assert "Traceback" not in res.stdout + res.stderr, res.stderr


@pytest.mark.mirror
def test_data_build_with_a_file_as_data_dir(tmp_path, mirror):
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    res = _jdx("data", "build", "-q", env={"JDX_DATA_DIR": str(blocker), "JDX_DATA_MIRROR": str(mirror)})
    assert res.returncode == 1
    _no_traceback(res)
    assert f"cannot write to the data folder {blocker}" in res.stderr
    assert "Not a directory" in res.stderr and "JDX_DATA_DIR" in res.stderr


@pytest.mark.mirror
def test_report_with_a_file_as_data_dir(tmp_path, mirror):
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder")
    res = _jdx("report", "--theme", "security", "--out", str(tmp_path / "out"),
               env={"JDX_DATA_DIR": str(blocker), "JDX_DATA_MIRROR": str(mirror)})
    assert res.returncode == 1
    _no_traceback(res)
    assert "the datasets could not be prepared: cannot write to the data folder" in res.stderr


@pytest.mark.mirror
def test_data_build_on_a_read_only_file_system(tmp_path, monkeypatch, mirror):
    monkeypatch.setenv("JDX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JDX_DATA_MIRROR", str(mirror))
    from jdxlib import _build, sources

    sources.fetch_all(_build.inputs(["prefectures"]), progress=False)  # raw files are there

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / "data" / "clean"))

    monkeypatch.setattr("jdxlib._atomic.tempfile.mkstemp", read_only)
    res = CliRunner().invoke(main, ["data", "build", "prefectures", "-q", "--force"])
    assert res.exit_code == 1, res.output
    assert "cannot write to the data folder" in res.output and "Read-only file system" in res.output
    assert not (tmp_path / "data" / "clean" / "prefectures.parquet").exists()


# --------------------------------------------------------------------------- workshop
def _lessons(tmp_path) -> Path:
    """Four tiny lessons in the workshop format (exercise + solution)."""
    import nbformat

    d = tmp_path / "lessons"
    d.mkdir()
    for i in range(1, 5):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# 架空の演習 {i}"),
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise"]}),
            nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["solution"]}),
        ]
        for j, c in enumerate(nb.cells):
            c["id"] = f"c{j}"
        nbformat.write(nb, d / f"0{i}_lesson.ipynb")
    return d


def _workshop(out, lessons):
    return CliRunner().invoke(main, ["workshop", "build", "--out", str(out), "--no-execute",
                                     "--notebooks", str(lessons)])


def test_workshop_full_disk_keeps_the_previous_edition(tmp_path, monkeypatch):
    lessons = _lessons(tmp_path)
    out = tmp_path / "out"
    res = _workshop(out, lessons)
    assert res.exit_code == 0, res.output
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(before) == 10  # 4 lessons + README, twice

    import jdxlib.workshop as ws

    real = ws.write_text
    calls = []

    def full_after_three(target, text):
        calls.append(target)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real(target, text + "changed")

    monkeypatch.setattr(ws, "write_text", full_after_three)
    res = _workshop(out, lessons)
    assert res.exit_code == 1
    assert "No space left on device" in res.output and "cannot write the workshop editions" in res.output
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # nothing half-written, nothing lost
    assert sorted(p.name for p in out.iterdir()) == ["facilitator", "student"]


def test_workshop_out_is_a_file(tmp_path):
    lessons = _lessons(tmp_path)
    blocker = tmp_path / "out"
    blocker.write_text("x")
    res = _workshop(blocker, lessons)
    assert res.exit_code == 2 and "is a file" in res.output  # click's own check of --out
    import jdxlib.workshop as ws

    with pytest.raises(ws.WorkshopOutputError, match="a file is in the way"):
        ws.build(blocker, notebooks_dir=lessons, execute=False)
    res = _workshop(blocker / "sub", lessons)
    assert res.exit_code == 1 and "cannot write the workshop editions" in res.output, res.output
    res = _workshop("/dev/full", lessons)
    assert res.exit_code == 1 and "cannot write the workshop editions to /dev/full" in res.output


# --------------------------------------------------------------------------- manifest
def test_full_disk_while_writing_the_manifest_names_the_file(tmp_path, monkeypatch):
    from jdxlib.report import manifest as mf

    def full(target, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mf, "write_text", full)
    with pytest.raises(OSError) as exc:
        mf.write_manifest(tmp_path, mf.build_manifest("r", [], {}, ""))
    assert str(exc.value) == f"cannot write {tmp_path / 'manifest.json'}: No space left on device"


@pytest.mark.slow
def test_report_run_with_full_disk_for_the_manifest(fake_notebooks, tmp_path, monkeypatch):
    from jdxlib.report import manifest as mf

    real = mf.write_text

    def full(target, text):
        if Path(target).name == "manifest.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(target, text)

    monkeypatch.setattr(mf, "write_text", full)
    res = CliRunner().invoke(main, ["report", "--theme", "fake_theme", "--out", str(tmp_path / "o"), "--jobs", "1"])
    assert res.exit_code == 1
    assert f"cannot write {tmp_path / 'o' / 'default' / 'manifest.json'}: No space left on device" in res.output
