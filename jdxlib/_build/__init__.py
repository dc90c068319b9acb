"""Build the cleaned municipal datasets (parquet under ``data/clean/``) from upstream files.

One module per job: :mod:`.codes` (code list, check digit), :mod:`.municipalities`,
:mod:`.dashboard` (dx_status, online_procedures), :mod:`.mynumber`, :mod:`.boundaries`.

Every input is fetched and verified **before** anything is written, and every output is written
atomically, so a failed fetch or a checksum mismatch leaves ``data/clean/`` unchanged.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .._paths import clean_dir
from ._common import BuildError, write_parquet

__all__ = ["BuildError", "DATASETS", "build", "build_all", "output_paths", "is_built", "inputs"]


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
    from .dashboard import build_online_procedures
    return {"online_procedures": build_online_procedures(paths)}


def _mynumber(paths):
    from .mynumber import build_mynumber_cards
    return {"mynumber_cards": build_mynumber_cards(paths)}


def _boundaries(paths):
    from .boundaries import build_municipality_boundaries, build_prefecture_boundaries
    return {"boundaries_municipality": build_municipality_boundaries(paths),
            "boundaries_prefecture": build_prefecture_boundaries(paths)}


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
                               ("online_procedures",), _online),
    "mynumber_cards": _Spec(_mynumber_inputs, ("mynumber_cards",), _mynumber),
    "boundaries": _Spec(lambda: ["code_list", "boundaries_municipality_topojson_s0010",
                                 "boundaries_prefecture_geojson"],
                        ("boundaries_municipality", "boundaries_prefecture"), _boundaries),
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


def is_built(name: str) -> bool:
    return all(p.is_file() for p in output_paths(name))


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
    bar.close()
    return written


def build_all(force: bool = False, progress: bool = True) -> list[Path]:
    """Build every dataset."""
    return build(None, force=force, progress=progress)


def _write_geoparquet(gdf, target: Path) -> None:
    from .._atomic import atomic_path

    with atomic_path(target) as tmp:
        gdf.reset_index(drop=True).to_parquet(tmp, index=False, compression="zstd")
