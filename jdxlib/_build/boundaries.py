"""``boundaries``: municipality and prefecture polygons (国土数値情報 N03, 2021-01-01, simplified).

Municipality level: one row per code of the 1,741 (features sharing a code are dissolved);
所属未定地 (features without a code) and the 6 北方領土 villages are dropped from this level.
The municipal polygons come from the s0010 TopoJSON (簡素化1%), which draws every body: the
more simplified s0001 file lost 11 small islands.  TopoJSON carries no CRS; N03 is published
in JGD2011, so EPSG:6668 is set before converting to the dataset's EPSG:4326 (the two differ
by far less than a vertex).  Prefecture level: the 47 prefectures, keyed by code although the
source has names only.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import constants
from . import codes
from ._common import BuildError

MUNICIPAL_SOURCE = "boundaries_municipality_topojson_s0010"
INPUTS = ["code_list", MUNICIPAL_SOURCE, "boundaries_prefecture_geojson"]
COLUMNS = ["code", "level", "prefecture_code", "prefecture", "name", "geometry"]
LEVELS = list(constants.LEVELS)
#: Coverage simplification of the municipal polygons, in degrees (≈ 400 m): halves the vertices
#: and the parquet file of the s0010 polygons (2.0 → 1.0 MB, read 0.11 → 0.08 s) while shared
#: borders stay shared and no body loses more than about a tenth of its area; no polygon can
#: vanish.  Drawing a profile map costs about the same with s0001, s0010 or this (≈ 0.12 s CPU).
SIMPLIFY_TOLERANCE_DEG = 0.004


def _read(path: Path, crs_if_missing: str = "EPSG:4326"):
    """Read a GeoJSON/TopoJSON file in EPSG:4326, declaring *crs_if_missing* when it has none."""
    import geopandas as gpd

    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs(crs_if_missing)
    return gdf.to_crs("EPSG:4326") if gdf.crs.to_epsg() != 4326 else gdf


def _finish(df: pd.DataFrame, level: str):
    import geopandas as gpd

    df = df.copy()
    df["level"] = pd.Categorical([level] * len(df), categories=LEVELS)
    for col in ("code", "prefecture_code", "prefecture", "name"):
        df[col] = df[col].astype("str")
    return gpd.GeoDataFrame(df[COLUMNS], geometry="geometry", crs="EPSG:4326")


def _simplify(geometries):
    """Repair invalid rings (one self-intersection in 広島市) and simplify as one coverage."""
    import shapely

    valid = shapely.make_valid(geometries, method="structure", keep_collapsed=False)
    return shapely.coverage_simplify(valid, SIMPLIFY_TOLERANCE_DEG)


def build_municipality_boundaries(paths: dict[str, Path]):
    cl = codes.read_code_list(paths["code_list"])
    munis = codes.municipal_codes(cl)
    northern = set(cl.loc[cl["northern_territory"], "code5"])
    gdf = _read(paths[MUNICIPAL_SOURCE], crs_if_missing="EPSG:6668")  # TopoJSON: no CRS, N03 is JGD2011
    if "N03_007" not in gdf.columns:
        raise BuildError(f"boundaries: property N03_007 (5-digit code) missing; found {list(gdf.columns)}")
    code5 = gdf["N03_007"].astype("object")
    gdf = gdf[code5.notna() & (code5.astype(str).str.strip() != "")]  # 所属未定地
    gdf = gdf[~gdf["N03_007"].isin(northern)]
    gdf = gdf.assign(code=[codes.with_check_digit(str(c).zfill(5)) for c in gdf["N03_007"]])
    unknown = sorted(set(gdf["code"]) - set(munis["code"]))
    if unknown:
        raise BuildError(f"boundaries: code(s) not among the 1,741 municipalities: {unknown[:10]}")
    if gdf["code"].duplicated().any():
        # dissolve bodies drawn as several features (None geometries are ignored by union)
        gdf = gdf[["code", "geometry"]].dissolve(by="code", as_index=False)
    geom = dict(zip(gdf["code"], _simplify(gdf.geometry.values)))
    out = pd.DataFrame({
        "code": munis["code"],
        "prefecture_code": munis["code"].str[:2],
        "prefecture": munis["prefecture"],
        "name": munis["name"],
        "geometry": [geom.get(c) for c in munis["code"]],
    })
    missing = sorted(set(munis["code"]) - set(geom))
    if missing:
        raise BuildError(f"boundaries: no feature at all for code(s) {missing[:10]}")
    empty = sorted(c for c, g in geom.items() if g is None or g.is_empty)
    if empty:
        raise BuildError(f"boundaries: empty polygon for code(s) {empty[:10]}; every body must be drawn")
    return _finish(out.sort_values("code", ignore_index=True), "municipality")


def build_prefecture_boundaries(paths: dict[str, Path]):
    prefs = codes.prefecture_codes(codes.read_code_list(paths["code_list"]))
    gdf = _read(paths["boundaries_prefecture_geojson"])
    if "N03_001" not in gdf.columns:
        raise BuildError(f"prefecture boundaries: property N03_001 (name) missing; found {list(gdf.columns)}")
    by_name = dict(zip(prefs["name"], prefs["code"]))
    unknown = sorted(set(gdf["N03_001"]) - set(by_name))
    if unknown:
        raise BuildError(f"prefecture boundaries: unknown prefecture name(s) {unknown}; valid: {list(by_name)}")
    if gdf["N03_001"].duplicated().any():
        gdf = gdf[["N03_001", "geometry"]].dissolve(by="N03_001", as_index=False)
    geom = dict(zip(gdf["N03_001"], gdf.geometry))
    missing = [n for n in prefs["name"] if n not in geom]
    if missing:
        raise BuildError(f"prefecture boundaries: no polygon for {missing}")
    out = pd.DataFrame({
        "code": prefs["code"],
        "prefecture_code": prefs["code"].str[:2],
        "prefecture": prefs["name"],
        "name": prefs["name"],
        "geometry": [geom[n] for n in prefs["name"]],
    })
    return _finish(out.sort_values("code", ignore_index=True), "prefecture")
