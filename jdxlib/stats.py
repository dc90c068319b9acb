"""Small, tested statistics for shares, ranks and percentiles — no scipy needed.

Conventions used throughout jdx
-------------------------------
* A *share* is ``yes / n`` where ``n`` counts the **respondents**: bodies whose status is not
  excluded (``調査無し``, not surveyed) and not missing.  ``share_of_all`` divides by every body
  (``total``) instead; both are reported so the denominator is always visible (1,733
  respondents vs 1,741 bodies for the 推進体制 items).
* The data are **complete counts**: every body answered or is known not to have been
  surveyed.  A share is then a fact about those bodies, not an estimate from a sample, so it
  carries no confidence interval and no difference is "within chance".  What can be uncertain
  is definitions, reference dates and non-response (counted in ``not_surveyed`` and
  ``missing``).  For a small group, ``one_body_pp`` says how many percentage points one body
  moves the share (100 / n).  With ``n = 0`` the share is NaN.
* Ranks are ``"min"`` ranks (1, 2, 2, 4): tied values share the best rank and the next rank
  is skipped; a ``tied`` column says how many share it.  Rank on the values as displayed
  (``decimals``): two prefectures shown as 64.4% get the same rank.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "PercentileResult",
    "median_iqr",
    "percentile_of",
    "rank_with_ties",
    "share_table",
    "PERCENT_DECIMALS",
]

#: Decimals of a percentage as jdx displays it (12.3%); ranks are taken on the same rounding.
PERCENT_DECIMALS = 1


def share_table(
    df: pd.DataFrame,
    by: str | Sequence[str] | None,
    status_col: str = "status",
    yes: str = "実施",
    exclude: Iterable[str] = ("調査無し",),
) -> pd.DataFrame:
    """Count yes / no / not surveyed per group and compute shares (complete counts: no intervals).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per body (and per item, if *by* includes an item column).
    by : str, list of str or None
        Grouping column(s); None gives one row for the whole frame.  Categorical columns keep
        all their categories (a group with no bodies shows zeros and NaN shares).
    status_col : str, default "status"
    yes : str, default "実施"
        The status counted as "yes".
    exclude : iterable of str, default ("調査無し",)
        Statuses that are not answers; counted in ``not_surveyed``, left out of ``n``.

    Returns
    -------
    pandas.DataFrame
        The *by* columns, then

        ``yes``
            bodies with status *yes*;
        ``no``
            respondents with any other status (e.g. 未実施);
        ``not_surveyed``
            bodies with an excluded status (調査無し);
        ``missing``
            bodies with no status at all (NA);
        ``n``
            respondents = ``yes + no`` (the denominator of ``share``);
        ``total``
            all bodies in the group = ``n + not_surveyed + missing``;
        ``share``
            ``yes / n`` (NaN when ``n = 0``);
        ``share_of_all``
            ``yes / total``;
        ``one_body_pp``
            percentage points one body moves ``share`` (``100 / n``; NaN when ``n = 0``):
            the honest statement about a small group, since a complete count has no
            sampling error.

        Counts are ``int64``; shares are fractions in [0, 1] (multiply by 100 for %).
    """
    classes = status_classes(df[status_col], yes=yes, exclude=exclude)
    work = pd.DataFrame(
        {name: (classes == i).astype("int64") for i, name in enumerate(STATUS_CLASSES)}, index=df.index
    )
    if by is None or (not isinstance(by, str) and len(by) == 0):
        out = work.sum().to_frame().T.astype("int64")
        keys: list[str] = []
    else:
        keys = [by] if isinstance(by, str) else list(by)
        for key in keys:
            work[key] = df[key]
        out = (
            work.groupby(keys, observed=False, dropna=False, sort=True)[list(STATUS_CLASSES)]
            .sum()
            .reset_index()
        )
        for col in STATUS_CLASSES:
            out[col] = out[col].fillna(0).astype("int64")
    return shares_from_counts(out, keys)


#: The four classes :func:`share_table` counts, in its column order.
STATUS_CLASSES = ("yes", "no", "not_surveyed", "missing")


def status_classes(status: pd.Series, yes: str = "実施", exclude: Iterable[str] = ("調査無し",)) -> np.ndarray:
    """Index into :data:`STATUS_CLASSES` of every status (0 yes, 1 no, 2 not surveyed, 3 missing)."""
    excluded = {str(e) for e in exclude}
    # compare the (few) distinct statuses as text, then map back by category code: much
    # faster than converting every row to strings
    cat = status.array if isinstance(status.dtype, pd.CategoricalDtype) else pd.Categorical(status)
    codes = np.asarray(cat.codes)
    labels = [str(c) for c in cat.categories]
    out = np.full(len(codes), 1, dtype=np.int64)
    out[np.isin(codes, [i for i, c in enumerate(labels) if c == str(yes)])] = 0
    out[np.isin(codes, [i for i, c in enumerate(labels) if c in excluded and c != str(yes)])] = 2
    out[codes < 0] = 3
    return out


def shares_from_counts(out: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """:func:`share_table`'s result from its key columns and the four counts."""
    out = out.copy()
    out["n"] = out["yes"] + out["no"]
    out["total"] = out["n"] + out["not_surveyed"] + out["missing"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(out["n"] > 0, out["yes"] / out["n"].where(out["n"] > 0, 1), np.nan)
        out["share_of_all"] = np.where(
            out["total"] > 0, out["yes"] / out["total"].where(out["total"] > 0, 1), np.nan
        )
        out["one_body_pp"] = np.where(out["n"] > 0, 100 / out["n"].where(out["n"] > 0, 1), np.nan)
    return out[keys + list(STATUS_CLASSES) + ["n", "total", "share", "share_of_all", "one_body_pp"]
               ].reset_index(drop=True)


def rank_with_ties(values: Any, ascending: bool = False, *, decimals: int | None = None) -> pd.DataFrame:
    """Competition ("min") ranks with the size of each tie.

    Parameters
    ----------
    values : array-like or pandas.Series
        Missing values get no rank.
    ascending : bool, default False
        False ranks the largest value 1 (a share ranking); True ranks the smallest 1.
    decimals : int, optional
        Rank the values as displayed with this many decimals (``f"{v:.1f}"``), so that equal
        displayed values get equal ranks: pass percentages and :data:`PERCENT_DECIMALS`.

    Returns
    -------
    pandas.DataFrame
        Same index as *values* (a RangeIndex for non-Series input), columns

        ``rank``
            Int64 min rank: tied values share the best rank, the next rank skips (1, 2, 2, 4);
        ``tied``
            Int64 number of values sharing that rank (1 = no tie);
        ``rank_label``
            string, ``"2位"`` or ``"2位（3団体同率）"`` for a three-way tie; NA when missing.

    Notes
    -----
    Without *decimals* values are compared exactly.  With it they are rounded the way they are
    printed (Python's formatting of the float), which is what a reader compares.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    if decimals is not None:
        num = num.map(lambda v: v if np.isnan(v) else float(f"{v:.{int(decimals)}f}"))
    rank = num.rank(method="min", ascending=ascending, na_option="keep")
    counts = num.map(num.value_counts(dropna=True))
    out = pd.DataFrame(
        {
            "rank": rank.round().astype("Int64"),
            "tied": counts.round().astype("Int64"),
        },
        index=s.index,
    )
    labels = [
        pd.NA if pd.isna(r) else (f"{r}位" if t == 1 else f"{r}位（{t}団体同率）")
        for r, t in zip(out["rank"], out["tied"])
    ]
    out["rank_label"] = pd.array(labels, dtype="string")
    return out


def median_iqr(
    df: pd.DataFrame, value: str, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """Median and interquartile range of a numeric column, per group.

    Parameters
    ----------
    df : pandas.DataFrame
    value : str
        Numeric column (e.g. an online-application rate in %).
    by : str, list of str or None
        Grouping column(s); None summarises the whole frame.  Categorical groups keep all
        categories.

    Returns
    -------
    pandas.DataFrame
        The *by* columns, then ``n`` (non-missing values), ``missing`` (missing values),
        ``median``, ``q1`` (25th percentile), ``q3`` (75th), ``iqr`` (``q3 - q1``), ``min``,
        ``max``.  Quantiles use linear interpolation (pandas' default; type 7 of Hyndman &
        Fan).  Statistics are NaN for a group without values.
    """
    x = pd.to_numeric(df[value], errors="coerce").astype("float64")

    def summarise(v: np.ndarray) -> dict[str, float]:
        # numpy's linear percentiles are what Series.quantile computes, without its overhead
        vv = v[~np.isnan(v)]
        q1, med, q3 = (np.percentile(vv, [25, 50, 75]).tolist() if len(vv) else [np.nan] * 3)
        return {
            "n": int(len(vv)),
            "missing": int(len(v) - len(vv)),
            "median": med,
            "q1": q1,
            "q3": q3,
            "iqr": q3 - q1,
            "min": float(vv.min()) if len(vv) else np.nan,
            "max": float(vv.max()) if len(vv) else np.nan,
        }

    if by is None or (not isinstance(by, str) and len(by) == 0):
        return pd.DataFrame([summarise(x.to_numpy())])
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    grouped = x.groupby([df[k] for k in keys], observed=False, dropna=False, sort=True)
    for group, sub in grouped:
        group = group if isinstance(group, tuple) else (group,)
        rows.append({**dict(zip(keys, group)), **summarise(sub.to_numpy())})
    out = pd.DataFrame(rows, columns=keys + ["n", "missing", "median", "q1", "q3", "iqr", "min", "max"])
    for key in keys:  # keep categorical dtype and order
        if isinstance(df[key].dtype, pd.CategoricalDtype):
            out[key] = pd.Categorical(out[key], dtype=df[key].dtype)
    out["n"] = out["n"].astype("int64")
    out["missing"] = out["missing"].astype("int64")
    return out


@dataclass(frozen=True)
class PercentileResult:
    """Where one value stands among others (see :func:`percentile_of`).

    Attributes
    ----------
    value : float
    n : int
        Number of non-missing comparison values.
    below, equal, above : int
        How many are strictly below, equal to, strictly above *value*.
    share_below, share_equal, share_above : float
        The same as fractions of ``n``.
    percentile : float
        Mid-rank percentile, ``100 · (below + equal / 2) / n``: ties count half, so a value
        equal to all others is at 50, and the answer does not depend on how ties are broken.
    """

    value: float
    n: int
    below: int
    equal: int
    above: int
    share_below: float
    share_equal: float
    share_above: float
    percentile: float

    @property
    def explanation(self) -> str:
        """Plain Japanese and English sentence with the counts behind the percentile."""
        if self.n == 0:
            return "比較対象がありません / no values to compare with"
        return (
            f"{self.n}団体中、{self.below}団体が下回り、{self.equal}団体が同じ値、"
            f"{self.above}団体が上回る（パーセンタイル {self.percentile:.1f}：同値は半分として数える） / "
            f"of {self.n}, {self.below} below, {self.equal} equal, {self.above} above "
            f"(percentile {self.percentile:.1f}, ties counted half)"
        )


def percentile_of(value: float, values: Any) -> PercentileResult:
    """The percentile of *value* among *values*, with ties made explicit.

    Parameters
    ----------
    value : float
        E.g. one body's number of items implemented.
    values : array-like
        The comparison group (e.g. its peers).  Missing values are dropped.  Whether the body
        itself is among *values* is the caller's choice (jdx peer groups exclude it).

    Returns
    -------
    PercentileResult
        Counts below / equal / above, their shares, the mid-rank percentile and a sentence
        explaining it.  With no values, shares and percentile are NaN.

    Examples
    --------
    >>> r = percentile_of(3, [1, 2, 3, 3, 5])
    >>> (r.below, r.equal, r.above, r.percentile)
    (2, 2, 1, 60.0)
    """
    arr = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(dtype=float)
    v = float(value)
    n = int(arr.size)
    below = int((arr < v).sum())
    equal = int((arr == v).sum())
    above = n - below - equal
    if n == 0:
        nan = float("nan")
        return PercentileResult(v, 0, 0, 0, 0, nan, nan, nan, nan)
    return PercentileResult(
        value=v,
        n=n,
        below=below,
        equal=equal,
        above=above,
        share_below=below / n,
        share_equal=equal / n,
        share_above=above / n,
        percentile=100 * (below + equal / 2) / n,
    )
