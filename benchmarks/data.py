"""Benchmark: cold build (fetch from the mirror + build) and warm load() of each municipal dataset.

Usage::

    JDX_DATA_MIRROR=../shared/data .venv/bin/python benchmarks/data.py

Everything happens in a temporary JDX_DATA_DIR, so the developer's data/ is untouched.
Targets: warm load() < 0.1 s per dataset; full cold build < 30 s on 2 cores.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATASETS = ["municipalities", "prefectures", "dx_status", "online_procedures", "mynumber_cards", "boundaries"]


def main() -> int:
    if not os.environ.get("JDX_DATA_MIRROR"):
        print("Set JDX_DATA_MIRROR to the upstream-data mirror (e.g. ../shared/data or an http(s) URL).",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="jdx-bench-") as tmp:
        os.environ["JDX_DATA_DIR"] = tmp
        t0 = time.perf_counter()
        import jdxlib
        from jdxlib import _build, municipal, sources
        t_import = time.perf_counter() - t0

        print(f"mirror: {os.environ['JDX_DATA_MIRROR']}   cpus: {os.cpu_count()}   data dir: {tmp}")
        print(f"import jdxlib + build modules: {t_import:6.2f} s")

        total0 = time.perf_counter()
        t = time.perf_counter()
        paths = sources.fetch_all(_build.inputs(), progress=False)
        t_fetch = time.perf_counter() - t
        print(f"\ncold: fetch + verify {len(paths)} upstream files: {t_fetch:6.2f} s")
        builds = {}
        for name in DATASETS:
            t = time.perf_counter()
            _build.build([name], force=True, progress=False)
            builds[name] = time.perf_counter() - t
            print(f"cold: build {name:<20} {builds[name]:6.2f} s")
        total = time.perf_counter() - total0
        print(f"cold: total (fetch + all builds)      {total:6.2f} s   target < 30 s  "
              f"{'OK' if total < 30 else 'SLOW'}")

        print("\nload() per dataset: first (parquet read) and warm (median of 20 calls)")
        worst = 0.0
        for name in DATASETS:
            municipal._read.cache_clear()
            t = time.perf_counter()
            jdxlib.load(name)
            first = time.perf_counter() - t
            runs = []
            for _ in range(20):
                t = time.perf_counter()
                jdxlib.load(name)
                runs.append(time.perf_counter() - t)
            warm = statistics.median(runs)
            worst = max(worst, warm, first)
            print(f"  {name:<20} first {first * 1000:7.1f} ms   warm {warm * 1000:7.2f} ms")
        print(f"slowest load: {worst * 1000:.1f} ms   target < 100 ms  {'OK' if worst < 0.1 else 'SLOW'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
