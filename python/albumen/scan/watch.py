"""Follow a folder and keep its library equal to it: ``Watcher``.

The operating system reports changes (watchfiles, which wraps the Rust ``notify`` crate:
inotify, FSEvents, ReadDirectoryChangesW); they arrive grouped, one group once the folder has
been quiet for ``step_ms`` (or after ``debounce_ms`` of steady change), so a burst of 1,000
copied files becomes a few groups, not 1,000 scans. Each group is applied as a small
incremental scan (``albumen.scan.incremental``) of just the paths it names: a file is looked at
again, a folder is walked (a folder moved in or created with files arrives as one event), and a
path that is gone takes its rows, and the rows below it, out. The change events only say
*where* to look; what is on disk then decides, so their order does not matter.

A rename is a file that vanished and one that appeared with the same content: the row (its
rowid, id and what hangs on it) moves. The two halves of a rename can land in different
groups, so a vanished row waits ``removal_grace_ms`` before it is deleted, in case its file
turns up elsewhere. Changes inside the library folder and hidden paths are ignored.

Before following changes the watcher brings the library up to date with a full incremental
scan (the changes made while nothing watched), the folder being watched already, so nothing
falls between the two.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from albumen import _core
from albumen.errors import LibraryError
from albumen.paths import FailedPath
from albumen.scan.incremental import SCAN_BATCH_SIZE, IncrementalScan, ScanReport, scan_library
from albumen.scan.live_photos import update_live_pairs
from albumen.scan.scanner import ParallelScanner, ProgressCallback, Record, WalkedFile
from albumen.store.protocols import AssetStore
from albumen.store.records import KnownFile

if TYPE_CHECKING:
    from watchfiles._rust_notify import RustNotify

__all__ = ["ThumbnailSink", "WatchBatch", "WatchReport", "WatchSettings", "Watcher"]


@dataclass(frozen=True)
class WatchSettings:
    """How changes are grouped and how long a vanished row waits for its file to turn up."""

    #: a group is handed over once no change came for this long
    step_ms: int = 50
    #: ... or once changes have kept coming for this long
    debounce_ms: int = 500
    #: a vanished file's row is deleted after this, unless its content turned up elsewhere (the
    #: second half of a rename split from the first is already queued: it comes within a step)
    removal_grace_ms: int = 100
    #: poll the folder instead of OS notifications (network file systems that send none)
    force_polling: bool = False
    poll_delay_ms: int = 300


@dataclass
class WatchBatch:
    """What one applied group of changes did (the first batch, ``catch_up``, is the scan that
    brought the library up to date when the watch started)."""

    catch_up: bool = False
    events: int = 0  # change events in the group (after ignoring the library folder etc.)
    files: int = 0  # media files looked at
    added: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    removed: int = 0
    errors: list[FailedPath] = field(default_factory=list)  # this batch's unreadable files
    seconds: float = 0.0
    #: paths written (relative, OS bytes) whose file could be read: what thumbnails are made of
    written: list[bytes] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "catch_up" if self.catch_up else "batch",
            "events": self.events,
            "files": self.files,
            "added": self.added,
            "updated": self.updated,
            "moved": self.moved,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "errors": [{"path": p, "error": m} for p, m in self.errors],
            "seconds": round(self.seconds, 4),
        }


@dataclass
class WatchReport:
    """Totals over a watch (the catch-up scan included)."""

    root: Path
    batches: int = 0  # groups of changes applied, the catch-up scan not counted
    events: int = 0
    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    errors: int = 0
    seconds: float = 0.0  # how long the watch ran
    thumbnails: dict[str, int] = field(default_factory=dict)

    def add(self, batch: WatchBatch) -> None:
        self.batches += 0 if batch.catch_up else 1
        self.events += batch.events
        self.added += batch.added
        self.updated += batch.updated
        self.moved += batch.moved
        self.removed += batch.removed
        self.errors += len(batch.errors)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "summary",
            "root": str(self.root),
            "batches": self.batches,
            "events": self.events,
            "added": self.added,
            "updated": self.updated,
            "moved": self.moved,
            "removed": self.removed,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "thumbnails": self.thumbnails,
        }


class ThumbnailSink(Protocol):
    """Where a watcher sends the files it wrote, to have their thumbnails made meanwhile
    (``albumen.thumbnails.background.BackgroundThumbnails``)."""

    def submit(self, paths: Sequence[bytes]) -> None: ...

    def close(self) -> None:
        """Stop soon: what is not started is left for ``albumen thumbs``."""
        ...

    def summary(self) -> dict[str, int]: ...


@dataclass
class _Scope:
    """Where one group of changes says to look."""

    files: dict[str, WalkedFile] = field(default_factory=dict)  # media files found, by path
    walk_errors: list[tuple[str, str]] = field(default_factory=list)
    paths: set[bytes] = field(default_factory=set)  # rows to compare: at these paths ...
    folders: set[bytes] = field(default_factory=set)  # ... and below these folders
    events: int = 0


class Watcher:
    """Keeps ``store`` equal to the folder ``root`` while it runs (see the module docs).

    Iterate it (``for batch in watcher``) or call ``run()``: it scans once, then applies each
    group of changes and yields a ``WatchBatch`` per group, until ``stop()`` (from any thread)
    or Ctrl-C (``KeyboardInterrupt``, raised after the watch has shut down cleanly). It holds
    the library's scan lock meanwhile (``LibraryBusyError`` if a scan runs); ``LibraryError``
    when the folder cannot be watched. ``ready`` is set
    once the folder is watched and the catch-up scan is stored; ``on_batch(batch)`` is called
    on the watching thread after each batch is stored; ``thumbnails`` gets the files written.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        store: AssetStore,
        *,
        skip: Sequence[str | os.PathLike[str]] = (),
        settings: WatchSettings | None = None,
        thumbnails: ThumbnailSink | None = None,
        workers: int | None = None,
        on_batch: Callable[[WatchBatch], object] | None = None,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.root = Path(root).absolute()
        self.store = store
        self.settings = settings or WatchSettings()
        self.thumbnails = thumbnails
        self.on_batch = on_batch
        self.ready = threading.Event()
        self.report = WatchReport(self.root)
        self._skip = tuple(self.root / s for s in skip)  # absolute, as the events name paths
        self._workers = workers
        self._progress = progress
        self._stop = threading.Event()
        self._extensions = frozenset(row[0] for row in _core.media_types())
        #: rows whose file vanished: path -> (row, when its removal is due)
        self._pending: dict[bytes, tuple[KnownFile, float]] = {}

    def stop(self) -> None:
        """Stop watching (from any thread); the iteration ends within ``step_ms``."""
        self._stop.set()

    def run(self) -> WatchReport:
        """Watch until ``stop()``; returns the totals (also on ``self.report``)."""
        for _batch in self:
            pass
        return self.report

    def __iter__(self) -> Iterator[WatchBatch]:
        from watchfiles._rust_notify import RustNotify  # imported when a watch starts

        s = self.settings
        started = time.perf_counter()
        try:
            notify = RustNotify(
                [str(self.root)], False, s.force_polling, s.poll_delay_ms, True, True
            )
        except (OSError, RuntimeError) as exc:  # e.g. the system's limit of watched folders
            raise LibraryError(
                f"cannot watch {self.root} ({exc}): raise fs.inotify.max_user_watches, or "
                "scan with `albumen scan` instead"
            ) from exc
        try:
            with self.store.lock():
                try:
                    yield self._publish(self._catch_up())
                    self.ready.set()
                    yield from self._follow(notify)
                finally:  # also on Ctrl-C: rows of vanished files go, the library ends equal
                    self.report.removed += self._remove_due(force=True)
        finally:
            notify.close()
            if self.thumbnails is not None:
                self.thumbnails.close()
                self.report.thumbnails = self.thumbnails.summary()
            self.report.seconds = time.perf_counter() - started

    # -- the loop -------------------------------------------------------------------------------

    def _follow(self, notify: RustNotify) -> Iterator[WatchBatch]:
        s = self.settings
        while not self._stop.is_set():
            result = notify.watch(s.debounce_ms, s.step_ms, self._timeout_ms(), self._stop)
            if result == "signal":
                raise KeyboardInterrupt
            if result == "stop":
                return
            batch = self.apply(set() if result == "timeout" else result)
            if batch is not None:
                yield self._publish(batch)

    def _publish(self, batch: WatchBatch) -> WatchBatch:
        self.report.add(batch)
        if self.thumbnails is not None and batch.written:
            self.thumbnails.submit(batch.written)
        if self.on_batch is not None:
            self.on_batch(batch)
        return batch

    def _timeout_ms(self) -> int:
        """Wait for changes without end, or until the first vanished row is due (0: no end)."""
        if not self._pending:
            return 0
        due = min(deadline for _row, deadline in self._pending.values())
        return max(1, int((due - time.monotonic()) * 1000) + 1)

    # -- applying changes -------------------------------------------------------------------

    def _catch_up(self) -> WatchBatch:
        started = time.perf_counter()
        batch = WatchBatch(catch_up=True)
        scanner = ParallelScanner(
            max_workers=self._workers,
            batch_size=SCAN_BATCH_SIZE,
            skip=self._skip,
            progress=self._progress,
        )
        report = scan_library(
            scanner, self.root, self.store, on_batch=lambda part: _note_written(batch, part.records)
        )
        batch.files, batch.added, batch.updated = report.files, report.added, report.updated
        batch.moved, batch.unchanged, batch.removed = report.moved, report.unchanged, report.removed
        batch.errors = report.errors
        batch.seconds = time.perf_counter() - started
        return batch

    def apply(self, changes: set[tuple[int, str]]) -> WatchBatch | None:
        """Apply one group of changes, ``(change, absolute path)`` as watchfiles reports them
        (only the paths count: what is on disk now decides), and remove the vanished rows whose
        grace is over; None when nothing of the library was touched. The watch loop calls it
        for every group; a caller of its own holds ``store.lock()``."""
        started = time.perf_counter()
        scope = self._scope(changes)
        known = self.store.known_files_in(scope.paths, scope.folders) if scope.paths else {}
        if not known and not scope.files and not scope.walk_errors:
            # nothing the library holds or would hold (its own folder, hidden or other files)
            removed = self._remove_due()
            if not removed:
                return None
            return WatchBatch(removed=removed, seconds=time.perf_counter() - started)

        report = ScanReport(root=self.root)
        plan = IncrementalScan(self.store, report, known=known)
        files = sorted(scope.files.values())
        to_probe = plan.select(files, scope.walk_errors)
        # rows waiting out their grace may be the other half of a rename in this group
        waiting = self._pending.items()
        plan.add_move_sources(
            {p: row for p, (row, _due) in waiting if os.fsdecode(p) not in scope.files}
        )
        batch = WatchBatch(events=scope.events, files=len(files))
        scanner = ParallelScanner(max_workers=self._workers, batch_size=SCAN_BATCH_SIZE)
        for records in scanner.probe_records(self.root, to_probe):
            plan.write(records)
            _note_written(batch, records)

        # vanished rows wait out their grace (those already waiting keep their deadline)
        due = time.monotonic() + self.settings.removal_grace_ms / 1000
        self._pending = {
            p: (row, self._pending[p][1] if p in self._pending else due)
            for p, row in plan.vanished.items()
        }
        batch.removed = self._remove_due(changed=plan.changed)
        batch.added, batch.updated, batch.moved = report.added, report.updated, report.moved
        batch.unchanged = report.unchanged
        batch.errors += [FailedPath(p, m) for p, m in scope.walk_errors]
        batch.seconds = time.perf_counter() - started
        return batch

    def _remove_due(self, *, changed: set[bytes] | None = None, force: bool = False) -> int:
        """Delete the vanished rows whose grace is over (all with ``force``), then re-pair Live
        Photos around what changed; returns how many rows went."""
        now = time.monotonic()
        gone = {p for p, (_row, due) in self._pending.items() if force or due <= now}
        for p in gone:
            del self._pending[p]
        removed = self.store.delete_paths(sorted(gone)) if gone else 0
        if changed or gone:
            update_live_pairs(self.store, changed or set(), gone)
        return removed

    def _scope(self, changes: set[tuple[int, str]]) -> _Scope:
        """Turn change events into what to compare: the media files there now (a folder is
        walked), and the stored rows at and below the changed paths."""
        scope = _Scope()
        folders: set[str] = set()
        for _change, name in changes:
            rel = self._relative(name)
            if rel is None:
                continue
            scope.events += 1
            if rel == "" or "\ufffd" in rel:
                # the root itself, or a name the events could not spell (not UTF-8): walk the
                # folder that holds it
                rel = "" if rel == "" else os.path.dirname(rel)
                folders.add(rel)
                continue
            key = os.fsencode(rel)
            scope.paths.add(key)
            try:
                st = os.lstat(self.root / rel)
            except OSError:  # gone (or unreachable): its row and the rows below it go
                scope.folders.add(key)
                continue
            if stat.S_ISDIR(st.st_mode):
                folders.add(rel)
            elif stat.S_ISREG(st.st_mode) and self._is_media(rel):
                scope.files[rel] = (rel, st.st_size, st.st_mtime_ns)
            else:  # not a media file (any more): a symlink, a folder replaced by a file, ...
                scope.folders.add(key)
        for rel in _outermost(folders):
            self._walk(scope, rel)
        # a removed tree names every file in it: one range below its top covers them all
        top = {os.fsdecode(f) for f in scope.folders}
        scope.folders = {os.fsencode(rel) for rel in _outermost(top)}
        return scope

    def _walk(self, scope: _Scope, rel: str) -> None:
        key = os.fsencode(rel)
        scope.folders.add(key)
        scope.paths.add(key)
        try:
            files, errors = _core.walk(self.root / rel, skip=self._skip)
        except OSError:  # went again meanwhile: its rows go
            return
        prefix = f"{rel}/" if rel else ""
        for sub, size, mtime_ns in files:
            scope.files[prefix + sub] = (prefix + sub, size, mtime_ns)
        scope.walk_errors += [(prefix + sub, message) for sub, message in errors]

    def _relative(self, name: str) -> str | None:
        """The path of an event relative to the root; None for what the library ignores: the
        library folder, hidden names, anything outside the root."""
        path = Path(name)
        if any(path == s or path.is_relative_to(s) for s in self._skip):
            return None
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return None
        parts = rel.parts
        if any(part.startswith(".") for part in parts):
            return None
        return "/".join(parts)

    def _is_media(self, rel: str) -> bool:
        return os.path.splitext(rel)[1][1:].lower() in self._extensions


def _note_written(batch: WatchBatch, records: Sequence[Record]) -> None:
    for record in records:
        path = os.fsencode(record["path"])
        error = record.get("error")
        if error:
            batch.errors.append(FailedPath(os.fsdecode(path), str(error)))
        elif record.get("id") is not None:
            batch.written.append(path)


def _outermost(folders: set[str]) -> list[str]:
    """The folders not inside another one of them (walking those covers the rest)."""
    kept: list[str] = []
    for rel in sorted(folders):
        if not any(rel == k or k == "" or rel.startswith(k + "/") for k in kept):
            kept.append(rel)
    return kept
