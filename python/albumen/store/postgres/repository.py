"""``PostgresAssetStore``: the ``AssetStore`` of one library root in a PostgreSQL database.

Several libraries share a database (``libraries`` has a row per root; every key leads with its
``library_id``), and several processes on several machines write one library at once: the Dask
workers of a distributed scan each commit their chunks (``write_chunk``) while the driver holds
the scan lock. Bulk writes go through ``COPY`` into a temporary table and one
``INSERT ... ON CONFLICT ... DO UPDATE ... WHERE ... IS DISTINCT FROM``, so a row whose values
did not change is not rewritten. Every committed write bumps the library's ``data_version``
and sends a ``NOTIFY`` on the library's channel (``listen()``), so viewers update live.
One connection per store, serialised by a lock; finders, listeners and the scan lock use
connections of their own.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from psycopg import sql

from albumen.errors import LibraryBusyError
from albumen.store.postgres.connect import Connection, connect, describe, translate_errors
from albumen.store.postgres.finder import PostgresAssetFinder
from albumen.store.postgres.migrations import migrate
from albumen.store.postgres.schema import ASSET_COLUMNS, RECORD_TYPES
from albumen.store.records import (
    RECORD_FIELDS,
    KnownFile,
    KnownRow,
    LibraryTotals,
    LiveCandidate,
    LivePairing,
    Record,
    ThumbnailCounts,
    ThumbnailTarget,
    derive_folder,
    path_bytes,
    thumbnail_target_of,
)
from albumen.store.rows import RowCache
from albumen.store.sql import READABLE, THUMB_SQL
from albumen.store.times import sort_time_of

__all__ = ["SCAN_LOCK", "ChangeListener", "PostgresAssetStore"]

#: First key of the scan lock (``pg_try_advisory_lock(SCAN_LOCK, library_id)``).
SCAN_LOCK = 0x616C62  # "alb"

# Column order of the write statements: the derived columns first, then the record's own
# fields. Defaults are filled in Python (as the SQLite store's SQL and triggers fill them), so
# a row is complete before it reaches the server.
_DERIVED = ("path", "folder", "sort_time")
_PLAIN = tuple(c for c in RECORD_FIELDS if c not in _DERIVED)
_ORDER = _DERIVED + _PLAIN
_TYPES = ["integer", *(RECORD_TYPES[c] for c in _ORDER)]
_DEFAULTS = (("kind", "photo"), ("mime", "application/octet-stream"), ("size", 0), ("mtime_ns", 0))
# The staging table of COPY. Not ON COMMIT DELETE ROWS: PostgreSQL then truncates it (and its
# TOAST table) at every commit of a transaction touching any temporary table, a few ms each;
# the merge deletes the rows it takes instead, and the table is truncated now and then, since
# a temporary table is never vacuumed.
_TEMP = "albumen_incoming"
_CREATE_TEMP = (
    f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP} (ord integer, "
    + ", ".join(f"{c} {RECORD_TYPES[c]}" for c in _ORDER)
    + ")"
)
_TRUNCATE_EVERY = 200  # merges
_COPY = f"COPY {_TEMP} (ord, {', '.join(_ORDER)}) FROM STDIN (FORMAT BINARY)"
# What was made from a file's pixels (its micro thumbnail, a thumbnail failure) is dropped when
# the file's content or mtime changes, so an edited photo never keeps a stale placeholder.
_SAME_FILE = (
    "a.id IS NOT DISTINCT FROM excluded.id AND a.size = excluded.size "
    "AND a.mtime_ns = excluded.mtime_ns"
)
_UPDATED = [c for c in _ORDER if c != "path"]
_MERGE = (
    # the staging rows are taken (deleted) and upserted in one statement
    f"WITH incoming AS (DELETE FROM {_TEMP} RETURNING *) "
    f"INSERT INTO assets AS a (library_id, {', '.join(_ORDER)}) "
    f"SELECT %(library)s, {', '.join(_ORDER)} FROM incoming ORDER BY ord "
    "ON CONFLICT (library_id, path) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
    + "".join(
        f", {c} = CASE WHEN {_SAME_FILE} THEN a.{c} END" for c in ("micro_thumb", "thumb_error")
    )
    # unchanged rows are not rewritten (no dead tuple, no index churn, no WAL)
    + f" WHERE ({', '.join(f'a.{c}' for c in _UPDATED)}) "
    f"IS DISTINCT FROM ({', '.join(f'excluded.{c}' for c in _UPDATED)})"
)
# The end of every write transaction, in one statement: the library's data_version goes up and
# its listeners are told (a NOTIFY is delivered at commit, never for a rollback).
_VERSION_CTE = (
    "v AS (UPDATE libraries SET data_version = data_version + 1 WHERE id = %(library)s "
    "RETURNING data_version)"
)
_BUMP = f"WITH {_VERSION_CTE} SELECT pg_notify(%(channel)s, data_version::text) FROM v"
# ... and for a distributed scan's chunk, its ledger row: none inserted means an earlier
# attempt committed the chunk (this one then rolls back).
_BUMP_AND_LEDGER = (
    "WITH chunk AS (INSERT INTO scan_chunks "
    "(library_id, chunk_id, files, errors, probe_seconds, worker) VALUES "
    "(%(library)s, %(chunk)s, %(files)s, %(errors)s, %(seconds)s, %(worker)s) "
    f"ON CONFLICT DO NOTHING RETURNING 1), {_VERSION_CTE} "
    "SELECT (SELECT count(*) FROM chunk), pg_notify(%(channel)s, data_version::text) FROM v"
)
_UPDATE_BY_ROWID = (
    f"UPDATE assets SET ({', '.join(_ORDER)}) = ({', '.join(['%s'] * len(_ORDER))}) "
    "WHERE library_id = %s AND rowid = %s"
)
_SELECT_ROW = f"SELECT {', '.join(ASSET_COLUMNS)} FROM assets"
_LIVE_COLUMNS = (
    "a.rowid, a.path, a.folder, a.kind, a.content_id, a.captured_at, a.captured_offset, "
    "a.live_partner, a.live_confidence, a.hidden"
)
_CHUNK = 10_000  # values per ANY(%s) array


def _row(record: Record) -> tuple[Any, ...]:
    """The values of a probe record in ``_ORDER``, defaults filled in."""
    get = record.get
    path = path_bytes(record["path"])
    folder = get("folder")
    folder = derive_folder(path) if folder is None else path_bytes(folder)
    values: dict[str, Any] = dict(zip(_PLAIN, map(get, _PLAIN), strict=True))
    for name, default in _DEFAULTS:
        if values[name] is None:
            values[name] = default
    sort_time = get("sort_time")
    if sort_time is None:
        sort_time = sort_time_of(get("captured_at"), get("captured_offset"), get("mtime_ns"))
    if sort_time is None:  # neither a capture time nor an mtime: the SQLite trigger's value
        sort_time = int(values["mtime_ns"]) // 1_000_000
    return (path, folder, sort_time, *values.values())


def _unique_rows(records: Sequence[Record]) -> list[tuple[Any, ...]]:
    """Rows by path, the last record of a path winning (one INSERT may touch a key once)."""
    rows: dict[bytes, tuple[Any, ...]] = {}
    for record in records:
        row = _row(record)
        rows[row[0]] = row
    return list(rows.values())


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class _AlreadyCommitted(Exception):
    """Rolls back a chunk whose ledger row another attempt committed first."""


class PostgresAssetStore:
    """The index of the library ``root`` (OS bytes naming it; ``Library`` passes the absolute
    root path) in the PostgreSQL database of ``url``.

    Opening migrates the database and creates the library's row when needed (or, with
    ``create=False``, raises ``LookupError`` when there is none). Raises
    ``DatabaseUnavailableError`` when the server cannot be reached or goes away. Thread-safe
    (calls are serialised).
    """

    def __init__(self, url: str, root: bytes, *, create: bool = True) -> None:
        self.url = url
        self.root = root
        self._lock = threading.RLock()
        self._finders: list[PostgresAssetFinder] = []
        self._merges = 0
        self._conn = connect(url)
        try:
            with translate_errors(self._conn, url):
                migrate(self._conn)
                self.library_id = self._find_library(create=create)
                self._conn.execute(_CREATE_TEMP)
        except BaseException:
            self._conn.close()
            raise
        self.channel = f"albumen_library_{self.library_id}"

    def _find_library(self, *, create: bool) -> int:
        conn = self._conn
        query = "SELECT id FROM libraries WHERE root = %s"
        row = conn.execute(query, (self.root,)).fetchone()
        if row is None and create:
            conn.execute(
                "INSERT INTO libraries (root) VALUES (%s) ON CONFLICT (root) DO NOTHING",
                (self.root,),
            )
            row = conn.execute(query, (self.root,)).fetchone()
        if row is None:
            raise LookupError(f"no library of {self.root!r} in {describe(self.url)}")
        return int(row[0])

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            for finder in self._finders:
                finder.close()
            self._finders.clear()
            self._conn.close()

    def __enter__(self) -> PostgresAssetStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ping(self) -> bool:
        """Whether the connection still works (a round trip)."""
        with self._lock:
            if self._conn.closed or self._conn.broken:
                return False
            try:
                self._conn.execute("SELECT 1")
            except Exception:
                return False
            return True

    def finder(self, *, cache: RowCache | None = None) -> PostgresAssetFinder:
        """A gallery finder reading through a connection of its own. Closed with the store."""
        finder = PostgresAssetFinder(self.url, self.library_id, cache=cache)
        with self._lock:
            self._finders.append(finder)
        return finder

    def listen(self) -> ChangeListener:
        """A listener told of every committed write to this library (from any process)."""
        return ChangeListener(self.url, self.channel)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One scan at a time: a session-level advisory lock on a connection of its own (the
        server releases it when that session ends, also when its process dies). Raises
        ``LibraryBusyError`` while another session holds it."""
        conn = connect(self.url)
        try:
            with translate_errors(conn, self.url):
                row = conn.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (SCAN_LOCK, self.library_id)
                ).fetchone()
            if row is None or not row[0]:
                raise LibraryBusyError(
                    f"another albumen scan is running on {self.root.decode(errors='replace')} "
                    f"(in {describe(self.url)}): wait for it to finish, then scan again"
                )
            yield
        finally:
            conn.close()  # ending the session releases the lock

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Nothing to do: PostgreSQL maintains the indexes of a large load well enough, and
        dropping them would slow the viewers reading meanwhile."""
        yield

    # -- sessions and transactions --------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self) -> Iterator[Connection]:
        with self._lock, translate_errors(self._conn, self.url):
            yield self._conn

    @contextlib.contextmanager
    def _write(self, chunk: dict[str, Any] | None = None) -> Iterator[Connection]:
        """One write transaction, ended by bumping the library's ``data_version`` and
        notifying its listeners; with ``chunk`` (a distributed scan's ledger row) it rolls
        back with ``_AlreadyCommitted`` when the ledger holds the chunk already. The version
        row is touched last, so concurrent writers queue on it only to commit."""
        with self._session() as conn, conn.transaction():
            yield conn
            params = {"library": self.library_id, "channel": self.channel}
            if chunk is None:
                conn.execute(_BUMP, params)
                return
            row = conn.execute(_BUMP_AND_LEDGER, {**params, **chunk}).fetchone()
            if row is None or not row[0]:
                raise _AlreadyCommitted

    def _merge(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """COPY ``rows`` into the staging table, then upsert them all in one statement."""
        with conn.cursor() as cur:
            self._merges += 1
            if self._merges % _TRUNCATE_EVERY == 0:
                cur.execute(f"TRUNCATE {_TEMP}")  # drops the dead rows of earlier merges
            with cur.copy(_COPY) as copy:
                copy.set_types(_TYPES)
                for i, row in enumerate(rows):
                    copy.write_row((i, *row))
            cur.execute(_MERGE, {"library": self.library_id})

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> int:
        """Insert or update (by ``path``) records in one transaction; returns how many.
        ``folder`` and ``sort_time`` are derived when missing."""
        if not records:
            return 0
        rows = _unique_rows(records)
        with self._write() as conn:
            self._merge(conn, rows)
        return len(records)

    def write_batch(self, upserts: Sequence[Record], moves: Sequence[tuple[int, Record]]) -> None:
        if not upserts and not moves:
            return
        rows = _unique_rows(upserts)
        with self._write() as conn:
            if moves:
                with conn.cursor() as cur:
                    cur.executemany(
                        _UPDATE_BY_ROWID,
                        [(*_row(r), self.library_id, rowid) for rowid, r in moves],
                    )
            if rows:
                self._merge(conn, rows)

    def delete_paths(self, paths: Iterable[bytes]) -> int:
        keys = sorted({path_bytes(p) for p in paths})
        if not keys:
            return 0
        deleted = 0
        with self._write() as conn:
            for part in _chunks(keys):
                cur = conn.execute(
                    "DELETE FROM assets WHERE library_id = %s AND path = ANY(%s)",
                    (self.library_id, list(part)),
                )
                deleted += cur.rowcount
        return deleted

    def replace_scan_errors(self, errors: Iterable[tuple[bytes, str]]) -> None:
        rows = {path_bytes(p): str(m) for p, m in errors}
        with self._write() as conn:
            conn.execute("DELETE FROM scan_errors WHERE library_id = %s", (self.library_id,))
            if rows:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO scan_errors (library_id, path, message) VALUES (%s, %s, %s)",
                        [(self.library_id, p, m) for p, m in rows.items()],
                    )

    def set_meta(self, key: str, value: bytes) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO library_meta (library_id, key, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (library_id, key) DO UPDATE SET value = excluded.value",
                (self.library_id, key, value),
            )

    def get_meta(self, key: str) -> bytes | None:
        with self._session() as conn:
            row = conn.execute(
                "SELECT value FROM library_meta WHERE library_id = %s AND key = %s",
                (self.library_id, key),
            ).fetchone()
        return None if row is None else bytes(row[0])

    def set_live_pairs(self, pairings: Sequence[LivePairing]) -> None:
        if not pairings:
            return
        with self._write() as conn, conn.cursor() as cur:
            cur.executemany(
                "UPDATE assets SET live_partner = %s, live_confidence = %s, hidden = %s "
                "WHERE library_id = %s AND rowid = %s",
                [
                    (p.partner, p.confidence, int(p.hidden), self.library_id, p.rowid)
                    for p in pairings
                ],
            )

    def set_thumbnail_state(
        self, micro: Sequence[tuple[int, bytes]], errors: Sequence[tuple[int, str]]
    ) -> None:
        if not micro and not errors:
            return
        with self._write() as conn, conn.cursor() as cur:
            if micro:
                cur.executemany(
                    "UPDATE assets SET micro_thumb = %s, thumb_error = NULL "
                    "WHERE library_id = %s AND rowid = %s",
                    [(data, self.library_id, rowid) for rowid, data in micro],
                )
            if errors:
                cur.executemany(
                    "UPDATE assets SET thumb_error = %s WHERE library_id = %s AND rowid = %s",
                    [(message, self.library_id, rowid) for rowid, message in errors],
                )

    # -- the chunk ledger of distributed scans ----------------------------------------------------

    def write_chunk(
        self,
        chunk_id: str,
        records: Sequence[Record],
        *,
        probe_seconds: float = 0.0,
        worker: str | None = None,
    ) -> bool:
        """Upsert one chunk's records and its ledger row in one transaction; False (and
        nothing written) when the ledger already holds the chunk (an earlier attempt
        committed it)."""
        rows = _unique_rows(records)
        ledger = {
            "chunk": chunk_id,
            "files": len(rows),
            "errors": sum(1 for r in records if r.get("error")),
            "seconds": probe_seconds,
            "worker": worker,
        }
        try:
            with self._write(ledger) as conn:
                if rows:
                    self._merge(conn, rows)
        except _AlreadyCommitted:
            return False
        return True

    def chunk_committed(self, chunk_id: str) -> bool:
        with self._session() as conn:
            row = conn.execute(
                "SELECT 1 FROM scan_chunks WHERE library_id = %s AND chunk_id = %s",
                (self.library_id, chunk_id),
            ).fetchone()
        return row is not None

    def ledger(self) -> dict[str, tuple[int, int, float]]:
        """``chunk id -> (files, errors, probe seconds)`` of every chunk committed since the
        ledger was last cleared (by the end of a distributed scan)."""
        with self._session() as conn:
            rows = conn.execute(
                "SELECT chunk_id, files, errors, probe_seconds FROM scan_chunks "
                "WHERE library_id = %s",
                (self.library_id,),
            ).fetchall()
        return {str(r[0]): (int(r[1]), int(r[2]), float(r[3])) for r in rows}

    def clear_ledger(self) -> None:
        with self._session() as conn:
            conn.execute("DELETE FROM scan_chunks WHERE library_id = %s", (self.library_id,))

    def content_ids(self, paths: Collection[bytes]) -> dict[bytes, str | None]:
        """``path -> id`` of the stored rows among ``paths``."""
        keys = sorted({path_bytes(p) for p in paths})
        found: dict[bytes, str | None] = {}
        with self._session() as conn:
            for part in _chunks(keys):
                for path, ident in conn.execute(
                    "SELECT path, id FROM assets WHERE library_id = %s AND path = ANY(%s)",
                    (self.library_id, list(part)),
                ):
                    found[bytes(path)] = ident
        return found

    def move_rows(self, moves: Sequence[tuple[int, bytes]]) -> None:
        """Settle moves found after the fact, in one transaction: each ``(rowid, path)`` points
        the row ``rowid`` (its rowid, id and what hangs on it) at the file whose record was
        upserted at ``path``, taking that record's values and dropping its row."""
        if not moves:
            return
        with self._write() as conn:
            for rowid, path in moves:
                row = conn.execute(
                    f"DELETE FROM assets WHERE library_id = %s AND path = %s "
                    f"RETURNING {', '.join(_ORDER)}",
                    (self.library_id, path_bytes(path)),
                ).fetchone()
                if row is not None:
                    conn.execute(_UPDATE_BY_ROWID, (*row, self.library_id, rowid))

    # -- reads ----------------------------------------------------------------------------------

    def _scalar(self, query: str, *args: Any) -> Any:
        with self._session() as conn:
            row = conn.execute(query, (self.library_id, *args)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return int(self._scalar("SELECT count(*) FROM assets WHERE library_id = %s"))

    def hidden_count(self) -> int:
        return int(
            self._scalar("SELECT count(*) FROM assets WHERE library_id = %s AND hidden <> 0")
        )

    def data_version(self) -> int:
        return int(self._scalar("SELECT data_version FROM libraries WHERE id = %s"))

    def known_files(self) -> dict[bytes, KnownFile]:
        with self._session() as conn, conn.cursor(binary=True) as cur:
            cur.execute(
                "SELECT path, size, mtime_ns, rowid, id FROM assets WHERE library_id = %s",
                (self.library_id,),
            )
            return {row[0]: KnownFile(*row[1:]) for row in cur}

    def iter_known_files(self, page_size: int = 20_000) -> Iterator[KnownRow]:
        query = (
            "SELECT path, size, mtime_ns, rowid, id FROM assets "
            "WHERE library_id = %s AND path > %s ORDER BY path LIMIT %s"
        )
        after = b""
        while True:
            with self._session() as conn, conn.cursor(binary=True) as cur:
                cur.execute(query, (self.library_id, after, page_size))
                page = [(bytes(r[0]), r[1], r[2], r[3], r[4]) for r in cur]
            yield from page
            if len(page) < page_size:
                return
            after = page[-1][0]

    def known_files_in(
        self, paths: Collection[bytes], folders: Collection[bytes]
    ) -> dict[bytes, KnownFile]:
        if b"" in folders:
            return self.known_files()
        select = "SELECT path, size, mtime_ns, rowid, id FROM assets WHERE library_id = %s AND "
        found: dict[bytes, KnownFile] = {}
        with self._session() as conn, conn.cursor(binary=True) as cur:
            for part in _chunks(sorted({path_bytes(p) for p in paths})):
                cur.execute(select + "path = ANY(%s)", (self.library_id, list(part)))
                found.update((bytes(r[0]), KnownFile(*r[1:])) for r in cur)
            for folder in {path_bytes(f).rstrip(b"/") for f in folders}:
                # below FOLDER: from FOLDER/ up to, not including, FOLDER0 ('0' follows '/')
                cur.execute(
                    select + "path >= %s AND path < %s",
                    (self.library_id, folder + b"/", folder + b"0"),
                )
                found.update((bytes(r[0]), KnownFile(*r[1:])) for r in cur)
        return found

    def scan_errors(self) -> list[tuple[bytes, str]]:
        with self._session() as conn:
            rows = conn.execute(
                "SELECT path, message FROM scan_errors WHERE library_id = %(lib)s "
                "UNION ALL SELECT path, error FROM assets "
                "WHERE library_id = %(lib)s AND error IS NOT NULL ORDER BY 1",
                {"lib": self.library_id},
            ).fetchall()
        return [(bytes(p), str(m)) for p, m in rows]

    def _dicts(self, where: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        with self._session() as conn, conn.cursor(binary=True) as cur:
            cur.execute(f"{_SELECT_ROW} WHERE library_id = %s {where}", (self.library_id, *args))
            return [dict(zip(ASSET_COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def get(self, path: bytes) -> dict[str, Any] | None:
        rows = self._dicts("AND path = %s", (path_bytes(path),))
        return rows[0] if rows else None

    def iter_rows(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row ordered by path, fetched in keyset pages."""
        page = self._dicts("ORDER BY path LIMIT %s", (page_size,))
        while page:
            yield from page
            if len(page) < page_size:
                return
            page = self._dicts(
                "AND path > %s ORDER BY path LIMIT %s", (page[-1]["path"], page_size)
            )

    def live_candidates(
        self, changed: Collection[bytes], removed: Collection[bytes], *, full: bool = False
    ) -> list[LiveCandidate]:
        pool: dict[int, LiveCandidate] = {}
        lib = self.library_id
        with self._session() as conn:

            def add(where: str, args: Sequence[Any] = ()) -> None:
                for r in conn.execute(
                    f"SELECT {_LIVE_COLUMNS} FROM assets a WHERE a.library_id = %s AND {where}",
                    (lib, *args),
                ):
                    pool[r[0]] = LiveCandidate(
                        r[0], bytes(r[1]), bytes(r[2]), r[3], r[4] or None, r[5], r[6], r[7],
                        r[8], bool(r[9]),
                    )  # fmt: skip

            def add_partners() -> None:
                partners = sorted({r.partner for r in pool.values() if r.partner is not None})
                if partners:
                    add("a.rowid = ANY(%s)", (partners,))

            dangling = (
                "a.live_partner IS NOT NULL AND NOT EXISTS (SELECT 1 FROM assets p "
                "WHERE p.library_id = a.library_id AND p.rowid = a.live_partner)"
            )
            if not full and not changed and not removed:
                add(dangling)
                add_partners()
                return list(pool.values())
            if full:
                scope, args = "true", []
            else:
                folders = sorted({derive_folder(path_bytes(p)) for p in (*changed, *removed)})
                scope, args = "a.folder = ANY(%s)", [folders]
            # folders holding both a still and a clip: rows there can pair by name
            mixed = [
                bytes(r[0])
                for r in conn.execute(
                    f"SELECT a.folder FROM assets a WHERE a.library_id = %s AND {scope} "
                    "AND a.kind IN ('photo', 'video') GROUP BY a.folder "
                    "HAVING count(DISTINCT a.kind) = 2",
                    (lib, *args),
                )
            ]
            if mixed:
                add("a.folder = ANY(%s)", (mixed,))
            add(f"{scope} AND a.live_partner IS NOT NULL", args)
            ids = [
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT a.content_id FROM assets a WHERE a.library_id = %s "
                    f"AND {scope} AND a.content_id IS NOT NULL",
                    (lib, *args),
                )
            ]
            if ids:
                add("a.content_id = ANY(%s)", (ids,))
            add(dangling)  # rows whose partner is gone (removed or moved away)
            add_partners()
        return list(pool.values())

    def live_pairs(self) -> list[tuple[bytes, bytes, float]]:
        with self._session() as conn:
            rows = conn.execute(
                "SELECT s.path, m.path, s.live_confidence FROM assets s "
                "JOIN assets m ON m.library_id = s.library_id AND m.rowid = s.live_partner "
                "WHERE s.library_id = %s AND s.live_partner IS NOT NULL AND m.hidden <> 0 "
                "AND s.hidden = 0 ORDER BY s.path",
                (self.library_id,),
            ).fetchall()
        return [(bytes(a), bytes(b), float(c)) for a, b, c in rows]

    def partner_paths(self) -> dict[int, bytes]:
        with self._session() as conn:
            rows = conn.execute(
                "SELECT rowid, path FROM assets WHERE library_id = %(lib)s AND rowid IN "
                "(SELECT live_partner FROM assets WHERE library_id = %(lib)s "
                "AND live_partner IS NOT NULL)",
                {"lib": self.library_id},
            ).fetchall()
        return {int(r): bytes(p) for r, p in rows}

    def thumbnail_targets(self, after_rowid: int, limit: int) -> list[ThumbnailTarget]:
        with self._session() as conn:
            rows = conn.execute(
                f"SELECT {THUMB_SQL} FROM assets WHERE library_id = %s AND {READABLE} "
                "AND rowid > %s ORDER BY rowid LIMIT %s",
                (self.library_id, after_rowid, limit),
            ).fetchall()
        return [thumbnail_target_of(r) for r in rows]

    def thumbnail_target(self, content_id: str, mtime_ns: int) -> ThumbnailTarget | None:
        return self._one_target("id = %s AND mtime_ns = %s", (content_id, mtime_ns))

    def thumbnail_target_at(self, path: bytes) -> ThumbnailTarget | None:
        return self._one_target("path = %s", (path_bytes(path),))

    def _one_target(self, where: str, args: Sequence[Any]) -> ThumbnailTarget | None:
        with self._session() as conn:
            row = conn.execute(
                f"SELECT {THUMB_SQL} FROM assets WHERE library_id = %s AND {READABLE} "
                f"AND {where} LIMIT 1",
                (self.library_id, *args),
            ).fetchone()
        return None if row is None else thumbnail_target_of(row)

    def thumbnail_counts(self) -> ThumbnailCounts:
        with self._session() as conn:
            row = conn.execute(
                f"SELECT count(*) FILTER (WHERE {READABLE}), count(error), count(micro_thumb), "
                "coalesce(sum(length(micro_thumb)), 0), count(thumb_error) "
                "FROM assets WHERE library_id = %s",
                (self.library_id,),
            ).fetchone()
        assert row is not None
        return ThumbnailCounts(*(int(v) for v in row))

    def totals(self) -> LibraryTotals:
        with self._session() as conn:
            row = conn.execute(
                "SELECT coalesce(sum(size), 0), count(DISTINCT folder), min(sort_time), "
                "max(sort_time) FROM assets WHERE library_id = %s",
                (self.library_id,),
            ).fetchone()
        assert row is not None
        size, folders, first, last = row
        return LibraryTotals(int(size), int(folders), first, last)


class ChangeListener:
    """``LISTEN`` on a library's channel through a connection of its own: ``wait`` returns
    the ``data_version`` of the next committed write (from any process), or None when
    ``timeout`` seconds pass first. Close it (or use ``with``)."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self._conn = connect(url)
        with translate_errors(self._conn, url):
            self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait(self, timeout: float | None = None) -> int | None:
        with translate_errors(self._conn, self.url):
            for notify in self._conn.notifies(timeout=timeout, stop_after=1):
                return int(notify.payload)
        return None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ChangeListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
