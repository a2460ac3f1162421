"""``SQLiteAssetRepository``: the default ``AssetStore``, one SQLite file in the library folder.

WAL with ``synchronous=NORMAL``: a committed batch survives a killed process, readers (a
gallery, ``albumen ls``) run while a scan writes, and a write costs no fsync. One writer
connection, serialised by a lock; finders read through connections of their own.

A repository opened ``read_only`` never writes, so a library the user may only read (someone
else's, or on read-only media) can be listed and browsed: it opens the database with SQLite's
``mode=ro`` (which reads a WAL a writer is keeping, if its files exist or can be created), and
where even that cannot work (no write access to the folder and no writer running) with
``immutable=1`` (the database file as it is; committed transactions still in a WAL file left
behind by a killed writer are then not seen).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from albumen.errors import LibraryBusyError, LibraryDiskFullError, LibraryNotWritableError
from albumen.paths import AnyPath, fs_path
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
from albumen.store.sqlite.finder import SQLiteAssetFinder
from albumen.store.sqlite.migrations import SCHEMA_VERSION, SchemaTooNewError, migrate
from albumen.store.times import sort_time_of

__all__ = ["SCAN_LOCK_FILENAME", "SQLiteAssetRepository", "disk_full_error", "is_disk_full"]

#: Held (an OS file lock, released by the OS if the process dies) while a scan runs; it sits
#: beside the database.
SCAN_LOCK_FILENAME = "scan.lock"

# Column order of the write statements: the derived columns first, then the record's own
# fields, taken straight from the record. NOT NULL columns get their defaults in SQL.
_DERIVED = ("path", "folder", "sort_time")
_PLAIN = tuple(c for c in RECORD_FIELDS if c not in _DERIVED)
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

_LIVE_COLUMNS = (
    "rowid, path, folder, kind, content_id, captured_at, captured_offset, live_partner, "
    "live_confidence, hidden"
)
_CHUNK = 500  # bound parameters per IN (...) list


class OutdatedSchemaError(LibraryNotWritableError):
    """A read-only open of a library an older albumen made (it needs migrating)."""


def _connect_read_only(path: Path, timeout: float) -> tuple[sqlite3.Connection, str]:
    """A connection that never writes, and the URI it was opened with: ``mode=ro``, else
    ``immutable=1`` (see the module docs)."""
    if not path.is_file():
        raise sqlite3.OperationalError(f"unable to open database file (no file {path})")
    base = path.absolute().as_uri()
    failure: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        uri = f"{base}?{mode}"
        conn = sqlite3.connect(
            uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the WAL index
        except sqlite3.Error as exc:
            conn.close()
            failure = exc
            continue
        return conn, uri
    assert failure is not None
    raise failure


def is_disk_full(exc: BaseException) -> bool:
    """Whether SQLite failed because its file system is full (SQLITE_FULL)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    return code == 13 if code is not None else "disk is full" in str(exc)


def disk_full_error(library_dir: Path, exc: BaseException) -> LibraryDiskFullError:
    """The ``LibraryDiskFullError`` for a write that failed for lack of space."""
    return LibraryDiskFullError(
        f"the disk holding the library {library_dir} is full ({exc}): free some space, then "
        "run the command again; everything committed so far is kept"
    )


def _row(record: Record) -> tuple[Any, ...]:
    """The values of a probe record in ``_ORDER``."""
    get = record.get
    path = path_bytes(record["path"])
    folder = get("folder")
    folder = derive_folder(path) if folder is None else path_bytes(folder)
    sort_time = get("sort_time")
    if sort_time is None:
        sort_time = sort_time_of(get("captured_at"), get("captured_offset"), get("mtime_ns"))
    return (path, folder, sort_time, *map(get, _PLAIN))


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SQLiteAssetRepository:
    """The asset index in one SQLite file (see the module docs).

    Opening creates the file if needed, switches it to WAL and applies pending migrations. Every
    write method commits its own transaction. Safe to share between threads (calls are
    serialised); several processes may read, and ``lock()`` keeps scans to one at a time.

    ``read_only``: open an existing database without ever writing (see the module docs); its
    schema must be current (``OutdatedSchemaError`` otherwise), and a write method raises
    ``LibraryNotWritableError``.
    """

    def __init__(self, path: AnyPath, *, timeout: float = 30.0, read_only: bool = False) -> None:
        self.path = fs_path(path)
        self.read_only = read_only
        self._timeout = timeout
        self._uri: str | None = None  # the read-only URI finders open too
        self._lock = threading.RLock()
        self._finders: list[SQLiteAssetFinder] = []
        if read_only:
            self._conn, self._uri = _connect_read_only(self.path, timeout)
            try:
                version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            except BaseException:
                self._conn.close()
                raise
            if version != SCHEMA_VERSION:
                self._conn.close()
                if version > SCHEMA_VERSION:
                    raise SchemaTooNewError(
                        f"schema version {version} is newer than this albumen understands "
                        f"({SCHEMA_VERSION}): upgrade albumen to open it"
                    )
                raise OutdatedSchemaError(
                    f"the library {self.path.parent} was made by an older albumen and must be "
                    "upgraded before it can be read: run `albumen scan` on it once as a user "
                    "who may write to it"
                )
            return
        self._conn = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            migrate(self._conn)
            self._recover_deferred_indexes()
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

    def __enter__(self) -> SQLiteAssetRepository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def finder(self, *, cache: RowCache | None = None) -> SQLiteAssetFinder:
        """A gallery finder reading through a connection of its own, so pages are served while
        a scan writes. Closed with the repository."""
        if self._uri is not None:
            finder = SQLiteAssetFinder.open(self._uri, cache=cache, timeout=self._timeout, uri=True)
        else:
            finder = SQLiteAssetFinder.open(self.path, cache=cache, timeout=self._timeout)
        with self._lock:
            self._finders.append(finder)
        return finder

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One scan at a time: an OS file lock beside the database (a killed holder's lock goes
        with it). Raises ``LibraryBusyError`` while another process holds it. Indexes a killed
        scan's bulk load left deferred are built again once the lock is taken."""
        if self.read_only:
            raise LibraryNotWritableError(
                f"the library {self.path.parent} is open read-only: it cannot be scanned"
            )
        fd = self._take_scan_lock()
        if fd is None:
            raise LibraryBusyError(
                f"another albumen scan is running on {self.path.parent}: wait for it to "
                "finish, then scan again"
            )
        try:
            self._rebuild_deferred_indexes()
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _take_scan_lock(self) -> int | None:
        """The descriptor of the scan lock file, locked; None while another holder has it."""
        lock_path = self.path.parent / SCAN_LOCK_FILENAME
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            kind = "is not a file: move it away" if lock_path.is_dir() else "cannot be opened"
            raise LibraryNotWritableError(
                f"the scan lock {lock_path} {kind} ({exc.strerror or exc}); albumen keeps it "
                "there to let one scan run at a time"
            ) from exc
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    @property
    def schema_version(self) -> int:
        with self._lock:
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @property
    def journal_mode(self) -> str:
        with self._lock:
            return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check``: ``"ok"`` for a sound database."""
        with self._lock:
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a full disk becomes ``LibraryDiskFullError`` (the
        transaction is rolled back: what earlier transactions committed is kept)."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:  # SQLite may have rolled back already
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                if is_disk_full(exc):
                    raise disk_full_error(self.path.parent, exc) from exc
                if self.read_only:
                    raise LibraryNotWritableError(
                        f"the library {self.path.parent} is open read-only ({exc})"
                    ) from exc
                raise

    # -- bulk loading ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Drop the secondary indexes of ``assets`` for a large load and build them again when
        it ends (also on error): once over all keys is several times cheaper than row by row.
        A process killed meanwhile has them rebuilt on the next open, from the definitions kept
        in ``deferred_indexes`` (written in the same transaction as the drop)."""
        with self._transaction() as conn:
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
            self._rebuild_deferred_indexes()

    def _recover_deferred_indexes(self) -> None:
        """At open: indexes left deferred by a bulk load are built again only when no scan
        holds the lock (the load was killed). While a scan runs they stay dropped: the scan
        builds them once at the end, and a reader (``albumen ls``) building them meanwhile
        would make the rest of the scan maintain every index row by row."""
        with self._lock:
            pending = self._conn.execute("SELECT 1 FROM deferred_indexes LIMIT 1").fetchone()
        if pending is None:
            return
        try:
            fd = self._take_scan_lock()
        except LibraryNotWritableError:  # no lock file here: the next scan rebuilds them
            return
        if fd is None:
            return  # a scan is loading: it owns them
        try:
            self._rebuild_deferred_indexes()
        except LibraryDiskFullError:
            pass  # readers go on without them; the next scan builds them
        finally:
            os.close(fd)

    def _rebuild_deferred_indexes(self) -> None:
        with self._transaction() as conn:
            for (sql,) in conn.execute("SELECT sql FROM deferred_indexes").fetchall():
                conn.execute(sql)
            conn.execute("DELETE FROM deferred_indexes")

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> int:
        """Insert or update (by ``path``) records in one transaction; returns how many.
        ``folder`` and ``sort_time`` are derived when missing."""
        if not records:
            return 0
        rows = [_row(r) for r in records]
        with self._transaction() as conn:
            conn.executemany(_UPSERT, rows)
        return len(rows)

    def batch_insert(self, assets: Sequence[Record], wal_mode: bool = True) -> int:
        """The plan's bulk write: ``upsert`` with the journal mode chosen. ``wal_mode=False``
        writes with a rollback journal instead of WAL (for file systems without shared memory);
        the database stays in that mode until a later call with ``wal_mode=True``. An empty
        list returns 0 without touching the database."""
        if not assets:
            return 0
        wanted = "wal" if wal_mode else "delete"
        with self._lock:
            if self.journal_mode != wanted:
                self._conn.execute(f"PRAGMA journal_mode={wanted}")
            return self.upsert(assets)

    def write_batch(self, upserts: Sequence[Record], moves: Sequence[tuple[int, Record]]) -> None:
        if not upserts and not moves:
            return
        with self._transaction() as conn:
            conn.executemany(_UPDATE_BY_ROWID, [(*_row(r), rowid) for rowid, r in moves])
            conn.executemany(_UPSERT, [_row(r) for r in upserts])

    def delete_paths(self, paths: Iterable[bytes]) -> int:
        keys = [(path_bytes(p),) for p in paths]
        if not keys:
            return 0
        with self._transaction() as conn:
            # rowcount: rows this statement deleted (total_changes would count what the
            # triggers of asset_counts change too)
            return conn.executemany("DELETE FROM assets WHERE path = ?", keys).rowcount

    def replace_scan_errors(self, errors: Iterable[tuple[bytes, str]]) -> None:
        rows = [(path_bytes(p), str(m)) for p, m in errors]
        with self._transaction() as conn:
            conn.execute("DELETE FROM scan_errors")
            conn.executemany(
                "INSERT OR REPLACE INTO scan_errors (path, message) VALUES (?, ?)", rows
            )

    def set_live_pairs(self, pairings: Sequence[LivePairing]) -> None:
        if not pairings:
            return
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE assets SET live_partner = ?, live_confidence = ?, hidden = ? "
                "WHERE rowid = ?",
                [(p.partner, p.confidence, int(p.hidden), p.rowid) for p in pairings],
            )

    def set_thumbnail_state(
        self, micro: Sequence[tuple[int, bytes]], errors: Sequence[tuple[int, str]]
    ) -> None:
        if not micro and not errors:
            return
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE assets SET micro_thumb = ?, thumb_error = NULL WHERE rowid = ?",
                [(data, rowid) for rowid, data in micro],
            )
            conn.executemany(
                "UPDATE assets SET thumb_error = ? WHERE rowid = ?",
                [(message, rowid) for rowid, message in errors],
            )

    def set_meta(self, key: str, value: bytes) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- reads ----------------------------------------------------------------------------------

    def get_meta(self, key: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def _scalar(self, sql: str, *args: Any) -> Any:
        with self._lock:
            return self._conn.execute(sql, args).fetchone()[0]

    def count(self) -> int:
        return int(self._scalar("SELECT coalesce(sum(n), 0) FROM asset_counts"))

    def hidden_count(self) -> int:
        return int(self._scalar("SELECT coalesce(sum(n), 0) FROM asset_counts WHERE hidden <> 0"))

    def known_files(self) -> dict[bytes, KnownFile]:
        with self._lock:
            cur = self._conn.execute("SELECT path, size, mtime_ns, rowid, id FROM assets")
            return {row[0]: KnownFile(*row[1:]) for row in cur}

    def iter_known_files(self, page_size: int = 20_000) -> Iterator[KnownRow]:
        sql = (
            "SELECT path, size, mtime_ns, rowid, id FROM assets WHERE path > ? "
            "ORDER BY path LIMIT ?"
        )
        after = b""
        while True:
            with self._lock:
                page = self._conn.execute(sql, (after, page_size)).fetchall()
            yield from page
            if len(page) < page_size:
                return
            after = page[-1][0]

    def known_files_in(
        self, paths: Collection[bytes], folders: Collection[bytes]
    ) -> dict[bytes, KnownFile]:
        if b"" in folders:
            return self.known_files()
        found: dict[bytes, KnownFile] = {}
        select = "SELECT path, size, mtime_ns, rowid, id FROM assets WHERE "
        with self._lock:
            conn = self._conn
            for chunk in _chunks(sorted({path_bytes(p) for p in paths})):
                for row in conn.execute(select + f"path IN ({_marks(len(chunk))})", chunk):
                    found[row[0]] = KnownFile(*row[1:])
            for folder in {path_bytes(f).rstrip(b"/") for f in folders}:
                # below FOLDER: from FOLDER/ up to, not including, FOLDER0 ('0' follows '/'),
                # a range on the unique index of `path`
                bounds = (folder + b"/", folder + b"0")
                for row in conn.execute(select + "path >= ? AND path < ?", bounds):
                    found[row[0]] = KnownFile(*row[1:])
        return found

    def scan_errors(self) -> list[tuple[bytes, str]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT path, message FROM scan_errors "
                "UNION ALL SELECT path, error FROM assets WHERE error IS NOT NULL "
                "ORDER BY 1"
            ).fetchall()
        return [(bytes(p), str(m)) for p, m in rows]

    def _dicts(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._conn.execute(sql, args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def get(self, path: bytes) -> dict[str, Any] | None:
        rows = self._dicts("SELECT rowid, * FROM assets WHERE path = ?", (path_bytes(path),))
        return rows[0] if rows else None

    def iter_rows(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row ordered by path, fetched in keyset pages (each costs the same however
        deep it is)."""
        page = self._dicts("SELECT rowid, * FROM assets ORDER BY path LIMIT ?", (page_size,))
        while page:
            yield from page
            if len(page) < page_size:
                return
            page = self._dicts(
                "SELECT rowid, * FROM assets WHERE path > ? ORDER BY path LIMIT ?",
                (page[-1]["path"], page_size),
            )

    def live_candidates(
        self, changed: Collection[bytes], removed: Collection[bytes], *, full: bool = False
    ) -> list[LiveCandidate]:
        # Candidate discovery runs in SQL, so a library without Live Photos costs a few index
        # lookups.
        pool: dict[int, LiveCandidate] = {}
        with self._lock:
            conn = self._conn

            def add(where: str, args: Sequence[Any]) -> None:
                for r in conn.execute(f"SELECT {_LIVE_COLUMNS} FROM assets WHERE {where}", args):
                    pool[r[0]] = LiveCandidate(
                        r[0], bytes(r[1]), bytes(r[2]), r[3], r[4] or None, r[5], r[6], r[7],
                        r[8], bool(r[9]),
                    )  # fmt: skip

            dangling = "live_partner IS NOT NULL AND live_partner NOT IN (SELECT rowid FROM assets)"
            if not full and not changed and not removed:
                if conn.execute(f"SELECT 1 FROM assets WHERE {dangling} LIMIT 1").fetchone():
                    add(dangling, ())
                    self._add_partners(pool, add)
                return list(pool.values())
            if full:
                scopes: list[tuple[str, Sequence[Any]]] = [("1", ())]
            else:
                folders = sorted({derive_folder(p) for p in (*changed, *removed)})
                scopes = [(f"folder IN ({_marks(len(c))})", c) for c in _chunks(folders)]
            for scope, args in scopes:
                # folders holding both a still and a clip: rows there can pair by name
                mixed = [
                    r[0]
                    for r in conn.execute(
                        f"SELECT folder FROM assets WHERE {scope} AND kind IN ('photo', 'video') "
                        "GROUP BY folder HAVING count(DISTINCT kind) = 2",
                        args,
                    )
                ]
                for chunk in _chunks(mixed):
                    add(f"folder IN ({_marks(len(chunk))})", chunk)
                add(f"{scope} AND live_partner IS NOT NULL", args)
                ids = [
                    r[0]
                    for r in conn.execute(
                        f"SELECT DISTINCT content_id FROM assets "
                        f"WHERE {scope} AND content_id IS NOT NULL",
                        args,
                    )
                ]
                for chunk in _chunks(ids):
                    add(f"content_id IN ({_marks(len(chunk))})", chunk)
            add(dangling, ())  # rows whose partner is gone (removed or moved away)
            self._add_partners(pool, add)
        return list(pool.values())

    @staticmethod
    def _add_partners(
        pool: dict[int, LiveCandidate], add: Callable[[str, Sequence[Any]], None]
    ) -> None:
        partners = sorted({r.partner for r in pool.values() if r.partner is not None})
        for chunk in _chunks(partners):
            add(f"rowid IN ({_marks(len(chunk))})", chunk)

    def live_pairs(self) -> list[tuple[bytes, bytes, float]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT s.path, m.path, s.live_confidence FROM assets s "
                "JOIN assets m ON m.rowid = s.live_partner "
                "WHERE s.live_partner IS NOT NULL AND m.hidden <> 0 AND s.hidden = 0 "
                "ORDER BY s.path"
            ).fetchall()
        return [(bytes(a), bytes(b), float(c)) for a, b, c in rows]

    def partner_paths(self) -> dict[int, bytes]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT rowid, path FROM assets WHERE rowid IN "
                "(SELECT live_partner FROM assets WHERE live_partner IS NOT NULL)"
            ).fetchall()
        return {int(r): bytes(p) for r, p in rows}

    def thumbnail_targets(self, after_rowid: int, limit: int) -> list[ThumbnailTarget]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {THUMB_SQL} FROM assets WHERE {READABLE} AND rowid > ? "
                "ORDER BY rowid LIMIT ?",
                (after_rowid, limit),
            ).fetchall()
        return [thumbnail_target_of(r) for r in rows]

    def thumbnail_target(self, content_id: str, mtime_ns: int) -> ThumbnailTarget | None:
        return self._one_target("id = ? AND mtime_ns = ?", (content_id, mtime_ns))

    def thumbnail_target_at(self, path: bytes) -> ThumbnailTarget | None:
        return self._one_target("path = ?", (path_bytes(path),))

    def _one_target(self, where: str, args: Sequence[Any]) -> ThumbnailTarget | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {THUMB_SQL} FROM assets WHERE {READABLE} AND {where} LIMIT 1", args
            ).fetchone()
        return None if row is None else thumbnail_target_of(row)

    def thumbnail_counts(self) -> ThumbnailCounts:
        with self._lock:
            row = self._conn.execute(
                f"SELECT count(CASE WHEN {READABLE} THEN 1 END), count(error), "
                "count(micro_thumb), coalesce(sum(length(micro_thumb)), 0), count(thumb_error) "
                "FROM assets"
            ).fetchone()
        return ThumbnailCounts(*(int(v) for v in row))

    def totals(self) -> LibraryTotals:
        with self._lock:
            size, folders, first, last = self._conn.execute(
                "SELECT coalesce(sum(size), 0), count(DISTINCT folder), min(sort_time), "
                "max(sort_time) FROM assets"
            ).fetchone()
        return LibraryTotals(int(size), int(folders), first, last)
