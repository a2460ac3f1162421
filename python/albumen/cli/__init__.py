"""The ``albumen`` command line. Each command group lives in its own module of this package and
registers itself on ``app``; importing them here wires them in."""

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


# Command modules register themselves on `app` when imported (keep these imports last).
from albumen.cli import scan, stats  # noqa: E402, F401
from albumen.cli import thumbs as thumbs  # noqa: E402  (albumen thumbs / thumb)
from albumen.cli import watch as watch  # noqa: E402
