"""The workshop kit: lessons in ``notebooks/workshop/`` and their two editions.

A lesson is a notebook ``NN_name.ipynb`` whose code cells may be tagged

``exercise``
    what the student fills in: a ``# TODO`` comment and a placeholder (``answer1 = ...``);
``solution``
    the facilitator's answer, directly after its exercise cell;

followed by a check cell calling ``check.lessonN.qM(answerM)`` (see :mod:`jdxlib.check`).

:func:`build` writes two editions into an output folder::

    out/student/       solutions removed, outputs cleared, exercise cells kept (TODO)
    out/facilitator/   solutions kept, executed with papermill (outputs kept)

each with a ``README.md``.  ``jdx workshop build --out DIR`` is the command line.
"""
from __future__ import annotations

import concurrent.futures as cf
import copy
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from ._atomic import write_text
from ._paths import NOTEBOOKS_DIR

__all__ = [
    "EXERCISE_TAG",
    "KERNEL_NAME",
    "NOTEBOOKS_DIR",
    "SOLUTION_TAG",
    "WORKSHOP_DIR",
    "BuildResult",
    "WorkshopBuildError",
    "build",
    "facilitator_edition",
    "lesson_paths",
    "lesson_title",
    "project_notebook",
    "student_edition",
]

WORKSHOP_DIR = NOTEBOOKS_DIR / "workshop"
EXERCISE_TAG = "exercise"
SOLUTION_TAG = "solution"
KERNEL_NAME = "python3"
TODO_LINE = "# TODO: ここにコードを書いてください / write your code here"
_LESSON = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


class WorkshopBuildError(RuntimeError):
    """A lesson could not be built or executed.

    Attributes: ``lesson`` (file name), ``cell_index`` (0-based index of the failing cell in
    the lesson, or None), ``cell_source``, ``ename``, ``evalue``.
    """

    def __init__(self, message: str, *, lesson: str, cell_index: int | None = None,
                 cell_source: str | None = None, ename: str | None = None,
                 evalue: str | None = None) -> None:
        super().__init__(message)
        self.lesson = lesson
        self.cell_index = cell_index
        self.cell_source = cell_source
        self.ename = ename
        self.evalue = evalue


@dataclass
class BuildResult:
    """What :func:`build` wrote."""

    out_dir: Path
    student: list[Path] = field(default_factory=list)
    facilitator: list[Path] = field(default_factory=list)
    executed: bool = False
    durations: dict[str, float] = field(default_factory=dict)


def project_notebook(name: str) -> Path:
    """Path of a project notebook (e.g. ``"01_governance.ipynb"``) in ``notebooks/``.

    Raises
    ------
    FileNotFoundError
        If the notebook is not there (jdx must be installed from a clone, ``pip install -e .``).
    """
    path = NOTEBOOKS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: the workshop needs the project's notebooks/ folder "
            "(a clone, or the notebooks shipped in the jdx wheel)"
        )
    return path


def lesson_paths(notebooks_dir: str | Path | None = None) -> list[Path]:
    """The lessons ``NN_name.ipynb`` of *notebooks_dir* (default ``notebooks/workshop``), sorted."""
    folder = Path(notebooks_dir) if notebooks_dir is not None else WORKSHOP_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"workshop folder {folder} does not exist")
    return sorted(p for p in folder.glob("*.ipynb") if _LESSON.match(p.name))


def lesson_title(nb) -> str:
    """The first Markdown heading of a lesson (without ``#``)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags") or [])


def _clear(cell) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    meta = cell.setdefault("metadata", {})
    for key in ("papermill", "execution", "collapsed", "scrolled", "ExecuteTime"):
        meta.pop(key, None)


def _check_structure(nb, lesson: str) -> None:
    cells = nb.cells
    for i, cell in enumerate(cells):
        tags = _tags(cell)
        if SOLUTION_TAG in tags and EXERCISE_TAG in tags:
            raise WorkshopBuildError(f"{lesson}: cell {i} is tagged both exercise and solution",
                                     lesson=lesson, cell_index=i, cell_source=cell.source)
        if SOLUTION_TAG in tags and cell.cell_type != "code":
            raise WorkshopBuildError(f"{lesson}: solution cell {i} is not a code cell",
                                     lesson=lesson, cell_index=i, cell_source=cell.source)
        if EXERCISE_TAG in tags:
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is None or SOLUTION_TAG not in _tags(nxt):
                raise WorkshopBuildError(
                    f"{lesson}: exercise cell {i} is not followed by a cell tagged solution",
                    lesson=lesson, cell_index=i, cell_source=cell.source)


def _normalise(nb):
    nb = copy.deepcopy(nb)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": KERNEL_NAME}
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        _clear(cell)
    return nb


def student_edition(nb):
    """A copy of lesson *nb* for students: solution cells removed, outputs cleared.

    Exercise cells are kept; one without a ``TODO`` gets a ``# TODO`` first line.
    """
    out = _normalise(nb)
    cells = []
    for cell in out.cells:
        tags = _tags(cell)
        if SOLUTION_TAG in tags:
            continue
        if EXERCISE_TAG in tags and "TODO" not in cell.source:
            cell.source = f"{TODO_LINE}\n{cell.source}"
        cells.append(cell)
    out.cells = cells
    return out


def facilitator_edition(nb):
    """A copy of lesson *nb* with everything kept and outputs cleared (before execution)."""
    return _normalise(nb)


def _execute(nb, path: Path, timeout: float | None):
    import logging

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    logging.getLogger("papermill").setLevel(logging.WARNING)
    lesson = path.name
    try:
        executed = pm.execute_notebook(
            nb, None, kernel_name=KERNEL_NAME, cwd=str(path.parent), progress_bar=False,
            log_output=False, start_timeout=120, execution_timeout=timeout,
            extra_arguments=["--log-level=CRITICAL"],  # no kernel start-up warnings on stderr
        )
    except PapermillExecutionError as exc:
        index = exc.cell_index
        source = nb.cells[index].source if index is not None and 0 <= index < len(nb.cells) else exc.source
        raise WorkshopBuildError(
            f"lesson {lesson} failed at cell {index} (In [{exc.exec_count}]): {exc.ename}: {exc.evalue}\n"
            f"--- cell source ---\n{source}",
            lesson=lesson, cell_index=index, cell_source=source, ename=exc.ename, evalue=exc.evalue,
        ) from None
    except Exception as exc:
        raise WorkshopBuildError(
            f"lesson {lesson} could not be executed: {type(exc).__name__}: {exc}", lesson=lesson,
            ename=type(exc).__name__, evalue=str(exc),
        ) from exc
    executed.metadata.pop("papermill", None)
    for cell in executed.cells:
        meta = cell.setdefault("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
    return executed


def _execute_task(nb_json: str, path: str, timeout: float | None) -> dict:
    """Execute one lesson in a worker process; return the notebook or the error (picklable)."""
    t0 = time.perf_counter()
    try:
        out = _execute(nbformat.reads(nb_json, as_version=4), Path(path), timeout)
    except WorkshopBuildError as exc:
        return {"ok": False, "message": str(exc), "lesson": exc.lesson, "cell_index": exc.cell_index,
                "cell_source": exc.cell_source, "ename": exc.ename, "evalue": exc.evalue}
    return {"ok": True, "nb": nbformat.writes(out), "seconds": time.perf_counter() - t0}


def _execute_all(books: dict, paths: dict, timeout, jobs: int, progress) -> tuple[dict, dict]:
    tasks = {name: (nbformat.writes(nb), str(paths[name]), timeout) for name, nb in books.items()}
    results: dict[str, dict] = {}

    def done(name: str, res: dict) -> None:
        results[name] = res
        if res["ok"] and progress is not None:
            progress(name, res["seconds"])

    if jobs <= 1 or len(tasks) <= 1:
        for name, args in tasks.items():
            done(name, _execute_task(*args))
            if not results[name]["ok"]:
                break
    else:
        # spawn: safe even when the caller runs inside a Jupyter kernel (no forked zmq state)
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = {pool.submit(_execute_task, *args): name for name, args in tasks.items()}
            for fut in cf.as_completed(futures):
                name = futures[fut]
                try:
                    res = fut.result()
                except Exception as exc:  # a worker died (BrokenProcessPool, …)
                    res = {"ok": False, "lesson": name, "cell_index": None, "cell_source": None,
                           "ename": type(exc).__name__, "evalue": str(exc),
                           "message": f"lesson {name} could not be executed: {type(exc).__name__}: {exc}"}
                done(name, res)
    failed = [n for n in books if n in results and not results[n]["ok"]]
    if failed:
        first = results[failed[0]]
        more = f"\n(also failed: {', '.join(failed[1:])})" if len(failed) > 1 else ""
        raise WorkshopBuildError(
            first["message"] + more, lesson=first["lesson"], cell_index=first["cell_index"],
            cell_source=first["cell_source"], ename=first["ename"], evalue=first["evalue"],
        )
    executed = {n: nbformat.reads(results[n]["nb"], as_version=4) for n in books}
    return executed, {n: results[n]["seconds"] for n in books}


def _readme(edition: str, lessons: list[tuple[str, str, int]], executed: bool) -> str:
    rows = "\n".join(f"| `{name}` | {title} | {n} |" for name, title, n in lessons)
    if edition == "student":
        intro = (
            "# jdx ワークショップ — 受講者用 / student edition\n\n"
            f"自治体DXの実データで学ぶ、データ分析の{len(lessons)}つのレッスンです（各30〜45分）。\n"
            f"{len(lessons)} lessons (30–45 minutes each) on analysing real 自治体DX data.\n\n"
            "## 進め方 / how to work\n\n"
            "1. 上から順にセルを実行します（Shift+Enter）。 Run the cells from the top.\n"
            "2. `# TODO` のあるセル（演習）の `...` を自分のコードに書き換えます。 "
            "Replace the `...` in the cells marked `# TODO`.\n"
            "3. 次のセルの `check.lessonN.qM(...)` が ✅ か、ヒント付きの ❌ を表示します。 "
            "The check cell below says ✅, or ❌ with a hint.\n\n"
            "データは初回の読み込み時に自動でダウンロードされます（数十秒）。 "
            "The data download on first use.\n"
        )
    else:
        state = ("papermill で実行済み（出力付き）。 Executed with papermill; outputs kept.\n"
                 if executed else
                 "**未実行**（`--no-execute` で作成）。 Not executed (built with `--no-execute`).\n")
        intro = (
            "# jdx ワークショップ — 講師用 / facilitator edition\n\n"
            "解答例（`solution` タグのセル）入りのレッスンです。 "
            "The lessons with their solution cells (tagged `solution`).\n"
            + state + "\n"
            "受講者用は `../student/` にあります。チェック関数は `jdxlib.check` にあり、正解はデータから"
            "その場で計算されます。 The student edition is in `../student/`; the checks in "
            "`jdxlib.check` compute the reference answers from the datasets.\n"
        )
    return (
        intro
        + "\n## レッスン / lessons\n\n| file | title | exercises |\n|---|---|---|\n"
        + rows
        + "\n\n## 起動 / launch\n\n"
        "```bash\n./run env                      # .venv を作成 / create .venv\n"
        ".venv/bin/python -m uv pip install jupyterlab   # または / or: uv sync --extra lab\n"
        ".venv/bin/jupyter lab\n```\n\n"
        "Binder: リポジトリ直下の `environment.yml` がプロジェクトを `pip install -e .` で入れます。\n\n"
        "作成 / built with: `jdx workshop build --out DIR`\n"
    )


def build(
    out_dir: str | Path,
    notebooks_dir: str | Path | None = None,
    execute: bool = True,
    *,
    timeout: float | None = 600,
    jobs: int | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> BuildResult:
    """Write the student and facilitator editions of the workshop into *out_dir*.

    Parameters
    ----------
    out_dir : path
        Gets ``student/`` and ``facilitator/``, each with the lessons and a ``README.md``.
    notebooks_dir : path, optional
        The lessons' folder (default ``notebooks/workshop``).
    execute : bool, default True
        Execute the facilitator edition with papermill (kernel ``python3``, working directory
        the lesson's folder; the kernel inherits ``JDX_DATA_DIR`` / ``JDX_DATA_MIRROR`` from
        the environment).  False writes it unexecuted.
    timeout : float, optional
        Per-cell execution timeout in seconds.
    jobs : int, optional
        Lessons executed in parallel, each in its own process (default: the number of CPUs,
        at most 4).  1 executes them one after the other in this process.
    progress : callable, optional
        Called as ``progress(lesson_name, seconds)`` after each lesson is executed.

    Returns
    -------
    BuildResult

    Raises
    ------
    WorkshopBuildError
        A malformed lesson (an exercise without its solution) or a lesson that fails to
        execute — naming the lesson and the cell.  Nothing is written in that case.
    FileNotFoundError
        No lessons in *notebooks_dir*.
    """
    out = Path(out_dir)
    paths = lesson_paths(notebooks_dir)
    if not paths:
        raise FileNotFoundError(f"no lessons (NN_name.ipynb) in {notebooks_dir or WORKSHOP_DIR}")
    result = BuildResult(out_dir=out, executed=execute)
    student, facilitator, listing = {}, {}, []
    by_name = {p.name: p for p in paths}
    for path in paths:
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as exc:
            raise WorkshopBuildError(f"lesson {path.name} cannot be read: {exc}", lesson=path.name) from exc
        _check_structure(nb, path.name)
        n_ex = sum(EXERCISE_TAG in _tags(c) for c in nb.cells)
        listing.append((path.name, lesson_title(nb), n_ex))
        student[path.name] = student_edition(nb)
        facilitator[path.name] = facilitator_edition(nb)
    if execute:
        if jobs is None:
            jobs = min(4, os.cpu_count() or 1)
        facilitator, result.durations = _execute_all(facilitator, by_name, timeout, jobs, progress)
    # Each edition is written into a temporary folder beside its place and moved there only
    # when complete: a full disk or an unwritable folder never leaves half an edition.
    staged: dict[str, Path] = {}
    try:
        if out.exists() and not out.is_dir():
            raise NotADirectoryError(20, "a file is in the way, not a folder", str(out))
        out.mkdir(parents=True, exist_ok=True)
        for edition, books in (("student", student), ("facilitator", facilitator)):
            folder = Path(tempfile.mkdtemp(prefix=f".{edition}.", suffix=".part", dir=out))
            staged[edition] = folder
            for name, nb in books.items():
                write_text(folder / name, nbformat.writes(nb) + "\n")
                getattr(result, edition).append(out / edition / name)
            write_text(folder / "README.md", _readme(edition, listing, execute))
        for edition, folder in staged.items():
            _replace_folder(folder, out / edition)
    except OSError as exc:
        where = exc.filename or out
        raise WorkshopOutputError(
            f"cannot write the workshop editions to {out}: {exc.strerror or exc} ({where}); "
            "nothing was changed there"
        ) from None
    finally:
        for folder in staged.values():
            shutil.rmtree(folder, ignore_errors=True)
    return result


class WorkshopOutputError(OSError):
    """The output folder cannot be written (read-only, full, a file in the way)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _replace_folder(new: Path, target: Path) -> None:
    """Put the complete folder *new* at *target* (an older edition there is replaced)."""
    if target.is_dir() and not target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.replace(target, old / target.name)
        try:
            os.replace(new, target)
        except OSError:
            os.replace(old / target.name, target)  # put the old edition back
            raise
        finally:
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
    os.chmod(target, 0o755 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
