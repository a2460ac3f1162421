"""Thumbnail statistics of a library, kept across processes.

Every process that makes or serves a library's thumbnails through its pipeline
(``LibraryThumbnails``: ``albumen thumbs``, ``Library.thumbnail``, ``Library.thumbnails``, ...)
adds what its ``ThumbnailService`` counted to the library's totals in
``LIBRARY/thumbs-stats.json``: lookups and the hits of each tier, thumbnails generated and
failed (per format), evictions. Each batch run's report is kept too (``last_run``).

Crash-safe: the file is replaced atomically (temporary file + rename), so a killed process
leaves the previous totals whole; additions are serialised by an OS file lock beside it, so
processes working on one library at once all count. A process killed before it saved loses
only its own unsaved counts.

``thumbnail_summary`` turns the totals and the caches as they are into the flat dict that
``albumen stats`` prints under ``thumbnails`` (``Library.stats()``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from albumen.errors import LibraryError
from albumen.store.protocols import AssetStore
from albumen.thumbnails.disk import DEFAULT_DISK_BYTES, THUMBS_DIRNAME, open_disk_cache

__all__ = [
    "COUNTERS",
    "STATS_FILENAME",
    "add_counts",
    "counters_of",
    "load_stats",
    "subtract",
    "thumbnail_summary",
]

log = logging.getLogger(__name__)

STATS_FILENAME = "thumbs-stats.json"
_LOCK_FILENAME = "thumbs-stats.lock"
_SAVED_ERRORS = 100

#: The counters summed across processes (plus ``per_format``: format -> count, failed,
#: seconds).
COUNTERS = (
    "lookups",
    "l1_hits",
    "l2_hits",
    "generated",
    "failed",
    "generation_seconds",
    "l1_evictions",
    "l2_evictions",
    "l2_damaged_removed",
)
_FORMAT_COUNTERS = ("count", "failed", "seconds")


def counters_of(service_stats: dict[str, Any]) -> dict[str, Any]:
    """The counters of a ``ThumbnailService.stats()`` snapshot (totals since the service and
    its caches were made)."""
    hits = service_stats.get("hits", {})
    gen = service_stats.get("generation", {})
    memory = service_stats.get("memory", {})
    disk = service_stats.get("disk", {})
    return {
        "lookups": service_stats.get("lookups", 0),
        "l1_hits": hits.get("memory", 0),
        "l2_hits": hits.get("disk", 0),
        "generated": gen.get("count", 0),
        "failed": gen.get("failed", 0),
        "generation_seconds": gen.get("seconds", 0.0),
        "l1_evictions": memory.get("evictions", 0),
        "l2_evictions": disk.get("evictions", 0),
        "l2_damaged_removed": disk.get("corrupt", 0),
        "per_format": {
            fmt: {k: s.get(k, 0) for k in _FORMAT_COUNTERS}
            for fmt, s in gen.get("per_format", {}).items()
        },
    }


def subtract(now: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """``now - before``, counter by counter (what was counted in between)."""
    out: dict[str, Any] = {k: now.get(k, 0) - before.get(k, 0) for k in COUNTERS}
    earlier = before.get("per_format", {})
    out["per_format"] = {
        fmt: {k: s.get(k, 0) - earlier.get(fmt, {}).get(k, 0) for k in _FORMAT_COUNTERS}
        for fmt, s in now.get("per_format", {}).items()
    }
    return out


def _add(totals: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: totals.get(k, 0) + delta.get(k, 0) for k in COUNTERS}
    formats = {fmt: dict(s) for fmt, s in totals.get("per_format", {}).items()}
    for fmt, s in delta.get("per_format", {}).items():
        mine = formats.setdefault(fmt, dict.fromkeys(_FORMAT_COUNTERS, 0))
        for k in _FORMAT_COUNTERS:
            mine[k] = mine.get(k, 0) + s.get(k, 0)
    out["per_format"] = {fmt: formats[fmt] for fmt in sorted(formats)}
    return out


@contextlib.contextmanager
def _locked(library_dir: Path) -> Iterator[None]:
    """An OS file lock beside the statistics (released by the OS if the holder dies)."""
    fd = os.open(library_dir / _LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid_totals(totals: Any) -> bool:
    """Whether ``totals`` has the shape ``add_counts`` writes (numbers where numbers are)."""
    if not isinstance(totals, dict):
        return False
    if not all(_number(totals.get(k, 0)) for k in (*COUNTERS, "since", "updated_at")):
        return False
    formats = totals.get("per_format", {})
    return isinstance(formats, dict) and all(
        isinstance(f, dict) and all(_number(f.get(k, 0)) for k in _FORMAT_COUNTERS)
        for f in formats.values()
    )


def _valid_run(run: Any) -> bool:
    """Whether ``run`` looks like a batch report (its counts there and numbers, its stats a
    dict)."""
    return (
        isinstance(run, dict)
        and all(_number(run.get(k)) for k in ("generated", "cached", "failed"))
        and all(
            _number(run.get(k, 0))
            for k in ("generated", "cached", "failed", "seconds", "size", "finished_at")
        )
        and isinstance(run.get("stats", {}), dict)
        and isinstance(run.get("errors", []), list)
    )


def load_stats(library_dir: Path) -> dict[str, Any]:
    """``{"totals": {...} | None, "last_run": {...} | None}`` of a library (None for what was
    never saved, or is unreadable or damaged: not the shape ``add_counts`` writes). A file from
    before the totals were kept holds only a last run."""
    try:
        saved = json.loads((library_dir / STATS_FILENAME).read_text())
    except (OSError, ValueError):
        saved = None
    if not isinstance(saved, dict):
        return {"totals": None, "last_run": None}
    if "totals" not in saved:  # the earlier format: the last run's report alone
        saved = {"totals": None, "last_run": saved}
    totals, run = saved.get("totals"), saved.get("last_run")
    return {
        "totals": totals if _valid_totals(totals) else None,
        "last_run": run if _valid_run(run) else None,
    }


def add_counts(
    library_dir: Path, delta: dict[str, Any], last_run: dict[str, Any] | None = None
) -> None:
    """Add ``delta`` (counters, see ``COUNTERS``) to the library's totals and, when given,
    keep ``last_run`` (a batch run's report). A failure is logged, not raised: statistics are
    not worth failing the work for."""
    try:
        with _locked(library_dir):
            saved = load_stats(library_dir)
            now = time.time()
            totals = _add(saved["totals"] or {"since": now}, delta)
            totals["since"] = (saved["totals"] or {}).get("since", now)
            totals["updated_at"] = now
            run = saved["last_run"]
            if last_run is not None:
                run = {"finished_at": now, **last_run}
                run["errors"] = run.get("errors", [])[:_SAVED_ERRORS]
            tmp = library_dir / (STATS_FILENAME + ".tmp")
            try:
                tmp.write_text(json.dumps({"totals": totals, "last_run": run}, indent=1))
                tmp.replace(library_dir / STATS_FILENAME)
            finally:
                with contextlib.suppress(OSError):
                    tmp.unlink()
    except OSError as exc:
        log.warning(
            "albumen: could not save the thumbnail statistics to %s (%s); the thumbnails are "
            "made and kept",
            library_dir / STATS_FILENAME,
            exc.strerror or exc,
        )


def _rate(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def thumbnail_summary(library_dir: Path, store: AssetStore) -> dict[str, Any]:
    """The thumbnail caches of a library per tier, flattened to one level: L2 as it is on
    disk (read without creating anything), the store's micro thumbnails and recorded failures,
    the cumulative counters of every process (hit rates: ``hit_rate`` is the share of lookups
    answered by a cache, ``l1_hit_rate`` and ``l2_hit_rate`` the hits of the lookups that
    reached each tier, ``l*_share_of_lookups`` the share of all lookups each tier answered),
    and the last batch run."""
    thumbs_dir = library_dir / THUMBS_DIRNAME
    disk: dict[str, int | float] = {"entries": 0, "bytes": 0, "max_bytes": DEFAULT_DISK_BYTES}
    if thumbs_dir.is_dir():
        try:
            d = open_disk_cache(library_dir).stats()
        except LibraryError:  # unreadable: reported as empty, as a missing one is
            pass
        else:
            disk = {"entries": d["entries"], "bytes": d["bytes"], "max_bytes": d["max_bytes"]}
    counts = store.thumbnail_counts()
    out: dict[str, Any] = {
        "l2_disk_entries": disk["entries"],
        "l2_disk_mb": round(disk["bytes"] / 2**20, 2),
        "l2_disk_bound_mb": round(disk["max_bytes"] / 2**20, 1),
        "micro_thumbnails": counts.micro,
        "micro_thumbnail_kb": round(counts.micro_bytes / 1024, 1),
        "thumbnail_errors": counts.failed,
    }
    saved = load_stats(library_dir)
    t = saved["totals"] or {}
    lookups, l1, l2 = t.get("lookups", 0), t.get("l1_hits", 0), t.get("l2_hits", 0)
    out.update(
        {
            "lookups": lookups,
            "hit_rate": _rate(l1 + l2, lookups),
            "l1_hit_rate": _rate(l1, lookups),
            "l2_hit_rate": _rate(l2, lookups - l1),
            "l1_share_of_lookups": _rate(l1, lookups),
            "l2_share_of_lookups": _rate(l2, lookups),
            "generated": t.get("generated", 0),
            "generation_failed": t.get("failed", 0),
            "l1_evictions": t.get("l1_evictions", 0),
            "l2_evictions": t.get("l2_evictions", 0),
            "l2_damaged_removed": t.get("l2_damaged_removed", 0),
            "generation_ms_per_format": ", ".join(
                f"{fmt} {s['seconds'] / s['count'] * 1000:.1f} ms x{s['count']}"
                for fmt, s in t.get("per_format", {}).items()
                if s.get("count")
            )
            or "-",
        }
    )
    last = saved["last_run"]
    if not last:
        out["last_run"] = "none (run `albumen thumbs`)"
        return out
    for key in ("size", "generated", "cached", "failed", "seconds"):
        out[f"last_run_{key}"] = last.get(key)
    return out
