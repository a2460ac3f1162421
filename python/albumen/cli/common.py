"""What every command shares: the ROOT argument, the --library option, and how a command fails
(one line on stderr, exit status 2)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from albumen.library import Library

ROOT_HELP = "The folder of photos and videos (it is read, never written)."
LIBRARY_HELP = (
    "Keep the index (and LIBRARY/thumbs/) in this folder instead of ROOT/.albumen "
    "(use it when ROOT is read-only)."
)

RootArg = Annotated[
    Path, typer.Argument(help=ROOT_HELP, show_default=False, metavar="ROOT", readable=False)
]
LibraryOpt = Annotated[
    Path | None,
    typer.Option(
        "--library", "-l", help=LIBRARY_HELP, show_default=False, metavar="DIR", readable=False
    ),
]


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the exit (status 2) for the caller to raise."""
    typer.echo(f"albumen: error: {message}", err=True)
    return typer.Exit(code=2)


def open_library(root: Path, library: Path | None, *, create: bool = True) -> Library:
    """Open ROOT's library, or fail with what to do. ``create=False`` refuses to make a new
    library and opens it read-only (for commands that only read one: a library the user may
    only read, or on read-only media, is listed too)."""
    from albumen.errors import LibraryError
    from albumen.library import Library, library_dir_of
    from albumen.store import store_exists

    if not create:
        lib_dir = library_dir_of(root, library)
        if root.is_dir() and not store_exists(lib_dir):
            raise fail(f"no library at {lib_dir}: run `albumen scan {root}` first")
    try:
        return Library.open(root, library, read_only=not create)
    except LibraryError as exc:
        raise fail(str(exc)) from None
