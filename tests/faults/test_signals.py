"""Fault 4 and the Ctrl-C weakness: SIGTERM, SIGHUP and a process-group Ctrl-C stop the
workers and kernels, leave a manifest that matches the files on disk and exit non-zero
(issue 13)."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import make_notebook

pytestmark = pytest.mark.slow


def _descendants(pid: int) -> set[int]:
    """Every live process below *pid* (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def slow_batch(fake_notebooks, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    for i in (1, 2, 3):
        make_notebook(
            fake_notebooks / f"1{i}_slow{i}.ipynb", f"遅い架空テーマ{i}",
            [f"import os, time\nopen({str(pids)!r} + '/' + str(os.getpid()), 'w').write('x')\ntime.sleep(120)"],
        )
    return fake_notebooks, pids


def _start(notebooks: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "JDX_NOTEBOOKS_DIR": str(notebooks)}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "jdx"), "report", "--theme", "fake_theme,slow1,slow2,slow3",
         "--out", str(out), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
    )


def _wait_for_kernels(pids: Path, n: int, proc) -> list[int]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = [int(p.name) for p in pids.iterdir()]
        if len(found) >= n:
            return found
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    raise AssertionError("the slow notebooks never started")


def _check_consistent(run_dir: Path) -> dict:
    man = json.loads((run_dir / "manifest.json").read_text())
    listed = {}
    for r in man["reports"]:
        for rec in (r.get("outputs") or {}).values():
            p = run_dir / rec["path"]
            assert hashlib.sha256(p.read_bytes()).hexdigest() == rec["sha256"], rec
            listed[rec["path"]] = r["status"]
    on_disk = {p.name for p in run_dir.iterdir() if p.suffix in (".ipynb", ".html", ".pdf")} - {"index.html"}
    assert on_disk == set(listed), (on_disk, listed)
    assert not list(run_dir.glob(".*.part"))
    return man


@pytest.mark.parametrize("signame, how", [("SIGTERM", "process"), ("SIGHUP", "process"), ("SIGINT", "group")])
def test_signal_stops_everything_and_leaves_a_consistent_manifest(slow_batch, tmp_path, signame, how):
    notebooks, pids = slow_batch
    out = tmp_path / "out"
    proc = _start(notebooks, out)
    kernels = _wait_for_kernels(pids, 2, proc)
    family = _descendants(proc.pid)
    assert set(kernels) <= family
    sig = getattr(signal, signame)
    t0 = time.monotonic()
    if how == "group":  # Ctrl-C in a terminal: the whole foreground process group
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    took = time.monotonic() - t0
    assert proc.returncode == 128 + sig, (proc.returncode, stderr)
    assert f"interrupted ({signame})" in stderr
    assert "Traceback" not in stderr, stderr
    assert took < 30, took
    time.sleep(0.5)
    left = [p for p in family if _alive(p)]
    for p in left:  # never leave them to the machine, even when the test fails
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not left, f"left running after {signame}: {left}"
    _check_consistent(out / "default")
