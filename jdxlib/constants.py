"""Constants that several layers share, defined once.

This module sits at the bottom of the layers (it imports nothing from jdxlib), so the build
(:mod:`jdxlib._build`), the reference data, the tables and the presentation all read the same
values.  Colours live in :mod:`jdxlib.palette`.

Examples
--------
>>> from jdxlib.constants import DASHBOARD_RELEASE, LEVELS
>>> DASHBOARD_RELEASE, LEVELS
('2024-07-12', ('prefecture', 'municipality'))
"""
from __future__ import annotations

__all__ = [
    "DASHBOARD_RELEASE",
    "LEVELS",
    "MUNICIPAL_TYPES",
    "PROCEDURE_GROUPS",
    "MYNUMBER_CATEGORIES",
    "CATEGORY_LABELS",
    "TYPE_CATEGORY",
]

#: Release of the 自治体DX dashboard export (dx_status, online_procedures); the export itself
#: states no reference date.
DASHBOARD_RELEASE = "2024-07-12"

#: The two levels of local government, in the order of the built tables' ``level`` categories.
LEVELS: tuple[str, ...] = ("prefecture", "municipality")

#: Municipal types in display order (the ``type`` categories of ``municipalities``).
MUNICIPAL_TYPES: tuple[str, ...] = ("指定都市", "中核市", "市", "特別区", "町", "村")

#: Procedure groups of the dashboard in display order (municipal: よく使う32手続 then 子育て・介護26手続).
PROCEDURE_GROUPS: tuple[str, ...] = ("よく使う32手続", "子育て・介護26手続", "都道府県手続")

#: MIC's published マイナンバーカード 区分 in display order (中核市 counted as 市).
MYNUMBER_CATEGORIES: tuple[str, ...] = ("特別区", "指定都市", "市", "町村")

#: Published 区分 label of the マイナンバーカード summaries -> canonical category.
CATEGORY_LABELS = {
    "全国": "全国",
    "特別区": "特別区",
    "政令指定都市": "指定都市",
    "指定都市": "指定都市",
    "市（政令指定都市を除く）": "市",
    "市（指定都市を除く）": "市",
    "町村": "町村",
    "特別区・市（指定都市を除く）": "特別区・市",
}

#: ``municipalities.type`` -> canonical マイナンバーカード category.
TYPE_CATEGORY = {"指定都市": "指定都市", "中核市": "市", "市": "市", "特別区": "特別区",
                 "町": "町村", "村": "町村"}
