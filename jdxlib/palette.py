"""The colours of jdx's charts and maps, defined once (viz layer).

Chart modules and the sections that draw take their colours from here, so one category has one
colour in every report.

Examples
--------
>>> from jdxlib.palette import ANSWER_COLORS, HIGHLIGHT
>>> HIGHLIGHT, ANSWER_COLORS["実施"]
('#d62728', '#1f5fa8')
"""
from __future__ import annotations

__all__ = [
    "HIGHLIGHT",
    "BASE",
    "LEVEL_COLORS",
    "MYNUMBER_CATEGORY_COLORS",
    "PROCEDURE_GROUP_COLORS",
    "PEER_GROUP_COLORS",
    "ANSWER_COLORS",
    "STATUS_MAP_COLORS",
    "NONRESPONSE_COLORS",
]

#: The body a chart is about.
HIGHLIGHT = "#d62728"
#: Bars and lines without a category.
BASE = "#4c72b0"
#: Levels and groups of local government in the national series.
LEVEL_COLORS = {"prefecture": "#dd8452", "municipality": "#4c72b0", "designated_city": "#55a868",
                "other_municipality": "#8172b3", "all_local_governments": "#937860", "national": "#c44e52",
                "town_village": "#da8bc3"}
#: MIC's マイナンバーカード 区分 (and 全国).
MYNUMBER_CATEGORY_COLORS = {"全国": "#222222", "特別区": "#8172b3", "指定都市": "#55a868", "市": "#4c72b0",
                            "町村": "#dd8452"}
#: The dashboard's procedure groups.
PROCEDURE_GROUP_COLORS = {"よく使う32手続": "#4c72b0", "子育て・介護26手続": "#55a868", "都道府県手続": "#dd8452"}
#: Peer groups of a profile.
PEER_GROUP_COLORS = {"same_prefecture": "#55a868", "same_type": "#8172b3",
                     "same_population_band": "#dd8452", "similar": "#4c72b0"}
#: Answers of the dashboard's status items in profile charts.
ANSWER_COLORS = {"実施": "#1f5fa8", "未実施": "#c0502a", "調査無し": "#888888"}
#: Answers of the dashboard's status items on maps.
STATUS_MAP_COLORS = {"実施": "#4c72b0", "未実施": "#dd8452", "調査無し": "#bbbbbb"}
#: Non-response categories of the open-data survey (keys as in :mod:`jdxlib.opendata`).
NONRESPONSE_COLORS = {"未提出": "#8c8c8c", "未確認": "#b5b5b5", "無回答": "#dcdcdc"}
