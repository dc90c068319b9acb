"""papermill's own tooling sees every notebook's parameters (issue 11 §2).

papermill's parser reads ``name: type = default  # help`` only when the annotation is a plain
or subscripted name (``str``, ``Optional[str]``); ``str | None`` made it see nothing.
"""
from __future__ import annotations

import subprocess
import sys

import nbformat
import papermill
import pytest

from conftest import PROJECT_ROOT
from jdxlib.report.catalog import parse_parameters

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").rglob("*.ipynb"))


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _parameters_cell(path):
    return next((c for c in _code_cells(path) if "parameters" in c.metadata.get("tags", [])), None)


WITH_PARAMETERS = [p for p in NOTEBOOKS if _parameters_cell(p) is not None]


def test_the_theme_notebooks_have_parameters():
    names = {p.stem for p in WITH_PARAMETERS}
    assert {"00_overview", "01_governance", "09_mynumber_card", "profile_municipality"} <= names


@pytest.mark.parametrize("path", WITH_PARAMETERS, ids=lambda p: p.stem)
def test_papermill_infers_every_parameter_with_type_default_and_help(path):
    ours = parse_parameters(_parameters_cell(path).source)
    inferred = papermill.inspect_notebook(str(path))
    assert list(inferred) == [p.name for p in ours]
    for p in ours:
        got = inferred[p.name]
        assert got["inferred_type_name"] == p.type, (path.name, got)
        assert got["default"] == p.default
        assert got["help"] == p.description and got["help"]


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.mirror) if p.stem.startswith("profile_") else p
    for p in WITH_PARAMETERS
], ids=lambda p: p.stem)
def test_parameters_and_validation_cells_run_with_the_defaults(path, request):
    if path.stem.startswith("profile_"):  # a profile's default body is resolved against the data
        request.getfixturevalue("real_data")
    params, validation = _code_cells(path)[:2]
    namespace: dict = {}
    exec(compile(params.source, f"{path.name} parameters", "exec"), namespace)
    exec(compile(validation.source, f"{path.name} validation", "exec"), namespace)
    for p in parse_parameters(params.source):
        assert p.name in namespace


def test_help_notebook_lists_the_governance_parameters():
    out = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(PROJECT_ROOT / "notebooks" / "01_governance.ipynb")],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "prefecture: Optional[str] (default None)" in out
    assert "highlight: Optional[str] (default None)" in out
    assert "都道府県（名前かコード。None で全国）" in out
