"""What a reader sees: no notebook leftovers in any report (issue 12 §6).

Unit tests show that each rule of :mod:`jdxlib.report.leftovers` catches its leftover in a
small crafted page (and leaves clean Japanese text alone); the slow test builds the reports
of ``./run reports`` (every theme, national), three municipality profiles, a prefecture
profile and two theme reports for one prefecture (one with a highlighted body) once and scans
every HTML page.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from jdxlib.report import _clean
from jdxlib.report.leftovers import RULES, scan


def _page(body: str) -> str:
    return f'<html lang="ja"><head><style>.a_b {{}}</style></head><body><main>{body}</main></body></html>'


CLEAN = _page(
    "<h2>全国の推移</h2><p>AIの導入は全国で879団体（回答1,741団体の50.5%）。出典：デジタル庁「自治体DXの取組に関する"
    "ダッシュボード」を加工して作成</p>"
    '<table class="dataframe"><thead><tr><th>順位</th><th>都道府県</th><th>割合</th></tr></thead>'
    "<tbody><tr><td>1位</td><td>岐阜県</td><td>85.7%</td></tr><tr><td>2位</td><td>広島県</td><td>80.0%</td></tr>"
    "</tbody></table>"
    "<p>元データ：Code for Japan マイナンバーカード交付状況の抽出（CC BY 4.0 互換）。中央値 56.9%（第1〜第3四分位 52.7%〜61.1%）</p>"
    '<img src="x.png" alt="都道府県別の地図">'
)

# one crafted leftover per rule
LEFTOVERS = {
    "bare_output": '<div class="jp-RenderedText jp-OutputArea-output" data-mime-type="text/plain"><pre>8</pre></div>',
    "index_column": '<table class="dataframe"><thead><tr><th></th><th>指標</th></tr></thead><tbody>'
    "<tr><th>0</th><td>CIOの任命</td></tr><tr><th>1</th><td>AIの導入</td></tr><tr><th>2</th><td>RPA</td></tr>"
    "</tbody></table>",
    "truncated": "<table><tbody><tr><td>総務省 資料1-3 行政手続のオンライン利用について H29.3.6 (sep...</td></tr></tbody></table>",
    "internal_key": "<p>町村（town_village）の割合は低い。</p>",
    "english": "<li>利用条件：figures may be reused with the credit line</li>",
    "chance": "<p>この差は偶然の範囲内です。</p>",
    "interval": "<p>実施割合 50.5%（95%信頼区間 48.2%〜52.8%）</p>",
}


def test_a_clean_page_has_no_findings():
    assert scan(CLEAN) == []


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_catches_its_leftover(rule):
    findings = scan(_page(LEFTOVERS[rule]))
    assert rule in {f.rule for f in findings}, findings
    # the clean page with the leftover put back fails again
    assert rule in {f.rule for f in scan(CLEAN.replace("</main>", LEFTOVERS[rule] + "</main>"))}


@pytest.mark.parametrize(
    "body, rule",
    [
        ("<p>全国の推移は national_indicators から作ります。</p>", "internal_key"),  # a dataset name
        ("<p>分母は <code>respondents</code> 列</p>", "internal_key"),
        ("<td>電波新聞 2025-07-01 (separate survey)</td>", "english"),
        ("<p>割合 [48.2–52.8]</p>", "interval"),
        ("<table><thead><tr><th>指標</th><th>95%区間</th></tr></thead></table>", "interval"),
        ('<div class="jp-RenderedText" data-mime-type="application/vnd.jupyter.stderr"><pre>UserWarning: x</pre></div>',
         "bare_output"),
    ],
)
def test_more_leftovers(body, rule):
    assert rule in {f.rule for f in scan(_page(body))}


def test_saying_why_there_is_no_interval_is_not_a_leftover():
    assert scan(_page("<p>全団体の回答を数えた値（標本ではない）なので信頼区間は付けません。</p>")) == []
    assert scan(_page("<p>標本ではないので信頼区間は付けず、差は実際の差です。</p>")) == []
    # but an interval itself still is
    assert {f.rule for f in scan(_page("<p>信頼区間：48.2〜52.8%</p>"))} == {"interval"}


def test_named_first_column_of_ranks_is_not_an_index():
    table = ('<table><thead><tr><th>順位</th><th>県</th></tr></thead><tbody><tr><td>1</td><td>A</td></tr>'
             "<tr><td>2</td><td>B</td></tr></tbody></table>")
    assert scan(_page(table)) == []


# ------------------------------------------------------------------ what the exporter removes
def _nb(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    return nb


def test_drop_leftovers_removes_bare_reprs_and_repeated_headings():
    code = nbformat.v4.new_code_cell("trends.show_theme_trends(THEME)")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "<small>図の説明</small>"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "8"}, execution_count=1),
    ]
    md = nbformat.v4.new_markdown_cell("### 最新の全国値\n\n各系列の最新時点の値です。")
    section = nbformat.v4.new_code_cell("latest.show()")
    section.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "#### 最新の全国値", "text/plain": "<md>"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<table></table>", "text/plain": "<t>"}),
    ]
    nb = _nb([code, md, section])
    _clean.drop_leftovers(nb)
    assert [o["data"] for o in nb.cells[0].outputs] == [{"text/markdown": "<small>図の説明</small>"}]
    assert nb.cells[1].source.startswith("### 最新の全国値")
    assert [list(o["data"]) for o in nb.cells[2].outputs] == [["text/html", "text/plain"]]


def test_format_table_html_aligns_separates_and_footnotes_sources():
    html = (
        '<table border="1" class="dataframe"><thead><tr><th></th><th>指標</th><th>件数</th><th>調査年</th>'
        "<th>出典</th></tr></thead><tbody>"
        "<tr><th>0</th><td>CIO</td><td>12345</td><td>2023</td><td>電波新聞 2025 (separate survey)</td></tr>"
        "<tr><th>1</th><td>AI</td><td>—</td><td>2021</td><td>白書</td></tr>"
        "<tr><th>2</th><td>RPA</td><td>7</td><td>2020</td><td>電波新聞 2025 (separate survey)</td></tr>"
        "</tbody></table>"
    )
    out = _clean.format_table_html(html)
    assert scan(_page(out)) == []
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(out, "html.parser")
    rows = [[c.get_text() for c in tr.find_all(["td", "th"])] for tr in soup.find_all("tr")]
    assert rows[0] == ["指標", "件数", "調査年", "出典"]
    assert rows[1] == ["CIO", "12,345", "2023", "[1]"]  # a year keeps its 4 digits
    assert rows[3][3] == "[1]" and rows[2][3] == "[2]"
    assert [li.get_text() for li in soup.select("ol.jdx-table-notes li")] == ["電波新聞 2025（別の調査）", "白書"]
    first = soup.find("tbody").find("tr").find_all("td")
    assert "jdx-text" in first[0]["class"] and "jdx-num" in first[1]["class"]


def test_used_reference_dates_come_from_the_captions():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": (
            "<small>調査：地方公共団体における行政情報化の推進状況調査。調査時点：2005-04-01〜2023-04-01。分母：…</small>")}),
        nbformat.v4.new_output("display_data", data={"text/markdown": (
            "<small>対象：市区町村。調査時点：エクスポートに記載なし。出典：デジタル庁「自治体DXの取組に関するダッシュボード」"
            "を加工して作成</small>")}),
    ]
    cell.outputs.append(nbformat.v4.new_output("display_data", data={"text/markdown": (
        "<small>調査：総務省「マイナンバーカード交付状況について」（市区町村別、46時点）。調査時点：2017-03-08〜2022-12-31"
        "（各時点の算出基準日）。</small>")}))
    notes = nbformat.v4.new_markdown_cell("- 調査時点：2003-04-01（データセットの説明）")
    latest = nbformat.v4.new_code_cell("x")
    latest.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": (
        "<small>調査：地方公共団体における行政情報化の推進状況調査、地方自治体の業務継続計画策定状況調査(2008年)。"
        "調査時点：2004-04-01〜2024-12-31。出典：…</small>")})]
    got = _clean.used_reference_dates(_nb([cell, notes, latest]))
    assert _clean.latest_reference_date(_nb([cell, notes, latest])) == "2024-12-31"
    assert _clean.latest_reference_date(_nb([notes])) is None
    assert got == [
        {"survey": "地方公共団体における行政情報化の推進状況調査", "dates": ["2005-04-01", "2023-04-01"], "unstated": False},
        {"survey": "デジタル庁「自治体DXの取組に関するダッシュボード」", "dates": [], "unstated": True},
        {"survey": "総務省「マイナンバーカード交付状況について」（市区町村別、46時点）", "dates": ["2017-03-08", "2022-12-31"],
         "unstated": False},
        # seen only in a caption over several surveys: its dates are in that table
        {"survey": "地方自治体の業務継続計画策定状況調査(2008年)", "dates": [], "unstated": False},
    ]
    assert _clean.date_span([], False) == "調査時点は表のとおり"


def test_reference_dates_written_in_japanese_and_paired_surveys():
    """The open-data captions state 「2024年9月上旬〜10月下旬」 and pair two surveys with 「／」:
    the header showed no latest reference date and 「調査時点は表のとおり」 three times."""
    r6 = "デジタル庁「地方公共団体におけるオープンデータの取組に関するアンケート」（令和6年度）"
    r2 = "内閣官房IT総合戦略室「地方公共団体へのオープンデータの取組に関するアンケート」（令和2年度）"
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": f"<small>{text}</small>"}) for text in (
        f"調査：{r6}。調査時点：2024年度調査は2024年9月上旬〜10月下旬（回答期間）。分母：全市区町村1,741団体。出典：{r6}を加工して作成",
        f"調査：{r2}。調査時点：2020年度調査は2020年11月時点の回答。出典：{r2}を加工して作成",
        f"調査：{r2}／{r6}。調査時点：2020年度調査は2020年11月時点の回答／2024年度調査は2024年9月上旬〜10月下旬（回答期間）。"
        f"分母：両年度の回答。出典：{r2}を加工して作成",
    )]
    nb = _nb([cell, nbformat.v4.new_markdown_cell("- 調査時点：2025-02（データセットの説明）")])
    assert _clean.latest_reference_date(nb) == "2024-10"  # a month as stated, no made-up day
    got = _clean.used_reference_dates(nb)
    assert got == [{"survey": r6, "dates": ["2024-09", "2024-10"], "unstated": False},
                   {"survey": r2, "dates": ["2020-11"], "unstated": False}]
    assert [_clean.date_span(r["dates"]) for r in got] == ["2024-09〜2024-10", "2020-11"]
    assert _clean.caption_dates("2017-03-08〜2022-12-31（各時点の算出基準日）") == ["2017-03-08", "2022-12-31"]
    assert _clean.caption_dates("2024年度調査（令和6年度）") == []


def test_generation_date_follows_source_date_epoch(monkeypatch):
    from jdxlib.report.exporters import generation_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13 UTC = 11-15 in Japan
    assert generation_date() == "2023-11-15"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        generation_date()


def test_generation_date_before_the_data_is_refused(monkeypatch):
    """An old SOURCE_DATE_EPOCH would print 作成日 2023-11-15 above data of 2024-07-12."""
    from jdxlib.report.exporters import generation_date

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-15 in Japan
    assert generation_date(not_before="2023-11-15") == "2023-11-15"
    with pytest.raises(ValueError, match=r"2023-11-15 \(from SOURCE_DATE_EPOCH=1700000000\) is before .* 2024-07-12"):
        generation_date(not_before="2024-07-12")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    with pytest.raises(ValueError, match="the system clock"):
        generation_date(not_before="9999-12-31")


def test_header_names_newer_releases_of_the_theme():
    from jdxlib.report.exporters import newer_releases

    titles = [r["title"] for r in newer_releases("governance")]
    assert any("令和7年度" in t for t in titles)
    assert not any("マイナンバー" in t for t in titles)
    assert any("マイナンバー" in r["title"] for r in newer_releases("mynumber_card"))


# ------------------------------------------------------------------ every report, built once
@pytest.fixture(scope="session")
def built_run(real_data, tmp_path_factory):
    """``./run reports`` (every theme, national), three municipality profiles, one prefecture
    profile and two prefecture theme reports (their own sections: prefecture tables, municipal
    maps, the highlighted body against its peers), built once per session with every shown
    figure checked as printed (``JDX_CHECK_CHARTS``); returns the folder."""
    import os

    from click.testing import CliRunner

    from jdxlib.cli import main
    from jdxlib.sections import CHECK_CHARTS_ENV

    root = tmp_path_factory.mktemp("reader-reports")
    runs = [
        [],
        ["--municipalities", "北海道伊達市,檜原村,双葉町"],
        ["--prefectures", "東京都"],
        ["--theme", "online_procedures", "--prefecture", "島根県"],
        ["--theme", "mynumber_card", "--prefecture", "東京都", "--highlight", "檜原村"],
    ]
    saved = os.environ.get(CHECK_CHARTS_ENV)
    os.environ[CHECK_CHARTS_ENV] = "1"  # workers and their kernels inherit it
    try:
        for args in runs:
            result = CliRunner().invoke(main, ["report", *args, "--out", str(root), "--jobs", "2"])
            assert result.exit_code == 0, result.output
    finally:
        if saved is None:
            os.environ.pop(CHECK_CHARTS_ENV, None)
        else:
            os.environ[CHECK_CHARTS_ENV] = saved
    return root


def _entries(root):
    for manifest in sorted(root.glob("*/manifest.json")):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["reports"]:
            yield manifest.parent, entry


@pytest.fixture(scope="session")
def built_reports(built_run):
    """{report name: its HTML} of :func:`built_run`."""
    return {e["name"]: (folder / e["outputs"]["html"]["path"]).read_text(encoding="utf-8")
            for folder, e in _entries(built_run)}


@pytest.mark.slow
def test_no_report_has_leftovers(built_reports):
    assert len(built_reports) >= 11 + 3 + 1 + 2
    assert {"online_procedures-32", "mynumber_card-13-133078"} <= set(built_reports)
    problems = {name: [str(f) for f in scan(html)] for name, html in sorted(built_reports.items())}
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)[:6000]


@pytest.mark.slow
def test_every_figure_of_every_report_prints_at_8pt_without_overlaps(built_run):
    """Chart rules on the figures the reports really show (not only those the unit tests
    build): no text under 8 pt at the printed size, no name cut with 「…」, no text over another."""
    checked, problems = 0, {}
    for folder, entry in _entries(built_run):
        nb = nbformat.read(folder / entry["outputs"]["ipynb"]["path"], as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs") or []:
                record = (out.get("metadata") or {}).get("jdx")
                if "image/png" not in (out.get("data") or {}):
                    continue
                assert record is not None, f"{entry['name']}: a figure shown without jdxlib.sections.show_figure"
                checked += 1
                if record["print_problems"]:
                    problems[f"{entry['name']}: {record['alt']}"] = record["print_problems"][:4]
    assert checked > 100
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)[:8000]


def test_heading_chart_and_caption_become_one_figure_block():
    cell = nbformat.v4.new_code_cell("section.show()")
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "#### 都道府県別の地図", "text/plain": "<md>"}),
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<img>"},
                               metadata={"image/png": {"alt": "都道府県別の地図"}}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "<small>出典：架空の調査を加工して作成</small>"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "<small>調査時点：2023-04-01</small>"}),
        nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"}),
    ]
    nb = _nb([cell])
    _clean.merge_figure_captions(nb)
    blocks = [o["data"]["text/html"] for o in nb.cells[0].outputs]
    assert len(blocks) == 2
    assert blocks[0].startswith('<div class="jdx-block jdx-block-figure"><h4') and "<figure" in blocks[0]
    assert "<figcaption>" in blocks[0] and "架空の調査" in blocks[0] and 'alt="都道府県別の地図"' in blocks[0]
    assert blocks[1].startswith('<div class="jdx-table-block">') and "2023-04-01" in blocks[1] and "<table>" in blocks[1]
