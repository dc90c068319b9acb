"""Fault 5: a hanging report is stopped after its timeout, fails with that reason, its kernel
is replaced and the batch goes on (issue 13)."""
from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner

from jdxlib.cli import main

from .conftest import make_notebook


def test_timeout_option_and_config_key_are_validated(fake_notebooks, tmp_path, no_runs):
    res = CliRunner().invoke(main, ["report", "--theme", "fake_theme", "--timeout", "-1", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--timeout" in res.output
    p = tmp_path / "b.yml"
    p.write_text("timeout: soon\nreports:\n  - notebook: fake_theme\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["report", "--config", str(p), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "b.yml:1: timeout: expected seconds" in res.output, res.output


@pytest.mark.slow
def test_hanging_report_times_out_and_the_batch_goes_on(fake_notebooks, tmp_path):
    pidfile = tmp_path / "hang.pid"
    make_notebook(
        fake_notebooks / "05_hang.ipynb", "止まる架空テーマ",
        [f"import os, time\nopen({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)"],
    )
    cfg = tmp_path / "batch.yml"
    cfg.write_text(
        "timeout: 600\n"
        "reports:\n"
        "  - notebook: hang\n"
        "    timeout: 4\n"
        "  - notebook: fake_theme\n",
        encoding="utf-8",
    )
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["report", "--config", str(cfg), "--out", str(tmp_path / "out"), "--jobs", "1"])
    elapsed = time.perf_counter() - t0
    assert res.exit_code == 1, res.output
    assert elapsed < 120, elapsed
    man = json.loads((tmp_path / "out" / "batch" / "manifest.json").read_text())
    by = {r["name"]: r for r in man["reports"]}
    assert by["hang"]["status"] == "failed"
    assert by["hang"]["error"]["stage"] == "timeout"
    assert "did not finish within its timeout of 4 s" in by["hang"]["error"]["evalue"]
    assert "timeout of 4 s" in res.output
    # the next report ran on a new kernel: the hanging one is gone
    assert by["fake_theme"]["status"] == "ok"
    pid = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
