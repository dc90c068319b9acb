"""Imported once when a warm kernel starts: fills jdxlib's read caches.

Loaders return copies, so reports cannot change what the next report reads; the caches only
save re-reading parquet files and rebuilding the name index for every report.
"""
import jdxlib
from jdxlib import _build, names
from jdxlib import analysis, cards, charts, procedures, profiles, sections, trends, viz  # noqa: F401
# opendata keeps the national answer tables of profiles between reports
from jdxlib import opendata, opendata_sections  # noqa: F401

if all(_build.is_built(n) for n in _build.DATASETS):
    for _name in jdxlib.list_datasets():
        jdxlib.load(_name)
    jdxlib.load("boundaries", level="prefecture")
    names._index()
