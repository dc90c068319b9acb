"""Build the cleaned municipal datasets (parquet under ``data/clean/``) from upstream files.

One module per job: :mod:`.codes` (code list, check digit), :mod:`.municipalities`,
:mod:`.dashboard` (dx_status, online_procedures), :mod:`.mynumber`, :mod:`.boundaries`,
:mod:`.opendata` (opendata_survey, opendata_questions).

Every input is fetched and verified **before** anything is written, and every output is written
atomically, so a failed fetch or a checksum mismatch leaves ``data/clean/`` unchanged.

Each built table's sha256 is recorded in ``data/clean/SHA256SUMS`` (``sha256sum`` format) when
it is written.  :func:`is_built` checks the files against it — once per process for each file
state (path, size, modification time), so the check costs one read per table — and a table
that is missing, unrecorded or changed counts as not built: :func:`build` rebuilds it from the
verified upstream files and the loaders never read it.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .._paths import clean_dir
from ._common import BuildError, write_parquet

__all__ = ["BuildError", "DATASETS", "build", "build_all", "output_paths", "is_built", "inputs",
           "problem", "ensure_verified", "SUMS_NAME"]

#: The record of built tables' checksums inside the clean folder.
SUMS_NAME = "SHA256SUMS"


@dataclass(frozen=True)
class _Spec:
    inputs: Callable[[], list[str]]
    outputs: tuple[str, ...]          # file stems under data/clean
    run: Callable[[dict[str, Path]], dict]


def _municipalities(paths):
    from .municipalities import build_municipalities
    return {"municipalities": build_municipalities(paths)}


def _prefectures(paths):
    from .municipalities import build_prefectures
    return {"prefectures": build_prefectures(paths)}


def _dx_status(paths):
    from .dashboard import build_dx_status
    return {"dx_status": build_dx_status(paths)}


def _online(paths):
    from .dashboard import build_online_procedures, build_procedure_catalog
    return {"online_procedures": build_online_procedures(paths),
            "procedure_catalog": build_procedure_catalog(paths)}


def _mynumber(paths):
    from .mynumber import build_mynumber_cards
    return {"mynumber_cards": build_mynumber_cards(paths)}


def _boundaries(paths):
    from .boundaries import build_municipality_boundaries, build_prefecture_boundaries
    return {"boundaries_municipality": build_municipality_boundaries(paths),
            "boundaries_prefecture": build_prefecture_boundaries(paths)}


def _opendata(paths):
    from .opendata import build_opendata
    survey, questions = build_opendata(paths)
    return {"opendata_survey": survey, "opendata_questions": questions}


def _opendata_inputs():
    from .opendata import inputs
    return inputs()


def _mynumber_inputs():
    from .mynumber import inputs
    return inputs()


DATASETS: dict[str, _Spec] = {
    "municipalities": _Spec(lambda: ["code_list", "localgov_municipalities", "mynumber_citycode",
                                     "census2020_population"], ("municipalities",), _municipalities),
    "prefectures": _Spec(lambda: ["code_list", "localgov_prefectures", "census2020_population"],
                         ("prefectures",), _prefectures),
    "dx_status": _Spec(lambda: ["code_list", "dashboard_municipal_status", "dashboard_prefecture_status"],
                       ("dx_status",), _dx_status),
    "online_procedures": _Spec(lambda: ["code_list", "dashboard_municipal_online",
                                        "dashboard_prefecture_online"],
                               ("online_procedures", "procedure_catalog"), _online),
    "mynumber_cards": _Spec(_mynumber_inputs, ("mynumber_cards",), _mynumber),
    "boundaries": _Spec(lambda: ["code_list", "boundaries_municipality_topojson_s0010",
                                 "boundaries_prefecture_geojson"],
                        ("boundaries_municipality", "boundaries_prefecture"), _boundaries),
    "opendata_survey": _Spec(_opendata_inputs, ("opendata_survey", "opendata_questions"), _opendata),
}


def _check(names: Iterable[str] | None) -> list[str]:
    if names is None:
        return list(DATASETS)
    names = list(names)
    for n in names:
        if n not in DATASETS:
            close = difflib.get_close_matches(str(n), list(DATASETS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise BuildError(f"Unknown buildable dataset {n!r}.{hint} "
                             f"Valid names: {', '.join(DATASETS)}.")
    return list(dict.fromkeys(names))


def output_paths(name: str) -> list[Path]:
    """The parquet file(s) of dataset *name* under :func:`jdxlib._paths.clean_dir`."""
    return [clean_dir() / f"{stem}.parquet" for stem in DATASETS[_check([name])[0]].outputs]


# path -> (size, mtime_ns, ino) of the file state verified in this process
_VERIFIED: dict[str, tuple] = {}


def forget_verified() -> None:
    """Verify every table again on next use (tests; after changing JDX_DATA_DIR)."""
    _VERIFIED.clear()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def recorded_sums() -> dict[str, str]:
    """``{file name: sha256}`` recorded when the tables were built."""
    try:
        text = (clean_dir() / SUMS_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    out = {}
    for line in text.splitlines():
        digest, _, fname = line.partition("  ")
        if len(digest) == 64 and fname:
            out[fname.strip()] = digest
    return out


def _record_sums(paths: Iterable[Path]) -> None:
    from .._atomic import write_text

    sums = recorded_sums()
    for p in paths:
        sums[p.name] = _sha256(p)
        _VERIFIED[str(p)] = _stamp(p)
    write_text(clean_dir() / SUMS_NAME, "".join(f"{d}  {f}\n" for f, d in sorted(sums.items())))


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _file_problem(path: Path, sums: dict[str, str] | None) -> str | None:
    try:
        stamp = _stamp(path)
    except OSError:
        return "not built"
    if _VERIFIED.get(str(path)) == stamp:
        return None
    sums = recorded_sums() if sums is None else sums
    want = sums.get(path.name)
    if want is None:
        return f"{path} has no sha256 recorded in {SUMS_NAME} (built by an older jdx or copied in)"
    try:
        got = _sha256(path)
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror or exc}"
    if got != want:
        return (f"{path} does not match the sha256 recorded when it was built "
                f"(corrupted or changed since)")
    _VERIFIED[str(path)] = stamp
    return None


def problem(name: str) -> str | None:
    """Why dataset *name*'s built table(s) cannot be used (missing, unrecorded, changed), or None."""
    sums = None
    for p in output_paths(name):
        if str(p) not in _VERIFIED and sums is None:
            sums = recorded_sums()
        why = _file_problem(p, sums)
        if why:
            return why
    return None


def is_built(name: str) -> bool:
    """True when every table of *name* exists and matches the sha256 recorded at build time."""
    return problem(name) is None


def ensure_verified(name: str, progress: bool = True) -> None:
    """Make dataset *name* usable: build it if missing, rebuild it if it fails its checksum.

    Raises
    ------
    BuildError
        When a changed table cannot be rebuilt (e.g. offline without the raw files); the
        message names the file and the reason.
    """
    why = problem(name)
    if why is None:
        return
    from .. import sources

    corrupted = why != "not built"
    if corrupted:
        print(f"jdx: {why}; rebuilding it from the verified upstream files", file=sys.stderr)
    try:
        build([name], force=True, progress=progress)
    except (sources.SourceError, BuildError, OSError) as exc:
        if corrupted:
            raise BuildError(f"{why}, and it could not be rebuilt: {exc}") from None
        raise
    still = problem(name)
    if still:
        raise BuildError(f"{still} even after rebuilding it")


def inputs(names: Iterable[str] | None = None) -> list[str]:
    """Upstream file ids needed to build *names* (default: every dataset)."""
    out: list[str] = []
    for n in _check(names):
        out += DATASETS[n].inputs()
    return list(dict.fromkeys(out))


def build(names: Iterable[str] | str | None = None, force: bool = False,
          progress: bool = True) -> list[Path]:
    """Build datasets (default: all); skip those already built unless *force*.

    All upstream inputs are fetched and verified first; then each dataset is built and written
    atomically.  Returns the paths written.
    """
    from tqdm import tqdm  # plain text bar: tqdm.auto wants ipywidgets inside notebooks

    from .. import sources

    if isinstance(names, str):
        names = [names]
    todo = [n for n in _check(names) if force or not is_built(n)]
    if not todo:
        return []
    paths = sources.fetch_all(inputs(todo), progress=progress)
    written: list[Path] = []
    bar = tqdm(todo, desc="jdx: build", unit="dataset", disable=not progress, leave=False)
    for n in bar:
        bar.set_postfix_str(n)
        frames = DATASETS[n].run(paths)
        for stem, frame in frames.items():
            target = clean_dir() / f"{stem}.parquet"
            if hasattr(frame, "geometry") and frame.__class__.__name__ == "GeoDataFrame":
                _write_geoparquet(frame, target)
            else:
                write_parquet(frame, target)
            written.append(target)
        _record_sums(clean_dir() / f"{stem}.parquet" for stem in frames)
    bar.close()
    return written


def build_all(force: bool = False, progress: bool = True) -> list[Path]:
    """Build every dataset."""
    return build(None, force=force, progress=progress)


def _write_geoparquet(gdf, target: Path) -> None:
    from .._atomic import atomic_path

    with atomic_path(target) as tmp:
        gdf.reset_index(drop=True).to_parquet(tmp, index=False, compression="zstd")
