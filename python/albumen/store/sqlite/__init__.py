"""The SQLite store (the default): ``LIBRARY/library.db``, embedded, nothing to install."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from albumen.errors import LibraryError, LibraryNotWritableError
from albumen.store.sqlite.finder import SQLiteAssetFinder
from albumen.store.sqlite.repository import (
    OutdatedSchemaError,
    SQLiteAssetRepository,
    disk_full_error,
    is_disk_full,
)

__all__ = ["DB_FILENAME", "SQLiteAssetFinder", "SQLiteAssetRepository", "open_sqlite_store"]

#: The index's file name inside the library folder.
DB_FILENAME = "library.db"


def _no_space_left(folder: Path) -> bool:
    """Whether the file system of ``folder`` has (next to) no space left for us."""
    try:
        return shutil.disk_usage(folder).free < 64 * 1024
    except OSError:
        return False


def _not_a_file(db: Path) -> Path | None:
    """The first of the database's own files (the database, its WAL and shared-memory files)
    that exists and is not a regular file."""
    for candidate in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if candidate.exists() and not candidate.is_file():
            return candidate
    return None


def open_sqlite_store(
    library_dir: str | os.PathLike[str], *, read_only: bool = False
) -> SQLiteAssetRepository:
    """The index in ``library_dir`` (created when missing). ``LibraryNotWritableError`` says
    what to do when it cannot be opened. ``read_only``: the caller only reads, so a library the
    user may only read (or on read-only media) opens too; it must exist (an index made by an
    older albumen is upgraded first when the user may write to it)."""
    path = Path(library_dir) / DB_FILENAME
    try:
        if read_only:
            try:
                return SQLiteAssetRepository(path, read_only=True)
            except OutdatedSchemaError as outdated:
                try:
                    return SQLiteAssetRepository(path)  # the upgrade, then it reads as usual
                except sqlite3.Error:
                    raise outdated from None
        return SQLiteAssetRepository(path)
    except LibraryError:
        raise
    except sqlite3.OperationalError as exc:  # read-only, locked, cannot be created
        if is_disk_full(exc) or _no_space_left(Path(library_dir)):
            # (SQLite says "unable to open database file" when it cannot create its journal)
            raise disk_full_error(Path(library_dir), exc) from exc
        odd = _not_a_file(path)
        if odd is not None:
            raise LibraryNotWritableError(
                f"cannot open the library database {path} ({exc}): {odd} is not a file; "
                "move it away (albumen keeps its index there)"
            ) from exc
        raise LibraryNotWritableError(
            f"cannot open the library database {path} ({exc}): albumen writes to its library, "
            "so run as a user who may, or pass a writable folder with --library (library_dir=...)"
        ) from exc
    except sqlite3.DatabaseError as exc:  # not a database, malformed, newer schema
        raise LibraryNotWritableError(
            f"cannot open the library database {path} ({exc}): pass another folder with "
            "--library (library_dir=...), or move the damaged file away to rebuild the index"
        ) from exc
