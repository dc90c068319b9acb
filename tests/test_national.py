"""The committed national_indicators dataset, its registry and errata."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
import yaml

import jdxlib
from jdxlib import national
from jdxlib._paths import NATIONAL_DIR, PROJECT_ROOT

REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
SOURCE_FILES = {"sources": "national_indicators_sources.csv", "r5_summary": "r5_summary_figures.csv"}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return national.load_national_indicators()


@pytest.fixture(scope="module")
def registry() -> dict:
    return yaml.safe_load((NATIONAL_DIR / "indicator_registry.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference() -> Path:
    if not all((REFERENCE / f).is_file() for f in SOURCE_FILES.values()):
        pytest.skip("../shared/reference is not available")
    return REFERENCE


def _builder():
    spec = importlib.util.spec_from_file_location("build_national", PROJECT_ROOT / "tools" / "build_national.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(df, **eq):
    mask = pd.Series(True, index=df.index)
    for col, value in eq.items():
        mask &= df[col].astype("string") == value
    return df[mask]


# --------------------------------------------------------------------------- real values
def test_r5_municipal_cio_is_1270(df):
    rows = _rows(df, series_id="cio_appointed", level="municipality", fiscal_year_survey="R5")
    assert len(rows) == 2                                   # ITmedia and the 2024 summary
    assert set(rows["count"]) == {1270}
    assert (rows["as_of"] == pd.Timestamp("2023-04-01")).all()
    assert rows["corroborated"].all()
    summary = rows[rows["percent"].notna()].iloc[0]
    assert summary["percent"] == 73.3
    assert summary["respondents"] == 1733 and summary["denominator"] == 1741
    assert summary["check"] == "respondent_base_1733"


def test_r4_municipal_cio_corrected(df):
    row = _rows(df, series_id="cio_appointed", level="municipality", fiscal_year_survey="R4")
    assert len(row) == 1
    row = row.iloc[0]
    assert row["count"] == 1222
    assert row["published_count"] == 1279
    assert row["correction"] == "r4_cio_municipality"
    # the R5 delta (+48) is computed from the corrected value
    assert 1222 + 48 == 1270


@pytest.mark.parametrize(
    "series_id, level, fy, count, published",
    [
        ("cio_assistant_appointed", "municipality", "R4", 798, 864),
        ("csirt_established", "municipality", "R4", 1383, 1431),
        ("incident_response_plan", "municipality", "R4", 1221, 1296),
        ("cio_assistant_appointed", "municipality", "R3", 808, 895),
        ("integrated_gis", "prefecture", "R3", 23, 24),
        ("csirt_established", "prefecture", "R3", 45, 46),
    ],
)
def test_corrected_rows_keep_published_value(df, series_id, level, fy, count, published):
    row = _rows(df, series_id=series_id, level=level, fiscal_year_survey=fy)
    assert len(row) == 1
    assert row.iloc[0]["count"] == count
    assert row.iloc[0]["published_count"] == published
    assert pd.notna(row.iloc[0]["correction"])


def test_r3_municipal_cio_flagged_superseded(df):
    rows = _rows(df, series_id="cio_appointed", level="municipality", fiscal_year_survey="R3")
    assert len(rows) == 2
    assert (rows["check"] == "superseded_unknown").all()
    assert (rows["correction"] == "r3_cio_municipality_revised_2024").all()
    assert 1274 in set(rows["count"].dropna())              # kept, not changed
    assert rows["published_count"].isna().all()


def test_errata_match_the_dataset(df):
    errata = national.load_errata()
    assert len(errata) == 8
    assert set(errata["correction_date"].dt.strftime("%Y-%m-%d")) == {"2024-04-26", "2023-04-28"}
    assert (errata["source_url"] == "https://www.soumu.go.jp/denshijiti/060213_02.html").all()
    superseded = errata[errata["status"] == "superseded_value_unknown"]
    assert list(superseded["id"]) == ["r3_cio_municipality_revised_2024"]
    assert superseded["corrected_value"].isna().all()
    for e in errata[errata["status"] == "corrected"].itertuples():
        rows = df[df["correction"] == e.id]
        assert len(rows) == 1, e.id
        assert rows.iloc[0]["count"] == e.corrected_value
        assert rows.iloc[0]["published_count"] == e.published_value
        assert rows.iloc[0]["series_id"] == e.series_id and rows.iloc[0]["level"] == e.level


# --------------------------------------------------------------------------- consistency flags
def test_every_rate_reproduces_or_is_flagged(df):
    checked = df[df["count"].notna() & df["percent"].notna()
                 & (df["denominator"].notna() | df["respondents"].notna())]
    assert len(checked) > 80
    base = checked["respondents"].fillna(checked["denominator"]).astype("float64")
    diff = (100 * checked["count"].astype("float64") / base - checked["percent"]).abs()
    bad = checked[(diff > 0.05 + 1e-9) & (checked["check"] == "ok")]
    assert bad.empty, bad[["series_id", "level", "year", "count", "percent"]]
    ok = checked[checked["check"] == "ok"]
    assert (diff[ok.index] <= 0.05 + 1e-9).all()
    # and every ok row really had something to check
    all_ok = df[df["check"] == "ok"]
    assert all_ok["count"].notna().all() and all_ok["percent"].notna().all()
    assert all_ok["denominator"].notna().all()


def test_r5_summary_denominators(df):
    flagged = df[df["check"] == "respondent_base_1733"]
    assert len(flagged) == 10
    assert (flagged["respondents"] == 1733).all() and (flagged["denominator"] == 1741).all()
    assert (flagged["level"] == "municipality").all()
    # these six reproduce with the official 1,741
    for sid, count in [("csirt_established", 1397), ("security_training", 1451),
                       ("ict_bcp_formulated", 978), ("ai_introduced_dx_summary", 791),
                       ("rpa_introduced_dx_summary", 641), ("telework_introduced_dx_summary", 1055)]:
        row = _rows(df, series_id=sid, level="municipality", fiscal_year_survey="R5")
        row = row[row["count"] == count]
        assert len(row) == 1, sid
        assert row.iloc[0]["check"] == "ok" and pd.isna(row.iloc[0]["respondents"])


def test_ciso_1733_is_internally_inconsistent(df):
    row = df[(df["series_id"] == "ciso_appointed") & (df["count"] == 1733)]
    assert len(row) == 1
    assert row.iloc[0]["percent"] == 93.5
    assert row.iloc[0]["check"] == "internally_inconsistent"
    assert "99.5%" in row.iloc[0]["check_note"]


def test_application_data_104_is_flagged(df):
    row = df[(df["series_id"] == "application_data_analysed") & (df["count"] == 104)]
    assert len(row) == 1
    assert row.iloc[0]["percent"] == 22.1
    assert row.iloc[0]["check"] == "internally_inconsistent"
    assert "795" in row.iloc[0]["check_note"]


def test_unstated_bases_are_flagged_not_filled(df):
    rows = _rows(df, series_id="cio_appointed", level="municipality", fiscal_year_survey="H17")
    assert rows.iloc[0]["check"] == "denominator_unknown"
    assert pd.isna(rows.iloc[0]["denominator"])
    # 2014-2024 main-survey municipal rows use the documented universe of 1,741
    filled = df[df["denominator_basis"] == "survey_universe"]
    muni = filled[(filled["level"] == "municipality") & (filled["survey"] == "mic_gyosei_johoka")]
    assert (muni["denominator"] == 1741).all() and muni["year"].between(2014, 2024).all()


# --------------------------------------------------------------------------- series
def test_separate_surveys_never_share_a_series_with_the_main_survey(df, registry):
    surveys_per_series = df.groupby("series_id", observed=True)["survey"].nunique()
    assert (surveys_per_series == 1).all()
    main = set(df.loc[df["survey"] == "mic_gyosei_johoka", "series_id"])
    other = set(df.loc[df["survey"] != "mic_gyosei_johoka", "series_id"])
    assert main and other and not (main & other)
    by_id = {s["series_id"]: s for s in registry["series"]}
    for sid in ("ai_introduced_airpa_survey", "rpa_introduced_airpa_survey", "telework_introduced_tsurvey",
                "security_policy_formulated_qsurvey", "bcp_formulated_adhoc2008", "online_usage_rate_21proc"):
        assert by_id[sid]["survey"] != "mic_gyosei_johoka", sid


def _series_of(registry, file_key, source_id):
    return [s["series_id"] for s in registry["series"]
            if source_id in (s.get("source_ids") or {}).get(file_key, [])]


def test_registry_series_decisions(registry):
    assert _series_of(registry, "sources", "security_training_conducted") == \
        _series_of(registry, "r5_summary", "security_training") == ["security_training"]
    assert _series_of(registry, "r5_summary", "ai_introduced") != \
        _series_of(registry, "sources", "ai_introduced_airpa_survey")
    bcp = {_series_of(registry, "sources", i)[0]
           for i in ("bcp_formulated", "ict_bcp_formulated", "bcp_formulated_adhoc2008")}
    assert len(bcp) == 3
    online = {_series_of(registry, "sources", "general_reception_system_introduced")[0],
              _series_of(registry, "sources", "eapplication_system_shared")[0],
              _series_of(registry, "sources", "online_application_system_introduced")[0],
              _series_of(registry, "r5_summary", "online_application_system")[0]}
    assert len(online) == 4
    assert _series_of(registry, "sources", "online_usage_rate_21proc") == ["online_usage_rate_21proc"]
    assert _series_of(registry, "r5_summary", "procedures_online") != ["online_usage_rate_21proc"]


def test_registry_structure(registry, df):
    ids = [s["series_id"] for s in registry["series"]]
    assert len(ids) == len(set(ids))
    seen = {}
    for s in registry["series"]:
        assert s["survey"] in registry["surveys"]
        for field in ("theme", "label_ja", "label_en", "unit", "measure", "definition"):
            assert s.get(field), (s["series_id"], field)
        for other in s.get("not_comparable_with") or []:
            assert other in ids, other
        for b in s.get("breaks") or []:
            assert isinstance(b["year"], int) and b["note"] and b["survey_year"]
        for file_key, lst in s["source_ids"].items():
            assert file_key in SOURCE_FILES
            for i in lst:
                assert (file_key, i) not in seen, (file_key, i)
                seen[(file_key, i)] = s["series_id"]
    # every dataset row sits in the series its id is mapped to
    for row in df[["indicator_id", "series_id"]].drop_duplicates().itertuples():
        assert row.series_id in {v for (f, i), v in seen.items() if i == row.indicator_id}
    assert set(df["series_id"]) == set(ids)
    reg_df = national.load_indicator_registry()
    assert len(reg_df) == len(ids) and reg_df["series_id"].is_unique


def test_every_source_id_mapped_exactly_once(registry, reference):
    mapped: dict[tuple[str, str], int] = {}
    for s in registry["series"]:
        for file_key, lst in s["source_ids"].items():
            for i in lst:
                mapped[(file_key, i)] = mapped.get((file_key, i), 0) + 1
    present = set()
    for file_key, name in SOURCE_FILES.items():
        with (reference / name).open(encoding="utf-8", newline="") as fh:
            present |= {(file_key, r["indicator_id"]) for r in csv.DictReader(fh)}
    assert {k: mapped.get(k, 0) for k in present} == {k: 1 for k in present}
    assert set(mapped) == present


# --------------------------------------------------------------------------- the built file
def test_built_csv_is_what_the_builder_produces(reference, tmp_path):
    builder = _builder()
    committed = (NATIONAL_DIR / "national_indicators.csv").read_bytes()
    assert builder.main(["--shared", str(reference.parent), "--out", str(tmp_path)]) == 0
    first = (tmp_path / "national_indicators.csv").read_bytes()
    assert builder.main(["--shared", str(reference.parent), "--out", str(tmp_path)]) == 0
    second = (tmp_path / "national_indicators.csv").read_bytes()
    assert first == second                                   # idempotent
    assert first == committed, "data/national is stale: run tools/build_national.py"


def test_rows_cover_both_reference_files(reference, df):
    n = 0
    for name in SOURCE_FILES.values():
        with (reference / name).open(encoding="utf-8", newline="") as fh:
            n += sum(1 for _ in csv.DictReader(fh))
    assert len(df) == n == 174 + 34


def test_no_evidence_text_committed(reference):
    with (reference / SOURCE_FILES["sources"]).open(encoding="utf-8", newline="") as fh:
        evidence = [r["evidence"] for r in csv.DictReader(fh)]
    committed = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [*NATIONAL_DIR.glob("*"), *(PROJECT_ROOT / "jdxlib" / "metadata").glob("national*.yml"),
                  PROJECT_ROOT / "jdxlib" / "metadata" / "indicator_registry.yml"]
        if p.is_file()
    )
    copied = [e for e in evidence if len(e) >= 12 and e in committed]
    assert not copied, copied[:3]


def test_file_format():
    raw = (NATIONAL_DIR / "national_indicators.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    raw.decode("utf-8")
    assert not raw.startswith(b"\xef\xbb\xbf")


# --------------------------------------------------------------------------- API
def test_dtypes(df):
    assert str(df["as_of"].dtype) == "datetime64[ns]"
    for col in ("count", "denominator", "respondents", "published_count", "year"):
        assert str(df[col].dtype) == "Int64", col
    assert df["percent"].dtype == "float64"
    for col in ("theme", "level", "survey", "check", "unit"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    for col in ("indicator_id", "series_id", "source_title", "source_url", "note", "check_note"):
        assert isinstance(df[col].dtype, pd.StringDtype), col
    assert str(df["corroborated"].dtype) == "boolean"
    assert df["level"].isna().sum() == 0 and df["check"].isna().sum() == 0
    assert df["year"].notna().all()
    assert df["as_of"].isna().sum() > 0                      # some sources give no date


def test_describe_columns_cover_the_dataframes(df):
    assert set(jdxlib.describe("national_indicators").columns) == set(df.columns)
    reg = jdxlib.load("indicator_registry")
    assert set(jdxlib.describe("indicator_registry").columns) == set(reg.columns)
    loaded = jdxlib.load("national_indicators")
    pd.testing.assert_frame_equal(loaded, df)


def test_recompute_percent(df):
    out = national.recompute_percent(df)
    row = out[(out["series_id"] == "cio_appointed") & (out["respondents"] == 1733)].iloc[0]
    assert round(row["percent_all_bodies"], 1) == 72.9
    assert round(row["percent_recomputed"], 1) == 73.3
    assert "percent_recomputed" not in df.columns            # input untouched


def test_series_table_breaks_and_dedupe():
    t = national.series_table("cio_appointed", level=["prefecture", "municipality"], since=2005)
    assert set(t["level"].astype(str)) == {"prefecture", "municipality"}
    assert not t.duplicated(["series_id", "level", "year", "as_of"]).any()
    assert (t["label_ja"] == "CIO(情報化統括責任者)の任命").all()
    muni = t[t["level"] == "municipality"].set_index("year")
    assert muni.loc[2023, "count"] == 1270 and muni.loc[2023, "n_sources"] == 2
    assert round(muni.loc[2023, "value"], 1) == 72.9          # over all 1,741 bodies
    # the kept row carries the published figure (1,270 of 1,733 respondents = 73.3%), not the
    # count-only row of the same point
    assert muni.loc[2023, "percent"] == 73.3 and muni.loc[2023, "respondents"] == 1733
    assert str(muni.loc[2023, "check"]) == "respondent_base_1733"
    assert bool(muni.loc[2014, "break_before"]) and bool(muni.loc[2023, "break_before"])
    assert not bool(muni.loc[2016, "break_before"])
    assert not bool(muni.loc[2005, "break_before"])          # first point
    since = national.series_table(since="2014-04-01")
    assert since["year"].min() >= 2014
    sec = national.series_table(themes="security")
    assert set(sec["theme"].astype(str)) == {"security"}
    breaks = national.series_breaks("cio_appointed")
    assert {2014, 2021, 2023} <= set(breaks["year"])
