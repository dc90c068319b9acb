"""The analysis themes (``jdxlib/themes.yml``): notebook numbers, titles, data per theme."""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Iterable

import yaml

from ._paths import PACKAGE_DIR


class UnknownThemeError(ValueError):
    """A theme key jdx does not know."""


@lru_cache(maxsize=1)
def themes() -> dict[str, dict]:
    """All themes keyed by notebook key (``overview``, ``governance``, …), in notebook order."""
    raw = yaml.safe_load((PACKAGE_DIR / "themes.yml").read_text(encoding="utf-8"))
    return dict(sorted(raw.items(), key=lambda kv: kv[1]["number"]))


def theme_keys(include_overview: bool = True) -> list[str]:
    return [k for k in themes() if include_overview or k != "overview"]


def get(key: str) -> dict:
    """The record of theme *key*; an unknown key raises with the valid keys."""
    validate_theme_keys([key])
    return themes()[key]


def validate_theme_keys(keys: Iterable[str] | str | None, *, allow_overview: bool = True) -> list[str]:
    """Return *keys* as a list, or raise :class:`UnknownThemeError` naming every bad key.

    ``None`` means every theme except the overview.
    """
    valid = theme_keys(include_overview=allow_overview)
    if keys is None:
        return theme_keys(include_overview=False)
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    keys = list(keys)
    bad = [k for k in keys if k not in valid]
    if bad or not keys:
        parts = []
        for k in bad:
            close = difflib.get_close_matches(str(k), valid, n=1, cutoff=0.5)
            parts.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        what = "unknown theme " + ", ".join(parts) if bad else "no theme given"
        raise UnknownThemeError(f"{what}. Valid themes: {', '.join(valid)}.")
    return keys


def validate_overview_parameters(themes: Iterable[str] | str | None = None, since: int | str = 2003):
    """Validate the overview notebook's parameters; report every problem in one error.

    Returns
    -------
    (list of str, int)
        Theme keys (every theme when *themes* is None) and the first survey year to show.
    """
    problems: list[str] = []
    keys: list[str] = []
    try:
        keys = validate_theme_keys(themes, allow_overview=False)
    except UnknownThemeError as exc:
        problems.append(f"themes: {exc}")
    try:
        year = int(since)
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(f"since: {since!r} is not a year such as 2003 or 2014.")
        year = 0
    if problems:
        raise ValueError("Invalid parameters:\n- " + "\n- ".join(problems))
    return keys, year


# --------------------------------------------------------------------------- per-body data
class ThemeParameterError(ValueError):
    """A body parameter (prefecture, highlight) given to a theme without per-body data."""


def accepts_body(key: str) -> bool:
    """True when theme *key* has per-body data (``per_body`` in themes.yml), so that
    ``prefecture`` / ``highlight`` change what it shows.  Keys that are not themes (profiles)
    are not restricted here."""
    record = themes().get(key)
    return record is None or bool(record.get("per_body"))


def body_themes() -> list[str]:
    """The themes that accept ``prefecture`` / ``highlight`` (they have per-body data)."""
    return [k for k, r in themes().items() if r.get("per_body")]


def check_body_parameters(key: str, prefecture=None, highlight=None) -> None:
    """Refuse ``prefecture`` / ``highlight`` for a national-only theme (one rule for the CLI,
    YAML configs and the notebooks).

    Raises
    ------
    ThemeParameterError
        Naming the theme and the themes that accept the parameters.
    """
    given = [n for n, v in (("prefecture", prefecture), ("highlight", highlight)) if v is not None]
    if given and not accepts_body(key):
        raise ThemeParameterError(
            f"the theme {key!r} has only national figures (no per-body data), so "
            f"{' and '.join(given)} would change nothing but the title; themes that accept "
            f"prefecture/highlight: {', '.join(body_themes())}"
        )
