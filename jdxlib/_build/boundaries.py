"""``boundaries``: municipality and prefecture polygons (国土数値情報 N03, 2021-01-01, simplified).

Municipality level: one row per code of the 1,741 (features sharing a code are dissolved);
所属未定地 (features without a code) and the 6 北方領土 villages are dropped from this level.
The simplified source has no polygon for 11 small bodies (islands): they keep a row with an
empty (None) geometry, so joins by code stay complete.  Prefecture level: the 47 prefectures,
keyed by code although the source has names only.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import codes
from ._common import BuildError

INPUTS = ["code_list", "boundaries_municipality_geojson", "boundaries_prefecture_geojson"]
COLUMNS = ["code", "level", "prefecture_code", "prefecture", "name", "geometry"]
LEVELS = ["prefecture", "municipality"]


def _read(path: Path):
    import geopandas as gpd

    gdf = gpd.read_file(path)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf


def _finish(df: pd.DataFrame, level: str):
    import geopandas as gpd

    df = df.copy()
    df["level"] = pd.Categorical([level] * len(df), categories=LEVELS)
    for col in ("code", "prefecture_code", "prefecture", "name"):
        df[col] = df[col].astype("str")
    return gpd.GeoDataFrame(df[COLUMNS], geometry="geometry", crs="EPSG:4326")


def build_municipality_boundaries(paths: dict[str, Path]):
    cl = codes.read_code_list(paths["code_list"])
    munis = codes.municipal_codes(cl)
    northern = set(cl.loc[cl["northern_territory"], "code5"])
    gdf = _read(paths["boundaries_municipality_geojson"])
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
    geom = dict(zip(gdf["code"], gdf.geometry))
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
