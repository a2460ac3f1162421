"""Connecting to PostgreSQL, and turning a lost server into one clear ``LibraryError``.

A store URL is a libpq URI (``postgresql://user:password@host:port/database?options``); the
password never appears in a message. A server that cannot be reached, or that goes away during
an operation (a restart, a network cut), is a ``DatabaseUnavailableError`` saying so; what was
committed before stays committed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow

from albumen.errors import DatabaseUnavailableError

__all__ = ["Connection", "connect", "describe", "translate_errors"]

Connection = psycopg.Connection[TupleRow]

#: Seconds to wait for a server before giving up (unless the URL says otherwise).
CONNECT_TIMEOUT = 10

# SQLSTATE classes and errors that mean the session is gone, not that a statement was wrong.
_LOST = (
    pg_errors.AdminShutdown,
    pg_errors.CrashShutdown,
    pg_errors.CannotConnectNow,
    pg_errors.ConnectionException,
)


def describe(url: str) -> str:
    """``user@host:port/database`` of a URL, without its password, for messages."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "the database named by --store"
    host = str(params.get("host") or "localhost")
    port = params.get("port")
    user = str(params.get("user") or "")
    where = f"{host}:{port}" if port else host
    return f"{user + '@' if user else ''}{where}/{params.get('dbname', '')}"


def connect(url: str, *, autocommit: bool = True) -> Connection:
    """A connection to the database of ``url``, or ``DatabaseUnavailableError`` saying which
    server could not be reached and why."""
    kwargs: dict[str, Any] = {}
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise DatabaseUnavailableError(f"not a valid store URL ({exc})") from None
    if "connect_timeout" not in params:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT
    try:
        return psycopg.connect(url, autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailableError(
            f"cannot reach the database {describe(url)} ({_first_line(exc)}): check that "
            "PostgreSQL is running there and that the --store URL is right"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def lost(exc: BaseException, conn: Connection) -> bool:
    """Whether ``exc`` means the session is gone (not that one statement failed)."""
    return isinstance(exc, psycopg.OperationalError) and (
        conn.broken or conn.closed or isinstance(exc, _LOST)
    )


@contextlib.contextmanager
def translate_errors(conn: Connection, url: str) -> Iterator[None]:
    """Turn a lost session into ``DatabaseUnavailableError``; other errors pass through."""
    try:
        yield
    except psycopg.Error as exc:
        if lost(exc, conn):
            raise DatabaseUnavailableError(
                f"lost the connection to the database {describe(url)} ({_first_line(exc)}): "
                "what was committed is kept; run the command again when the server is back"
            ) from exc
        raise
