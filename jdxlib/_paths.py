"""Where jdx finds its own files and keeps its data.

jdx runs in two layouts, and this module is the only place that knows them:

checkout
    ``jdxlib/`` beside ``pyproject.toml``, ``data/national/``, ``data/errata/`` and
    ``notebooks/`` (a clone, ``./run``, ``pip install -e .``).  Generated data goes to
    ``<project>/data/raw`` and ``<project>/data/clean``.
installed wheel
    The committed national data, the errata and the notebooks ship inside the package as
    ``jdxlib/_project/{data/national,data/errata,notebooks}`` (hatch ``force-include``) and are
    found with :mod:`importlib.resources`.  Generated data goes to the user's cache folder
    (:func:`platformdirs.user_cache_dir`, e.g. ``~/.cache/jdx``).

``JDX_DATA_DIR`` moves the generated folders (``raw/``, ``clean/``) elsewhere in both layouts.

Relative paths in the environment
---------------------------------
A relative ``JDX_DATA_DIR``, ``JDX_DATA_MIRROR`` or ``JDX_NOTEBOOKS_DIR`` is resolved against
the **project root** when jdx runs from a checkout, whatever the current folder (so
``JDX_DATA_MIRROR=../shared/data`` means the same in ``./run``, in a JupyterLab kernel started
in ``notebooks/`` and in a script); when jdx is installed from a wheel it is resolved against
the **current folder at the moment jdxlib is first imported**.  ``import jdxlib`` writes the
absolute value back into the environment, so kernels and workers started later inherit it.
URLs (``http://``, ``https://``) are left alone; ``file://`` is stripped.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

#: Environment variables holding paths, resolved by :func:`env_path`.
PATH_VARIABLES = ("JDX_DATA_DIR", "JDX_DATA_MIRROR", "JDX_NOTEBOOKS_DIR")

PACKAGE_DIR = Path(str(resources.files("jdxlib"))).resolve()
_CHECKOUT = PACKAGE_DIR.parent


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "data" / "national").is_dir()


#: True when jdxlib runs from a source checkout (editable install or ``./run``).
IN_CHECKOUT = _is_checkout(_CHECKOUT)

#: The folder holding ``data/national``, ``data/errata`` and ``notebooks``: the checkout, or
#: the copy shipped inside the installed package.
PROJECT_ROOT = _CHECKOUT if IN_CHECKOUT else PACKAGE_DIR / "_project"
NATIONAL_DIR = PROJECT_ROOT / "data" / "national"
ERRATA_DIR = PROJECT_ROOT / "data" / "errata"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


def _relative_base() -> Path | None:
    if IN_CHECKOUT:
        return _CHECKOUT
    try:
        return Path.cwd()
    except OSError:  # the current folder was deleted: only relative paths cannot be resolved
        return None


#: What relative paths in the environment are relative to (see the module docstring).
RELATIVE_BASE = _relative_base()


def absolute(value: str | os.PathLike) -> Path:
    """*value* as an absolute path, a relative one taken from :data:`RELATIVE_BASE`."""
    text = str(value)
    if text.startswith("file://"):
        text = text[len("file://"):]
    path = Path(text).expanduser()
    if path.is_absolute():
        return path
    if RELATIVE_BASE is None:
        raise OSError(f"cannot resolve the relative path {text!r}: the current folder no longer "
                      "exists; give an absolute path")
    return (RELATIVE_BASE / path).resolve()


def env_path(var: str) -> str | None:
    """The value of environment variable *var*: absolute path, URL unchanged, or None if unset."""
    value = os.environ.get(var, "").strip()
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return value
    return str(absolute(value))


def absolute_env_paths() -> None:
    """Write the absolute form of every relative :data:`PATH_VARIABLES` back to the environment.

    Kernels and workers run in other folders and inherit the environment: the value must
    keep meaning the folder it meant here.
    """
    for var in PATH_VARIABLES:
        value = env_path(var)
        if value is not None and value != os.environ[var]:
            os.environ[var] = value


def data_dir() -> Path:
    """Root of the generated data folders.

    ``JDX_DATA_DIR`` if set; else ``<project>/data`` in a checkout; else the user's cache
    folder (``platformdirs.user_cache_dir("jdx")``).
    """
    env = env_path("JDX_DATA_DIR")
    if env:
        return Path(env)
    if IN_CHECKOUT:
        return PROJECT_ROOT / "data"
    import platformdirs

    return Path(platformdirs.user_cache_dir("jdx", appauthor=False))


def raw_dir() -> Path:
    """Cache of downloaded upstream files."""
    return data_dir() / "raw"


def clean_dir() -> Path:
    """Built, cleaned tables (parquet)."""
    return data_dir() / "clean"


absolute_env_paths()
