"""Parsers and builders on small synthetic files made here (fake names and values; no mirror)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from jdxlib._build import BuildError, codes, dashboard, mynumber
from jdxlib._build._common import parse_percent, write_parquet
from jdxlib._build.dashboard import DashboardJoinError
from jdxlib._build.municipalities import build_municipalities
from jdxlib import mynumber_checks

# (code5, name, kind, prefecture index) -- fake bodies; 梼原町 exercises the spelling variant
MUNIS = [
    ("01100", "架空市", "designated_city", 1),
    ("01202", "架空北市", "city", 1),
    ("01203", "架空南市", "city", 1),
    ("01301", "架空町", "town", 1),
    ("01302", "架空村", "village", 1),
    ("39405", "梼原町", "town", 39),
]
PREFS = [f"架空県{i:02d}" for i in range(1, 48)]


def _code_list(tmp: Path) -> Path:
    items = [{"c": codes.with_check_digit(f"{i:02d}000"), "s": f"{i:02d}000", "n": n, "k": "ｶｸｳ",
              "p": n, "pk": "", "r": "", "t": "prefecture", "u": False} for i, n in enumerate(PREFS, 1)]
    for c5, name, kind, p in MUNIS:
        items.append({"c": codes.with_check_digit(c5), "s": c5, "n": name, "k": "ｶｸｳ", "p": PREFS[p - 1],
                      "pk": "", "r": "", "t": kind, "u": False})
    items.append({"c": codes.with_check_digit("01101"), "s": "01101", "n": "架空市中央区", "k": "",
                  "p": PREFS[0], "pk": "", "r": "架空市", "t": "designated_ward", "u": False})
    items.append({"c": codes.with_check_digit("01695"), "s": "01695", "n": "架空島村", "k": "",
                  "p": PREFS[0], "pk": "", "r": "", "t": "village", "u": True})
    path = tmp / "index.json"
    path.write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    return path


def _wide(tmp: Path, name: str, names: list[str], rows: list[list[str]], first="") -> Path:
    lines = [",".join([first, ""] + names + [""])]
    lines += [",".join(r + [""]) for r in rows]
    path = tmp / name
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


MUNI_NAMES = ["架空市", "架空北市", "架空南市", "架空町", "架空村", "檮原町"]


def _status_files(tmp: Path, muni_names=MUNI_NAMES, cio=None, pct32=None) -> dict[str, Path]:
    n = len(muni_names)
    cio = cio or ["実施", "未実施", "調査無し", "実施", "未実施", "実施"][:n]
    pct32 = pct32 or ["50%", "%", "100%", "0%", "33%", "12%"][:n]
    area1, area3 = "自治体DXの推進体制等", "住民サービスのDX"
    muni_rows = [
        [area1, "CIOの任命"] + cio,
        [area3, "子育て・介護26手続のオンライン化状況 "] + ["10%"] * n,
        [area3, "よく使う32手続のオンライン化状況"] + pct32,
        [area3, "よく使う32手続のオンライン化状況_実施されている手続総数（分母）"] + ["2", "0", "1", "3", "3", "8"][:n],
        [area3, "よく使う32手続のオンライン化状況_実施されている手続総数のうち「オンライン化済」と回答した手続数（分子）"]
        + ["1", "0", "1", "0", "1", "1"][:n],
    ]
    pref_rows = [[area1, "CIOの任命"] + ["実施"] * 47]
    return {
        "code_list": _code_list(tmp),
        "dashboard_municipal_status": _wide(tmp, "m.csv", muni_names, muni_rows),
        "dashboard_prefecture_status": _wide(tmp, "p.csv", PREFS, pref_rows, first="都道府県"),
    }


# ----------------------------------------------------------------------------- codes

def test_check_digit():
    assert codes.check_digit("01100") == "2"          # 札幌市 011002
    assert codes.check_digit("13101") == "6"          # 千代田区 131016
    assert codes.with_check_digit("01000") == "010006"
    assert codes.is_valid_code("011002") and not codes.is_valid_code("011003")
    assert not codes.is_valid_code("11002")
    with pytest.raises(ValueError, match="5-digit"):
        codes.check_digit("1100")


def test_code_list_filters_wards_and_northern_territories(tmp_path):
    cl = codes.read_code_list(_code_list(tmp_path))
    m = codes.municipal_codes(cl)
    assert list(m["name"]) == [n for _, n, _, _ in MUNIS]
    assert len(codes.prefecture_codes(cl)) == 47


def test_code_list_rejects_bad_check_digit(tmp_path):
    path = _code_list(tmp_path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["items"][0]["c"] = "010007"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(BuildError, match="invalid check digit"):
        codes.read_code_list(path)


# ----------------------------------------------------------------------------- dashboard

def test_percent_parser():
    assert parse_percent("88.8%") == 88.8 and parse_percent("0%") == 0.0
    assert parse_percent("") is None and parse_percent("%") is None
    with pytest.raises(ValueError):
        parse_percent("八割")


def test_dx_status_long_table(tmp_path):
    df = dashboard.build_dx_status(_status_files(tmp_path))
    assert list(df.columns) == dashboard.DX_STATUS_COLUMNS
    m = df[df["level"] == "municipality"]
    cio = m[m["indicator_id"] == "cio_appointed"].set_index("code")["status"]
    assert cio.to_dict() == {"011002": "実施", "012025": "未実施", "012033": "調査無し",
                             "013013": "実施", "013021": "未実施", "394050": "実施"}
    assert list(df["status"].cat.categories) == ["実施", "未実施", "調査無し"] and df["status"].cat.ordered
    # trailing space trimmed from the label
    assert "子育て・介護26手続のオンライン化状況" in set(df["indicator"])
    r32 = m[m["indicator_id"] == "frequent_32_online_rate"].set_index("code")
    assert pd.isna(r32.loc["012025", "value"])                      # bare "%" = 0 of 0
    assert r32.loc["012025", ["numerator", "denominator"]].tolist() == [0, 0]
    assert r32.loc["013013", "value"] == 0.0
    assert r32.loc["011002", ["numerator", "denominator"]].tolist() == [1, 2]
    den = m[m["indicator_id"] == "frequent_32_denominator"].set_index("code")
    assert den.loc["394050", "value"] == 8 and den.loc["394050", "denominator"] == 8
    assert (df.loc[df["indicator_id"] == "cio_appointed", "reference_date"] == pd.Timestamp("2023-04-01")).all()
    assert df.loc[df["indicator_id"] != "cio_appointed", "reference_date"].isna().all()
    assert len(df[df["level"] == "prefecture"]) == 47


def test_dashboard_name_mismatch_names_position_expected_found(tmp_path):
    names = ["架空市", "架空南市", "架空北市", "架空町", "架空村", "檮原町"]  # two swapped
    with pytest.raises(DashboardJoinError) as exc:
        dashboard.build_dx_status(_status_files(tmp_path, muni_names=names))
    msg = str(exc.value)
    assert "column 2" in msg and "'架空南市'" in msg and "012025" in msg and "'架空北市'" in msg


def test_dashboard_wrong_body_count(tmp_path):
    with pytest.raises(DashboardJoinError, match="5 body columns, expected 6"):
        dashboard.build_dx_status(_status_files(tmp_path, muni_names=MUNI_NAMES[:5]))


def test_dashboard_bad_status_value(tmp_path):
    bad = ["実施", "やってる", "実施", "実施", "実施", "実施"]
    with pytest.raises(BuildError, match="'やってる' is not valid; expected 実施 / 未実施 / 調査無し"):
        dashboard.build_dx_status(_status_files(tmp_path, cio=bad))


def test_dashboard_unknown_label(tmp_path):
    files = _status_files(tmp_path)
    text = files["dashboard_municipal_status"].read_text(encoding="utf-8").replace("CIOの任命", "架空の指標")
    files["dashboard_municipal_status"].write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match="unknown indicator label.*架空の指標"):
        dashboard.build_dx_status(files)


def test_online_procedures_empty_cell_gives_no_row(tmp_path):
    g32, g26 = "よく使う32手続のオンライン申請利用状況", "子育て・介護の26手続のオンライン申請利用状況"
    files = {
        "code_list": _code_list(tmp_path),
        "dashboard_municipal_online": _wide(tmp_path, "mo.csv", MUNI_NAMES, [
            [g32, "図書館の図書貸出予約等", "12.5%", "", "0%", "", "", "100%"],
            [g26, "妊娠の届出", "", "", "", "", "", ""],
        ], first="市区町村名"),
        "dashboard_prefecture_online": _wide(tmp_path, "po.csv", PREFS, [
            [g32, "自動車税住所変更届"] + ["1%"] + [""] * 46,
        ], first="都道府県"),
    }
    df = dashboard.build_online_procedures(files)
    assert list(df.columns) == dashboard.ONLINE_COLUMNS
    m = df[df["level"] == "municipality"]
    assert m.set_index("code")["online_rate"].to_dict() == {"011002": 12.5, "012033": 0.0, "394050": 100.0}
    assert set(m["procedure_id"]) == {"library_reservation"} and set(m["procedure_group"]) == {"よく使う32手続"}
    p = df[df["level"] == "prefecture"]
    assert len(p) == 1 and p["procedure_group"].iloc[0] == "都道府県手続" and p["code"].iloc[0] == "010006"

    text = files["dashboard_municipal_online"].read_text(encoding="utf-8").replace("12.5%", "約12%")
    files["dashboard_municipal_online"].write_text(text, encoding="utf-8")
    with pytest.raises(BuildError, match="'約12%' is not a percentage"):
        dashboard.build_online_procedures(files)


# ----------------------------------------------------------------------------- mynumber

HEADER = '"算出基準日","都道府県名","市区町村名","総数（人口）","交付枚数","人口に対する交付枚数率","人口算出基準日","交付件数基準日","団体コード"'


def _snapshot(tmp: Path, rows: list[tuple[str, str, str]], name="all_localgovs.csv") -> Path:
    lines = [HEADER]
    for i, (pref, city, code) in enumerate(rows):
        lines.append(f'"2099/01/01","{pref}","{city}",{1000 + i},{100 + i},10.0,"2098/01/01","2099/01/01",{code}')
    path = tmp / name
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _snapshot_rows(miyake_code='"<NA>"'):
    P1, P39 = PREFS[0], PREFS[38]
    return [(P1, "架空市", "11002"), (P1, "架空北市", "12025"), (P1, "架空南市", "12033"),
            (P1, "架空郡架空町", "13013"), (P1, "架空村", miyake_code), (P39, "高岡郡檮原町", "394050")]


def test_mynumber_codes_recovered(tmp_path):
    munis = codes.municipal_codes(codes.read_code_list(_code_list(tmp_path)))
    df = mynumber.read_snapshot(_snapshot(tmp_path, _snapshot_rows()), munis)
    assert list(df.columns) == mynumber.COLUMNS
    assert list(df["code"]) == ["011002", "012025", "012033", "013013", "013021", "394050"]
    assert df["population"].dtype == "Int64" and df["date"].iloc[0] == pd.Timestamp("2099-01-01")


def test_mynumber_rejects_wrong_name_and_unknown_code(tmp_path):
    munis = codes.municipal_codes(codes.read_code_list(_code_list(tmp_path)))
    rows = _snapshot_rows()
    rows[1] = (PREFS[0], "別の市", "12025")
    with pytest.raises(BuildError, match="012025 is 架空県01架空北市 in the code list but the row says"):
        mynumber.read_snapshot(_snapshot(tmp_path, rows), munis)
    rows = _snapshot_rows()
    rows[1] = (PREFS[0], "架空北市", "12026")
    with pytest.raises(BuildError, match="invalid check digit"):
        mynumber.read_snapshot(_snapshot(tmp_path, rows), munis)


def test_summary_recompute_with_reclassification_rule():
    cards = pd.DataFrame({
        "code": ["011002", "012025", "013013"],
        "date": pd.to_datetime(["2099-01-01"] * 3),
        "population": [1000, 200, 100], "cards_issued": [100, 20, 5],
    })
    types = pd.Series({"011002": "指定都市", "012025": "中核市", "013013": "町"})
    rule = [{"code": "012025", "category": "町村", "through": "2099-01-01"}]
    out = mynumber_checks.recompute(cards, types, rule).set_index("category")
    assert out.loc["全国", "population"] == 1300
    assert out.loc["町村", ["population", "cards_issued"]].tolist() == [300, 25]
    assert "市" not in out.index
    out = mynumber_checks.recompute(cards, types, []).set_index("category")
    assert out.loc["市", "cards_issued"] == 20 and out.loc["特別区・市", "population"] == 200


def test_errata_file_is_complete():
    e = mynumber_checks.errata()
    assert [r["code"] for r in e["rules"]] == ["402311"]
    assert len(e["errata"]) == 3
    for item in e["errata"]:
        assert item["reason"] and item["fields"] and item["categories"] and item["date"]


# ----------------------------------------------------------------------------- municipalities

def test_municipalities_builder(tmp_path):
    cl = _code_list(tmp_path)
    lg = tmp_path / "lg.csv"
    rows = ["pid,pref,cid,city,citykana,lat,lng,url,phrase,lgcode"]
    for c5, name, _, p in MUNIS:
        rows.append(f"{p},{PREFS[p - 1]},{int(c5)},{'檮原町' if name == '梼原町' else name},かくう,35.0,135.0,"
                    f"https://example.invalid/{c5},,{codes.with_check_digit(c5)}")
    lg.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    cc = tmp_path / "citycode.csv"
    cc.write_text("団体コード,都道府県名,郡名,市区町村名\n13013,架空県01,架空郡,架空町\n13021,架空県01,架空島,架空村\n",
                  encoding="utf-8")
    pop = tmp_path / "pop.csv"
    pop.write_text("area_code,area_name,population\n" + "\n".join(
        f"{c5},{n},{'' if n == '架空村' else 1000}" for c5, n, _, _ in MUNIS) + "\n", encoding="utf-8")
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "core_cities.csv").write_text(
        "prefecture,name,designation,as_of,source_url\n架空県01,架空北市,中核市,2099-04-01,https://example.invalid\n",
        encoding="utf-8")
    (ref / "former_special_cities.csv").write_text(
        "prefecture,name,designation,as_of,source_url\n架空県01,架空南市,施行時特例市,2099-04-01,https://example.invalid\n",
        encoding="utf-8")
    df = build_municipalities({"code_list": cl, "localgov_municipalities": lg, "mynumber_citycode": cc,
                               "census2020_population": pop}, refdata=ref, expected_count=None)
    assert list(df["type"]) == ["指定都市", "中核市", "市", "町", "村", "町"]
    assert df["type"].cat.ordered
    assert df["former_special_city"].tolist() == [False, False, True, False, False, False]
    assert df["district"].tolist() == ["", "", "", "架空郡", "", ""]
    assert df["population_2020"].isna().tolist() == [False] * 4 + [True, False]
    assert df.loc[5, "name"] == "梼原町"

    (ref / "core_cities.csv").write_text(
        "prefecture,name,designation,as_of,source_url\n架空県01,存在しない市,中核市,2099-04-01,x\n", encoding="utf-8")
    with pytest.raises(BuildError, match="中核市 not found in the code list: \\['架空県01存在しない市'\\]"):
        build_municipalities({"code_list": cl, "localgov_municipalities": lg, "mynumber_citycode": cc,
                              "census2020_population": pop}, refdata=ref, expected_count=None)


# ----------------------------------------------------------------------------- parquet

def test_parquet_is_byte_stable(tmp_path):
    df = pd.DataFrame({
        "code": pd.array(["011002", "012025"], dtype="str"),
        "type": pd.Categorical(["市", "町"], categories=["市", "町", "村"], ordered=True),
        "n": pd.array([1, None], dtype="Int64"),
        "d": pd.to_datetime(["2099-01-01", None]),
    })
    a, b = write_parquet(df, tmp_path / "a.parquet"), write_parquet(df.copy(), tmp_path / "b.parquet")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    back = pd.read_parquet(a)
    assert back["type"].cat.ordered and back["n"].dtype == "Int64"
    assert [p.name for p in tmp_path.iterdir()] and not list(tmp_path.glob("*.part"))
