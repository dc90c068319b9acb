"""Memoise tables derived from built datasets, for as long as those datasets are unchanged.

A batch of profiles computes the same national tables (every municipality's answers, the
bodies of a level, the card rates …) once per body: 1,741 times.  :func:`derived` keeps the
result of such a function keyed by its arguments and by the modification time and size of
the dataset files it reads, so rebuilding a dataset (or pointing ``JDX_DATA_DIR`` elsewhere)
starts afresh.  Results are returned as copies, like :func:`jdxlib.load`, unless the caller
promises not to modify them.
"""
from __future__ import annotations

import copy as _copy_module
import functools
from collections import OrderedDict
from typing import Any, Callable

import pandas as pd

__all__ = ["derived", "data_stamp", "clear_all"]

_CACHES: list[OrderedDict] = []


def clear_all() -> None:
    """Empty every :func:`derived` cache (benchmarks compare cold and warm runs with it)."""
    for cache in _CACHES:
        cache.clear()


def data_stamp(datasets: tuple[str, ...]) -> tuple | None:
    """(path, mtime_ns, size) of every built file of *datasets*; None if one is not built.

    Resolves each dataset's loader on the way, which is where the report runner records
    which datasets a report used (a cache hit must count as a use).
    """
    from . import _build, _datasets

    out = []
    for name in datasets:
        _datasets._loader(name)
        for path in _build.output_paths(name):
            try:
                st = path.stat()
            except FileNotFoundError:
                return None
            out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _copied(value: Any) -> Any:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_copied(v) for v in value)
    if isinstance(value, (str, int, float, bool, frozenset, type(None))):
        return value
    return _copy_module.copy(value)


def derived(*datasets: str, maxsize: int = 64, copy: bool = True) -> Callable:
    """Decorator: memoise a function of hashable arguments that reads *datasets*.

    Parameters
    ----------
    *datasets : str
        Names of the datasets the function reads (``jdxlib.list_datasets()``).
    maxsize : int, default 64
        Results kept (least recently used dropped first).
    copy : bool, default True
        Return a copy of the cached result.  ``False`` only for private helpers whose
        callers never modify what they get.

    Notes
    -----
    Calls with unhashable arguments, or while a dataset is not yet built, are not cached.
    ``wrapper.cache_clear()`` empties the cache.
    """

    def decorate(fn: Callable) -> Callable:
        cache: OrderedDict = OrderedDict()
        _CACHES.append(cache)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            stamp = data_stamp(datasets)
            try:
                key = (args, tuple(sorted(kwargs.items())), stamp)
                hash(key)
            except TypeError:
                stamp = None
            if stamp is None:
                return fn(*args, **kwargs)
            if key in cache:
                cache.move_to_end(key)
                value = cache[key]
            else:
                value = fn(*args, **kwargs)
                cache[key] = value
                while len(cache) > maxsize:
                    cache.popitem(last=False)
            return _copied(value) if copy else value

        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        return wrapper

    return decorate
