"""``jdx report --cluster tcp://host:8786``: a report batch on a Dask distributed cluster.

The client (the ``jdx report`` process) keeps everything that concerns the run folder: the
run-folder lock, skipping up-to-date reports, the manifest and ``index.html``, and every
output file.  A Dask worker only *computes* a report and sends its bytes back (ipynb, HTML,
PDF and the metadata), so workers need no shared disk.

On each worker:

- :class:`WarmKernelPlugin` (registered by :func:`connect`) prepares the process as the local
  runner prepares its worker processes (fontconfig before WeasyPrint, quiet papermill) and
  shuts the warm kernel down when the worker closes.  Reports run on the worker's warm
  kernel (:mod:`jdxlib.report.warm`): the same reset, verification and replacement rules as
  in local runs; one report at a time per worker process (a lock), whatever its thread count.
- Before a report runs, :func:`check_inputs` builds or verifies the worker's own datasets
  (``jdx data build`` from the pinned sources or the mirror, once per batch) and compares
  their checksums, the jdxlib code and the tool versions with the client's.  Any mismatch
  fails that report with a message naming what differs; nothing runs on different inputs.
- The per-report timeout is the local runner's watchdog (it kills the kernel; the next
  report gets a new one).

On Ctrl-C, SIGTERM or SIGHUP the client cancels every future, kills the kernels running a
report on the workers, writes a manifest listing exactly the reports on disk and exits
non-zero, as a local run does.  A worker that dies while running a report: the scheduler
runs the report again on another worker (``distributed.scheduler.allowed-failures``); when
it gives up, the report fails with stage ``worker``.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from distributed.diagnostics.plugin import WorkerPlugin

from .._atomic import write_bytes
from . import manifest as mf
from . import runner

PLUGIN_NAME = "jdx-warm-kernel"
#: Seconds to wait for the scheduler (and for its first worker).
CONNECT_TIMEOUT_S = 30.0

# One report at a time per worker process: there is one warm kernel per process.
_REPORT_LOCK = threading.Lock()
_BUILT_FOR: set[str] = set()


class ClusterError(RuntimeError):
    """The cluster cannot be used (unreachable scheduler, no workers)."""


# --------------------------------------------------------------------------- both sides
def input_checksum(name: str) -> str | None:
    """A dataset's checksum that does not depend on where the files lie: sha256 over the
    sorted (file name, file sha256) pairs of :func:`manifest.dataset_record`."""
    files = mf.dataset_record(name)["files"]
    if not files:
        return None
    pairs = sorted((Path(p).name, sha) for p, sha in files.items())
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()


def expected_inputs(datasets: list[str], tools: dict[str, str], batch: str) -> dict[str, Any]:
    """What a worker must match before it runs a report (computed on the client)."""
    return {
        "batch": batch,
        "datasets": {n: input_checksum(n) for n in datasets},
        "code": mf.code_fingerprint(),
        "tools": tools,
    }


# --------------------------------------------------------------------------- worker side
class WarmKernelPlugin(WorkerPlugin):
    """Prepares a Dask worker for reports and stops its warm kernel when the worker closes."""

    name = PLUGIN_NAME

    def setup(self, worker) -> None:
        import logging

        from .exporters import ensure_fontconfig

        ensure_fontconfig()  # before WeasyPrint loads any font in this process
        logging.getLogger("papermill").setLevel(logging.WARNING)

    def teardown(self, worker) -> None:
        from . import warm

        warm.shutdown_process_kernel()


def _ensure_built(batch: str) -> str | None:
    """Build or verify this worker's datasets once per batch; a problem's text, or None."""
    if batch in _BUILT_FOR:
        return None
    from .. import _build
    from ..sources import SourceError

    try:
        _build.build(progress=False)
    except (SourceError, _build.BuildError, OSError) as exc:
        return f"the worker could not prepare its datasets: {exc}"
    _BUILT_FOR.add(batch)
    return None


def _short(sha: str | None) -> str:
    return sha[:12] + "…" if sha else "missing"


def check_inputs(expected: dict[str, Any]) -> str | None:
    """Why this worker must not run the report (its inputs differ from the client's), or None."""
    from .exporters import tool_versions

    if expected["datasets"]:
        problem = _ensure_built(expected["batch"])
        if problem:
            return problem
    if mf.code_fingerprint() != expected["code"]:
        return ("the worker runs different jdxlib code than the client (install the same jdx "
                "version on every machine of the cluster)")
    mine = tool_versions()
    diff = [f"{k} {mine.get(k, 'missing')} (client: {v})" for k, v in expected["tools"].items() if mine.get(k) != v]
    if diff:
        return "the worker has other tool versions than the client: " + ", ".join(diff)
    bad = []
    for name, sha in expected["datasets"].items():
        have = input_checksum(name)
        if have != sha:
            bad.append(f"{name} (worker {_short(have)}, client {_short(sha)})")
    if bad:
        return ("the worker's datasets differ from the client's: " + ", ".join(bad)
                + "; build the same data on both (jdx data build from the same sources)")
    return None


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except Exception:
        return "?"


def _notebook_on_worker(spec: dict, notebook: bytes) -> str:
    """The notebook's path on this worker: the client's path when it holds the same bytes
    (one machine), else a private copy of the bytes the client sent."""
    path = Path(spec["notebook"])
    sha = mf.sha256_bytes(notebook)
    try:
        if path.is_file() and mf.sha256_file(path) == sha:
            return str(path)
    except OSError:
        pass
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"jdx-notebooks-{sha[:16]}"
    target = folder / path.name
    if not target.is_file():
        write_bytes(target, notebook)
    return str(target)


def run_report_on_worker(task: dict, notebook: bytes, expected: dict[str, Any]) -> dict:
    """Run one report on this Dask worker and return its result with the files' bytes.

    Never raises for a failing report (as :func:`runner.execute_report`).
    """
    with _REPORT_LOCK:
        where = _worker_address()
        t0 = time.perf_counter()
        problem = check_inputs(expected)
        if problem:
            name = task["spec"]["name"]
            return {
                "name": name, "status": "failed", "outputs": {}, "worker": where,
                "error": _error("inputs", "InputMismatch", f"{where}: {problem}"),
                "duration_s": round(time.perf_counter() - t0, 3), "cell_execution_s": 0.0,
            }
        spec = dict(task["spec"], notebook=_notebook_on_worker(task["spec"], notebook))
        result = runner.execute_report(dict(task, spec=spec, return_files=True))
        result["input_checksums"] = {n: input_checksum(n) for n in result.get("datasets") or []}
        result["worker"] = where
        return result


def _kill_kernel() -> int | None:  # runs on every worker when the client is interrupted
    from . import warm

    return warm.kill_process_kernel()


def _error(stage: str, ename: str, evalue: str) -> dict:
    return {"stage": stage, "cell_index": None, "execution_count": None, "cell_source": None,
            "ename": ename, "evalue": evalue[:2000], "traceback": ""}


# --------------------------------------------------------------------------- client side
def connect(address: str, timeout: float = CONNECT_TIMEOUT_S):
    """A :class:`distributed.Client` for *address*, with :class:`WarmKernelPlugin` on every
    worker; raise :class:`ClusterError` when the scheduler or its workers cannot be reached.

    ``tls://`` addresses use the security settings of Dask's configuration
    (``distributed.comm.tls.*``).
    """
    from distributed import Client

    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (TimeoutError, OSError):
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {address} has no worker (waited {timeout:g} s); start some with "
            f"`dask worker {address} --nthreads 1`"
        ) from None
    client.register_plugin(WarmKernelPlugin(), name=PLUGIN_NAME)
    return client


def worker_count(client) -> int:
    return len(client.scheduler_info().get("workers", {}))


def receive(result: dict, run_dir: Path, spec: runner.ReportSpec, expected: dict[str, Any]) -> dict:
    """Write a worker's files into the run folder (the client alone writes it)."""
    files: dict[str, bytes] = result.pop("files", None) or {}
    paths = runner._outputs_for(run_dir, spec.name, ("ipynb",) + runner.FORMATS)
    # Datasets the notebook loaded beyond those known in advance: compared after the run.
    seen = result.pop("input_checksums", None) or {}
    bad = [n for n, sha in seen.items()
           if n not in expected["datasets"] and sha != input_checksum(n)]
    if bad:
        files = {}
        result.update(status="failed", outputs={}, error=_error(
            "inputs", "InputMismatch",
            f"{result.get('worker', '?')}: the worker's datasets differ from the client's: "
            + ", ".join(bad) + "; build the same data on both (jdx data build from the same sources)"))
    t = time.perf_counter()
    written: dict[str, dict] = {}
    try:
        for fmt in ("ipynb",) + runner.FORMATS:
            if fmt in files:
                data = files[fmt]
                if mf.sha256_bytes(data) != result["outputs"][fmt]["sha256"]:
                    raise OSError(f"{paths[fmt].name} arrived damaged from the worker")
                write_bytes(paths[fmt], data)
                written[fmt] = result["outputs"][fmt]
    except OSError as exc:
        result.update(status="failed", error=_error("write", type(exc).__name__,
                                                    f"cannot write {paths.get(fmt, run_dir)}: {exc.strerror or exc}"))
    result["outputs"] = written
    if result["status"] != "ok":
        runner._remove_stale(paths, keep=tuple(written))
    timings = dict(result.get("timings_s") or {})
    timings["write"] = round(time.perf_counter() - t, 3)
    result["timings_s"] = timings
    return result


def run_on_cluster(
    client,
    todo: list[tuple[runner.ReportSpec, dict]],
    finish: Callable[[runner.ReportSpec, dict], None],
    interrupted: Callable[[], None],
    *,
    run_dir: Path,
    tools: dict[str, str],
) -> None:
    """Submit every report of *todo* to the cluster; *finish* each result as it arrives.

    On KeyboardInterrupt (Ctrl-C, or SIGTERM/SIGHUP turned into it by the CLI): cancel the
    futures, kill the kernels running reports on the workers, call *interrupted* (which
    writes the manifest) and re-raise.
    """
    from distributed import as_completed

    batch = uuid.uuid4().hex
    notebooks: dict[str, Any] = {}
    futures: dict[Any, tuple[runner.ReportSpec, dict, dict]] = {}
    try:
        for spec, task in todo:
            if spec.notebook not in notebooks:  # each notebook travels once, not once per report
                notebooks[spec.notebook] = client.scatter(Path(spec.notebook).read_bytes(), broadcast=False)
            expected = expected_inputs(task["datasets"], tools, batch)
            fut = client.submit(
                run_report_on_worker, task, notebooks[spec.notebook], expected,
                key=f"jdx-report-{spec.name}-{batch[:8]}", pure=False,
            )
            futures[fut] = (spec, task, expected)
        for fut in as_completed(list(futures), loop=client.loop):
            spec, task, expected = futures.pop(fut)  # releasing the future frees the worker's copy
            try:
                result = fut.result()
            except Exception as exc:  # KilledWorker, a lost connection, …
                result = runner._crash_result(spec, exc)
                result["error"]["evalue"] = f"the Dask worker running this report failed: {type(exc).__name__}: {exc}"[:2000]
            else:
                result = receive(result, run_dir, spec, expected)
            finish(spec, result)
    except KeyboardInterrupt:
        with runner._signals_ignored():
            try:
                client.cancel(list(futures), force=True)
                client.run(_kill_kernel, wait=True)  # the running reports stop now, not at their end
            except Exception:  # pragma: no cover - a scheduler already gone
                pass
            interrupted()
        raise
