"""DX profiles of one municipality or one prefecture, compared with its peers.

Everything the two profile notebooks (``notebooks/profile_municipality.ipynb``,
``notebooks/profile_prefecture.ipynb``) show is computed here; the notebooks only call these
functions and narrate.  Build a profile once, then ask it for sections::

    from jdxlib import profiles
    p = profiles.municipality_profile("北海道伊達市")
    profiles.identity_section(p).show()
    profiles.status_section(p).show()
    print(profiles.summary_text(p))

Municipality profile (:func:`municipality_profile` → :class:`MunicipalityProfile`)
    who the body is (name, kana, prefecture, type, 2020 population and band); its four peer
    groups (:func:`jdxlib.peers.peer_groups`, the body itself never included) with sizes and
    definitions; the 10 status items (the 7 自治体DXの推進体制等 items, AI, RPA, telework)
    with the body's answer beside each group's share (:func:`jdxlib.analysis.peer_comparison`);
    how many of the items it has and its percentile among each group (ties explained by
    :func:`jdxlib.stats.percentile_of`); online procedures against its peers
    (:mod:`jdxlib.procedures`); its マイナンバーカード issuance curve against its peers' band and
    the 2024 holding rate (:mod:`jdxlib.cards`); a map of its prefecture; a generated summary.
Prefecture profile (:func:`prefecture_profile` → :class:`PrefectureProfile`)
    the prefecture's own answers (prefecture-level dashboard items and the prefectural online
    procedures) against the other 46; the distribution of its municipalities on every
    per-body item against the whole country, with its rank among the 47; a municipality map
    and table; a generated summary.

Item counts and percentiles
---------------------------
A body's *item count* is the number of the 10 status items it answered 実施.  Bodies that were
not surveyed on some items (the 8 Ishikawa bodies hit by the 2024 Noto earthquake are 調査無し
for the 7 推進体制 items) cannot be compared on all 10: the count is then taken over the items
the body answered, and only peers that answered all of those items are compared (the table
says how many peers were left out).  The percentile is the mid-rank percentile of
:func:`jdxlib.stats.percentile_of` (ties count half), with the counts below / equal / above.

Published, not published, no data
----------------------------------
A per-body value is in one of three states: published (including a real 0%), not published
for this item, or no data for the body at all (107 municipalities have no online-procedure
rate; 双葉町 has no 2020 population).  An absent value is never read as "not offered".
A procedure without a published rate for the body is listed as a *gap* when at least
``min_share`` (default 50%) of its primary peer group publish a rate for it — only for bodies
that publish rates at all, and only for procedure groups where the list does not contradict
the body's own 26/32手続 dashboard answer (:func:`jdxlib.procedures.gap_check`); where it
does, the profile says so instead of listing.

The primary peer group
----------------------
Online procedures, cards and the summary compare with one group: the ``similar`` group (same
type, nearest population) or, when it is empty (双葉町 has no 2020 population), the
``same_type`` group.  :attr:`MunicipalityProfile.primary` says which.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from . import analysis, charts
from . import names as _names
from ._datasets import describe
from .formatting import percent_text, share_text
from ._memo import derived
from .peers import BAND_LABELS, PEER_GROUP_LABELS, PeerGroup, peer_groups, population_band
from .procedures import NO_BODY_DATA
from .sections import COMPLETE_COUNT_NOTE, Section, int_text, map_names_sentence, named_extremes, one_body_text
from .stats import PERCENT_DECIMALS, median_iqr, percentile_of, rank_with_ties, share_table
from .constants import DASHBOARD_RELEASE as _DASHBOARD_RELEASE
from .palette import ANSWER_COLORS as _ANSWER_COLORS
from .palette import HIGHLIGHT as _HIGHLIGHT
from .palette import PEER_GROUP_COLORS

from ._tidy.profiles import (  # noqa: F401  (the numeric half, kept importable from here)
    STATUS_ITEMS,
    MUNICIPAL_PERCENT_ITEMS,
    PREFECTURE_PERCENT_ITEMS,
    GROUP_ORDER,
    ANSWERED,
    _load,
    _status_strings,
    item_counts,
    _status_tables,
    _count_percentile,
    MunicipalityProfile,
    _resolve_body,
    municipality_profile,
    _municipal_percent_rows,
    _percent_vs_group,
    _attach_procedures,
    _attach_cards,
    _card_latest,
    PrefectureProfile,
    prefecture_profile,
    _percent_rank,
    _prefecture_procedures,
    _municipal_status,
    _municipal_values,
    _municipal_percent,
)

__all__ = [
    "GROUP_ORDER",
    "MUNICIPAL_PERCENT_ITEMS",
    "MunicipalityProfile",
    "PrefectureProfile",
    "STATUS_ITEMS",
    "cards_section",
    "count_section",
    "identity_section",
    "item_counts",
    "map_section",
    "municipality_profile",
    "peers_section",
    "percent_section",
    "prefecture_identity_section",
    "prefecture_map_section",
    "prefecture_municipal_percent_section",
    "prefecture_municipal_status_section",
    "prefecture_municipal_table_section",
    "prefecture_procedures_section",
    "prefecture_profile",
    "prefecture_status_section",
    "procedure_gaps_section",
    "procedures_section",
    "status_section",
    "summary_text",
]

GROUP_COLORS = PEER_GROUP_COLORS
GROUP_MARKERS = {"same_prefecture": "s", "same_type": "D", "same_population_band": "^", "similar": "o"}
ANSWER_COLORS = _ANSWER_COLORS
#: Compact marks for the answers in wide tables (the caption gives the legend).
STATUS_MARKS = {"実施": "○", "未実施": "×", "調査無し": "－"}
#: Short column headers for the 10 items in wide tables (the caption gives the full labels).
SHORT_LABELS = {
    "cio_appointed": "CIO", "cio_assistant_appointed": "CIO補佐官等", "dx_policy_formulated": "全体方針",
    "org_wide_structure": "全庁体制", "external_talent": "外部人材", "staff_development": "職員育成",
    "all_staff_training": "全職員研修", "ai_introduced": "AI", "rpa_introduced": "RPA",
    "telework_introduced": "テレワーク",
}
#: Release of the dashboard export (dx_status, online_procedures), as in jdxlib.sections.
DASHBOARD_RELEASE = _DASHBOARD_RELEASE
HIGHLIGHT = _HIGHLIGHT


# ============================================================================ helpers


def _quoted(labels: Any) -> str:
    """Procedure names for running text, each in 「」 (names may contain 「、」 themselves)."""
    return "、".join(f"「{x}」" for x in labels)


def _frac(yes: Any, n: Any, share: Any) -> str:
    if pd.isna(n) or int(n) == 0:
        return "—（回答0団体）"
    return f"{share_text(share)}（{int(yes):,}/{int(n):,}）"


def _date_note(items: pd.DataFrame) -> str:
    """'調査時点' per area: stated dates, or that the export does not state one."""
    pairs = items[["area", "reference_date"]].drop_duplicates()
    parts = []
    for area in dict.fromkeys(pairs["area"]):
        d = pairs.loc[pairs["area"] == area, "reference_date"]
        dates = sorted(pd.Timestamp(x) for x in d.dropna())
        when = "・".join(f"{x:%Y-%m-%d}" for x in dates) if dates else "エクスポートに記載なし"
        if dates and d.isna().any():
            when += "（一部記載なし）"
        parts.append(f"{area}は{when}")
    return "、".join(parts)


def _dashboard_source(name: str = "dx_status") -> str:
    return f"{describe(name).credit_line}（{DASHBOARD_RELEASE}公開データ）"


# ============================================================================ municipality


# ---------------------------------------------------------------------------- sections


def identity_section(p: MunicipalityProfile) -> Section:
    """Who the body is (table only)."""
    i = p.info
    pop = int_text(i["population_2020"]) + "人" if i["population_2020"] is not None else "公表値なし"
    rows = [
        ("団体名", i["name"]),
        ("よみ", i["kana"] or "—"),
        ("都道府県", i["prefecture"] + (f"（{i['district']}）" if i["district"] else "")),
        ("団体コード", i["code"]),
        ("区分", i["type"]),
        ("人口（2020年国勢調査）", pop),
        ("人口規模", i["population_band"] or "区分できない（人口の公表値なし）"),
    ]
    table = pd.DataFrame(rows, columns=["項目", "内容"])
    unknown = ("" if i["population_band"] else
               f"{no_population_sentence(i['code'], i['name'])}人口規模・人口の近い同区分団体のグループでは比べず、"
               "同じ区分の団体と比べます。")
    cap = (f"区分・名称は全国地方公共団体コード（2024-01-01）、中核市は2023-04-01現在の一覧、人口は令和2年国勢調査"
           f"（2020-10-01）。人口規模の区切り（2020年人口）：{'／'.join(BAND_LABELS)}。{unknown}"
           f"{describe('municipalities').credit_line}")
    return Section(f"{i['name']}（{i['prefecture']}）はどんな団体か", None, cap, table)


#: Why a body has no 2020 census population (the reason is a fact about the body, not the data).
NO_POPULATION_REASONS = {
    "075469": "東京電力福島第一原子力発電所の事故に伴う全町避難が続いていたため",
}


def no_population_sentence(code: str, name: str) -> str:
    """One sentence on why the body has no 2020 census population (never 「不明」)."""
    why = NO_POPULATION_REASONS.get(str(code))
    return (f"{name}は令和2年国勢調査（速報集計）の人口の公表値がありません"
            + (f"（{why}）。" if why else "。"))


def peers_section(p: MunicipalityProfile) -> Section:
    """The four peer groups with size, definition and caveats."""
    rows = []
    for key in GROUP_ORDER:
        g = p.groups[key]
        rows.append({"比較グループ": g.label, "団体数": g.size,
                     "定義": g.definition_ja,
                     "注意": g.note_ja,
                     "主に使う": "◀" if key == p.primary else ""})
    cap = ("どのグループにも自団体は含めません。人口の近い同区分団体は同じ区分で2020年人口が最も近い団体（人口比の対数で測る距離。総務省の「類似団体」区分とは別のもの）。"
           "人口規模は2020年国勢調査人口による8区分。「主に使う」グループをオンライン手続・マイナンバーカード・要約の比較に用います。"
           f"{describe('municipalities').credit_line}")
    return Section("比較の相手（ピアグループ）", None, cap, pd.DataFrame(rows))


def _group_name(g: PeerGroup) -> str:
    """Label with its size (the similar group's label already carries it)."""
    return g.label if g.key == "similar" else f"{g.label}（{g.size}団体）"


def _short_name(p: "MunicipalityProfile", key: str) -> str:
    """Short group name for running text: 北海道の他の市区町村, 全国の他の市, 人口の近い同区分団体 …"""
    i = p.info
    return {
        "same_prefecture": f"{i['prefecture']}の他の市区町村",
        "same_type": f"全国の他の{i['type']}",
        "same_population_band": (f"人口{i['population_band']}の他の団体" if i["population_band"]
                                 else "同じ人口規模の団体"),
        "similar": "人口の近い同区分団体",
    }[key]


def _small_groups_note(group_n: dict[str, int]) -> str:
    """For peer groups under 50 respondents: how much one body moves their shares."""
    small = [f"{label}は{one_body_text(n)}" for label, n in group_n.items() if n and n < 50]
    return ("小さなグループでは1団体の違いで割合が大きく動きます（" + "、".join(small) + "）。") if small else ""


def _status_caption(items: pd.DataFrame, sizes: str, items_n: dict[str, int] | None = None) -> str:
    items_n = items_n or {}
    return (f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」。調査時点：{_date_note(items)}。"
            f"分母：各グループの回答団体（調査無し・欠測を除く。自団体は含めない）— {sizes}。"
            f"割合＝実施÷回答団体。{COMPLETE_COUNT_NOTE}{_small_groups_note(items_n)}{_dashboard_source()}")


def _dot_chart(table: pd.DataFrame, groups: list[tuple[str, str, str, str]], title: str,
               own_label: str, height_per_item: float = 0.55):
    """Rows = items; per group a marker at its share (no interval: complete counts); own answer at right.

    *table*: ``indicator``, ``own_status``, ``group``, ``share``.
    *groups*: (key, legend label, colour, marker).
    """
    inds = list(dict.fromkeys(table["indicator"]))
    fig, ax = plt.subplots(figsize=(9.5, height_per_item * len(inds) + 1.9))
    k = len(groups)
    offsets = np.linspace(-0.27, 0.27, k) if k > 1 else [0.0]
    for (key, label, color, marker), off in zip(groups, offsets):
        t = table[table["group"].astype(str) == key].set_index("indicator").reindex(inds)
        y = np.arange(len(inds)) + off
        x = t["share"].to_numpy(dtype=float) * 100
        ax.plot(x, y, marker, color=color, markersize=5.5, linestyle="none", label=label)
    own = table.drop_duplicates("indicator").set_index("indicator").reindex(inds)["own_status"]
    for yi, status in enumerate(own):
        s = "—" if pd.isna(status) else str(status)
        ax.text(103, yi, s, va="center", ha="left", fontsize=9, color=ANSWER_COLORS.get(s, "0.3"))
    ax.text(103, -0.75, own_label, va="bottom", ha="left", fontsize=8, color="0.25")
    ax.set_yticks(np.arange(len(inds)), inds)
    ax.set_ylim(len(inds) - 0.5, -0.9)
    ax.set_xlim(0, 122)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("実施している団体の割合（％）")
    ax.axvline(100, color="0.8", lw=0.6)
    ax.set_title(title, loc="left")
    rows = -(-k // 2)
    legend_h = charts.line_height_in(8, rows, 1.75) + 0.1
    charts.fixed_layout(fig, left=charts.y_axis_width_in(inds) + 0.15, right=0.15,
                        top=charts.title_height_in() + 0.12,
                        bottom=charts.x_axis_height_in() + legend_h + 0.12)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=2,
               fontsize=8, frameon=False)
    return fig


def status_section(p: MunicipalityProfile) -> Section:
    """The body's answer to the 10 items beside the share of each peer group answering 実施."""
    c = p.comparison
    groups = [(k, _group_name(p.groups[k]), GROUP_COLORS[k], GROUP_MARKERS[k])
              for k in GROUP_ORDER if p.groups[k].size]
    fig = _dot_chart(c, groups, f"{p.body.name}の回答と比較グループの実施割合", f"{p.body.name}の回答")
    table = pd.DataFrame({"指標": list(dict.fromkeys(c["indicator"]))})
    own = c.drop_duplicates("indicator_id")
    table[f"{p.body.name}の回答"] = own["own_status"].astype(object).fillna("—").astype(str).to_numpy()
    for key in GROUP_ORDER:
        t = c[c["group"].astype(str) == key]
        table[p.groups[key].label] = [_frac(y, n, s) for y, n, s in zip(t["yes"], t["n"], t["share"])]
    def answered(k) -> str:
        n = c[c["group"].astype(str) == k]["n"]
        lo, hi = int(n.min()), int(n.max())
        return f"回答{lo:,}" if lo == hi else f"回答{lo:,}〜{hi:,}"

    sizes = "、".join(f"{_short_name(p, k)} {p.groups[k].size}団体（{answered(k)}）"
                      for k in GROUP_ORDER if p.groups[k].size)
    items_n = {_short_name(p, k): int(c[c["group"].astype(str) == k]["n"].min())
               for k in GROUP_ORDER if p.groups[k].size}
    return Section("推進体制・AI・RPA・テレワーク：比較グループとの比較", fig,
                   _status_caption(p.items, sizes, items_n), table)


def count_section(p: MunicipalityProfile) -> Section:
    """How many of the 10 items the body has, and its percentile in each peer group."""
    t = p.count_table
    table = pd.DataFrame({
        "比較グループ": t["group_label"],
        "自団体の実施数": [f"{a}／{b}項目" for a, b in zip(t["own_count"], t["items_counted"])],
        "比較した団体": t["compared"],
        "除外（同じ項目に未回答）": t["left_out"],
        "比較団体の中央値": [("—" if pd.isna(v) else f"{v:g}") for v in t["peer_median"]],
        "下回る": t["below"], "同数": t["equal"], "上回る": t["above"],
        "パーセンタイル": [("—" if pd.isna(v) else f"{v:.0f}") for v in t["percentile"]],
    })
    n_items = len(STATUS_ITEMS)
    counted = len(p.counted_items)
    note = ""
    if counted < n_items:
        note = (f"{p.body.name}は{n_items - counted}項目が調査無し・欠測のため、回答した{counted}項目だけで数え、"
                "比較団体も同じ項目で数えています。")
    cap = (f"実施数＝{n_items}項目（推進体制等7項目、AI・RPA・テレワーク）のうち「実施」の数。{note}"
           "パーセンタイル＝（下回る団体数＋同数の団体数÷2）÷比較した団体数×100：同じ実施数の団体は半分として数えるため、"
           "同数が多いと中ほどの値になります。比較した団体は、その項目すべてに回答した団体（調査無しの団体は除外）。"
           f"調査時点：{_date_note(p.items)}。{_dashboard_source()}")
    return Section(f"{n_items}項目のうちいくつ実施しているか", None, cap, table)


# ------------------------------------------------------------------ procedures and cards


def _require_part(value: Any, what: str) -> None:
    if value is None:
        raise RuntimeError(f"{what} is not available: build the profile with jdxlib.procedures / jdxlib.cards")


def _procedures_caption(p: MunicipalityProfile, extra: str = "") -> str:
    g = p.primary_group
    return (f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」。調査時点：エクスポートに記載なし。"
            f"比較：{_short_name(p, p.primary)}{g.size}団体（{g.definition_ja}）。"
            "公表値なし＝オンライン申請率の値がない（オンライン未対応・未報告・手続の実施なしのどれかは区別できない）。"
            "申請率＝その手続の申請件数に占めるオンライン申請の割合。件数が公表されないため、中央値・四分位範囲は"
            f"申請率が公表されている比較団体だけで求め、加重平均はしません。{extra}"
            f"{_dashboard_source('online_procedures')}")


def percent_section(p: MunicipalityProfile) -> Section:
    """The dashboard % items (32/26 procedures online, card holding) against the primary group."""
    t = p.percent_items
    name = p.body.name
    table = pd.DataFrame({
        "指標": t["indicator"],
        name: [percent_text(v) if pd.notna(v) else "公表値なし" for v in t["value"]],
        f"{_short_name(p, p.primary)}の中央値": t["median"].map(percent_text),
        "四分位範囲": [f"{percent_text(a)}〜{percent_text(b)}" for a, b in zip(t["q1"], t["q3"])],
        "値のある比較団体": [f"{n}/{n + m}" for n, m in zip(t["n"], t["missing"])],
        "パーセンタイル": [("—" if pd.isna(v) else f"{v:.0f}") for v in t["percentile"]],
    })
    cap = ("よく使う32手続のオンライン化状況＝「オンライン化済」と回答した手続数÷その団体で実施されている手続総数"
           "（分母は32ではない）。子育て・介護26手続も同様。マイナンバーカードの保有状況はダッシュボードの値。"
           "パーセンタイル＝（下回る団体数＋同値の団体数÷2）÷値のある比較団体数×100（同値は半分として数える）。"
           f"比較：{_short_name(p, p.primary)}{p.primary_group.size}団体。調査時点：いずれもエクスポートに記載なし。"
           f"{_dashboard_source()}")
    return Section("オンライン化・カードの指標（比較グループとの比較）", None, cap, table)


def _dashboard_items_text(p: MunicipalityProfile) -> str:
    """The body's own 32/26手続 dashboard answers, for sentences about its procedures."""
    t = p.percent_items.set_index("indicator_id") if len(p.percent_items) else pd.DataFrame()
    parts = []
    for ind, label in (("frequent_32_online_rate", "よく使う32手続"), ("childcare_26_online_rate", "子育て・介護26手続")):
        if ind in t.index:
            v = t.loc[ind, "value"]
            parts.append(f"{label}のオンライン化状況は{percent_text(v) if pd.notna(v) else '公表値なし'}")
    return "、".join(parts)


def _no_procedure_data_sentence(p: MunicipalityProfile) -> str:
    """The one sentence for a body without any online-procedure rate."""
    own = _dashboard_items_text(p)
    return (f"{p.body.name}については、ダッシュボードの手続ごとのオンライン申請率が1手続も公表されていないため、"
            "手続ごとの比較はできません"
            + (f"（同じダッシュボードで{p.body.name}が回答した{own}）。" if own else "。"))


def _procedures_section(p: MunicipalityProfile) -> Section:
    r = p.rate_vs_peers.copy()
    name = p.body.name
    if p.procedure_state == NO_BODY_DATA:
        return Section(f"オンライン手続：{name}の手続ごとの値", None,
                       _no_procedure_data_sentence(p) + _procedures_caption(p), None)
    shown = r[r["rate"].notna() | (r["n"] > 0)].reset_index(drop=True)
    nobody = int(((r["n"] == 0) & r["rate"].isna()).sum())
    offered = r[r["rate"].notna()].reset_index(drop=True)
    fig = None
    if len(offered):
        fig = _range_chart(offered, label="procedure", own="rate", median="median", q1="q1", q3="q3",
                           right=None, title=f"{name}が申請率を公表している手続のオンライン申請率",
                           own_label=name, peer_label=_short_name(p, p.primary),
                           xlabel="オンライン申請率（％）（比較団体の数は表を参照）")
    table = None if shown.empty else pd.DataFrame({
        "手続": shown["procedure"], "区分": shown["procedure_group"].astype(str),
        name: [percent_text(v) if pd.notna(v) else "公表値なし" for v in shown["rate"]],
        f"{_short_name(p, p.primary)}で公表": [f"{k}/{n}" for k, n in zip(shown["n"], shown["peers_n"])],
        "中央値": shown["median"].map(percent_text),
        "四分位範囲": [f"{percent_text(a)}〜{percent_text(b)}" for a, b in zip(shown["q1"], shown["q3"])],
    })
    n_all = len(r)
    extra = (f"全{n_all}手続のうち{name}が申請率を公表しているのは{len(offered)}手続。"
             f"{name}にも比較団体にも値のない{nobody}手続は表から省略。")
    if table is None:
        extra = f"{name}にも比較団体にも申請率が公表されている手続はありません。" + extra
    return Section(f"オンライン手続：{name}と{_short_name(p, p.primary)}", fig, _procedures_caption(p, extra), table)


def _contradiction_sentences(p: MunicipalityProfile) -> list[str]:
    """Per procedure group whose gaps contradict the body's own dashboard answer: why not listed."""
    out = []
    ck = p.gap_check
    if ck is None or not len(ck):
        return out
    for r in ck[ck["contradicts"]].itertuples():
        if r.procedure_group == "子育て・介護26手続":
            own = f"子育て・介護26手続のオンライン化状況を{percent_text(r.value)}と回答しています（実施している手続はすべてオンライン化済）"
        else:
            own = (f"よく使う32手続のうち{int(r.numerator)}手続を「オンライン化済」と回答しています"
                   f"（オンライン化していない手続は多くても{int(r.max_not_online)}手続）")
        out.append(f"{r.procedure_group}では、{_short_name(p, p.primary)}の多くで申請率が公表されているのに{p.body.name}では"
                   f"公表値がない手続が{int(r.gaps)}手続ありますが、{p.body.name}は同じダッシュボードで{own}。"
                   "公表値がないことをオンライン未対応とは読めないため、一覧にしません。")
    return out


def _listed_gaps(p: MunicipalityProfile) -> pd.DataFrame:
    """Gaps of the procedure groups that do not contradict the body's dashboard answer."""
    gp = p.procedure_gaps
    ck = p.gap_check
    if ck is None or not len(ck) or not len(gp):
        return gp
    bad = set(ck.loc[ck["contradicts"], "procedure_group"])
    return gp[~gp["procedure_group"].astype(str).isin(bad)].reset_index(drop=True)


def _procedure_gaps_section(p: MunicipalityProfile) -> Section:
    name = p.body.name
    peer = _short_name(p, p.primary)
    title = f"{peer}の多くで申請率が公表されているが、{name}では公表値がない手続"
    if p.procedure_state == NO_BODY_DATA:
        return Section(f"{peer}との公表状況の比較（{name}は手続ごとの値なし）", None,
                       f"{name}には手続ごとのオンライン申請率が1手続も公表されていないため、この一覧は作りません。"
                       + _procedures_caption(p), None)
    gp = _listed_gaps(p)
    said = "".join(_contradiction_sentences(p))
    if gp.empty:
        # no header-only table: say so in a sentence instead
        none = said or (f"{peer}の{p.min_share * 100:.0f}%以上が申請率を公表している手続は、"
                        f"{name}でもすべて申請率が公表されています。")
        return Section(title + "（一覧なし）", None, none + _procedures_caption(p), None)
    table = pd.DataFrame({
        "手続": gp["procedure"], "区分": gp["procedure_group"].astype(str),
        f"{peer}で公表": [f"{k}/{n}団体" for k, n in zip(gp["peers_offering"], gp["peers_n"])],
        "公表している割合": gp["share"].map(share_text),
    })
    extra = (f"一覧＝{name}に申請率の公表値がなく、{peer}の{p.min_share * 100:.0f}%以上が"
             "公表している手続（公表している割合の高い順）。公表値がないことはオンライン未対応を意味しません。"
             + said)
    return Section(title, None, _procedures_caption(p, extra), table)


def procedures_section(p: MunicipalityProfile) -> Section:
    """Online procedures the body offers: its rate against the primary group's median and IQR."""
    _require_part(p.rate_vs_peers, "procedures")
    return _procedures_section(p)


def procedure_gaps_section(p: MunicipalityProfile) -> Section:
    """Procedures most of the primary group publish a rate for and the body does not (or why not listed)."""
    _require_part(p.procedure_gaps, "procedure gaps")
    return _procedure_gaps_section(p)


def cards_section(p: MunicipalityProfile) -> Section:
    """マイナンバーカード issuance curve against the primary group's band; 2024 holding rate."""
    _require_part(p.card_curve, "cards")
    return _cards_section(p)


def _year_ticks(ax) -> None:
    """A tick on 1 January of every year inside the x limits, labelled with the year.

    Fixed ticks: matplotlib's automatic date locator is a noticeable cost at every draw.
    """
    import matplotlib.dates as mdates

    lo, hi = (mdates.num2date(v) for v in ax.get_xlim())
    ticks = [pd.Timestamp(y, 1, 1) for y in range(lo.year, hi.year + 1)]
    ticks = [t for t in ticks if lo.replace(tzinfo=None) <= t <= hi.replace(tzinfo=None)]
    ax.set_xticks(mdates.date2num(ticks), [str(t.year) for t in ticks])
    ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi))


def _cards_section(p: MunicipalityProfile) -> Section:
    from . import cards

    curve, band = p.card_curve, p.card_band
    name = p.body.name
    peer = _short_name(p, p.primary)
    fig, ax = plt.subplots(figsize=(9, 4.6))
    ax.fill_between(band["date"], band["q1"], band["q3"], color="#a1c9f4", alpha=0.8,
                    label=f"{peer}の四分位範囲")
    ax.plot(band["date"], band["median"], color="#1f5fa8", lw=1.4, ls="--", label=f"{peer}の中央値")
    ax.plot(curve["date"], curve["rate"], color=HIGHLIGHT, lw=2, marker="o", markersize=3, label=name)
    ax.set_ylim(0, 100)
    ax.set_ylabel("交付率（％）")
    ax.set_xlabel("算出基準日")
    ax.set_title(f"マイナンバーカード交付率の推移：{name}と{peer}", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    _year_ticks(ax)
    charts.fixed_layout(fig, left=charts.y_axis_width_in(["100"], label=True) + 0.12, right=0.3,
                        top=charts.title_height_in() + 0.12, bottom=charts.x_axis_height_in() + 0.12)
    lt = p.card_latest
    pi = p.percent_items.set_index("indicator_id")
    hold = pi.loc["mynumber_card_holding_rate"] if "mynumber_card_holding_rate" in pi.index else None
    rows = [{
        "指標": f"交付率（{lt['date']:%Y-%m-%d}）", name: percent_text(lt["rate"]),
        f"{peer}の中央値": percent_text(lt["median"]), "四分位範囲": f"{percent_text(lt['q1'])}〜{percent_text(lt['q3'])}",
        "比較した団体": lt["n"], "パーセンタイル": "—" if pd.isna(lt["percentile"]) else f"{lt['percentile']:.0f}",
    }]
    if hold is not None:
        rows.append({
            "指標": cards.HOLDING_LABEL,
            name: percent_text(p.holding_rate) if p.holding_rate is not None else "値なし",
            f"{peer}の中央値": percent_text(hold["median"]), "四分位範囲": f"{percent_text(hold['q1'])}〜{percent_text(hold['q3'])}",
            "比較した団体": int(hold["n"]),
            "パーセンタイル": "—" if pd.isna(hold["percentile"]) else f"{hold['percentile']:.0f}",
        })
    cap = (cards.caption(f"比較：{peer}{p.primary_group.size}団体、各時点の団体ごとの率の中央値と四分位範囲（率の平均はとらない）。")
           + " 表の保有率：" + cards.holding_caption())
    return Section(f"マイナンバーカード：{name}と{peer}", fig, cap, pd.DataFrame(rows))


# ------------------------------------------------------------------------------ map


def _map_frame(prefecture_code: str, counts: pd.DataFrame):
    gdf = _load("boundaries", level="municipality")
    gdf = gdf[gdf["prefecture_code"].astype(str) == prefecture_code].copy()
    gdf["code"] = gdf["code"].astype(str)
    c = counts.reindex(gdf["code"])
    gdf["yes_count"] = c["yes_count"].to_numpy()
    gdf["complete"] = (c["answered"] == c["items"]).to_numpy()
    return gdf


def _count_map(prefecture, counts: pd.DataFrame, highlight=None, title: str = ""):
    from matplotlib.colors import BoundaryNorm
    from matplotlib.patches import Patch

    n_items = len(STATUS_ITEMS)
    gdf = _map_frame(prefecture.prefecture_code, counts)
    fig, ax = plt.subplots(figsize=(7.5, 7))
    cmap = plt.get_cmap("viridis", n_items + 1)
    norm = BoundaryNorm(np.arange(-0.5, n_items + 1.5), cmap.N)
    full = gdf[gdf["complete"] & gdf.geometry.notna() & ~gdf.geometry.is_empty]
    part = gdf[~gdf["complete"] & gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if len(full):
        charts.add_polygons(ax, full.geometry, values=full["yes_count"], cmap=cmap, norm=norm, linewidth=0.3)
    if len(part):
        charts.add_polygons(ax, part.geometry, facecolor="0.85", linewidth=0.3, hatch="///")
    handles = []
    if len(part):
        handles.append(Patch(facecolor="0.85", hatch="///", label="調査無しの項目あり"))
    missing_poly, star = [], []
    if highlight is not None:
        me = gdf[gdf["code"] == highlight.code]
        if len(me) and me.geometry.notna().all() and not me.geometry.is_empty.all():
            charts.add_polygons(ax, me.geometry, facecolor="none", edgecolor=HIGHLIGHT, linewidth=2.0)
        else:
            missing_poly.append(highlight.name)
        munis = _load("municipalities")
        pos = munis.loc[munis["code"] == highlight.code, ["lng", "lat"]]
        if len(pos) and pos.notna().all(axis=None):
            star.append((pos["lng"].iloc[0], pos["lat"].iloc[0]))
            ax.plot(*star[0], marker="*", color=HIGHLIGHT, markersize=13,
                    markeredgecolor="white", markeredgewidth=0.8, linestyle="none")
            handles.append(plt.Line2D([], [], marker="*", color=HIGHLIGHT, linestyle="none", markersize=11,
                                      label=f"{highlight.name}（役所・役場の位置）"))
    outside = charts.crop_outlying(ax, gdf, highlight.code if highlight is not None else None)
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    ax.set_axis_off()
    aspect = 1 / np.cos(np.deg2rad(gdf.geometry.total_bounds[[1, 3]].mean()))
    ax.set_aspect(aspect)
    title = title or f"{prefecture.name}の市区町村：実施している項目数"
    ax.set_title(title, loc="left")
    _fit_map_figure(fig, ax, aspect, title)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = fig.colorbar(sm, cax=_colorbar_axes(fig, ax), ticks=range(0, n_items + 1))
    cb.set_label(f"実施している項目数（{n_items}項目中）")
    # names: the highlighted body and the most and fewest items among the bodies coloured (all items answered)
    found = charts.label_extremes(ax, gdf.assign(count=gdf["yes_count"].where(gdf["complete"])), "count",
                                  highlight=[highlight.code] if highlight is not None else [], avoid=star)
    return fig, outside, missing_poly, named_extremes(found, gdf)


#: Map layout in inches: usual and widest map width (for long, flat shapes such as 沖縄県
#: with its outer islands), tallest and lowest map, and the band on the right for the colour bar.
_MAP_MAX_W, _MAP_WIDE_W, _MAP_MAX_H, _MAP_MIN_H, _COLORBAR_BAND = 6.0, 8.2, 7.5, 2.5, 1.2


def _fit_map_figure(fig, ax, aspect: float, title: str) -> None:
    """Size the figure to the map's shape (no empty bands above and below it) and lay it out."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    ratio = abs(y1 - y0) * aspect / max(abs(x1 - x0), 1e-9)  # height / width of the map
    w = min(_MAP_WIDE_W, max(_MAP_MAX_W, _MAP_MIN_H / max(ratio, 1e-9)))
    h = w * ratio
    if h > _MAP_MAX_H:
        h, w = _MAP_MAX_H, _MAP_MAX_H / ratio
    h = max(h, _MAP_MIN_H)
    top, margin = charts.title_height_in() + 0.12, 0.1
    fig_w = max(w + margin + _COLORBAR_BAND, charts.text_width_in([title], 12) + 2 * margin)
    fig.set_size_inches(fig_w, h + top + margin)
    charts.fixed_layout(fig, left=margin, right=_COLORBAR_BAND, top=top, bottom=margin)


def _colorbar_axes(fig, ax):
    """Axes for a colour bar in the right-hand band, 55% of the map's height, centred."""
    fig_w, fig_h = fig.get_size_inches()
    pos = ax.get_position()
    height = pos.height * 0.55
    return fig.add_axes([1 - (_COLORBAR_BAND - 0.25) / fig_w, pos.y0 + (pos.height - height) / 2,
                         0.18 / fig_w, height])


def map_section(p: MunicipalityProfile) -> Section:
    """A map of the body's prefecture, coloured by item count, the body outlined in red."""
    pref = _names.resolve_prefecture(p.body.prefecture_code)
    fig, outside, no_polygon, extremes = _count_map(pref, p.counts, p.body, f"{pref.name}の市区町村（赤：{p.body.name}）")
    named = None if no_polygon else p.body.name
    return Section(f"{pref.name}の中の{p.body.name}", fig, _map_caption(outside, p.items, extremes, named), None)


def _map_caption(outside: list[str], items: pd.DataFrame, extremes: list | None = None,
                 highlight_name: str | None = None) -> str:
    n_items = len(STATUS_ITEMS)
    parts = [f"色＝{n_items}項目（推進体制等7項目、AI・RPA・テレワーク）のうち「実施」の数。"
             "斜線＝調査無しの項目がある団体（実施数を比べられないため色を付けない）。"]
    if outside:
        parts.append(f"離島の{len(outside)}団体（{'、'.join(outside[:10])}{'など' if len(outside) > 10 else ''}）は地図の範囲外。")
    parts.append(map_names_sentence(extremes or [], outside, highlight_name, what="実施数",
                                    value_text=lambda v: f"{int(v)}項目", words=("最多", "最少")))
    parts.append(f"調査時点：{_date_note(items)}。{_dashboard_source()}。境界は2021-01-01現在、"
                 f"{describe('boundaries').credit_line}")
    return "".join(parts)


# ============================================================================ prefecture


# ---------------------------------------------------------------------------- sections


def prefecture_identity_section(pp: PrefectureProfile) -> Section:
    """Who the prefecture is: name, population, its municipalities by type."""
    i = pp.info
    types = "、".join(f"{t}{n}" for t, n in i["municipalities_by_type"].items())
    rows = [("都道府県", i["name"]), ("よみ", i["kana"] or "—"),
            ("団体コード", i["code"]), ("県庁所在地", i["capital"] or "—"),
            ("人口（2020年国勢調査）", f"{int_text(i['population_2020'])}人"),
            ("市区町村数", f"{i['municipalities']}（{types}）")]
    cap = ("市区町村の区分は全国地方公共団体コード（2024-01-01）と中核市一覧（2023-04-01）による。"
           f"人口は令和2年国勢調査（2020-10-01）。{describe('prefectures').credit_line}")
    return Section(f"{i['name']}の概要", None, cap, pd.DataFrame(rows, columns=["項目", "内容"]))


def prefecture_status_section(pp: PrefectureProfile) -> Section:
    """The prefecture's own answers beside the share of the other 46 prefectures."""
    t = pp.own_items
    n_others = int(t["total"].max())
    fig = _dot_chart(t, [("others", f"他の{n_others}都道府県の実施割合", GROUP_COLORS["similar"], "o")],
                     f"{pp.prefecture.name}自身の回答と他の都道府県", f"{pp.prefecture.name}の回答",
                     height_per_item=0.42)
    oc = pp.own_count.iloc[0]
    table = pd.DataFrame({
        "指標": t["indicator"],
        f"{pp.prefecture.name}の回答": t["own_status"].astype(object).fillna("—").astype(str),
        f"他の{n_others}都道府県": [_frac(y, n, s) for y, n, s in zip(t["yes"], t["n"], t["share"])],
    })
    pc = pp.own_percent
    extra = ""
    for r in pc.itertuples():
        extra += (f" {r.indicator}：{pp.prefecture.name} {percent_text(r.value)}（{r.rank_label}／{r.ranked}）、"
                  f"他の都道府県の中央値 {percent_text(r.median)}（四分位 {percent_text(r.q1)}〜{percent_text(r.q3)}）。")
    cap = (f"{pp.prefecture.name}の実施数は{int(oc['own_count'])}／{int(oc['items_counted'])}項目。"
           f"他の都道府県の中でのパーセンタイル：{oc['explanation'].split(' / ')[0]}。{extra}"
           f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」（都道府県）。調査時点：{_date_note(pp.own_items_raw)}。"
           f"分母：他の{n_others}都道府県（自県を除く）。{COMPLETE_COUNT_NOTE}{_dashboard_source()}")
    return Section(f"{pp.prefecture.name}自身の取組（他の{n_others}都道府県と比較）", fig, cap, table)


def _range_chart(table: pd.DataFrame, *, label: str, own: str, median: str, q1: str, q3: str,
                 right: str | None, title: str, own_label: str, peer_label: str, xlabel: str):
    """Rows: peers' IQR as a bar, their median as a tick, the body's value as a red dot."""
    t = table.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9.5, 0.36 * len(t) + 1.8))
    y = np.arange(len(t))
    ax.hlines(y, t[q1], t[q3], color="#a1c9f4", lw=7, label=f"{peer_label}の四分位範囲")
    ax.plot(t[median], y, "|", color="#1f5fa8", markersize=12, mew=2, label=f"{peer_label}の中央値")
    ax.plot(t[own], y, "o", color=HIGHLIGHT, markersize=6, label=own_label)
    if right:
        for yi, txt in enumerate(t[right]):
            ax.text(103, yi, str(txt), va="center", fontsize=7.5, color="0.3")
    ax.set_yticks(y, [str(v) for v in t[label]])
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(len(t) - 0.5, -0.7)
    ax.set_xlim(0, 125 if right else 103)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    labels = [str(v) for v in t[label]]
    charts.fixed_layout(fig, left=charts.y_axis_width_in(labels, tick_size=8) + 0.15, right=0.15,
                        top=charts.title_height_in() + 0.12,
                        bottom=charts.x_axis_height_in() + charts.line_height_in(8, 1, 1.75) + 0.22)
    # below the x-axis label whatever the chart's height
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, 0.01), ncol=3,
               fontsize=8, frameon=False)
    return fig


def prefecture_procedures_section(pp: PrefectureProfile) -> Section:
    """The prefectural online procedures: its rate against the other prefectures."""
    r = pp.procedures
    name = pp.prefecture.name
    n_others = int(r["peers_n"].max()) if len(r) else 0
    t = r[r["rate"].notna() | (r["n"] > 0)].reset_index(drop=True)
    nobody = r[(r["n"] == 0) & r["rate"].isna()]
    t = t.assign(right=[f"{k}/{n}" for k, n in zip(t["n"], t["peers_n"])])
    fig = _range_chart(t, label="procedure", own="rate", median="median", q1="q1", q3="q3",
                       right="right", title=f"都道府県の手続のオンライン申請率：{name}と他の都道府県",
                       own_label=name, peer_label=f"他の{n_others}都道府県",
                       xlabel="オンライン申請率（％）　右端：申請率を公表している他の都道府県の数")
    table = pd.DataFrame({
        "手続": t["procedure"],
        name: [percent_text(v) if pd.notna(v) else "公表値なし" for v in t["rate"]],
        "順位（公表団体中）": t["rank_label"],
        "公表している他の都道府県": t["right"],
        "中央値": t["median"].map(percent_text),
        "四分位範囲": [f"{percent_text(a)}〜{percent_text(b)}" for a, b in zip(t["q1"], t["q3"])],
    })
    gaps = pp.procedure_gaps
    gap_text = _quoted(gaps["procedure"]) if len(gaps) else "なし"
    cap = (f"他の都道府県の{pp.min_share * 100:.0f}%以上が申請率を公表しているのに{name}では公表値がない手続：{gap_text}"
           "（公表値がないことはオンライン未対応を意味しない）。"
           f"全{len(r)}手続のうち、どの都道府県にも値のない{len(nobody)}手続"
           f"{'（' + _quoted(nobody['procedure']) + '）' if len(nobody) else ''}は図表から省略。"
           "公表値なし＝申請率の値がない（オンライン未対応・未報告・手続の実施なしのどれかは区別できない）。"
           "順位は表示した値（小数第1位）で付け、同じ表示なら同順位。申請率は手続ごとの申請件数に占める"
           "オンライン申請の割合で、件数は公表されないため加重平均はしません。中央値・四分位は値のある他の都道府県について。"
           f"調査：デジタル庁「自治体DXの取組に関するダッシュボード」（都道府県）。調査時点：エクスポートに記載なし。"
           f"{_dashboard_source('online_procedures')}")
    return Section("都道府県の手続のオンライン化", fig, cap, table)


def _one_body_range(n: pd.Series) -> str:
    """「1団体の違いで割合が約5.3ポイント動きます」 (a range when the respondents differ by item)."""
    lo, hi = 100 / max(int(n.max()), 1), 100 / max(int(n.min()), 1)
    span = f"約{lo:.1f}ポイント" if f"{lo:.1f}" == f"{hi:.1f}" else f"約{lo:.1f}〜{hi:.1f}ポイント"
    return f"1団体の違いで割合が{span}動きます"


def prefecture_municipal_status_section(pp: PrefectureProfile) -> Section:
    """Share of its municipalities answering 実施, per item, against the whole country."""
    t = pp.municipal_status
    name = pp.prefecture.name
    inds = list(t["indicator"])
    fig, ax = plt.subplots(figsize=(9.5, 0.5 * len(inds) + 1.8), layout="constrained")
    y = np.arange(len(inds))
    ax.barh(y, t["share"] * 100, color="#4c72b0", height=0.6, label=f"{name}の市区町村")
    ax.plot(t["national_share"] * 100, y, "D", color=HIGHLIGHT, markersize=6, label="全国の市区町村")
    for yi, (k, n, rk) in enumerate(zip(t["yes"], t["n"], t["rank_label"])):
        ax.text(102, yi, f"{k}/{n}　{rk}", va="center", fontsize=7.5, color="0.25")
    ax.set_yticks(y, inds)
    ax.set_ylim(len(inds) - 0.5, -0.6)
    ax.set_xlim(0, 140)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("実施している市区町村の割合（％）　右端：実施/回答団体と47都道府県中の順位")
    ax.set_title(f"{name}の市区町村の実施割合と全国", loc="left")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    table = pd.DataFrame({
        "指標": t["indicator"], "実施": t["yes"], "未実施": t["no"], "調査無し": t["not_surveyed"],
        "回答団体": t["n"], "全団体": t["total"],
        f"{name}の実施割合": [share_text(v) for v in t["share"]],
        "全国": [_frac(y_, n_, s_) for y_, n_, s_ in zip(t["national_yes"], t["national_n"], t["national_share"])],
        "47都道府県中の順位": t["rank_label"],
    })
    ns = int(t["not_surveyed"].max())
    cap = (f"分母：{name}の回答団体（調査無し{ns}団体は除外）、全国は回答団体" if ns else
           f"分母：{name}の回答市区町村（全{int(t['total'].max())}団体）、全国は回答団体")
    cap += (f"（{int(t['national_n'].min()):,}〜{int(t['national_n'].max()):,}団体）。順位は市区町村の実施割合の高い順"
            "（表示した小数第1位の%が同じなら同順位、最小順位）。"
            f"{COMPLETE_COUNT_NOTE}{name}では{_one_body_range(t['n'])}。"
            f"調査時点：{_date_note(pp.items)}。{_dashboard_source()}")
    return Section(f"{name}の市区町村：推進体制・AI・RPA・テレワーク", fig, cap, table)


def prefecture_municipal_percent_section(pp: PrefectureProfile) -> Section:
    """Distribution of its municipalities on the % items (procedures, cards) against the country."""
    t = pp.municipal_percent
    v = pp.municipal_values
    name = pp.prefecture.name
    mine = v[v["prefecture_code"] == pp.prefecture.prefecture_code]
    inds = list(t["indicator_id"])
    fig, axes = plt.subplots(len(inds), 1, figsize=(9.5, 1.25 * len(inds) + 0.8), sharex=True, squeeze=False)
    for ax, ind in zip(axes[:, 0], inds):
        data = [mine.loc[mine["indicator_id"] == ind, "value"].dropna().to_numpy(),
                v.loc[v["indicator_id"] == ind, "value"].dropna().to_numpy()]
        ax.boxplot(data, orientation="horizontal", widths=0.6, patch_artist=True,
                   boxprops={"facecolor": "#a1c9f4", "linewidth": 0.8},
                   medianprops={"color": "#1f5fa8", "linewidth": 1.6},
                   flierprops={"markersize": 1.5, "markerfacecolor": "0.4", "markeredgecolor": "0.4"})
        ax.set_yticks([1, 2], [name, "全国"])
        ax.set_ylim(2.6, 0.4)
        ax.set_title(str(v.loc[v["indicator_id"] == ind, "indicator"].iloc[0]), loc="left", fontsize=9)
    axes[-1, 0].set_xlabel("割合（％）：箱＝四分位範囲、線＝中央値、ひげ＝1.5×四分位範囲")
    axes[-1, 0].set_xlim(0, 100)
    fig.tight_layout()
    table = pd.DataFrame({
        "指標": t["indicator"], f"{name}：値のある団体": t["n"], "値なし": t["missing"],
        f"{name}の中央値": t["median"].map(percent_text),
        f"{name}の四分位範囲": [f"{percent_text(a)}〜{percent_text(b)}" for a, b in zip(t["q1"], t["q3"])],
        "全国の中央値": t["national_median"].map(percent_text),
        "全国の四分位範囲": [f"{percent_text(a)}〜{percent_text(b)}" for a, b in zip(t["national_q1"], t["national_q3"])],
        "中央値の47都道府県中の順位": t["rank_label"],
    })
    last = v.loc[v["indicator_id"] == "card_issuance_rate_last", "reference_date"].max()
    cap = ("団体ごとの値の分布（団体数で数え、人口で重み付けしない）。"
           "オンライン化状況：よく使う32手続は、その団体が扱う手続のうちオンライン化済の割合（分母は32ではなく扱う手続数）、"
           "子育て・介護26手続も同様；マイナンバーカードの保有状況はダッシュボードの値。これらの調査時点はエクスポートに記載なし"
           f"（{_dashboard_source()}）。マイナンバーカード交付率は{last:%Y-%m-%d}時点の交付枚数÷住民基本台帳人口"
           f"（{describe('mynumber_cards').credit_line}）。値のない団体は分布から除外（表の「値なし」）。")
    return Section(f"{name}の市区町村：オンライン化とマイナンバーカードの分布", fig, cap, table)


def prefecture_map_section(pp: PrefectureProfile) -> Section:
    """Map of the prefecture's municipalities coloured by item count."""
    fig, outside, _, extremes = _count_map(pp.prefecture, pp.counts, None)
    return Section(f"{pp.prefecture.name}の市区町村の地図", fig, _map_caption(outside, pp.items, extremes), None)


def prefecture_municipal_table_section(pp: PrefectureProfile) -> Section:
    """Its municipalities side by side (answers and item counts)."""
    t = analysis.prefecture_detail(pp.items, pp.prefecture.name, columns="indicator_id")
    labels = dict(zip(pp.items["indicator_id"].astype(str), pp.items["indicator"].astype(str)))
    ids = [i for i in STATUS_ITEMS if i in t.columns]
    for i in ids:
        t[i] = t[i].map(lambda s: STATUS_MARKS.get(str(s), "") if pd.notna(s) else "")
    no_value = any((t[i] == "").any() for i in ids)
    missing_pop = t["population_band"].isna()
    unknown = [no_population_sentence(c, n) for c, n in zip(t.loc[missing_pop, "code"], t.loc[missing_pop, "name"])]
    t = t.assign(population_2020=t["population_2020"].map(lambda v: "公表値なし" if pd.isna(v) else int_text(v)),
                 population_band=t["population_band"].astype(object).where(~missing_pop, analysis.UNKNOWN_GROUP))
    t = t.rename(columns={"code": "コード", "name": "団体名", "type": "区分", "population_2020": "人口（2020）",
                          "population_band": "人口規模", "yes_count": "実施数", "answered": "回答項目数",
                          **{i: SHORT_LABELS.get(i, labels.get(i, i)) for i in ids}})
    legend = "、".join(f"{SHORT_LABELS[i]}＝{labels.get(i, i)}" for i in ids if i in SHORT_LABELS)
    cap = ("各団体の回答：○＝実施、×＝未実施、－＝調査無し" + ("、空欄＝回答の値なし。" if no_value else "。") +
           f"列の見出し：{legend}。実施数＝「実施」の数、回答項目数＝調査無し・欠測を除く項目数（各団体自身の分母）。")
    if unknown:
        cap += f"人口規模の「{analysis.UNKNOWN_GROUP}」：{''.join(unknown)}"
    cap += f"調査時点：{_date_note(pp.items)}。{_dashboard_source()}"
    return Section(f"{pp.prefecture.name}の市区町村一覧", None, cap, t)


# ============================================================================ summary


def summary_text(profile: MunicipalityProfile | PrefectureProfile) -> str:
    """A short Japanese summary generated from the numbers (Markdown bullet list).

    For a municipality: who it is; its item count and percentile; strengths (items it has
    that fewer than half of its primary peers have) and gaps (items it lacks that most
    have); online procedures and cards against the primary group; caveats (調査無し items,
    missing values, small or undefined peer groups, unstated reference dates).  For a
    prefecture: its own items against the other 46, its municipalities against the country
    (items ranked in the top or bottom 10), and caveats.
    """
    if isinstance(profile, PrefectureProfile):
        return _prefecture_summary(profile)
    return _municipality_summary(profile)


def _municipality_summary(p: MunicipalityProfile) -> str:
    i = p.info
    pop = f"2020年人口{i['population_2020']:,}人・{i['population_band']}" if i["population_2020"] else "2020年人口の公表値なし"
    lines = [f"**{i['name']}**（{i['prefecture']}、{i['type']}、{pop}）"]
    ct = p.count_table.set_index("group").loc[p.primary]
    n_items = len(STATUS_ITEMS)
    counted = int(ct["items_counted"])
    head = f"推進体制等・AI・RPA・テレワークの{n_items}項目のうち **{int(ct['own_count'])}項目** を実施"
    if counted < n_items:
        head += f"（回答した{counted}項目中）"
    if ct["compared"]:
        head += (f"。{_short_name(p, p.primary)}{int(ct['compared'])}団体の中ではパーセンタイル{ct['percentile']:.0f}"
                 f"（{int(ct['below'])}団体が下回り、{int(ct['equal'])}団体が同数、{int(ct['above'])}団体が上回る）。")
    else:
        head += "。"
    lines.append("- " + head)
    if i["population_2020"] is None:
        lines.append("- " + no_population_sentence(i["code"], i["name"])
                     + f"人口による比較グループは作れないため、{_short_name(p, p.primary)}と比べます。")

    c = p.comparison[p.comparison["group"].astype(str) == p.primary]
    peer = _short_name(p, p.primary)
    strengths = [f"{r.indicator}（{peer}の{share_text(r.share, 0)}）" for r in c.itertuples()
                 if str(r.own_status) == "実施" and pd.notna(r.share) and r.share < 0.5]
    gaps = [f"{r.indicator}（{peer}の{share_text(r.share, 0)}が実施）" for r in c.itertuples()
            if str(r.own_status) == "未実施" and pd.notna(r.share) and r.share >= 0.5]
    if strengths:
        lines.append(f"- **強み**：{peer}では半数未満しか実施していない取組を実施 — " + "、".join(strengths) + "。")
    if gaps:
        lines.append(f"- **課題**：{peer}の半数以上が実施しているが未実施 — " + "、".join(gaps) + "。")
    if not gaps and int(ct["items_counted"]):
        lines.append(f"- {peer}の半数以上が実施している項目は、すべて実施しています。")
    lines.extend(_procedure_summary(p))
    lines.extend(_card_summary(p))
    lines.extend("- " + c for c in _municipality_caveats(p))
    return "\n".join(lines)


def _procedure_summary(p: MunicipalityProfile) -> list[str]:
    out = []
    peer = _short_name(p, p.primary)
    pi = p.percent_items.set_index("indicator_id") if len(p.percent_items) else None
    if pi is not None and "frequent_32_online_rate" in pi.index:
        r = pi.loc["frequent_32_online_rate"]
        if pd.notna(r["value"]):
            rel = _relation(r["value"], r["median"])
            out.append(f"- よく使う32手続のオンライン化状況は{percent_text(r['value'])}で、{peer}の中央値{percent_text(r['median'])}を{rel}"
                       f"（パーセンタイル{r['percentile']:.0f}）。")
    if p.rate_vs_peers is None:
        return out
    if p.procedure_state == NO_BODY_DATA:
        out.append("- " + _no_procedure_data_sentence(p))
        return out
    rv = p.rate_vs_peers
    offered = int(rv["rate"].notna().sum())
    out.append(f"- オンライン申請率が公表されている手続は{len(rv)}手続中{offered}手続。")
    gp = _listed_gaps(p)
    if len(gp):
        names_ = "、".join(f"「{r.procedure}」（{share_text(r.share, 0)}）" for r in gp.head(5).itertuples())
        more = f"など{len(gp)}手続" if len(gp) > 5 else ""
        out.append(f"- **{peer}の多くで申請率が公表されているが、{p.body.name}では公表値がない手続**：{names_}{more}"
                   "（公表値がないことはオンライン未対応を意味しません）。")
    out.extend("- " + t for t in _contradiction_sentences(p))
    return out


def _relation(value: Any, ref: Any) -> str:
    if pd.isna(value) or pd.isna(ref):
        return "比較できない"
    return "上回る" if value > ref else ("下回る" if value < ref else "同じ")


def _card_summary(p: MunicipalityProfile) -> list[str]:
    if p.card_curve is None or not len(p.card_curve):
        return []
    from . import cards

    peer = _short_name(p, p.primary)
    lt = p.card_latest
    text = (f"- マイナンバーカード交付率は{lt['date']:%Y-%m-%d}時点で{percent_text(lt['rate'])}、{peer}の中央値"
            f"{percent_text(lt['median'])}を{_relation(lt['rate'], lt['median'])}")
    pi = p.percent_items.set_index("indicator_id")
    if p.holding_rate is not None and "mynumber_card_holding_rate" in pi.index:
        h = pi.loc["mynumber_card_holding_rate"]
        text += (f"。{cards.HOLDING_LABEL}は{percent_text(p.holding_rate)}（{peer}の中央値{percent_text(h['median'])}を"
                 f"{_relation(p.holding_rate, h['median'])}）")
    return [text + "。"]


def _municipality_caveats(p: MunicipalityProfile) -> list[str]:
    out = []
    ns = p.not_surveyed_items
    if ns:
        out.append(f"**注意**：{p.body.name}は{len(ns)}項目（{'、'.join(ns[:3])}{'など' if len(ns) > 3 else ''}）が"
                   "**調査無し**（令和6年能登半島地震の被災団体）のため、これらの項目は比較できません。")
    others_ns = {k: int(p.comparison[p.comparison["group"].astype(str) == k]["not_surveyed"].max())
                 for k in GROUP_ORDER if p.groups[k].size}
    with_ns = [f"{_short_name(p, k)}（{v}団体）" for k, v in others_ns.items() if v]
    if with_ns:
        out.append("注意：比較グループに調査無しの団体があり、その団体は分母から除外しています — " + "、".join(with_ns) + "。")
    missing = [r.indicator for r in p.percent_items.itertuples() if pd.isna(r.value)]
    if missing:
        out.append(f"注意：{p.body.name}には公表値のない項目があります（{'、'.join(missing)}）。")
    for k in GROUP_ORDER:
        g = p.groups[k]
        if g.note:
            out.append(f"注意：{_short_name(p, k)} — {g.note_ja}。")
    out.append("注意：AI・RPA・テレワーク、オンライン手続の率、マイナンバーカード保有状況は、エクスポートに調査時点の記載がありません。")
    return out


def _prefecture_summary(pp: PrefectureProfile) -> str:
    i = pp.info
    name = i["name"]
    oc = pp.own_count.iloc[0]
    n_others = int(pp.own_items["total"].max())
    lines = [f"**{name}**（人口{int_text(i['population_2020'])}人、市区町村{i['municipalities']}）"]
    lines.append(f"- {name}自身は{int(oc['items_counted'])}項目のうち **{int(oc['own_count'])}項目** を実施"
                 f"（他の{n_others}都道府県の中でパーセンタイル{oc['percentile']:.0f}：{int(oc['below'])}団体が下回り、"
                 f"{int(oc['equal'])}団体が同数、{int(oc['above'])}団体が上回る）。")
    t = pp.own_items
    gaps = [f"{r.indicator}（他の都道府県の{share_text(r.share, 0)}が実施）" for r in t.itertuples()
            if str(r.own_status) == "未実施" and r.share >= 0.5]
    rare = [f"{r.indicator}（他の都道府県の{share_text(r.share, 0)}）" for r in t.itertuples()
            if str(r.own_status) == "実施" and r.share < 0.5]
    if rare:
        lines.append("- **強み**：他の都道府県では半数未満の取組を実施 — " + "、".join(rare) + "。")
    if gaps:
        lines.append("- **課題**：他の都道府県の多くが実施しているが未実施 — " + "、".join(gaps) + "。")
    if len(pp.procedure_gaps):
        lines.append(f"- 他の都道府県の{pp.min_share * 100:.0f}%以上がオンライン申請率を公表しているのに公表値がない手続："
                     + _quoted(pp.procedure_gaps["procedure"]) + "（公表値がないことはオンライン未対応を意味しません）。")
    ms = pp.municipal_status
    top = [f"{r.indicator}（{r.rank_label}）" for r in ms.itertuples() if pd.notna(r.rank) and int(r.rank) <= 10]
    low = [f"{r.indicator}（{r.rank_label}）" for r in ms.itertuples() if pd.notna(r.rank) and int(r.rank) >= 38]
    if top:
        lines.append("- **市区町村の実施割合が上位10位以内**：" + "、".join(top) + "。")
    if low:
        lines.append("- **市区町村の実施割合が下位10位以内**：" + "、".join(low) + "。")
    mp = pp.municipal_percent
    parts = []
    for r in mp.itertuples():
        if pd.notna(r.median) and pd.notna(r.national_median):
            rel = "上回る" if r.median > r.national_median else ("下回る" if r.median < r.national_median else "同じ")
            parts.append(f"{r.indicator}の中央値{percent_text(r.median)}は全国の市区町村の中央値"
                         f"{percent_text(r.national_median)}を{rel}" if rel != "同じ"
                         else f"{r.indicator}の中央値{percent_text(r.median)}は全国の市区町村の中央値と同じ")
    if parts:
        lines.append("- 市区町村の値：" + "；".join(parts) + "。")
    ns = int(ms["not_surveyed"].max())
    if ns:
        lines.append(f"- **注意**：{ns}団体が推進体制等の項目で**調査無し**（令和6年能登半島地震の影響）のため、"
                     "その団体は割合の分母から除いています。")
    if i["municipalities"] < 20:
        lines.append(f"- 注意：市区町村が{i['municipalities']}団体と少ないため、{_one_body_range(ms['n'])}"
                     "（順位も動きやすくなります）。")
    missing = mp[mp["missing"] > 0]
    for r in missing.itertuples():
        lines.append(f"- 注意：{r.indicator}は{r.missing}団体に値がありません。")
    lines.append("- 注意：AI・RPA・テレワーク、オンライン手続の率、マイナンバーカード保有状況は、エクスポートに調査時点の記載がありません。")
    return "\n".join(lines)
