"""A stand-in for jdxlib.names with a few fake bodies, so CLI tests need no data."""
from __future__ import annotations

from dataclasses import dataclass


class NameResolutionError(ValueError):
    pass


@dataclass(frozen=True)
class Prefecture:
    code: str
    prefecture_code: str
    name: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    prefecture: str
    prefecture_code: str


PREFS = {
    "東京都": Prefecture("130001", "13", "東京都"),
    "島根県": Prefecture("320005", "32", "島根県"),
}
MUNIS = [
    Municipality("131121", "世田谷区", "東京都", "13"),
    Municipality("131016", "千代田区", "東京都", "13"),
    Municipality("325252", "架空村", "島根県", "32"),
]


def resolve_prefecture(value):
    if isinstance(value, Prefecture):
        return value
    value = str(value)
    for p in PREFS.values():
        if value in (p.name, p.code, p.prefecture_code):
            return p
    close = [p.name for p in PREFS.values() if p.name.startswith(value)]
    hint = f" did you mean {close[0]!r}?" if close else ""
    raise NameResolutionError(f"unknown prefecture {value!r}:{hint}")


def resolve_municipality(value, prefecture=None):
    hits = [m for m in MUNIS if value in (m.name, m.code)]
    if prefecture is not None:
        hits = [m for m in hits if m.prefecture == resolve_prefecture(prefecture).name]
    if len(hits) != 1:
        raise NameResolutionError(f"unknown or ambiguous municipality {value!r}")
    return hits[0]


def municipalities_in(prefecture):
    p = resolve_prefecture(prefecture)
    return [m for m in MUNIS if m.prefecture == p.name]


def all_prefectures():
    return list(PREFS.values())
