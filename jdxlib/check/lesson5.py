"""Checks for lesson 5 (回答しなかったのはだれか：オープンデータ調査).

q1 — response status counts of the 1,741 municipalities in the 2024 survey; q2 — the share
(%) answering 「取り組んでいる」 over the respondents; q3 — its bounds over all municipalities
(every non-respondent "no" / "yes"); q4 — the share (%) with a DX policy among the 未提出
municipalities; q5 — how many municipalities submitted both surveys; q6 — how many of them
went down in awareness of open data between 2020 and 2024.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import AnswerError, as_number, close, fmt, question, right, type_name, wrong

__all__ = ["ENGAGED", "q1", "q2", "q3", "q4", "q5", "q6"]

#: The option counted as "yes" in q2 and q3 (our label of 2024 Q3).
ENGAGED = "取り組んでいる"
STATUSES = ("提出済", "未提出", "未確認")


# ------------------------------------------------------------------------------ q1


def _ref_q1() -> dict:
    from jdxlib import opendata

    muni = opendata.status_table("2024", None, "municipality").set_index("status")["count"]
    every = opendata.status_table("2024", None, "all").set_index("status")["count"]
    return {"muni": {k: int(muni[k]) for k in STATUSES}, "all": {k: int(every[k]) for k in STATUSES}}


def _as_counts(answer: Any) -> dict:
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    if isinstance(answer, pd.Series):
        answer = answer.to_dict()
    if not isinstance(answer, dict):
        raise AnswerError(f"状態ごとの団体数を dict か Series で答えてください（受け取ったのは {type_name(answer)}）。")
    out = {}
    for k, v in answer.items():
        if str(k) in STATUSES:
            out[str(k)] = as_number(v, f"{k} の団体数")
    missing = [s for s in STATUSES if s not in out]
    if missing:
        raise AnswerError(f"{'・'.join(missing)} の団体数がありません。キーは {', '.join(STATUSES)} です。")
    return out


@question("lesson5.q1", "状態（提出済・未提出・未確認）ごとの団体数の dict か Series（`value_counts()` の結果など）", _ref_q1)
def q1(answer: Any, ref: dict):
    """Response status counts of the 1,741 municipalities, 2024 wave."""
    got = _as_counts(answer)
    if all(close(got[k], ref["muni"][k], 0) for k in STATUSES):
        m = ref["muni"]
        return right(f"正解です。提出済{m['提出済']:,}・未提出{m['未提出']:,}・未確認{m['未確認']:,}"
                     f"（計{sum(m.values()):,}市区町村）。回答しなかった団体が{m['未提出'] + m['未確認']:,}あります。")
    if all(close(got[k], ref["all"][k], 0) for k in STATUSES):
        return wrong("都道府県（47団体）も数えています。`level == 'municipality'` の行だけにしてください。")
    if sum(got.values()) > 1788:
        return wrong("団体数が多すぎます。表は団体 × 設問 × 選択肢ごとの行なので、"
                     "`drop_duplicates('code')` で1団体1行にしてから数えてください。")
    return wrong("数が合いません。2024年度（wave == '2024'）の市区町村について、1団体1行にして status を数えてください。")


# ------------------------------------------------------------------------------ q2, q3


def _bounds() -> pd.Series:
    from jdxlib import opendata

    return opendata.bounds("Q3", [ENGAGED], "2024").iloc[0]


def _ref_q2() -> dict:
    b = _bounds()
    return {"share": 100 * b["share"], "all": 100 * b["low"], "yes": int(b["yes"]), "n": int(b["respondents"]),
            "total": int(b["total"]), "not": 100 * (b["respondents"] - b["yes"]) / b["respondents"]}


@question("lesson5.q2", "割合（%）の数値（例: 12.3）", _ref_q2)
def q2(answer: Any, ref: dict):
    """Share (%) of municipalities answering 「取り組んでいる」 over those who answered Q3."""
    x = as_number(answer, "割合（%）")
    if close(x, ref["share"], 0.05):
        return right(f"正解です。{ref['yes']:,} ÷ {ref['n']:,} ＝ {fmt(ref['share'])}%。分母は回答した団体です。"
                     "回答しなかった団体を「取り組んでいない」と数えてはいけません。")
    if close(x, ref["share"] / 100, 0.0005):
        return wrong("0〜1 の小数になっています。100 を掛けて % にしてください。")
    if close(x, ref["all"], 0.05):
        return wrong(f"分母が全{ref['total']:,}団体になっています。回答しなかった団体は答えが分からないので、"
                     f"分母は回答した{ref['n']:,}団体にしてください。")
    if close(x, ref["not"], 0.05):
        return wrong(f"それは「取り組んでいない」の割合です。「{ENGAGED}」を数えてください。")
    return wrong("割合が合いません。Q3 に答えた市区町村を分母に、「取り組んでいる」を分子にしてください。")


def _ref_q3() -> dict:
    b = _bounds()
    return {"low": 100 * b["low"], "high": 100 * b["high"], "share": 100 * b["share"], "nr": int(b["nonrespondents"])}


@question("lesson5.q3", "（下限, 上限）の2つの数値のタプル（%）", _ref_q3)
def q3(answer: Any, ref: dict):
    """Bounds (%) over all municipalities: every non-respondent "no", every non-respondent "yes"."""
    if isinstance(answer, (pd.Series, np.ndarray)):
        answer = list(answer)
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise AnswerError(f"（下限, 上限）の2つの数値で答えてください（受け取ったのは {type_name(answer)}）。")
    lo, hi = (as_number(v, "範囲の値") for v in answer)
    if close(lo, ref["low"], 0.05) and close(hi, ref["high"], 0.05):
        return right(f"正解です。全団体での割合は {fmt(ref['low'])}%〜{fmt(ref['high'])}% の間です。"
                     f"回答団体での {fmt(ref['share'])}% はこの範囲に入りますが、未回答の{ref['nr']}団体の答え次第で"
                     "全体の値はこれだけ動き得ます。全団体に尋ねた調査なので、幅は標本誤差ではなく無回答から生じます。")
    if close(hi, ref["low"], 0.05) and close(lo, ref["high"], 0.05):
        return wrong("下限と上限が逆です。（下限, 上限）の順にしてください。")
    if close(lo, ref["low"] / 100, 0.0005) or close(hi, ref["high"] / 100, 0.0005):
        return wrong("0〜1 の小数になっています。100 を掛けて % にしてください。")
    if close(lo, ref["low"], 0.05) and close(hi, ref["share"], 0.05):
        return wrong("上限は、回答しなかった団体がすべて「はい」（取り組んでいる）だった場合です。"
                     "（取り組んでいる＋未回答）÷ 全団体 を計算してください。")
    return wrong("範囲が合いません。下限＝取り組んでいる ÷ 全団体、上限＝（取り組んでいる＋未回答）÷ 全団体 です。")


# ------------------------------------------------------------------------------ q4


def _ref_q4() -> dict:
    from jdxlib import opendata

    d = opendata.dx_by_response("dx_policy_formulated").set_index("group")
    row = d.loc["未提出"]
    return {"share": 100 * row["share"], "yes": int(row["yes"]), "n": int(row["n"]), "bodies": int(row["bodies"]),
            "engaged": 100 * d.loc[ENGAGED, "share"]}


@question("lesson5.q4", "割合（%）の数値", _ref_q4)
def q4(answer: Any, ref: dict):
    """Share (%) of 未提出 municipalities whose DX policy is 実施 (over those answering that item)."""
    x = as_number(answer, "割合（%）")
    if close(x, ref["share"], 0.05):
        return right(f"正解です。未提出の団体では {ref['yes']} ÷ {ref['n']} ＝ {fmt(ref['share'])}%。"
                     f"取り組んでいる団体（{fmt(ref['engaged'])}%）とも、取り組んでいない団体とも違います。"
                     "回答しなかった団体は回答した団体の縮図ではないので、回答団体の割合を全体の値とは読めません。")
    if close(x, 100 * ref["yes"] / ref["bodies"], 0.05):
        return wrong(f"分母に調査無しの団体が入っています。全体方針策定に実施・未実施と答えた{ref['n']}団体を分母にしてください。")
    if close(x, ref["share"] / 100, 0.0005):
        return wrong("0〜1 の小数になっています。100 を掛けて % にしてください。")
    if close(x, ref["engaged"], 0.05):
        return wrong("それは「取り組んでいる」団体の割合です。status が「未提出」の市区町村について計算してください。")
    return wrong("割合が合いません。2024年度に未提出の市区町村の code で dx_status を絞り、実施 ÷（実施＋未実施）を計算してください。")


# ------------------------------------------------------------------------------ q5, q6


def _ref_panel() -> dict:
    from jdxlib import opendata

    st = {w: opendata.status_by_body(w, "municipality") for w in opendata.WAVES}
    sub = {w: set(st[w].loc[st[w]["status"].astype(str) == "提出済", "code"]) for w in st}
    s = opendata.panel_change_summary("awareness", level="municipality").set_index("change")["count"]
    return {"panel": len(opendata.panel("municipality")), "2024": len(sub["2024"]), "2020": len(sub["2020"]),
            "either": len(sub["2024"] | sub["2020"]),
            "down": int(s["down"]), "up": int(s["up"]), "same": int(s["same"]),
            "down_all": int(opendata.panel_change_summary("awareness", level="all").set_index("change")["count"]["down"])}


@question("lesson5.q5", "団体数（整数）", _ref_panel)
def q5(answer: Any, ref: dict):
    """Municipalities that submitted in both 2020 and 2024 (the panel)."""
    x = as_number(answer, "団体数")
    if close(x, ref["panel"], 0):
        return right(f"正解です。両年度とも提出したのは{ref['panel']:,}市区町村です。変化を数えてよいのはこの団体だけです。")
    if close(x, ref["2024"], 0) or close(x, ref["2020"], 0):
        return wrong("片方の年度に提出した団体を数えています。2020年度と2024年度の両方で提出済の団体（共通部分）を数えてください。")
    if close(x, ref["either"], 0):
        return wrong("どちらかの年度に提出した団体（和集合）になっています。両年度とも提出した団体（共通部分、`&`）にしてください。")
    return wrong("数が合いません。年度ごとに提出済の市区町村の code の集合を作り、共通部分の大きさを数えてください。")


@question("lesson5.q6", "団体数（整数）", _ref_panel)
def q6(answer: Any, ref: dict):
    """Municipalities of the panel whose awareness (identically worded in both waves) went down."""
    x = as_number(answer, "団体数")
    if close(x, ref["down"], 0):
        return right(f"正解です。認知が下がった{ref['down']}団体、変わらない{ref['same']}団体、上がった{ref['up']}団体。"
                     "同じ言い方の設問で、両年度とも答えた団体どうしを比べています。")
    if close(x, ref["up"], 0):
        return wrong("向きが逆です。選択肢は「良く知っている」が最も高い認知です。2024年の段階が2020年より低い団体を数えてください。")
    if close(x, ref["down_all"], 0):
        return wrong("都道府県も数えています。市区町村（level == 'municipality'）だけにしてください。")
    return wrong("数が合いません。`opendata.panel_change('awareness', level='municipality')` の change 列を数えてみましょう。")
