"""The built wheel works outside the checkout (issue 11 §1).

Builds the wheel, installs it into a fresh virtual environment outside the repository with
the locked versions taken from the local uv cache (offline: nothing beyond what ./run already
fetched), then, from a folder outside the repository: builds the data from the mirror into
the user's cache folder, loads every dataset and runs one report from the shipped notebooks.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.mirror]

UV = [sys.executable, "-m", "uv"]


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{cmd}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory, mirror):
    """(python, env, cwd) of a fresh venv with only the wheel and its locked dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    _run(UV + ["build", "--wheel", "--out-dir", str(dist), str(PROJECT_ROOT)])
    (wheel,) = dist.glob("jdx-*.whl")
    venv = tmp / "venv"
    # The locked runtime dependencies (no dev, no lab group) from the uv cache, into a new venv:
    # `uv sync --frozen` needs no index, unlike resolving the wheel's requirements offline.
    _run(UV + ["sync", "--frozen", "--offline", "--no-dev", "--no-default-groups",
               "--no-install-project", "--python", sys.executable],
         cwd=PROJECT_ROOT, env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)})
    python = venv / "bin" / "python"
    # Then the wheel itself; its requirements must already be met (offline, no resolution).
    _run(UV + ["pip", "install", "--offline", "--python", str(python), str(wheel)])
    home = tmp / "home"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JDX_", "VIRTUAL_ENV", "PYTHON", "COVERAGE", "JUPYTER", "UV_"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), JDX_DATA_MIRROR=str(mirror),
               PATH=f"{venv / 'bin'}:{env.get('PATH', '')}", MPLCONFIGDIR=str(tmp / "mpl"))
    cwd = tmp / "work"
    cwd.mkdir()
    return python, env, cwd


def test_wheel_ships_its_data_and_notebooks_and_caches_in_the_user_folder(installed):
    python, env, cwd = installed
    code = (
        "import json, jdxlib\n"
        "from jdxlib import _paths\n"
        "from jdxlib.report.catalog import Catalog\n"
        "print(json.dumps({'file': jdxlib.__file__, 'checkout': _paths.IN_CHECKOUT,\n"
        "  'data_dir': str(_paths.data_dir()), 'national': _paths.NATIONAL_DIR.is_dir(),\n"
        "  'errata': (_paths.ERRATA_DIR / 'mynumber_summary.yml').is_file(),\n"
        "  'notebooks': [p.name for p in sorted(_paths.NOTEBOOKS_DIR.glob('*.ipynb'))],\n"
        "  'catalog': sorted(i.key for i in Catalog().themes())}))\n"
    )
    got = json.loads(_run([str(python), "-c", code], env=env, cwd=cwd).stdout)
    assert not got["file"].startswith(str(PROJECT_ROOT)), got["file"]
    assert got["checkout"] is False
    assert got["data_dir"] == str(Path(env["XDG_CACHE_HOME"]) / "jdx")
    assert got["national"] and got["errata"]
    assert got["notebooks"] == sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
    assert "governance" in got["catalog"]


def test_wheel_builds_the_data_loads_every_dataset_and_runs_a_report(installed):
    python, env, cwd = installed
    jdx = str(python.parent / "jdx")
    _run([jdx, "data", "build", "--quiet"], env=env, cwd=cwd)
    code = (
        "import jdxlib\n"
        "for name in jdxlib.list_datasets():\n"
        "    df = jdxlib.load(name)\n"
        "    assert len(df) > 0, name\n"
        "    print(name, len(df))\n"
        "from jdxlib.mynumber_checks import errata\n"
        "print('errata', len(errata()['errata']))\n"
    )
    out = _run([str(python), "-c", code], env=env, cwd=cwd).stdout.split("\n")
    loaded = dict(line.split() for line in out if line)
    assert sorted(k for k in loaded if k != "errata") == sorted(
        p.stem for p in (PROJECT_ROOT / "jdxlib" / "metadata").glob("*.yml"))
    assert int(loaded["municipalities"]) == 1741  # SOURCES.md: 1,741 municipalities
    assert int(loaded["errata"]) > 0
    clean = Path(env["XDG_CACHE_HOME"]) / "jdx" / "clean"
    assert any(clean.glob("*.parquet")), "built tables are not in the user's cache folder"

    proc = _run([jdx, "report", "--theme", "governance", "--format", "html", "--out", "out", "--jobs", "1"],
                env=env, cwd=cwd)
    html = sorted((cwd / "out" / "default").glob("*.html"))
    names = [p.name for p in html]
    assert any("governance" in n for n in names), (names, proc.stdout[-2000:])
    report = next(p for p in html if "governance" in p.name).read_text(encoding="utf-8")
    assert 'lang="ja"' in report
    manifest = json.loads((cwd / "out" / "default" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest


def test_installed_relative_paths_are_taken_from_the_folder_of_first_import(installed):
    python, env, cwd = installed
    rel_mirror = os.path.relpath(env["JDX_DATA_MIRROR"], cwd)
    code = (
        "import os, jdxlib\n"
        "from jdxlib import _paths, sources\n"
        "os.chdir('/')  # later changes of folder do not matter\n"
        "print(_paths.data_dir()); print(os.environ['JDX_DATA_DIR']); print(sources.mirror()[1])\n"
    )
    out = _run([str(python), "-c", code], env={**env, "JDX_DATA_DIR": "rel-data", "JDX_DATA_MIRROR": rel_mirror},
               cwd=cwd).stdout.splitlines()
    assert out == [str(cwd / "rel-data"), str(cwd / "rel-data"), str(Path(env["JDX_DATA_MIRROR"]).resolve())]
