"""The import contract: jdxlib's layers import only downwards (pyproject ``[tool.importlinter]``).

data → reference → stats → tables → viz → present → report / workshop / cli.  The contract is run
by import-linter on the package as it is, and on a copy with one upward import added, which
must break it (so the test can fail).
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT), "--config", str(cwd / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _copy_package(tmp_path: Path) -> Path:
    """The Python files of jdxlib and the project's pyproject.toml, under *tmp_path*."""
    for src in (ROOT / "jdxlib").rglob("*.py"):
        dst = tmp_path / src.relative_to(ROOT)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_layers_contract_is_kept():
    res = _lint(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "jdxlib layers import only downwards KEPT" in res.stdout


@pytest.mark.parametrize("lower, upper", [
    ("stats", "sections"),          # stats → present
    ("_build/codes", "names"),      # data → reference
    ("analysis", "charts"),         # tables → viz
])
def test_an_upward_import_breaks_the_contract(tmp_path, lower, upper):
    pkg = _copy_package(tmp_path)
    target = pkg / "jdxlib" / f"{lower}.py"
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _upward():\n    from jdxlib import {upper}\n",
                      encoding="utf-8")
    res = _lint(pkg, pythonpath=pkg)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "BROKEN" in res.stdout
    assert f"jdxlib.{lower.replace('/', '.')} -> jdxlib.{upper}" in res.stdout


def test_a_new_module_must_be_given_a_layer(tmp_path):
    pkg = _copy_package(tmp_path)
    (pkg / "jdxlib" / "unplaced.py").write_text("X = 1\n", encoding="utf-8")
    res = _lint(pkg, pythonpath=pkg)
    assert res.returncode == 1
    assert "jdxlib.unplaced" in res.stdout


# Raw upstream files are read through jdxlib.sources (fetch / fetch_all) and parsed by the build;
# above the data layer no module may name them.
DATA_LAYER = {"sources", "_build", "_datasets", "_memo", "municipal", "national", "mynumber_checks",
              "_opendata_loaders", "_paths", "_atomic", "constants"}
TOP = {"report", "cli", "data_cli", "workshop", "workshop_cli", "check"}


def _imported_names(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            out |= {f"{mod}.{a.name}".lstrip(".") for a in node.names} | {mod}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_no_module_above_the_data_layer_reads_raw_files():
    offenders = {}
    for path in sorted((ROOT / "jdxlib").glob("*.py")):
        if path.stem in DATA_LAYER | TOP or path.stem == "__init__":
            continue
        names = _imported_names(path)
        bad = sorted(n for n in names if n.split(".")[-1] in {"sources", "read_wide", "raw_dir", "fetch",
                                                               "fetch_all"})
        if bad:
            offenders[path.name] = bad
    assert offenders == {}
