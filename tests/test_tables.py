"""jdxlib.tables: values against plain-pandas recomputation from jdxlib.load, units, tidiness."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import jdxlib
from jdxlib import tables

pytestmark = pytest.mark.usefixtures("real_data")


@pytest.fixture(scope="module")
def munis(real_data):
    return jdxlib.load("municipalities")


@pytest.fixture(scope="module")
def dx(real_data):
    return jdxlib.load("dx_status")


def _municipal_answers(dx, munis, indicator_id):
    sub = dx[(dx["level"].astype(str) == "municipality") & (dx["indicator_id"] == indicator_id)]
    return sub[["code", "status"]].merge(munis[["code", "type", "prefecture"]], on="code", how="right")


def test_status_by_type_counts_and_shares_match_plain_pandas(dx, munis):
    t = tables.status_by_type("cio_appointed").set_index("type")
    ans = _municipal_answers(dx, munis, "cio_appointed")
    status = ans["status"].astype("string")
    for typ, grp in ans.groupby(ans["type"].astype(str)):
        st = status[grp.index]
        yes, surveyed_out = int((st == "実施").sum()), int((st == "調査無し").sum())
        n = int((st.notna() & ~st.isin(["調査無し"])).sum())
        row = t.loc[typ]
        assert (row["yes"], row["not_surveyed"], row["n"], row["total"]) == (yes, surveyed_out, n, len(grp))
        assert row["share_pct"] == pytest.approx(100 * yes / n)
        assert row["share_of_all_pct"] == pytest.approx(100 * yes / len(grp))
    whole = t.loc["全国"]
    assert (whole["yes"], whole["n"], whole["total"]) == (int((status == "実施").sum()),
                                                          int(status.isin(["実施", "未実施"]).sum()), len(munis))
    # the 8 bodies 調査無し are their own count, not counted as 未実施
    assert whole["not_surveyed"] == int((status == "調査無し").sum()) > 0
    assert whole["no"] == int((status == "未実施").sum())


def test_status_by_band_covers_every_municipality_once(munis):
    t = tables.status_by_band("cio_appointed")
    groups = t[t["population_band"].astype(str) != "全国"]
    assert groups["total"].sum() == len(munis)
    whole = t[t["population_band"].astype(str) == "全国"].iloc[0]
    assert groups["yes"].sum() == whole["yes"]


def test_status_by_prefecture_recomputes_and_ranks(dx, munis):
    t = tables.status_by_prefecture("dx_policy_formulated")
    assert len(t) == 47 and "rank_label" not in t.columns
    ans = _municipal_answers(dx, munis, "dx_policy_formulated")
    st = ans["status"].astype("string")
    ans = ans.assign(yes=(st == "実施").astype(int), resp=st.isin(["実施", "未実施"]).astype(int))
    expected = ans.groupby("prefecture")[["yes", "resp"]].sum()
    got = t.set_index(t["prefecture"].astype(str))
    assert (got["yes"] == expected.loc[got.index, "yes"]).all()
    assert np.allclose(got["share_pct"], 100 * expected.loc[got.index, "yes"] / expected.loc[got.index, "resp"])
    assert got["share_pct"].is_monotonic_decreasing
    assert t["rank"].iloc[0] == 1


def test_status_prefecture_level_counts_the_47_prefectures(dx):
    t = tables.status_prefecture_level(["cio_appointed"]).iloc[0]
    sub = dx[(dx["level"].astype(str) == "prefecture") & (dx["indicator_id"] == "cio_appointed")]
    assert t["total"] == 47
    assert t["yes"] == int((sub["status"].astype(str) == "実施").sum())
    assert t["share_pct"] == pytest.approx(100 * t["yes"] / t["n"])


def test_unknown_indicator_is_named_with_a_suggestion():
    with pytest.raises(ValueError, match="did you mean 'cio_appointed'"):
        tables.status_by_type("cio_apointed")


def test_card_rates_are_sums_over_municipalities(real_data):
    cards = jdxlib.load("mynumber_cards")
    sums = cards.groupby("date")[["population", "cards_issued"]].sum()
    t = tables.card_rates().set_index("date")
    assert (t["cards_issued"] == sums.loc[t.index, "cards_issued"]).all()
    assert np.allclose(t["rate_pct"], 100 * sums.loc[t.index, "cards_issued"] / sums.loc[t.index, "population"])
    with pytest.raises(ValueError, match="by must be None or 'type', got 'prefecture'"):
        tables.card_rates(by="prefecture")


def test_procedure_rates_count_published_rates(real_data):
    op = jdxlib.load("online_procedures")
    op = op[op["level"].astype(str) == "municipality"]
    t = tables.procedure_rates().set_index("procedure_id")
    published = op[op["online_rate"].notna()].groupby("procedure_id")["code"].nunique()
    assert (t["offering"] == published.reindex(t.index).fillna(0).astype(int)).all()
    assert (t["offering"] + t["not_published"] == t["total"]).all() and (t["total"] == 1741).all()
    assert np.allclose(t["offering_pct"], 100 * t["offering"] / t["total"])
    med = op.groupby("procedure_id")["online_rate"].median()
    assert np.allclose(t["rate_median_pct"], med.reindex(t.index), equal_nan=True)


def test_opendata_shares_keep_nonrespondents_as_categories(real_data):
    t = tables.opendata_shares("Q3", by="type")
    for _, grp in t.groupby("group", observed=True):
        assert grp["count"].sum() == grp["total"].iloc[0]
        answers = grp[grp["kind"] == "answer"]
        assert answers["count"].sum() == grp["respondents"].iloc[0]
        assert np.allclose(answers["share_pct"], 100 * answers["count"] / answers["respondents"])
    assert t.loc[t["kind"] == "nonresponse", "share_pct"].isna().all()
    assert {"未提出", "未確認"} <= set(t.loc[t["kind"] == "nonresponse", "category"])


def test_opendata_bounds_are_ordered():
    t = tables.opendata_bounds("Q3", ["取り組んでいる"], by="type")
    assert ((t["low_pct"] <= t["share_pct"] + 1e-9) & (t["share_pct"] <= t["high_pct"] + 1e-9)).all()
    assert np.allclose(t["low_pct"], 100 * t["yes"] / t["total"])


def test_national_series_recomputes_from_national_indicators():
    t = tables.national_series("cio_appointed")
    raw = jdxlib.load("national_indicators")
    row = t[(t["level"] == "municipality") & (t["year"] == 2022)].iloc[0]
    src = raw[(raw["series_id"] == "cio_appointed") & (raw["level"] == "municipality") & (raw["year"] == 2022)].iloc[0]
    assert row["count"] == src["count"]
    assert row["value_pct"] == pytest.approx(100 * src["count"] / src["denominator"])
    assert set(tables.national_trends("governance")["series_id"]) <= set(
        jdxlib.themes.get("governance")["trend_series"])


# --------------------------------------------------------------------------- every table: unit and tidiness
ALL_TABLES = {
    "status_by_type": lambda: tables.status_by_type(["cio_appointed", "ai_introduced"]),
    "status_by_band": lambda: tables.status_by_band("cio_appointed"),
    "status_by_prefecture": lambda: tables.status_by_prefecture("cio_appointed"),
    "status_prefecture_level": lambda: tables.status_prefecture_level(["cio_appointed"]),
    "body_status": lambda: tables.body_status("cio_appointed"),
    "national_series": lambda: tables.national_series("cio_appointed"),
    "national_trends": lambda: tables.national_trends("security"),
    "national_latest": lambda: tables.national_latest(["governance"]),
    "national_flags": lambda: tables.national_flags(),
    "procedure_rates": lambda: tables.procedure_rates(by="type"),
    "procedure_coverage": lambda: tables.procedure_coverage(),
    "procedure_coverage_by_prefecture": lambda: tables.procedure_coverage_by_prefecture(),
    "procedure_coverage_by_body": lambda: tables.procedure_coverage_by_body(),
    "card_rates": lambda: tables.card_rates("type"),
    "card_rate_bands": lambda: tables.card_rate_bands("type"),
    "card_errata": lambda: tables.card_errata(),
    "card_latest": lambda: tables.card_latest("population_band", value="holding_rate"),
    "card_rates_by_prefecture": lambda: tables.card_rates_by_prefecture(),
    "card_holding_by_body": lambda: tables.card_holding_by_body(),
    "opendata_status": lambda: tables.opendata_status(),
    "opendata_shares": lambda: tables.opendata_shares("Q7"),
    "opendata_bounds": lambda: tables.opendata_bounds("Q3", ["取り組んでいる"]),
    "opendata_by_prefecture": lambda: tables.opendata_by_prefecture("Q3", ["取り組んでいる"]),
    "opendata_panel_change": lambda: tables.opendata_panel_change("files"),
    "opendata_publication": lambda: tables.opendata_publication(),
    "opendata_dx": lambda: tables.opendata_dx(),
}
# "73.3%", "1,270", "12", "3位（2団体同率）": numbers that are text
FORMATTED_NUMBER = re.compile(r"^[\d,.\s]+%?$|^\d+位")
ID_COLUMNS = {"code", "prefecture_code"}  # codes are strings by rule (leading zeros)
FRACTION_NAMES = {"share", "share_of_all", "rate", "low", "high", "median", "q1", "q3", "own", "holding_rate"}


def test_every_public_function_is_checked_here():
    assert set(ALL_TABLES) == set(tables.__all__)


@pytest.mark.parametrize("name", sorted(ALL_TABLES))
def test_tidy_numeric_with_percent_units(name):
    t = ALL_TABLES[name]()
    assert len(t) > 0 and t.columns.is_unique
    assert isinstance(t.index, pd.RangeIndex)
    assert not FRACTION_NAMES & set(t.columns), "a share must be a *_pct column (0–100)"
    for col in t.columns:
        s = t[col]
        if col.endswith("_pct"):
            assert pd.api.types.is_float_dtype(s), col
            v = s.dropna()
            assert ((v >= 0) & (v <= 100)).all(), f"{col} outside 0–100"
        elif col not in ID_COLUMNS and not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                                            or pd.api.types.is_datetime64_any_dtype(s)):
            text = pd.Series(s.dropna().astype(str).unique())
            bad = text[text.str.contains(FORMATTED_NUMBER)]
            assert bad.empty, f"{col} holds formatted numbers: {bad.head(3).tolist()}"


def test_shares_are_percent_not_fractions():
    t = tables.status_by_type("cio_appointed")
    assert t["share_pct"].max() > 1  # 0–100, not 0–1


def test_import_jdxlib_loads_tables_only_on_use():
    code = ("import sys, jdxlib; before = 'jdxlib.tables' in sys.modules; "
            "f = jdxlib.tables.status_by_type; print(before, 'tables' in jdxlib.__all__, callable(f))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]


def test_readme_analysing_example_runs():
    from conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Analysing in JupyterLab", 1)[1].split("\n#", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the project's own README
    assert scope["wide"].loc["CIOの任命", "全国"] == pytest.approx(
        scope["t"].query("indicator_id == 'cio_appointed' and type == '全国'")["share_pct"].iloc[0])
    assert (scope["small"]["n"] < 100).all()
