"""Fault 7: re-runs are byte-identical.  Committed notebooks carry stable cell ids
(nbformat 4.5, tools/notebook_ids.py), and a real report built twice gives the same bytes."""
from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

_spec = importlib.util.spec_from_file_location("notebook_ids", PROJECT_ROOT / "tools" / "notebook_ids.py")
notebook_ids = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook_ids)

COMMITTED = sorted((PROJECT_ROOT / "notebooks").rglob("*.ipynb"))


def _nb(cells, minor=4):
    return {"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": cells}


def _code(src, **extra):
    return {"cell_type": "code", "source": src, "metadata": {}, "outputs": [], "execution_count": None, **extra}


def test_tool_keeps_ids_derives_new_ones_deterministically_and_is_idempotent():
    nb = _nb([_code("a = 1", id="kept-id"), _code("b = 2"), _code("b = 2"), _code("c = 3", id="kept-id")])
    first = notebook_ids.with_ids(copy.deepcopy(nb))
    ids = [c["id"] for c in first["cells"]]
    assert first["nbformat_minor"] == 5
    assert ids[0] == "kept-id" and len(set(ids)) == 4
    assert ids[1].startswith("c-") and ids[2] == ids[1] + "-2"
    assert notebook_ids.with_ids(copy.deepcopy(nb)) == first  # deterministic
    assert notebook_ids.with_ids(copy.deepcopy(first)) == first  # idempotent
    # a cell inserted elsewhere does not change the others' ids
    moved = _nb([_code("new = 0"), *copy.deepcopy(nb["cells"])])
    assert [c["id"] for c in notebook_ids.with_ids(moved)["cells"]][1:] == ids
    text = notebook_ids.render(first)
    assert notebook_ids.render(json.loads(text)) == text


def test_tool_check_mode(tmp_path):
    p = tmp_path / "x.ipynb"
    p.write_text(notebook_ids.render(notebook_ids.with_ids(_nb([_code("x")]))), encoding="utf-8")
    assert notebook_ids.main(["--check", str(tmp_path)]) == 0
    raw = _nb([_code("x")])
    p.write_text(json.dumps(raw), encoding="utf-8")
    assert notebook_ids.main(["--check", str(tmp_path)]) == 1
    assert notebook_ids.main([str(tmp_path)]) == 0
    assert notebook_ids.main(["--check", str(tmp_path)]) == 0


@pytest.mark.parametrize("path", COMMITTED, ids=[str(p.relative_to(PROJECT_ROOT)) for p in COMMITTED])
def test_committed_notebook_has_stable_cell_ids(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = [c.get("id") for c in nb["cells"]]
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5, (
        f"{path.name} is nbformat 4.{nb['nbformat_minor']}: run .venv/bin/python tools/notebook_ids.py")
    assert all(isinstance(i, str) and notebook_ids.VALID_ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids), "duplicate cell ids"


# --------------------------------------------------------------------------- a real report twice
TIMING = ("duration_s", "cell_execution_s", "timings_s")


def _strip_timing(man: dict) -> dict:
    man = copy.deepcopy(man)
    for r in man["reports"]:
        for k in TIMING:
            r.pop(k, None)
        r.pop("status", None)  # "ok" both times with --force; kept for clarity
    return man


@pytest.mark.slow
def test_real_report_built_twice_is_byte_identical(real_data, tmp_path):
    env = {
        **os.environ,
        "JDX_DATA_DIR": str(real_data),
        "SOURCE_DATE_EPOCH": "1780272000",  # 2026-06-01: after the data's latest reference date (2026-01-31)
    }
    out = tmp_path / "out"
    jdx = str(Path(sys.executable).parent / "jdx")
    args = [jdx, "report", "--theme", "telework", "--prefecture", "島根県", "--format", "html,pdf",
            "--out", str(out), "--jobs", "1", "--force"]
    digests, manifests = [], []
    for _ in range(2):
        res = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        run_dir = out / "default"
        files = sorted(p for p in run_dir.iterdir() if p.suffix in (".html", ".ipynb", ".pdf"))
        assert {p.suffix for p in files} == {".html", ".ipynb", ".pdf"}
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
        manifests.append(json.loads((run_dir / "manifest.json").read_text(encoding="utf-8")))
    assert digests[0] == digests[1]
    assert _strip_timing(manifests[0]) == _strip_timing(manifests[1])
