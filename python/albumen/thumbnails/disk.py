"""Where a library keeps its L2 thumbnail cache, its default bound, and the free space it
leaves on the disk."""

from __future__ import annotations

from pathlib import Path

from albumen._core import DiskThumbnailCache
from albumen.errors import LibraryNotWritableError

__all__ = ["DEFAULT_DISK_BYTES", "DEFAULT_MIN_FREE_BYTES", "THUMBS_DIRNAME", "open_disk_cache"]

THUMBS_DIRNAME = "thumbs"
DEFAULT_DISK_BYTES = 2 * 1024 * 1024 * 1024
#: L2 writes nothing that would leave less than this free on its file system.
DEFAULT_MIN_FREE_BYTES = 256 * 1024 * 1024


def open_disk_cache(
    library_dir: Path,
    max_bytes: int = DEFAULT_DISK_BYTES,
    *,
    min_free_bytes: int = DEFAULT_MIN_FREE_BYTES,
) -> DiskThumbnailCache:
    """The library's L2 cache (``LIBRARY/thumbs/``), created when missing. Raises
    ``LibraryNotWritableError`` (with what to do) when the folder cannot be used, e.g. a file
    sits where it should be."""
    path = library_dir / THUMBS_DIRNAME
    try:
        return DiskThumbnailCache(path, max_bytes, min_free_bytes=min_free_bytes)
    except OSError as exc:
        what = (
            "is not a folder: move it away"
            if path.exists() and not path.is_dir()
            else ("cannot be used: check the library folder")
        )
        raise LibraryNotWritableError(
            f"the thumbnail cache {path} {what} ({exc.strerror or exc}); albumen keeps its "
            "thumbnails there"
        ) from exc
