"""What every command shares: the ROOT argument, the --library option, how a command fails
(one line on stderr, exit status 2), and how text from files (names, camera strings, error
messages) is made safe to print and to put in JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from albumen.store.records import json_path as json_path  # re-exported for the commands

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
