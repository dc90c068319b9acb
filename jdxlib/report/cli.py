"""``jdx report``."""
import click


@click.command()
def report() -> None:
    """Execute notebooks and write HTML/PDF reports."""
    raise click.ClickException("not implemented yet")
