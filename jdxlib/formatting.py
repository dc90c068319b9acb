"""Numbers as readers see them (present layer): the one percent format of every report.

Tables hold numbers; sections turn them into text here, so a percentage reads the same in every
chapter: one decimal by default, a ``%`` sign, and ``—`` for a missing value (not published or not
answered: never 0).

Examples
--------
>>> percent_text(43.21), percent_text(None), share_text(0.4321), share_text(float("nan"))
('43.2%', '—', '43.2%', '—')
>>> percent_text(7, digits=0)
'7%'
"""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["MISSING_TEXT", "percent_text", "share_text"]

#: How a missing value is shown.
MISSING_TEXT = "—"


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def percent_text(value: Any, digits: int = 1) -> str:
    """A value in percent (0–100) as text: ``43.2%``; ``—`` when missing.

    Parameters
    ----------
    value : float or None
        Percent, 0–100 (the unit of the ``*_pct`` and ``rate`` columns).
    digits : int, default 1
        Decimals shown.
    """
    return MISSING_TEXT if _missing(value) else f"{float(value):.{digits}f}%"


def share_text(value: Any, digits: int = 1) -> str:
    """A share (0–1) as percent text: ``0.432`` → ``43.2%``; ``—`` when missing."""
    return MISSING_TEXT if _missing(value) else percent_text(float(value) * 100, digits)
