"""The PostgreSQL server of a test run: one throwaway cluster (``albumen.testing.postgres``),
started on first use and removed when the session ends (``stop``, called from conftest.py)."""

from __future__ import annotations

import itertools
import threading

from albumen.testing.postgres import TemporaryPostgres

_lock = threading.Lock()
_server: TemporaryPostgres | None = None
_databases: dict[str, str] = {}
_numbers = itertools.count(1)


def server() -> TemporaryPostgres:
    """The session's server, started now if it is not running yet."""
    global _server
    with _lock:
        if _server is None:
            _server = TemporaryPostgres().start()
        return _server


def database(name: str) -> str:
    """The URL of the database ``name`` (created on first use, then shared)."""
    pg = server()
    with _lock:
        if name not in _databases:
            _databases[name] = pg.create_database(name)
        return _databases[name]


def fresh_database(prefix: str = "db") -> str:
    """The URL of a new, empty database."""
    return database(f"{prefix}_{next(_numbers)}")


def stop() -> None:
    global _server
    with _lock:
        if _server is not None:
            _server.stop()
            _server = None
            _databases.clear()
