"""Find notebook leftovers in a report's HTML: things a reader must never see.

Each rule names one kind of leftover (issue 12 §6, GUIDE "Truth in what readers see"):

``bare_output``
    a plain-text cell output (the repr of a last expression such as ``8`` or ``None``,
    printed text, warnings);
``index_column``
    a table whose first, unnamed column numbers the rows 0, 1, 2 … (a pandas index);
``truncated``
    a table cell or chart label cut short with ``...`` / 「…」 (pandas' display width);
``internal_key``
    a code word in reader text: a ``snake_case`` key (``town_village``), a dataset name or
    a dataset column name, or a ``<code>`` span;
``english``
    an English sentence or note in reader text (names such as "Code for Japan" excepted);
``chance``
    「偶然」: differences between bodies of a complete count are real, not chance;
``interval``
    a confidence interval on a complete count (「信頼区間」「95%区間」, ``[a–b]`` ranges).

:func:`scan` returns the findings of one HTML page; the slow test scans every report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

RULES = ("bare_output", "index_column", "truncated", "internal_key", "english", "chance", "interval")

# organisations and products whose names are English words
ALLOWED_NAMES = (
    "Code for Japan",
    "Code for FUKUI",
    "Internet Watch",
    "xID media",
    "CC BY",
)
_STOPWORDS = frozenset(
    "the and of by in for with from per is are was not to on at as or be this that these those "
    "see row rows column columns only one each survey separate data reports quoting summarising "
    "inferred stated page table value values missing note notes".split()
)
_WORD_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \t,;:/()]+[A-Za-z][A-Za-z'’-]*)+")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_ASCII_WORD = re.compile(r"\b[a-z][a-z0-9]+\b")
_URL = re.compile(r"https?://\S+")
_INTERVAL = re.compile(
    # 「信頼区間は付けません／付けず」 says why there is none: not a leftover
    r"信頼区間(?!は付け)|ウィルソン|95\s*[%％]\s*(?:区間|信頼)|"
    r"\[\s*[-−]?\d[\d.,]*\s*%?\s*(?:[-–—−,〜~]|to)\s*[-−]?\d[\d.,]*\s*%?\s*\]"
)


@dataclass(frozen=True)
class Finding:
    """One leftover: the rule it breaks and the text where it was found."""

    rule: str
    text: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.text[:160]}"


@lru_cache(maxsize=1)
def internal_words() -> frozenset[str]:
    """Dataset names and column names of every jdx dataset (lower case, with an underscore or
    not): words that belong in code, not in a report."""
    from .._datasets import describe, list_datasets

    words = set()
    for name in list_datasets():
        words.add(name.lower())
        words.update(c.lower() for c in describe(name).columns)
    # short, common words that are also column names are too ambiguous to flag
    return frozenset(w for w in words if len(w) >= 4)


def _visible_blocks(soup):
    """(kind, text) for the reader's text: paragraphs, list items, headings, cells, captions, alts."""
    for tag in soup(["script", "style", "head", "noscript"]):
        tag.decompose()
    for img in soup.find_all("img"):
        if img.get("alt"):
            yield "alt", img["alt"]
    for el in soup.find_all(["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "small",
                             "figcaption", "caption", "dt", "dd", "blockquote"]):
        if el.find(["p", "li", "td", "th", "h1", "h2", "h3", "h4"]):
            continue  # the innermost block is enough
        text = el.get_text(" ", strip=True)
        if text:
            yield el.name, text


def _english_runs(text: str) -> list[str]:
    text = _URL.sub(" ", text)
    for name in ALLOWED_NAMES:
        text = text.replace(name, " ")
    runs = []
    for m in _WORD_RUN.finditer(text):
        words = re.findall(r"[A-Za-z][A-Za-z'’-]*", m.group(0))
        lower = [w for w in words if w.lower() in _STOPWORDS and w.islower()]
        if len(words) >= 5 or (len(words) >= 2 and lower):
            runs.append(m.group(0).strip())
    return runs


def _index_column(table) -> bool:
    body = table.find("tbody") or table
    firsts = []
    for tr in body.find_all("tr", recursive=False):
        cell = tr.find(["th", "td"], recursive=False)
        if cell is None:
            return False
        firsts.append(cell.get_text(strip=True))
    if len(firsts) < 2 or firsts[0] not in ("0", "1"):
        return False
    if firsts != [str(int(firsts[0]) + i) for i in range(len(firsts))]:
        return False
    head = table.find("thead")
    first_head = head.find(["th", "td"]) if head is not None else None
    return first_head is None or not first_head.get_text(strip=True)


def scan(html: str, rules: tuple[str, ...] = RULES) -> list[Finding]:
    """The leftovers in one report page (empty when it is clean)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    found: list[Finding] = []
    if "bare_output" in rules:
        for el in soup.select(".jp-RenderedText, .output_text, .output_stream"):
            found.append(Finding("bare_output", el.get_text(" ", strip=True) or "(empty text output)"))
    if "index_column" in rules:
        for table in soup.find_all("table"):
            if _index_column(table):
                found.append(Finding("index_column", table.get_text(" ", strip=True)[:120]))
    if "truncated" in rules:
        for cell in soup.find_all(["td", "th", "li"]):
            text = cell.get_text(" ", strip=True)
            if text.endswith(("...", "…")) and len(text) > 3:
                found.append(Finding("truncated", text))
    if "internal_key" in rules:
        for code in soup.find_all("code"):
            found.append(Finding("internal_key", code.get_text(strip=True)))
    words = internal_words() if "internal_key" in rules else frozenset()
    for kind, text in _visible_blocks(soup):
        plain = _URL.sub(" ", text)
        if "internal_key" in rules:
            keys = set(_SNAKE.findall(plain)) | {w for w in _ASCII_WORD.findall(plain) if w in words}
            found.extend(Finding("internal_key", f"{k} — {text}") for k in sorted(keys))
        if "english" in rules:
            found.extend(Finding("english", f"{r} — {text}") for r in _english_runs(plain))
        if "chance" in rules and "偶然" in text:
            found.append(Finding("chance", text))
        if "interval" in rules and _INTERVAL.search(text):
            found.append(Finding("interval", text))
    # a block nested in another is reported once
    return list(dict.fromkeys(found))
