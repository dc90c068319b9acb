"""The order of reports in ``index.html``: themes 00 → 10, then profiles grouped by prefecture.

Within a theme the national report comes first, then the per-prefecture runs in prefecture
code order; profiles are grouped under their prefecture (the prefecture's own profile first,
then its municipalities in code order).
"""
from __future__ import annotations

import re
from typing import Any, Iterable

PROFILE_KEYS = ("profile_prefecture", "profile_municipality")


def _theme_number(key: str) -> int:
    try:
        from ..themes import get

        return int(get(key).get("number", 99))
    except Exception:  # a notebook outside the theme registry (a user's own) goes last
        return 99


def _code(report: dict[str, Any]) -> str:
    """The body code of a report: from its name (``profile_municipality-012335``) or parameters."""
    m = re.search(r"-(\d{2}(?:\d{4})?)$", str(report.get("name", "")))
    if m:
        return m.group(1)
    params = report.get("parameters") or {}
    for key in ("municipality", "prefecture", "highlight"):
        value = str(params.get(key) or "")
        if re.fullmatch(r"\d{2}|\d{6}", value):
            return value
    return ""


_PREFECTURE_PREFIX = re.compile(r"^(北海道|東京都|京都府|大阪府|[^\s都道府県()（）]{2,3}県)")


def _prefecture_label(report: dict[str, Any], code: str) -> str:
    """The prefecture's name as the report's own parameter labels write it (「東京都檜原村」)."""
    labels = {**(report.get("parameters") or {}), **(report.get("parameter_labels") or {})}
    for key in ("prefecture", "municipality"):
        m = _PREFECTURE_PREFIX.match(str(labels.get(key) or ""))
        if m:
            return m.group(1)
    try:
        from ..names import resolve_prefecture

        return resolve_prefecture(code).name
    except Exception:
        return code or "（都道府県不明）"


def index_groups(reports: Iterable[dict[str, Any]]) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """``[(group heading or None, reports)]`` in the order ``index.html`` lists them."""
    reports = list(reports)
    themes = [r for r in reports if r.get("key") not in PROFILE_KEYS]
    themes.sort(key=lambda r: (_theme_number(str(r.get("key", ""))), bool(r.get("parameters")),
                               _code(r), str(r.get("name", ""))))
    groups: list[tuple[str | None, list[dict[str, Any]]]] = [(None, themes)] if themes else []
    profiles = [r for r in reports if r.get("key") in PROFILE_KEYS]
    profiles.sort(key=lambda r: (_code(r)[:2], r.get("key") != "profile_prefecture", _code(r),
                                 str(r.get("name", ""))))
    for r in profiles:
        pref = _code(r)[:2]
        label = f"プロフィール：{_prefecture_label(r, pref)}"
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(r)
    return groups
