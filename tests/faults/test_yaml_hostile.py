"""Fault 3: hostile or foreign-encoded YAML is a one-line config error within a second."""
from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from jdxlib.cli import main

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)


def _run(tmp_path, data: bytes):
    p = tmp_path / "batch.yml"
    p.write_bytes(data)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["report", "--config", str(p), "--out", str(out)])
    return res, time.perf_counter() - t0, out


def _one_line_error(res) -> str:
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output
    lines = [l for l in res.output.splitlines() if l.strip()]
    assert len(lines) == 1, res.output
    return lines[0]


def test_python_tag_in_parameters(fake_notebooks, tmp_path, no_runs):
    text = (
        "reports:\n"
        "  - notebook: fake_theme\n"
        "    parameters:\n"
        "      prefecture: !!python/object/apply:os.system ['touch pwned']\n"
    )
    res, _, out = _run(tmp_path, text.encode())
    line = _one_line_error(res)
    assert "batch.yml:4:" in line and "python/object/apply" in line and "not allowed" in line
    assert not out.exists()


def test_recursive_alias(fake_notebooks, tmp_path, no_runs):
    text = "reports:\n  - notebook: fake_theme\n    parameters:\n      prefecture: &a [*a]\n"
    res, _, _ = _run(tmp_path, text.encode())
    line = _one_line_error(res)
    assert "batch.yml:4:" in line and "refers to itself" in line


def test_recursive_alias_at_top(fake_notebooks, tmp_path, no_runs):
    res, _, _ = _run(tmp_path, b"&a [*a]\n")
    assert "refers to itself" in _one_line_error(res)


@pytest.mark.parametrize("where", ["top", "parameters"])
def test_billion_laughs_is_rejected_within_a_second(fake_notebooks, tmp_path, no_runs, where):
    if where == "top":
        text = BOMB + "reports:\n  - notebook: fake_theme\n"
    else:
        text = (
            "reports:\n  - notebook: fake_theme\n    parameters:\n      prefecture:\n"
            + "".join("        " + l + "\n" for l in BOMB.splitlines())
        )
    assert len(text) < 1500
    res, seconds, _ = _run(tmp_path, text.encode())
    line = _one_line_error(res)
    assert "aliases" in line and "too large" in line
    assert seconds < 1.0, seconds


def test_shift_jis_is_rejected_with_utf8_advice(fake_notebooks, tmp_path, no_runs):
    text = "# 東京都のレポート\nreports:\n  - notebook: fake_theme\n    parameters: {prefecture: 東京都}\n"
    res, _, _ = _run(tmp_path, text.encode("shift_jis"))
    line = _one_line_error(res)
    assert "must be UTF-8" in line and "batch.yml" in line


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom_is_read(fake_notebooks, tmp_path, bom):
    from jdxlib.report.catalog import Catalog
    from jdxlib.report.config import load_config

    p = tmp_path / "batch.yml"
    p.write_bytes(bom + "reports:\n  - notebook: fake_theme\n    parameters: {prefecture: 東京都}\n".encode())
    cfg = load_config(p, Catalog())
    assert cfg.items[0].parameter_sets == [{"prefecture": "東京都"}]


def test_control_characters_are_a_config_error(fake_notebooks, tmp_path, no_runs):
    res, _, _ = _run(tmp_path, b"reports:\n  - notebook: \x07fake_theme\n")
    assert "batch.yml" in _one_line_error(res)
