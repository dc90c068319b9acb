"""``jdx data fetch`` / ``jdx data build`` / ``jdx data status`` / ``jdx data urls``."""
from __future__ import annotations

import sys

import click


def _fail(exc: Exception) -> None:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(1)


def data_dir_error(exc: OSError) -> str:
    """A one-line message for a data folder that cannot be written (read-only, full, a file)."""
    from ._paths import data_dir

    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    return (f"cannot write to the data folder {data_dir()}: {exc.strerror or exc}{where}; "
            "set JDX_DATA_DIR to a writable folder")


@click.group()
def data() -> None:
    """Download (verify, cache) upstream files and build the cleaned datasets."""


@data.command()
@click.option("--all", "all_files", is_flag=True,
              help="Also fetch registry files the builds do not use (TopoJSON copies).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def fetch(all_files: bool, quiet: bool) -> None:
    """Download and verify every upstream file into the cache (data/raw/ or $JDX_DATA_DIR/raw).

    Uses $JDX_DATA_MIRROR (a directory or an http(s) base URL) instead of the internet when set.
    """
    from . import sources
    from ._paths import raw_dir

    try:
        paths = sources.fetch_all(sources.ids(used_only=not all_files), progress=not quiet)
    except sources.SourceError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(data_dir_error(exc))
    click.echo(f"{len(paths)} upstream files verified (sha256) in {raw_dir()}")


@data.command()
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Rebuild even if the parquet file exists.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def build(names: tuple[str, ...], force: bool, quiet: bool) -> None:
    """Build the cleaned datasets NAMES (default: all) into data/clean/.

    Valid names: municipalities, prefectures, dx_status, online_procedures, mynumber_cards,
    boundaries.  Existing outputs are kept unless --force.
    """
    from . import _build, sources
    from ._paths import clean_dir

    try:
        selected = _build._check(list(names) or None)
        changed = {n: _build.problem(n) for n in selected}
        written = _build.build(selected, force=force, progress=not quiet)
    except (sources.SourceError, _build.BuildError) as exc:
        _fail(exc)
    except OSError as exc:
        _fail(data_dir_error(exc))
    if written:
        for n, why in changed.items():
            if why and why != "not built":
                click.echo(f"rebuilt {n}: {why}")
        for p in written:
            click.echo(f"wrote {p}")
    else:
        click.echo(f"up to date in {clean_dir()} (use --force to rebuild)")


@data.command()
def status() -> None:
    """Show which datasets are built and how many upstream files are cached."""
    from . import _build, sources
    from ._paths import clean_dir, raw_dir

    click.echo(f"clean: {clean_dir()}")
    for name in _build.DATASETS:
        outs = _build.output_paths(name)
        why = _build.problem(name)
        if why is None:
            size = sum(p.stat().st_size for p in outs) / 1024
            click.echo(f"  {name:<20} built, sha256 verified ({size:,.0f} KiB)")
        elif why == "not built":
            click.echo(f"  {name:<20} not built")
        else:
            click.echo(f"  {name:<20} CORRUPTED: {why}; `jdx data build` rebuilds it")
    reg = sources.registry()
    cached = sum(1 for f in reg.values() if f.cache_path.is_file())
    click.echo(f"raw:   {raw_dir()}  {cached}/{len(reg)} upstream files present")
    try:
        mir = sources.mirror()
    except sources.SourceError as exc:
        mir = ("invalid", str(exc))
    click.echo(f"mirror: {mir[1] if mir else 'none (downloads from ' + sources.GITHUB_RAW + ')'}")


@data.command()
@click.option("--all", "all_files", is_flag=True, help="Include files the builds do not use.")
def urls(all_files: bool) -> None:
    """Print every pinned URL, its sha256 and where to put the file (for offline copies)."""
    from . import sources

    for fid in sources.ids(used_only=not all_files):
        f = sources.get(fid)
        click.echo(f"{f.url}\n  sha256 {f.sha256}\n  -> {f.cache_path}")
