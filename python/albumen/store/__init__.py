"""The storage seam: what albumen asks of an index (``AssetStore``, ``AssetFinder``), the
vocabulary both speak (``AssetQuery``, ``AssetRow``, ``AssetPage``, records), and
``open_store``, which picks a backend. SQL lives only below this package.
"""

from __future__ import annotations

import os
from pathlib import Path

from albumen.store.protocols import AssetFinder, AssetStore
from albumen.store.query import AssetQuery, SortOrder
from albumen.store.records import KnownFile, Record
from albumen.store.rows import AssetPage, AssetRow, LayoutData

__all__ = [
    "AssetFinder",
    "AssetPage",
    "AssetQuery",
    "AssetRow",
    "AssetStore",
    "KnownFile",
    "LayoutData",
    "Record",
    "SortOrder",
    "open_store",
    "store_exists",
]


def open_store(
    library_dir: str | os.PathLike[str], store: str | None = None, *, read_only: bool = False
) -> AssetStore:
    """The index of a library: SQLite in ``library_dir`` by default (``store`` None or
    ``"sqlite"``). ``read_only``: the caller only reads (``ls``, ``stats``, a viewer), so an
    index the user may only read, or on read-only media, opens too; it is never written.
    Raises ``LibraryError`` subclasses that say what to do, and ``ValueError`` for a store it
    does not know."""
    if store is None or store == "sqlite":
        from albumen.store.sqlite import open_sqlite_store

        return open_sqlite_store(library_dir, read_only=read_only)
    raise ValueError(f"unknown store {store!r}: use 'sqlite' (the default)")


def store_exists(library_dir: str | os.PathLike[str], store: str | None = None) -> bool:
    """Whether ``open_store`` would find an index there rather than create one."""
    if store is None or store == "sqlite":
        from albumen.store.sqlite import DB_FILENAME

        return (Path(library_dir) / DB_FILENAME).exists()
    raise ValueError(f"unknown store {store!r}: use 'sqlite' (the default)")
