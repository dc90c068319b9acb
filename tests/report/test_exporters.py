"""The HTML exporter: chart alternative texts from the notebook, a generic one otherwise."""
from __future__ import annotations

import base64
import io

import nbformat

from jdxlib.report.exporters import JdxHTMLExporter


def _png() -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _image_output(metadata: dict) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"image/png": _png()}, metadata=metadata)


def test_charts_carry_their_alt_text_and_others_a_generic_one():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [_image_output({"image/png": {"alt": "架空の図<題名>"}}), _image_output({})]
    nb.cells = [nbformat.v4.new_markdown_cell("# 架空のレポート"), cell]
    html, _ = JdxHTMLExporter().from_notebook_node(nb)
    assert html.count("<img ") == 2
    assert 'alt="架空の図&lt;題名&gt;"' in html
    assert 'alt="図"' in html
    assert "No description has been provided" not in html
