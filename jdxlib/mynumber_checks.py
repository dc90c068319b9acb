"""Reconcile ``mynumber_cards`` with the published national and by-type totals.

For every snapshot, :func:`summary_check` sums the municipal rows into 全国 / 特別区 / 指定都市 /
市 / 町村 (or 特別区・市 where the publication merges them) and compares them with that
snapshot's ``summary_by_types.csv``: population and cards exactly, rates within 0.1 point.
Municipal types come from :func:`jdxlib.municipal.load_municipalities` (中核市 counts as 市);
the 那珂川 rule and the three published errors are data in ``data/errata/mynumber_summary.yml``.

Examples
--------
>>> from jdxlib.mynumber_checks import summary_check     # doctest: +SKIP
>>> chk = summary_check()
>>> chk[chk["status"] != "ok"]        # the published errors, with their reasons
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from ._paths import ERRATA_DIR
from .constants import CATEGORY_LABELS as _CATEGORY_LABELS
from .constants import TYPE_CATEGORY as _TYPE_CATEGORY

ERRATA_PATH = ERRATA_DIR / "mynumber_summary.yml"
RATE_TOLERANCE = 0.1
FIELDS = ("population", "cards_issued", "rate")
STATUSES = ["ok", "erratum", "mismatch", "erratum_not_reproduced"]

#: published 区分 label -> canonical category; municipalities.type -> canonical category
#: (defined in :mod:`jdxlib.constants`)
CATEGORY_LABELS, TYPE_CATEGORY = _CATEGORY_LABELS, _TYPE_CATEGORY


@lru_cache(maxsize=None)
def errata(path: str = str(ERRATA_PATH)) -> dict:
    """The errata record: ``rules`` (reclassifications) and ``errata`` (published errors)."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def read_summary(path: str | Path) -> pd.DataFrame:
    """One ``summary_by_types.csv``: date, label, category, population, cards_issued, rate."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    need = ["算出基準日", "区分", "人口", "交付枚数", "人口に対する交付枚数率"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(raw.columns)}")
    unknown = sorted(set(raw["区分"]) - set(CATEGORY_LABELS))
    if unknown:
        raise ValueError(f"{path}: unknown 区分 label(s) {unknown}; known: {list(CATEGORY_LABELS)}")
    return pd.DataFrame({
        "date": pd.to_datetime(raw["算出基準日"], format="%Y/%m/%d"),
        "label": raw["区分"],
        "category": raw["区分"].map(CATEGORY_LABELS),
        "population": pd.to_numeric(raw["人口"]).astype("int64"),
        "cards_issued": pd.to_numeric(raw["交付枚数"]).astype("int64"),
        "rate": pd.to_numeric(raw["人口に対する交付枚数率"]).astype("float64"),
    })


def _categories(cards: pd.DataFrame, types: pd.Series, rules: list[dict]) -> pd.Series:
    cat = cards["code"].map(types.map(TYPE_CATEGORY))
    for rule in rules:
        through = pd.Timestamp(str(rule["through"]))
        hit = (cards["code"] == str(rule["code"])) & (cards["date"] <= through)
        cat = cat.where(~hit, rule["category"])
    return cat


def recompute(cards: pd.DataFrame, types: pd.Series, rules: list[dict] | None = None) -> pd.DataFrame:
    """Totals per (date, category) from municipal rows, incl. 全国 and 特別区・市."""
    rules = errata()["rules"] if rules is None else rules
    df = cards.assign(category=_categories(cards, types, rules))
    if df["category"].isna().any():
        bad = df.loc[df["category"].isna(), "code"].unique()[:5]
        raise ValueError(f"codes without a municipal type: {list(bad)}")
    g = df.groupby(["date", "category"])[["population", "cards_issued"]].sum().reset_index()
    nat = df.groupby("date")[["population", "cards_issued"]].sum().reset_index().assign(category="全国")
    wc = df[df["category"].isin(["特別区", "市"])].groupby("date")[["population", "cards_issued"]].sum()
    wc = wc.reset_index().assign(category="特別区・市")
    out = pd.concat([nat, g, wc], ignore_index=True)
    out["population"] = out["population"].astype("int64")
    out["cards_issued"] = out["cards_issued"].astype("int64")
    out["rate"] = out["cards_issued"] / out["population"] * 100
    return out


def summary_check(cards: pd.DataFrame | None = None, progress: bool = True) -> pd.DataFrame:
    """Compare recomputed totals with every snapshot's ``summary_by_types.csv``.

    A check of the data layer: it reads the built tables through :mod:`jdxlib.municipal` and
    the verified upstream summaries through :mod:`jdxlib.sources`; layers above take its result
    (``jdxlib.municipal.summary_check``) and never read the raw files themselves.

    Returns one row per snapshot × published 区分 × field (population, cards_issued, rate) with
    ``published``, ``computed``, ``difference``, ``status`` (ordered: ok / erratum / mismatch /
    erratum_not_reproduced), ``erratum`` (id) and ``reason``.  ``erratum`` rows are the known
    published errors; ``mismatch`` would be a new, unexplained discrepancy.
    """
    from . import sources
    from ._datasets import load

    cards = load("mynumber_cards") if cards is None else cards
    types = load("municipalities").set_index("code")["type"].astype(str)
    dates = sources.mynumber_snapshots()
    paths = sources.fetch_all([f"mynumber_{d}_summary_by_types" for d in dates], progress=progress)
    published = pd.concat([read_summary(p) for p in paths.values()], ignore_index=True)
    computed = recompute(cards, types).set_index(["date", "category"])

    known = {}
    for e in errata()["errata"]:
        for cat in e["categories"]:
            for field in e["fields"]:
                known[(pd.Timestamp(str(e["date"])), cat, field)] = e

    rows = []
    for rec in published.itertuples(index=False):
        key = (rec.date, rec.category)
        if key not in computed.index:
            raise ValueError(f"no municipal rows for {rec.date:%Y-%m-%d} {rec.label}")
        comp = computed.loc[key]
        for field in FIELDS:
            pub, cal = getattr(rec, field), comp[field]
            diff = float(pub) - float(cal)
            ok = abs(diff) <= RATE_TOLERANCE + 1e-9 if field == "rate" else int(pub) == int(cal)
            e = known.get((rec.date, rec.category, field))
            status = ("erratum_not_reproduced" if ok else "erratum") if e else ("ok" if ok else "mismatch")
            rows.append({
                "date": rec.date, "label": rec.label, "category": rec.category, "field": field,
                "published": float(pub), "computed": float(cal), "difference": diff,
                "status": status, "erratum": e["id"] if e else None,
                "reason": e["reason"].strip() if e else None,
            })
    out = pd.DataFrame(rows)
    out["status"] = pd.Categorical(out["status"], categories=STATUSES, ordered=True)
    listed = {(k[0], k[1], k[2]) for k in known}
    seen = set(zip(out["date"], out["category"], out["field"]))
    missing = listed - seen
    if missing:
        raise ValueError(f"errata name rows that are not published: {sorted(missing)}")
    return out


def errata_table() -> pd.DataFrame:
    """The published errors as a small table (for chart notes): date, id, categories, fields, reason."""
    return pd.DataFrame([
        {"date": pd.Timestamp(str(e["date"])), "id": e["id"], "categories": ", ".join(e["categories"]),
         "fields": ", ".join(e["fields"]), "reason": e["reason"].strip()}
        for e in errata()["errata"]
    ])
