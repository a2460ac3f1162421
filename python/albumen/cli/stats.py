"""``albumen stats``: what a library holds, and with ``--memory`` what browsing it costs."""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import json
from typing import Annotated, Any

import typer

from albumen.cli.application import app
from albumen.cli.common import LibraryOpt, RootArg, StoreOpt, open_library

STATS_HELP = (
    "Show what the library of ROOT holds: assets by kind, errors, hidden, Live Photos, "
    "located, total size, capture-time range (counts come from the gallery indexes), and the "
    "thumbnail caches per tier (L2 on disk, micro thumbnails, and the hit rates, evictions and "
    "generation times of every process that used them, Python code included; then the last "
    "batch run).\n\n"
    "With --memory, also open the library the way a gallery does (count, first page) and "
    "report the process's RSS, the bytes each loaded row takes and the estimate for the "
    "whole library; --pages N pages further before measuring."
)


@app.command("stats", help=STATS_HELP)
def stats(
    root: RootArg,
    library: LibraryOpt = None,
    store: StoreOpt = None,
    memory: Annotated[
        bool, typer.Option("--memory", help="Also measure memory while browsing.")
    ] = False,
    pages: Annotated[int, typer.Option("--pages", min=1, help="Pages to load for --memory.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:

    with open_library(root, library, store=store, create=False) as lib:
        result: dict[str, Any] = lib.stats(memory=memory, pages=pages)
    if as_json:
        typer.echo(json.dumps(result))
        return
    for key, value in result.items():
        if isinstance(value, dict):
            typer.echo(f"{key}:")
            for k, v in value.items():
                typer.echo(f"  {k.replace('_', ' '):<28} {v}")
        else:
            typer.echo(f"{key.replace('_', ' '):<30} {value}")
