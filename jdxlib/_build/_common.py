"""Helpers shared by the builders: errors, byte-stable parquet, small parsers."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .._atomic import atomic_path


class BuildError(ValueError):
    """An upstream file did not have the expected shape or content."""


def write_parquet(df: pd.DataFrame, target: str | Path) -> Path:
    """Write *df* atomically as parquet, byte-stable for identical input.

    The index is dropped (callers sort rows and fix the column order first); compression and
    writer options are fixed, so the same frame always gives the same bytes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    target = Path(target)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp, compression="zstd", compression_level=3,
                       use_dictionary=True, write_statistics=True)
    return target


_PCT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


def parse_percent(cell: str) -> float | None:
    """``"88.8%"`` -> 88.8, ``"0%"`` -> 0.0, ``""`` -> None; anything else -> ValueError.

    A bare ``"%"`` (no number) is returned as None too: the dashboard uses it for 0-of-0.
    """
    s = (cell or "").strip()
    if s == "" or s == "%":
        return None
    m = _PCT.match(s)
    if not m:
        raise ValueError(cell)
    return float(m.group(1))


def parse_int(cell: str) -> int | None:
    s = (cell or "").strip().replace(",", "")
    if s == "":
        return None
    if not re.fullmatch(r"-?\d+", s):
        raise ValueError(cell)
    return int(s)
