"""`import jdxlib`: the documented public API, its docstring examples, describe() copies."""
from __future__ import annotations

import doctest
import subprocess
import sys

import pytest

import jdxlib
import jdxlib._datasets


@pytest.mark.parametrize("module", [jdxlib, jdxlib._datasets], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(module, module.__name__, globs={**vars(module)})
    for t in tests:
        runner.run(t)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 4, "the package docstring lost its examples"
    assert result.failed == 0


def test_public_api_is_importable_and_documented():
    for name in ["load", "describe", "list_datasets", "set_theme", "DatasetMetadata", "UnknownDatasetError"]:
        assert name in jdxlib.__all__
        assert callable(getattr(jdxlib, name))
        assert name in jdxlib.__doc__
    from jdxlib import set_theme, viz

    assert set_theme is viz.set_theme
    with pytest.raises(AttributeError, match="no attribute 'tabels'"):
        jdxlib.tabels  # noqa: B018


def test_import_jdxlib_does_not_load_matplotlib():
    code = "import sys, jdxlib; print(sorted(m for m in ('matplotlib', 'seaborn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_describe_returns_a_record_later_callers_do_not_share():
    first = jdxlib.describe("dx_status")
    expected = (list(first.reference_dates), list(first.caveats), list(first.denominators),
                [dict(s) for s in first.sources], list(first.columns), first.credit_line)
    first.reference_dates.append("1999-01-01")
    first.caveats.clear()
    first.denominators[0] = "changed"
    first.sources[0]["url"] = "http://example.invalid/"
    first.columns.pop(next(iter(first.columns)))
    first.extra["changed"] = True
    with pytest.raises(AttributeError):  # frozen dataclass: fields cannot be rebound
        first.credit = "changed"
    again = jdxlib.describe("dx_status")
    assert (list(again.reference_dates), list(again.caveats), list(again.denominators),
            [dict(s) for s in again.sources], list(again.columns), again.credit_line) == expected
    assert "changed" not in again.extra
    assert again is not first


def test_readme_api_example_runs():
    from conftest import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    section = section.replace("```python", "").replace("```", "")  # a fence is not expected output
    test = doctest.DocTestParser().get_doctest(section, {}, "README: Python API", "README.md", 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert test.examples and runner.summarize(verbose=False).failed == 0
