"""Notebook discovery and the parameters cell."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from jdxlib.cli import main
from jdxlib.report.catalog import Catalog, CatalogError, parse_parameters

from .conftest import make_notebook


def test_keys_drop_the_number_and_keep_profiles(fake_notebooks):
    make_notebook(fake_notebooks / "profile_prefecture.ipynb", "架空プロフィール", ["pass"],
                  params="prefecture: str = '島根県'  # 架空")
    cat = Catalog()
    assert cat.keys()[:3] == ["overview", "fake_theme", "failing"]
    assert cat.get("fake_theme").path.name == "01_fake_theme.ipynb"
    assert cat.get("01_fake_theme").key == "fake_theme"
    assert [n.key for n in cat.profiles()] == ["profile_prefecture"]
    assert cat.get("overview").title == "架空の全国概観"


def test_parameters_cell_is_parsed():
    src = (
        "# comment line\n"
        "prefecture: str | None = None  # 都道府県名（None = 全国）\n"
        "since: int = 2003  # 開始年\n"
        "color = '#ff0000'  # a hash inside a string\n"
        "\n"
        "themes: list | None = None\n"
    )
    params = {p.name: p for p in parse_parameters(src)}
    assert list(params) == ["prefecture", "since", "color", "themes"]
    assert params["prefecture"].type == "str | None"
    assert params["prefecture"].default_value is None
    assert params["prefecture"].description == "都道府県名（None = 全国）"
    assert params["since"].default_value == 2003
    assert params["color"].default_value == "#ff0000"
    assert params["color"].description == "a hash inside a string"
    assert params["themes"].description == ""


def test_unknown_key_lists_valid_keys(fake_notebooks):
    with pytest.raises(CatalogError) as exc:
        Catalog().get("fake_them")
    msg = str(exc.value)
    assert "Did you mean 'fake_theme'" in msg
    for key in ("overview", "fake_theme", "failing", "leak", "probe"):
        assert key in msg


def test_list_shows_notebooks_and_parameters(fake_notebooks):
    res = CliRunner().invoke(main, ["report", "--list"])
    assert res.exit_code == 0, res.output
    assert "fake_theme  (01_fake_theme.ipynb) — 架空テーマ" in res.output
    assert "    prefecture: str | None = None  # 都道府県（架空テスト用）" in res.output
    assert "    since: int = 2003  # 表示開始年（架空）" in res.output
