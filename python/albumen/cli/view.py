"""``albumen view``: the desktop viewer (needs the ``viewer`` extra: PySide6, moderngl, numpy)."""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from albumen.cli.application import app
from albumen.cli.common import LibraryOpt, fail

VIEW_HELP = (
    "Browse ROOT in a window: a gallery that stays smooth at a million items, a GPU detail "
    "view, the folder tree and smart albums. With no index yet it scans first (the gallery "
    "fills in as the scan goes) and it rescans when the window comes back into focus.\n\n"
    "--screenshot FILE renders the window once it is fully painted, saves it as FILE and "
    "exits (with --select N the N-th item is selected first, with --detail it is opened)."
)

INSTALL_HINT = "the viewer needs its extra: pip install 'albumen[viewer]'"


def viewer_missing() -> str | None:
    """The first package of the viewer extra that is not installed, or None."""
    for module in ("PySide6", "moderngl", "numpy"):
        if importlib.util.find_spec(module) is None:
            return module
    return None


@app.command("view", help=VIEW_HELP)
def view(
    root: Annotated[
        Path, typer.Argument(help="The folder of photos and videos.", metavar="ROOT")
    ] = Path("."),
    library: LibraryOpt = None,
    screenshot: Annotated[
        Path | None,
        typer.Option(
            "--screenshot",
            help="Save the fully painted window as FILE (PNG) and exit.",
            metavar="FILE",
        ),
    ] = None,
    select: Annotated[
        int | None,
        typer.Option("--select", help="With --screenshot: select item N first.", metavar="N"),
    ] = None,
    detail: Annotated[
        bool, typer.Option("--detail", help="With --screenshot: open the selected item.")
    ] = False,
    width: Annotated[int, typer.Option("--width", help="Window width.", hidden=True)] = 1600,
    height: Annotated[int, typer.Option("--height", help="Window height.", hidden=True)] = 1000,
) -> None:
    missing = viewer_missing()
    if missing is not None:
        raise fail(f"{missing} is not installed; {INSTALL_HINT}")
    from albumen.errors import LibraryError
    from albumen.viewer.qt.app import ScreenshotPlan, run

    plan = ScreenshotPlan(screenshot, select, detail) if screenshot is not None else None
    try:
        code = run(root, library, screenshot=plan, size=(width, height))
    except LibraryError as exc:
        raise fail(str(exc)) from None
    raise typer.Exit(code)
