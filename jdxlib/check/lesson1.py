"""Checks for lesson 1 (データセットを読み込み、出典を読む).

q1 — number of municipalities; q2 — municipalities per type; q3 — the credit line (出典) of
``dx_status``; q4 — municipalities with fewer than 5,000 inhabitants (2020).
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from . import AnswerError, as_number, fmt, question, right, type_name, wrong

__all__ = ["q1", "q2", "q3", "q4"]


def _municipalities() -> pd.DataFrame:
    import jdxlib

    return jdxlib.load("municipalities")


# ------------------------------------------------------------------------------ q1


def _ref_q1() -> dict:
    import jdxlib

    return {"n": len(_municipalities()), "n_pref": len(jdxlib.load("prefectures"))}


@question("lesson1.q1", "市区町村の数（整数。例: `len(munis)`）", _ref_q1)
def q1(answer: Any, ref: dict):
    """Number of rows of ``municipalities``."""
    n = as_number(answer, "団体の数")
    if n == ref["n"]:
        return right(f"正解です。municipalities には {ref['n']:,} 団体（1行＝1団体）あります。"
                     "全国の市区町村数は、割合の分母としてこの後も何度も出てきます。")
    if n == ref["n"] + ref["n_pref"]:
        return wrong(f"{int(n):,} は市区町村 {ref['n']:,} と都道府県 {ref['n_pref']} の合計です。"
                     "municipalities だけの行数を数えてください。")
    if 0 < n < 1:
        return wrong("割合ではなく、団体の数（行数）を答えてください。")
    return wrong(f"{fmt(n, 0)} ではありません。`len(munis)` か `munis.shape[0]` で行数を数えてください。")


# ------------------------------------------------------------------------------ q2


def _ref_q2() -> dict:
    counts = _municipalities()["type"].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _as_counts(answer: Any) -> dict[str, float]:
    if isinstance(answer, dict):
        return {str(k): float(v) for k, v in answer.items()}
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] == 1:
            answer = answer.iloc[:, 0]
        elif answer.shape[1] == 2 and not pd.api.types.is_numeric_dtype(answer.iloc[:, 0]):
            answer = answer.set_index(answer.columns[0]).iloc[:, 0]
        else:
            raise AnswerError(
                f"表の形が想定と違います（{answer.shape[0]}行×{answer.shape[1]}列）。"
                "`munis['type'].value_counts()` のような、団体区分ごとの数の Series を答えてください。"
            )
    if isinstance(answer, pd.Series):
        return {str(k): float(v) for k, v in answer.items()}
    raise AnswerError(
        f"団体区分ごとの数を Series（または dict）で答えてください（受け取ったのは {type_name(answer)}）。"
    )


@question("lesson1.q2", "団体区分（type）ごとの団体数の Series（例: `munis['type'].value_counts()`）", _ref_q2)
def q2(answer: Any, ref: dict):
    """Municipalities per ``type`` (a Series or dict: type -> count)."""
    got = {k: v for k, v in _as_counts(answer).items() if v != 0 or k in ref}
    total = sum(got.values())
    if got and 0.99 < total < 1.01 and sum(ref.values()) > 1:
        return wrong("合計が1になっています。`normalize=True` で割合にしていませんか？ 団体の数を答えてください。")
    missing = sorted(set(ref) - set(got))
    extra = sorted(set(got) - set(ref))
    if extra:
        return wrong(f"団体区分にない項目があります（{', '.join(extra[:5])}）。"
                     "`type` 列で数えているか確認してください。")
    if missing:
        return wrong(f"足りない区分があります：{', '.join(missing)}。")
    diff = [k for k in ref if got[k] != ref[k]]
    if diff:
        return wrong(f"数が合わない区分があります：{', '.join(diff)}。全 {sum(ref.values()):,} 団体を数えていますか？")
    return right("正解です。" + "、".join(f"{k} {v:,}" for k, v in ref.items())
                 + f"（計 {sum(ref.values()):,}）。区分によって団体数が大きく違うことに注意しましょう。")


# ------------------------------------------------------------------------------ q3


def _ref_q3() -> dict:
    import jdxlib

    meta = jdxlib.describe("dx_status")
    others = {n: jdxlib.describe(n).credit_line for n in jdxlib.list_datasets() if n != "dx_status"}
    return {"line": meta.credit_line, "credit": meta.credit, "others": others}


@question("lesson1.q3", "出典の文字列（例: `jdxlib.describe('dx_status').credit_line`）", _ref_q3)
def q3(answer: Any, ref: dict):
    """The credit line of ``dx_status``."""
    if not isinstance(answer, str):
        raise AnswerError(f"出典は文字列で答えてください（受け取ったのは {type_name(answer)}）。"
                          "`describe(...)` の結果そのものではなく、その `.credit_line` です。")
    text = answer.strip()
    if text == ref["line"]:
        return right(f"正解です。図や表の下には「{ref['line']}」と書きます。"
                     "jdx がデータを加工しているので「を加工して作成」が付きます。")
    if text == ref["credit"] or text == f"出典：{ref['credit']}":
        return wrong("`.credit` は作成者名だけです。`.credit_line` を使うと「出典：」と"
                     "「を加工して作成」が付いた、そのまま使える出典表記になります。")
    for name, line in ref["others"].items():
        if text == line:
            return wrong(f"それは `{name}` の出典です。`dx_status` の出典を答えてください。")
    return wrong("出典表記が一致しません。自分で書き写さず、`describe('dx_status').credit_line` を使いましょう。")


# ------------------------------------------------------------------------------ q4


def _ref_q4() -> dict:
    pop = _municipalities()["population_2020"]
    return {
        "n": int((pop < 5000).sum()),
        "le": int((pop <= 5000).sum()),
        "with_na": int((~(pop >= 5000)).fillna(True).sum()),
        "n_na": int(pop.isna().sum()),
        "ten": int((pop < 10000).sum()),
        "total": len(pop),
    }


@question("lesson1.q4", "人口5,000人未満の市区町村の数（整数）", _ref_q4)
def q4(answer: Any, ref: dict):
    """Municipalities with ``population_2020 < 5000``."""
    n = as_number(answer, "団体の数")
    if n == ref["n"]:
        return right(f"正解です。人口5千人未満の団体は {ref['n']:,}（全 {ref['total']:,} 団体のうち）。"
                     f"人口が公表されていない団体（{ref['n_na']} 団体）は数えていません。")
    if n == ref["with_na"] and ref["with_na"] != ref["n"]:
        return wrong("人口が欠損（NA）の団体まで数えていませんか？ `population_2020 < 5000` で比べると、"
                     "欠損は数えられません。")
    if n == ref["le"]:
        return wrong("「5,000人未満」は `< 5000` です（`<= 5000` ではありません）。")
    if n == ref["ten"]:
        return wrong("それは1万人未満の数です。5千＝5,000 です。")
    if n == ref["total"] - ref["n"] or n == ref["total"] - ref["n"] - ref["n_na"]:
        return wrong("5,000人以上の団体を数えていませんか？ 不等号の向きを確認してください。")
    if 0 < n < 1:
        return wrong("割合ではなく、団体の数を答えてください（`(条件).sum()`）。")
    return wrong(f"{fmt(n, 0)} ではありません。`(munis['population_2020'] < 5000).sum()` のように数えます。")
