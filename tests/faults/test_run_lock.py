"""Fault 6: two runs into one run folder never mix: a lock (wait or --no-wait) and a
manifest that merges with what the folder already holds (issue 13)."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jdxlib.cli import main
from jdxlib.report.runner import RunFolderBusy, run_folder_lock


def _holder(run_dir: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the run folder's lock for *seconds*."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from jdxlib.report.runner import run_folder_lock\n"
        f"with run_folder_lock(Path({str(run_dir)!r})):\n"
        "    print('LOCKED', flush=True)\n"
        f"    time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "LOCKED"
    return proc


def test_no_wait_fails_at_once_when_the_folder_is_held(tmp_path):
    run_dir = tmp_path / "out" / "default"
    run_dir.mkdir(parents=True)
    holder = _holder(run_dir, 30)
    try:
        t0 = time.perf_counter()
        with pytest.raises(RunFolderBusy, match=rf"another jdx report \(process {holder.pid}\) is writing to"):
            with run_folder_lock(run_dir, wait=False):
                pass
        assert time.perf_counter() - t0 < 1.0
    finally:
        holder.kill()
        holder.wait()


def test_second_run_waits_with_a_message(tmp_path):
    run_dir = tmp_path / "out" / "default"
    run_dir.mkdir(parents=True)
    holder = _holder(run_dir, 2.0)
    messages = []
    t0 = time.perf_counter()
    try:
        with run_folder_lock(run_dir, on_wait=messages.append):
            waited = time.perf_counter() - t0
            assert holder.poll() is not None or waited > 1.5
    finally:
        holder.wait()
    assert len(messages) == 1 and "waiting for it to finish" in messages[0], messages
    assert waited > 1.0, waited


def test_cli_no_wait_writes_nothing(fake_notebooks, tmp_path):
    out = tmp_path / "out"
    (out / "default").mkdir(parents=True)
    holder = _holder(out / "default", 30)
    try:
        res = CliRunner().invoke(main, ["report", "--theme", "fake_theme", "--out", str(out), "--no-wait"])
    finally:
        holder.kill()
        holder.wait()
    assert res.exit_code == 1, res.output
    assert "is writing to" in res.output and "--no-wait" in res.output
    assert not list((out / "default").glob("*.ipynb"))
    assert not (out / "default" / "manifest.json").exists()


# --------------------------------------------------------------------------- end to end
def _jdx(args, env):
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "jdx"), "report", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.slow
def test_concurrent_runs_into_one_folder_merge_their_manifests(fake_notebooks, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "JDX_NOTEBOOKS_DIR": str(fake_notebooks)}
    a = _jdx(["--theme", "fake_theme,leak", "--out", str(out), "--jobs", "1"], env)
    b = _jdx(["--theme", "probe", "--out", str(out), "--jobs", "1"], env)
    ra, rb = a.communicate(timeout=600), b.communicate(timeout=600)
    assert a.returncode == 0, ra
    assert b.returncode == 0, rb
    assert "waiting for it to finish" in ra[1] + rb[1]
    run_dir = out / "default"
    man = json.loads((run_dir / "manifest.json").read_text())
    listed = {r["name"] for r in man["reports"]}
    on_disk = {p.stem for p in run_dir.glob("*.ipynb")}
    assert listed == on_disk == {"fake_theme", "probe", "leak"}
    for r in man["reports"]:
        for rec in r["outputs"].values():
            assert _sha(run_dir / rec["path"]) == rec["sha256"], rec


@pytest.mark.slow
def test_two_forced_runs_record_the_checksums_on_disk(fake_notebooks, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "JDX_NOTEBOOKS_DIR": str(fake_notebooks)}
    procs = [_jdx(["--theme", "fake_theme", "--out", str(out), "--force", "--jobs", "1"], env) for _ in range(2)]
    for p in procs:
        so, se = p.communicate(timeout=600)
        assert p.returncode == 0, se
    run_dir = out / "default"
    man = json.loads((run_dir / "manifest.json").read_text())
    for r in man["reports"]:
        for rec in r["outputs"].values():
            assert _sha(run_dir / rec["path"]) == rec["sha256"], rec
