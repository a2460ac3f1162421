"""The SQLite store (the default): ``LIBRARY/library.db``, embedded, nothing to install."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from albumen.errors import LibraryNotWritableError
from albumen.store.sqlite.finder import SQLiteAssetFinder
from albumen.store.sqlite.repository import SQLiteAssetRepository

__all__ = ["DB_FILENAME", "SQLiteAssetFinder", "SQLiteAssetRepository", "open_sqlite_store"]

#: The index's file name inside the library folder.
DB_FILENAME = "library.db"


def open_sqlite_store(library_dir: str | os.PathLike[str]) -> SQLiteAssetRepository:
    """The index in ``library_dir`` (created when missing). ``LibraryNotWritableError`` says
    what to do when it cannot be opened."""
    path = Path(library_dir) / DB_FILENAME
    try:
        return SQLiteAssetRepository(path)
    except sqlite3.OperationalError as exc:  # read-only, locked, cannot be created
        raise LibraryNotWritableError(
            f"cannot open the library database {path} ({exc}): albumen writes to its library, "
            "so run as a user who may, or pass a writable folder with --library (library_dir=...)"
        ) from exc
    except sqlite3.DatabaseError as exc:  # not a database, malformed, newer schema
        raise LibraryNotWritableError(
            f"cannot open the library database {path} ({exc}): pass another folder with "
            "--library (library_dir=...), or move the damaged file away to rebuild the index"
        ) from exc
