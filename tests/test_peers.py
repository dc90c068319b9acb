"""jdxlib.peers: population bands and peer groups (synthetic first, then the real datasets)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jdxlib.peers import BAND_LABELS, POPULATION_BANDS, peer_groups, population_band


def test_band_edges_are_contiguous_and_labelled():
    for (lo, hi, _), (next_lo, _, _) in zip(POPULATION_BANDS, POPULATION_BANDS[1:]):
        assert hi == next_lo
    assert POPULATION_BANDS[0][0] == 0 and POPULATION_BANDS[-1][1] is None
    assert len(set(BAND_LABELS)) == len(BAND_LABELS)


def test_population_band_boundaries_and_missing():
    s = pd.Series([0, 4_999, 5_000, 9_999, 10_000, 499_999, 500_000, None], dtype="Int64")
    out = population_band(s)
    assert out.tolist()[:7] == [
        "5千人未満", "5千人未満", "5千〜1万人", "5千〜1万人", "1万〜3万人", "20万〜50万人", "50万人以上",
    ]
    assert pd.isna(out.iloc[7])
    assert out.cat.ordered and list(out.cat.categories) == list(BAND_LABELS)


def _fake_munis() -> pd.DataFrame:
    # fictional bodies: 12 町 in two prefectures with populations 1,000 .. 12,000, one 町 with
    # no population, two 市
    rows = []
    for i in range(12):
        rows.append((f"9{i % 2 + 1}{300 + i:03d}X", f"9{i % 2 + 1}", f"P{i % 2 + 1}", "町", 1_000 * (i + 1)))
    rows.append(("91399X", "91", "P1", "町", None))
    rows.append(("91201X", "91", "P1", "市", 60_000))
    rows.append(("92201X", "92", "P2", "市", 70_000))
    df = pd.DataFrame(rows, columns=["code", "prefecture_code", "prefecture", "type", "population_2020"])
    df["population_2020"] = df["population_2020"].astype("Int64")
    df["type"] = pd.Categorical(df["type"], ["指定都市", "中核市", "市", "特別区", "町", "村"], ordered=True)
    return df


def test_peer_groups_definitions_exclude_self():
    df = _fake_munis()
    me = df.loc[df["population_2020"] == 6_000, "code"].iloc[0]
    g = peer_groups(me, df, n_similar=3)
    assert set(g) == {"same_prefecture", "same_type", "same_population_band", "similar"}
    for group in g.values():
        assert me not in group.codes
        assert group.size == len(group.codes)
    pref = df.loc[df["code"] == me, "prefecture_code"].iloc[0]
    assert set(g["same_prefecture"].codes) == set(df[(df.prefecture_code == pref) & (df.code != me)].code)
    assert g["same_type"].size == 12  # 13 町 minus itself
    # 5,000-9,999 band: 5,000 7,000 8,000 9,000 (6,000 is itself)
    band = df[df.population_2020.between(5_000, 9_999) & (df.code != me)]
    assert set(g["same_population_band"].codes) == set(band.code)
    # nearest by |log ratio| to 6,000: 7,000 (0.154), 5,000 (0.182), 8,000 (0.288); next
    # would be 4,000 and 9,000 (both log 1.5)
    pop = dict(zip(df.code, df.population_2020))
    assert [pop[c] for c in g["similar"].codes] == [7_000, 5_000, 8_000]


def test_similar_ties_broken_by_code_and_noted():
    df = pd.DataFrame(
        {
            "code": ["A1", "A2", "A3", "A4"],
            "prefecture_code": ["91"] * 4,
            "prefecture": ["P1"] * 4,
            "type": ["町"] * 4,
            "population_2020": pd.array([1_000, 2_000, 300, 2_000], dtype="Int64"),
        }
    )
    # from 1,000: A2 and A4 (2,000 each) are equally near; A3 (300) is farther
    g = peer_groups("A1", df, n_similar=1)["similar"]
    assert g.codes == ("A2",)
    assert "code order" in g.note


def test_missing_population_has_no_band_or_similar_group():
    df = _fake_munis()
    g = peer_groups("91399X", df, n_similar=5)
    assert g["same_population_band"].size == 0 and g["similar"].size == 0
    assert g["similar"].note and g["same_population_band"].note
    assert g["same_type"].size == 12
    other = peer_groups(df.code.iloc[0], df, n_similar=50)["similar"]
    assert "91399X" not in other.codes  # never similar to anyone
    assert other.size == 11 and other.note  # fewer than n_similar: all, with a note


def test_unknown_code_raises():
    with pytest.raises(KeyError):
        peer_groups("000000", _fake_munis())


# --------------------------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def munis(real_data):
    import jdxlib

    return jdxlib.load("municipalities")


def test_real_bands_cover_every_body(munis):
    bands = population_band(munis["population_2020"])
    assert bands.isna().sum() == 1  # 双葉町
    assert munis.loc[bands.isna(), "name"].tolist() == ["双葉町"]
    assert bands.value_counts().sum() == 1_740


def test_real_sapporo_and_setagaya_groups(munis):
    g = peer_groups("011002", munis)
    assert g["same_prefecture"].size == (munis["prefecture"] == "北海道").sum() - 1
    assert g["same_type"].size == 19  # the other 指定都市
    assert g["similar"].size == 19 and g["similar"].note
    g = peer_groups("131121", munis)  # 世田谷区
    assert g["same_type"].size == 22
    band = population_band(munis["population_2020"])
    assert g["same_population_band"].size == (band == "50万人以上").sum() - 1


def test_real_similar_group_is_nearest_same_type(munis):
    code = munis.loc[(munis["type"] == "村") & (munis["prefecture"] == "島根県"), "code"].iloc[0]
    g = peer_groups(code, munis, n_similar=30)["similar"]
    assert g.size == 30
    me = munis.set_index("code").loc[code]
    villages = munis[(munis["type"] == "村") & (munis["code"] != code)].dropna(subset=["population_2020"])
    dist = np.abs(np.log(villages["population_2020"].astype(float) / float(me["population_2020"])))
    cutoff = np.sort(dist.to_numpy())[29]
    chosen = set(g.codes)
    assert all(d <= cutoff for c, d in zip(villages["code"], dist) if c in chosen)
    assert all(d >= cutoff for c, d in zip(villages["code"], dist) if c not in chosen)
