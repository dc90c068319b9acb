"""National trends from ``national_indicators``: rows, charts, captions and tables.

One fact has one headline number: where a percentage was published and reproduces from its
count (over all bodies, or over the respondents as for the R5 推進体制 items: 1,270 of 1,733 =
73.3%), that published figure is the headline, and the percentage over all bodies stands
beside it in the tables.  Otherwise the headline is the count over all bodies of the category,
or the published percentage where no count is known.

"Latest" means the latest round of each series' own survey (:func:`latest_rows`): series
without a value in that round, or from surveys that ended, are listed separately with the
year of their last value.
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd

from . import charts, national
from .constants import DASHBOARD_RELEASE
from ._tidy.trends import (  # noqa: F401 - re-exported: the numeric half lives in the tables layer
    _REPRODUCING, ENDED_SURVEYS, flagged_rows, headline, latest_rows, national_themes_for, survey_latest_years,
    trend_rows,
)
_flagged_rows = flagged_rows

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
def _fmt_int(v) -> str:
    return "—" if pd.isna(v) else f"{int(v):,}"


def caption(rows: pd.DataFrame) -> str:
    """Survey, reference dates, denominators, markers and the credit line for a set of rows."""
    registry = national.load_indicator_registry().set_index("series_id")
    surveys = sorted({registry.loc[s, "survey"] for s in rows["series_id"].unique()})
    labels = {s: _survey_label(s) for s in surveys}
    dates = rows["as_of"].dropna()
    span = ("記載なし" if not len(dates) else f"{dates.min():%Y-%m-%d}" if dates.min() == dates.max()
            else f"{dates.min():%Y-%m-%d}〜{dates.max():%Y-%m-%d}")
    dens = []
    for lvl, grp in rows.groupby("level", observed=True):
        vals = sorted({int(d) for d in grp["denominator"].dropna()})
        other = [_DENOMINATOR_BASIS[b] for b in dict.fromkeys(grp["denominator_basis"].dropna().astype(str))
                 if b in _DENOMINATOR_BASIS]
        text = "／".join([f"{v:,}" for v in vals] + other) or "不明"
        dens.append(f"{LEVEL_JA.get(lvl, lvl)} {text}")
    basis = ("公表された割合が件数から再現できる時点は公表値（回答団体を分母とする値を含む）、"
             "それ以外は団体数÷全団体数（件数のない時点は公表値）")
    if set(rows["denominator_basis"].dropna().astype(str)) == {"population"}:
        # a rate over population (マイナンバーカード保有枚数率), not a share of bodies
        basis = "公表された率（枚数÷人口）をそのまま使う（団体の数の割合ではない）"
    return (f"調査：{'、'.join(labels.values())}。調査時点：{span}。分母：{'; '.join(dens)}。"
            f"値：{basis}。{source_notes(rows)}{credit_line(rows)}")


#: Denominators that are not a number of bodies, as written in captions and tables.
_DENOMINATOR_BASIS = {"population": "人口（住民基本台帳。人数は出典に記載なし）", "none": "なし（件数のみ）"}


def source_notes(rows: pd.DataFrame) -> str:
    """Sentences on secondary points, inferred dates and disagreeing sources among *rows*."""
    parts = []
    secondary = rows["secondary"].fillna(False).astype(bool)
    if secondary.any():
        parts.append(f"{len(rows)}点のうち{int(secondary.sum())}点は二次資料（報道・ブログ・解説記事などが"
                     "伝えた値。図では白抜きの点、表では「二次資料」欄の○）。")
    if rows["as_of_inferred"].fillna(False).astype(bool).any():
        parts.append("出典に調査時点が書かれておらず、調査の回を推定した値を含む（表の調査時点に「推定」と記載。"
                     "調査名も出典にない値は、どの調査の値かも推定）。"
                     if any(_series_record(sid).get("survey_inferred") for sid in rows["series_id"].unique())
                     else "出典に調査時点が書かれておらず、調査の回を推定した値を含む（表の調査時点に「推定」と記載）。")
    if rows["conflict"].notna().any():
        parts.append("出典によって値が違う時点は、どちらかを選ばずに両方を示す（表の確認欄）。")
    return "".join(parts)


def source_count_text(themes: Iterable[str] | None = None) -> str:
    """One Japanese sentence: how many national figures are primary and how many secondary.

    Counted from ``national_indicators`` (rows of *themes* when given, else all rows).
    """
    df = national.load_national_indicators()
    if themes is not None:
        df = df[df["theme"].astype(str).isin(list(themes))]
    counts = national.source_counts(df).set_index("secondary")
    p, s = counts.loc[False], counts.loc[True]
    return (f"全国値{len(df):,}点のうち、総務省などが自ら公表した資料（一次資料）から読んだ値は{int(p['figures']):,}点"
            f"（{int(p['publications']):,}資料）、報道・ブログ・解説記事など（二次資料）が伝えた値は{int(s['figures']):,}点"
            f"（{int(s['publications']):,}資料）です。二次資料の値は、図では白抜きの点、表では「二次資料」欄の○で示し、"
            "出典にはその値を伝えた公表物を記します。")


def _date_label(published) -> str:
    return "" if pd.isna(published) or not str(published) else f"（{published}）"


def publication_label(row) -> str:
    """Who published the page a figure was read from, e.g. 「ITmedia オルタナティブ・ブログ（2024-04）」."""
    if bool(row["secondary"]):
        return f"{row['publisher']}{_date_label(row['published'])}"
    return f"{row['publisher']}「{row['publication']}」{_date_label(row['published'])}"


def credit_line(rows: pd.DataFrame) -> str:
    """「出典：…を加工して作成」 naming every publication the figures of *rows* were read from.

    Primary publications are named with their title; secondary ones are credited as such:
    「〇〇（2024-04）が伝えた総務省「…調査」の値（二次資料）」.
    """
    reg = national._registry().get("surveys", {})  # noqa: SLF001 - same package
    rows = rows.sort_values(["secondary", "published", "publisher"], kind="stable", na_position="first")
    primary = [publication_label(r) for _, r in rows[~rows["secondary"].astype(bool)].iterrows()]
    parts = list(dict.fromkeys(primary))
    secondary = rows[rows["secondary"].astype(bool)]
    for survey, grp in secondary.groupby(secondary["survey"].astype(str), sort=True):
        rec = reg.get(survey, {})
        producer = str(rec.get("producer", "総務省")).split()[0]
        pubs = "、".join(dict.fromkeys(publication_label(r) for _, r in grp.iterrows()))
        parts.append(f"{pubs}が伝えた{producer}「{rec.get('label_ja', survey)}」の値（二次資料）")
    return f"出典：{'、'.join(parts)}を加工して作成"


def _series_record(series_id: str) -> dict:
    reg = national._registry()  # noqa: SLF001 - same package
    return next((s for s in reg["series"] if s["series_id"] == series_id), {})


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
                      secondary="secondary", breaks=marks, title=label, ax=ax)
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
    ``公表割合(%)`` is the published figure over ``回答団体`` where given, else over ``分母``;
    ``全団体を分母(%)`` (count ÷ all bodies) stands beside it and is only given for numbers
    of bodies.
    """
    out = pd.DataFrame({
        "指標": rows["label_ja"],
        "区分": rows["level"].map(lambda v: LEVEL_JA.get(v, v)),
        "調査": rows["fiscal_year_survey"].astype("string").str.replace("(inferred)", "（推定）", regex=False),
        "調査時点": [_date_cell(d) + ("（推定）" if bool(i) and pd.notna(d) else "")
                 for d, i in zip(rows["as_of"], rows["as_of_inferred"])],
        "件数": [_count_cell(c, u) for c, u in zip(rows["count"], rows["unit"])],
        "分母": [{"population": "人口", "none": "なし"}.get(str(b), _fmt_int(d))
               for d, b in zip(rows["denominator"], rows["denominator_basis"])],
        "回答団体": rows["respondents"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "公表割合(%)": rows["percent"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        "全団体を分母(%)": rows["percent_all_bodies"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}"),
        "修正前の件数": rows["published_count"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
        "確認": [("人口が分母（人数の記載なし）" if str(b) == "population" else
                "件数のみ（分母なし）" if str(b) == "none" else CHECK_LABELS.get(str(c), str(c)))
               + ("。出典により値が異なる" if pd.notna(k) else "")
               for c, k, b in zip(rows["check"], rows["conflict"], rows["denominator_basis"])],
        "二次資料": rows["secondary"].map(lambda v: "○" if bool(v) else ""),
        "出典": [publication_label(r) for _, r in rows.iterrows()],
    })
    return out.reset_index(drop=True)


def latest_table(themes: Iterable[str], since: int | None = None) -> pd.DataFrame:
    """The latest point of every series of *themes* observed in its survey's latest round, per level."""
    return points_table(latest_rows(themes, since)[0])


def discontinued_table(themes: Iterable[str], since: int | None = None) -> pd.DataFrame:
    """Series of *themes* without a value in their survey's latest round: last value, newest first."""
    past = latest_rows(themes, since)[1]
    out = points_table(past)
    out.insert(0, "最後の値の年", past["year"].map(lambda v: f"{int(v)}年").to_numpy())
    return out


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
    rows = _flagged_rows(themes)
    keep = pd.Series(True, index=rows.index)
    errata = national.load_errata().set_index("id")
    out = points_table(rows[keep])
    out["理由"] = [_reason(r, errata) for _, r in rows[keep].iterrows()]
    return out


def flagged_section(themes: Iterable[str] | None = None):
    """:func:`flagged_table` as a displayable section with its caption."""
    from .sections import Section

    table = flagged_table(themes)
    rows = _flagged_rows(themes)
    cap = (f"総務省が公表後に修正した値と、公表された件数と割合が分母で再現できない値（{len(table)}時点）。"
           "元の公表値と修正後の値を両方残し、黙って直すことはしていません。" + source_notes(rows) + credit_line(rows))
    return Section("公表値の不整合と修正", None, cap, table)


def _rounds_text(rows: pd.DataFrame) -> str:
    years = rows.groupby(rows["survey"].astype(str))["survey_latest_year"].first()
    return "、".join(f"{_survey_label(sv)}は{int(y)}年" for sv, y in years.items() if pd.notna(y))


def latest_section(themes: Iterable[str], since: int | None = None):
    """:func:`latest_table` as a displayable section with survey, dates, denominators and credit.

    None when *themes* have no national series.
    """
    from .sections import Section

    cur, _ = latest_rows(themes, since)
    if cur.empty:
        return None
    lead = (f"各調査の最新回に値のある系列だけを示します（最新回：{_rounds_text(cur)}）。"
            "最新回に値のない系列は次の表に分けています。")
    return Section("最新の全国値", None, lead + caption(cur), points_table(cur))


def discontinued_section(themes: Iterable[str], since: int | None = None):
    """:func:`discontinued_table` as a section headed with the years of the last values (None if empty)."""
    from .sections import Section

    _, past = latest_rows(themes, since)
    if past.empty:
        return None
    years = sorted({int(y) for y in past["year"].dropna()})
    span = f"{years[0]}年" if len(years) == 1 else f"{years[0]}〜{years[-1]}年"
    ended = [_survey_label(s) for s in ENDED_SURVEYS if (past["survey"].astype(str) == s).any()]
    lead = ("それぞれの調査の最新回に値がない系列（調査項目の廃止・変更、または終了した調査）の最後の値です。"
            "最新の値と並べて比べないでください。"
            + (f"終了した調査：{'、'.join(ended)}。" if ended else ""))
    return Section(f"最新回に値のない系列（最後の値：{span}）", None, lead + caption(past), discontinued_table(themes, since))


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


#: National series and the dashboard item that counts the same thing per body.
DASHBOARD_COUNTERPARTS = {
    "cio_appointed": "cio_appointed",
    "dx_policy_formulated": "dx_policy_formulated",
    "ai_introduced_dx_summary": "ai_introduced",
    "rpa_introduced_dx_summary": "rpa_introduced",
    "telework_introduced_dx_summary": "telework_introduced",
}


def dashboard_comparison(themes: Iterable[str]) -> pd.DataFrame:
    """The latest municipal national figure beside the dashboard's count of the same item.

    Returns
    -------
    pandas.DataFrame
        One row per series of *themes* in :data:`DASHBOARD_COUNTERPARTS`: ``series_id``,
        ``label_ja``, ``fiscal_year_survey``, ``source_title``, ``count``, ``denominator``,
        ``respondents``, ``national_pct`` (the headline), ``dashboard_yes``, ``dashboard_n``
        (respondents), ``dashboard_total``, ``dashboard_pct`` (yes / respondents × 100) and
        ``same`` (the counts agree).
    """
    from . import _datasets  # not the package root, which sits above the layers

    rows = national.series_table(series_ids=list(DASHBOARD_COUNTERPARTS), level="municipality",
                                 themes=list(themes))
    if rows.empty:
        return pd.DataFrame()
    last = rows.sort_values(["series_id", "year", "as_of"]).groupby("series_id").tail(1).copy()
    last["national_pct"] = headline(last)
    dx = _datasets.load("dx_status")
    dx = dx[dx["level"].astype(str) == "municipality"]
    out = []
    for r in last.itertuples():
        st = dx.loc[dx["indicator_id"] == DASHBOARD_COUNTERPARTS[r.series_id], "status"].astype("string")
        yes, n = int((st == "実施").sum()), int(st.isin(["実施", "未実施"]).sum())
        out.append({"series_id": r.series_id, "year": r.year, "label_ja": r.label_ja, "fiscal_year_survey": r.fiscal_year_survey,
                    "source_title": r.source_title, "count": r.count, "denominator": r.denominator,
                    "respondents": r.respondents, "national_pct": r.national_pct, "dashboard_yes": yes,
                    "dashboard_n": n, "dashboard_total": int(len(st)), "dashboard_pct": 100 * yes / n if n else float("nan"),
                    "same": bool(pd.notna(r.count) and int(r.count) == yes)})
    return pd.DataFrame(out)


def _points_of(t: pd.DataFrame) -> pd.DataFrame:
    """The municipal national rows behind the (series_id, year) pairs of *t*."""
    rows = national.series_table(series_ids=list(t["series_id"]), level="municipality")
    keys = set(zip(t["series_id"], t["year"]))
    return rows[[k in keys for k in zip(rows["series_id"], rows["year"])]]


def dashboard_comparison_section(themes: Iterable[str]):
    """Say once why a national figure and the dashboard differ (None when the themes have no such pair)."""
    from .sections import Section

    t = dashboard_comparison(themes)
    if t.empty:
        return None

    def cell(k, n, pct):
        return "—" if pd.isna(k) else f"{int(k):,}／{int(n):,}団体（{pct:.1f}%）"

    table = pd.DataFrame({
        "指標": t["label_ja"],
        "全国値（調査）": t["fiscal_year_survey"].astype(str),
        "全国値": [cell(k, r if pd.notna(r) else d, p) for k, r, d, p in
                 zip(t["count"], t["respondents"], t["denominator"], t["national_pct"])],
        f"ダッシュボード（{DASHBOARD_RELEASE}公開）": [cell(k, n, p) for k, n, p in
                                      zip(t["dashboard_yes"], t["dashboard_n"], t["dashboard_pct"])],
        "件数": ["一致" if s else "不一致" for s in t["same"]],
    })
    differ = t[~t["same"]]
    if len(differ):
        names = "、".join(f"{r.label_ja}（{int(r.count):,}団体と{r.dashboard_yes:,}団体）" for r in differ.itertuples()
                         if pd.notna(r.count))
        why = (f"{names}は、全国値とダッシュボードとで件数が違います。どちらも全団体を分母とする同じ項目ですが、"
               f"全国値は{'・'.join(sorted(set(differ['fiscal_year_survey'].astype(str))))}の取りまとめを引用した資料の値、"
               "ダッシュボードは2024年7月公開の値で、どちらにも調査時点の"
               "記載がありません。別の時点の集計とみられ、どちらが新しい時点かはこのデータからは確かめられません。"
               "このレポートでは、全国の推移には全国値を、団体別の分析にはダッシュボードの値を使い、両者を混ぜません。")
    else:
        why = "全国値とダッシュボードの件数と割合は一致します。"
    from . import _datasets  # not the package root, which sits above the layers

    cap = (why + "割合の分母：全国値は公表された割合の分母（回答団体が示されていればその数）、ダッシュボードは回答団体"
           "（調査無しを除く）。" + credit_line(_points_of(t))
           + "。" + _datasets.describe("dx_status").credit_line)
    return Section("全国値とダッシュボードの値の違い", None, cap, table)


def national_sections(themes: Iterable[str], since: int | None = None) -> list:
    """The national tables of a theme report: latest values, past series, and dashboard differences."""
    secs = [latest_section(themes, since), discontinued_section(themes, since), dashboard_comparison_section(themes)]
    return [s for s in secs if s is not None]
