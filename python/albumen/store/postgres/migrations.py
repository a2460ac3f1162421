"""The one migration runner of the PostgreSQL store.

All pending ``schema.MIGRATIONS`` are applied in one transaction, under a transaction-level
advisory lock and with the version read inside it: several processes (a driver and its Dask
workers) opening a fresh database at once migrate it exactly once, and a process killed
meanwhile leaves the database as it was (PostgreSQL's DDL is transactional).
"""

from __future__ import annotations

import psycopg

from albumen.errors import LibraryNotWritableError
from albumen.store.postgres.schema import MIGRATIONS

__all__ = ["MIGRATION_LOCK", "SCHEMA_VERSION", "migrate"]

SCHEMA_VERSION = len(MIGRATIONS)

#: Advisory lock key held while migrating (any value no other application uses).
MIGRATION_LOCK = 0x616C62756D656E  # "albumen"


def migrate(conn: psycopg.Connection[tuple[object, ...]], upto: int | None = None) -> int:
    """Bring ``conn``'s database to version ``upto`` (default: the newest); returns the
    version it ends at. ``conn`` must not be inside a transaction."""
    target = SCHEMA_VERSION if upto is None else min(upto, SCHEMA_VERSION)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS albumen_schema (version integer NOT NULL)")
        row = conn.execute("SELECT version FROM albumen_schema").fetchone()
        if row is None:
            conn.execute("INSERT INTO albumen_schema (version) VALUES (0)")
            version = 0
        else:
            version = int(str(row[0]))
        if version > SCHEMA_VERSION:
            raise LibraryNotWritableError(
                f"the database's albumen schema is version {version}, newer than this albumen "
                f"understands ({SCHEMA_VERSION}): upgrade albumen to use it"
            )
        for number in range(version + 1, target + 1):
            # a script without parameters runs as one simple query: several statements at once
            conn.execute(MIGRATIONS[number - 1].encode())
            conn.execute("UPDATE albumen_schema SET version = %s", (number,))
            version = number
    return version
