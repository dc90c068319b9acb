"""PDF pagination (issue 12 §6): headings stay with what follows, a chart with its caption, and
no page but the last is left nearly empty (holding only a heading and a paragraph, the tail of
a list or a caption).

How full a page is: the lowest text baseline or image edge inside the page's text area,
measured from its top (0 = empty, 1 = full).  A page may still end early when it holds the end
of a long table (its header row repeats at the top) and the next section (heading, lead
paragraph, a page-tall chart and its caption) needs a whole page.
"""
from __future__ import annotations

import re

import pytest

from jdxlib.report.exporters import html_to_pdf

MM = 72 / 25.4
NEARLY_EMPTY = 0.2


def _css_page_margins_mm() -> tuple[float, float]:
    """Top and bottom page margins (mm) as jdx.css sets them for print."""
    from jdxlib.report.exporters import TEMPLATE_NAME, TEMPLATES_DIR

    css = (TEMPLATES_DIR / TEMPLATE_NAME / "jdx.css").read_text(encoding="utf-8")
    top, _, bottom, _ = (float(x) for x in re.search(r"@page \{[^}]*?margin: ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm ([\d.]+)mm",
                                                     css).groups())
    return top, bottom


def _mul(a, b):
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def page_layout(pdf) -> list[dict]:
    """Per page: ``fill`` (see module doc) and ``lines`` (body text lines, top to bottom)."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    top_mm, bottom_mm = _css_page_margins_mm()
    pages = []
    for page in reader.pages:
        height = float(page.mediabox.height)
        top, bottom = height - top_mm * MM, bottom_mm * MM
        texts: list[tuple[float, str]] = []

        def visit(text, cm, tm, _font, _size):
            if text.strip():
                texts.append((_mul(tm, cm)[5], text.strip()))

        page.extract_text(visitor_text=visit)
        ys = [y for y, _ in texts]
        ctm, stack = [1.0, 0, 0, 1.0, 0, 0], []
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"q":
                stack.append(ctm)
            elif op == b"Q":
                ctm = stack.pop()
            elif op == b"cm":
                ctm = _mul([float(x) for x in operands], ctm)
            elif op == b"Do":  # an image: its lower edge
                ys.append(min(ctm[5], ctm[5] + ctm[3]))
        body = [y for y in ys if bottom < y < top]
        low = min(body) if body else top
        lines = [t for y, t in sorted(texts, key=lambda yt: -yt[0]) if bottom < y < top]
        pages.append({"fill": (top - low) / (top - bottom), "lines": lines})
    return pages


def nearly_empty_pages(pdf) -> list[str]:
    """Pages but the last filled less than NEARLY_EMPTY, except a long table's last rows."""
    pages = page_layout(pdf)
    out = []
    for i, page in enumerate(pages[:-1]):
        continued_table = i > 0 and page["lines"] and page["lines"][0] in pages[i - 1]["lines"]
        if page["fill"] < NEARLY_EMPTY and not continued_table:
            out.append(f"page {i + 1} of {len(pages)} is {page['fill']:.0%} full: {' / '.join(page['lines'])[:200]}")
    return out


def _page(body: str) -> str:
    from jdxlib.report.exporters import TEMPLATE_NAME, TEMPLATES_DIR

    css = (TEMPLATES_DIR / TEMPLATE_NAME / "jdx.css").read_text(encoding="utf-8")
    return f'<html lang="ja"><head><style>{css}</style></head><body><main>{body}</main></body></html>'


def test_a_page_holding_only_a_heading_and_a_paragraph_is_found(tmp_path):
    pdf = tmp_path / "x.pdf"
    para = "<p>" + "都道府県ごとの割合を比べます。" * 4 + "</p>"
    pdf.write_bytes(html_to_pdf(_page(f'<h3>都道府県別</h3>{para}<div style="break-before: page">'
                                      f'{para * 40}</div>')))
    found = nearly_empty_pages(pdf)
    assert len(found) == 1 and found[0].startswith("page 1 of") and "都道府県別" in found[0]


def test_the_tail_of_a_long_table_is_not_a_nearly_empty_page(tmp_path):
    rows = "".join(f"<tr><td class='jdx-text'>指標{i}</td><td class='jdx-num'>{i}</td></tr>" for i in range(64))
    table = f'<div class="jp-RenderedHTMLCommon"><table><thead><tr><th>指標</th><th>件数</th></tr></thead><tbody>{rows}</tbody></table></div>'
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(html_to_pdf(_page(table + '<p style="break-before: page">次の節</p>')))
    layout = page_layout(pdf)
    assert len(layout) == 3 and layout[1]["fill"] < NEARLY_EMPTY and layout[1]["lines"][0] == "指標 件数"
    assert nearly_empty_pages(pdf) == []


@pytest.mark.slow
def test_governance_pdf_has_no_nearly_empty_page(real_data, tmp_path):
    """The governance report had a page holding only 「都道府県別」 and its lead paragraph (the
    47-prefecture heat map with its long caption did not fit after them) and a page holding
    only the last lines of a list."""
    from click.testing import CliRunner

    from jdxlib.cli import main

    result = CliRunner().invoke(main, ["report", "--theme", "governance", "--format", "pdf",
                                       "--out", str(tmp_path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "default" / "governance.pdf"
    assert nearly_empty_pages(pdf) == []


def test_short_tables_are_marked_to_print_unsplit():
    from jdxlib.report import _clean

    def table(n):
        rows = "".join(f"<tr><td>指標{i}</td><td>{i}</td></tr>" for i in range(n))
        return f"<table><thead><tr><th>指標</th><th>件数</th></tr></thead><tbody>{rows}</tbody></table>"

    assert "jdx-table-short" in _clean.format_table_html(table(_clean.SHORT_TABLE_ROWS))
    assert "jdx-table-short" not in _clean.format_table_html(table(_clean.SHORT_TABLE_ROWS + 1))
