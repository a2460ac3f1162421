"""``Library``: a folder of photos and videos with its index.

The index lives in ``ROOT/.albumen/library.db`` unless another library folder is named. A scan
is incremental: unchanged files (same size and mtime) are not probed again, changed files are
updated, deleted files removed, and a moved or renamed file keeps its row and its id. Records
are written in batches while the probe streams, each batch committed on its own, so a scan
killed at any moment leaves a sound database and the next scan completes the work.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen.events import EventBus, ScanCompletedEvent, ScanProgressEvent
from albumen.live_photos import PairingReport, update_live_pairs
from albumen.repository import KnownFile, SQLiteAssetRepository
from albumen.scanner import LIBRARY_DIRNAME, ParallelScanner, Record

if TYPE_CHECKING:
    from albumen.memory import WeakAssetCache
    from albumen.queries import AssetQuery, AssetRow, SQLiteAssetFinder
    from albumen.viewmodel import AssetListViewModel

__all__ = [
    "DB_FILENAME",
    "Library",
    "LibraryBusyError",
    "LibraryError",
    "LibraryNotWritableError",
    "RootNotFoundError",
    "RootNotReadableError",
    "ScanReport",
]

DB_FILENAME = "library.db"

#: Files probed (and committed) per batch during a library scan.
SCAN_BATCH_SIZE = 256

#: A scan writing at least this many files, and at least as many as the library holds, defers
#: the secondary indexes to the end (see ``SQLiteAssetRepository.indexes_deferred``).
BULK_LOAD_MIN_FILES = 1000


class LibraryError(Exception):
    """A library cannot be opened or used; the message says why and what to do."""


class RootNotFoundError(LibraryError, FileNotFoundError):
    """The library root does not exist or is not a folder."""


class RootNotReadableError(LibraryError, PermissionError):
    """The library root exists but cannot be listed."""


class LibraryNotWritableError(LibraryError, PermissionError):
    """The library folder or its database cannot be created or written."""


class LibraryBusyError(LibraryError):
    """Another process is scanning the same library right now."""


#: Held (an OS file lock, released by the OS if the process dies) while a scan runs.
SCAN_LOCK_FILENAME = "scan.lock"


@contextlib.contextmanager
def _scan_lock(library_dir: Path) -> Iterator[None]:
    """One scan of a library at a time: a second one would probe and report the same files."""
    fd = os.open(library_dir / SCAN_LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise LibraryBusyError(
                f"another albumen scan is running on {library_dir}: wait for it to finish, "
                "then scan again"
            ) from exc
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class ScanReport:
    """What one ``Library.scan`` did.

    ``files`` media files were found; ``added`` new ones indexed, ``updated`` changed or moved
    ones re-indexed (``moved`` of them matched to a vanished row by identity hash and kept it),
    ``unchanged`` skipped without probing, ``removed`` rows of vanished files deleted.
    ``errors`` lists ``(relative path, message)`` for every file or folder that is currently in
    error (probe failures are stored with their record; unreadable folders separately).
    """

    root: Path
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    moved: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    #: Live Photo pairing pass run after the scan (``albumen.live_photos``).
    live: PairingReport = field(default_factory=PairingReport)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape ``albumen scan --json`` prints)."""
        return {
            "root": str(self.root),
            "files": self.files,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "moved": self.moved,
            "errors": [{"path": p, "error": m} for p, m in self.errors],
            "seconds": round(self.seconds, 4),
            "cancelled": self.cancelled,
        }


ProgressCallback = Callable[[int, int], object]


class Library:
    """A root folder and its index. Use ``Library.open(root)``; close it (or use ``with``)."""

    def __init__(
        self,
        root: Path,
        library_dir: Path,
        repository: SQLiteAssetRepository,
        *,
        event_bus: EventBus | None = None,
    ) -> None:
        self.root = root
        self.library_dir = library_dir
        self.repository = repository
        self.event_bus = event_bus
        self._scanner: ParallelScanner | None = None

    @classmethod
    def open(
        cls,
        root: str | os.PathLike[str],
        library_dir: str | os.PathLike[str] | None = None,
        *,
        event_bus: EventBus | None = None,
    ) -> Library:
        """Open (creating if needed) the library of ``root``.

        Raises ``RootNotFoundError`` / ``RootNotReadableError`` for an unusable root and
        ``LibraryNotWritableError`` when the library folder or database cannot be written.
        """
        root_path = Path(root).expanduser().absolute()
        try:
            if not root_path.exists():
                raise RootNotFoundError(
                    f"{root_path} does not exist: pass the folder that holds your photos"
                )
            if not root_path.is_dir():
                raise RootNotFoundError(
                    f"{root_path} is not a folder: pass the folder that holds your photos"
                )
            with os.scandir(root_path) as it:
                next(it, None)
        except LibraryError:
            raise
        except PermissionError as exc:  # the root, or a folder above it, cannot be entered
            raise RootNotReadableError(
                f"cannot read {root_path} ({exc.strerror}): check its permissions "
                "or run as a user who can read it"
            ) from exc
        except OSError as exc:
            raise RootNotReadableError(
                f"cannot read {root_path} ({exc.strerror or exc}): check the folder"
            ) from exc

        lib_dir = (
            Path(library_dir).expanduser().absolute()
            if library_dir is not None
            else root_path / LIBRARY_DIRNAME
        )
        hint = "pass a writable folder with --library (library_dir=...)"
        try:
            lib_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryNotWritableError(
                f"cannot create the library folder {lib_dir} ({exc.strerror or exc}): {hint}"
            ) from exc
        try:
            repository = SQLiteAssetRepository(lib_dir / DB_FILENAME)
        except sqlite3.OperationalError as exc:  # read-only, locked, cannot be created
            raise LibraryNotWritableError(
                f"cannot open the library database {lib_dir / DB_FILENAME} ({exc}): albumen "
                f"writes to its library, so run as a user who may, or {hint}"
            ) from exc
        except sqlite3.DatabaseError as exc:  # not a database, malformed
            raise LibraryNotWritableError(
                f"cannot open the library database {lib_dir / DB_FILENAME} ({exc}): {hint}, "
                "or move the damaged file away to rebuild the index"
            ) from exc
        return cls(root_path, lib_dir, repository, event_bus=event_bus)

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        self.repository.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Stop a running ``scan`` soon (from another thread); what was written stays."""
        scanner = self._scanner
        if scanner is not None:
            scanner.cancel()

    # -- queries --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.repository.count()

    def assets(
        self, limit: int | None = None, *, include_hidden: bool = True
    ) -> Iterator[dict[str, Any]]:
        """Stored rows ordered by path (``path`` and ``folder`` are bytes). Without
        ``include_hidden`` the hidden rows (the motion halves of Live Photos) are left out."""
        n = 0
        for row in self.repository.iter_rows():
            if not include_hidden and row.get("hidden"):
                continue
            if limit is not None and n >= limit:
                return
            n += 1
            yield row

    def hidden_count(self) -> int:
        """How many rows normal listings leave out (the motion halves of Live Photos)."""
        with self.repository.transaction() as conn:
            return int(conn.execute("SELECT count(*) FROM assets WHERE hidden <> 0").fetchone()[0])

    def live_pairs(self) -> list[tuple[bytes, bytes, float]]:
        """Live Photo pairs as ``(still path, motion path, confidence)``, ordered by still."""
        with self.repository.transaction() as conn:
            rows = conn.execute(
                "SELECT s.path, m.path, s.live_confidence FROM assets s "
                "JOIN assets m ON m.rowid = s.live_partner "
                "WHERE s.live_partner IS NOT NULL AND m.hidden <> 0 AND s.hidden = 0 "
                "ORDER BY s.path"
            ).fetchall()
        return [(bytes(a), bytes(b), float(c)) for a, b, c in rows]

    def partner_paths(self) -> dict[int, bytes]:
        """``rowid -> path`` of every row that is some row's Live Photo partner."""
        with self.repository.transaction() as conn:
            rows = conn.execute(
                "SELECT rowid, path FROM assets WHERE rowid IN "
                "(SELECT live_partner FROM assets WHERE live_partner IS NOT NULL)"
            ).fetchall()
        return {int(r): bytes(p) for r, p in rows}

    # -- browsing -------------------------------------------------------------------------------

    def finder(self, *, cache: WeakAssetCache[int, AssetRow] | None = None) -> SQLiteAssetFinder:
        """A gallery finder on this library (see ``SQLiteAssetRepository.finder``)."""
        return self.repository.finder(cache=cache)

    def view_model(
        self, query: AssetQuery | None = None, *, page_size: int = 200
    ) -> AssetListViewModel[AssetRow]:
        """A view model over this library's assets, reloading when a scan of this root
        completes on the library's event bus; loads ``query`` when given."""
        from albumen.memory import WeakAssetCache
        from albumen.paging import PaginatedAssetLoader
        from albumen.viewmodel import AssetListViewModel

        cache: WeakAssetCache[int, AssetRow] = WeakAssetCache()
        loader = PaginatedAssetLoader(self.finder(cache=cache), page_size)
        vm: AssetListViewModel[AssetRow] = AssetListViewModel(
            loader, self.event_bus, album=self.root, scan_event_type=ScanCompletedEvent
        )
        if query is not None:
            vm.load_album(query)
        return vm

    # -- scanning -------------------------------------------------------------------------------

    def _skip_dirs(self) -> list[Path]:
        try:
            self.library_dir.relative_to(self.root)
        except ValueError:
            return []
        return [self.library_dir]

    def scan(
        self,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
    ) -> ScanReport:
        """Bring the index up to date with the folder; returns what changed.

        ``progress(processed, total)`` is called once before probing and after every probed
        batch (``total`` is the number of new or changed files; the last call has ``processed ==
        total`` unless the scan was cancelled); the same steps go to the event bus as
        ``ScanProgressEvent``. ``workers`` caps probe threads. ``cancel()`` from another thread
        stops the scan after the batch in hand; vanished files are then not removed. Raises
        ``LibraryBusyError`` while another scan of the same library runs.
        """
        with _scan_lock(self.library_dir):
            return self._scan(progress, workers)

    def _scan(self, progress: ProgressCallback | None, workers: int | None) -> ScanReport:
        started = time.perf_counter()
        report = ScanReport(root=self.root)
        repo = self.repository
        scanner = ParallelScanner(
            max_workers=workers, batch_size=SCAN_BATCH_SIZE, skip=self._skip_dirs()
        )
        self._scanner = scanner
        try:
            files, walk_errors = scanner.discover(self.root)
            report.files = len(files)
            known: dict[bytes, KnownFile] = repo.known_files()

            to_probe: list[str] = []
            seen: set[bytes] = set()
            retry: set[bytes] = set()
            for rel, size, mtime_ns in files:
                key = os.fsencode(rel)
                seen.add(key)
                old = known.get(key)
                if old is None or old[0] != size or old[1] != mtime_ns:
                    to_probe.append(rel)
                elif old[3] is None:
                    # the file could not even be read last time (e.g. no permission): the cause
                    # may be gone without the mtime changing, so it is tried again
                    retry.add(key)
                    to_probe.append(rel)
                else:
                    report.unchanged += 1

            # Rows whose file is gone; kept back under folders the walk could not read.
            unreadable = [os.fsencode(rel).rstrip(b"/") + b"/" for rel, _m in walk_errors]
            vanished: dict[bytes, KnownFile] = {
                p: v
                for p, v in known.items()
                if p not in seen and not any(p.startswith(u) for u in unreadable)
            }
            vanished_by_id: dict[str, list[tuple[bytes, int]]] = {}
            for p, (_s, _m, rowid, ident) in vanished.items():
                if ident:
                    vanished_by_id.setdefault(ident, []).append((p, rowid))

            repo.replace_scan_errors(walk_errors)

            total = len(to_probe)
            processed = 0
            changed: set[bytes] = set()
            self._progress(progress, 0, total)
            bulk = total >= max(BULK_LOAD_MIN_FILES, len(known))
            with repo.indexes_deferred() if bulk else contextlib.nullcontext():
                for batch in scanner.probe_records(self.root, to_probe):
                    self._write_batch(
                        batch, known, retry, vanished, vanished_by_id, report, changed
                    )
                    processed += len(batch)
                    self._progress(progress, processed, total)
            report.cancelled = scanner.cancelled and processed < total

            gone: set[bytes] = set()
            if not report.cancelled:
                gone = set(vanished)
                report.removed = repo.delete_paths(list(vanished))
            # Live Photos: re-pair around what this scan wrote or removed (also after a cancel,
            # for the files that were written).
            with repo.transaction() as conn:
                report.live = update_live_pairs(conn, changed, gone)
        finally:
            self._scanner = None

        report.errors = [(os.fsdecode(p), m) for p, m in repo.scan_errors()]
        report.seconds = time.perf_counter() - started
        if self.event_bus is not None:
            self.event_bus.publish(
                ScanCompletedEvent(
                    root=str(self.root),
                    files=report.files,
                    added=report.added,
                    updated=report.updated,
                    unchanged=report.unchanged,
                    removed=report.removed,
                    errors=len(report.errors),
                    seconds=report.seconds,
                    cancelled=report.cancelled,
                    library=str(self.library_dir),
                )
            )
        return report

    def _progress(self, callback: ProgressCallback | None, processed: int, total: int) -> None:
        if callback is not None:
            callback(processed, total)
        if self.event_bus is not None:
            self.event_bus.publish(ScanProgressEvent(processed=processed, total=total))

    def _write_batch(
        self,
        batch: list[Record],
        known: dict[bytes, KnownFile],
        retry: set[bytes],
        vanished: dict[bytes, KnownFile],
        vanished_by_id: dict[str, list[tuple[bytes, int]]],
        report: ScanReport,
        changed: set[bytes],
    ) -> None:
        """Store one probed batch in one transaction: updates, moves and inserts. Every path
        written (and the old path of a moved file) is added to ``changed``."""
        upserts: list[Record] = []
        with self.repository.transaction():
            for record in batch:
                key = os.fsencode(record["path"])
                changed.add(key)
                if key in known:
                    if key in retry and record.get("id") is None:
                        report.unchanged += 1  # still unreadable: its error is refreshed
                    else:
                        report.updated += 1
                    upserts.append(record)
                    continue
                ident = record.get("id")
                candidates = vanished_by_id.get(ident) if isinstance(ident, str) else None
                if candidates and isinstance(ident, str):
                    old_path, rowid = candidates.pop()
                    changed.add(old_path)
                    if not candidates:
                        del vanished_by_id[ident]
                    vanished.pop(old_path, None)
                    self.repository.move(rowid, record)
                    report.updated += 1
                    report.moved += 1
                else:
                    report.added += 1
                    upserts.append(record)
            self.repository.batch_insert(upserts)
