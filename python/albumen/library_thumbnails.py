"""Thumbnails of a whole library: the work behind ``albumen thumbs``, ``thumb`` and ``stats``.

The disk cache (L2) lives in ``LIBRARY/thumbs/``. Thumbnails are cached under
:func:`~albumen.thumbnail_generator.thumbnail_asset_id` ids (content hash + mtime), so an edited
file gets a new thumbnail and never shows a stale one. For each asset the run also stores a
micro thumbnail (at most 32 px, for instant placeholders) in ``assets.micro_thumb``, and a
failure in ``assets.thumb_error`` as ``"[<thumbnail id>] <message>"``: a failed file is not tried
again until it changes (its thumbnail id then differs).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen._core import DiskThumbnailCache, MemoryThumbnailCache
from albumen.thumbnail_generator import (
    AssetSource,
    DefaultThumbnailGenerator,
    MappingResolver,
    micro_thumbnail,
    source_from_row,
    thumbnail_asset_id,
)
from albumen.thumbnail_service import Priority, ThumbnailService

if TYPE_CHECKING:
    from albumen.library import Library

__all__ = [
    "STATS_FILENAME",
    "THUMBS_DIRNAME",
    "ThumbsReport",
    "cache_stats",
    "generate_library_thumbnails",
    "open_disk_cache",
    "thumbnail_summary",
]

log = logging.getLogger(__name__)

THUMBS_DIRNAME = "thumbs"
STATS_FILENAME = "thumbs-stats.json"
DEFAULT_DISK_BYTES = 2 * 1024 * 1024 * 1024
_BATCH = 200

ProgressCallback = Callable[[int, int], object]


def open_disk_cache(library_dir: Path, max_bytes: int = DEFAULT_DISK_BYTES) -> DiskThumbnailCache:
    """The library's L2 cache (``LIBRARY/thumbs/``)."""
    return DiskThumbnailCache(library_dir / THUMBS_DIRNAME, max_bytes)


def error_tag(thumb_id: str) -> str:
    return f"[{thumb_id}] "


@dataclass
class ThumbsReport:
    """What one ``generate_library_thumbnails`` run did."""

    assets: int = 0  # every asset of the library (the counts below add up to it)
    generated: int = 0
    cached: int = 0
    failed: int = 0
    skipped_failed: int = 0  # failed before, file unchanged since: not retried
    unreadable: int = 0  # assets the scan could not read (their error is on the asset)
    micro_written: int = 0
    seconds: float = 0.0
    size: int = 256
    errors: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "assets": self.assets,
            "generated": self.generated,
            "cached": self.cached,
            "failed": self.failed,
            "skipped_failed": self.skipped_failed,
            "unreadable": self.unreadable,
            "micro_written": self.micro_written,
            "seconds": round(self.seconds, 4),
            "size": self.size,
            "errors": [{"path": p, "error": m} for p, m in self.errors],
            "stats": self.stats,
        }


_ROW_SQL = (
    "SELECT rowid, id, path, kind, mime, mtime_ns, orientation, preview_offset, "
    "preview_length, micro_thumb IS NOT NULL, thumb_error FROM assets "
    "WHERE error IS NULL AND id IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT ?"
)


def _display(path: bytes | str) -> str:
    text = os.fsdecode(path) if isinstance(path, bytes) else path
    return os.fsencode(text).decode("utf-8", "replace")


def generate_library_thumbnails(
    library: Library,
    size: int = 256,
    *,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    memory_cache: MemoryThumbnailCache | None = None,
) -> ThumbsReport:
    """Make every missing ``size`` px thumbnail of ``library`` (into L2 and L1), store micro
    thumbnails and failures in the database, and return what happened. ``progress(done,
    total)`` is called from this thread as assets are handled."""
    started = time.perf_counter()
    conn = library.repository.connection
    total = int(
        conn.execute(
            "SELECT count(*) FROM assets WHERE error IS NULL AND id IS NOT NULL"
        ).fetchone()[0]
    )
    report = ThumbsReport(size=size)
    report.unreadable = int(
        conn.execute("SELECT count(*) FROM assets WHERE error IS NOT NULL").fetchone()[0]
    )
    # every asset, as `albumen stats` counts them: generated + cached + failed +
    # skipped_failed + unreadable add up to it (progress counts the readable ones)
    report.assets = total + report.unreadable
    box = (size, size)
    disk = open_disk_cache(library.library_dir)
    memory = memory_cache if memory_cache is not None else MemoryThumbnailCache()
    resolver = MappingResolver()
    generator = DefaultThumbnailGenerator(resolver)
    n_workers = workers or os.cpu_count() or 2
    service = ThumbnailService(memory, disk, generator, max_workers=n_workers)
    results: queue.Queue[tuple[int, str, bytes | None, str | None, str]] = queue.Queue()
    in_flight = threading.BoundedSemaphore(n_workers * 4)
    micro_updates: list[tuple[bytes, int]] = []
    error_updates: list[tuple[str, int]] = []
    done = 0
    outstanding = 0  # requests whose result has not been drained yet
    refs: dict[str, int] = {}  # requests per thumbnail id (copies share one)

    def finish_one() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    def flush() -> None:
        if not micro_updates and not error_updates:
            return
        with library.repository.transaction() as tx:
            tx.executemany(
                "UPDATE assets SET micro_thumb = ?, thumb_error = NULL WHERE rowid = ?",
                micro_updates,
            )
            tx.executemany("UPDATE assets SET thumb_error = ? WHERE rowid = ?", error_updates)
        report.micro_written += len(micro_updates)
        micro_updates.clear()
        error_updates.clear()

    def drain(block: bool) -> None:
        nonlocal outstanding
        while True:
            try:
                rowid, tid, micro, message, path = results.get(block=block, timeout=0.1)
            except queue.Empty:
                return
            block = False
            outstanding -= 1
            if micro is not None:
                report.generated += 1
                micro_updates.append((micro, rowid))
            else:
                report.failed += 1
                msg = message or "unknown error"
                report.errors.append((path, msg))
                error_updates.append((error_tag(tid) + msg, rowid))
            refs[tid] -= 1
            if not refs[tid]:
                del refs[tid]
                resolver.discard(tid)
            finish_one()
            if len(micro_updates) + len(error_updates) >= _BATCH:
                flush()

    def request(rowid: int, tid: str, source: AssetSource, path: str) -> None:
        nonlocal outstanding
        drain(block=False)  # report what finished meanwhile, so progress moves as work is done

        def on_done(asset_id: str, data: bytes) -> None:
            try:
                micro: bytes | None = micro_thumbnail(data)
                err = None
            except Exception as exc:  # a thumbnail we just made should always decode
                micro, err = None, f"micro thumbnail: {exc}"
            results.put((rowid, tid, micro, err, path))
            in_flight.release()

        def on_error(asset_id: str, message: str) -> None:
            results.put((rowid, tid, None, message, path))
            in_flight.release()

        while not in_flight.acquire(timeout=0.05):
            drain(block=False)
        resolver.add(tid, source)
        refs[tid] = refs.get(tid, 0) + 1
        outstanding += 1
        if not service.request_thumbnail(
            tid, box, on_done, priority=Priority.BACKGROUND, on_error=on_error
        ):
            # failed earlier in this run (a copy of the same content): record it here too
            results.put((rowid, tid, None, service.failure(tid) or "failed", path))
            in_flight.release()

    try:
        last = 0
        while True:
            rows = conn.execute(_ROW_SQL, (last, 1000)).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            for row in rows:
                rowid, content_id, path, kind, mime, mtime_ns, orient, p_off, p_len = row[:9]
                has_micro, thumb_error = row[9], row[10]
                tid = thumbnail_asset_id(content_id, mtime_ns)
                if thumb_error is not None and str(thumb_error).startswith(error_tag(tid)):
                    report.skipped_failed += 1
                    finish_one()
                    continue
                # a verified L2 read (a damaged file is a miss and gets regenerated)
                data = service.get_thumbnail(tid, box)
                if data is not None:
                    report.cached += 1
                    if not has_micro:
                        micro_updates.append((micro_thumbnail(data), rowid))
                    finish_one()
                    continue
                source = source_from_row(library.root, path, kind, mime, orient, p_off, p_len)
                request(rowid, tid, source, _display(path))
            drain(block=False)
        while outstanding > 0:
            drain(block=True)
        drain(block=False)
        flush()
    finally:
        service.shutdown()
    report.seconds = time.perf_counter() - started
    report.stats = service.stats()
    _save_stats(library.library_dir, report)
    return report


def _save_stats(library_dir: Path, report: ThumbsReport) -> None:
    payload = {"finished_at": time.time(), **report.to_json()}
    payload["errors"] = payload["errors"][:100]
    tmp = library_dir / (STATS_FILENAME + ".tmp")
    try:
        tmp.write_text(json.dumps(payload, indent=1))
        tmp.replace(library_dir / STATS_FILENAME)
    except OSError:
        log.warning("could not save thumbnail statistics", exc_info=True)


def cache_stats(library_dir: Path, conn: sqlite3.Connection) -> dict[str, Any]:
    """Cache statistics per tier: L2 as it is on disk now (read without creating anything),
    the database's micro thumbnails and recorded failures, and the counters of the last
    ``albumen thumbs`` run (L1 lives in a process, so its numbers are those of that run)."""
    thumbs_dir = library_dir / THUMBS_DIRNAME
    if thumbs_dir.is_dir():
        d = open_disk_cache(library_dir).stats()
        disk = {"entries": d["entries"], "bytes": d["bytes"], "max_bytes": d["max_bytes"]}
    else:
        disk = {"entries": 0, "bytes": 0, "max_bytes": DEFAULT_DISK_BYTES}
    micro, micro_bytes, failed = conn.execute(
        "SELECT count(micro_thumb), coalesce(sum(length(micro_thumb)), 0), count(thumb_error) "
        "FROM assets"
    ).fetchone()
    last_run: dict[str, Any] | None = None
    stats_path = library_dir / STATS_FILENAME
    if stats_path.exists():
        try:
            last_run = json.loads(stats_path.read_text())
        except (OSError, ValueError):
            last_run = None
    return {
        "dir": str(thumbs_dir),
        "disk": disk,
        "micro": {"entries": int(micro), "bytes": int(micro_bytes)},
        "thumb_errors": int(failed),
        "last_run": last_run,
    }


def thumbnail_summary(library_dir: Path, conn: sqlite3.Connection) -> dict[str, Any]:
    """:func:`cache_stats` flattened to one level, for ``albumen stats``."""
    c = cache_stats(library_dir, conn)
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
