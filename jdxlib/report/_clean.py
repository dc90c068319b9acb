"""What the exporters do to an executed notebook before a reader sees it.

- :func:`drop_leftovers`: outputs that are only a Python repr (``8``, ``None``,
  ``<Figure …>``: the value of a cell's last expression) and a heading repeated right
  after itself (a notebook's ``### X`` followed by a section's own ``#### X``);
- :func:`format_tables`: reader tables with text left-aligned and numbers right-aligned,
  thousands separators, no ``0, 1, 2 …`` row-number column, the 出典 column turned
  into footnote numbers under the table, and short tables marked to print unsplit;
- :func:`used_reference_dates`: the survey reference dates the report's own captions
  state (the header lists only these, and the latest of them), written as ``2023-04-01`` or
  in Japanese (``2024年9月上旬〜10月下旬``; kept at the month when no day is stated).
"""
from __future__ import annotations

import re
from typing import Any

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


# --------------------------------------------------------------------------- leftovers
def _is_bare_repr(output) -> bool:
    """An execute_result / display_data with nothing richer than ``text/plain``."""
    if output.get("output_type") not in ("execute_result", "display_data"):
        return False
    data = output.get("data") or {}
    return bool(data) and set(data) <= {"text/plain"}


def _heading_texts(markdown: str) -> list[tuple[int, str]]:
    out = []
    for i, line in enumerate(markdown.splitlines()):
        m = _HEADING.match(line)
        if m:
            out.append((i, re.sub(r"[*_`]", "", m.group(2)).strip()))
    return out


def _drop_repeat(markdown: str, last: str | None) -> tuple[str, str | None]:
    """Remove headings that repeat the previous heading; return text and the last heading."""
    lines = markdown.splitlines()
    drop = set()
    for i, text in _heading_texts(markdown):
        if last is not None and text == last:
            drop.add(i)
        last = text
    if drop:
        markdown = "\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n")
    return markdown, last


def drop_leftovers(nb) -> None:
    """Drop bare-repr outputs and repeated headings from *nb* (in place)."""
    last = None
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            cell["source"], last = _drop_repeat(_text(cell.get("source")), last)
            continue
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs") or []:
            if _is_bare_repr(out):
                continue
            data = out.get("data") or {}
            if "text/markdown" in data:
                data["text/markdown"], last = _drop_repeat(_text(data["text/markdown"]), last)
                if not data["text/markdown"].strip():
                    continue
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept


# --------------------------------------------------------------------------- figures
def _caption_html(markdown: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(markdown).strip()


def merge_figure_captions(nb) -> None:
    """Put each chart and the caption displayed right after it into one ``<figure>`` (in place).

    In print the figure then never leaves its caption behind on the next page, and no page
    holds only a caption.
    """
    from html import escape

    for cell in nb.cells:
        outs = cell.get("outputs") or []
        merged, i = [], 0
        while i < len(outs):
            out = outs[i]
            data = out.get("data") or {}
            nxt = outs[i + 1] if i + 1 < len(outs) else None
            cap = _text((nxt or {}).get("data", {}).get("text/markdown", "")).strip() if nxt else ""
            if "image/png" in data and cap.startswith("<small>"):
                meta = (out.get("metadata") or {}).get("image/png") or {}
                alt = escape(str(meta.get("alt") or "図"), quote=True)
                png = _text(data["image/png"]).replace("\n", "")
                html = (f'<figure class="jdx-figure"><img src="data:image/png;base64,{png}" alt="{alt}">'
                        f"<figcaption>{_caption_html(cap)}</figcaption></figure>")
                merged.append({"output_type": "display_data", "metadata": {},
                               "data": {"text/html": html, "text/plain": "<figure>"}})
                i += 2
                continue
            merged.append(out)
            i += 1
        if "outputs" in cell:
            cell["outputs"] = _keep_headings_and_captions(merged)


def _html_output(html: str) -> dict:
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": html, "text/plain": "<block>"}}


def _keep_headings_and_captions(outs: list) -> list:
    """A caption displayed right before a table, and a heading displayed right before a figure
    or a table, go into the same block as what they introduce (kept together in print)."""
    def md(o):
        return _text((o.get("data") or {}).get("text/markdown", "")).strip() if o.get("output_type") == "display_data" else ""

    def html(o):
        return _text((o.get("data") or {}).get("text/html", "")) if "image/png" not in (o.get("data") or {}) else ""

    out, i = [], 0
    while i < len(outs):
        o, nxt = outs[i], outs[i + 1] if i + 1 < len(outs) else None
        if nxt is not None and md(o).startswith("<small>") and "<table" in html(nxt):
            out.append(_html_output(f'<div class="jdx-table-block"><div class="jdx-caption">{_caption_html(md(o))}</div>'
                                    f"{html(nxt)}</div>"))
            i += 2
            continue
        out.append(o)
        i += 1
    final, i = [], 0
    while i < len(out):
        o, nxt = out[i], out[i + 1] if i + 1 < len(out) else None
        text = md(o)
        if nxt is not None and _HEADING.match(text) and "\n" not in text and html(nxt).lstrip().startswith(
                ('<figure class="jdx-figure"', '<div class="jdx-table-block"')):
            kind = "figure" if html(nxt).lstrip().startswith("<figure") else "table"
            final.append(_html_output(f'<div class="jdx-block jdx-block-{kind}">{_caption_html(text)}{html(nxt)}</div>'))
            i += 2
            continue
        final.append(o)
        i += 1
    return final


# --------------------------------------------------------------------------- tables
# a number as reader tables print it: 1,741 / 50.5% / 85% （15/17）/ 3位 / 1.2億円 / —
_NUMBER = re.compile(
    r"^[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*[万億]?(?:%|％|ポイント|pt|位|団体|件|人|枚|円|円/人|手続)?"
    r"(?:\s*[（(][\d,./／]+[）)])?$"
)
# a table this short is printed whole on one page (a longer one may continue on the next)
SHORT_TABLE_ROWS = 12
_MISSING = {"", "—", "-", "–", "nan", "NaN", "<NA>", "None"}
# columns whose 4-digit integers are years or codes, not amounts
_NO_SEPARATOR = re.compile(r"年|コード|番号|code|時点")
_CODE_HEADER = re.compile(r"コード|^code$")
_PLAIN_INT = re.compile(r"^([-+−]?)(\d{4,})(\.\d+)?(.*)$")
# English fragments of the stored source titles, in the reader's language
_SOURCE_WORDS = [
    (re.compile(r"\s*[;；]\s*separate ad hoc survey"), "、別の臨時調査"),
    (re.compile(r"\s*[;；]\s*separate survey"), "、別の調査"),
    (re.compile(r"\s*\(separate survey\)"), "（別の調査）"),
    (re.compile(r"\s*[;；]\s*survey year not stated on the page, as_of inferred from the publication"),
     "、調査年の記載なし（公表時期から推定）"),
    (re.compile(r"\s*\(issues, (\d{4})\), summarising\s*"), r"（issues、\1年）。要約の対象："),
    (re.compile(r"\)\s+and\s+「"), ")、「"),
]


def source_text_ja(text: str) -> str:
    """A stored source title with its English notes put in Japanese."""
    for pattern, repl in _SOURCE_WORDS:
        text = pattern.sub(repl, text)
    return text


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def _with_separator(text: str) -> str:
    m = _PLAIN_INT.match(text.strip())
    if not m or "," in text:
        return text
    sign, digits, frac, rest = m.groups()
    return f"{sign}{int(digits):,}{frac or ''}{rest}"


def _cell_rows(table):
    rows = []
    for tr in table.find_all("tr"):
        rows.append(tr.find_all(["th", "td"], recursive=False))
    return rows


def _drop_range_index(table) -> None:
    """Remove a leading column of 0, 1, 2 … (or 1, 2, 3 …) row numbers under an empty header."""
    body = table.find("tbody")
    if body is None:
        return
    firsts = [tr.find(["th", "td"], recursive=False) for tr in body.find_all("tr", recursive=False)]
    if len(firsts) < 2 or any(c is None for c in firsts):
        return
    texts = [c.get_text(strip=True) for c in firsts]
    start = texts[0]
    if start not in ("0", "1") or texts != [str(int(start) + i) for i in range(len(texts))]:
        return
    head = table.find("thead")
    head_cells = []
    if head is not None:
        for tr in head.find_all("tr", recursive=False):
            cell = tr.find(["th", "td"], recursive=False)
            if cell is not None:
                head_cells.append(cell)
    if any(c.get_text(strip=True) for c in head_cells):
        return  # a named first column (e.g. 順位) is data
    for c in firsts + head_cells:
        c.decompose()


def _add_class(tag, cls: str) -> None:
    tag["class"] = [*(tag.get("class") or []), cls]


def format_table_html(html: str) -> str:
    """Reader formatting of the ``<table>`` elements of one HTML output (see module doc)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    tables = soup.find_all("table")
    if not tables:
        return html
    for table in tables:
        _drop_range_index(table)
        if "border" in table.attrs:
            del table["border"]
        rows = _cell_rows(table)
        head = table.find("thead")
        header_row = head.find_all("tr")[-1].find_all(["th", "td"], recursive=False) if head else []
        headers = [c.get_text(" ", strip=True) for c in header_row]
        body_rows = [r for r in rows if r and not (head and r[0].find_parent("thead"))]
        ncols = max((len(r) for r in body_rows), default=0)
        notes: list[str] = []
        for j in range(ncols):
            cells = [r[j] for r in body_rows if j < len(r)]
            header = headers[j] if j < len(headers) and len(header_row) == ncols else ""
            values = [c.get_text(" ", strip=True) for c in cells]
            present = [v for v in values if v not in _MISSING]
            numeric = bool(present) and all(_is_number(v) for v in present) and not _CODE_HEADER.search(header)
            # short labels (区分, 確認, names of bodies) never wrap one character per line
            short = bool(present) and max(len(v) for v in present) <= 12
            if header.startswith("出典") and present:
                for c, v in zip(cells, values):
                    if v in _MISSING:
                        continue
                    v = source_text_ja(v)
                    if v not in notes:
                        notes.append(v)
                    c.clear()
                    c.string = f"[{notes.index(v) + 1}]"
                    _add_class(c, "jdx-note-ref")
                continue
            if numeric and not _NO_SEPARATOR.search(header):
                for c, v in zip(cells, values):
                    if c.string is not None and v not in _MISSING:
                        new = _with_separator(v)
                        if new != v:
                            c.string = new
            for c in cells:
                _add_class(c, "jdx-num" if numeric else "jdx-text")
                if short and not numeric:
                    _add_class(c, "jdx-short")
            if header_row and len(header_row) == ncols:
                _add_class(header_row[j], "jdx-num" if numeric else "jdx-text")
                if len(header) <= 2:
                    _add_class(header_row[j], "jdx-short")
        if len(body_rows) <= SHORT_TABLE_ROWS:
            _add_class(table, "jdx-table-short")
        if notes:
            ol = soup.new_tag("ol", attrs={"class": "jdx-table-notes"})
            for note in notes:
                li = soup.new_tag("li")
                li.string = note
                ol.append(li)
            table.insert_after(ol)
    return str(soup)


def format_tables(nb) -> None:
    """Apply :func:`format_table_html` to every HTML output holding a table (in place)."""
    for cell in nb.cells:
        for out in cell.get("outputs") or []:
            data = out.get("data") or {}
            html = data.get("text/html")
            if html is not None and "<table" in _text(html):
                data["text/html"] = format_table_html(_text(html))


# --------------------------------------------------------------------------- reference dates
# a reference date as captions state it: 2023-04-01, 2024-09 (a month), 2024年9月上旬, 2020年11月;
# 「〜10月下旬」 continues the year before it.  Kept at the precision stated (never a made-up day).
_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d-])"
                   r"|(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?"
                   r"|〜(\d{1,2})月(?:(\d{1,2})日)?")
_CAPTION_DATES = re.compile(r"調査時点：([^。]*)")
_CAPTION_SURVEY = re.compile(r"調査：([^。]*)")
_CREDIT_TITLE = re.compile(r"出典：([^「」。]*「[^」]+」)")


def _caption_texts(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            texts.append(_text(cell.get("source")))
        for out in cell.get("outputs") or []:
            data = out.get("data") or {}
            for key in ("text/markdown", "text/html"):
                if key in data and "調査時点：" in _text(data[key]):
                    texts.append(_text(data[key]))
    return texts


def caption_dates(text: str) -> list[str]:
    """The reference dates in a caption's 調査時点 text, as ``YYYY-MM-DD`` or ``YYYY-MM``."""
    out, year = [], None
    for m in _DATE.finditer(text):
        g = m.groups()
        if g[0]:
            year, month, day = g[0], g[1], g[2]
        elif g[3]:
            year, month, day = g[3], g[4], g[5]
        elif year is not None:  # 「2024年9月上旬〜10月下旬」
            month, day = g[6], g[7]
        else:
            continue
        out.append(f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else ""))
    return out


def _split_outside_brackets(text: str, seps: str = "、,") -> list[str]:
    """Split a list of survey names at *seps* (「、」 and ",") that are not inside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch in "（(「『［["
        depth -= ch in "）)」』］]"
        if ch in seps and depth <= 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def used_reference_dates(nb) -> list[dict[str, Any]]:
    """The surveys and reference dates stated in the report's captions.

    Returns one record per survey (in order of first appearance): ``survey`` (its name as the
    captions give it), ``dates`` (``YYYY-MM-DD`` stated, sorted), ``unstated`` (True when a
    caption says the date is not stated).
    """
    out: dict[str, dict[str, Any]] = {}
    members: dict[str, list[str]] = {}
    for text in _caption_texts(nb):
        text = re.sub(r"<[^>]+>", "", text)
        for line in text.splitlines():
            for m in _CAPTION_DATES.finditer(line):
                survey = _CAPTION_SURVEY.search(line[: m.start()])
                if survey:
                    names = [s.strip() for s in _split_outside_brackets(survey.group(1)) if s.strip()]
                else:
                    credit = _CREDIT_TITLE.search(line)
                    if not credit:  # not a caption (e.g. a dataset note)
                        continue
                    names = [credit.group(1).strip()]
                # 「A／B。調査時点：A の時点／B の時点」: each survey with its own dates
                spans = [m.group(1)]
                if len(names) == 1:
                    pair = _split_outside_brackets(names[0], "／")
                    if len(pair) > 1 and len(pair) == len(_split_outside_brackets(m.group(1), "／")):
                        names, spans = pair, _split_outside_brackets(m.group(1), "／")
                if len(names) > 1 and len(spans) == len(names):
                    for name, span in zip(names, spans):
                        members[name.strip()] = [name.strip()]
                        rec = out.setdefault(name.strip(), {"survey": name.strip(), "dates": set(), "unstated": False})
                        rec["dates"].update(caption_dates(span))
                        rec["unstated"] = rec["unstated"] or "記載なし" in span
                    continue
                key = "、".join(names)
                members[key] = names
                rec = out.setdefault(key, {"survey": key, "dates": set(), "unstated": False})
                rec["dates"].update(caption_dates(m.group(1)))
                rec["unstated"] = rec["unstated"] or "記載なし" in m.group(1)
    records, listed = [], set()
    for key, rec in out.items():
        if len(members[key]) == 1:
            records.append({"survey": rec["survey"], "dates": sorted(rec["dates"]), "unstated": rec["unstated"]})
            listed.add(key)
    for key, rec in out.items():
        # a caption over several surveys (a table of all latest values): its span belongs to
        # no single one; a survey seen only there is listed with its dates left to the table
        for name in members[key] if len(members[key]) > 1 else []:
            if name not in listed:
                records.append({"survey": name, "dates": [], "unstated": False})
                listed.add(name)
    return records


def latest_reference_date(nb) -> str | None:
    """The latest ``YYYY-MM-DD`` any caption of the report states as a reference date."""
    dates = []
    for text in _caption_texts(nb):
        for line in re.sub(r"<[^>]+>", "", text).splitlines():
            if "出典：" in line or "調査：" in line:
                for m in _CAPTION_DATES.finditer(line):
                    dates += caption_dates(m.group(1))
    return max(dates) if dates else None


def date_span(dates: list[str], unstated: bool = False) -> str:
    """``2004-04-01〜2023-04-01`` (or one date); 「調査時点の記載なし」 added when stated so."""
    if not dates and not unstated:
        return "調査時点は表のとおり"
    parts = []
    if dates:
        parts.append(dates[0] if dates[0] == dates[-1] else f"{dates[0]}〜{dates[-1]}")
    if unstated:
        parts.append("一部は調査時点の記載なし" if dates else "調査時点の記載なし")
    return "（".join(parts) + ("）" if len(parts) > 1 else "")
