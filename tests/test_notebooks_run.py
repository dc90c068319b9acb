"""Every notebook executed end to end through the report pipeline (papermill, warm kernels).

One batch (``jdx report --config``) runs each theme notebook for the whole country, for
東京都 with 世田谷区 highlighted and for 島根県 with a village highlighted, plus bad
parameters that must fail with a clear message.  Key numbers in the HTML are checked
against the datasets.
"""
from __future__ import annotations

import json
import pytest
from click.testing import CliRunner

import jdxlib
from jdxlib.cli import main
from jdxlib.themes import accepts_body, theme_keys

pytestmark = pytest.mark.slow

THEMES = theme_keys(include_overview=False)
PARAMETER_SETS = {
    "country": {},
    "tokyo": {"prefecture": "東京都", "highlight": "世田谷区"},
    "shimane": {"prefecture": "島根県", "highlight": "知夫村"},
}


# National-only themes refuse prefecture/highlight when the batch is read (exit 2, nothing
# runs), so they run for the whole country only.
BODY_THEMES = [k for k in THEMES if accepts_body(k)]
REPORTS = ["overview"] + [f"{k}-{p}" for k in THEMES for p in PARAMETER_SETS if k in BODY_THEMES or p == "country"]


def _config() -> str:
    lines = ["reports:", "  - notebook: overview", "    name: overview"]
    for key in THEMES:
        for label, params in PARAMETER_SETS.items():
            if f"{key}-{label}" not in REPORTS:
                continue
            lines += [f"  - notebook: {key}", f"    name: {key}-{label}", f"    parameters: {json.dumps(params, ensure_ascii=False)}"]
        if key in BODY_THEMES:
            lines += [f"  - notebook: {key}", f"    name: {key}-bad", '    parameters: {prefecture: 東京, highlight: 伊達市}']
    lines += ["  - notebook: overview", "    name: overview-bad", "    parameters: {themes: [governanse]}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def batch(real_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    config = root / "notebooks.yml"
    config.write_text(_config(), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "--config", str(config), "--out", str(root), "--jobs", "2"])
    manifest = json.loads((root / "notebooks" / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["name"]: e for e in manifest["reports"]}
    return result, root / "notebooks", entries


def _html(batch, name) -> str:
    _, run_dir, entries = batch
    return (run_dir / entries[name]["outputs"]["html"]["path"]).read_text(encoding="utf-8")


def test_batch_exit_status_reflects_the_bad_reports(batch):
    result, _, entries = batch
    assert result.exit_code != 0
    failed = sorted(n for n, e in entries.items() if e["status"] == "failed")
    assert failed == sorted([f"{k}-bad" for k in BODY_THEMES] + ["overview-bad"]), result.output


@pytest.mark.parametrize("name", REPORTS)
def test_report_ok_with_credit_and_japanese(batch, name):
    _, _, entries = batch
    assert entries[name]["status"] == "ok", entries[name].get("error")
    html = _html(batch, name)
    assert 'lang="ja"' in html
    assert "出典" in html and "を加工して作成" in html
    assert "Traceback" not in html
    _, run_dir, entries = batch
    nb = json.loads((run_dir / entries[name]["outputs"]["ipynb"]["path"]).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error"
            if out.get("name") == "stderr":
                assert "Glyph" not in out["text"] and "Warning" not in out["text"], out["text"]


def test_bad_prefecture_suggests_full_name_and_lists_candidates(batch):
    _, _, entries = batch
    err = json.dumps(entries["governance-bad"]["error"], ensure_ascii=False)
    assert "東京都" in err            # 東京 → did you mean 東京都
    assert "北海道" in err and "福島県" in err   # 伊達市 is ambiguous
    err = json.dumps(entries["overview-bad"]["error"], ensure_ascii=False)
    assert "governance" in err


def _share(indicator_id, prefecture=None):
    dx = jdxlib.load("dx_status")
    sub = dx[(dx["level"] == "municipality") & (dx["indicator_id"] == indicator_id)]
    if prefecture:
        munis = jdxlib.load("municipalities")
        sub = sub[sub["code"].isin(munis.loc[munis["prefecture"] == prefecture, "code"])]
    return int((sub["status"] == "実施").sum()), int((sub["status"] != "調査無し").sum())


def test_key_numbers_match_the_datasets(batch):
    gov = _html(batch, "governance-country")
    k, n = _share("cio_appointed")
    assert (k, n) == (1270, 1733)
    assert f"{k:,}団体（回答{n:,}団体の{k / n * 100:.1f}%）" in gov
    k, n = _share("ai_introduced")
    assert f"{k:,}団体（回答{n:,}団体の{k / n * 100:.1f}%）" in _html(batch, "ai_rpa-country")
    k, n = _share("telework_introduced")
    assert f"{k:,}" in _html(batch, "telework-country")
    tokyo = _html(batch, "governance-tokyo")
    k, n = _share("cio_appointed", "東京都")
    assert f"{k / n * 100:.1f}%（{k}/{n}）" in tokyo
    assert "世田谷区" in tokyo
    assert "知夫村" in _html(batch, "governance-shimane")


def test_national_only_themes_say_no_per_body_data(batch):
    for key in ["frontyard", "security", "digital_divide", "services"]:
        assert "機械判読可能な形で公表されていません" in _html(batch, f"{key}-country")


def test_overview_shows_corrections_and_flags(batch):
    html = _html(batch, "overview")
    assert "1,222" in html and "1,279" in html      # R4 municipal CIO corrected / published
    assert "公表値が内部で矛盾" in html              # CISO 1,733 (93.5%)


def test_opendata_reports_show_respondents_and_non_respondents(batch):
    """10_opendata for the country, 東京都 and 島根県 — the prefecture whose municipalities most
    often did not answer the 2024 survey (checked here from the data)."""
    from html import unescape

    from jdxlib import opendata

    st = opendata.status_table("2024", "prefecture")
    nr = st[st["status"].astype(str) != "提出済"].groupby("group", observed=True)["count"].sum()
    rate = nr / st.groupby("group", observed=True)["count"].sum()
    assert rate.idxmax() == PARAMETER_SETS["shimane"]["prefecture"]
    b = opendata.bounds("Q3", ["取り組んでいる"]).iloc[0]
    country = unescape(_html(batch, "opendata-country"))
    assert f"回答した{int(b['respondents']):,}団体のうち{int(b['yes']):,}団体（{b['share'] * 100:.1f}%）" in country
    assert f"{b['low'] * 100:.1f}%（未回答がすべて取り組んでいない場合）" in country
    shimane = unescape(_html(batch, "opendata-shimane"))
    counts = st[st["group"].astype(str) == "島根県"].set_index("status")["count"]
    assert f"未提出{int(counts['未提出'])}団体、未確認{int(counts['未確認'])}団体" in shimane
    assert "知夫村は2024年度調査は未確認で、回答がありません。" in shimane
    tokyo = unescape(_html(batch, "opendata-tokyo"))
    assert "世田谷区（東京都）の回答と比較" in tokyo and "離島の" in tokyo


@pytest.mark.parametrize("name", REPORTS)
def test_analyst_cells_run_and_stay_out_of_the_report(batch, name):
    """The `analyst` cells (tidy tables, 「自分で分析する」) execute with every parameter set and
    show a table in the notebook, but not in the report."""
    _, run_dir, entries = batch
    assert entries[name]["status"] == "ok", entries[name].get("error")
    nb = json.loads((run_dir / entries[name]["outputs"]["ipynb"]["path"]).read_text(encoding="utf-8"))
    analyst = [c for c in nb["cells"] if c["cell_type"] == "code" and "analyst" in c["metadata"].get("tags", [])]
    assert analyst and any("tables." in "".join(c["source"]) for c in analyst)
    for cell in analyst:
        outputs = cell.get("outputs", [])
        assert all(o["output_type"] != "error" for o in outputs), "".join(cell["source"])
        assert any("text/html" in o.get("data", {}) for o in outputs), "".join(cell["source"])
    html = _html(batch, name)
    assert "_pct" not in html and "この節はレポートには載りません" not in html
