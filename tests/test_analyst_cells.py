"""Theme notebooks show their tidy tables in `analyst` cells; reports drop those cells."""
from __future__ import annotations

import nbformat
import pytest

from conftest import PROJECT_ROOT
from jdxlib.report.exporters import HIDDEN_CELL_TAGS, JdxHTMLExporter

THEME_NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[01][0-9]_*.ipynb"))
ANALYST = "analyst"


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags") or []


def test_all_eleven_theme_notebooks_are_checked():
    assert [p.stem[:2] for p in THEME_NOTEBOOKS] == [f"{i:02d}" for i in range(11)]


@pytest.mark.parametrize("path", THEME_NOTEBOOKS, ids=lambda p: p.stem)
def test_theme_notebook_shows_tidy_tables_and_ends_with_own_analysis(path):
    nb = nbformat.read(path, as_version=4)
    analyst = [c for c in nb.cells if ANALYST in _tags(c)]
    table_cells = [c for c in analyst if c.cell_type == "code" and "tables." in c.source]
    assert len(table_cells) >= 2, f"{path.name}: no analyst cell gets a table from jdxlib.tables"
    # one line gets the table: `t_x = tables.f(...)`
    assert all(c.source.splitlines()[0].lstrip().startswith("t") and "= tables." in c.source.splitlines()[0]
               for c in table_cells[:-1] if "= tables." in c.source), path.name
    # the notebook ends with 「自分で分析する」: a markdown cell, then code that pivots or filters
    *_, intro, last = nb.cells
    assert intro.cell_type == "markdown" and "自分で分析する" in intro.source and ANALYST in _tags(intro)
    assert last.cell_type == "code" and ANALYST in _tags(last)
    assert any(word in last.source for word in (".pivot", ".query(", "[t_", ".groupby(")), last.source
    # the first code cell stays the parameters cell; analyst cells never carry parameters
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in _tags(code[0]) and ANALYST not in _tags(code[0])


def test_html_exporter_drops_analyst_cells():
    assert ANALYST in HIDDEN_CELL_TAGS
    nb = nbformat.v4.new_notebook()
    shown = nbformat.v4.new_markdown_cell("本文に残る段落")
    hidden_md = nbformat.v4.new_markdown_cell("## 自分で分析する\n\n隠れる説明", metadata={"tags": [ANALYST]})
    hidden = nbformat.v4.new_code_cell("t = tables.status_by_type('x')", metadata={"tags": [ANALYST]})
    hidden.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/html": "<table><tr><td>分析用の表</td></tr></table>", "text/plain": "t"},
        execution_count=1)]
    nb.cells = [nbformat.v4.new_markdown_cell("# 架空のレポート"), shown, hidden, hidden_md]
    html, _ = JdxHTMLExporter().from_notebook_node(nb)
    assert "本文に残る段落" in html
    assert "分析用の表" not in html and "隠れる説明" not in html
    # without the tag the same cells are shown: the tag is what hides them
    for cell in (hidden, hidden_md):
        cell.metadata["tags"] = []
    html, _ = JdxHTMLExporter().from_notebook_node(nb)
    assert "分析用の表" in html and "隠れる説明" in html
