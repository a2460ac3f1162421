"""What every command shares: the ROOT argument, the --library, --store and --cluster options,
how a command fails (one line on stderr, exit status 2), and how text from files (names,
camera strings, error messages) is made safe to print and to put in JSON."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated

import typer

from albumen.paths import json_path as json_path  # re-exported for the commands

if TYPE_CHECKING:
    from albumen.library import Library

ROOT_HELP = "The folder of photos and videos (it is read, never written)."
LIBRARY_HELP = (
    "Keep the index (and LIBRARY/thumbs/) in this folder instead of ROOT/.albumen "
    "(use it when ROOT is read-only)."
)

STORE_HELP = (
    "Keep the index in this PostgreSQL database (postgresql://USER@HOST/DB; several libraries "
    "can share one) instead of SQLite in the library folder."
)
CLUSTER_HELP = (
    "Run on a Dask cluster: the address of its scheduler (tcp://HOST:8786) or local:N (N "
    "worker processes on this machine). Needs --store postgresql://..."
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

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help=STORE_HELP, show_default=False, metavar="URL", envvar="ALBUMEN_STORE"
    ),
]
ClusterOpt = Annotated[
    str | None, typer.Option("--cluster", help=CLUSTER_HELP, show_default=False, metavar="ADDRESS")
]


# C0 and C1 control characters (ESC starts a terminal escape sequence, CR rewrites the line),
# DEL, and the Unicode controls that reorder or hide text (bidirectional overrides, isolates,
# marks): a file name must not drive the terminal.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` safe for a terminal: bytes that are not UTF-8 (a name's surrogate escapes)
    become U+FFFD, and control characters are shown as escapes (``\\x1b``, ``\\u202e``)."""
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROLS.sub(_escape, shown)


def fail(message: str) -> typer.Exit:
    """Print one line on stderr and return the exit (status 2) for the caller to raise."""
    typer.echo(f"albumen: error: {printable(message)}", err=True)
    return typer.Exit(code=2)


def open_library(
    root: Path,
    library: Path | None,
    *,
    store: str | None = None,
    create: bool = True,
    workers: int | None = None,
    previews: bool = True,
) -> Library:
    """Open ROOT's library (its index in ``store`` when given), or fail with what to do.
    ``create=False`` refuses to make a new library (for commands that only read one);
    ``workers`` caps its thumbnail threads; ``previews=False``: thumbnails never from an
    embedded preview. A library opened with ``create=False`` is opened read-only (a library
    the user may only read, or on read-only media, is listed too)."""
    from albumen.errors import LibraryError
    from albumen.library import Library, library_dir_of
    from albumen.store import store_exists

    try:
        if not create:
            lib_dir = library_dir_of(root, library)
            if root.is_dir() and not store_exists(lib_dir, store, root=root):
                where = lib_dir if store is None else f"{root.absolute()} in that database"
                again = "" if store is None else " --store URL"
                raise fail(f"no library at {where}: run `albumen scan {root}{again}` first")
        return Library.open(
            root,
            library,
            store=store,
            thumbnail_workers=workers,
            thumbnail_previews=previews,
            read_only=not create,
        )
    except (LibraryError, ValueError) as exc:  # ValueError: a --store that is not a store
        raise fail(str(exc)) from None


def cluster_runner() -> ModuleType:
    """``albumen.distributed``, or a failure saying how to install Dask."""
    try:
        import albumen.distributed as distributed
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("dask", "distributed"):
            raise
        raise fail("--cluster needs Dask: pip install 'albumen[cluster]'") from None
    return distributed
