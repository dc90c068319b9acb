"""Fixtures for the fault tests (issue 13): the fake notebooks of tests/report."""
from __future__ import annotations

from report.conftest import build_fake_notebooks, make_notebook  # noqa: F401
import pytest


@pytest.fixture
def fake_notebooks(tmp_path, monkeypatch):
    d = build_fake_notebooks(tmp_path / "notebooks")
    monkeypatch.setenv("JDX_NOTEBOOKS_DIR", str(d))
    return d


@pytest.fixture
def no_runs(monkeypatch):
    """Fail the test if any report would be executed."""
    def boom(*a, **k):
        raise AssertionError("reports were started")
    monkeypatch.setattr("jdxlib.report.runner.run_reports", boom)
