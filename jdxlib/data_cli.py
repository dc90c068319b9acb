"""``jdx data fetch`` / ``jdx data build``."""
import click


@click.group()
def data() -> None:
    """Download (verify, cache) upstream files and build the cleaned datasets."""
