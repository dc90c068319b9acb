"""Benchmark (issue 15): municipality profiles per second, locally and on a Dask LocalCluster.

    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/throughput.py                # all 1,741
    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/throughput.py --sample 40    # quick
    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/throughput.py --sample 40 --parts cli,cluster

Printed in one run (all on the same machine, one after the other, so compare side by side):

1. ``cli``: the loop a user would write — ``papermill`` then ``jupyter nbconvert --to jdx_html``
   (and ``--to jdx_pdf``) per profile, 2 profiles in parallel — on ``--cli-sample`` bodies;
2. ``html`` / ``pdf``: ``jdx report --municipalities … --force`` for the sample (HTML, then
   HTML + PDF), local workers (``--jobs``), with the per-stage split (execute / export HTML /
   PDF / write) read from the manifest and the peak memory of each worker (its process plus
   its kernel, sampled every 0.25 s; first and last quarter of the run compared for growth);
3. ``cluster``: the same sample (``--cluster-format``) locally and with ``--cluster`` on a
   ``distributed.LocalCluster`` of ``--jobs`` single-threaded workers started here, in
   ``--cluster-rounds`` alternating rounds — the cluster route's cost over the local one
   (median of the rounds), and a projection for N machines from the measured per-report cost.
4. ``floor``: what a profile costs at the least, piece by piece on one core (the notebook's
   code run in this process without a kernel, a kernel round trip per cell, the HTML export,
   WeasyPrint with and without the tables) and the shortest full run that follows.

Datasets are built from the mirror into a temporary JDX_DATA_DIR; reports go to a temporary
folder.  Timings are wall-clock from the command's start to its end (start-up included).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
N_BODIES = 1741
NOTEBOOK = ROOT / "notebooks" / "profile_municipality.ipynb"


# --------------------------------------------------------------------------- memory
class MemorySampler:
    """Peak RSS of each worker (a child process of *root* and all its descendants)."""

    def __init__(self, root_pid: int, exclude: set[int] = frozenset(), interval: float = 0.25):
        import psutil

        self.psutil = psutil
        self.root = psutil.Process(root_pid)
        self.exclude = set(exclude)
        self.interval = interval
        self.samples: dict[int, list[tuple[float, int]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _rss(self, proc) -> int:
        total = 0
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except self.psutil.Error:
                pass
        return total

    def _run(self):
        while not self._stop.is_set():
            try:
                kids = [c for c in self.root.children() if c.pid not in self.exclude]
            except self.psutil.Error:
                break
            now = time.perf_counter() - self.t0
            for c in kids:
                try:
                    if not c.children(recursive=True):  # a worker without a kernel yet
                        continue
                    self.samples.setdefault(c.pid, []).append((now, self._rss(c)))
                except self.psutil.Error:
                    pass
            self._stop.wait(self.interval)

    def summary(self) -> str:
        if not self.samples:
            return "no worker sampled"
        parts = []
        for pid, series in sorted(self.samples.items()):
            peak = max(r for _, r in series) / 2**20
            n = len(series)
            q = max(1, n // 4)
            first = max(r for _, r in series[:q]) / 2**20
            last = max(r for _, r in series[-q:]) / 2**20
            parts.append(f"peak {peak:5.0f} MB (first quarter {first:4.0f}, last quarter {last:4.0f})")
        return "; ".join(parts)


# --------------------------------------------------------------------------- runs
def _sample(codes: list[str], n: int | None) -> list[str]:
    if not n or n >= len(codes):
        return codes
    step = len(codes) / n
    return [codes[int(i * step)] for i in range(n)]


def cli_loop(codes: list[str], out: Path, pdf: bool, parallel: int = 2) -> float:
    """papermill + nbconvert per profile, *parallel* chains at once (what a user would write)."""
    out.mkdir(parents=True)

    def chain(code: str) -> None:
        dst = out / f"profile-{code}.ipynb"
        steps = [[str(BIN / "papermill"), str(NOTEBOOK), str(dst), "-r", "municipality", code,
                  "-k", "python3", "--cwd", str(NOTEBOOK.parent), "--no-progress-bar"],
                 [str(BIN / "jupyter"), "nbconvert", "--to", "jdx_html", str(dst)]]
        if pdf:
            steps.append([str(BIN / "jupyter"), "nbconvert", "--to", "jdx_pdf", str(dst)])
        for cmd in steps:
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(parallel) as pool:
        list(pool.map(chain, codes))
    return time.perf_counter() - t


def jdx_run(codes: list[str], out: Path, formats: str, jobs: int, cluster: str | None = None,
            exclude: set[int] = frozenset()) -> tuple[float, dict, str]:
    """``jdx report`` over *codes*: (wall seconds, manifest, memory summary)."""
    cmd = [str(BIN / "jdx"), "report", "--municipalities", ",".join(codes), "--format", formats,
           "--out", str(out), "--force", "--jobs", str(jobs)]
    if cluster:
        cmd += ["--cluster", cluster]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # local: the workers are the command's children; cluster: this process's (the LocalCluster's)
    with MemorySampler(os.getpid() if cluster else proc.pid, exclude={proc.pid, *exclude}) as mem:
        _, err = proc.communicate()
    wall = time.perf_counter() - t
    man = json.loads((out / "default" / "manifest.json").read_text(encoding="utf-8"))
    bad = [r["name"] for r in man["reports"] if r["status"] != "ok"]
    if proc.returncode or bad:
        raise SystemExit(f"jdx report failed ({proc.returncode}): {bad[:5]}\n{err[-3000:]}")
    return wall, man, mem.summary()


def stages(man: dict) -> str:
    reps = man["reports"]
    keys = ("execute", "html", "pdf", "write")
    means = {k: statistics.fmean((r.get("timings_s") or {}).get(k, 0.0) for r in reps) for k in keys}
    cells = statistics.fmean(r.get("cell_execution_s") or 0.0 for r in reps)
    total = statistics.fmean(r.get("duration_s") or 0.0 for r in reps)
    return (f"per report (worker time, mean): execute {means['execute']:.3f} s (notebook cells "
            f"{cells:.3f}) · HTML {means['html']:.3f} · PDF {means['pdf']:.3f} · write "
            f"{means['write']:.3f} · total {total:.3f} s")


def font_subsetting(html_files: list[Path], reps: int = 2) -> str:
    """WeasyPrint's PDF time with HarfBuzz font subsetting (apt ``libharfbuzz-subset0``,
    used when present) and with its fallback, fontTools — side by side in this process."""
    from jdxlib.report.exporters import html_to_pdf

    import weasyprint.pdf.fonts as wf

    if not getattr(wf, "harfbuzz_subset", None):
        return "libharfbuzz-subset0 is not installed: WeasyPrint subsets fonts with fontTools only"
    hb, ft = [], []
    htmls = [p.read_text(encoding="utf-8") for p in html_files]
    html_to_pdf(htmls[0])  # fonts loaded once
    saved = wf.harfbuzz_subset
    for _ in range(reps):
        for html in htmls:
            t = time.process_time()
            html_to_pdf(html)
            hb.append(time.process_time() - t)
            wf.harfbuzz_subset = None
            try:
                t = time.process_time()
                html_to_pdf(html)
                ft.append(time.process_time() - t)
            finally:
                wf.harfbuzz_subset = saved
    h, f = statistics.median(hb), statistics.median(ft)
    return (f"PDF CPU time per profile, median of {len(hb)}: HarfBuzz subsetting {h:.3f} s, "
            f"fontTools {f:.3f} s ({f - h:+.3f} s without libharfbuzz-subset0)")


def notebook_in_process(codes: list[str]) -> tuple[float, float]:
    """Seconds per profile for the notebook's own code in this process — no kernel, no
    messages, no export — and the part of it spent making the charts' PNGs (mean)."""
    import contextlib
    import io

    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    from jdxlib import sections

    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
             and "parameters" not in (c["metadata"].get("tags") or [])]
    shell = InteractiveShell.instance()
    charts = [0.0]
    show = sections.show_figure

    def timed_show(*a, **k):
        t = time.perf_counter()
        try:
            return show(*a, **k)
        finally:
            charts[0] += time.perf_counter() - t

    def run(code: str) -> None:
        shell.run_cell(f"municipality = {code!r}", silent=True)
        for src in cells:
            res = shell.run_cell(src, silent=True)
            if res.error_in_exec:
                raise SystemExit(f"notebook failed in process for {code}: {res.error_in_exec!r}")

    sections.show_figure = timed_show
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            run(codes[0])  # imports, font cache, dataset reads
            charts[0] = 0.0
            t = time.perf_counter()
            for code in codes:
                run(code)
            wall = time.perf_counter() - t
    finally:
        sections.show_figure = show
    return wall / len(codes), charts[0] / len(codes)


def kernel_round_trip(reps: int = 100) -> float:
    """Seconds for one ``execute_request`` of ``pass`` on a running python3 kernel."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        def execute():
            msg_id = kc.execute("pass", store_history=False)
            while True:
                msg = kc.get_iopub_msg(timeout=60)
                if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                        and msg["content"]["execution_state"] == "idle"):
                    break
            kc.get_shell_msg(timeout=60)

        for _ in range(10):
            execute()
        t = time.perf_counter()
        for _ in range(reps):
            execute()
        return (time.perf_counter() - t) / reps
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def pdf_in_process(html_files: list[Path]) -> tuple[float, float]:
    """WeasyPrint seconds per profile PDF as ``jdx report`` makes it, and the same with every
    table hidden (what the tables alone cost), in this process (mean, after one warm-up)."""
    from jdxlib.report.exporters import html_to_pdf

    hide = "<style>@media print { table { display: none !important } }</style></head>"
    htmls = [p.read_text(encoding="utf-8") for p in html_files]
    html_to_pdf(htmls[0])
    full, bare = [], []
    for html in htmls:
        t = time.perf_counter()
        html_to_pdf(html)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        html_to_pdf(html.replace("</head>", hide, 1))
        bare.append(time.perf_counter() - t)
    return statistics.fmean(full), statistics.fmean(bare)


def per_report_cost(man: dict) -> float:
    return statistics.fmean(r.get("duration_s") or 0.0 for r in man["reports"])


def line(label: str, wall: float, n: int) -> str:
    full = wall / n * N_BODIES / 60
    return (f"{label:<44} {n:5d} in {wall:7.1f} s = {wall / n:6.3f} s/profile → "
            f"{N_BODIES:,}: {'measured ' if n == N_BODIES else '≈'}{full:5.1f} min")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=None, help="profiles for the jdx runs (default: all 1,741)")
    ap.add_argument("--cli-sample", type=int, default=8, help="profiles for the CLI loop (default 8)")
    ap.add_argument("--cluster-sample", type=int, default=None, help="profiles for local vs LocalCluster (default: --sample, at most 60)")
    ap.add_argument("--cluster-format", default="html", help="formats of the cluster comparison (default html)")
    ap.add_argument("--cluster-rounds", type=int, default=3, help="alternating local/cluster rounds (default 3)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--floor-sample", type=int, default=20, help="profiles for the floor part (default 20)")
    ap.add_argument("--parts", default="cli,html,pdf,cluster,floor", help="which parts to run (default: all)")
    args = ap.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if not os.environ.get("JDX_DATA_MIRROR"):
        print("Set JDX_DATA_MIRROR to the upstream-data mirror (e.g. ../shared/data).", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="jdx-thr-") as tmp:
        tmp = Path(tmp)
        os.environ["JDX_DATA_DIR"] = str(tmp / "data")
        import jdxlib
        from jdxlib import _build

        _build.build_all(progress=False)
        codes = jdxlib.load("municipalities")["code"].astype(str).tolist()
        sample = _sample(codes, args.sample)
        print(f"cpus {os.cpu_count()} · jobs {args.jobs} · {len(sample)} of {len(codes)} profiles · "
              f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}", flush=True)
        rows = []
        if "cli" in parts:
            cli = _sample(codes, args.cli_sample)
            w = cli_loop(cli, tmp / "cli-html", pdf=False)
            rows.append(line("papermill + nbconvert loop ×2, HTML", w, len(cli)))
            print(rows[-1], flush=True)
            w = cli_loop(cli, tmp / "cli-pdf", pdf=True)
            rows.append(line("papermill + nbconvert loop ×2, HTML+PDF", w, len(cli)))
            print(rows[-1], flush=True)
        for fmt, key in (("html", "html"), ("html,pdf", "pdf")):
            if key not in parts:
                continue
            w, man, mem = jdx_run(sample, tmp / f"jdx-{key}", fmt, args.jobs)
            rows.append(line(f"jdx report --jobs {args.jobs}, {fmt.upper().replace(',', '+')}", w, len(sample)))
            print(rows[-1], flush=True)
            print(f"    {stages(man)}\n    memory per worker: {mem}", flush=True)
            if key == "pdf":
                htmls = sorted((tmp / "jdx-pdf" / "default").glob("profile_*.html"))[:4]
                print(f"    {font_subsetting(htmls)}", flush=True)
        if "cluster" in parts:
            from distributed import LocalCluster

            csample = _sample(codes, args.cluster_sample or min(len(sample), 60))
            label = args.cluster_format.upper().replace(",", "+")
            t = time.perf_counter()
            cluster = LocalCluster(n_workers=args.jobs, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=":0", silence_logs=40)
            start = time.perf_counter() - t
            # Rounds alternate local and cluster runs, so that both routes see the same
            # machine state (a 2-core VM drifts by ±10% over minutes); a new run folder each
            # time, so that every run starts its workers and kernels as a user's run would.
            ratios = []
            try:
                for i in range(args.cluster_rounds):
                    wl, manl, _ = jdx_run(csample, tmp / f"cmp-local-{i}", args.cluster_format, args.jobs)
                    wc, manc, mem = jdx_run(csample, tmp / f"cmp-cluster-{i}", args.cluster_format, args.jobs,
                                            cluster=cluster.scheduler_address)
                    ratios.append(wc / wl)
                    print(line(f"round {i + 1}: local --jobs {args.jobs}, {label}", wl, len(csample)))
                    print(line(f"round {i + 1}: LocalCluster {args.jobs} workers, {label}", wc, len(csample)),
                          flush=True)
            finally:
                cluster.close()
            print(f"    cluster route / local: {statistics.median(ratios):5.2f} median of "
                  f"{', '.join(f'{r:.2f}' for r in ratios)} (target ≤ 1.15; the cluster's own start, "
                  f"{start:.1f} s, not counted)\n    local:   {stages(manl)}\n    cluster: {stages(manc)}"
                  f"\n    memory per worker: {mem}")
            # Projection: every machine as this one (args.jobs workers); the client writes
            # every file itself, serially, which bounds the speed-up.
            d = per_report_cost(manc)
            wr = statistics.fmean((r.get("timings_s") or {}).get("write", 0.0) for r in manc["reports"])
            fixed = max(0.0, wc - d * len(csample) / args.jobs)  # start-up: kernels warming etc.
            print(f"    projection for {N_BODIES:,} profiles ({label}) from {d:.3f} s per report per worker, "
                  f"start-up {fixed:.1f} s, client writes {wr * 1000:.1f} ms per report:")
            for n in (1, 2, 4, 8, 16, 32):
                minutes = max(fixed + d * N_BODIES / (n * args.jobs), wr * N_BODIES) / 60
                print(f"      {n:3d} machine(s) × {args.jobs} workers: {minutes:6.1f} min")
        if "floor" in parts:
            floor(_sample(codes, args.floor_sample), tmp / "floor", args.jobs)
    return 0


def floor(codes: list[str], out: Path, jobs: int) -> None:
    """What a profile costs at the least, measured piece by piece on one core: the notebook's
    code in one process, the kernel's round trip per cell, the HTML export, the PDF."""
    _, man, _ = jdx_run(codes, out, "html,pdf", 1)
    export = statistics.fmean((r.get("timings_s") or {}).get("html", 0.0) for r in man["reports"])
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    executes = 1 + sum(c["cell_type"] == "code" for c in nb["cells"])  # + papermill's parameters cell
    trip = kernel_round_trip()
    code, chart = notebook_in_process(codes)
    pdf, bare = pdf_in_process(sorted((out / "default").glob("profile_*.html")))
    html = code + executes * trip + export
    minutes = lambda per: per * N_BODIES / jobs / 60  # noqa: E731 - every core busy, nothing else
    print(f"floor, measured piece by piece on one core ({len(codes)} profiles), per profile:\n"
          f"    notebook code in one process {code:.3f} s (charts {chart:.3f} s) · kernel round trips "
          f"{executes} × {trip * 1000:.1f} ms · HTML export {export:.3f} s → {html:.3f} s\n"
          f"    → all {N_BODIES:,} HTML on {jobs} cores: ≥ {minutes(html):5.1f} min (target 10)\n"
          f"    PDF {pdf:.3f} s (without its tables {bare:.3f} s) → HTML + PDF: ≥ {minutes(html + pdf):5.1f} "
          f"min (target 20)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
