"""National trends from ``national_indicators``: rows, charts, captions and tables.

Values are counts over all bodies of the category where a count is known (recomputed),
otherwise the published percentage; both the basis and the source are kept on every row.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from . import charts, national

BREAK_LABELS = {
    "universe": "母数の変化",
    "definition": "定義の変更",
    "survey_title": "調査の再編",
    "reference_date": "調査時点の変更",
}
CHECK_LABELS = {
    "ok": "公表値と一致",
    "respondent_base_1733": "回答1,733団体を分母とした公表値",
    "denominator_unknown": "分母不明",
    "not_checkable": "件数か割合の一方のみ公表",
    "internally_inconsistent": "公表値が内部で矛盾",
    "superseded_unknown": "後に修正（修正後の値は不明）",
}
LEVEL_JA = charts.LEVEL_LABELS


def trend_rows(series_id: str, since: int | None = None) -> pd.DataFrame:
    """Dated points of one series, with ``published_value`` where MIC corrected the count."""
    rows = national.series_table(series_id, since=since)
    rows = rows[rows["as_of"].notna()].copy()
    pub = rows["published_count"].astype("Float64") / rows["denominator"].astype("Float64") * 100
    rows["published_value"] = pub.astype(float)
    # the published percent of a point whose count and percent contradict each other
    rows["conflicting_value"] = rows["percent"].where(rows["check"].astype(str) == "internally_inconsistent")
    return rows.sort_values(["level", "as_of"]).reset_index(drop=True)


def _fmt_int(v) -> str:
    return "—" if pd.isna(v) else f"{int(v):,}"


def caption(rows: pd.DataFrame) -> str:
    """Survey, reference dates, denominators and the credit line for a set of rows."""
    registry = national.load_indicator_registry().set_index("series_id")
    surveys = sorted({registry.loc[s, "survey"] for s in rows["series_id"].unique()})
    labels = {s: _survey_label(s) for s in surveys}
    dates = rows["as_of"].dropna()
    span = ("記載なし" if not len(dates) else f"{dates.min():%Y-%m-%d}" if dates.min() == dates.max()
            else f"{dates.min():%Y-%m-%d}〜{dates.max():%Y-%m-%d}")
    dens = []
    for lvl, grp in rows.groupby("level", observed=True):
        vals = sorted({int(d) for d in grp["denominator"].dropna()})
        dens.append(f"{LEVEL_JA.get(lvl, lvl)} " + ("／".join(f"{v:,}" for v in vals) if vals else "不明"))
    basis = "団体数÷全団体数で再計算（件数のない時点は公表値）"
    return (f"調査：{'、'.join(labels.values())}。調査時点：{span}。分母：{'; '.join(dens)}。"
            f"値：{basis}。{credit_line(surveys)}")


def credit_line(surveys) -> str:
    """「出典：…を加工して作成」 naming the surveys themselves (each point's source is in the table)."""
    reg = national._registry().get("surveys", {})  # noqa: SLF001 - same package
    names = []
    for sv in surveys:
        rec = reg.get(sv, {})
        producer = str(rec.get("producer", "総務省")).split()[0]
        names.append(f"{producer}「{rec.get('label_ja', sv)}」")
    return f"出典：{'、'.join(dict.fromkeys(names))}（各時点の出典は表のとおり）を加工して作成"


def _survey_label(survey: str) -> str:
    reg = national._registry()  # noqa: SLF001 - same package
    return reg.get("surveys", {}).get(survey, {}).get("label_ja", survey)


def plot_trend(series_id: str, since: int | None = None, ax=None):
    """Trend chart of one series by level, with breaks and MIC corrections marked."""
    rows = trend_rows(series_id, since)
    breaks = national.series_breaks(series_id)
    if since is not None:
        breaks = breaks[breaks["year"] >= int(since)]
    marks = [(pd.Timestamp(int(b.year), 4, 1), BREAK_LABELS.get(b.kind, b.kind)) for b in breaks.itertuples()]
    label = rows["label_ja"].iloc[0] if len(rows) else series_id
    ax = charts.trend(rows, y="value", published="published_value", conflicting="conflicting_value",
                      breaks=marks, title=label, ax=ax)
    return ax


def _date_cell(v) -> str:
    return "記載なし" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d}"


def _count_cell(count, unit) -> str:
    if pd.isna(count):
        return "—"
    unit = "" if pd.isna(unit) or str(unit) == "団体" else str(unit)
    return f"{int(count):,}{unit}"


def points_table(rows: pd.DataFrame) -> pd.DataFrame:
    """A reader's table of the points behind a chart (Japanese headers).

    ``件数`` is a number of bodies unless a unit is written after it (億円, 円/人, 人 …);
    ``再計算(%)`` is only given for numbers of bodies.
    """
    out = pd.DataFrame({
        "指標": rows["label_ja"],
        "区分": rows["level"].map(lambda v: LEVEL_JA.get(v, v)),
        "調査": rows["fiscal_year_survey"].astype("string").str.replace("(inferred)", "（推定）", regex=False),
        "調査時点": rows["as_of"].map(_date_cell),
        "件数": [_count_cell(c, u) for c, u in zip(rows["count"], rows["unit"])],
        "分母": rows["denominator"].map(_fmt_int),
        "公表割合(%)": rows["percent"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        "再計算(%)": rows["percent_all_bodies"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        "修正前の件数": rows["published_count"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "確認": rows["check"].astype(str).map(lambda c: CHECK_LABELS.get(c, c)),
        "出典": rows["source_title"],
    })
    return out.reset_index(drop=True)


def latest_table(themes: Iterable[str], since: int | None = None) -> pd.DataFrame:
    """The latest point of every series of *themes*, per level."""
    rows = national.series_table(themes=list(themes), since=since)
    rows = rows.sort_values(["series_id", "level", "year", "as_of"])
    last = rows.groupby(["series_id", "level"], observed=True).tail(1)
    return points_table(last.sort_values(["theme", "series_id", "level"]))


def _reason(row, errata: pd.DataFrame) -> str:
    """Why a point is flagged, in Japanese, from its own numbers and the errata record."""
    parts = []
    if pd.notna(row["published_count"]) and pd.notna(row["correction"]) and row["correction"] in errata.index:
        e = errata.loc[row["correction"]]
        parts.append(f"総務省が{_date_cell(e['correction_date'])}に修正（公表値{int(row['published_count']):,}→"
                     f"{int(row['count']):,}）。")
    check = str(row["check"])
    pct_all = row["percent_all_bodies"]
    if check == "respondent_base_1733":
        parts.append(f"公表割合{row['percent']:.1f}%は回答{int(row['respondents']):,}団体を分母とした値。"
                     f"全{int(row['denominator']):,}団体を分母にすると{pct_all:.1f}%。")
    elif check == "internally_inconsistent":
        parts.append(f"件数{int(row['count']):,}は全{int(row['denominator']):,}団体の{pct_all:.1f}%で、"
                     f"公表割合{row['percent']:.1f}%と合わない（件数か割合のどちらかが誤り）。")
    elif check == "superseded_unknown" and pd.notna(row["correction"]) and row["correction"] in errata.index:
        e = errata.loc[row["correction"]]
        parts.append(f"総務省が{_date_cell(e['correction_date'])}に再修正したが、修正後の値は不明（表は修正前の値）。")
    return "".join(parts)


def flagged_table(themes: Iterable[str] | None = None) -> pd.DataFrame:
    """Points whose published figures do not reproduce, or were corrected, with the reason."""
    rows = national.series_table(themes=list(themes) if themes else None)
    keep = rows["check"].isin(["respondent_base_1733", "internally_inconsistent", "superseded_unknown"]) | rows[
        "published_count"].notna()
    errata = national.load_errata().set_index("id")
    out = points_table(rows[keep])
    out["理由"] = [_reason(r, errata) for _, r in rows[keep].iterrows()]
    return out


def flagged_section(themes: Iterable[str] | None = None):
    """:func:`flagged_table` as a displayable section with its caption."""
    from .sections import Section

    table = flagged_table(themes)
    rows = national.series_table(themes=list(themes) if themes else None)
    cap = ("総務省が公表後に修正した値と、公表された件数と割合が分母で再現できない値。元の公表値と修正後の値を両方残し、"
           "黙って直すことはしていません。" + credit_line(rows["survey"].astype(str).unique()))
    return Section("公表値の不整合と修正", None, cap, table)


def latest_section(themes: Iterable[str], since: int | None = None):
    """:func:`latest_table` as a displayable section with survey, dates, denominators and credit."""
    from .sections import Section

    rows = national.series_table(themes=list(themes), since=since)
    if rows.empty:
        return None
    return Section("最新の全国値", None, caption(rows), latest_table(themes, since))


def theme_trends(key: str, since: int | None = None):
    """Yield ``(series_id, figure, caption, points table)`` for the trend series of theme *key*.

    Series without at least one dated point since *since* are skipped.
    """
    import matplotlib.pyplot as plt

    from .themes import get

    for series_id in get(key).get("trend_series", []):
        rows = trend_rows(series_id, since)
        if rows.empty:
            continue
        fig, ax = plt.subplots(figsize=(8, 3.8))
        plot_trend(series_id, since, ax=ax)
        yield series_id, fig, caption(rows), points_table(rows)


def show_theme_trends(key: str, since: int | None = None) -> int:
    """Display every trend chart of theme *key* with its caption and points table.

    Says so when the theme has no national time series.  Returns how many were shown.
    """
    from IPython.display import Markdown, display

    from .sections import show_figure, show_table

    shown = 0
    for series_id, fig, text, table in theme_trends(key, since=since):
        show_figure(fig, alt=fig.axes[0].get_title(loc="left") or series_id)
        display(Markdown(f"<small>{text}</small>"))
        show_table(table)
        shown += 1
    if not shown:
        display(Markdown("このテーマには、複数の時点を比べられる全国の時系列がありません。最新の値は次の表のとおりです。"))
    return shown
