"""Writing many raw rows straight into a library database: synthetic libraries for tests and
benchmarks (``albumen.testing.synthetic``), built the way a bulk load is fastest."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from albumen.store.sqlite.migrations import migrate

__all__ = ["connect", "create_database", "insert_rows"]


def connect(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A connection to a library database as the store opens it (WAL, ``synchronous=NORMAL``,
    migrated, autocommit), for code that reads it with SQL of its own."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    migrate(conn)
    return conn


def insert_rows(
    conn: sqlite3.Connection, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in ``columns`` order) into ``assets`` in one transaction."""
    marks = ", ".join("?" for _ in columns)
    conn.execute("BEGIN")
    try:
        conn.executemany(f"INSERT INTO assets ({', '.join(columns)}) VALUES ({marks})", rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def create_database(
    path: str | os.PathLike[str], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Path:
    """Create (or replace, atomically) a library database holding ``rows``: schema version 1,
    the rows, then the later migrations, so the indexes are built once over all keys."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        migrate(conn, upto=1)
        insert_rows(conn, columns, rows)
        migrate(conn)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    tmp.replace(path)
    return path
