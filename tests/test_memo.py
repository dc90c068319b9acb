"""Derived tables are cached per dataset version, returned as copies, and count as a dataset use."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from jdxlib import _build, _datasets
from jdxlib._memo import data_stamp, derived


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JDX_DATA_DIR", str(tmp_path))
    return tmp_path


def _write(path, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"x": range(rows)}).to_parquet(path)


def test_cached_until_the_dataset_file_changes(data_dir):
    calls = []

    @derived("municipalities")
    def table(n):
        calls.append(n)
        return pd.DataFrame({"n": [n] * 3})

    assert data_stamp(("municipalities",)) is None
    table(1)
    table(1)
    assert calls == [1, 1], "not cached while the dataset is not built"

    target = _build.output_paths("municipalities")[0]
    _write(target, 3)
    table(1)
    table(1)
    table(2)
    assert calls == [1, 1, 1, 2]

    _write(target, 5)  # rebuilt: another size (and modification time)
    os.utime(target, ns=(1, 1))
    table(1)
    assert calls == [1, 1, 1, 2, 1]


def test_results_are_copies_unless_shared(data_dir):
    _write(_build.output_paths("municipalities")[0], 3)

    @derived("municipalities")
    def copied():
        return pd.DataFrame({"v": [1, 2]})

    @derived("municipalities", copy=False)
    def shared():
        return pd.DataFrame({"v": [1, 2]})

    first = copied()
    first["v"] = 0
    assert copied()["v"].tolist() == [1, 2]
    assert shared() is shared()


def test_unhashable_arguments_are_not_cached(data_dir):
    _write(_build.output_paths("municipalities")[0], 3)
    calls = []

    @derived("municipalities")
    def f(codes):
        calls.append(1)
        return len(codes)

    assert f(["a", "b"]) == 2 and f(["a", "b"]) == 2
    assert len(calls) == 2


def test_a_cache_hit_still_counts_as_a_use_of_the_dataset(data_dir, monkeypatch):
    """The report runner records used datasets where loaders are resolved (``_datasets._loader``)."""
    _write(_build.output_paths("dx_status")[0], 3)
    seen = []
    original = _datasets._loader

    def recording(name):
        seen.append(name)
        return original(name)

    monkeypatch.setattr(_datasets, "_loader", recording)

    @derived("dx_status")
    def f():
        return 1

    f()
    f()
    assert seen == ["dx_status", "dx_status"]
