"""The ``jdx`` command line (click).

Sub-commands live beside the code they drive: ``jdx data …`` in :mod:`jdxlib.data_cli`,
``jdx report …`` in :mod:`jdxlib.report.cli`, ``jdx workshop …`` in :mod:`jdxlib.workshop_cli`.
"""
from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jdx")
def main() -> None:
    """jdx — reproducible analyses and reports on 自治体DX."""


def _register() -> None:
    from .data_cli import data
    from .report.cli import report
    from .workshop_cli import workshop

    main.add_command(data)
    main.add_command(report)
    main.add_command(workshop)


_register()
