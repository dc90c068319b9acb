"""jdxlib.stats: Wilson intervals, share tables, tie-aware ranks, percentiles."""
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
    wilson_interval,
    z_value,
)


def _score_bound_by_bisection(k: int, n: int, z: float, upper: bool) -> float:
    """Independent check: the Wilson bounds are where the score statistic equals z.

    Solves |k/n - p| = z * sqrt(p (1 - p) / n) for p on one side of k/n by bisection,
    without the closed form used in jdxlib.
    """
    phat = k / n
    lo, hi = (phat, 1.0) if upper else (0.0, phat)

    def excess(p: float) -> float:  # > 0 outside the interval
        return abs(phat - p) - z * math.sqrt(p * (1 - p) / n)

    if excess(hi if upper else lo) <= 0:
        return hi if upper else lo
    for _ in range(200):
        mid = (lo + hi) / 2
        inside = excess(mid) <= 0
        if upper:
            lo, hi = (mid, hi) if inside else (lo, mid)
        else:
            lo, hi = (lo, mid) if inside else (mid, hi)
    return (lo + hi) / 2


# Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17:857-872, Table II, method 3 (score, no continuity
# correction), and the k=1, n=10 textbook case.
TEXTBOOK = [
    (1, 10, 0.0179, 0.4042),
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize("k,n,low,high", TEXTBOOK)
def test_wilson_matches_textbook_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert round(lo, 4) == low and round(hi, 4) == high


@pytest.mark.parametrize("k,n", [(1, 10), (3, 7), (50, 60), (1270, 1733), (9, 11)])
def test_wilson_matches_independent_bisection(k, n):
    z = z_value(0.95)
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(_score_bound_by_bisection(k, n, z, upper=False), abs=1e-9)
    assert hi == pytest.approx(_score_bound_by_bisection(k, n, z, upper=True), abs=1e-9)


def test_wilson_edges():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)


def test_wilson_vectorised_and_series():
    lo, hi = wilson_interval(np.array([1, 0, 5]), np.array([10, 0, 5]))
    assert lo.shape == (3,) and math.isnan(lo[1]) and hi[2] == 1.0
    k = pd.Series([1, 2], index=["a", "b"], dtype="Int64")
    n = pd.Series([10, pd.NA], index=["a", "b"], dtype="Int64")
    lo, hi = wilson_interval(k, n)
    assert list(lo.index) == ["a", "b"] and math.isnan(hi["b"])
    assert lo["a"] == pytest.approx(0.0179, abs=5e-5)


def test_other_confidence_levels():
    assert z_value(0.95) == 1.959963984540054
    assert z_value(0.99) == pytest.approx(2.5758293035489, rel=1e-12)
    lo99, hi99 = wilson_interval(1, 10, confidence=0.99)
    lo95, hi95 = wilson_interval(1, 10)
    assert lo99 < lo95 and hi99 > hi95
    with pytest.raises(ValueError):
        z_value(1.0)


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
    assert (g1.ci_low, g1.ci_high) == pytest.approx(wilson_interval(1, 2))
    assert g3.total == 0 and math.isnan(g3.share) and math.isnan(g3.ci_low)  # empty category kept
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
