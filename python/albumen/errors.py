"""Every exception albumen raises on purpose, in one place (all exported at the top level).

A ``LibraryError`` is fatal for the operation and its message says what to do; the CLI prints
it as one line and exits with status 2. Per-file problems are never raised: they are stored
with the file's record and reported.
"""

from __future__ import annotations

__all__ = [
    "AssetNotFoundError",
    "ClusterUnavailableError",
    "DatabaseUnavailableError",
    "FolderNotFoundError",
    "LibraryBusyError",
    "LibraryDiskFullError",
    "LibraryError",
    "LibraryNotWritableError",
    "LibraryRootMismatchError",
    "MassRemovalError",
    "RootNotFoundError",
    "RootNotReadableError",
    "ThumbnailError",
]


class LibraryError(Exception):
    """A library cannot be opened or used; the message says why and what to do."""


class RootNotFoundError(LibraryError, FileNotFoundError):
    """The library root does not exist or is not a folder."""


class RootNotReadableError(LibraryError, PermissionError):
    """The library root exists but cannot be listed."""


class LibraryNotWritableError(LibraryError, PermissionError):
    """The library folder or its index cannot be created, written or read."""


class LibraryBusyError(LibraryError):
    """Another process is scanning the same library right now."""


class DatabaseUnavailableError(LibraryError):
    """The store's database server cannot be reached, or went away during the operation (what
    was committed before is kept)."""


class ClusterUnavailableError(LibraryError):
    """The Dask scheduler cannot be reached, or the cluster cannot be started."""


class FolderNotFoundError(LibraryError, LookupError):
    """A query names a folder the library does not hold (folders are relative to the root)."""


class AssetNotFoundError(LibraryError, LookupError):
    """A path names no indexed file of the library (paths are relative to the root)."""


class LibraryRootMismatchError(LibraryError):
    """The library folder indexes another root (one library folder serves one root)."""


class MassRemovalError(LibraryError):
    """A scan would remove most of a library (its files look gone: an unmounted disk, a
    folder moved away); nothing was removed. ``would_remove`` of ``indexed`` rows."""

    def __init__(self, message: str, would_remove: int, indexed: int) -> None:
        super().__init__(message)
        self.would_remove = would_remove
        self.indexed = indexed


class LibraryDiskFullError(LibraryError, OSError):
    """The file system holding the library folder is full; what was committed is kept."""


class ThumbnailError(Exception):
    """A thumbnail could not be made; the message says why."""
