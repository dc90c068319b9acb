"""jdxlib — cleaned, sourced data and helpers for analysing 自治体DX.

Public API
----------
list_datasets, load, describe
    The dataset registry (every dataset has a metadata record with its provenance).
viz.set_theme
    A seaborn theme that renders Japanese with the bundled IPAexGothic font.
"""
from ._datasets import DatasetMetadata, UnknownDatasetError, describe, list_datasets, load

__all__ = ["DatasetMetadata", "UnknownDatasetError", "describe", "list_datasets", "load"]
__version__ = "0.1.0"
