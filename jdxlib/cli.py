"""The ``jdx`` command line (click).

Sub-commands live beside the code they drive: ``jdx data …`` in :mod:`jdxlib.data_cli`,
``jdx report …`` in :mod:`jdxlib.report.cli`, ``jdx workshop …`` in :mod:`jdxlib.workshop_cli`.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from . import __version__

#: Paths given in the environment; made absolute before anything starts a kernel.
PATH_VARIABLES = ("JDX_DATA_DIR", "JDX_DATA_MIRROR")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jdx")
def main() -> None:
    """jdx — reproducible analyses and reports on 自治体DX."""
    absolute_data_paths()


def absolute_data_paths() -> None:
    """Make relative ``JDX_DATA_DIR`` / ``JDX_DATA_MIRROR`` absolute (from the current folder).

    Report and workshop kernels run in the notebooks' folder and inherit the environment:
    ``JDX_DATA_MIRROR=../shared/data`` must keep meaning the folder it meant here.
    """
    for var in PATH_VARIABLES:
        value = os.environ.get(var, "").strip()
        if not value or value.startswith(("http://", "https://")):
            continue
        path = Path(value[len("file://"):] if value.startswith("file://") else value).expanduser()
        if not path.is_absolute():
            os.environ[var] = str(path.resolve())


def _register() -> None:
    from .data_cli import data
    from .report.cli import report
    from .workshop_cli import workshop

    main.add_command(data)
    main.add_command(report)
    main.add_command(workshop)


_register()
