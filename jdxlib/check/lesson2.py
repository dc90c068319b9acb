"""Checks for lesson 2 (割合と分母：1,741 と 1,733).

q1 — share of municipalities that appointed a CIO, in %, over respondents; q2 — a table of
yes / respondents / share per 推進体制 item; q3 — how many points one municipality moves the
CIO share of 石川県 (a complete count needs no interval; a small group moves in big steps);
q4 — the percentage recomputed from the published R5 CISO count.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import AnswerError, as_number, close, fmt, question, right, type_name, wrong

__all__ = ["CIO", "Q3_PREFECTURE", "q1", "q2", "q3", "q4"]

#: The indicator of q1 and q3.
CIO = "cio_appointed"


def _governance_items() -> list[str]:
    from jdxlib import themes

    return list(themes.get("governance")["per_body"]["dx_status"])


def _counts(indicator_id: str = CIO) -> dict:
    from jdxlib import analysis

    items = analysis.status_items(indicator_id)
    status = items["status"].astype("string")
    yes = int((status == "実施").sum())
    no = int((status == "未実施").sum())
    ns = int((status == "調査無し").sum())
    return {"yes": yes, "no": no, "not_surveyed": ns, "n": yes + no, "total": len(items)}


# ------------------------------------------------------------------------------ q1


def _ref_q1() -> dict:
    c = _counts()
    c["pct"] = 100 * c["yes"] / c["n"]
    c["pct_all"] = 100 * c["yes"] / c["total"]
    return c


@question("lesson2.q1", "CIO を任命している市区町村の割合（%、例: 12.3）", _ref_q1)
def q1(answer: Any, ref: dict):
    """Share (%) of responding municipalities with a CIO (実施 ÷ 回答団体 × 100)."""
    x = as_number(answer, "割合（%）")
    if close(x, ref["pct"], 0.05):
        return right(f"正解です。{ref['yes']:,} ÷ {ref['n']:,} × 100 ＝ {ref['pct']:.1f}%。"
                     f"調査無しの {ref['not_surveyed']} 団体を除いた回答団体 {ref['n']:,} が分母です。")
    if close(x, ref["pct_all"], 0.05):
        return wrong(f"{ref['total']:,} で割っていませんか？ 調査無しの団体を除いた回答団体 "
                     f"{ref['n']:,} が分母です（{ref['total']:,} で割ると {ref['pct_all']:.1f}% と小さく出ます）。")
    if close(x, ref["pct"] / 100, 0.0005) or close(x, ref["pct_all"] / 100, 0.0005):
        return wrong("0〜1 の小数になっています。% で答えるには 100 を掛けます。"
                     + ("（分母も確認：回答団体で割りましたか？）" if close(x, ref["pct_all"] / 100, 0.0005) else ""))
    if close(x, 100 * ref["no"] / ref["n"], 0.05):
        return wrong("それは「未実施」の割合です。「実施」の数を分子にしてください。")
    return wrong(f"{fmt(x)}% ではありません。分子は「実施」の団体数、分母は「実施」＋「未実施」"
                 "（＝調査無しを除いた回答団体）です。")


# ------------------------------------------------------------------------------ q2


def _ref_q2() -> pd.DataFrame:
    from jdxlib import analysis, stats

    items = analysis.status_items(_governance_items())
    t = stats.share_table(items, "indicator_id")
    t["indicator_id"] = t["indicator_id"].astype(str)
    return t.set_index("indicator_id")


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        raise AnswerError(f"列 `{name}` がありません（ある列：{', '.join(map(str, df.columns))}）。"
                          "列名を yes / n / share にしてください。")
    return pd.to_numeric(df[name], errors="coerce").astype(float)


@question("lesson2.q2", "indicator_id ごとに yes・n・share の列を持つ DataFrame", _ref_q2)
def q2(answer: Any, ref: pd.DataFrame):
    """Per item: ``yes`` (実施), ``n`` (respondents) and ``share`` (yes / n, 0–1)."""
    if isinstance(answer, pd.Series):
        raise AnswerError("Series ではなく、yes・n・share の3列を持つ DataFrame を答えてください。")
    if not isinstance(answer, pd.DataFrame):
        raise AnswerError(f"DataFrame を答えてください（受け取ったのは {type_name(answer)}）。")
    df = answer.copy()
    if "indicator_id" in df.columns:
        df = df.set_index("indicator_id")
    df.index = df.index.astype(str)
    missing = [i for i in ref.index if i not in df.index]
    if missing:
        return wrong(f"指標が足りません：{', '.join(missing)}。indicator_id を index か列にして、"
                     f"{len(ref)} 項目すべてを並べてください。")
    df = df.loc[list(ref.index)]
    yes, n, share = _column(df, "yes"), _column(df, "n"), _column(df, "share")
    if not np.allclose(yes.to_numpy(), ref["yes"].to_numpy()):
        return wrong("yes（「実施」の団体数）が合いません。`status == '実施'` の数を数えていますか？")
    if np.allclose(n.to_numpy(), ref["total"].to_numpy()) and not np.allclose(n, ref["n"]):
        return wrong(f"n が全団体数（{int(ref['total'].iloc[0]):,}）になっています。n は回答団体"
                     "＝「調査無し」を除いた団体数です（1,741 ではなく 1,733 になる項目があります）。")
    if not np.allclose(n.to_numpy(), ref["n"].to_numpy()):
        return wrong("n（回答団体数＝実施＋未実施）が合いません。「調査無し」を除いて数えてください。")
    if np.allclose(share.to_numpy(), 100 * ref["share"].to_numpy(), atol=0.05):
        return wrong("share が % になっています。この表では 0〜1 の小数（yes ÷ n）にしてください。")
    if not np.allclose(share.to_numpy(), ref["share"].to_numpy(), atol=5e-4):
        return wrong("share が yes ÷ n になっていません。")
    return right(f"正解です。{len(ref)} 項目すべて、分母は回答団体です（"
                 + "、".join(sorted({f'{int(v):,}' for v in ref['n']})) + " 団体）。"
                 "`jdxlib.stats.share_table(items, 'indicator_id')` でも同じ表が得られます。")


# ------------------------------------------------------------------------------ q3

#: The prefecture of q3: 8 of its 19 municipalities were not surveyed (調査無し).
Q3_PREFECTURE = "石川県"


def _ref_q3() -> dict:
    from jdxlib import analysis

    items = analysis.status_items(CIO)
    status = items.loc[items["prefecture"].astype(str) == Q3_PREFECTURE, "status"].astype("string")
    n = int(status.isin(["実施", "未実施"]).sum())
    total = int(len(status))
    return {"n": n, "total": total, "yes": int((status == "実施").sum()), "pp": 100 / n, "pp_all": 100 / total}


@question("lesson2.q3", f"{Q3_PREFECTURE}の CIO 任命割合を1団体が動かす幅（ポイント、例: 2.5）", _ref_q3)
def q3(answer: Any, ref: dict):
    """How many percentage points one municipality moves the prefecture's share (100 ÷ respondents)."""
    x = as_number(answer, "ポイント")
    if close(x, ref["pp"], 0.05):
        return right(f"正解です。100 ÷ {ref['n']} ＝ 約{ref['pp']:.1f}ポイント。{Q3_PREFECTURE}は回答団体が {ref['n']} と少ないので、"
                     "1団体が任命するかどうかで割合がこれだけ動きます。全団体を数えた値なので信頼区間は要りません："
                     "この割合は推定ではなく、数えた事実です。")
    if close(x, ref["pp_all"], 0.05):
        return wrong(f"全団体数 {ref['total']} で割っていませんか？ 割合の分母は回答団体 {ref['n']}"
                     f"（調査無しの {ref['total'] - ref['n']} 団体を除く）なので、1団体の重みも回答団体で決まります。")
    if close(x, ref["pp"] / 100, 5e-4) or close(x, 1 / ref["total"], 5e-4):
        return wrong("0〜1 の小数になっています。ポイント（%の差）にするには 100 を掛けます（分母は回答団体です）。")
    return wrong(f"{fmt(x)} ではありません。100 ÷ 回答団体数（実施＋未実施、調査無しを除く）を計算してください。")


# ------------------------------------------------------------------------------ q4


def _ref_q4() -> dict:
    import jdxlib

    df = jdxlib.load("national_indicators")
    row = df[(df["series_id"] == "ciso_appointed") & (df["level"] == "municipality")
             & (df["fiscal_year_survey"] == "R5")].iloc[0]
    return {"count": int(row["count"]), "den": int(row["denominator"]), "published": float(row["percent"]),
            "pct": 100 * int(row["count"]) / int(row["denominator"]), "check": str(row["check"])}


@question("lesson2.q4", "R5 の CISO 任命数 ÷ 全市区町村数 × 100（%）", _ref_q4)
def q4(answer: Any, ref: dict):
    """The CISO percentage recomputed from the published count (count ÷ denominator × 100)."""
    x = as_number(answer, "割合（%）")
    if close(x, ref["pct"], 0.05):
        return right(f"正解です。{ref['count']:,} ÷ {ref['den']:,} × 100 ＝ {ref['pct']:.1f}% で、公表された "
                     f"{ref['published']}% と合いません（check = '{ref['check']}'）。件数と割合のどちらかが誤りで、"
                     "jdx は黙って直さずに印を付けています。")
    if close(x, ref["published"], 0.05):
        return wrong(f"{ref['published']}% は公表値そのものです。count と denominator から自分で計算し直してください。")
    if close(x, 100.0, 0.05):
        return wrong(f"{ref['count']:,} を {ref['count']:,} で割っていませんか？ 分母は denominator（{ref['den']:,}）です。")
    if close(x, ref["pct"] / 100, 5e-4):
        return wrong("0〜1 の小数になっています。% にするには 100 を掛けます。")
    return wrong(f"{fmt(x)}% ではありません。`count / denominator * 100` を計算してください。")
