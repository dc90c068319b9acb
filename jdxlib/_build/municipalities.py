"""``municipalities`` (1,741 rows) and ``prefectures`` (47 rows).

Joins, all by code and all checked for completeness: the MIC code list (names, types), the
core-city and former special-city lists (jdxlib/refdata, as of 2023-04-01), localgovjp
(hiragana reading, office position, website), citycode.csv (郡名) and the 2020 census.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._paths import PACKAGE_DIR
from . import codes
from ._common import BuildError

INPUTS_MUNICIPALITIES = ["code_list", "localgov_municipalities", "mynumber_citycode",
                         "census2020_population"]
INPUTS_PREFECTURES = ["code_list", "localgov_prefectures", "census2020_population"]
REFDATA = PACKAGE_DIR / "refdata"

MUNICIPALITY_COLUMNS = ["code", "code5", "name", "kana", "prefecture_code", "prefecture",
                        "district", "type", "former_special_city", "population_2020", "lat",
                        "lng", "website"]
PREFECTURE_COLUMNS = ["code", "prefecture_code", "name", "kana", "name_en", "iso", "capital",
                      "lat", "lng", "population_2020"]


def _read_csv(path: Path, encoding: str = "utf-8-sig", **kw) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, **kw)


def _require_columns(df: pd.DataFrame, cols: list[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise BuildError(f"{what}: missing column(s) {missing}; found {list(df.columns)}")


def designation_codes(munis: pd.DataFrame, csv_path: Path, designation: str) -> set[str]:
    """Codes of the cities listed in a refdata designation CSV (prefecture, name, ...)."""
    ref = _read_csv(csv_path)
    _require_columns(ref, ["prefecture", "name", "designation", "as_of"], str(csv_path))
    ref = ref[ref["designation"] == designation]
    key = {(p, n): c for p, n, c in zip(munis["prefecture"], munis["name"], munis["code"])}
    out, unknown = set(), []
    for p, n in zip(ref["prefecture"], ref["name"]):
        code = key.get((p, n))
        (out.add(code) if code else unknown.append(f"{p}{n}"))
    if unknown:
        raise BuildError(f"{csv_path.name}: {designation} not found in the code list: {unknown}")
    return out


def population_by_code5(path: Path) -> dict[str, int | None]:
    pop = _read_csv(path)
    _require_columns(pop, ["area_code", "area_name", "population"], str(path))
    out: dict[str, int | None] = {}
    for code, value in zip(pop["area_code"].str.zfill(5), pop["population"]):
        v = value.strip().replace(",", "")
        if v in ("", "-", "…", "x", "X"):
            out[code] = None
        elif v.isdigit():
            out[code] = int(v)
        else:
            raise BuildError(f"{path.name}: population of {code} is {value!r}, expected an integer or blank")
    return out


def build_municipalities(paths: dict[str, Path], refdata: Path = REFDATA,
                         expected_count: int | None = 1741) -> pd.DataFrame:
    cl = codes.read_code_list(paths["code_list"])
    m = codes.municipal_codes(cl)
    if expected_count is not None and len(m) != expected_count:
        raise BuildError(f"code list gives {len(m)} municipalities, expected {expected_count:,}")

    lg = _read_csv(paths["localgov_municipalities"])
    _require_columns(lg, ["lgcode", "city", "citykana", "lat", "lng", "url"], "localgovjp-utf8.csv")
    lg = lg.set_index("lgcode")
    missing = sorted(set(m["code"]) - set(lg.index))
    if missing:
        raise BuildError(f"localgovjp-utf8.csv lacks {len(missing)} municipal code(s): {missing[:10]}")
    lg = lg.loc[m["code"]]
    bad = [(c, a, b) for c, a, b in zip(m["code"], lg["city"], m["name"]) if not codes.same_name(a, b)]
    if bad:
        raise BuildError(f"localgovjp-utf8.csv names differ from the code list (code, found, expected): {bad[:10]}")

    cc = _read_csv(paths["mynumber_citycode"], encoding="utf-8")
    _require_columns(cc, ["団体コード", "都道府県名", "郡名", "市区町村名"], "citycode.csv")
    cc_code = cc["団体コード"].str.strip().str.zfill(6)
    # Only real 郡 names: citycode.csv puts the island name (三宅島, 八丈島) where a Tokyo
    # island village has no 郡.
    district = {c: (d if d.endswith("郡") else "") for c, d in zip(cc_code, cc["郡名"].str.strip())}

    pop = population_by_code5(paths["census2020_population"])
    missing = [c for c in m["code5"] if c not in pop]
    if missing:
        raise BuildError(f"census file lacks {len(missing)} municipal code(s): {missing[:10]}")

    core = designation_codes(m, refdata / "core_cities.csv", "中核市")
    former = designation_codes(m, refdata / "former_special_cities.csv", "施行時特例市")

    kind = m["kind"].map(codes.TYPE_JA)
    not_city = sorted(c for c in core | former if kind[m["code"] == c].iloc[0] != "市")
    if not_city:
        raise BuildError(f"中核市/施行時特例市 lists name bodies that are not 市 in the code list: {not_city}")
    kind = kind.where(~m["code"].isin(core), "中核市")

    out = pd.DataFrame({
        "code": m["code"].to_numpy(),
        "code5": m["code5"].to_numpy(),
        "name": m["name"].to_numpy(),
        "kana": lg["citykana"].str.strip().to_numpy(),
        "prefecture_code": m["code"].str[:2].to_numpy(),
        "prefecture": m["prefecture"].to_numpy(),
        "district": [district.get(c, "") for c in m["code"]],
        "type": pd.Categorical(kind, categories=codes.MUNICIPAL_TYPES, ordered=True),
        "former_special_city": m["code"].isin(former).to_numpy(),
        "population_2020": pd.array([pop[c] for c in m["code5"]], dtype="Int64"),
        "lat": pd.to_numeric(lg["lat"]).to_numpy(dtype="float64"),
        "lng": pd.to_numeric(lg["lng"]).to_numpy(dtype="float64"),
        "website": lg["url"].str.strip().to_numpy(),
    })
    for col in ("code", "code5", "name", "kana", "prefecture_code", "prefecture", "district", "website"):
        out[col] = out[col].astype("str")
    return out[MUNICIPALITY_COLUMNS].sort_values("code", ignore_index=True)


def build_prefectures(paths: dict[str, Path]) -> pd.DataFrame:
    cl = codes.read_code_list(paths["code_list"])
    p = codes.prefecture_codes(cl)
    pj = _read_csv(paths["localgov_prefectures"], encoding="utf-8")
    _require_columns(pj, ["pref", "prefkana", "pref_en", "lgcode", "ISO3166-2", "capital", "lat", "lng"],
                     "prefjp-utf8.csv")
    pj["code"] = pj["lgcode"].str.strip().str.zfill(6)  # the leading zero is lost upstream
    pj = pj.set_index("code")
    missing = sorted(set(p["code"]) - set(pj.index))
    if missing:
        raise BuildError(f"prefjp-utf8.csv lacks prefecture code(s) {missing}")
    pj = pj.loc[p["code"]]
    bad = [(c, a, b) for c, a, b in zip(p["code"], pj["pref"], p["name"]) if a != b]
    if bad:
        raise BuildError(f"prefjp-utf8.csv names differ from the code list: {bad}")
    pop = population_by_code5(paths["census2020_population"])
    missing = [c for c in p["code5"] if c not in pop]
    if missing:
        raise BuildError(f"census file lacks prefecture code(s) {missing}")
    out = pd.DataFrame({
        "code": p["code"].to_numpy(),
        "prefecture_code": p["code"].str[:2].to_numpy(),
        "name": p["name"].to_numpy(),
        "kana": pj["prefkana"].to_numpy(),
        "name_en": pj["pref_en"].to_numpy(),
        "iso": pj["ISO3166-2"].to_numpy(),
        "capital": pj["capital"].to_numpy(),
        "lat": pd.to_numeric(pj["lat"]).to_numpy(dtype="float64"),
        "lng": pd.to_numeric(pj["lng"]).to_numpy(dtype="float64"),
        "population_2020": pd.array([pop[c] for c in p["code5"]], dtype="Int64"),
    })
    wrong_iso = out[out["iso"] != "JP-" + out["prefecture_code"]]
    if len(wrong_iso):
        raise BuildError(f"prefjp-utf8.csv ISO codes disagree with the prefecture codes: "
                         f"{wrong_iso[['code', 'iso']].to_dict('records')}")
    for col in ("code", "prefecture_code", "name", "kana", "name_en", "iso", "capital"):
        out[col] = out[col].astype("str")
    return out[PREFECTURE_COLUMNS].sort_values("code", ignore_index=True)
