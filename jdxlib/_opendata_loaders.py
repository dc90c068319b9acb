"""Loaders of the open-data survey datasets (built by :mod:`jdxlib._build.opendata`)."""
from __future__ import annotations

import pandas as pd

from .municipal import _load

__all__ = ["load_opendata_survey", "load_opendata_questions"]


def load_opendata_survey() -> pd.DataFrame:
    """The open-data surveys of 2020 and 2024, one row per body × wave × question × chosen option.

    A body that did not submit has one row with its ``status`` and no question.  See
    ``jdxlib.describe("opendata_survey")``.
    """
    return _load("opendata_survey")


def load_opendata_questions() -> pd.DataFrame:
    """The questions and options of both waves, with counts and the cross-wave map."""
    return _load("opendata_survey", stem="opendata_questions")
