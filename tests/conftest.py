"""Shared fixtures: figures closed and randomness seeded around every test; the mirror."""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _close_figures_and_seed():
    random.seed(0)
    np.random.seed(0)
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def mirror_dir() -> Path | None:
    """The upstream-data mirror directory (``JDX_DATA_MIRROR``), or None."""
    env = os.environ.get("JDX_DATA_MIRROR")
    if env and not env.startswith(("http://", "https://")) and Path(env).is_dir():
        return Path(env)
    return None


@pytest.fixture(scope="session")
def mirror() -> Path:
    """Skip unless a directory mirror of the upstream files is configured (CI always has one)."""
    path = mirror_dir()
    if path is None:
        pytest.skip("JDX_DATA_MIRROR is not set to a directory mirror (CI sets ../shared/data)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _isolated_data_dir(tmp_path_factory):
    """No test reads or writes the developer's data/: JDX_DATA_DIR is a session temp dir."""
    mp = pytest.MonkeyPatch()
    data_dir = tmp_path_factory.mktemp("jdx-data")
    mp.setenv("JDX_DATA_DIR", str(data_dir))
    yield data_dir
    mp.undo()


@pytest.fixture(scope="session")
def real_data(mirror, _isolated_data_dir):
    """Every dataset built once per session from the mirror into the session JDX_DATA_DIR."""
    from jdxlib import _build

    mp = pytest.MonkeyPatch()
    mp.setenv("JDX_DATA_MIRROR", str(mirror))
    _build.build_all(progress=False)
    yield _isolated_data_dir
    mp.undo()
