"""Exercise checks for the workshop lessons (``notebooks/workshop/``).

Each lesson module has functions ``q1(answer)``, ``q2(answer)``, … that compute the reference
answer themselves from the jdx datasets, compare it with the student's answer and return a
:class:`CheckResult` — never a traceback, whatever the type or shape of the answer::

    from jdxlib import check
    check.lesson2.q1(answer1)      # shows 「✅ 正解です …」 or a hint in Jupyter

A result is truthy when the answer is right (``assert check.lesson1.q1(1741)`` works in tests).
"""
from __future__ import annotations

import functools
import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["CheckResult", "lesson1", "lesson2", "lesson3", "lesson4", "lesson5"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one exercise check.

    Attributes
    ----------
    ok : bool
        True when the answer is right.
    message : str
        What is right, or a hint for a typical mistake (Japanese).
    question : str
        E.g. ``"lesson2.q1"``.
    """

    ok: bool
    message: str
    question: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        mark = "✅" if self.ok else "❌"
        head = f"[{self.question}] " if self.question else ""
        return f"{mark} {head}{self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour, bg = ("#1b5e20", "#e8f5e9") if self.ok else ("#8a4b00", "#fff3e0")
        body = html.escape(str(self)).replace("\n", "<br>")
        return (f'<div style="border-left:4px solid {colour};background:{bg};color:{colour};'
                f'padding:6px 10px;margin:4px 0;">{body}</div>')


class AnswerError(Exception):
    """Raised inside a check to reject an answer with a friendly message (never escapes)."""


def right(message: str) -> CheckResult:
    return CheckResult(True, message)


def wrong(message: str) -> CheckResult:
    return CheckResult(False, message)


def question(label: str, expects: str, reference: Callable[[], Any]) -> Callable:
    """Decorate ``check(answer, ref) -> CheckResult`` into a safe ``q(answer)``.

    *reference* computes the reference answer from the datasets; *expects* describes the form
    of the answer (shown when the answer is missing or has the wrong type or shape).
    """

    def deco(fn: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
        @functools.wraps(fn)
        def wrapper(answer: Any = ..., **options: Any) -> CheckResult:
            if answer is ... or answer is None:
                return CheckResult(
                    False,
                    f"まだ答えが入っていません。`# TODO` の行の `...` を、{expects} に書き換えてから"
                    "もう一度実行してください。",
                    label,
                )
            try:
                ref = reference(**options)
            except Exception as exc:  # the data, not the student's answer
                return CheckResult(
                    False,
                    "正解を計算できませんでした（データの準備ができていない可能性があります："
                    f"{type(exc).__name__}: {exc}）。講師に声をかけてください。",
                    label,
                )
            try:
                result = fn(answer, ref)
            except AnswerError as exc:
                result = CheckResult(False, str(exc))
            except Exception as exc:
                result = CheckResult(
                    False,
                    f"答えを確認できませんでした（{type(exc).__name__}: {exc}）。"
                    f"求めている答えの形：{expects}。",
                )
            return CheckResult(result.ok, result.message, label)

        wrapper.expects = expects  # type: ignore[attr-defined]
        wrapper.reference = reference  # type: ignore[attr-defined]
        return wrapper

    return deco


# ------------------------------------------------------------------------------ conversion


def type_name(value: Any) -> str:
    return type(value).__name__


def as_number(answer: Any, what: str = "数値") -> float:
    """A single number from an int/float/numpy scalar/1-element Series/"1,270"/"73.3%"."""
    import numpy as np
    import pandas as pd

    value = answer
    if isinstance(value, (pd.DataFrame, pd.Series, np.ndarray, list, tuple)):
        size = value.size if hasattr(value, "size") else len(value)
        if size != 1:
            raise AnswerError(
                f"{what}を1つだけ答えてください（受け取ったのは {type_name(answer)}、要素数 {size}）。"
                "表から1つの値を取り出すには `.iloc[0]` や `int(...)` を使います。"
            )
        value = np.asarray(value).reshape(-1)[0]
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "").rstrip("%％")
        try:
            value = float(text)
        except ValueError:
            raise AnswerError(f"{what}を答えてください（受け取ったのは文字列 {answer!r}）。") from None
    if isinstance(value, (bool, np.bool_)):
        raise AnswerError(f"{what}を答えてください（受け取ったのは True/False）。")
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        raise AnswerError(f"答えが欠損値（NaN/NA）です。{what}になるよう計算を確認してください。")
    if not isinstance(value, (numbers.Number, np.number)):
        raise AnswerError(f"{what}を答えてください（受け取ったのは {type_name(answer)}）。")
    out = float(value)
    if math.isnan(out):
        raise AnswerError(f"答えが欠損値（NaN）です。{what}になるよう計算を確認してください。")
    return out


def close(a: float, b: float, tol: float) -> bool:
    return abs(float(a) - float(b)) <= tol


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def __getattr__(name: str):  # lazy: `jdxlib.check.lesson1` without importing all lessons first
    if name in ("lesson1", "lesson2", "lesson3", "lesson4", "lesson5"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
