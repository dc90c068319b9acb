"""The ``jdx`` command line (click).

Sub-commands live beside the code they drive: ``jdx data …`` in :mod:`jdxlib.data_cli`,
``jdx report …`` in :mod:`jdxlib.report.cli`, ``jdx workshop …`` in :mod:`jdxlib.workshop_cli`.
"""
from __future__ import annotations

import click

from . import __version__
from ._paths import PATH_VARIABLES, absolute_env_paths  # noqa: F401  (kept importable from here)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jdx")
def main() -> None:
    """jdx — reproducible analyses and reports on 自治体DX."""
    absolute_data_paths()


def absolute_data_paths() -> None:
    """Make relative ``JDX_DATA_DIR`` / ``JDX_DATA_MIRROR`` / ``JDX_NOTEBOOKS_DIR`` absolute.

    The rule is :mod:`jdxlib._paths`' (the project root in a checkout, else the current folder
    when jdxlib was imported). Report and workshop kernels run in the notebooks' folder and
    inherit the environment: the value must keep meaning the folder it meant here.
    """
    absolute_env_paths()


def _register() -> None:
    from .data_cli import data
    from .report.cli import report
    from .workshop_cli import workshop

    main.add_command(data)
    main.add_command(report)
    main.add_command(workshop)


_register()
