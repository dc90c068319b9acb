"""Sections of the open-data report (notebook ``10_opendata``): figures, Japanese captions, tables.

Numbers come from :mod:`jdxlib.opendata`; this module only words and draws them.  Every
caption names the survey, its reference period, the denominator (respondents) and the credit
line 「出典：…を加工して作成」, and every chart and table shows the non-respondents.
"""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import charts, opendata
from ._datasets import describe
from .formatting import share_text
from .palette import NONRESPONSE_COLORS as _NONRESPONSE_COLORS
from .sections import Section, int_text, prefecture_choropleth, unknown_band_note

__all__ = [
    "SURVEY_NAMES",
    "body_section",
    "bounds_section",
    "caption",
    "dx_section",
    "headline_text",
    "municipal_map_section",
    "panel_section",
    "prefecture_map_section",
    "prefecture_table_section",
    "publication_section",
    "question_section",
    "ranking_section",
    "status_section",
]

SURVEY_NAMES = {
    "2024": "デジタル庁「地方公共団体におけるオープンデータの取組に関するアンケート」（令和6年度）",
    "2020": "内閣官房IT総合戦略室「地方公共団体へのオープンデータの取組に関するアンケート」（令和2年度）",
}
NONRESPONSE_COLORS = _NONRESPONSE_COLORS
NONRESPONSE_NOTE = ("未提出＝調査に回答しなかった団体、未確認＝回答の状況が確認できなかった団体、"
                    "無回答＝回答を提出したがこの設問に答えていない団体。")
STATUS_NOTE = "未提出＝調査に回答しなかった団体、未確認＝回答の状況が確認できなかった団体。"
BY_LABELS = {None: "全国", "type": "団体区分", "population_band": "人口規模", "prefecture": "都道府県"}
LEVEL_LABELS = {"municipality": "市区町村", "prefecture": "都道府県", "all": "都道府県と市区町村"}
CHANGE_LABELS = {"up": "上がった", "same": "変わらない", "down": "下がった", "not_comparable": "比べられない"}



def _credit(wave: str) -> str:
    return describe("opendata_survey").extra["credits"][wave]


def _period(wave: str) -> str:
    from ._build.opendata import questionnaire

    return questionnaire()["waves"][wave]["reference_period"]


def caption(waves: Sequence[str] | str, denominator: str, *, extra: str = "") -> str:
    """「調査：…。調査時点：…。分母：…。出典：…を加工して作成」 for one or both waves."""
    waves = [waves] if isinstance(waves, str) else list(waves)
    survey = "／".join(SURVEY_NAMES[w] for w in waves)
    period = "／".join(f"{w}年度調査は{_period(w)}" for w in waves)
    credits = "　".join(_credit(w) for w in waves)
    return f"調査：{survey}。調査時点：{period}。分母：{denominator}。{extra}{credits}"


def _option_colors(n: int) -> list:
    cmap = plt.get_cmap("viridis")
    return [cmap(x) for x in np.linspace(0.15, 0.85, n)] if n > 1 else [charts.BASE]


# ------------------------------------------------------------------------------ status


def status_section(wave: str = "2024", by: str | None = "type", level: str = "municipality") -> Section:
    """Who answered: 提出済 / 未提出 / 未確認 by type or population band (counts and shares of all bodies)."""
    st = opendata.status_table(wave, by, level)
    wide = st.pivot(index="group", columns="status", values="count").fillna(0).astype(int)
    wide = wide[[c for c in opendata.STATUSES if c in wide.columns]]
    total = wide.sum(axis=1)
    groups = [str(g) for g in wide.index]
    fig, ax = plt.subplots(figsize=(8, 0.34 * len(groups) + 1.3))
    left = np.zeros(len(groups))
    colors = {"提出済": charts.BASE, **NONRESPONSE_COLORS}
    for st_ in wide.columns:
        share = (wide[st_] / total.where(total > 0, 1)).to_numpy() * 100
        ax.barh(range(len(groups)), share, left=left, color=colors[st_], label=st_, height=0.7)
        left += share
    for i, (g, t) in enumerate(zip(groups, total)):
        ax.text(101, i, f"{int(t):,}団体", va="center", fontsize=7.5, color="0.25")
    ax.set_yticks(range(len(groups)), groups)
    ax.grid(False, axis="y")
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("全団体に占める割合（％）")
    ax.legend(loc="lower right", fontsize=8, ncol=3, bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(f"{wave}年度調査の回答状況（{BY_LABELS[by]}別）", loc="left", pad=18)
    fig.tight_layout()
    table = pd.DataFrame({BY_LABELS[by]: groups})
    for c in wide.columns:
        table[c] = [f"{int(k):,}（{share_text(k / t if t else np.nan)}）" for k, t in zip(wide[c], total)]
    table["全団体"] = [int_text(t) for t in total]
    cap = caption(wave, f"全{LEVEL_LABELS[level]}{int(total.sum()):,}団体（回答状況の割合は全団体に対する割合）",
                  extra=STATUS_NOTE + (unknown_band_note() if by == "population_band" else ""))
    return Section(f"回答状況（{wave}年度、{BY_LABELS[by]}別）", fig, cap, table)


# ------------------------------------------------------------------------------ one question


def question_section(question_id: str, wave: str = "2024", by: str | None = None,
                     level: str = "municipality", highlight=None, title: str | None = None) -> Section:
    """Shares of every option over the question's respondents, with the non-respondents beside them."""
    q = opendata.question(question_id, wave)
    sh = opendata.option_shares(question_id, wave, by, level)
    answers = sh[sh["kind"] == "answer"]
    opts = list(dict.fromkeys(answers["category"]))
    groups = list(dict.fromkeys(sh["group"].astype(str)))
    first = sh.drop_duplicates("group").set_index(sh.drop_duplicates("group")["group"].astype(str))
    multi = q["type"] == "multi"
    marked = []
    if highlight is not None and by is not None:
        who = opendata.bodies(level)
        row = who[who["code"] == highlight.code]
        if len(row):
            marked = [str(row[by].iloc[0])]
    height = 0.36 * len(groups) + 1.4 if not multi else 0.34 * len(opts) + 1.4
    fig, ax = plt.subplots(figsize=(10, max(height, 0.22 * len(opts) + 1.2)))
    if multi:  # one bar per option (shares add up to more than 100%)
        t = answers.assign(group=answers["group"].astype(str))
        t = t[t["group"] == groups[0]]
        charts.share_bars(t, label="category", share="share", yes="count", n="respondents", ax=ax,
                          xlabel="回答団体に占める割合（％）", title=f"{title or q['label']}（複数回答、{groups[0]}）")
    else:
        colors = dict(zip(opts, _option_colors(len(opts))))
        left = np.zeros(len(groups))
        for o in opts:
            vals = np.array([answers[(answers["group"].astype(str) == g) & (answers["category"] == o)]["share"].iloc[0]
                             for g in groups], dtype=float)
            vals = np.nan_to_num(vals) * 100
            ax.barh(range(len(groups)), vals, left=left, color=colors[o], label=o, height=0.7)
            left += vals
        labels = []
        for g in groups:
            n, nr = (int(first.loc[g, c]) for c in ("respondents", "nonrespondents"))
            labels.append(f"{'▶ ' if g in marked else ''}{g}（回答{n:,}・未回答{nr:,}）")
        ax.set_yticks(range(len(groups)), labels)
        for lab in ax.get_yticklabels():
            if lab.get_text().startswith("▶"):
                lab.set_color(charts.HIGHLIGHT)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(False, axis="y")
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel("回答団体に占める割合（％）")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.set_title(title or q["label"], loc="left")
    fig.tight_layout()
    table = _question_table(sh, by)
    n_all = int(first["total"].sum())
    cap = caption(wave, f"この設問に答えた{LEVEL_LABELS[level]}（{BY_LABELS[by]}ごとの回答団体数は表のとおり、"
                        f"全{n_all:,}団体）。未回答の団体は分母に含めず、表に団体数を示す",
                  extra=("複数回答のため割合の合計は100%を超える。" if multi else "") + NONRESPONSE_NOTE
                        + (unknown_band_note() if by == "population_band" else ""))
    return Section(title or f"{q['label']}（{wave}年度、{BY_LABELS[by]}）", fig, cap, table)


def _question_table(sh: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Options (then 未提出, 未確認, 無回答, 回答団体, 全団体) as rows, groups as columns."""
    groups = list(dict.fromkeys(sh["group"].astype(str)))
    cats = [c for c in dict.fromkeys(sh["category"])
            if c != opendata.NO_ANSWER or sh.loc[sh["category"] == c, "count"].sum() > 0]
    rows = []
    for c in cats:
        sub = sh[sh["category"] == c].assign(group=lambda d: d["group"].astype(str)).set_index("group")
        answer = sub["kind"].iloc[0] == "answer"
        row = {"回答": c}
        for g in groups:
            k = int(sub.loc[g, "count"])
            row[g] = f"{k:,}（{share_text(sub.loc[g, 'share'])}）" if answer else f"{k:,}"
        rows.append(row)
    first = sh.drop_duplicates("group").assign(group=lambda d: d["group"].astype(str)).set_index("group")
    rows.append({"回答": "回答団体（分母）", **{g: int_text(first.loc[g, "respondents"]) for g in groups}})
    rows.append({"回答": "全団体", **{g: int_text(first.loc[g, "total"]) for g in groups}})
    return pd.DataFrame(rows)


def bounds_section(question_id: str, yes: Sequence[str], wave: str = "2024", by: str | None = "type",
                   level: str = "municipality", label: str | None = None) -> Section:
    """The share among respondents and the range it could take over all bodies."""
    q = opendata.question(question_id, wave)
    b = opendata.bounds(question_id, yes, wave, by, level)
    b = b.assign(group=b["group"].astype(str))
    what = label or "・".join(yes)
    fig, ax = plt.subplots(figsize=(8, 0.36 * len(b) + 1.3))
    charts.share_bars(b, label="group", share="share", low="low", high="high", yes="yes", n="respondents",
                      xlabel="回答団体に占める割合（％）。線は全団体でとり得る範囲",
                      title=f"{q['label']}：「{what}」の割合と無回答による幅", ax=ax)
    fig.tight_layout()
    table = pd.DataFrame({
        BY_LABELS[by]: b["group"], f"「{what}」": b["yes"].map(int_text), "回答団体": b["respondents"].map(int_text),
        "未回答": b["nonrespondents"].map(int_text), "全団体": b["total"].map(int_text),
        "回答団体に占める割合": b["share"].map(share_text),
        "下限（未回答がすべていいえ）": b["low"].map(share_text),
        "上限（未回答がすべてはい）": b["high"].map(share_text),
    })
    cap = caption(wave, f"棒はこの設問に答えた{LEVEL_LABELS[level]}に占める割合。線は全団体に占める割合の取り得る範囲"
                        "（左端：未回答の団体がすべて該当しない場合、右端：すべて該当する場合）",
                  extra="全団体に尋ねた調査なので標本誤差はなく、不確かさは未回答の団体の答えが分からないことから生じる。"
                        + (unknown_band_note() if by == "population_band" else ""))
    return Section(f"{q['label']}：無回答を考えた幅（{BY_LABELS[by]}別）", fig, cap, table)


# ------------------------------------------------------------------------------ prefectures


def ranking_section(question_id: str, yes: Sequence[str], wave: str = "2024", prefecture=None,
                    highlight=None, label: str | None = None) -> Section:
    """Prefectures ranked by the share of their responding municipalities answering *yes*."""
    q = opendata.question(question_id, wave)
    rk = opendata.prefecture_shares(question_id, yes, wave)
    what = label or "・".join(yes)
    marked = [p.name for p in (prefecture,) if p is not None] + ([highlight.prefecture] if highlight else [])
    rk = rk.assign(bar=[f"{r}　{p}" for r, p in zip(rk["rank_label"], rk["prefecture"].astype(str))])
    fig, ax = plt.subplots(figsize=(8, 10))
    charts.share_bars(rk, label="bar", share="share", low="low", high="high", yes="yes", n="respondents",
                      highlight=[b for b, p in zip(rk["bar"], rk["prefecture"].astype(str)) if p in marked],
                      xlabel="回答団体に占める割合（％）。線は全団体でとり得る範囲",
                      title=f"{q['label']}：「{what}」の割合（都道府県別、市区町村）", ax=ax)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    table = pd.DataFrame({
        "順位": rk["rank_label"], "都道府県": rk["prefecture"].astype(str), f"「{what}」": rk["yes"],
        "回答団体": rk["respondents"], "未回答": rk["nonrespondents"], "全団体": rk["total"],
        "回答団体に占める割合": rk["share"].map(share_text),
        "全団体での範囲": [f"{share_text(lo)}〜{share_text(hi)}" for lo, hi in zip(rk["low"], rk["high"])],
    })
    cap = caption(wave, "各都道府県の市区町村のうちこの設問に答えた団体",
                  extra="線は未回答の団体をすべて「いいえ」またはすべて「はい」とした場合の範囲。同じ割合の都道府県は同順位。"
                        "未回答の多い県は順位が大きく変わり得る。")
    return Section("都道府県別ランキング", fig, cap, table)


def prefecture_map_section(question_id: str, yes: Sequence[str], wave: str = "2024", prefecture=None,
                           highlight=None, label: str | None = None) -> Section:
    """Choropleth of the share among responding municipalities, and of the non-response rate."""
    q = opendata.question(question_id, wave)
    rk = opendata.prefecture_shares(question_id, yes, wave)
    what = label or "・".join(yes)
    rk = rk.assign(pct=rk["share"] * 100, nr=rk["nonrespondents"] / rk["total"] * 100)
    fig = prefecture_choropleth(rk, "pct", prefecture=prefecture, highlight=highlight,
                                title=f"{q['label']}：「{what}」（回答した市区町村に占める割合、%）")
    cap = caption(wave, "各都道府県の市区町村のうちこの設問に答えた団体") + " " + describe("boundaries").credit_line
    return Section("都道府県別の地図", fig, cap, None)


def nonresponse_map_section(wave: str = "2024", prefecture=None, highlight=None) -> Section:
    """Choropleth of the share of municipalities that did not submit (未提出 + 未確認)."""
    st = opendata.status_table(wave, "prefecture")
    sub = st[st["status"].astype(str) != opendata.SUBMITTED].groupby("group", observed=False)["count"].sum()
    tot = st.groupby("group", observed=False)["count"].sum()
    who = opendata.bodies("municipality").drop_duplicates("prefecture")
    df = pd.DataFrame({"prefecture": sub.index.astype(str), "pct": (sub / tot * 100).to_numpy()})
    df["prefecture_code"] = df["prefecture"].map(dict(zip(who["prefecture"].astype(str), who["prefecture_code"])))
    fig = prefecture_choropleth(df, "pct", prefecture=prefecture, highlight=highlight, vmin=0, vmax=None,
                                title=f"{wave}年度調査に回答しなかった市区町村の割合（未提出＋未確認、%）")
    cap = caption(wave, "各都道府県の全市区町村") + " " + describe("boundaries").credit_line
    return Section("回答しなかった市区町村の割合（都道府県別）", fig, cap, None)


def municipal_map_section(question_id: str, wave: str, prefecture, highlight=None) -> Section:
    """A prefecture's municipalities coloured by their answer or non-response."""
    from . import _datasets  # not the package root, which sits above the layers
    from matplotlib.patches import Patch

    q = opendata.question(question_id, wave)
    a = opendata.answers(question_id, wave).drop_duplicates("code")
    a = a[a["prefecture_code"] == prefecture.prefecture_code]
    gdf = _datasets.load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"] == prefecture.prefecture_code].merge(a[["code", "category"]], on="code", how="left")
    opts = [c for c in opendata.categories(question_id, wave) if c not in opendata.NONRESPONSE]
    colors = {**dict(zip(opts, _option_colors(len(opts)))), **NONRESPONSE_COLORS}
    fig, ax = plt.subplots(figsize=(7, 7))
    charts.add_polygons(ax, gdf.geometry, facecolor=[colors.get(c, "#ffffff") for c in gdf["category"]],
                        edgecolor="white", linewidth=0.3)
    if highlight is not None and (gdf["code"] == highlight.code).any():
        charts.add_polygons(ax, gdf.geometry[gdf["code"] == highlight.code], facecolor="none",
                            edgecolor=charts.HIGHLIGHT, linewidth=1.5)
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)
    geo = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    charts.geographic_aspect(ax, geo)
    present = [c for c in colors if (gdf["category"] == c).any()]
    ax.legend(handles=[Patch(color=colors[c], label=f"{c}（{int((gdf['category'] == c).sum())}）") for c in present],
              loc="lower left", fontsize=8)
    ax.set_axis_off()
    ax.set_title(f"{prefecture.name}：{q['label']}（{wave}年度）", loc="left")
    no_poly = gdf.loc[gdf.geometry.isna() | gdf.geometry.is_empty, "name"].astype(str).tolist()
    notes = ""
    if outside:
        notes += charts.outside_note(outside)
    if no_poly:
        notes += f"簡略化した境界データにポリゴンのない{len(no_poly)}団体（{'、'.join(no_poly)}）は描かれない。"
    breakdown = "、".join(f"{c}{int((gdf['category'] == c).sum())}団体" for c in present)
    cap = caption(wave, f"{prefecture.name}の全{len(a):,}市区町村（内訳：{breakdown}）",
                  extra=NONRESPONSE_NOTE + notes) + " " + describe("boundaries").credit_line
    return Section(f"{prefecture.name}の市区町村（地図）", fig, cap, None)


def prefecture_table_section(prefecture, highlight=None) -> Section:
    """A prefecture's municipalities: response status and key answers in both waves."""
    cols = {("2020", "No.1"): "認知（2020）", ("2020", "No.2"): "公開状況（2020）",
            ("2024", "Q1"): "認知（2024）", ("2024", "Q3"): "取組（2024）", ("2024", "Q7"): "ファイル数（2024）",
            ("2024", "Q24"): "標準データセット（2024）"}
    who = opendata.bodies("municipality")
    who = who[who["prefecture_code"] == prefecture.prefecture_code]
    table = pd.DataFrame({"団体": who["name"].to_numpy(), "区分": who["type"].astype(str).to_numpy()})
    for (wave, qid), head in cols.items():
        a = opendata.answers(qid, wave, who=who).drop_duplicates("code").set_index("code")["category"]
        table[head] = [a.get(c, "—") for c in who["code"]]
    if highlight is not None:
        table.insert(0, "注目", ["◀" if c == highlight.code else "" for c in who["code"]])
    cap = caption(["2020", "2024"], f"{prefecture.name}の全{len(who):,}市区町村（未回答は「未提出」「未確認」「無回答」と表示）",
                  extra=NONRESPONSE_NOTE)
    return Section(f"{prefecture.name}の市区町村一覧", None, cap, table)


# ------------------------------------------------------------------------------ non-response vs DX


def dx_section(indicator_ids: Sequence[str] = ("dx_policy_formulated", "cio_appointed", "all_staff_training")) -> Section:
    """Dashboard DX items (実施 share) by 2024 open-data answer or response status."""
    d = opendata.dx_by_response(list(indicator_ids))
    inds = list(dict.fromkeys(d["indicator"]))
    groups = list(d["group"].cat.categories)
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(inds) * len(groups) / 2 + 1.6))
    width = 0.8 / len(groups)
    colors = dict(zip(groups[:2], [charts.BASE, "#dd8452"])) | {g: NONRESPONSE_COLORS.get(g, "#999999") for g in groups[2:]}
    for i, g in enumerate(groups):
        sub = d[d["group"] == g].set_index("indicator").loc[inds]
        y = np.arange(len(inds)) + i * width
        ax.barh(y, sub["share"] * 100, height=width, color=colors[g], label=f"{g}（{int(sub['bodies'].iloc[0]):,}団体）",
                edgecolor="0.4" if g in NONRESPONSE_COLORS else None, linewidth=0.5)
        for yi, (k, n, s) in enumerate(zip(sub["yes"], sub["n"], sub["share"])):
            ax.text(s * 100 + 1, y[yi], f"{s * 100:.0f}%（{k}/{n}）", va="center", fontsize=7)
    ax.set_yticks(np.arange(len(inds)) + 0.4 - width / 2, inds)
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("実施している市区町村の割合（％）")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("ダッシュボードのDX項目：オープンデータ調査の回答別", loc="left")
    fig.tight_layout()
    table = pd.DataFrame({
        "DX項目": d["indicator"], "オープンデータ調査（2024年度）": d["group"].astype(str),
        "団体数": d["bodies"].map(int_text), "実施": d["yes"].map(int_text), "実施＋未実施": d["n"].map(int_text),
        "調査無し": d["not_surveyed"].map(int_text), "実施の割合": d["share"].map(share_text)})
    dx = describe("dx_status")
    cap = (caption("2024", "DX項目ごとに実施・未実施と答えた市区町村（調査無しを除く）",
                   extra="DX項目は" + dx.reference_dates[0] + "時点の総務省調査（デジタル庁ダッシュボード）。"
                         "回答しなかった団体はオープンデータに取り組む団体とも取り組んでいない団体とも違う傾向を示すため、"
                         "回答団体の割合をそのまま全団体の割合とは読めない。")
           + " " + dx.credit_line)
    return Section("回答しなかった団体はどんな団体か：DXの取組との比較", fig, cap, table)


# ------------------------------------------------------------------------------ two waves


def panel_section(topic: str, by: str | None = "type") -> Section:
    """Moved up / stayed / moved down between 2020 and 2024 on an identically worded question."""
    from ._build.opendata import questionnaire

    c = opendata.comparable(topic)
    s = opendata.panel_change_summary(topic, by)
    groups = list(dict.fromkeys(s["group"].astype(str)))
    fig, ax = plt.subplots(figsize=(8, 0.36 * len(groups) + 1.5))
    colors = {"up": "#4c72b0", "same": "#c9c9c9", "down": "#dd8452"}
    left = np.zeros(len(groups))
    for ch in ("up", "same", "down"):
        vals = np.array([s[(s["group"].astype(str) == g) & (s["change"] == ch)]["share"].iloc[0] for g in groups],
                        dtype=float)
        vals = np.nan_to_num(vals) * 100
        ax.barh(range(len(groups)), vals, left=left, color=colors[ch], label=CHANGE_LABELS[ch], height=0.7)
        left += vals
    first = s.drop_duplicates("group").set_index(s.drop_duplicates("group")["group"].astype(str))
    for i, g in enumerate(groups):
        ax.text(101, i, f"比較{int(first.loc[g, 'comparable']):,}／両年度{int(first.loc[g, 'panel']):,}", va="center",
                fontsize=7, color="0.25")
    ax.set_yticks(range(len(groups)), groups)
    ax.grid(False, axis="y")
    ax.invert_yaxis()
    ax.set_xlim(0, 122)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("比べられる団体に占める割合（％）")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8, frameon=False)
    ax.set_title(f"{c['label']}：2020年度→2024年度", loc="left", pad=18)
    fig.tight_layout()
    rows = []
    for g in groups:
        sub = s[s["group"].astype(str) == g].set_index("change")
        row = {BY_LABELS[by]: g}
        for ch in ("up", "same", "down"):
            row[CHANGE_LABELS[ch]] = f"{int(sub.loc[ch, 'count']):,}（{share_text(sub.loc[ch, 'share'])}）"
        row[CHANGE_LABELS["not_comparable"]] = int_text(sub.loc["not_comparable", "count"])
        row["両年度とも提出"] = int_text(sub["panel"].iloc[0])
        rows.append(row)
    note = c.get("note", "")
    cap = caption(["2020", "2024"], "両年度とも回答を提出した団体のうち、両年度とも共通の選択肢で答えた団体（右の「比較」の数。「両年度」は両年度とも提出した団体数）",
                  extra=f"両年度で同じ言い方の設問だけを比べる。{note}")
    return Section(f"{c['label']}の変化（2020年度→2024年度、{BY_LABELS[by]}別）", fig, cap, pd.DataFrame(rows))


def publication_section(level: str = "municipality") -> Section:
    """Cross-tab of the 2020 publication status and the 2024 取組 answer (two different questions)."""
    ct = opendata.publication_crosstab(level)
    wide = ct.pivot(index="answer_2020", columns="answer_2024", values="count")
    wide = wide.loc[wide.sum(axis=1) > 0, wide.sum(axis=0) > 0]
    wide.index = [str(i) for i in wide.index]
    wide.columns = [str(c) for c in wide.columns]
    wide["計"] = wide.sum(axis=1)
    wide.loc["計"] = wide.sum(axis=0)
    wide.index.name = "2020年度：公開の状況 ＼ 2024年度：取組"
    table = wide.map(lambda v: f"{int(v):,}")
    c = opendata.comparable("publication")
    cap = caption(["2020", "2024"], f"全{LEVEL_LABELS[level]}（{int(wide.loc['計', '計']):,}団体。未回答も行・列に含める）",
                  extra=f"{c['note']}数字は団体数。")
    return Section("2020年度の公開状況 × 2024年度の取組（団体数）", None, cap, table)


def published_then_not_engaged_section(prefecture=None) -> Section:
    """The bodies that already published in 2020 but answer 「取り組んでいない」 in 2024."""
    b = opendata.published_then_not_engaged()
    scope = b if prefecture is None else b[b["prefecture_code"] == prefecture.prefecture_code]
    table = pd.DataFrame({"都道府県": scope["prefecture"].astype(str), "団体": scope["name"],
                          "区分": scope["type"].astype(str)}).reset_index(drop=True)
    where = "全国" if prefecture is None else prefecture.name
    cap = caption(["2020", "2024"], "両年度の回答",
                  extra=(f"全国で{len(b):,}団体" if prefecture is None else f"{where}で{len(scope):,}団体（全国では{len(b):,}団体）")
                        + "。別の設問への答えなので、この表から公開をやめたかどうかは分からない。")
    title = "2020年度に「すでに公開」、2024年度に「取り組んでいない」と答えた団体"
    if scope.empty:
        table = pd.DataFrame({"該当": [f"{where}には該当する団体はない"]})
    return Section(title, None, cap, table)


# ------------------------------------------------------------------------------ one body


def body_section(highlight) -> Section:
    """The highlighted body's answers in both waves beside the same answer's share among its peers."""
    ba = opendata.body_answers(highlight.code)
    rows = []
    for r in ba.itertuples():
        row = {"年度": f"{r.wave}年度", "設問": r.label, f"{highlight.name}の回答": r.answer}
        for peer, head in (("prefecture", f"{highlight.prefecture}の他の市区町村"), ("type", f"全国の他の{highlight.type}"),
                           ("national", "全国の他の市区町村")):
            k, n = getattr(r, f"{peer}_count"), getattr(r, f"{peer}_respondents")
            row[head] = "—" if pd.isna(k) else f"{share_text(k / n if n else np.nan)}（{int(k):,}/{int(n):,}）"
        rows.append(row)
    missing = [f"{w}年度調査は{ans}" for w, ans, kind in zip(ba["wave"], ba["answer"], ba["kind"])
               if kind == "nonresponse" and ans in ("未提出", "未確認")]
    missing = list(dict.fromkeys(missing))
    lead = (f"{highlight.name}は" + "、".join(missing) + "で、回答がありません。" if missing else "")
    cap = lead + caption(["2020", "2024"], "比較する団体のうちその設問に答えた団体（括弧内は同じ答えの団体数／回答団体数）",
                  extra="比較の欄は、この団体と同じ答えを選んだ団体の割合（この団体自身は含めない）。この団体が答えていない設問は「未提出」「未確認」「無回答」と示す。"
                        "複数回答の設問では最初の選択肢について示す。")
    return Section(f"{highlight.name}（{highlight.prefecture}）の回答と比較", None, cap, pd.DataFrame(rows))


# ------------------------------------------------------------------------------ prose


def headline_text(level: str = "municipality") -> str:
    """A few Japanese sentences: response, 取組 share with its bounds, non-response pattern."""
    st = opendata.status_table("2024", None, level).set_index("status")["count"]
    b = opendata.bounds("Q3", ["取り組んでいる"], "2024", None, level).iloc[0]
    st20 = opendata.status_table("2020", None, level).set_index("status")["count"]
    d = opendata.dx_by_response().set_index("group")["share"]
    lines = [
        f"- 2024年度調査では、{LEVEL_LABELS[level]}{int(st.sum()):,}団体のうち{int(st['提出済']):,}団体が回答を提出し、"
        f"{int(st['未提出']):,}団体が未提出、{int(st['未確認']):,}団体が未確認でした（2020年度調査は提出{int(st20['提出済']):,}、"
        f"未提出{int(st20['未提出']):,}、未確認{int(st20['未確認']):,}）。",
        f"- 回答した{int(b['respondents']):,}団体のうち{int(b['yes']):,}団体（{share_text(b['share'])}）が「オープンデータに取り組んでいる」"
        f"と答えました。未回答の{int(b['nonrespondents']):,}団体の答えは分からないため、全団体での割合は"
        f"{share_text(b['low'])}（未回答がすべて取り組んでいない場合）から{share_text(b['high'])}（すべて取り組んでいる場合）の間です。",
        f"- 回答しなかった団体は、取り組む団体と同じではありません。全体方針を策定している市区町村の割合は、取り組んでいる団体で"
        f"{share_text(d.get('取り組んでいる'))}、取り組んでいない団体で{share_text(d.get('取り組んでいない'))}、未提出の団体で{share_text(d.get('未提出'))}、"
        f"未確認の団体で{share_text(d.get('未確認'))}です。",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ profiles


def prefecture_own_section(prefecture) -> Section:
    """A prefecture's own answers in both waves beside the other 46 prefectures (profile)."""
    pa = opendata.prefecture_answers(prefecture.prefecture_code)
    rows = []
    for r in pa.itertuples():
        same = "—" if pd.isna(r.others_count) else \
            f"{share_text(r.others_count / r.others_respondents if r.others_respondents else np.nan)}（{int(r.others_count)}/{int(r.others_respondents)}）"
        rows.append({"年度": f"{r.wave}年度", "設問": r.label, f"{prefecture.name}の回答": r.answer,
                     "他の都道府県で同じ答え": same})
    missing = sorted({f"{w}年度調査は{a}" for w, a, k in zip(pa["wave"], pa["answer"], pa["kind"])
                      if k == "nonresponse" and a in ("未提出", "未確認")})
    lead = f"{prefecture.name}は" + "、".join(missing) + "で、回答がありません。" if missing else ""
    cap = lead + caption(["2020", "2024"], "他の46都道府県のうちその設問に答えた団体（括弧内は同じ答えの団体数／回答団体数）",
                         extra="この都道府県が答えていない設問は「未提出」「未確認」「無回答」と示す。")
    return Section(f"{prefecture.name}自身の回答（オープンデータ）", None, cap, pd.DataFrame(rows))


def prefecture_municipal_section(prefecture) -> Section:
    """Its municipalities' response status and 取組 share (with bounds) beside the whole country (profile)."""
    who = opendata.bodies("municipality")
    rows = []
    for label, sub in ((f"{prefecture.name}の市区町村", who[who["prefecture_code"] == prefecture.prefecture_code]),
                       ("全国の市区町村", who)):
        st = opendata.status_table("2024", None, who=sub).set_index("status")["count"]
        b = opendata.bounds("Q3", ["取り組んでいる"], who=sub).iloc[0]
        rows.append({"": label, "全団体": int_text(b["total"]), "提出済": int_text(st["提出済"]),
                     "未提出": int_text(st["未提出"]), "未確認": int_text(st["未確認"]),
                     "取り組んでいる": f"{int(b['yes']):,}（回答団体の{share_text(b['share'])}）",
                     "全団体での範囲": f"{share_text(b['low'])}〜{share_text(b['high'])}"})
    cap = caption("2024", "「取り組んでいる」の割合はオープンデータの取組の設問に答えた市区町村",
                  extra="全団体での範囲は、回答しなかった団体がすべて取り組んでいない場合からすべて取り組んでいる場合まで。"
                        + STATUS_NOTE)
    return Section(f"{prefecture.name}の市区町村のオープンデータの取組（2024年度）", None, cap, pd.DataFrame(rows))


# ------------------------------------------------------------------------------ prefecture grid

#: The answers compared across prefectures: (column label, wave, question id, options counted as yes).
GRID_ITEMS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("認知：よく知っている", "2024", "Q1", ("よく知っている",)),
    ("取り組んでいる", "2024", "Q3", ("取り組んでいる",)),
    ("定期的・リアルタイムに更新", "2024", "Q6", ("リアルタイム", "定期的")),
    ("101ファイル以上", "2024", "Q7", ("101〜500", "501〜1000", "1001〜5000", "5001〜10000", "10000以上")),
    ("標準データセットで公開", "2024", "Q24", ("取り組んでいる",)),
    ("機械判読性が段階3以上", "2024", "Q44", ("段階3（機械判読可能な構造）", "段階4（標準的なメタデータ付き）")),
    ("サイトの規約がCC BY 4.0", "2024", "Q50", ("CC BY 4.0",)),
)


def grid_section(prefecture=None, highlight=None) -> Section:
    """Prefectures × answers: the share (%) of responding municipalities giving each answer."""
    frames, rows = [], []
    for label, wave, qid, yes in GRID_ITEMS:
        ps = opendata.prefecture_shares(qid, list(yes), wave)
        frames.append(ps.assign(item=label, pct=ps["share"] * 100, prefecture=ps["prefecture"].astype(str)))
        nat = opendata.bounds(qid, list(yes), wave).iloc[0]
        rows.append({"項目": label, "設問": opendata.question(qid, wave)["label"],
                     "全国：該当": int_text(nat["yes"]), "回答団体": int_text(nat["respondents"]),
                     "未回答": int_text(nat["nonrespondents"]), "回答団体に占める割合": share_text(nat["share"]),
                     "全団体での範囲": f"{share_text(nat['low'])}〜{share_text(nat['high'])}"})
    grid = pd.concat(frames, ignore_index=True)
    order = list(opendata.bodies("prefecture").sort_values("code")["name"])
    grid["prefecture"] = pd.Categorical(grid["prefecture"], categories=order, ordered=True)
    grid = grid.sort_values(["prefecture"], kind="stable").assign(prefecture=lambda d: d["prefecture"].astype(str))
    grid["item"] = pd.Categorical(grid["item"], categories=[g[0] for g in GRID_ITEMS], ordered=True)
    marked = [p.name for p in (prefecture,) if p is not None] + ([highlight.prefecture] if highlight else [])
    ax = charts.heatmap(grid, row="prefecture", col="item", value="pct", highlight_rows=marked,
                        title="都道府県別：回答した市区町村に占める割合（%）")
    rows_drawn = list(dict.fromkeys(grid["prefecture"]))  # the heatmap's row order
    ax.set_yticks(np.arange(len(rows_drawn)) + 0.5, rows_drawn)  # every prefecture, not every other one
    for lab in ax.get_yticklabels():
        lab.set_color(charts.HIGHLIGHT if lab.get_text() in marked else "black")
    ax.tick_params(axis="y", labelsize=7, rotation=0)
    fig = ax.figure
    fig.tight_layout()
    cap = caption("2024", "各都道府県の市区町村のうち、その設問に答えた団体（全国の団体数は表のとおり）",
                  extra="機械判読性とサイトの規約は、デジタル庁への意見提供に応じた団体だけが答えた設問で、回答団体が少ない。"
                        "空欄は回答した市区町村がない都道府県。")
    return Section("都道府県 × 回答の一覧", fig, cap, pd.DataFrame(rows))
