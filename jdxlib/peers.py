"""Population bands and peer groups: "where does our town stand, and against whom?".

Population bands
----------------
:data:`POPULATION_BANDS` splits the 1,741 municipalities by 2020 Census population
(``population_2020``) into eight bands, each ``lower <= population < upper``:

==============  =========================  ============================================
band            range                      why this edge
==============  =========================  ============================================
5千人未満        < 5,000                    the smallest towns and villages (≈290 bodies)
5千〜1万人       5,000 – 9,999              (≈240)
1万〜3万人       10,000 – 29,999            3万: a former 合併特例 threshold for 市 (≈450)
3万〜5万人       30,000 – 49,999            5万: the 地方自治法 population requirement for 市 (≈240)
5万〜10万人      50,000 – 99,999            (≈240)
10万〜20万人     100,000 – 199,999          20万: the 中核市 requirement (≈150)
20万〜50万人     200,000 – 499,999          50万: the 指定都市 requirement in law (≈95)
50万人以上       >= 500,000                 (≈35)
==============  =========================  ============================================

Bodies without a population (双葉町, none published in 2020) have no band (``<NA>``).

Peer groups
-----------
:func:`peer_groups` gives, for one municipality, four groups that **exclude the body itself**
(so "its peers' share" never counts its own answer):

``same_prefecture``
    the other municipalities of its prefecture;
``same_type``
    the other municipalities of its type (指定都市 / 中核市 / 市 / 特別区 / 町 / 村) nationally;
``same_population_band``
    the other municipalities of its population band nationally (empty when the body has no
    population);
``similar``
    "similar bodies": the *n_similar* bodies of the same type with the nearest population,
    nearness measured as ``|log(population / own population)|`` (a town of 5,000 is as near
    to one of 4,000 as to one of 6,250).  Bodies without population are never similar to
    anyone; a body without population has no similar group.  Ties at the cut-off are
    broken by code order (deterministic; the group's ``note`` says when that happened).  A
    type with fewer than ``n_similar + 1`` bodies (指定都市 20, 特別区 23) gives all the others.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._memo import derived

__all__ = [
    "BAND_LABELS",
    "POPULATION_BANDS",
    "PEER_GROUP_LABELS",
    "PeerGroup",
    "peer_groups",
    "population_band",
]

#: (lower bound inclusive, upper bound exclusive, label); ``None`` = no upper bound.
POPULATION_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 5_000, "5千人未満"),
    (5_000, 10_000, "5千〜1万人"),
    (10_000, 30_000, "1万〜3万人"),
    (30_000, 50_000, "3万〜5万人"),
    (50_000, 100_000, "5万〜10万人"),
    (100_000, 200_000, "10万〜20万人"),
    (200_000, 500_000, "20万〜50万人"),
    (500_000, None, "50万人以上"),
)

#: Band labels in increasing order (the categories of :func:`population_band`).
BAND_LABELS: tuple[str, ...] = tuple(label for _, _, label in POPULATION_BANDS)

#: Display names of the peer groups.
PEER_GROUP_LABELS: dict[str, str] = {
    "same_prefecture": "同じ都道府県",
    "same_type": "同じ団体区分（全国）",
    "same_population_band": "同じ人口規模（全国）",
    "similar": "人口の近い同区分団体（同区分・人口が近い）",
}


def population_band(population: pd.Series | list | np.ndarray) -> pd.Series:
    """Population band of each value (ordered categorical with :data:`BAND_LABELS`).

    Parameters
    ----------
    population : array-like
        Population counts; missing values give ``<NA>``.

    Returns
    -------
    pandas.Series
        Ordered categorical, same index as *population* when it is a Series.

    Examples
    --------
    >>> population_band(pd.Series([4_999, 5_000, 500_000])).tolist()
    ['5千人未満', '5千〜1万人', '50万人以上']
    """
    s = population if isinstance(population, pd.Series) else pd.Series(population)
    x = pd.to_numeric(s, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    edges = [lo for lo, _, _ in POPULATION_BANDS] + [np.inf]
    codes = np.searchsorted(edges, x, side="right") - 1
    codes = np.where(np.isnan(x) | (x < 0), -1, codes)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=list(BAND_LABELS), ordered=True),
        index=s.index,
        name="population_band",
    )


@dataclass(frozen=True)
class PeerGroup:
    """A named group of peer municipalities.

    Attributes
    ----------
    key : str
        ``same_prefecture``, ``same_type``, ``same_population_band`` or ``similar``.
    label : str
        Japanese display name, e.g. ``"同じ都道府県（北海道）"``.
    definition : str
        One sentence saying who is in it.
    codes : tuple of str
        Member codes (6-digit), the body itself excluded; in code order, except ``similar``
        which is ordered from nearest to farthest population.
    note : str
        Caveats (small group, ties at the cut-off, no population), or "".
    """

    key: str
    label: str
    definition: str
    codes: tuple[str, ...] = field(default=())
    note: str = ""

    @property
    def size(self) -> int:
        """Number of peers (the body itself not counted)."""
        return len(self.codes)

    @property
    def definition_ja(self) -> str:
        """The Japanese half of :attr:`definition` (what reports show)."""
        return self.definition.split(" / ")[0]

    @property
    def note_ja(self) -> str:
        """The Japanese half of :attr:`note` ("" when there is none)."""
        return self.note.split(" / ")[0]


def _require(municipalities: pd.DataFrame) -> None:
    needed = {"code", "prefecture_code", "prefecture", "type", "population_2020"}
    missing = needed - set(municipalities.columns)
    if missing:
        raise ValueError(f"municipalities lacks columns: {', '.join(sorted(missing))}")


def peer_groups(
    code: str,
    municipalities: pd.DataFrame | None = None,
    n_similar: int = 30,
) -> dict[str, PeerGroup]:
    """The four peer groups of one municipality.

    Parameters
    ----------
    code : str
        6-digit code of the body (use :func:`jdxlib.names.resolve_municipality` for names).
    municipalities : pandas.DataFrame, optional
        The ``municipalities`` dataset (default: ``jdxlib.load("municipalities")``); needs
        ``code``, ``prefecture_code``, ``prefecture``, ``type``, ``population_2020``.
    n_similar : int, default 30
        Size of the "similar bodies" group.

    Returns
    -------
    dict of str to PeerGroup
        Keys ``same_prefecture``, ``same_type``, ``same_population_band``, ``similar`` (see
        the module docstring for the definitions); each group has ``.size`` and ``.codes``.

    Raises
    ------
    KeyError
        If *code* is not in *municipalities*.
    """
    if n_similar < 1:
        raise ValueError("n_similar must be at least 1")
    if municipalities is None:
        return _national_peer_groups(str(code), n_similar)
    return _peer_groups(code, municipalities, n_similar)


@derived("municipalities", maxsize=256)
def _national_peer_groups(code: str, n_similar: int) -> dict[str, PeerGroup]:
    from . import _datasets  # not the package root, which sits above the layers

    return _peer_groups(code, _datasets.load("municipalities"), n_similar)


def _peer_groups(code: str, municipalities: pd.DataFrame, n_similar: int) -> dict[str, PeerGroup]:
    _require(municipalities)
    df = municipalities.copy()
    df["code"] = df["code"].astype(str)
    df = df.sort_values("code").reset_index(drop=True)
    code = str(code)
    me = df[df["code"] == code]
    if me.empty:
        raise KeyError(f"{code!r} is not in the municipalities table")
    me = me.iloc[0]
    bands = population_band(df["population_2020"])
    df["population_band"] = bands
    others = df[df["code"] != code]
    my_band = bands[df["code"] == code].iloc[0]
    my_pop = me["population_2020"]
    my_type = str(me["type"])

    def codes(frame: pd.DataFrame) -> tuple[str, ...]:
        return tuple(frame["code"].tolist())

    groups: dict[str, PeerGroup] = {}
    same_pref = others[others["prefecture_code"].astype(str) == str(me["prefecture_code"])]
    groups["same_prefecture"] = PeerGroup(
        "same_prefecture",
        f"{PEER_GROUP_LABELS['same_prefecture']}（{me['prefecture']}）",
        f"{me['prefecture']}の他の市区町村 / the other municipalities of {me['prefecture']}",
        codes(same_pref),
        _small_note(len(same_pref)),
    )
    same_type = others[others["type"].astype(str) == my_type]
    groups["same_type"] = PeerGroup(
        "same_type",
        f"{PEER_GROUP_LABELS['same_type']}（{my_type}）",
        f"全国の他の{my_type} / every other {my_type} in Japan",
        codes(same_type),
        _small_note(len(same_type)),
    )
    if pd.isna(my_band):
        groups["same_population_band"] = PeerGroup(
            "same_population_band",
            PEER_GROUP_LABELS["same_population_band"],
            "2020年人口の公表値がないため定義できません / undefined: no 2020 population",
            (),
            "2020年国勢調査の人口が公表されていないため、人口規模による比較はできません / "
            "no 2020 Census population was published for this body",
        )
    else:
        same_band = others[others["population_band"] == my_band]
        groups["same_population_band"] = PeerGroup(
            "same_population_band",
            f"{PEER_GROUP_LABELS['same_population_band']}（{my_band}）",
            f"全国の人口{my_band}の他の市区町村 (2020年国勢調査) / every other municipality "
            f"with a 2020 population of {my_band}",
            codes(same_band),
            _small_note(len(same_band)),
        )
    groups["similar"] = _similar(others, my_type, my_pop, n_similar)
    return groups


def _small_note(size: int, small: int = 10) -> str:
    if size == 0:
        return "比較対象がありません / no peers"
    if size < small:
        return f"比較対象が{size}団体と少ないため、割合は大きく変動します / only {size} peers: shares are unstable"
    return ""


def _similar(others: pd.DataFrame, my_type: str, my_pop, n_similar: int) -> PeerGroup:
    label = PEER_GROUP_LABELS["similar"]
    definition = (
        f"同じ区分（{my_type}）で人口が最も近い{n_similar}団体（人口比の対数距離、同距離はコード順） / "
        f"the {n_similar} {my_type} bodies with the nearest 2020 population (|log ratio|; ties "
        "at the cut-off by code)"
    )
    if pd.isna(my_pop) or float(my_pop) <= 0:
        return PeerGroup(
            "similar", label, definition, (),
            "2020年人口の公表値がないため人口の近い同区分団体を定義できません / undefined: no 2020 population",
        )
    pool = others[others["type"].astype(str) == my_type].copy()
    pop = pd.to_numeric(pool["population_2020"], errors="coerce").astype("Float64")
    pool["_pop"] = pop.to_numpy(dtype=float, na_value=np.nan)
    pool = pool[pool["_pop"] > 0]
    pool["_dist"] = np.abs(np.log(pool["_pop"] / float(my_pop)))
    pool = pool.sort_values(["_dist", "code"], kind="mergesort")
    chosen = pool.head(n_similar)
    notes = []
    if len(pool) <= n_similar:
        notes.append(
            f"{my_type}は自団体を除き{len(pool)}団体のため全団体 / only {len(pool)} other "
            f"{my_type} bodies with a population: all are included"
        )
    else:
        cutoff = chosen["_dist"].iloc[-1]
        tied_out = int((pool["_dist"].iloc[n_similar:] == cutoff).sum())
        if tied_out:
            notes.append(
                f"境界で同距離の{tied_out}団体をコード順で除外 / {tied_out} bodies tied at the "
                "cut-off were left out by code order"
            )
    if len(chosen) and len(chosen) < 10:
        notes.append(_small_note(len(chosen)))
    lo, hi = (int(chosen["_pop"].min()), int(chosen["_pop"].max())) if len(chosen) else (0, 0)
    if len(chosen):
        definition += f"; 人口 {lo:,}〜{hi:,}人 / population {lo:,}–{hi:,}"
    return PeerGroup(
        "similar", f"{label}（{len(chosen)}団体）", definition, tuple(chosen["code"]), " ".join(notes)
    )
