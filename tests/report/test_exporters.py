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


def _pdf_page(text: str) -> str:
    return (f'<html lang="ja"><body><h2>{text}</h2><table><tr><th>区分</th><th>団体数</th></tr>'
            f'<tr><td>市区町村</td><td>1,741</td></tr></table></body></html>')


def test_pdfs_share_one_font_configuration_and_give_the_same_bytes(monkeypatch):
    """One FontConfiguration serves every PDF of a worker; reusing it must not change a byte
    (subset names, font objects) whatever was rendered before."""
    import os

    import weasyprint
    from weasyprint.text import fonts

    from jdxlib.report import exporters

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    exporters.html_to_pdf(_pdf_page("先に作るPDF（別の文字）"))
    made = []
    real = fonts.FontConfiguration

    class Counted(real):
        def __init__(self):
            made.append(1)
            super().__init__()

    monkeypatch.setattr(fonts, "FontConfiguration", Counted)
    monkeypatch.setattr(weasyprint.document, "FontConfiguration", Counted)  # WeasyPrint's default
    second = exporters.html_to_pdf(_pdf_page("オンライン手続"))
    third = exporters.html_to_pdf(_pdf_page("オンライン手続"))
    assert made == []  # the first PDF's configuration served both
    reference = weasyprint.HTML(string=_pdf_page("オンライン手続"), base_url=os.getcwd()).write_pdf(
        stylesheets=[weasyprint.CSS(string="@page { size: A4; }")], pdf_identifier=b"jdx-report",
        font_config=real())
    assert second == third == reference
