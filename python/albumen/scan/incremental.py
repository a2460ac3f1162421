"""Incremental library scans: bring a store up to date with its folder.

The walk's ``(path, size, mtime)`` is compared with what the store knows: unchanged files are
not probed again, new and changed ones are, rows of vanished files are deleted, and a file that
vanished from one path and appeared at another with the same content hash is a move: its row
(its rowid, id and everything attached) is kept and pointed at the new path. Records are written
batch by batch as the probe streams, each batch in one transaction, so a scan killed at any
moment leaves a sound store and the next scan completes the work.

A scan that would remove most of a library (more than ``MASS_REMOVAL_SHARE`` of its rows and
more than ``MASS_REMOVAL_MIN_ROWS`` of them) removes nothing and raises ``MassRemovalError``
unless its caller allows it (``confirm_removal``): an unmounted disk or a folder moved away
looks exactly like a root whose photos were all deleted.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albumen.errors import MassRemovalError
from albumen.events import ScanPhase
from albumen.paths import FailedPath, json_path
from albumen.scan.live_photos import PairingReport, update_live_pairs
from albumen.scan.scanner import ParallelScanner, Record, ScanResult, WalkedFile
from albumen.store.protocols import AssetStore
from albumen.store.records import KnownFile, KnownRow

__all__ = [
    "BULK_LOAD_MIN_FILES",
    "MASS_REMOVAL_MIN_ROWS",
    "MASS_REMOVAL_SHARE",
    "SCAN_BATCH_SIZE",
    "IncrementalScan",
    "RemovalGuard",
    "ScanReport",
    "is_mass_removal",
    "removal_guard",
    "scan_library",
]

_FS_ERRORS = sys.getfilesystemencodeerrors()  # as os.fsencode encodes

#: Files probed (and committed) per batch during a library scan.
SCAN_BATCH_SIZE = 256

#: A scan writing at least this many files, and at least as many as the store holds, is a bulk
#: load (``AssetStore.bulk_load``).
BULK_LOAD_MIN_FILES = 1000

#: A scan removing more than this share of the rows, and more than ``MASS_REMOVAL_MIN_ROWS``
#: rows, asks first (``MassRemovalError`` unless ``confirm_removal`` allows it).
MASS_REMOVAL_SHARE = 0.5
MASS_REMOVAL_MIN_ROWS = 100

#: ``confirm_removal(would_remove, indexed) -> bool``: allow a mass removal (True) or not.
RemovalGuard = Callable[[int, int], bool]


def removal_guard(allow: bool | RemovalGuard) -> RemovalGuard:
    """The guard of an ``allow_mass_removal`` argument: a yes or no, or a guard already."""
    return allow if callable(allow) else (lambda _would_remove, _indexed: bool(allow))


def is_mass_removal(would_remove: int, indexed: int) -> bool:
    """Whether removing ``would_remove`` of ``indexed`` rows needs a confirmation."""
    return would_remove > MASS_REMOVAL_MIN_ROWS and would_remove > MASS_REMOVAL_SHARE * indexed


@dataclass
class ScanReport:
    """What one library scan did.

    ``files`` media files were found; ``added`` new ones indexed, ``updated`` changed or moved
    ones re-indexed (``moved`` of them matched to a vanished row by identity hash and kept it),
    ``unchanged`` skipped without probing, ``removed`` rows of vanished files deleted.
    ``errors`` lists a ``FailedPath(path, message)`` (path relative to the root) for every
    file or folder that is currently in error (probe failures are stored with their record;
    unreadable folders separately).
    """

    root: Path
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    moved: int = 0
    errors: list[FailedPath] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    #: Live Photo pairing pass run after the scan (``albumen.scan.live_photos``).
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
            # a name that is not UTF-8 gets path_bytes (base64) beside a displayable path
            "errors": [{**json_path(p), "error": m} for p, m in self.errors],
            "seconds": round(self.seconds, 4),
            "cancelled": self.cancelled,
        }


class IncrementalScan:
    """One scan's bookkeeping: which walked files to probe (``select``), how each probed batch
    lands in the store (``write``), and which rows the folder no longer has (``settle``).

    The walk and the store's rows are compared as two streams sorted by path (a merge), so a
    scan of a million files holds neither the rows nor a set of the walked paths in memory.
    ``known`` limits the scan to part of the library (a watcher's few changed files and
    folders): the walked files are compared with those rows only, and the stored walk errors,
    which describe the whole folder, are left alone. By default every row is compared.
    """

    def __init__(
        self,
        store: AssetStore,
        report: ScanReport,
        *,
        known: dict[bytes, KnownFile] | None = None,
        confirm_removal: RemovalGuard | None = None,
    ) -> None:
        self.store = store
        self.report = report
        self.confirm_removal = confirm_removal
        self.partial = known is not None
        self._scoped = known
        self.indexed = 0  # rows compared with the walk
        #: paths written (and old paths of moved files), for Live Photo pairing; not kept in a
        #: bulk load (then every pair is recomputed)
        self.changed: set[bytes] = set()
        self.bulk = False
        self._stored: set[bytes] = set()  # paths to probe that have a row already
        self.selected = 0  # files to probe
        self.probed = 0  # of them, probed and written so far
        self._retry: set[bytes] = set()
        self._vanished: dict[bytes, KnownFile] = {}
        self._vanished_by_id: dict[str, list[tuple[bytes, int]]] = {}

    def select(self, files: list[WalkedFile], walk_errors: list[tuple[str, str]]) -> list[str]:
        """The walked files to probe: new ones, changed ones (size or mtime), and ones that
        could not be read last time."""
        self.report.files = len(files)
        rows: Iterator[KnownRow] = (
            iter(sorted((p, *k) for p, k in self._scoped.items()))
            if self._scoped is not None
            else self.store.iter_known_files()
        )
        # Rows whose file is gone are kept back under folders the walk could not read.
        unreadable = tuple(os.fsencode(rel).rstrip(b"/") + b"/" for rel, _m in walk_errors)
        to_probe: list[str] = []
        stored = 0
        row = next(rows, None)
        last = b""
        encode, codec, errors = str.encode, sys.getfilesystemencoding(), _FS_ERRORS
        for rel, size, mtime_ns in files:  # a million times in a big library: kept lean
            key = encode(rel, codec, errors)
            if key < last:
                raise RuntimeError("the walk did not list files in path order")
            last = key
            while row is not None and row[0] < key:  # a row whose file was not walked
                self._vanish(row, unreadable)
                stored += 1
                row = next(rows, None)
            if row is None or row[0] != key:  # a new file
                to_probe.append(rel)
                continue
            old = row
            stored += 1
            row = next(rows, None)
            if old[1] != size or old[2] != mtime_ns:
                self._stored.add(key)
                to_probe.append(rel)
            elif old[4] is None:
                # the file could not even be read last time (e.g. no permission): the cause
                # may be gone without the mtime changing, so it is tried again
                self._stored.add(key)
                self._retry.add(key)
                to_probe.append(rel)
            else:
                self.report.unchanged += 1
        while row is not None:
            self._vanish(row, unreadable)
            stored += 1
            row = next(rows, None)
        if not self.partial:
            self.store.replace_scan_errors([(os.fsencode(p), m) for p, m in walk_errors])
        self.indexed = stored
        self.bulk = not self.partial and len(to_probe) >= max(BULK_LOAD_MIN_FILES, stored)
        self.selected = len(to_probe)
        return to_probe

    def _vanish(self, row: KnownRow, unreadable: tuple[bytes, ...]) -> None:
        if not row[0].startswith(unreadable):
            self.add_move_sources({row[0]: KnownFile(*row[1:])})

    def add_move_sources(self, rows: Mapping[bytes, KnownFile]) -> None:
        """Rows whose files vanished before this scan (a watcher holds their removal back
        briefly): a file of this scan with the same content takes such a row as a move."""
        for path, old in rows.items():
            if path in self._vanished:
                continue
            self._vanished[path] = old
            if old.id:
                self._vanished_by_id.setdefault(old.id, []).append((path, old.rowid))

    @property
    def vanished(self) -> dict[bytes, KnownFile]:
        """The rows whose file is gone and that no written file took as a move (so far)."""
        return self._vanished

    def write(self, batch: Sequence[Record]) -> None:
        """Store one probed batch in one transaction: updates, moves and inserts."""
        self.probed += len(batch)
        upserts: list[Record] = []
        moves: list[tuple[int, Record]] = []
        for record in batch:
            rowid = self.place(record)
            if rowid is None:
                upserts.append(record)
            else:
                moves.append((rowid, record))
        self.store.write_batch(upserts, moves)

    def place(self, record: Record) -> int | None:
        """Count one probed record (its ``path`` and ``id`` are enough) and say where it
        lands: the rowid of the vanished row with the same content hash when it is a move
        (that row is kept and pointed at the record's path), else None (an upsert by path)."""
        report = self.report
        key = os.fsencode(record["path"])
        if not self.bulk:
            self.changed.add(key)
        if key in self._stored:
            if key in self._retry and record.get("id") is None:
                report.unchanged += 1  # still unreadable: its error is refreshed
            else:
                report.updated += 1
            return None
        ident = record.get("id")
        candidates = self._vanished_by_id.get(ident) if isinstance(ident, str) else None
        if not candidates:
            report.added += 1
            return None
        old_path, rowid = candidates.pop()
        if not candidates:
            del self._vanished_by_id[str(ident)]
        self._vanished.pop(old_path, None)
        if not self.bulk:
            self.changed.add(old_path)
        report.updated += 1
        report.moved += 1
        return rowid

    def settle(self) -> set[bytes]:
        """Delete the rows of files that vanished (not after a cancelled scan: it did not see
        everything); returns their paths. A mass removal (``is_mass_removal``) happens only if
        ``confirm_removal`` allows it; otherwise nothing is removed and ``MassRemovalError``
        says what to do."""
        if self.report.cancelled:
            return set()
        gone = set(self._vanished)
        indexed = self.indexed
        if is_mass_removal(len(gone), indexed) and not (
            self.confirm_removal is not None and self.confirm_removal(len(gone), indexed)
        ):
            raise MassRemovalError(
                f"the scan of {self.report.root} would remove {len(gone)} of the {indexed} "
                "indexed files, whose files are gone (is a disk unmounted, or a folder moved "
                "away?); nothing was removed: if they were deleted on purpose, scan again "
                "with --allow-mass-removal (allow_mass_removal=True)",
                len(gone),
                indexed,
            )
        self.report.removed = self.store.delete_paths(sorted(gone))
        return gone


def scan_library(
    scanner: ParallelScanner,
    root: Path,
    store: AssetStore,
    *,
    on_batch: Callable[[ScanResult], object] | None = None,
    confirm_removal: RemovalGuard | None = None,
) -> ScanReport:
    """Scan ``root`` into ``store`` through ``scanner`` (which publishes the progress and can be
    cancelled meanwhile); returns what changed. ``on_batch(part)`` is called with each
    partial ``ScanResult`` once it is stored. The caller holds ``store.lock()``. Raises
    ``MassRemovalError`` (having removed nothing) when the scan would remove most of the
    library and ``confirm_removal`` does not allow it."""
    started = time.perf_counter()
    report = ScanReport(root=root)
    plan = IncrementalScan(store, report, confirm_removal=confirm_removal)
    with contextlib.ExitStack() as bulk:

        def select(files: list[WalkedFile], walk_errors: list[tuple[str, str]]) -> list[str]:
            paths = plan.select(files, walk_errors)
            if plan.bulk:
                bulk.enter_context(store.bulk_load())
            return paths

        for part in scanner.scan_streaming(root, select=select, finish=False):
            report.cancelled |= part.cancelled
            if part.records:
                plan.write(part.records)
            if on_batch is not None:
                on_batch(part)
        # what is left: indexes rebuilt after a bulk load (leaving this block), vanished rows
        # removed, Live Photos paired
        processed = report.files - plan.selected + plan.probed
        if report.files:
            scanner.publish(ScanPhase.WRITE, processed, report.files, root)
    try:
        gone = plan.settle()
    except MassRemovalError:
        update_live_pairs(store, plan.changed, set())  # around what was written
        raise
    # Live Photos: re-pair around what this scan wrote or removed (also after a cancel, for the
    # files that were written).
    report.live = update_live_pairs(store, plan.changed, gone, full=plan.bulk)
    report.errors = [FailedPath(os.fsdecode(p), m) for p, m in store.scan_errors()]
    report.seconds = time.perf_counter() - started
    scanner.publish(ScanPhase.FINISH, processed, report.files, root)
    return report
