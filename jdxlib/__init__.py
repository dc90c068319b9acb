"""jdxlib — cleaned, sourced data and helpers for analysing 自治体DX.

Public API
----------
list_datasets, load, describe
    The dataset registry: every dataset has a metadata record with its provenance.
    Municipal datasets are built on first use from checksum-verified upstream files
    (``JDX_DATA_MIRROR`` points at a mirror; see :mod:`jdxlib._paths` for where data goes).
set_theme
    The seaborn theme that renders Japanese with the bundled IPAexGothic font
    (:func:`jdxlib.viz.set_theme`; matplotlib is imported on first use only).
DatasetMetadata, UnknownDatasetError
    What :func:`describe` returns, and the error for a name jdx does not know.
tables
    :mod:`jdxlib.tables`: the numeric tidy table behind every chart of the theme notebooks
    (shares in percent, 0–100, in ``*_pct`` columns; imported on first use).

Examples
--------
>>> import jdxlib
>>> jdxlib.list_datasets()
['boundaries', 'dx_status', 'indicator_registry', 'municipalities', 'mynumber_cards', 'national_indicators', 'online_procedures', 'opendata_questions', 'opendata_survey', 'prefectures']
>>> meta = jdxlib.describe("dx_status")
>>> meta.credit_line
'出典：デジタル庁「自治体DXの取組に関するダッシュボード」を加工して作成'
>>> df = jdxlib.load("national_indicators")      # committed national figures: no download
>>> df[["indicator_id", "level", "year", "percent"]].dtypes.astype(str).tolist()
['string', 'category', 'Int64', 'float64']
>>> jdxlib.load("national_indicator")
Traceback (most recent call last):
...
jdxlib._datasets.UnknownDatasetError: Unknown dataset 'national_indicator'. Did you mean 'national_indicators'? Valid names: boundaries, dx_status, indicator_registry, municipalities, mynumber_cards, national_indicators, online_procedures, opendata_questions, opendata_survey, prefectures.
>>> t = jdxlib.tables.national_series("cio_appointed")
>>> t.loc[(t["level"] == "municipality") & (t["year"] == 2023), "value_pct"].round(1).tolist()
[73.3]
>>> jdxlib.set_theme()                            # once per notebook, before the first chart
"""
from ._datasets import DatasetMetadata, UnknownDatasetError, describe, list_datasets, load

__all__ = ["DatasetMetadata", "UnknownDatasetError", "describe", "list_datasets", "load", "set_theme", "tables"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # set_theme is jdxlib.viz.set_theme, imported on first use: matplotlib and seaborn load
    # only when charts are wanted, so `import jdxlib` stays fast.
    if name == "set_theme":
        from .viz import set_theme

        return set_theme
    if name == "tables":  # pandas-heavy analysis modules load on first use too
        import importlib

        return importlib.import_module(".tables", __name__)
    raise AttributeError(f"module 'jdxlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
