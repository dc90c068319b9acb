"""``jdx workshop …`` — build the student and facilitator editions of the workshop."""
from __future__ import annotations

from pathlib import Path

import click


@click.group()
def workshop() -> None:
    """Workshop kit: lessons in notebooks/workshop/ and their editions."""


@workshop.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; gets student/ and facilitator/.")
@click.option("--notebooks", "notebooks_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Folder of the lessons (default: notebooks/workshop).")
@click.option("--execute/--no-execute", default=True, show_default=True,
              help="Execute the facilitator edition with papermill.")
@click.option("--timeout", type=float, default=600, show_default=True, help="Per-cell timeout (seconds).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Lessons executed in parallel (default: CPUs, at most 4).")
def build(out_dir: Path, notebooks_dir: Path | None, execute: bool, timeout: float, jobs: int | None) -> None:
    """Write the student edition (no solutions, no outputs) and the facilitator edition
    (solutions, executed) into OUT/student and OUT/facilitator."""
    from . import workshop as ws

    def progress(name: str, seconds: float) -> None:
        click.echo(f"  executed {name} ({seconds:.1f} s)")

    if execute:
        click.echo("Executing the facilitator edition …")
    try:
        result = ws.build(out_dir, notebooks_dir=notebooks_dir, execute=execute, timeout=timeout,
                          jobs=jobs, progress=progress)
    except ws.WorkshopBuildError as exc:
        raise click.ClickException(str(exc)) from None
    except ws.WorkshopOutputError as exc:
        raise click.ClickException(str(exc)) from None
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"student edition:     {out_dir / 'student'} ({len(result.student)} lessons)")
    state = "executed" if result.executed else "not executed"
    click.echo(f"facilitator edition: {out_dir / 'facilitator'} ({len(result.facilitator)} lessons, {state})")
