"""Where jdx keeps its data.

``data/national/`` is committed; ``data/raw/`` (downloaded upstream files) and ``data/clean/``
(built tables) are generated.  ``JDX_DATA_DIR`` moves the generated folders elsewhere (for
example a shared cache on a server); the committed national data always comes from the
project tree.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
NATIONAL_DIR = PROJECT_ROOT / "data" / "national"


def data_dir() -> Path:
    """Root of the generated data folders (``JDX_DATA_DIR`` or ``<project>/data``)."""
    env = os.environ.get("JDX_DATA_DIR")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "data"


def raw_dir() -> Path:
    """Cache of downloaded upstream files."""
    return data_dir() / "raw"


def clean_dir() -> Path:
    """Built, cleaned tables (parquet)."""
    return data_dir() / "clean"
