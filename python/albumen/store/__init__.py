"""The storage seam: what albumen asks of an index (``AssetStore``, ``AssetFinder``), the
vocabulary both speak (``AssetQuery``, ``Asset``, ``AssetRow``, ``AssetPage``, records), and
``open_store``, which picks a backend. SQL lives only below this package.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from albumen.store.assets import Asset
from albumen.store.protocols import AssetFinder, AssetStore
from albumen.store.query import AssetQuery, SortOrder
from albumen.store.records import KnownFile, Record
from albumen.store.rows import AssetPage, AssetRow, LayoutData

__all__ = [
    "Asset",
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
    library_dir: str | os.PathLike[str],
    store: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    read_only: bool = False,
) -> AssetStore:
    """The index of a library: SQLite in ``library_dir`` by default (``store`` None or
    ``"sqlite"``), or the library ``root`` in the PostgreSQL database of a
    ``postgresql://`` URL (one database holds many libraries, each keyed by its root path).
    ``read_only``: the caller only reads (``ls``, ``stats``, a viewer), so a SQLite index the
    user may only read, or on read-only media, opens too; it is never written.
    Raises ``LibraryError`` subclasses that say what to do, and ``ValueError`` for a store it
    does not know."""
    if store is None or store == "sqlite":
        from albumen.store.sqlite import open_sqlite_store

        return open_sqlite_store(library_dir, read_only=read_only)
    if store.startswith(_PG_SCHEMES):
        with _needs_psycopg():
            from albumen.store.postgres import open_postgres_store
        return open_postgres_store(store, _root_key(root))
    raise ValueError(_UNKNOWN.format(store))


def store_exists(
    library_dir: str | os.PathLike[str],
    store: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
) -> bool:
    """Whether ``open_store`` would find an index there rather than create one."""
    if store is None or store == "sqlite":
        from albumen.store.sqlite import DB_FILENAME

        return (Path(library_dir) / DB_FILENAME).exists()
    if store.startswith(_PG_SCHEMES):
        with _needs_psycopg():
            from albumen.store.postgres import library_exists
        return library_exists(store, _root_key(root))
    raise ValueError(_UNKNOWN.format(store))


_PG_SCHEMES = ("postgresql://", "postgres://")
_UNKNOWN = "unknown store {!r}: use 'sqlite' (the default) or a postgresql:// URL"


def _root_key(root: str | os.PathLike[str] | None) -> bytes:
    """How a PostgreSQL database names a library: its absolute root path, as OS bytes."""
    if root is None:
        raise ValueError("a PostgreSQL store is keyed by the library's root: pass root=...")
    return os.fsencode(Path(root).expanduser().absolute())


@contextlib.contextmanager
def _needs_psycopg() -> Iterator[None]:
    """Turn a missing psycopg into a ``LibraryError`` saying how to install it."""
    try:
        yield
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("psycopg"):
            raise
        from albumen.errors import LibraryError

        raise LibraryError(
            "the PostgreSQL store needs psycopg: pip install 'albumen[postgres]'"
        ) from exc
