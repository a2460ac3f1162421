"""The PostgreSQL store (scale-out): one database holds many libraries, written by many
processes at once (a distributed scan's Dask workers) and read by many viewers. Chosen with a
URL: ``--store postgresql://user@host/db`` or ``Library.open(root, store="postgresql://...")``.
Needs the ``postgres`` extra (psycopg 3): ``pip install 'albumen[postgres]'``."""

from __future__ import annotations

from albumen.store.postgres.connect import connect, translate_errors
from albumen.store.postgres.finder import PostgresAssetFinder
from albumen.store.postgres.repository import ChangeListener, PostgresAssetStore

__all__ = [
    "ChangeListener",
    "PostgresAssetFinder",
    "PostgresAssetStore",
    "library_exists",
    "open_postgres_store",
]


def open_postgres_store(url: str, root: bytes) -> PostgresAssetStore:
    """The library ``root`` in the database of ``url`` (created when missing)."""
    return PostgresAssetStore(url, root)


def library_exists(url: str, root: bytes) -> bool:
    """Whether the database of ``url`` holds the library ``root`` (nothing is created)."""
    conn = connect(url)
    try:
        with translate_errors(conn, url):
            if conn.execute("SELECT to_regclass('libraries')").fetchone() == (None,):
                return False
            row = conn.execute("SELECT 1 FROM libraries WHERE root = %s", (root,)).fetchone()
            return row is not None
    finally:
        conn.close()
