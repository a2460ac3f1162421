"""The one migration runner of the SQLite store.

All pending ``schema.MIGRATIONS`` are applied in one ``BEGIN IMMEDIATE`` transaction, and the
version is read inside it: two processes opening an old library at once cannot both migrate it,
and a process killed meanwhile leaves the database as it was.
"""

from __future__ import annotations

import sqlite3

from albumen.store.sqlite.schema import MIGRATIONS

__all__ = ["SCHEMA_VERSION", "SchemaTooNewError", "migrate"]

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(sqlite3.DatabaseError):
    """The database was written by a newer albumen."""


def migrate(conn: sqlite3.Connection, upto: int | None = None) -> int:
    """Bring ``conn``'s database to version ``upto`` (default: the newest); returns the version
    it ends at. ``conn`` must be in autocommit mode (``isolation_level=None``)."""
    target = SCHEMA_VERSION if upto is None else min(upto, SCHEMA_VERSION)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise SchemaTooNewError(
                f"schema version {version} is newer than this albumen understands "
                f"({SCHEMA_VERSION}): upgrade albumen to open it"
            )
        for number in range(version + 1, target + 1):
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            version = number
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version


def _statements(script: str) -> list[str]:
    """The complete statements of a migration script (``sqlite3.complete_statement`` knows
    where a trigger body ends)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
