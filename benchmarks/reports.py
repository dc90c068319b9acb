"""Benchmark: N reports (HTML + PDF) by a plain CLI loop vs ``jdx report``.

    .venv/bin/python benchmarks/reports.py            # N = 20
    .venv/bin/python benchmarks/reports.py -n 6 --fresh

The same synthetic notebook (imports pandas, matplotlib, seaborn and jdxlib.viz, draws one
chart with Japanese labels; fake data) is run N times with different parameters, two ways:

1. **CLI loop** — what one would write by hand: for each report
   ``papermill in.ipynb out.ipynb -p prefecture …`` then
   ``jupyter nbconvert --to jdx_html out.ipynb`` and ``jupyter nbconvert --to jdx_pdf out.ipynb``;
2. **jdx report** — one ``jdx report --config … --force`` (parallel workers, warm kernels),
   with ``--jobs`` = number of cores, and again with ``--jobs 1``.

Printed: seconds per report, the ratio, and the per-report overhead = everything except
the notebook's own cell execution time (papermill's per-cell durations).  For a parallel
run the cell time is divided by the number of workers.  Targets (issue 5): ratio ≥ 3 on the
2-core machine, overhead < 0.5 s per report.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

CHART = """\
import pandas as pd
import matplotlib.pyplot as plt
import seaborn as sns
from jdxlib import viz
viz.set_theme()
df = pd.DataFrame({"区分": ["架空市", "見本町", "試験村", "模擬区"],
                   "値": [len(prefecture) * k % 7 + 1 for k in range(1, 5)]})
fig, ax = plt.subplots(figsize=(5, 3))
sns.barplot(data=df, x="区分", y="値", ax=ax)
ax.set_title(f"架空の指標（{prefecture}）")
plt.show()
df
"""


def make_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell('prefecture: str = "架空県"  # 架空の都道府県名')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# ベンチマーク用の架空レポート\n\n架空のデータです。"),
        p,
        nbformat.v4.new_code_cell(CHART),
        nbformat.v4.new_markdown_cell("## まとめ\n\n架空の結論です。"),
    ]
    for i, c in enumerate(nb.cells):
        c["id"] = f"c{i}"
    nbformat.write(nb, path)


def cell_seconds(ipynb: Path) -> float:
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    return sum(float((c.get("metadata", {}).get("papermill") or {}).get("duration") or 0)
               for c in nb["cells"])


def run(cmd: list[str], **kw) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")


def cli_loop(nbdir: Path, out: Path, values: list[str]) -> tuple[float, float]:
    out.mkdir(parents=True)
    cells = 0.0
    t0 = time.perf_counter()
    for i, v in enumerate(values):
        dst = out / f"bench-{i:02d}.ipynb"
        run([str(BIN / "papermill"), str(nbdir / "01_bench.ipynb"), str(dst), "-p", "prefecture", v,
             "-k", "python3", "--cwd", str(nbdir), "--no-progress-bar"])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "jdx_html", str(dst)])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "jdx_pdf", str(dst)])
        cells += cell_seconds(dst)
    return time.perf_counter() - t0, cells


def jdx_run(nbdir: Path, out: Path, values: list[str], jobs: int, mode: str) -> tuple[float, float, float]:
    cfg = out.parent / f"bench_{jobs}_{mode}.yml"
    sets = "\n".join(f"      - {{prefecture: {v}}}" for v in values)
    cfg.write_text(f"formats: [html, pdf]\nreports:\n  - notebook: bench\n    parameter_sets:\n{sets}\n",
                   encoding="utf-8")
    env = dict(os.environ, JDX_NOTEBOOKS_DIR=str(nbdir), JDX_KERNEL_MODE=mode)
    t0 = time.perf_counter()
    run([str(BIN / "jdx"), "report", "--config", str(cfg), "--out", str(out), "--jobs", str(jobs),
         "--force"], env=env)
    wall = time.perf_counter() - t0
    manifest = json.loads((out / cfg.stem / "manifest.json").read_text(encoding="utf-8"))
    bad = [r["name"] for r in manifest["reports"] if r["status"] != "ok"]
    if bad:
        sys.exit(f"jdx reports failed: {bad}")
    import statistics

    steady = statistics.median(r["duration_s"] - r["cell_execution_s"] for r in manifest["reports"])
    return wall, sum(r["cell_execution_s"] for r in manifest["reports"]), steady


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=20, help="number of reports (default 20)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--fresh", action="store_true", help="also time jdx with a new kernel per report")
    ap.add_argument("--skip-cli", action="store_true", help="skip the (slow) CLI loop")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="jdx-bench-"))
    try:
        nbdir = tmp / "notebooks"
        nbdir.mkdir()
        make_notebook(nbdir / "01_bench.ipynb")
        values = [f"架空県{i:02d}" for i in range(args.n)]
        n = args.n
        print(f"{n} reports (HTML + PDF), {os.cpu_count()} cores, "
              f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")
        rows = []
        if not args.skip_cli:
            wall, cells = cli_loop(nbdir, tmp / "cli", values)
            rows.append(("papermill + nbconvert CLI loop", 1, wall, cells, None))
        runs = [(args.jobs, "warm"), (1, "warm")]
        if args.fresh:
            runs += [(args.jobs, "fresh")]
        for jobs, mode in runs:
            wall, cells, steady = jdx_run(nbdir, tmp / f"jdx-{jobs}-{mode}", values, jobs, mode)
            rows.append((f"jdx report --jobs {jobs} ({mode} kernels)", jobs, wall, cells, steady))

        base = rows[0][2] / n if not args.skip_cli else None
        print(f"\n{'method':<40} {'s/report':>9} {'cells s/rep':>12} {'overhead s/rep':>15} "
              f"{'speed-up':>9} {'steady':>7}")
        for name, jobs, wall, cells, steady in rows:
            per = wall / n
            overhead = (wall - cells / jobs) / n
            ratio = f"{base / per:8.2f}x" if base else "        -"
            st = f"{steady:7.2f}" if steady is not None else "      -"
            print(f"{name:<40} {per:9.2f} {cells / n:12.3f} {overhead:15.2f} {ratio} {st}")
        print("\noverhead = (wall time - notebook cell time / workers) / reports, start-up included;"
              "\nsteady = median per-report worker time minus its cell time (warm worker, no start-up)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
