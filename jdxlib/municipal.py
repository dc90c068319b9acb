"""Loaders of the cleaned municipal datasets.

Each loader reads ``data/clean/<name>.parquet`` (under ``JDX_DATA_DIR`` when set) and, the
first time, builds it: the upstream files are fetched and verified (see :mod:`jdxlib.sources`)
and the table is built with a progress bar.  Reads are cached in-process (keyed by path and
modification time); every call returns a fresh copy, so callers may modify it freely.

Examples
--------
>>> import jdxlib
>>> munis = jdxlib.load("municipalities")                      # doctest: +SKIP
>>> munis.loc[munis["name"] == "札幌市", ["code", "type"]]     # doctest: +SKIP
"""
from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from . import _build
from ._paths import clean_dir
from .constants import LEVELS

__all__ = [
    "load_municipalities",
    "load_prefectures",
    "load_dx_status",
    "load_online_procedures",
    "load_procedure_catalog",
    "load_mynumber_cards",
    "load_boundaries",
    "summary_check",
]

BOUNDARY_LEVELS = LEVELS


@lru_cache(maxsize=1)
def _wgs84():
    from pyproj import CRS

    return CRS.from_epsg(4326)


def _read_geoparquet(path: str):
    """Read a GeoParquet file written by the boundaries build (WKB geometry, EPSG:4326).

    Equivalent to ``geopandas.read_parquet`` for these files, but reuses one parsed CRS object
    (parsing the file's PROJJSON costs more than reading the whole table).
    """
    import geopandas as gpd
    import pyarrow.parquet as pq
    import shapely

    table = pq.read_table(path)
    try:
        col = json.loads((table.schema.metadata or {})[b"geo"])["columns"]["geometry"]
        ours = col["encoding"] == "WKB" and col["crs"]["id"] == {"authority": "EPSG", "code": 4326}
    except (KeyError, TypeError, ValueError):
        ours = False
    if not ours:
        return gpd.read_parquet(path)  # not our layout: let geopandas handle it
    geometry = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    df = table.drop_columns(["geometry"]).to_pandas()
    df["geometry"] = gpd.GeoSeries(geometry, index=df.index, crs=_wgs84())
    return gpd.GeoDataFrame(df, geometry="geometry")


@lru_cache(maxsize=32)
def _read(path: str, mtime_ns: int, size: int, geo: bool):
    return _read_geoparquet(path) if geo else pd.read_parquet(path)


def _load(name: str, stem: str | None = None, geo: bool = False):
    path = clean_dir() / f"{stem or name}.parquet"
    # built and matching the sha256 recorded at build time (checked once per process and
    # file state), else (re)built from the verified upstream files
    _build.ensure_verified(name, progress=True)
    st = path.stat()
    return _read(str(path), st.st_mtime_ns, st.st_size, geo).copy()


def load_municipalities() -> pd.DataFrame:
    """The 1,741 municipalities (code list 2024-01-01): codes, names, type, population, office.

    See ``jdxlib.describe("municipalities")`` for every column.
    """
    return _load("municipalities")


def load_prefectures() -> pd.DataFrame:
    """The 47 prefectures: codes, names (ja/kana/en), ISO 3166-2, capital, population."""
    return _load("prefectures")


def load_dx_status() -> pd.DataFrame:
    """自治体DX dashboard indicators per body (long): status items and % items."""
    return _load("dx_status")


def load_online_procedures() -> pd.DataFrame:
    """Online application rate per body × procedure (only published values)."""
    return _load("online_procedures")


def load_procedure_catalog() -> pd.DataFrame:
    """Every procedure row of the online exports (both levels), built with ``online_procedures``.

    Columns ``level``, ``procedure_id``, ``procedure``, ``procedure_group``, ``order``; see
    :func:`jdxlib.procedures.procedure_catalog` for one level in display form.
    """
    return _load("online_procedures", stem="procedure_catalog")


def load_mynumber_cards() -> pd.DataFrame:
    """マイナンバーカード交付状況 per municipality and snapshot, 2017-03 → 2022-12."""
    return _load("mynumber_cards")


def load_boundaries(level: str = "municipality"):
    """Polygons as a GeoDataFrame (EPSG:4326) keyed by ``code``.

    Parameters
    ----------
    level : {"municipality", "prefecture"}
        ``municipality``: the 1,741 bodies, each with a non-empty polygon; ``prefecture``:
        the 47 prefectures.
    """
    if level not in BOUNDARY_LEVELS:
        raise ValueError(f"level must be one of {', '.join(map(repr, BOUNDARY_LEVELS))}; got {level!r}")
    return _load("boundaries", stem=f"boundaries_{level}", geo=True)


def summary_check(progress: bool = True) -> pd.DataFrame:
    """Reconcile ``mynumber_cards`` with the published totals; see :mod:`jdxlib.mynumber_checks`."""
    from .mynumber_checks import summary_check as _check

    return _check(progress=progress)
