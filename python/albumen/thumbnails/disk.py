"""Where a library keeps its L2 thumbnail cache, and its default bound."""

from __future__ import annotations

from pathlib import Path

from albumen._core import DiskThumbnailCache

__all__ = ["DEFAULT_DISK_BYTES", "THUMBS_DIRNAME", "open_disk_cache"]

THUMBS_DIRNAME = "thumbs"
DEFAULT_DISK_BYTES = 2 * 1024 * 1024 * 1024


def open_disk_cache(library_dir: Path, max_bytes: int = DEFAULT_DISK_BYTES) -> DiskThumbnailCache:
    """The library's L2 cache (``LIBRARY/thumbs/``), created when missing."""
    return DiskThumbnailCache(library_dir / THUMBS_DIRNAME, max_bytes)
