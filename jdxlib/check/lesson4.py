"""Checks for lesson 4 (地図と小さなレポート).

q1 — a per-prefecture table of the share (%) of municipalities with a DX policy, ready for a
map; q2 — the prefecture with the highest share; q3 — papermill parameters for the
governance notebook; q4 — the path of an HTML report made from an executed notebook.
"""
from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import AnswerError, question, right, type_name, wrong

__all__ = ["INDICATOR", "REPORT_NOTEBOOK", "TARGET", "notebook_parameters", "q1", "q2", "q3", "q4"]

#: The indicator mapped in the exercises.
INDICATOR = "dx_policy_formulated"
#: The notebook of the papermill exercise (in the project's ``notebooks/`` folder).
REPORT_NOTEBOOK = "01_governance.ipynb"
#: What the papermill exercise asks for.
TARGET = {"prefecture": "島根県", "highlight": "海士町"}


def _ranking() -> pd.DataFrame:
    from jdxlib import analysis

    return analysis.prefecture_ranking(analysis.status_items(INDICATOR), INDICATOR)


# ------------------------------------------------------------------------------ q1


def _ref_q1() -> dict:
    rk = _ranking()
    rk = rk.assign(prefecture=rk["prefecture"].astype(str), prefecture_code=rk["prefecture_code"].astype(str))
    return {"table": rk.set_index("prefecture_code"), "by_name": dict(zip(rk["prefecture"], rk["prefecture_code"]))}


def _keyed(df: pd.DataFrame, by_name: dict) -> pd.Series:
    if "pct" not in df.columns:
        raise AnswerError(f"列 `pct` がありません（ある列：{', '.join(map(str, df.columns))}）。"
                          "割合（%）を `pct` という列に入れてください。")
    if "prefecture_code" in df.columns:
        keys = df["prefecture_code"].astype(str).str.zfill(2)
    else:
        col = next((c for c in ("prefecture", "name") if c in df.columns), None)
        if col is None:
            raise AnswerError("都道府県を表す列（prefecture_code、prefecture か name）がありません。")
        keys = df[col].astype(str).map(by_name)
    return pd.Series(pd.to_numeric(df["pct"], errors="coerce").to_numpy(dtype=float), index=keys.to_numpy())


@question("lesson4.q1", "都道府県ごとの行（47行）に prefecture_code と pct（%）の列を持つ（Geo）DataFrame", _ref_q1)
def q1(answer: Any, ref: dict):
    """Per prefecture: ``pct`` = share (%) of responding municipalities with a DX policy."""
    if not isinstance(answer, pd.DataFrame):
        raise AnswerError(f"（Geo）DataFrame を答えてください（受け取ったのは {type_name(answer)}）。")
    table = ref["table"]
    if len(answer) > 2 * len(table):
        return wrong(f"{len(answer):,} 行あります。市区町村の境界ではなく、都道府県の境界 "
                     "`jdxlib.load('boundaries', level='prefecture')` に結合してください（47行）。")
    got = _keyed(answer, ref["by_name"])
    if got.index.isna().any():
        return wrong("都道府県名が読み取れない行があります。prefecture_code 列で結合するのが確実です。")
    missing = [c for c in table.index if c not in got.index]
    if missing:
        return wrong(f"{len(missing)} 都道府県の行がありません。47 都道府県すべての行が必要です。")
    got = got[~got.index.duplicated()].reindex(table.index)
    want = 100 * table["share"].to_numpy(dtype=float)
    if got.isna().any():
        names = ", ".join(table.loc[got.isna(), "prefecture"].head(5))
        return wrong(f"pct が空（NaN）の都道府県があります：{names}。結合のキー（prefecture_code）を確認してください。")
    if np.allclose(got.to_numpy(), want, atol=0.05):
        top = table.iloc[0]
        return right(f"正解です。47 都道府県の割合（%）がそろいました（最高は {top['prefecture']} の "
                     f"{100 * top['share']:.1f}%）。`charts.choropleth(gdf, 'pct')` で地図にできます。")
    if np.allclose(got.to_numpy(), table["share"].to_numpy(dtype=float), atol=5e-4):
        return wrong("pct が 0〜1 の小数になっています。地図の凡例を % にするため 100 を掛けてください。")
    all_bodies = 100 * table["share_of_all"].to_numpy(dtype=float)
    if np.allclose(got.to_numpy(), all_bodies, atol=0.05):
        off = table.loc[~np.isclose(want, all_bodies, atol=0.05), "prefecture"]
        return wrong(f"{'、'.join(off)}の値がずれています。share_of_all（全団体が分母）ではなく、"
                     "調査無しを除いた回答団体が分母の share を使ってください。")
    return wrong("pct が合いません。`analysis.prefecture_ranking(items, ...)` の share × 100 を使ってください。")


# ------------------------------------------------------------------------------ q2


def _ref_q2() -> dict:
    rk = _ranking()
    best = rk["share"].max()
    worst = rk["share"].min()
    return {
        "top": rk.loc[rk["share"] == best, "prefecture"].astype(str).tolist(),
        "bottom": rk.loc[rk["share"] == worst, "prefecture"].astype(str).tolist(),
        "share": float(best),
    }


@question("lesson4.q2", "都道府県名の文字列（例: '北海道'）", _ref_q2)
def q2(answer: Any, ref: dict):
    """The prefecture whose municipalities most often have a DX policy (ties: any of them)."""
    if isinstance(answer, pd.Series) and len(answer) == 1:
        answer = answer.iloc[0]
    if not isinstance(answer, str):
        raise AnswerError(f"都道府県名を文字列で答えてください（受け取ったのは {type_name(answer)}）。")
    from jdxlib.names import NameResolutionError, resolve_prefecture

    try:
        name = resolve_prefecture(answer.strip()).name
    except NameResolutionError as exc:
        return wrong(f"都道府県名として読めません：{exc}")
    tied = "（同率で " + "・".join(ref["top"]) + "）" if len(ref["top"]) > 1 else ""
    if name in ref["top"]:
        return right(f"正解です。{name}（{ref['share']*100:.1f}%）{tied}。全市町村を数えた値なので差は実際の差ですが、"
                     "市町村数の少ない県は1団体で割合が大きく動きます（n と one_body_pp も見ておきましょう）。")
    if name in ref["bottom"]:
        return wrong("それは割合が最も低い都道府県です。並べ替えの向き（ascending）を確認してください。")
    return wrong(f"{name} ではありません。share が最大の行を探してください（`sort_values('share', ascending=False)`）。")


# ------------------------------------------------------------------------------ q3


def notebook_parameters(path: str | os.PathLike) -> list[str]:
    """Names assigned in the cell tagged ``parameters`` of a notebook (annotations allowed).

    ``papermill.inspect_notebook`` does not read annotated parameters such as
    ``prefecture: str | None = None``; this does.
    """
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in (cell.metadata.get("tags") or []):
            names = []
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.append(node.target.id)
                elif isinstance(node, ast.Assign):
                    names += [t.id for t in node.targets if isinstance(t, ast.Name)]
            return names
    return []


def _ref_q3() -> dict:
    from jdxlib.names import resolve_municipality, resolve_prefecture
    from jdxlib.workshop import project_notebook

    return {
        "names": notebook_parameters(project_notebook(REPORT_NOTEBOOK)),
        "prefecture": resolve_prefecture(TARGET["prefecture"]),
        "highlight": resolve_municipality(TARGET["highlight"]),
    }


@question("lesson4.q3", "papermill に渡す parameters の辞書（例: `{'prefecture': ..., 'highlight': ...}`）", _ref_q3)
def q3(answer: Any, ref: dict):
    """``parameters`` for papermill: the governance notebook for 島根県, highlighting 海士町."""
    if not isinstance(answer, dict):
        raise AnswerError(f"辞書（dict）で答えてください（受け取ったのは {type_name(answer)}）。")
    unknown = [k for k in answer if k not in ref["names"]]
    if unknown:
        return wrong(f"ノートブックにないパラメータ名です：{', '.join(map(repr, unknown))}。"
                     f"{REPORT_NOTEBOOK} の parameters セルにある名前は {', '.join(ref['names'])} です。")
    from jdxlib.names import NameResolutionError, validate_parameters

    try:
        ctx = validate_parameters(**{k: answer[k] for k in ("prefecture", "highlight") if k in answer})
    except NameResolutionError as exc:
        return wrong(f"papermill に渡す前に、jdx が値を確かめたところ問題がありました：\n{exc}")
    if ctx.prefecture is None or ctx.prefecture.code != ref["prefecture"].code:
        return wrong(f"prefecture を {ref['prefecture'].name} にしてください。")
    if ctx.highlight is None or ctx.highlight.code != ref["highlight"].code:
        return wrong(f"highlight を {ref['highlight'].name} にしてください（強調する市区町村）。")
    return right(f"正解です。`pm.execute_notebook(入力, 出力, parameters=...)` で {ref['prefecture'].name}版を作れます。"
                 "ノートブックの最初で validate_parameters が名前を確かめるので、誤字はすぐに分かります。")


# ------------------------------------------------------------------------------ q4


def _ref_q4() -> dict:
    import jdxlib

    return {"credit": jdxlib.describe("dx_status").credit_line}


@question("lesson4.q4", "書き出した HTML ファイルのパス（文字列か Path）", _ref_q4)
def q4(answer: Any, ref: dict):
    """Path of an HTML report exported from an executed notebook."""
    if not isinstance(answer, (str, os.PathLike)):
        raise AnswerError(f"ファイルのパスを答えてください（受け取ったのは {type_name(answer)}）。"
                          "HTML の中身ではなく、書き出した先のパスです。")
    path = Path(answer)
    if not path.exists():
        return wrong(f"{path} というファイルがありません。`Path(...).write_text(html, encoding='utf-8')` で書き出しましたか？")
    if path.suffix.lower() == ".ipynb":
        return wrong("それは実行済みノートブック（.ipynb）です。nbconvert の HTMLExporter で HTML に変換してください。")
    if path.suffix.lower() not in (".html", ".htm"):
        return wrong("拡張子が .html ではありません。ブラウザで開けるよう .html にしてください。")
    text = path.read_text(encoding="utf-8", errors="replace")
    if "<html" not in text.lower():
        return wrong("ファイルの中身が HTML になっていません。HTMLExporter の結果（1つ目の戻り値）を書き出してください。")
    if "出典" not in text:
        return wrong("HTML に出典が見当たりません。実行済み（出力付き）のノートブックを変換しましたか？")
    size = path.stat().st_size
    return right(f"正解です。{path.name}（{size / 1024:,.0f} KB）をブラウザで開いてみましょう。"
                 "本番のレポートは `jdx report --theme governance --prefecture 鳥取県` で HTML/PDF を作れます。")
