"""The one percent format (jdxlib.formatting): values against hand-written text."""
import math

import numpy as np
import pandas as pd
import pytest

from jdxlib.formatting import MISSING_TEXT, percent_text, share_text


@pytest.mark.parametrize("value, digits, text", [
    (43.21, 1, "43.2%"), (0, 1, "0.0%"), (100, 0, "100%"), (np.float64(12.25), 2, "12.25%"),
    (np.int64(7), 1, "7.0%"),
])
def test_percent_text(value, digits, text):
    assert percent_text(value, digits) == text


@pytest.mark.parametrize("value, text", [(0.4321, "43.2%"), (1, "100.0%"), (0.0, "0.0%"), (2 / 3, "66.7%")])
def test_share_text_is_percent_text_of_a_hundred_times(value, text):
    assert share_text(value) == text == percent_text(value * 100)


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, pd.NaT])
def test_missing_is_a_dash_never_zero(missing):
    assert percent_text(missing) == share_text(missing) == MISSING_TEXT == "—"
