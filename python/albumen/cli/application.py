"""The ``albumen`` typer application, without its commands: each command module registers
its commands on ``app`` when imported (``albumen.cli`` imports only the ones a command line
needs)."""

from __future__ import annotations

import typer

from albumen._core import __version__

app = typer.Typer(
    name="albumen",
    help="Index folders of photos and videos into a fast SQLite library, make thumbnails, "
    "and browse them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"albumen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """albumen: a fast, folder-native photo library engine."""
