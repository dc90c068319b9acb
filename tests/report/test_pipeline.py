"""End to end: a batch with HTML + PDF, a failing report, warm-kernel isolation, skips,
--force, determinism and atomic writes.  Executes real kernels (slow)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jdxlib.cli import main

from .conftest import build_fake_notebooks

pytestmark = pytest.mark.slow

CONFIG = """\
formats: [html]
reports:
  - notebook: leak
  - notebook: probe
  - notebook: fake_theme
    parameter_sets:
      - {prefecture: 架空県}
      - {prefecture: 見本県, highlight: 見本町}
    formats: [html, pdf]
  - notebook: failing
    parameters: {prefecture: 架空県}
"""


def _run(args, env):
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return CliRunner().invoke(main, ["report", *args])
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    nbdir = build_fake_notebooks(root / "notebooks")
    cfg = root / "nightly.yml"
    cfg.write_text(CONFIG, encoding="utf-8")
    out = root / "out"
    env = {"JDX_NOTEBOOKS_DIR": str(nbdir), "JDX_KERNEL_MODE": "warm"}
    args = ["--config", str(cfg), "--out", str(out)]
    first = _run(args + ["--jobs", "1"], env)
    m1 = json.loads((out / "nightly" / "manifest.json").read_text(encoding="utf-8"))
    # one worker: leak then probe on the same warm kernel (later runs are parallel)
    probes = {n: (out / "nightly" / f"{n}.ipynb").read_text(encoding="utf-8") for n in ("leak", "probe")}
    second = _run(args + ["--jobs", "1"], env)
    m2 = json.loads((out / "nightly" / "manifest.json").read_text(encoding="utf-8"))
    forced = _run(args + ["--jobs", "2", "--force"], env)
    m3 = json.loads((out / "nightly" / "manifest.json").read_text(encoding="utf-8"))
    return {"dir": out / "nightly", "runs": (first, second, forced), "manifests": (m1, m2, m3),
            "first_run_notebooks": probes}


def entries(manifest):
    return {r["name"]: r for r in manifest["reports"]}


def code_outputs(path_or_text) -> list[str]:
    text = path_or_text.read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
    nb = json.loads(text)
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", "")))
    return texts


def test_failing_report_does_not_stop_the_others(batch):
    first = batch["runs"][0]
    assert first.exit_code == 1, first.output
    e = entries(batch["manifests"][0])
    assert {n: r["status"] for n, r in e.items()} == {
        "leak": "ok", "probe": "ok", "fake_theme-架空県": "ok",
        "fake_theme-見本県-見本町": "ok", "failing-架空県": "failed",
    }
    err = e["failing-架空県"]["error"]
    # cell 3 of 02_failing.ipynb (markdown, parameters, y = 1, raise): In [4] after injection
    assert err["cell_index"] == 3 and err["execution_count"] == 4
    assert err["ename"] == "ZeroDivisionError" and "架空の失敗" in err["evalue"]
    assert "raise ZeroDivisionError" in err["cell_source"]
    assert re.search(r"failing-架空県\s+failed .*cell 3 \(In \[4\]\): ZeroDivisionError", first.output)
    assert "[5/5]" in first.output  # plain progress lines when not a terminal
    # the executed notebook of the failure is kept; no HTML for it
    d = batch["dir"]
    assert (d / "failing-架空県.ipynb").is_file() and not (d / "failing-架空県.html").exists()


def test_warm_kernel_is_reused_and_reports_are_isolated(batch):
    first = batch["first_run_notebooks"]
    leak = "\n".join(code_outputs(first["leak"]))
    probe = "\n".join(code_outputs(first["probe"]))
    assert "ISOLATION_OK" in probe
    pid = re.search(r"KERNEL_PID (\d+)", leak).group(1)
    assert re.search(r"KERNEL_PID (\d+)", probe).group(1) == pid  # same kernel, reset
    nb = json.loads(first["probe"])
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts[0] == 1  # a new session: counting restarts


def test_html_is_offline_japanese_and_hides_code(batch):
    html = (batch["dir"] / "fake_theme-見本県-見本町.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="ja">', html)
    assert not re.search(r"<script[^>]+src=", html)
    assert "require.js" not in html and "mathjax" not in html.lower()
    assert "import(" not in html  # no mermaid / widget module loaded from a CDN
    assert "SECRET_CODE_MARKER" not in html and "viz.set_theme" not in html
    assert "injected-parameters" not in html and "# Parameters" not in html
    assert "data:image/png;base64," in html  # the chart is embedded
    assert '"IPAexGothic"' in html
    header = re.search(r'<header class="jdx-header">(.*?)</header>', html, re.S).group(1)
    assert "架空テーマ — 見本県 / 見本町" in header
    assert "<th>強調する市区町村</th><td>見本町</td>" in header
    assert "架空の結論です。" in html


def test_pdf_from_the_runner_embeds_ipaexgothic_on_a4(batch):
    from pypdf import PdfReader

    reader = PdfReader(batch["dir"] / "fake_theme-架空県.pdf")
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in (p["/Resources"].get("/Font") or {}).values()}
    assert any(f.endswith("+IPAexGothic") for f in fonts), fonts
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1


def test_rerun_skips_up_to_date_reports(batch):
    second = batch["runs"][1]
    assert second.exit_code == 1  # the failing report is tried again and fails again
    e1, e2 = entries(batch["manifests"][0]), entries(batch["manifests"][1])
    assert {n: r["status"] for n, r in e2.items()} == {
        "leak": "skipped", "probe": "skipped", "fake_theme-架空県": "skipped",
        "fake_theme-見本県-見本町": "skipped", "failing-架空県": "failed",
    }
    assert e2["leak"]["outputs"] == e1["leak"]["outputs"]
    assert "up to date" in second.output


def test_force_reruns_in_parallel_with_identical_files(batch):
    forced = batch["runs"][2]
    e1, e3 = entries(batch["manifests"][0]), entries(batch["manifests"][2])
    assert e3["leak"]["status"] == "ok" and e3["fake_theme-架空県"]["status"] == "ok"
    assert "ISOLATION_OK" in "\n".join(code_outputs(batch["dir"] / "probe.ipynb"))
    for name in ("fake_theme-架空県", "fake_theme-見本県-見本町"):
        assert e3[name]["outputs"] == e1[name]["outputs"], name  # deterministic bytes
    assert forced.exit_code == 1


def test_manifest_index_and_atomic_writes(batch):
    d = batch["dir"]
    m = batch["manifests"][2]
    assert m["run"] == "nightly" and "papermill" in m["tool_versions"]
    r = entries(m)["fake_theme-見本県-見本町"]
    assert r["parameters"] == {"prefecture": "見本県", "highlight": "見本町"}
    assert set(r["outputs"]) == {"ipynb", "html", "pdf"}
    assert all(len(o["sha256"]) == 64 for o in r["outputs"].values())
    assert r["notebook"].endswith("01_fake_theme.ipynb") and len(r["notebook_sha256"]) == 64
    index = (d / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in index
    for name in entries(m):
        assert name in index
    assert "fake_theme-%E8%A6%8B%E6%9C%AC%E7%9C%8C-%E8%A6%8B%E6%9C%AC%E7%94%BA.pdf" in index
    assert not list(d.parent.rglob("*.part"))
    # the stored notebooks carry no run-dependent fields
    nb = (d / "leak.ipynb").read_text(encoding="utf-8")
    for volatile in ("start_time", "end_time", '"duration"', "iopub.execute_input"):
        assert volatile not in nb


def test_nbconvert_jdx_pdf_in_a_fresh_process(batch, tmp_path):
    """`jupyter nbconvert --to jdx_pdf` with no fontconfig set up beforehand."""
    from pypdf import PdfReader

    env = {k: v for k, v in os.environ.items()
           if k not in ("FONTCONFIG_FILE", "JDX_FONTCONFIG_FILE", "JDX_CACHE_DIR")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    src = batch["dir"] / "fake_theme-架空県.ipynb"
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "jdx_pdf", str(src),
         "--output-dir", str(tmp_path), "--output", "converted"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    reader = PdfReader(tmp_path / "converted.pdf")
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in (p["/Resources"].get("/Font") or {}).values()}
    assert any(f.endswith("+IPAexGothic") for f in fonts), fonts
    assert abs(float(reader.pages[0].mediabox.height) - 841.89) < 1
    # the same notebook through the html exporter: offline, lang=ja
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "jdx_html", str(src),
         "--output-dir", str(tmp_path), "--output", "converted"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "converted.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in html and not re.search(r"<script[^>]+src=", html)


def test_workers_are_replaced_after_their_share_of_reports(tmp_path, monkeypatch):
    """A long batch runs on fresh worker processes (and kernels) every REPORTS_PER_WORKER
    reports each, so what a worker keeps (WeasyPrint's leftovers) cannot grow without bound."""
    from jdxlib.report import runner

    nbdir = build_fake_notebooks(tmp_path / "notebooks")
    cfg = tmp_path / "two.yml"
    cfg.write_text("formats: [html]\nreports:\n  - notebook: leak\n  - notebook: probe\n", encoding="utf-8")
    env = {"JDX_NOTEBOOKS_DIR": str(nbdir), "JDX_KERNEL_MODE": "warm"}
    pids = {}
    for per_worker in (200, 1):
        monkeypatch.setattr(runner, "REPORTS_PER_WORKER", per_worker)
        out = tmp_path / f"out{per_worker}"
        result = _run(["--config", str(cfg), "--out", str(out), "--jobs", "1"], env)
        assert result.exit_code == 0, result.output
        pids[per_worker] = [re.search(r"KERNEL_PID (\d+)", "\n".join(code_outputs(out / "two" / f"{n}.ipynb"))).group(1)
                            for n in ("leak", "probe")]
    assert pids[200][0] == pids[200][1]  # one worker, one warm kernel for both
    assert pids[1][0] != pids[1][1]  # a new worker (and kernel) after one report
