"""Every committed notebook: no outputs, numbered name, title first, a well-formed parameters cell."""
import ast
import re

import nbformat
import pytest

from conftest import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]
PARAM_LINE = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*): (?P<type>[^=]+?) = (?P<default>.+?)  # (?P<doc>\S.*)$")


def _ids(paths):
    return [str(p.relative_to(PROJECT_ROOT)) for p in paths]


def test_there_are_notebooks():
    assert any(p.name == "00_overview.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"


@pytest.mark.parametrize(
    "path", [p for p in NOTEBOOKS if "workshop" not in p.parts], ids=_ids([p for p in NOTEBOOKS if "workshop" not in p.parts])
)
def test_title_and_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert re.match(r"(\d\d_[a-z_]+|profile_[a-z]+)\.ipynb$", path.name)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = code[0]
    assert "parameters" in params.metadata.get("tags", []), "first code cell must be tagged parameters"
    for line in params.source.strip().splitlines():
        assert PARAM_LINE.match(line), f"{path.name}: parameter line not `name: type = default  # 説明`: {line!r}"
    ast.parse(params.source)
    names = [PARAM_LINE.match(l)["name"] for l in params.source.strip().splitlines()]
    validate = code[1].source
    assert "validate" in validate and all(n in validate for n in names), (
        f"{path.name}: the cell after parameters must validate {names}"
    )
