"""``albumen stats``: what a library holds, and with ``--memory`` what browsing it costs."""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from albumen.cli import app
from albumen.cli.common import LibraryOpt, RootArg, open_library

STATS_HELP = (
    "Show what the library of ROOT holds: assets by kind, errors, hidden, Live Photos, "
    "located, total size, capture-time range (counts come from the gallery indexes), and the "
    "thumbnail caches per tier (L2 on disk, micro thumbnails, the last `albumen thumbs` run's "
    "hit rates, evictions and generation times).\n\n"
    "With --memory, also open the library the way a gallery does (count, first page) and "
    "report the process's RSS, the bytes each loaded row takes and the estimate for the "
    "whole library; --pages N pages further before measuring."
)


def library_stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Counts and totals of a library database (migrated to the current schema)."""
    from albumen.queries import AssetQuery, SQLiteAssetFinder

    finder = SQLiteAssetFinder(conn)
    everything = AssetQuery(include_hidden=True)
    first, last = conn.execute("SELECT min(sort_time), max(sort_time) FROM assets").fetchone()
    (size,) = conn.execute("SELECT coalesce(sum(size), 0) FROM assets").fetchone()
    (folders,) = conn.execute("SELECT count(DISTINCT folder) FROM assets").fetchone()

    def iso(ms: int | None) -> str | None:
        if ms is None:
            return None
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000))

    return {
        "assets": finder.count(everything),
        "visible": finder.count(AssetQuery()),
        "photos": finder.count(AssetQuery(kind="photo", include_hidden=True)),
        "videos": finder.count(AssetQuery(kind="video", include_hidden=True)),
        "hidden": finder.count(everything) - finder.count(AssetQuery()),
        "errors": finder.count(AssetQuery(errors_only=True, include_hidden=True)),
        # one per pair (the visible still), as `albumen ls --live` counts them
        "live_photos": finder.count(AssetQuery(live_only=True)),
        "located": finder.count(AssetQuery(has_gps=True, include_hidden=True)),
        "folders": int(folders),
        "total_bytes": int(size),
        "first_capture": iso(first),
        "last_capture": iso(last),
    }


def memory_stats(db: Path, pages: int = 1, page_size: int = 200) -> dict[str, Any]:
    """Open ``db`` as a gallery does and measure: RSS before and after, bytes per loaded row
    and the estimate for paging through the whole library."""
    from albumen.memory import MemoryMonitor, WeakAssetCache, current_rss, peak_rss
    from albumen.paging import PaginatedAssetLoader
    from albumen.queries import AssetPage, AssetQuery, AssetRow, SQLiteAssetFinder

    before = current_rss()
    t0 = time.perf_counter()
    cache: WeakAssetCache[int, AssetRow] = WeakAssetCache()
    with SQLiteAssetFinder.open(db, cache=cache) as finder:
        loader = PaginatedAssetLoader(finder, page_size)
        loader.reset(AssetQuery())
        opened = time.perf_counter() - t0
        for _ in range(max(0, pages - 1)):
            if not loader.has_more:
                break
            loader.load_next_page()
        held = loader.items[:page_size]  # the row objects a visible screen holds
        packed = sum(p.nbytes() for p in loader.items.pages if isinstance(p, AssetPage))
        rows = len(loader.items)
        per_row = packed / rows if rows else 0.0
        monitor = MemoryMonitor(budget_bytes=2 << 30)
        sample = monitor.sample()
        result = {
            "rss_before_mb": round(before / 2**20, 1),
            "rss_mb": round(sample.rss_bytes / 2**20, 1),
            "peak_rss_mb": round(peak_rss() / 2**20, 1),
            "open_and_first_page_ms": round(opened * 1000, 1),
            "loaded_rows": rows,
            "packed_bytes_per_row": round(per_row, 1),
            "live_row_objects": len(cache),
            "estimated_mb_for_all_rows": round(per_row * loader.total_count / 2**20, 1),
        }
        del held
        return result


@app.command("stats", help=STATS_HELP)
def stats(
    root: RootArg,
    library: LibraryOpt = None,
    memory: Annotated[
        bool, typer.Option("--memory", help="Also measure memory while browsing.")
    ] = False,
    pages: Annotated[int, typer.Option("--pages", min=1, help="Pages to load for --memory.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:

    with open_library(root, library, create=False) as lib:
        result: dict[str, Any] = {
            "root": os.fspath(lib.root),  # as `scan --json` and `thumbs --json` name it
            "library": os.fspath(lib.library_dir),
            **library_stats(lib.repository.connection),
        }
        from albumen.library_thumbnails import thumbnail_summary

        result["thumbnails"] = thumbnail_summary(lib.library_dir, lib.repository.connection)
        db = lib.repository.path
    if memory:
        result["memory"] = memory_stats(db, pages=pages)
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
