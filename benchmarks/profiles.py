"""Benchmark: municipality profiles — one profile in-process, and a batch extrapolated to 1,741.

    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/profiles.py            # every 17th body
    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/profiles.py --every 50
    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/profiles.py --all      # all 1,741

Datasets are built from the mirror into a temporary JDX_DATA_DIR (the developer's data/ is
untouched), reports go to a temporary folder.

1. **In-process, side by side** (same bodies, same process): computing a profile and drawing
   its four charts with the national tables cached (what a batch worker does after its first
   report) vs. with every cache emptied before each profile.
2. **Batch**: ``jdx report --municipalities <sample> --jobs <cores> --force`` (HTML), timed
   from the command's start to its end, and extrapolated linearly to 1,741 profiles
   (start-up included, so the projection is on the safe side).  Target (issue 6): all 1,741
   HTML profiles in under 20 minutes on the 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
N_BODIES = 1741
TARGET_MIN = 20.0


def in_process(codes: list[str]) -> tuple[float, float]:
    """Median seconds per profile (build + charts drawn to PNG): warm caches, then cold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.pylabtools import print_figure

    from jdxlib import _memo, charts, profiles, viz

    viz.set_theme()
    sections = (profiles.status_section, profiles.procedures_section, profiles.cards_section,
                profiles.map_section)

    def one(code: str) -> float:
        t = time.perf_counter()
        p = profiles.municipality_profile(code)
        profiles.summary_text(p)
        for make in sections:
            fig = make(p).figure
            if fig is not None:
                print_figure(fig, "png", bbox_inches=None if charts.has_fixed_layout(fig) else "tight")
                plt.close(fig)
        return time.perf_counter() - t

    one(codes[0])  # imports, font cache, parquet reads
    warm, cold = [], []
    for code in codes:  # interleaved, so both see the same machine state
        warm.append(one(code))
        _memo.clear_all()
        cold.append(one(code))
    return statistics.median(warm), statistics.median(cold)


def batch(codes: list[str], jobs: int, out: Path) -> float:
    t = time.perf_counter()
    subprocess.run([str(BIN / "jdx"), "report", "--municipalities", ",".join(codes), "--jobs", str(jobs),
                    "--out", str(out), "--force"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--every", type=int, default=17, help="take every N-th municipality code (default 17: 103 bodies)")
    ap.add_argument("--all", action="store_true", help="run all 1,741 profiles")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--in-process", type=int, default=12, metavar="N", help="bodies for part 1 (default 12)")
    args = ap.parse_args()
    if not os.environ.get("JDX_DATA_MIRROR"):
        print("Set JDX_DATA_MIRROR to the upstream-data mirror (e.g. ../shared/data).", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="jdx-bench-") as tmp:
        os.environ["JDX_DATA_DIR"] = str(Path(tmp) / "data")
        import jdxlib
        from jdxlib import _build

        _build.build_all(progress=False)
        codes = jdxlib.load("municipalities")["code"].astype(str).tolist()
        sample = codes if args.all else codes[:: args.every]
        print(f"cpus: {os.cpu_count()}   jobs: {args.jobs}   bodies: {len(sample)} of {len(codes)}")

        step = max(1, len(codes) // args.in_process)
        warm, cold = in_process(codes[::step][: args.in_process])
        print(f"\n1. in-process, per profile (build + 4 charts to PNG), median of {args.in_process}:")
        print(f"   national tables cached {warm:6.3f} s   caches emptied {cold:6.3f} s   ratio {cold / warm:4.2f}×")

        # start-up (workers, kernels warming, first reads) measured on one profile per worker
        startup = batch(sample[: args.jobs], args.jobs, Path(tmp) / "startup")
        wall = batch(sample, args.jobs, Path(tmp) / "reports")
        per = wall / len(sample)
        print(f"\n2. jdx report --jobs {args.jobs}: {len(sample)} profiles in {wall:6.1f} s = {per:5.3f} s/profile"
              f"   (a batch of {args.jobs}: {startup:4.1f} s)")
        if args.all:
            total_min = wall / 60
            print(f"   all {N_BODIES:,}: {total_min:5.1f} min (measured)")
        else:
            total_min = per * N_BODIES / 60
            steady = max(wall - startup, 0.0) / max(len(sample) - args.jobs, 1)
            corrected = (startup + steady * (N_BODIES - args.jobs)) / 60
            print(f"   all {N_BODIES:,}, extrapolated: {total_min:5.1f} min linearly (start-up counted "
                  f"{N_BODIES // len(sample)} times), {corrected:5.1f} min with start-up counted once")
        print(f"   target < {TARGET_MIN:.0f} min: {total_min / TARGET_MIN:4.2f} of the target  "
              f"{'OK' if total_min < TARGET_MIN else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
