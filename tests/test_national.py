"""The committed national_indicators dataset, its registry and errata."""
from __future__ import annotations

import csv
import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

import jdxlib
from jdxlib import national
from jdxlib._paths import NATIONAL_DIR, PROJECT_ROOT

def _reference_dir() -> Path:
    """../shared/reference beside the project, or beside the mirror named by JDX_DATA_MIRROR."""
    mirror = os.environ.get("JDX_DATA_MIRROR", "")
    if mirror and not mirror.startswith(("http://", "https://")) and (Path(mirror).parent / "reference").is_dir():
        return Path(mirror).parent / "reference"
    return PROJECT_ROOT.parent / "shared" / "reference"


REFERENCE = _reference_dir()
SOURCE_FILES = {"sources": "national_indicators_sources.csv", "r5_summary": "r5_summary_figures.csv",
                "recent": "national_2024_2026_figures.csv"}
ID_COLUMN = {"sources": "indicator_id", "r5_summary": "indicator_id", "recent": "indicator"}


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
            present |= {(file_key, r[ID_COLUMN[file_key]]) for r in csv.DictReader(fh)}
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


def _read_reference(reference, key):
    with (reference / SOURCE_FILES[key]).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _recent_already_there(reference):
    """Rows of the 2024-2026 file that repeat a row of the older file (same page, date and count)."""
    older = {(r["source_url"], r["as_of"], r["count"]) for r in _read_reference(reference, "sources")}
    return [r for r in _read_reference(reference, "recent") if (r["source_url"], r["as_of"], r["count"]) in older]


def test_rows_cover_the_reference_files(reference, df):
    n = {k: len(_read_reference(reference, k)) for k in SOURCE_FILES}
    repeats = _recent_already_there(reference)
    # the two AI・RPA rows of 2024-12-31 that the older file already had are not duplicated
    assert {r["indicator"] for r in repeats} == {"ai_or_rpa_introduced", "ai_and_rpa_introduced"}
    assert len(df) == n["sources"] + n["r5_summary"] + n["recent"] - len(repeats)
    assert not df.duplicated(["series_id", "level", "as_of", "source_url", "count", "percent"]).any()


def test_recent_figures_carry_their_values_and_pages(reference, df):
    recent = _read_reference(reference, "recent")
    added = df[df["year"].ge(2023) & df["source_url"].isin({r["source_url"] for r in recent})]
    for r in recent:
        date = r["as_of"].split(" ")[0]
        rows = added[(added["source_url"] == r["source_url"])
                     & added["percent"].fillna(-1).eq(float(r["percent"]) if r["percent"] else -1)
                     & added["count"].astype("Float64").fillna(-1).eq(float(r["count"]) if r["count"] else -1)]
        if len(date) == 10:
            rows = rows[rows["as_of"] == pd.Timestamp(date)]
        assert len(rows) == 1, (r["indicator"], r["level"], r["as_of"])
        row = rows.iloc[0]
        # secondary as the reference says (27 of 28 are secondary reports)
        assert bool(row["secondary"]) == r["primary_secondary"].startswith("secondary"), r["source_url"]
        if r["denominator"].startswith("population"):
            assert row["denominator_basis"] == "population" and pd.isna(row["denominator"])
        elif not r["denominator"]:
            assert row["denominator_basis"] == "none" and pd.isna(row["denominator"]) and pd.isna(row["percent"])
        else:
            assert row["denominator"] == int(r["denominator"])
        assert bool(row["as_of_inferred"]) == ("(inferred)" in r["as_of"])
    assert sum(not r["primary_secondary"].startswith("secondary") for r in recent) == 1


def test_inferred_reference_date_is_marked(df):
    row = _rows(df, series_id="kakanai_madoguchi").iloc[0]
    assert bool(row["as_of_inferred"]) and row["fiscal_year_survey"].endswith("(inferred)")
    assert row["as_of"] == pd.Timestamp("2024-04-01")
    assert not df.loc[df["series_id"] != "kakanai_madoguchi", "as_of_inferred"].where(
        ~df["fiscal_year_survey"].str.contains("inferred")).fillna(False).any()


def test_holding_rate_is_its_own_series(df, registry):
    rows = _rows(df, series_id="mynumber_card_holding_rate_national")
    assert len(rows) == 3 and (rows["denominator_basis"] == "population").all()
    assert rows["denominator"].isna().all() and (rows["unit"] == "枚").all()
    by_id = {s["series_id"]: s for s in registry["series"]}
    assert by_id["mynumber_card_holding_rate_national"]["measure"] == "share_of_population"
    # never recomputed as a share of bodies
    out = national.series_table("mynumber_card_holding_rate_national")
    assert out["percent_all_bodies"].isna().all() and (out["value"] == out["percent"]).all()


def test_disagreements_are_flagged_not_chosen(reference, df):
    recent = _read_reference(reference, "recent")
    genai = [r for r in recent if r["indicator"] == "genai_introduced" and r["as_of"] == "2024-12-31"
             and r["level"] != "all_local_governments"]
    by_level: dict[str, set] = {}
    for r in genai:
        by_level.setdefault(r["level"], set()).add(float(r["percent"]))
    rows = _rows(df, series_id="genai_introduced_airpa_survey")
    rows = rows[rows["as_of"] == pd.Timestamp("2024-12-31")]
    for level, values in by_level.items():
        assert len(values) == 2                               # two sets were published
        got = rows[rows["level"] == level]
        assert set(got["percent"]) == values and got["conflict"].notna().all()
        assert got["conflict"].nunique() == 1
    # series_table keeps both sources of a conflicting point (does not pick one silently)
    t = national.series_table("genai_introduced_airpa_survey")
    assert (t[t["conflict"].notna()].groupby("level", observed=True).size() == 2).all()
    # AI overall: the published share against the share implied by the parts' counts
    ai = _rows(df, series_id="ai_introduced_airpa_survey", level="all_local_governments").iloc[0]
    parts = df[df["series_id"].isin(["ai_only_introduced_airpa_survey", "ai_and_rpa_introduced_airpa_survey"])
               & (df["as_of"] == ai["as_of"])]
    implied = round(100 * parts["count"].sum() / parts["denominator"].iloc[0], 1)
    assert implied != ai["percent"] and pd.notna(ai["conflict"])
    assert f"{implied}%" in ai["check_note"] and f"{ai['percent']:g}%" in ai["check_note"]


def test_count_without_denominator(df):
    rows = _rows(df, series_id="frontyard_model_project_selected")
    assert len(rows) == 2 and (rows["denominator_basis"] == "none").all()
    assert rows["percent"].isna().all() and rows["denominator"].isna().all()


def test_every_row_names_its_publisher(df):
    assert df["publisher"].notna().all() and df["secondary"].notna().all()
    pubs = yaml.safe_load((NATIONAL_DIR / "publications.yml").read_text(encoding="utf-8"))["publications"]
    assert set(df["source_url"]) == {p["url"] for p in pubs}
    counts = national.source_counts(df).set_index("secondary")
    assert counts.loc[True, "figures"] == int(df["secondary"].sum())
    assert counts.loc[False, "figures"] == int((~df["secondary"]).sum())
    assert counts["figures"].sum() == len(df)
    assert counts["publications"].sum() == len(pubs)          # every publication used, counted once
    # the ministry's own releases and white papers are primary; blogs and news are not
    assert not df.loc[df["source_url"].str.contains("soumu.go.jp/menu_news"), "secondary"].any()
    assert df.loc[df["source_url"].str.contains("blogs.itmedia.co.jp|denpanews"), "secondary"].all()


def test_no_evidence_text_committed(reference):
    with (reference / SOURCE_FILES["sources"]).open(encoding="utf-8", newline="") as fh:
        evidence = [r["evidence"] for r in csv.DictReader(fh)]
    # and the notes of the 2024-2026 file (its note and corroborated_by columns)
    for r in _read_reference(reference, "recent"):
        evidence += [r["note"].strip(), r["corroborated_by"].strip()]
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
    for col in ("corroborated", "secondary", "as_of_inferred"):
        assert str(df[col].dtype) == "boolean", col
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


# --------------------------------------------------------------------------- credit (who published)
def test_secondary_figures_are_credited_to_their_publisher(df):
    import matplotlib

    matplotlib.use("Agg")
    from jdxlib import trends

    rows = trends.trend_rows("cio_appointed")
    cap = trends.caption(rows)
    credit = cap.split("出典：")[1]
    assert "ほか" not in credit and credit.endswith("を加工して作成")
    for _, r in rows.iterrows():                              # every page is named
        assert r["publisher"] in credit
    sec = rows[rows["secondary"]]
    assert len(sec) and "二次資料" in credit
    for publisher in sec["publisher"].unique():               # credited as a report of the survey
        after = credit.split(publisher, 1)[1]
        assert "が伝えた総務省「地方公共団体における行政情報化の推進状況調査」の値（二次資料）" in after
    assert f"{len(rows)}点のうち{int(rows['secondary'].sum())}点は二次資料" in cap
    # the table marks secondary points and names the publisher per point
    table = trends.points_table(rows)
    assert list(table["二次資料"] == "○") == list(rows["secondary"])
    assert all(p in t for p, t in zip(rows["publisher"], table["出典"]))
    # primary points are named with their publication's title
    prim = rows[~rows["secondary"]].iloc[0]
    assert f"{prim['publisher']}「{prim['publication']}」" in credit


def test_trend_chart_draws_secondary_points_hollow():
    import matplotlib

    matplotlib.use("Agg")
    from jdxlib import trends, viz

    viz.set_theme()
    rows = trends.trend_rows("cio_appointed")
    ax = trends.plot_trend("cio_appointed")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "二次資料（報道・ブログ等が伝えた値）" in labels and "一次資料（総務省等の公表資料）" in labels
    hollow = [line for line in ax.get_lines() if line.get_linestyle() == "None"
              and line.get_markerfacecolor() == "white" and len(line.get_xdata())]
    assert sum(len(line.get_xdata()) for line in hollow) == int(rows["secondary"].sum())
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_overview_counts_primary_and_secondary(df):
    from jdxlib import trends

    text = trends.source_count_text()
    n_sec = int(df["secondary"].sum())
    assert f"{len(df):,}" in text and f"{n_sec:,}" in text and f"{len(df) - n_sec:,}" in text


def test_inferred_date_and_survey_are_said_in_captions_and_tables(df):
    from jdxlib import trends

    rows = trends.trend_rows("kakanai_madoguchi")
    assert len(rows) == 1 and bool(rows["as_of_inferred"].iloc[0])
    cap = trends.caption(rows)
    assert "調査の回を推定" in cap and "どの調査の値かも推定" in cap
    table = trends.points_table(rows)
    assert table["調査時点"].iloc[0] == f"{rows['as_of'].iloc[0]:%Y-%m-%d}（推定）"
    # a stated date says nothing of the kind
    assert "推定" not in trends.caption(trends.trend_rows("std_bodies_with_delayed_systems"))
