"""Thumbnail cache statistics of a library, per tier: L2 as it is on disk, the store's micro
thumbnails and recorded failures, and the counters of the last ``albumen thumbs`` run (L1 lives
in a process, so its numbers are those of that run), saved in ``LIBRARY/thumbs-stats.json``."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from albumen.errors import LibraryError
from albumen.store.protocols import AssetStore
from albumen.thumbnails.disk import DEFAULT_DISK_BYTES, THUMBS_DIRNAME, open_disk_cache

__all__ = ["STATS_FILENAME", "cache_stats", "load_last_run", "save_last_run"]

log = logging.getLogger(__name__)

STATS_FILENAME = "thumbs-stats.json"
_SAVED_ERRORS = 100


def save_last_run(library_dir: Path, run: dict[str, Any]) -> None:
    """Keep a run's report (atomically: temp file + rename); a failure is logged, not raised:
    statistics are not worth failing the run for."""
    payload = {"finished_at": time.time(), **run}
    payload["errors"] = payload.get("errors", [])[:_SAVED_ERRORS]
    tmp = library_dir / (STATS_FILENAME + ".tmp")
    try:
        tmp.write_text(json.dumps(payload, indent=1))
        tmp.replace(library_dir / STATS_FILENAME)
    except OSError as exc:
        log.warning(
            "albumen: could not save the thumbnail statistics to %s (%s); the thumbnails are "
            "made and kept",
            library_dir / STATS_FILENAME,
            exc.strerror or exc,
        )
        with contextlib.suppress(OSError):
            tmp.unlink()


# The shape `save_last_run` writes: a loaded file must match it (dicts where dicts are, numbers
# where numbers are; keys may be missing). "*" matches any key.
_NUMBER = 0
_RUN_SHAPE: dict[str, Any] = {
    "finished_at": _NUMBER,
    "seconds": _NUMBER,
    "size": _NUMBER,
    **dict.fromkeys(
        ("assets", "generated", "cached", "failed", "skipped_failed", "unreadable"), _NUMBER
    ),
    "micro_written": _NUMBER,
    "errors": [],
    "stats": {
        "lookups": _NUMBER,
        "hit_rate": {"*": _NUMBER},
        "requests": {"*": _NUMBER},
        "memory": {"*": _NUMBER},
        "disk": {"*": _NUMBER},
        "generation": {
            "per_format": {
                "*": {"count": _NUMBER, "failed": _NUMBER, "seconds": _NUMBER, "mean_ms": _NUMBER}
            },
            "*": _NUMBER,
        },
    },
}
_REQUIRED = {"count", "failed", "seconds", "mean_ms"}  # of each per-format entry


def _matches(value: Any, shape: Any) -> bool:
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return False
        for key, item in value.items():
            sub = shape.get(key, shape.get("*"))
            if sub is not None and not _matches(item, sub):
                return False
        return set(shape) != _REQUIRED or set(value) >= _REQUIRED
    if isinstance(shape, list):
        return isinstance(value, list)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_last_run(library_dir: Path) -> dict[str, Any] | None:
    """The last saved run, or None (never run, or the file is unreadable or damaged: not the
    shape ``save_last_run`` writes)."""
    try:
        run = json.loads((library_dir / STATS_FILENAME).read_text())
    except (OSError, ValueError):
        return None
    return run if _matches(run, _RUN_SHAPE) else None


def cache_stats(library_dir: Path, store: AssetStore) -> dict[str, Any]:
    """Every tier's numbers (reading L2 without creating anything)."""
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
    return {
        "dir": str(thumbs_dir),
        "disk": disk,
        "micro": {"entries": counts.micro, "bytes": counts.micro_bytes},
        "thumb_errors": counts.failed,
        "last_run": load_last_run(library_dir),
    }
