"""jdxlib.stats: share tables (complete counts, no intervals), ranks on displayed values, percentiles."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jdxlib import stats
from jdxlib.stats import (
    median_iqr,
    percentile_of,
    rank_with_ties,
    share_table,
)


def _fake_status() -> pd.DataFrame:
    cats = ["実施", "未実施", "調査無し"]
    return pd.DataFrame(
        {
            "group": pd.Categorical(["G1", "G1", "G1", "G2", "G2", "G2"], ["G1", "G2", "G3"]),
            "status": pd.Categorical(["実施", "未実施", "調査無し", "実施", "実施", None], cats),
        }
    )


def test_share_table_counts_and_denominators():
    t = share_table(_fake_status(), "group").set_index("group")
    g1, g2, g3 = t.loc["G1"], t.loc["G2"], t.loc["G3"]
    assert (g1.yes, g1.no, g1.not_surveyed, g1.missing, g1.n, g1.total) == (1, 1, 1, 0, 2, 3)
    assert g1.share == 0.5 and g1.share_of_all == pytest.approx(1 / 3)
    assert (g2.yes, g2.n, g2.missing, g2.total) == (2, 2, 1, 3)
    # complete counts: no interval columns; one body moves G1's share by 100 / 2 points
    assert not {"ci_low", "ci_high"} & set(t.columns)
    assert g1.one_body_pp == 50.0 and g2.one_body_pp == 50.0
    assert g3.total == 0 and math.isnan(g3.share) and math.isnan(g3.one_body_pp)  # empty category kept
    whole = share_table(_fake_status(), None).iloc[0]
    assert (whole.yes, whole.n, whole.total) == (3, 4, 6)


def test_rank_with_ties_min_method_and_counts():
    r = rank_with_ties(pd.Series([0.5, 0.8, 0.5, np.nan, 0.1], index=list("abcde")))
    assert r["rank"].tolist() == [2, 1, 2, pd.NA, 4]
    assert r["tied"].tolist() == [2, 1, 2, pd.NA, 1]
    assert r.loc["a", "rank_label"] == "2位（2団体同率）" and r.loc["b", "rank_label"] == "1位"
    asc = rank_with_ties([3, 1, 1], ascending=True)
    assert asc["rank"].tolist() == [3, 1, 1]
    # equal fractions with different denominators tie exactly
    tie = rank_with_ties(pd.Series([3 / 5, 6 / 10, 9 / 15]))
    assert tie["tied"].tolist() == [3, 3, 3]


def test_rank_on_displayed_values():
    # 熊本県 and 福島県 case: different shares that both display as 64.4%
    shares = pd.Series([29 / 45, 38 / 59, 0.70], index=["熊本県", "福島県", "x"]) * 100
    assert f"{shares['熊本県']:.1f}" == f"{shares['福島県']:.1f}" == "64.4"
    exact = rank_with_ties(shares)
    assert exact.loc["熊本県", "rank"] != exact.loc["福島県", "rank"]
    shown = rank_with_ties(shares, decimals=stats.PERCENT_DECIMALS)
    assert shown.loc["熊本県", "rank"] == shown.loc["福島県", "rank"] == 2
    assert shown.loc["熊本県", "rank_label"] == "2位（2団体同率）" and shown.loc["x", "rank"] == 1
    assert "wilson_interval" not in stats.__all__ and not hasattr(stats, "wilson_interval")


def test_median_iqr_by_group():
    df = pd.DataFrame({"g": pd.Categorical(["a", "a", "a", "a", "b"], ["a", "b", "c"]),
                       "v": [10.0, 20.0, 30.0, 40.0, None]})
    out = median_iqr(df, "v", "g").set_index("g")
    assert out.loc["a", "median"] == 25.0
    assert (out.loc["a", "q1"], out.loc["a", "q3"], out.loc["a", "iqr"]) == (17.5, 32.5, 15.0)
    assert out.loc["b", "n"] == 0 and out.loc["b", "missing"] == 1
    assert math.isnan(out.loc["c", "median"])
    assert median_iqr(df, "v").iloc[0]["n"] == 4


def test_percentile_of_explains_ties():
    r = percentile_of(3, [1, 2, 3, 3, 5])
    assert (r.n, r.below, r.equal, r.above) == (5, 2, 2, 1)
    assert r.share_below == 0.4 and r.share_equal == 0.4
    assert r.percentile == 60.0
    assert "同じ値" in r.explanation and "ties counted half" in r.explanation
    assert percentile_of(7, [7, 7, 7]).percentile == 50.0
    assert math.isnan(percentile_of(1, []).percentile)
    assert percentile_of(2, [1, None, 3]).n == 2


def test_status_classes_for_categorical_and_plain_statuses():
    values = ["実施", "未実施", "調査無し", None, "実施", "その他"]
    expected = [0, 1, 2, 3, 0, 1]  # any other answer counts as "no", like share_table
    plain = pd.Series(values, dtype=object)
    cat = pd.Series(pd.Categorical(values, categories=["実施", "未実施", "調査無し", "その他", "未使用"]))
    assert stats.status_classes(plain).tolist() == expected
    assert stats.status_classes(cat).tolist() == expected
    assert stats.STATUS_CLASSES == ("yes", "no", "not_surveyed", "missing")
