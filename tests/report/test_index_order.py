"""index.html lists the themes 00 → 10, then the profiles grouped by prefecture."""
import re

from jdxlib.report._order import index_groups
from jdxlib.report.manifest import render_index


def _r(name, key, title, **params):
    return {"name": name, "key": key, "title": title, "parameters": params, "status": "ok", "outputs": {}}


REPORTS = [
    {**_r("profile_municipality-133078", "profile_municipality", "檜原村", municipality="133078"),
     "parameter_labels": {"municipality": "東京都檜原村 (133078)"}},
    _r("telework", "telework", "06 テレワーク"),
    _r("profile_prefecture-13", "profile_prefecture", "東京都", prefecture="東京都"),
    _r("governance-13", "governance", "01 推進体制 — 東京都", prefecture="東京都"),
    _r("overview", "overview", "00 全国概観"),
    {**_r("profile_municipality-012335", "profile_municipality", "伊達市", municipality="012335"),
     "parameter_labels": {"municipality": "北海道伊達市 (012335)"}},
    _r("governance", "governance", "01 推進体制"),
]


def test_themes_in_number_order_then_profiles_by_prefecture():
    groups = index_groups(REPORTS)
    assert [(g, [r["name"] for r in rs]) for g, rs in groups] == [
        (None, ["overview", "governance", "governance-13", "telework"]),
        ("プロフィール：北海道", ["profile_municipality-012335"]),
        ("プロフィール：東京都", ["profile_prefecture-13", "profile_municipality-133078"]),
    ]


def test_rendered_index_follows_the_order():
    html = render_index({"run": "default", "reports": REPORTS})
    seen = re.findall(r'<tr class="group"><th colspan="4">([^<]+)</th>|<code>([a-z_0-9-]+)</code></small>', html)
    flat = [a or b for a, b in seen]
    assert flat == ["overview", "governance", "governance-13", "telework", "プロフィール：北海道",
                    "profile_municipality-012335", "プロフィール：東京都", "profile_prefecture-13",
                    "profile_municipality-133078"]
