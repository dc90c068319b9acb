"""Checks for lesson 3 (人口の近い同区分団体と比べる).

The exercises are about one municipality, :data:`BODY` (pass ``body=...`` to check another):
q1 — its 6-digit code; q2 — the size of its same-prefecture peer group; q3 — the share of
its "similar bodies" (人口の近い同区分団体) that appointed a CIO; q4 — the percentile of its number of
implemented items among its similar bodies.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from . import AnswerError, as_number, close, fmt, question, right, type_name, wrong

__all__ = ["BODY", "q1", "q2", "q3", "q4", "yes_counts"]

#: The municipality of the exercises.
BODY = "長野県塩尻市"


def _body(body: str = BODY):
    from jdxlib.names import resolve_municipality

    return resolve_municipality(body)


def yes_counts() -> pd.Series:
    """Number of yes/no dashboard items each municipality answered 実施 (index: code).

    Items without a 実施/未実施 status (percentages) are not counted.
    """
    import jdxlib

    dx = jdxlib.load("dx_status")
    dx = dx[(dx["level"].astype(str) == "municipality") & dx["status"].notna()]
    codes = jdxlib.load("municipalities")["code"].astype(str)
    counts = (dx["status"].astype(str) == "実施").groupby(dx["code"].astype(str)).sum()
    return counts.reindex(codes, fill_value=0).astype("int64").rename("yes_count")


# ------------------------------------------------------------------------------ q1


def _ref_q1(body: str = BODY) -> dict:
    m = _body(body)
    return {"code": m.code, "code5": m.code5, "name": m.full_name}


@question("lesson3.q1", "6桁の団体コードの文字列（例: '011002'）", _ref_q1)
def q1(answer: Any, ref: dict):
    """The 6-digit code (with check digit) of :data:`BODY`, as a string."""
    if isinstance(answer, str):
        text = answer.strip()
        if text == ref["code"]:
            return right(f"正解です。{ref['name']} の団体コードは {ref['code']}（末尾が検査数字）。"
                         "jdx のデータはすべてこの6桁のコードでつながります。")
        if text == ref["code5"]:
            return wrong("それは検査数字の付かない5桁のコードです。jdx のデータは6桁（検査数字付き）を使います。"
                         "`resolve_municipality(...).code` を使ってください。")
        return wrong(f"{text!r} は {ref['name']} のコードではありません。`resolve_municipality('{ref['name']}').code` を使ってください。")
    if hasattr(answer, "code") and isinstance(getattr(answer, "code"), str):
        return wrong("Municipality オブジェクトそのものではなく、その `.code`（文字列）を答えてください。")
    n = as_number(answer, "団体コード")
    if str(int(n)).zfill(6) == ref["code"]:
        return wrong("数値ではなく文字列で答えてください（`'" + ref["code"] + "'`）。コードを数値にすると、"
                     "先頭の 0 が消える団体があります（北海道 01… など）。")
    raise AnswerError(f"団体コードは文字列で答えてください（受け取ったのは {type_name(answer)}）。")


# ------------------------------------------------------------------------------ q2


def _ref_q2(body: str = BODY) -> dict:
    from jdxlib.peers import peer_groups

    m = _body(body)
    g = peer_groups(m.code)["same_prefecture"]
    return {"size": g.size, "prefecture": m.prefecture, "name": m.full_name}


@question("lesson3.q2", "同じ都道府県のピアグループの団体数（整数）", _ref_q2)
def q2(answer: Any, ref: dict):
    """Size of the ``same_prefecture`` peer group of :data:`BODY` (itself excluded)."""
    n = as_number(answer, "団体の数")
    if n == ref["size"]:
        return right(f"正解です。{ref['prefecture']}の他の市区町村は {ref['size']} 団体。"
                     "ピアグループには自分自身を含めません。")
    if n == ref["size"] + 1:
        return wrong(f"自団体を含めていませんか？ {ref['prefecture']}の市区町村は {ref['size'] + 1} 団体ですが、"
                     "比較相手（ピア）には自分を含めません。`.size` を使ってください。")
    return wrong(f"{fmt(n, 0)} ではありません。`peer_groups(code)['same_prefecture'].size` を見てください。")


# ------------------------------------------------------------------------------ q3


def _ref_q3(body: str = BODY) -> dict:
    from jdxlib import analysis
    from jdxlib.peers import peer_groups
    from jdxlib.stats import share_table

    m = _body(body)
    items = analysis.status_items("cio_appointed")
    table = analysis.peer_comparison(items, m.code)
    row = table[table["group"].astype(str) == "similar"].iloc[0]
    groups = peer_groups(m.code)
    with_self = items[items["code"].isin(set(groups["similar"].codes) | {m.code})]
    same_type = table[table["group"].astype(str) == "same_type"].iloc[0]
    return {
        "share": float(row["share"]), "yes": int(row["yes"]), "n": int(row["n"]),
        "with_self": float(share_table(with_self, None)["share"].iloc[0]),
        "same_type": float(same_type["share"]), "own": str(row["own_status"]), "name": m.full_name,
    }


@question("lesson3.q3", "人口の近い同区分団体のうち CIO を任命している割合（0〜1 の小数）", _ref_q3)
def q3(answer: Any, ref: dict):
    """Share of the ``similar`` peers of :data:`BODY` answering 実施 for ``cio_appointed``."""
    x = as_number(answer, "割合")
    if close(x, ref["share"], 5e-4) or close(x, 100 * ref["share"], 0.05):
        unit = "（% で答えていますね）" if x > 1 else ""
        return right(f"正解です{unit}。人口の近い同区分団体 {ref['n']} 団体のうち {ref['yes']} 団体が実施"
                     f"（{ref['share']*100:.1f}%）。{ref['name']} 自身は「{ref['own']}」です。")
    if close(x, ref["with_self"], 5e-4) or close(x, 100 * ref["with_self"], 0.05):
        return wrong("自団体を含めて計算していませんか？ 人口の近い同区分団体（ピア）には自分を含めません。")
    if close(x, ref["same_type"], 5e-4) or close(x, 100 * ref["same_type"], 0.05):
        return wrong("それは「同じ団体区分（全国）」の割合です。group が 'similar' の行を見てください。")
    return wrong(f"{fmt(x, 3)} ではありません。`analysis.peer_comparison(items, code)` の "
                 "group == 'similar' の行の share です。")


# ------------------------------------------------------------------------------ q4


def _ref_q4(body: str = BODY) -> dict:
    from jdxlib.peers import peer_groups
    from jdxlib.stats import percentile_of

    m = _body(body)
    counts = yes_counts()
    peers = list(peer_groups(m.code)["similar"].codes)
    own = int(counts[m.code])
    r = percentile_of(own, counts[peers])
    r_self = percentile_of(own, counts[peers + [m.code]])
    r_all = percentile_of(own, counts.drop(m.code))
    return {"p": r.percentile, "self": r_self.percentile, "all": r_all.percentile, "own": own,
            "result": r, "name": m.full_name}


@question("lesson3.q4", "人口の近い同区分団体の中でのパーセンタイル（0〜100 の数値、または percentile_of の結果）", _ref_q4)
def q4(answer: Any, ref: dict):
    """Percentile of the number of 実施 items of :data:`BODY` among its similar peers."""
    value = getattr(answer, "percentile", answer)
    x = as_number(value, "パーセンタイル")
    if close(x, ref["p"], 0.05):
        r = ref["result"]
        return right(f"正解です。{ref['name']} の実施項目数は {ref['own']}。{r.explanation}")
    if close(x, ref["self"], 0.05):
        return wrong("自団体を比較対象に含めていませんか？ 比べる相手は人口の近い同区分団体（自団体を除く）だけです。")
    if close(x, ref["all"], 0.05):
        return wrong("全国の市区町村と比べていませんか？ 人口の近い同区分団体（peer_groups の 'similar'）だけと比べてください。")
    if close(x, ref["p"] / 100, 5e-4):
        return wrong("パーセンタイルは 0〜100 です（0〜1 ではありません）。`.percentile` をそのまま使ってください。")
    return wrong(f"{fmt(x)} ではありません。`percentile_of(自団体の実施数, 人口の近い同区分団体の実施数)` の `.percentile` です。")
