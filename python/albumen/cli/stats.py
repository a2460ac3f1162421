"""``albumen stats``: what a library holds, and with ``--memory`` what browsing it costs."""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import json
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from albumen.cli.application import app
from albumen.cli.common import LibraryOpt, RootArg, StoreOpt, open_library

if TYPE_CHECKING:
    from albumen.library import Library

STATS_HELP = (
    "Show what the library of ROOT holds: assets by kind, errors, hidden, Live Photos, "
    "located, total size, capture-time range (counts come from the gallery indexes), and the "
    "thumbnail caches per tier (L2 on disk, micro thumbnails, the last `albumen thumbs` run's "
    "hit rates, evictions and generation times).\n\n"
    "With --memory, also open the library the way a gallery does (count, first page) and "
    "report the process's RSS, the bytes each loaded row takes and the estimate for the "
    "whole library; --pages N pages further before measuring."
)


def library_stats(lib: "Library") -> dict[str, Any]:
    """Counts and totals of a library."""
    from albumen.store.query import AssetQuery
    from albumen.store.times import iso_from_ms

    finder = lib.finder()
    everything = AssetQuery(include_hidden=True)
    totals = lib.store.totals()
    count = finder.count
    return {
        "assets": count(everything),
        "visible": count(AssetQuery()),
        "photos": count(AssetQuery(kind="photo", include_hidden=True)),
        "videos": count(AssetQuery(kind="video", include_hidden=True)),
        "hidden": count(everything) - count(AssetQuery()),
        "errors": count(AssetQuery(errors_only=True, include_hidden=True)),
        # one per pair (the visible still), as `albumen ls --live` counts them
        "live_photos": count(AssetQuery(live_only=True)),
        "located": count(AssetQuery(has_gps=True, include_hidden=True)),
        "folders": totals.folders,
        "total_bytes": totals.bytes,
        "first_capture": iso_from_ms(totals.first_sort_time),
        "last_capture": iso_from_ms(totals.last_sort_time),
    }


def thumbnail_summary(lib: "Library") -> dict[str, Any]:
    """The thumbnail caches per tier, flattened to one level."""
    from albumen.thumbnails.stats import cache_stats

    c = cache_stats(lib.library_dir, lib.store)
    out: dict[str, Any] = {
        "l2_disk_entries": c["disk"]["entries"],
        "l2_disk_mb": round(c["disk"]["bytes"] / 2**20, 2),
        "l2_disk_bound_mb": round(c["disk"]["max_bytes"] / 2**20, 1),
        "micro_thumbnails": c["micro"]["entries"],
        "micro_thumbnail_kb": round(c["micro"]["bytes"] / 1024, 1),
        "thumbnail_errors": c["thumb_errors"],
    }
    last = c["last_run"]
    if not last:
        out["last_run"] = "none (run `albumen thumbs`)"
        return out
    st = last.get("stats", {})
    mem, disk, hit = st.get("memory", {}), st.get("disk", {}), st.get("hit_rate", {})
    gen = st.get("generation", {})
    out.update(
        {
            "last_run_size": last.get("size"),
            "last_run_generated": last.get("generated"),
            "last_run_cached": last.get("cached"),
            "last_run_failed": last.get("failed"),
            "last_run_seconds": last.get("seconds"),
            "l1_hit_rate": round(mem.get("hit_rate", 0.0), 4),
            "l1_share_of_lookups": round(hit.get("memory", 0.0), 4),
            "l1_evictions": mem.get("evictions", 0),
            "l1_mb": round(mem.get("bytes", 0) / 2**20, 2),
            "l2_hit_rate": round(disk.get("hit_rate", 0.0), 4),
            "l2_share_of_lookups": round(hit.get("disk", 0.0), 4),
            "l2_evictions": disk.get("evictions", 0),
            "l2_damaged_removed": disk.get("corrupt", 0),
            "generation_ms_per_format": ", ".join(
                f"{fmt} {s['mean_ms']:.1f} ms x{s['count']}"
                for fmt, s in gen.get("per_format", {}).items()
            )
            or "-",
        }
    )
    return out


def memory_stats(lib: "Library", pages: int = 1, page_size: int = 200) -> dict[str, Any]:
    """Open the library as a gallery does and measure: RSS before and after, bytes per loaded
    row and the estimate for paging through the whole library."""
    import time

    from albumen.browse.memory import MemoryMonitor, WeakAssetCache, current_rss, peak_rss
    from albumen.browse.paging import PaginatedAssetLoader
    from albumen.store.query import AssetQuery
    from albumen.store.rows import AssetPage, AssetRow

    before = current_rss()
    t0 = time.perf_counter()
    cache: WeakAssetCache[int, AssetRow] = WeakAssetCache()
    finder = lib.finder(cache=cache)
    try:
        loader: PaginatedAssetLoader[AssetRow] = PaginatedAssetLoader(finder, page_size)
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
        sample = MemoryMonitor(budget_bytes=2 << 30).sample()
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
    finally:
        finder.close()


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
        result: dict[str, Any] = {
            "root": os.fspath(lib.root),  # as `scan --json` and `thumbs --json` name it
            "library": os.fspath(lib.library_dir),
            **library_stats(lib),
            "thumbnails": thumbnail_summary(lib),
        }
        if memory:
            result["memory"] = memory_stats(lib, pages=pages)
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
