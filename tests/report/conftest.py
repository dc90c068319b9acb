"""Fake notebooks for the report pipeline tests (clearly fake content: 架空)."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

PARAMS = (
    'prefecture: str | None = None  # 都道府県（架空テスト用）\n'
    'highlight: str | None = None  # 強調する市区町村（架空）'
)

CHART = """\
import os
import pandas as pd
import matplotlib.pyplot as plt
from jdxlib import viz
viz.set_theme()
df = pd.DataFrame({"区分": ["架空市", "見本町", "試験村"], "値": [3, 1, 2]})
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.bar(df["区分"], df["値"])
ax.set_title(f"架空の指標（{prefecture or '全国'}）")
plt.show()
SECRET_CODE_MARKER = "this source line must not appear in reports"
"""


def make_notebook(path: Path, title: str, code_cells: list[str], params: str | None = PARAMS) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\nこれは**架空**のテスト用ノートブックです。")]
    if params is not None:
        p = nbformat.v4.new_code_cell(params)
        p.metadata["tags"] = ["parameters"]
        cells.append(p)
    cells += [nbformat.v4.new_code_cell(src) for src in code_cells]
    cells.append(nbformat.v4.new_markdown_cell("## まとめ\n\n架空の結論です。"))
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i}"  # fixed ids: deterministic files
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def fake_notebooks(tmp_path, monkeypatch) -> Path:
    """A notebooks folder with an overview, a theme, a failing theme and isolation probes."""
    d = build_fake_notebooks(tmp_path / "notebooks")
    monkeypatch.setenv("JDX_NOTEBOOKS_DIR", str(d))
    return d


def build_fake_notebooks(d: Path) -> Path:
    make_notebook(d / "00_overview.ipynb", "架空の全国概観", [CHART],
                  params="since: int = 2003  # 表示開始年（架空）")
    make_notebook(d / "01_fake_theme.ipynb", "架空テーマ", [CHART, "x = 1 + 1\nx"])
    make_notebook(
        d / "02_failing.ipynb",
        "失敗する架空テーマ",
        ["y = 1", "raise ZeroDivisionError('架空の失敗 in the third code cell')", "print('not reached')"],
    )
    make_notebook(
        d / "03_leak.ipynb",
        "名前を残す架空テーマ",
        [
            "import os, builtins, matplotlib\n"
            "leaked_variable = 42\n"
            "os.environ['JDX_TEST_LEAK'] = '1'\n"
            "builtins.jdx_test_leak = True\n"
            "matplotlib.rcParams['lines.linewidth'] = 9.5\n"
            "import warnings\nwarnings.filterwarnings('ignore', message='JDX_TEST_LEAK')\n"
            "os.chdir('/')\n"
            "print('KERNEL_PID', os.getpid())",
        ],
    )
    make_notebook(
        d / "04_probe.ipynb",
        "前のレポートを見ない架空テーマ",
        [
            "import os, builtins, matplotlib, warnings\n"
            "problems = []\n"
            "if 'leaked_variable' in globals(): problems.append('variable')\n"
            "if 'JDX_TEST_LEAK' in os.environ: problems.append('environ')\n"
            "if hasattr(builtins, 'jdx_test_leak'): problems.append('builtins')\n"
            "if matplotlib.rcParams['lines.linewidth'] == 9.5: problems.append('rcParams')\n"
            "if any(f[1] is not None and 'JDX_TEST_LEAK' in f[1].pattern for f in warnings.filters): problems.append('warnings')\n"
            "if os.path.basename(os.getcwd()) != 'notebooks': problems.append('cwd ' + os.getcwd())\n"
            "assert not problems, problems\n"
            "print('KERNEL_PID', os.getpid())\n"
            "print('ISOLATION_OK')",
        ],
    )
    return d
