"""``jdx report --cluster``: a batch on a Dask LocalCluster of 2 worker processes (issue 15 §2).

The client alone writes the run folder; a failing report fails as in a local run; workers
whose inputs differ from the client's refuse to run a report; SIGTERM cancels the cluster's
reports, kills their kernels and leaves a consistent manifest.
"""
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
from click.testing import CliRunner

from jdxlib.cli import main
from jdxlib.report import distributed as dist
from jdxlib.report.config import cluster_problem

from .conftest import make_notebook


def _invoke(args, notebooks: Path):
    old = os.environ.get("JDX_NOTEBOOKS_DIR")
    os.environ["JDX_NOTEBOOKS_DIR"] = str(notebooks)
    try:
        return CliRunner().invoke(main, ["report", *args])
    finally:
        if old is None:
            os.environ.pop("JDX_NOTEBOOKS_DIR", None)
        else:
            os.environ["JDX_NOTEBOOKS_DIR"] = old


def _consistent(run_dir: Path) -> dict:
    """The manifest lists exactly the report files on disk, with their sha256."""
    man = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = set()
    for r in man["reports"]:
        for rec in (r.get("outputs") or {}).values():
            assert hashlib.sha256((run_dir / rec["path"]).read_bytes()).hexdigest() == rec["sha256"]
            listed.add(rec["path"])
    on_disk = {p.name for p in run_dir.iterdir() if p.suffix in (".ipynb", ".html", ".pdf")} - {"index.html"}
    assert on_disk == listed
    assert not list(run_dir.glob(".*.part"))
    return man


# --------------------------------------------------------------------------- options, no cluster
@pytest.mark.parametrize("value", ["host:8786", "tcp://host", "http://host:8786", "tcp://host:99999", " ", "tcp://h:1/x"])
def test_bad_cluster_addresses_are_refused(value):
    assert "tcp://host:8786" in cluster_problem(value)


def test_good_cluster_addresses(value="tcp://10.0.0.5:8786"):
    assert cluster_problem(value) is None
    assert cluster_problem("tls://sched.example:8786") is None
    assert cluster_problem("tcp://[::1]:8786") is None


def test_cli_refuses_a_bad_cluster_before_any_work(fake_notebooks, tmp_path):
    res = _invoke(["--theme", "fake_theme", "--cluster", "sched:8786", "--out", str(tmp_path / "o")], fake_notebooks)
    assert res.exit_code == 2, res.output
    assert "--cluster" in res.output and "tcp://host:8786" in res.output
    assert not (tmp_path / "o").exists()


def test_config_cluster_key_is_validated_with_file_and_line(fake_notebooks, tmp_path):
    cfg = tmp_path / "batch.yml"
    cfg.write_text("jobs: 1\ncluster: [tcp://a:1]\nreports:\n  - notebook: fake_theme\n", encoding="utf-8")
    res = _invoke(["--config", str(cfg), "--out", str(tmp_path / "o")], fake_notebooks)
    assert res.exit_code == 2, res.output
    assert "batch.yml:2: cluster: expected a Dask scheduler address" in res.output
    cfg.write_text("cluster: localhost\nreports:\n  - notebook: fake_theme\n", encoding="utf-8")
    res = _invoke(["--config", str(cfg), "--out", str(tmp_path / "o")], fake_notebooks)
    assert res.exit_code == 2 and "batch.yml:1: cluster:" in res.output and "'localhost'" in res.output


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(dist.ClusterError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        dist.connect("tcp://127.0.0.1:9", timeout=2)


def test_worker_with_other_dataset_checksums_refuses(real_data, monkeypatch):
    """What a worker runs before every report: different data → a message naming it."""
    from jdxlib.report.exporters import tool_versions

    expected = dist.expected_inputs(["municipalities", "prefectures"], tool_versions(), "b1")
    assert all(expected["datasets"].values())
    assert dist.check_inputs(expected) is None
    expected["datasets"]["prefectures"] = "0" * 64
    problem = dist.check_inputs(expected)
    assert "the worker's datasets differ from the client's: prefectures (worker " in problem
    assert "client 000000000000…" in problem and "municipalities" not in problem
    # the report is refused before a kernel is started
    monkeypatch.setattr("jdxlib.report.runner.execute_report", lambda task: pytest.fail("ran"))
    task = {"spec": {"name": "x", "notebook": "/nonexistent.ipynb"}, "datasets": ["prefectures"]}
    res = dist.run_report_on_worker(task, b"{}", expected)
    assert res["status"] == "failed" and res["error"]["stage"] == "inputs"
    assert res["error"]["ename"] == "InputMismatch" and "prefectures" in res["error"]["evalue"]


def test_input_checksum_does_not_depend_on_where_the_files_lie(real_data, tmp_path, monkeypatch):
    import shutil

    from jdxlib.report import manifest as mf

    before = dist.input_checksum("prefectures")
    paths_before = set(mf.dataset_record("prefectures")["files"])
    moved = tmp_path / "elsewhere"
    shutil.copytree(real_data, moved)
    monkeypatch.setenv("JDX_DATA_DIR", str(moved))
    assert set(mf.dataset_record("prefectures")["files"]) != paths_before  # other places …
    assert dist.input_checksum("prefectures") == before  # … same data, same checksum


# --------------------------------------------------------------------------- a real LocalCluster
@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    c = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=":0", silence_logs=40,
    )
    try:
        yield c.scheduler_address
    finally:
        c.close()


@pytest.mark.slow
def test_cluster_batch_end_to_end_with_a_failing_report(cluster, fake_notebooks, tmp_path):
    out = tmp_path / "out"
    args = ["--theme", "fake_theme,failing", "--format", "html,pdf", "--out", str(out)]
    res = _invoke(args + ["--cluster", cluster], fake_notebooks)
    assert res.exit_code == 1, res.output
    assert "2 worker(s) on the Dask cluster" in res.output
    man = _consistent(out / "default")
    by = {r["key"]: r for r in man["reports"]}
    assert by["fake_theme"]["status"] == "ok"
    assert sorted(by["fake_theme"]["outputs"]) == ["html", "ipynb", "pdf"]
    assert set(by["fake_theme"]["timings_s"]) >= {"execute", "html", "pdf", "write"}
    bad = by["failing"]
    assert bad["status"] == "failed" and "fingerprint" not in bad
    assert bad["error"]["ename"] == "ZeroDivisionError" and bad["error"]["cell_index"] == 3
    assert sorted(bad["outputs"]) == ["ipynb"]  # the executed notebook shows the failure
    # the same batch run locally gives the same bytes
    local = tmp_path / "local"
    res = _invoke(["--theme", "fake_theme,failing", "--format", "html,pdf", "--out", str(local), "--jobs", "1"], fake_notebooks)
    assert res.exit_code == 1
    for name in ("fake_theme.html", "fake_theme.pdf", "fake_theme.ipynb", "failing.ipynb"):
        assert (out / "default" / name).read_bytes() == (local / "default" / name).read_bytes(), name
    # up to date on the cluster route too; the failed one runs again
    res = _invoke(args + ["--cluster", cluster], fake_notebooks)
    assert res.exit_code == 1
    again = {r["key"]: r["status"] for r in _consistent(out / "default")["reports"]}
    assert again == {"fake_theme": "skipped", "failing": "failed"}


@pytest.mark.slow
def test_sigterm_cancels_cluster_reports_and_kills_their_kernels(cluster, fake_notebooks, tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    for i in (1, 2):
        make_notebook(fake_notebooks / f"1{i}_slow{i}.ipynb", f"遅い架空テーマ{i}",
                      [f"import os, time\nopen({str(pids)!r} + '/' + str(os.getpid()), 'w').write('x')\ntime.sleep(120)"])
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "jdx"), "report", "--theme", "fake_theme,slow1,slow2",
         "--out", str(out), "--cluster", cluster],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "JDX_NOTEBOOKS_DIR": str(fake_notebooks)},
    )
    deadline = time.monotonic() + 120
    while len(list(pids.iterdir())) < 2:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the slow notebooks never started"
        time.sleep(0.2)
    kernels = [int(p.name) for p in pids.iterdir()]
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted (SIGTERM)" in stderr and "Traceback" not in stderr
    time.sleep(1)
    alive = []
    for pid in kernels:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
            os.kill(pid, signal.SIGKILL)
    assert not alive, f"kernels left running on the workers: {alive}"
    man = _consistent(out / "default")
    assert {r["key"] for r in man["reports"]} <= {"fake_theme"}


@pytest.mark.slow
def test_cluster_timeout_fails_the_report_and_the_batch_goes_on(cluster, fake_notebooks, tmp_path):
    """The config's cluster key and a per-report timeout, on the cluster route."""
    pidfile = tmp_path / "hang.pid"
    make_notebook(fake_notebooks / "05_hang.ipynb", "止まる架空テーマ",
                  [f"import os, time\nopen({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)"])
    cfg = tmp_path / "batch.yml"
    cfg.write_text(f"cluster: {cluster}\nreports:\n  - notebook: hang\n    timeout: 4\n  - notebook: fake_theme\n",
                   encoding="utf-8")
    t0 = time.monotonic()
    res = _invoke(["--config", str(cfg), "--out", str(tmp_path / "out")], fake_notebooks)
    assert res.exit_code == 1, res.output
    assert time.monotonic() - t0 < 120
    assert "on the Dask cluster" in res.output
    by = {r["key"]: r for r in _consistent(tmp_path / "out" / "batch")["reports"]}
    assert by["fake_theme"]["status"] == "ok"
    assert by["hang"]["status"] == "failed" and by["hang"]["error"]["stage"] == "timeout"
    assert "timeout of 4 s" in by["hang"]["error"]["evalue"]
    pid = int(pidfile.read_text())
    time.sleep(0.5)
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
