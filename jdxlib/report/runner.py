"""Execute report notebooks with papermill and write their outputs, in parallel.

One report = one notebook × one parameter set × some formats.  For each report the runner
writes, into ``<out>/<run>/``:

- ``<name>.ipynb`` — the executed notebook, without volatile fields (papermill and nbclient
  timestamps and durations, PNG text chunks), so re-runs over the same inputs are
  byte-identical;
- ``<name>.html`` / ``<name>.pdf`` — via :class:`~jdxlib.report.exporters.JdxHTMLExporter`
  and :func:`~jdxlib.report.exporters.html_to_pdf`;
- and, for the whole run, ``manifest.json`` and ``index.html``.

Reports run in worker processes (``jobs`` of them), each with a warm kernel
(:mod:`jdxlib.report.warm`).  A failing report does not stop the others: its error and the
failing cell go into the manifest.  A report whose fingerprint (notebook sha256,
parameters, input dataset sha256, jdxlib code, tool versions, formats) equals the previous
run's and whose outputs are intact is skipped unless ``force``.  Every file is written
atomically (temporary ``*.part`` file + rename).
"""
from __future__ import annotations

import base64
import concurrent.futures as cf
import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import struct
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from .._atomic import write_bytes
from . import manifest as mf

FORMATS = ("html", "pdf")
KERNEL_NAME = "python3"
#: Seconds between manifest/index rewrites during a batch (always written at the end).
MANIFEST_INTERVAL_S = 5.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class ReportSpec:
    """One report to produce."""

    name: str  # file stem inside the run folder, unique within a run
    key: str
    notebook: str  # path of the .ipynb
    parameters: dict[str, Any] = field(default_factory=dict)
    formats: tuple[str, ...] = ("html",)
    title: str = ""
    notebook_title: str = ""
    parameter_labels: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None  # seconds for the whole report (None: the run's default)


@dataclass
class RunResult:
    run_dir: Path
    entries: list[dict]
    duration: float

    @property
    def failed(self) -> list[dict]:
        return [e for e in self.entries if e["status"] == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


# --------------------------------------------------------------------------- helpers
def slug(value: Any) -> str:
    """A file-name-safe form of a parameter value (Japanese letters kept)."""
    text = _UNSAFE.sub("-", str(value)).strip("-")
    return text[:60] or "x"


def fit_name(name: str) -> str:
    """*name* cut to the 100-character limit, kept unique by a short hash of the whole."""
    if len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name[: NAME_MAX - 11]}-{digest}"


#: Plain report names: ASCII letters and digits, ``-``, ``_`` and Japanese kana/kanji
#: (hiragana, katakana incl. ー・, CJK ideographs, 々〆); not starting with ``-``.
_NAME_CHARS = "A-Za-z0-9_\\-\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe\u3005\u3006\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_NAME = re.compile(f"[{_NAME_CHARS}]+")
_UNSAFE = re.compile(f"[^{_NAME_CHARS}]+")
#: The run's own files: a report may not take their stems, in any case.
RESERVED_NAMES = ("index", "manifest")
NAME_MAX = 100


def quote(value: Any, limit: int = 80) -> str:
    """``repr(value)`` shortened to about *limit* characters (for messages)."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit - 20]!r}… ({len(text)} characters)"


def name_problem(name: Any) -> str | None:
    """Why *name* is not a plain report file stem, or None when it is.

    Names are 1–100 characters from ASCII letters and digits, ``-``, ``_`` and Japanese
    kana/kanji, do not start with ``.`` or ``-``, and are not ``index`` or ``manifest``
    (whatever their case): a name can never leave the run folder or replace its files.
    """
    if not isinstance(name, str):
        return f"expected a file name, found {quote(name)}"
    q = quote(name)
    if not 1 <= len(name) <= NAME_MAX:
        return f"{q}: a name has 1–{NAME_MAX} characters, not {len(name)}"
    if name[0] in ".-" and (len(name) == 1 or _NAME.fullmatch(name[1:])):
        return f"{q}: a name must not start with '.' or '-'"
    if not _NAME.fullmatch(name):
        return (
            f"{q} is not a plain file name: use ASCII letters and digits, '-', '_' and "
            "Japanese kana/kanji (no '/', '.', spaces or other signs)"
        )
    if name.lower() in RESERVED_NAMES:
        return f"{q} is reserved for the run's {name.lower()} file; choose another name"
    return None


def check_output_dir(run_dir: Path) -> None:
    """Create *run_dir* and prove it is writable, or raise OSError with a clear message."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / f".jdx-write-test-{os.getpid()}.part"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OSError(f"cannot write to the output folder {run_dir}: {exc.strerror or exc}") from None


LOCK_NAME = ".jdx-run.lock"
OWNER_NAME = ".jdx-run.owner"


class RunFolderBusy(OSError):
    """Another ``jdx report`` holds the run folder (``--no-wait``)."""


def _lock_owner(run_dir: Path) -> str:
    try:
        text = (run_dir / OWNER_NAME).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {text[:40]})" if text else ""


@contextlib.contextmanager
def run_folder_lock(run_dir: Path, *, wait: bool = True, on_wait: Callable[[str], None] | None = None):
    """Hold the run folder's lock (``.jdx-run.lock``, :mod:`filelock`) for a whole run.

    Two runs into one folder would otherwise interleave their files and overwrite each
    other's manifest.  The lock is an OS lock: it is released when the process ends, however
    it ends, so a killed run never leaves the folder locked.
    """
    from filelock import FileLock, Timeout

    run_dir = Path(run_dir)
    lock = FileLock(str(run_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        owner = _lock_owner(run_dir)
        if not wait:
            raise RunFolderBusy(
                f"another jdx report{owner} is writing to {run_dir}; run again when it has "
                "finished, or without --no-wait to wait for it"
            ) from None
        if on_wait is not None:
            on_wait(
                f"another jdx report{owner} is writing to {run_dir}: waiting for it to finish "
                "(--no-wait fails at once instead)"
            )
        lock.acquire()
    try:
        try:
            (run_dir / OWNER_NAME).write_text(str(os.getpid()), encoding="utf-8")
        except OSError:
            pass
        yield
    finally:
        lock.release()


#: Parameters holding body names: the notebook resolves them with jdxlib.names, which reads
#: these datasets (so rebuilding them makes the report out of date).
NAME_PARAMETERS = ("prefecture", "highlight", "municipality")
NAME_DATASETS = ("municipalities", "prefectures")


def input_datasets(spec: ReportSpec, nb_json: dict) -> list[str]:
    """Datasets a report reads: those its notebook loads, and those used to resolve names."""
    names = set(mf.datasets_used(nb_json))
    if any(spec.parameters.get(p) not in (None, "") for p in NAME_PARAMETERS):
        names.update(NAME_DATASETS)
    return sorted(names)


def fingerprint(spec: ReportSpec, datasets: list[dict], tools: dict[str, str]) -> str:
    payload = {
        "notebook_sha256": mf.sha256_file(spec.notebook),
        "parameters": spec.parameters,
        "formats": sorted(spec.formats),
        "datasets": [(d["name"], d["sha256"]) for d in datasets],
        "code": mf.code_fingerprint(),
        "tools": tools,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def _png_strip_text(data: bytes) -> bytes:
    """Drop tEXt/zTXt/iTXt/tIME chunks (Software, dates) from a PNG."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out, pos = [data[:8]], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if ctype not in (b"tEXt", b"zTXt", b"iTXt", b"tIME"):
            out.append(data[pos:end])
        pos = end
    return b"".join(out)


def strip_volatile(nb) -> float:
    """Remove run-dependent fields from an executed notebook in place.

    Returns the notebook's own cell execution time (seconds), read before it is removed.
    """
    cell_time = 0.0
    pm = nb.metadata.get("papermill") or {}
    nb.metadata["papermill"] = {
        k: pm[k] for k in ("parameters", "default_parameters", "version") if k in pm
    }
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {})
        cell_pm = meta.pop("papermill", None) or {}
        cell_time += float(cell_pm.get("duration") or 0.0)
        meta.pop("execution", None)
        tags = meta.get("tags") or []
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"
        elif "papermill-error-cell-tag" in tags:
            cell["id"] = f"papermill-error-{i}"
        for out in cell.get("outputs", []) or []:
            data = out.get("data") or {}
            png = data.get("image/png")
            if isinstance(png, str):
                try:
                    raw = base64.b64decode(png)
                    stripped = _png_strip_text(raw)
                    if stripped != raw:
                        data["image/png"] = base64.b64encode(stripped).decode("ascii") + "\n"
                except (ValueError, struct.error):
                    pass
    return cell_time


def find_error(nb, injected_index: int | None) -> dict | None:
    """The first error in an executed notebook: cell, execution count, message, traceback."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") != "error":
                continue
            if out.get("ename") == "SystemExit" and out.get("evalue") in ("", "0"):
                continue
            tb = [_ANSI.sub("", line) for line in out.get("traceback", [])]
            src_index = index
            if injected_index is not None and index > injected_index:
                src_index -= 1  # index in the notebook file, without the injected cell
            return {
                "stage": "execute",
                "cell_index": src_index,
                "execution_count": cell.get("execution_count"),
                "cell_source": str(cell.get("source", ""))[:2000],
                "ename": out.get("ename"),
                "evalue": _ANSI.sub("", str(out.get("evalue", "")))[:2000],
                "traceback": "\n".join(tb)[-4000:],
            }
    return None


# --------------------------------------------------------------------------- worker side
_HTML_EXPORTER = None


def _html_exporter():
    global _HTML_EXPORTER
    if _HTML_EXPORTER is None:
        from .exporters import JdxHTMLExporter

        _HTML_EXPORTER = JdxHTMLExporter()
    return _HTML_EXPORTER


def _worker_signal(signum, frame) -> None:  # pragma: no cover - runs in a worker at exit
    """SIGTERM/SIGHUP in a worker: kill its kernel, then leave at once (no traceback)."""
    from . import warm

    warm.kill_process_kernel()
    k = warm._KERNEL
    if k is not None and k.km is not None:
        warm._remove_ipc_dir(k.km)
    os._exit(128 + signum)


def _worker_init() -> None:
    """Runs once in each worker process."""
    import signal

    # Ctrl-C reaches the whole process group: the parent alone handles it and stops the
    # workers (with SIGTERM), so no worker prints a KeyboardInterrupt traceback from zmq.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_signal)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, _worker_signal)
    from .exporters import ensure_fontconfig

    ensure_fontconfig()  # before WeasyPrint loads any font in this process
    import logging

    logging.getLogger("papermill").setLevel(logging.WARNING)


def _outputs_for(run_dir: Path, name: str, formats) -> dict[str, Path]:
    paths = {"ipynb": run_dir / f"{name}.ipynb"}
    for fmt in formats:
        paths[fmt] = run_dir / f"{name}.{fmt}"
    return paths


def execute_report(task: dict) -> dict:
    """Run one report (in a worker process); never raises."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    import threading

    from . import warm
    from .exporters import html_to_pdf

    t0 = time.perf_counter()
    spec = ReportSpec(**task["spec"])
    run_dir = Path(task["run_dir"])
    limit = task.get("timeout")
    watch = {"fired": False, "done": False}
    guard = threading.Lock()

    def on_timeout():
        with guard:
            if watch["done"]:
                return
            watch["fired"] = True
        warm.kill_process_kernel()  # nbclient then sees a dead kernel; the next report gets a new one

    timer = threading.Timer(limit, on_timeout) if limit else None
    if timer is not None:
        timer.daemon = True

    def start_timer():
        if timer is not None and not timer.is_alive() and not watch["done"]:
            timer.start()
    nb_path = Path(spec.notebook)
    paths = _outputs_for(run_dir, spec.name, spec.formats)
    result: dict[str, Any] = {"name": spec.name, "status": "failed", "outputs": {}, "error": None}
    stage = "execute"
    timings: dict[str, float] = {}
    nb = None
    cell_time = 0.0
    try:
        from papermill.iorw import load_notebook_node

        nb = load_notebook_node(str(nb_path))  # also gives every cell metadata.tags
        nb = parameterize_notebook(
            nb, spec.parameters, report_mode=False, kernel_name=KERNEL_NAME, language="python",
            engine_name=warm.ENGINE_NAME,
        ) if spec.parameters else nb
        nb.metadata.setdefault("papermill", {})
        injected = next(
            (i for i, c in enumerate(nb.cells)
             if "injected-parameters" in (c.get("metadata", {}).get("tags") or [])),
            None,
        )
        from papermill.engines import papermill_engines

        extra = {
            "warm_cwd": str(nb_path.parent),
            "warm_drop_roots": task.get("drop_roots", []),
            "warm_started": start_timer,
        }
        cwd = os.getcwd()
        try:
            nb = papermill_engines.execute_notebook_with_engine(
                warm.ENGINE_NAME,
                nb,
                input_path=str(nb_path),
                output_path=None,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                start_timeout=120,
                execution_timeout=None,  # the whole report is limited by the watchdog above
                **extra,
            )
        finally:
            os.chdir(cwd)
            if timer is not None:
                with guard:
                    watch["done"] = True
                timer.cancel()
        if watch["fired"]:
            raise ReportTimeout(limit)
        timings["execute"] = time.perf_counter() - t0
        cell_time = strip_volatile(nb)
        used = nb.metadata.pop("_jdx_datasets", None) or []
        ds_names = sorted(set(task.get("datasets") or []) | set(used))
        header = dict(task["header"])
        header["datasets"] = [mf.dataset_header(n) for n in ds_names]
        result["datasets"] = ds_names
        nb.metadata["jdx"] = header
        error = find_error(nb, injected)
        # The executed notebook is kept in every case: it is where a failure is read.
        _emit(task, result, run_dir, paths, "ipynb", (nbformat.writes(nb) + "\n").encode("utf-8"))
        if error:
            result["error"] = error
            if not task.get("return_files"):
                _remove_stale(paths, keep=("ipynb",))
        else:
            stage = "html"
            t1 = time.perf_counter()
            html, _ = _html_exporter().from_notebook_node(
                nb, resources={"metadata": {"name": spec.name, "path": str(nb_path.parent)}}
            )
            timings["html"] = time.perf_counter() - t1
            if "html" in spec.formats:
                _emit(task, result, run_dir, paths, "html", html.encode("utf-8"))
            if "pdf" in spec.formats:
                stage = "pdf"
                t1 = time.perf_counter()
                pdf = html_to_pdf(html, base_url=str(nb_path.parent))
                timings["pdf"] = time.perf_counter() - t1
                _emit(task, result, run_dir, paths, "pdf", pdf)
            result["status"] = "ok"
    except Exception as exc:  # one report's failure never stops the batch
        tb = traceback.format_exc()
        if timer is not None:
            with guard:
                watch["done"] = True
            timer.cancel()
        if watch["fired"]:
            exc = ReportTimeout(limit)
            stage, tb = "timeout", ""
        err = find_error(nb, None) if (nb is not None and stage == "execute") else None
        result["error"] = err or {
            "stage": stage,
            "cell_index": None,
            "execution_count": None,
            "cell_source": None,
            "ename": type(exc).__name__,
            "evalue": _ANSI.sub("", str(exc))[:2000],
            "traceback": _ANSI.sub("", tb)[-4000:],
        }
        if not task.get("return_files"):
            _remove_stale(paths, keep=("ipynb",) if "ipynb" in result["outputs"] else ())
    result["duration_s"] = round(time.perf_counter() - t0, 3)
    result["cell_execution_s"] = round(cell_time, 3)
    if "_write_s" in result:
        timings["write"] = result.pop("_write_s")
    result["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    return result


class ReportTimeout(Exception):
    """A report ran longer than its timeout; its kernel was killed (and is replaced)."""

    def __init__(self, seconds: float):
        super().__init__(
            f"the report did not finish within its timeout of {seconds:g} s; its kernel was "
            "stopped and replaced (raise the limit with --timeout or the config key 'timeout')"
        )
        self.seconds = seconds


def _remove_stale(paths: dict[str, Path], keep=()) -> None:
    for fmt, path in paths.items():
        if fmt not in keep:
            try:
                path.unlink()
            except FileNotFoundError:
                pass


def _emit(task: dict, result: dict, run_dir: Path, paths: dict[str, Path], fmt: str, data: bytes) -> None:
    """Write one output file, or (``task["return_files"]``, a Dask worker) hand its bytes
    back in ``result["files"]``: then only the client writes the run folder."""
    if task.get("return_files"):
        result.setdefault("files", {})[fmt] = data
        result["outputs"][fmt] = {"path": paths[fmt].relative_to(run_dir).as_posix(), "sha256": mf.sha256_bytes(data)}
        return
    t = time.perf_counter()
    write_bytes(paths[fmt], data)
    result["outputs"][fmt] = _out_record(run_dir, paths[fmt])
    result.setdefault("_write_s", 0.0)
    result["_write_s"] += time.perf_counter() - t


def _out_record(run_dir: Path, path: Path) -> dict[str, str]:
    return {"path": path.relative_to(run_dir).as_posix(), "sha256": mf.sha256_file(path)}


# --------------------------------------------------------------------------- orchestration
def _mp_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_reports(
    specs: list[ReportSpec],
    out_dir: Path,
    run: str,
    *,
    jobs: int | None = None,
    force: bool = False,
    timeout: float | None = None,
    notebooks_dir: Path | None = None,
    progress: Callable[[dict, int, int], None] | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    cluster=None,
) -> RunResult:
    """Produce every report of *specs* into ``out_dir/run``; return the manifest entries.

    *progress* is called in the parent after each report with (entry, done, total).  The run
    folder is locked for the whole run (:func:`run_folder_lock`): a second run into the same
    folder waits (*on_wait* gets a message) or, with ``wait=False``, raises
    :class:`RunFolderBusy`.  Reports already in the folder's manifest stay listed.  With
    *cluster* (a connected :class:`distributed.Client`) the reports run on its workers
    (:mod:`jdxlib.report.distributed`); this process still writes every file.
    """
    from .exporters import tool_versions

    t0 = time.perf_counter()
    run_dir = Path(out_dir) / run
    names = [s.name for s in specs]
    for n in names:
        problem = name_problem(n)
        if problem:
            raise ValueError(f"report name {problem}")
    check_output_dir(run_dir)
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"two reports would write the same files: {', '.join(sorted(dup))}")
    with run_folder_lock(run_dir, wait=wait, on_wait=on_wait):
        return _run_locked(
            specs, run_dir, run, names, t0, jobs=jobs, force=force, timeout=timeout,
            notebooks_dir=notebooks_dir, progress=progress, tool_versions=tool_versions,
            cluster=cluster,
        )


def _run_locked(specs, run_dir, run, names, t0, *, jobs, force, timeout, notebooks_dir, progress,
                tool_versions, cluster=None) -> RunResult:
    tools = tool_versions()
    previous = mf.previous_entries(run_dir)
    nbdir = Path(notebooks_dir) if notebooks_dir else Path(specs[0].notebook).parent if specs else Path.cwd()
    from .._paths import PROJECT_ROOT

    drop_roots = sorted({str(PROJECT_ROOT), str(nbdir.resolve())})

    entries: dict[str, dict] = {}
    todo: list[tuple[ReportSpec, dict]] = []
    for spec in specs:
        nb_json = json.loads(Path(spec.notebook).read_text(encoding="utf-8"))
        prev = previous.get(spec.name)
        # Datasets: those named in the notebook, and those the previous run saw it load.
        static_names = input_datasets(spec, nb_json)
        ds_names = sorted(
            set(static_names)
            | {d["name"] for d in ((prev or {}).get("datasets") or []) if isinstance(d, dict)}
        )
        datasets = [mf.dataset_record(n) for n in ds_names]
        fp = fingerprint(spec, datasets, tools)
        entry = {
            "name": spec.name,
            "key": spec.key,
            "title": spec.title,
            "notebook": _rel(spec.notebook, nbdir.parent),
            "notebook_sha256": mf.sha256_file(spec.notebook),
            "parameters": spec.parameters,
            "parameter_labels": spec.parameter_labels,
            "formats": list(spec.formats),
            "datasets": datasets,
            "fingerprint": fp,
        }
        if (
            not force
            and prev
            and prev.get("status") in ("ok", "skipped")
            and prev.get("fingerprint") == fp
            and mf.outputs_intact(run_dir, prev)
        ):
            entry.update(
                status="skipped",
                outputs=prev["outputs"],
                duration_s=0.0,
                cell_execution_s=0.0,
                error=None,
            )
            entries[spec.name] = entry
            continue
        header = {
            "key": spec.key,
            "title": spec.title,
            "notebook_title": spec.notebook_title,
            "parameters": spec.parameters,
            "parameter_labels": spec.parameter_labels,
        }
        todo.append(
            (
                spec,
                {
                    "spec": asdict(spec),
                    "run_dir": str(run_dir),
                    "header": header,
                    "timeout": spec.timeout or timeout,
                    "drop_roots": drop_roots,
                    "datasets": static_names,
                },
            )
        )
        entries[spec.name] = entry

    # Entries of reports not requested this time stay listed while their files exist.
    # (Runs into one folder are serialised by the run-folder lock, so this is a merge with
    # everything the folder's earlier runs produced.)  Failed ones stay listed as failed.
    kept = {
        n: e for n, e in previous.items()
        if n not in entries and (
            e.get("status") == "failed"
            or (e.get("status") in ("ok", "skipped") and mf.outputs_intact(run_dir, e))
        )
    }

    def snapshot() -> dict:
        ordered = [entries[n] for n in names] + [kept[n] for n in sorted(kept)]
        return mf.build_manifest(run, [e for e in ordered if "status" in e], tools, str(nbdir))

    total = len(specs)
    done = 0
    for spec in specs:
        if entries[spec.name].get("status") == "skipped":
            done += 1
            if progress:
                progress(entries[spec.name], done, total)

    last_write = [float("-inf")]

    def finish(spec: ReportSpec, result: dict) -> None:
        nonlocal done
        entry = entries[spec.name]
        entry.update(
            status=result["status"],
            outputs=result.get("outputs") or {},
            duration_s=result.get("duration_s"),
            cell_execution_s=result.get("cell_execution_s"),
            timings_s=result.get("timings_s") or {},
            error=result.get("error"),
        )
        if result.get("datasets") is not None:
            entry["datasets"] = [mf.dataset_record(n) for n in result["datasets"]]
            entry["fingerprint"] = fingerprint(spec, entry["datasets"], tools)
        if result["status"] != "ok":
            entry.pop("fingerprint", None)  # never "up to date" after a failure
        done += 1
        # Rewriting the whole manifest after every report is O(n²) for a 1,741-report batch:
        # write it at most every few seconds, after a failure, and always at the end.
        now = time.perf_counter()
        if done == total or result["status"] != "ok" or now - last_write[0] >= MANIFEST_INTERVAL_S:
            man = snapshot()
            mf.write_manifest(run_dir, man)
            mf.write_index(run_dir, man)
            last_write[0] = now
        if progress:
            progress(entry, done, total)

    def interrupted() -> None:
        # Reports still running leave no file behind: the manifest lists exactly the
        # reports on disk (an earlier run's intact outputs stay).
        for spec, _task in todo:
            if "status" in entries[spec.name]:
                continue
            prev = previous.get(spec.name)
            if prev and prev.get("status") in ("ok", "skipped") and mf.outputs_intact(run_dir, prev):
                kept[spec.name] = prev
            else:
                _remove_stale(_outputs_for(run_dir, spec.name, ("ipynb",) + FORMATS))
        for part in run_dir.glob(".*.part"):  # a killed worker's unfinished write
            part.unlink(missing_ok=True)
        man = snapshot()  # record what finished before the interrupt
        mf.write_manifest(run_dir, man)
        mf.write_index(run_dir, man)

    if todo and cluster is not None:
        from .distributed import run_on_cluster

        run_on_cluster(cluster, todo, finish, interrupted, run_dir=run_dir, tools=tools)
    elif todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        pending = list(todo)
        attempts: dict[str, int] = {}
        while pending:
            batch, pending = pending, []
            # A fresh pool of workers for every REPORTS_PER_WORKER reports each: a worker
            # process keeps what WeasyPrint leaves behind (about 0.3 MB per PDF), so long
            # batches with PDF would otherwise grow without bound.
            size = workers * REPORTS_PER_WORKER
            for part in (batch[i:i + size] for i in range(0, len(batch), size)):
                _run_pool(part, workers, finish, interrupted, pending, attempts)
    man = snapshot()
    mf.write_manifest(run_dir, man)
    mf.write_index(run_dir, man)
    return RunResult(run_dir=run_dir, entries=[entries[n] for n in names], duration=time.perf_counter() - t0)


#: Reports a worker process runs before the pool is replaced; its warm kernel
#: (:class:`jdxlib.report.warm.WarmKernel`) is replaced after as many by default.
REPORTS_PER_WORKER = 200


def _run_pool(part, workers, finish, interrupted, pending, attempts) -> None:
    """Run *part* (spec, task pairs) on a new pool of *workers* processes; a report whose
    worker died is put in *pending* to be retried once in a new pool."""
    with cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=_mp_context(), initializer=_worker_init
    ) as pool:
        futures = {pool.submit(execute_report, task): (spec, task) for spec, task in part}
        try:
            for fut in cf.as_completed(futures):
                spec, task = futures[fut]
                try:
                    result = fut.result()
                except cf.process.BrokenProcessPool as exc:
                    attempts[spec.name] = attempts.get(spec.name, 0) + 1
                    if attempts[spec.name] < 2:
                        pending.append((spec, task))  # retry once in a new pool
                        continue
                    result = _crash_result(spec, exc)
                except Exception as exc:  # pragma: no cover - pickling etc.
                    result = _crash_result(spec, exc)
                finish(spec, result)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP turned into it by the CLI
            with _signals_ignored():
                _stop_workers(pool)
                interrupted()
            raise


@contextlib.contextmanager
def signals_handled(names, handler):
    """Within the block, the signals *names* (e.g. ``"SIGTERM"``; those this platform lacks are
    skipped) go to *handler*; the previous handlers come back afterwards.  Outside the main
    thread signals cannot be set, and the block runs unchanged."""
    import signal

    old = {}
    try:
        for name in names:
            sig = getattr(signal, name, None)
            if sig is not None:
                old[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def _signals_ignored():
    """No second Ctrl-C/SIGTERM may cut the clean-up short."""
    import signal

    return signals_handled(("SIGINT", "SIGTERM", "SIGHUP"), signal.SIG_IGN)


def _stop_workers(pool: cf.ProcessPoolExecutor, grace: float = 10.0) -> None:
    """Stop every worker of *pool* and its kernel; none is left running.

    Each worker gets SIGTERM (its handler kills its kernel's process group and exits); one
    that has not exited after *grace* seconds is killed.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(5)
    pool.shutdown(wait=False, cancel_futures=True)


def _crash_result(spec: ReportSpec, exc: BaseException) -> dict:
    return {
        "name": spec.name,
        "status": "failed",
        "outputs": {},
        "error": {
            "stage": "worker",
            "cell_index": None,
            "execution_count": None,
            "cell_source": None,
            "ename": type(exc).__name__,
            "evalue": f"the worker process running this report died: {exc}",
            "traceback": "",
        },
        "duration_s": None,
        "cell_execution_s": None,
    }


def _rel(path: str, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
