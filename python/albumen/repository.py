"""SQLite storage of the asset records: one writer, WAL, versioned schema.

Paths are stored as raw OS bytes relative to the library root (``os.fsencode``), so names that
are not valid UTF-8 round-trip. Rich queries (filters, sort orders) live elsewhere; this module
stores records and serves the plain path-ordered keyset pages the scan and the CLI need.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen.schema import MIGRATIONS, RECORD_COLUMNS

if TYPE_CHECKING:
    from albumen.memory import WeakAssetCache
    from albumen.queries import AssetRow, SQLiteAssetFinder

__all__ = ["KnownFile", "SQLiteAssetRepository", "derive_folder", "derive_sort_time"]

#: path -> (size, mtime_ns, rowid, id)
KnownFile = tuple[int, int, int, str | None]

_EPOCH = datetime(1970, 1, 1)

# Column order of the write statements: the three derived columns first, then the record's own
# fields, taken straight from the record dict. NOT NULL columns get their defaults in SQL.
_DERIVED = ("path", "folder", "sort_time")
_PLAIN = tuple(c for c in RECORD_COLUMNS if c not in _DERIVED)
_ORDER = _DERIVED + _PLAIN
_DEFAULTS = {"kind": "'photo'", "mime": "'application/octet-stream'", "size": "0", "mtime_ns": "0"}
_VALUES = ", ".join(f"coalesce(?, {_DEFAULTS[c]})" if c in _DEFAULTS else "?" for c in _ORDER)
# What was made from a file's pixels (its micro thumbnail, a thumbnail failure) is dropped when
# the file's content or mtime changes, so an edited photo never keeps a stale placeholder.
_SAME_FILE = (
    "assets.id IS excluded.id AND assets.size = excluded.size "
    "AND assets.mtime_ns = excluded.mtime_ns"
)
_UPSERT = (
    f"INSERT INTO assets ({', '.join(_ORDER)}) VALUES ({_VALUES}) ON CONFLICT(path) DO UPDATE "
    "SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ORDER if c != "path")
    + "".join(
        f", {c} = CASE WHEN {_SAME_FILE} THEN assets.{c} END"
        for c in ("micro_thumb", "thumb_error")
    )
)
_UPDATE_BY_ROWID = f"UPDATE assets SET ({', '.join(_ORDER)}) = ({_VALUES}) WHERE rowid = ?"


def _as_bytes(path: str | bytes | os.PathLike[str]) -> bytes:
    if isinstance(path, bytes):
        return path
    return os.fsencode(path)


def derive_folder(path: bytes) -> bytes:
    """The folder part of a relative path (``b""`` for files at the root)."""
    head, _sep, _tail = path.rpartition(b"/")
    return head


def derive_sort_time(
    captured_at: str | None, captured_offset: int | None, mtime_ns: int | None
) -> int | None:
    """Milliseconds since the epoch for ordering.

    ``captured_at`` is local wall-clock ISO 8601; with an offset (minutes east of UTC) it is
    converted to UTC, without one the local time is taken as if it were UTC. Without a capture
    time the file's mtime is used.
    """
    if captured_at:
        try:
            local = datetime.fromisoformat(captured_at)
        except ValueError:
            local = None
        if local is not None:
            if local.tzinfo is not None:
                local = local.astimezone(timezone.utc).replace(tzinfo=None)
            elif captured_offset is not None:
                local = local - timedelta(minutes=captured_offset)
            return (local - _EPOCH) // timedelta(milliseconds=1)
    if mtime_ns is not None:
        return mtime_ns // 1_000_000
    return None


def _row(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of a probe record in ``_ORDER``."""
    get = record.get
    path = record["path"]
    if not isinstance(path, bytes):
        path = os.fsencode(path)
    folder = get("folder")
    folder = derive_folder(path) if folder is None else _as_bytes(folder)
    sort_time = get("sort_time")
    if sort_time is None:
        sort_time = derive_sort_time(get("captured_at"), get("captured_offset"), get("mtime_ns"))
    return (path, folder, sort_time, *map(get, _PLAIN))


class SQLiteAssetRepository:
    """The asset index in one SQLite file.

    Opening creates the file if needed, switches it to WAL with ``synchronous=NORMAL`` and
    applies the pending ``schema.MIGRATIONS`` (tracked by ``PRAGMA user_version``) in one
    transaction. Every write method commits its own transaction unless it runs inside
    ``transaction()``, which groups writes atomically. Safe to share between threads (calls are
    serialised), but only one process should write at a time.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._finders: list[SQLiteAssetFinder] = []
        self._conn = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            self.rebuild_deferred_indexes()
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            for finder in self._finders:
                finder.close()
            self._finders.clear()
            self._conn.close()

    def finder(self, *, cache: WeakAssetCache[int, AssetRow] | None = None) -> SQLiteAssetFinder:
        """A gallery finder (``albumen.queries``: filters, sort orders, keyset pages, counts)
        on this database, reading through its own connection so that pages are served while
        a scan writes. Closed with the repository."""
        from albumen.queries import SQLiteAssetFinder

        finder = SQLiteAssetFinder.open(self.path, cache=cache)
        with self._lock:
            self._finders.append(finder)
        return finder

    def __enter__(self) -> SQLiteAssetRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection, for read-only queries by other modules."""
        return self._conn

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @property
    def journal_mode(self) -> str:
        return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def _migrate(self) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
                if version > len(MIGRATIONS):
                    raise RuntimeError(
                        f"{self.path} has schema version {version}, newer than this albumen "
                        f"understands ({len(MIGRATIONS)}); upgrade albumen to open it"
                    )
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    for statement in _split_sql(script):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {number}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Group writes into one atomic transaction (nested calls join the outer one)."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- bulk loading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def indexes_deferred(self) -> Iterator[None]:
        """Drop the secondary indexes of ``assets`` for a large load and build them again when
        it ends (also on error). A process killed meanwhile has them rebuilt on the next open,
        from the definitions kept in ``deferred_indexes``."""
        with self.transaction() as conn:
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'assets' AND sql IS NOT NULL"
            ).fetchall()
            conn.executemany("INSERT OR REPLACE INTO deferred_indexes VALUES (?, ?)", indexes)
            for name, _sql in indexes:
                conn.execute(f'DROP INDEX "{name}"')
        try:
            yield
        finally:
            self.rebuild_deferred_indexes()

    def rebuild_deferred_indexes(self) -> None:
        """Build the indexes an interrupted or finished bulk load left in ``deferred_indexes``."""
        with self.transaction() as conn:
            for (sql,) in conn.execute("SELECT sql FROM deferred_indexes").fetchall():
                conn.execute(sql)
            conn.execute("DELETE FROM deferred_indexes")

    # -- writes ---------------------------------------------------------------------------------

    def batch_insert(self, assets: Sequence[Mapping[str, Any]], wal_mode: bool = True) -> int:
        """Insert or update (by ``path``) many records in one transaction; returns how many.

        Records are dicts keyed like the ``assets`` columns; ``path`` (relative, ``str`` or
        ``bytes``) is required, missing fields are stored as NULL, ``folder`` and ``sort_time``
        are derived. ``wal_mode=False`` writes with a rollback journal instead of WAL (for file
        systems without shared memory); the database stays in that mode until a later call with
        ``wal_mode=True``. An empty list returns 0 without touching the database.
        """
        if not assets:
            return 0
        rows = [_row(a) for a in assets]
        with self._lock:
            wanted = "wal" if wal_mode else "delete"
            if not self._conn.in_transaction and self.journal_mode != wanted:
                self._conn.execute(f"PRAGMA journal_mode={wanted}")
            with self.transaction() as conn:
                conn.executemany(_UPSERT, rows)
        return len(rows)

    def move(self, rowid: int, record: Mapping[str, Any]) -> None:
        """Point the row ``rowid`` at ``record`` (a moved or renamed file): the row, and so its
        id and anything attached to it, is kept; every record column is updated."""
        with self.transaction() as conn:
            conn.execute(_UPDATE_BY_ROWID, (*_row(record), rowid))

    def delete_paths(self, paths: Iterable[str | bytes]) -> int:
        """Delete the rows of ``paths``; returns how many rows went."""
        keys = [(_as_bytes(p),) for p in paths]
        if not keys:
            return 0
        with self.transaction() as conn:
            before = conn.total_changes
            conn.executemany("DELETE FROM assets WHERE path = ?", keys)
            return conn.total_changes - before

    def replace_scan_errors(self, errors: Iterable[tuple[str | bytes, str]]) -> None:
        """Replace the stored scan errors (folders or files the walk could not read)."""
        rows = [(_as_bytes(p), str(m)) for p, m in errors]
        with self.transaction() as conn:
            conn.execute("DELETE FROM scan_errors")
            conn.executemany(
                "INSERT OR REPLACE INTO scan_errors (path, message) VALUES (?, ?)", rows
            )

    # -- reads ----------------------------------------------------------------------------------

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM assets").fetchone()[0])

    def known_files(self) -> dict[bytes, KnownFile]:
        """``{path: (size, mtime_ns, rowid, id)}`` for every stored row."""
        with self._lock:
            cur = self._conn.execute("SELECT path, size, mtime_ns, rowid, id FROM assets")
            return {row[0]: (row[1], row[2], row[3], row[4]) for row in cur}

    def scan_errors(self) -> list[tuple[bytes, str]]:
        """Walk errors and per-file probe errors, ordered by path."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT path, message FROM scan_errors "
                "UNION ALL SELECT path, error FROM assets WHERE error IS NOT NULL "
                "ORDER BY 1"
            ).fetchall()
        return [(bytes(p), str(m)) for p, m in rows]

    def get(self, path: str | bytes) -> dict[str, Any] | None:
        """The stored row of ``path`` as a dict (all columns plus ``rowid``), or None."""
        with self._lock:
            cur = self._conn.execute(
                "SELECT rowid, * FROM assets WHERE path = ?", (_as_bytes(path),)
            )
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([d[0] for d in cur.description], row, strict=True))

    def page_after(self, last_key: bytes | str | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` rows ordered by path, starting after ``last_key`` (None: the start).

        Keyset paging: pass the last row's ``path`` to get the next page; every page costs the
        same however deep it is.
        """
        if limit <= 0:
            return []
        with self._lock:
            if last_key is None:
                cur = self._conn.execute(
                    "SELECT rowid, * FROM assets ORDER BY path LIMIT ?", (limit,)
                )
            else:
                cur = self._conn.execute(
                    "SELECT rowid, * FROM assets WHERE path > ? ORDER BY path LIMIT ?",
                    (_as_bytes(last_key), limit),
                )
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def iter_rows(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row, ordered by path, fetched in keyset pages."""
        last: bytes | None = None
        while True:
            page = self.page_after(last, page_size)
            yield from page
            if len(page) < page_size:
                return
            last = page[-1]["path"]

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``"ok"`` for a sound database."""
        with self._lock:
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)


def _split_sql(script: str) -> list[str]:
    """Split a migration script into complete statements (sqlite3.complete_statement-aware)."""
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
