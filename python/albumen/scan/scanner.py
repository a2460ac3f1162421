"""Parallel discovery and probing of media files: the one scan path.

``ParallelScanner`` finds every supported file below a root with the Rust walker and probes
them in parallel: by default with the Rust probe (``albumen._core.probe``, rayon, GIL released,
records streamed in batches), or with an injected ``scan_file_fn`` run on a thread pool. A
library scan runs through it too, choosing which files to probe (``select``; see
``albumen.scan.incremental``); progress is published here and nowhere else.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albumen import _core
from albumen.events import EventBus, ScanPhase, ScanProgressEvent
from albumen.paths import AnyPath, FailedPath, fs_path

__all__ = [
    "LIBRARY_DIRNAME",
    "MAX_WORKERS",
    "ParallelScanner",
    "ProgressCallback",
    "Record",
    "ScanResult",
    "Selector",
    "WalkedFile",
]

#: The library folder albumen keeps inside a root by default; never scanned.
LIBRARY_DIRNAME = ".albumen"

#: The most probe threads a scanner may have (each is an OS thread; past the cores they only
#: help on slow network file systems).
MAX_WORKERS = 64

#: A probe record: a dict keyed like ``albumen.store.records.RECORD_FIELDS``.
Record = dict[str, Any]

#: ``(path relative to the root, size, mtime_ns)`` of a file the walk found.
WalkedFile = tuple[str, int, int]

#: ``select(files, walk_errors) -> paths to probe`` (relative), given what the walk found.
Selector = Callable[[list[WalkedFile], list[tuple[str, str]]], Sequence[str]]

#: ``progress(processed, total)``, called where ``ScanProgressEvent`` is published.
ProgressCallback = Callable[[int, int], object]


@dataclass
class ScanResult:
    """What a scan (or one batch of a streaming scan) produced.

    ``assets`` holds one value per file that was probed successfully: the probe record (a dict
    keyed like the ``assets`` table, ``path`` relative to the root) or whatever an injected
    ``scan_file_fn`` returned. ``errors`` holds a ``FailedPath(path, message)`` pair for every
    file that failed and every folder that could not be read, ``path`` relative to the root
    (albumen's path convention: ``albumen.paths``). ``records`` holds, for the built-in probe,
    every record of the batch in probe order, the failed ones (``error`` set) included: what
    an index keeps.
    """

    assets: list[Any] = field(default_factory=list)
    errors: list[FailedPath] = field(default_factory=list)
    cancelled: bool = False
    records: list[Record] = field(default_factory=list)

    @property
    def total_processed(self) -> int:
        """``len(assets) + len(errors)``."""
        return len(self.assets) + len(self.errors)

    def extend(self, other: ScanResult) -> None:
        """Append ``other``'s assets and errors to this result."""
        self.assets.extend(other.assets)
        self.errors.extend(other.errors)
        self.records.extend(other.records)
        self.cancelled = self.cancelled or other.cancelled


class ParallelScanner:
    """Find and probe media files below a root, in parallel.

    * ``max_workers``: probe threads, at most ``MAX_WORKERS`` (``None``: one per core for the
      Rust probe, the ``ThreadPoolExecutor`` default for an injected function).
    * ``batch_size``: files per streamed batch, and the progress-event interval.
    * ``event_bus``: receives a ``ScanProgressEvent`` after the walk, every ``batch_size``
      files and once at the end with ``processed == total`` (see ``ScanPhase``). Without one
      nothing is published.
    * ``scan_file_fn``: ``fn(path: pathlib.Path) -> record`` replaces the Rust probe; it gets
      absolute paths, its return value lands in ``ScanResult.assets`` and an exception it raises
      becomes an error carrying the exception's message.
    * ``skip``: extra folders (absolute, or relative to the root) not to enter. Hidden entries
      and the ``.albumen`` library folder are always skipped.
    * ``progress``: ``progress(processed, total)`` is called with every ``ScanProgressEvent``.

    ``cancel()`` may be called from any thread: the running scan stops soon and returns what it
    has (``ScanResult.cancelled`` is then true). Called before a scan starts, it stops that
    scan at once; either way the request is used up when the scan ends.
    """

    def __init__(
        self,
        max_workers: int | None = None,
        batch_size: int = 100,
        event_bus: EventBus | None = None,
        scan_file_fn: Callable[[Path], Any] | None = None,
        *,
        skip: Sequence[AnyPath] = (),
        progress: ProgressCallback | None = None,
    ) -> None:
        if max_workers is not None and not 1 <= max_workers <= MAX_WORKERS:
            raise ValueError(f"max_workers must be between 1 and {MAX_WORKERS}, got {max_workers}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.max_workers = max_workers
        self.batch_size = batch_size
        self.event_bus = event_bus
        self.scan_file_fn = scan_file_fn
        self.skip: tuple[AnyPath, ...] = tuple(skip)
        self.progress = progress
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._stream: _core.ProbeStream | None = None

    # -- control --------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the running scan (or the next one, when none runs) to stop soon. Safe from any
        thread."""
        self._cancel.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- building blocks ---------------------------------------------------------------------

    def discover(self, root: AnyPath) -> tuple[list[WalkedFile], list[tuple[str, str]]]:
        """Walk ``root``: ``([(relpath, size, mtime_ns)], [(relpath, message)])``, sorted by path.

        Raises ``FileNotFoundError`` / ``NotADirectoryError`` / ``PermissionError`` when the root
        itself is unusable.
        """
        root_path = fs_path(root)
        skip = [root_path / LIBRARY_DIRNAME, *(root_path / fs_path(s) for s in self.skip)]
        return _core.walk(root_path, skip=skip)

    def probe_records(self, root: AnyPath, paths: Sequence[AnyPath]) -> Iterator[list[Record]]:
        """Probe ``paths`` (relative to ``root``) with the Rust probe; yield record batches.

        Every path yields exactly one record; a file that could not be probed has ``error`` set.
        Stops early (without error) after ``cancel()``.
        """
        if not paths or self._cancel.is_set():
            return
        stream = _core.probe(
            fs_path(root), list(paths), workers=self.max_workers, batch_size=self.batch_size
        )
        with self._lock:
            self._stream = stream
        try:
            if self._cancel.is_set():
                stream.cancel()
            for batch in stream:
                yield batch
                if self._cancel.is_set():
                    break
        finally:
            stream.cancel()  # stops the workers if the consumer left early; no-op otherwise
            with self._lock:
                self._stream = None

    # -- scanning -------------------------------------------------------------------------------

    def scan(self, root: AnyPath) -> ScanResult:
        """Scan ``root`` completely (or until cancelled) and return everything found."""
        result = ScanResult()
        for part in self.scan_streaming(root):
            result.extend(part)
        return result

    def scan_streaming(
        self, root: AnyPath, *, select: Selector | None = None, finish: bool = True
    ) -> Iterator[ScanResult]:
        """Scan ``root``, yielding a partial ``ScanResult`` per batch of probed files.

        ``select`` chooses which of the walked files to probe (default: all of them); the
        others count as processed from the ``walk`` event on. Folders that could not be read
        are reported in the first result yielded. A cancelled scan yields a last (possibly
        empty) result with ``cancelled`` set. With ``finish=False`` the closing ``finish``
        event is left to the caller (``publish``), which has more to do after the stream.
        """
        root_path = fs_path(root).absolute()
        try:
            if self._cancel.is_set():  # cancelled before it started
                if finish:
                    self._publish(ScanPhase.FINISH, 0, 0, root_path)
                yield ScanResult(cancelled=True)
                return
            files, walk_errors = self.discover(root_path)
            if select is None:
                paths: Sequence[str] = [rel for rel, _size, _mtime in files]
            else:
                paths = select(files, walk_errors)
            total = len(files)
            processed = total - len(paths)  # not to be probed: done already
            del files  # only the paths to probe are needed from here (a million files' worth)
            if walk_errors:
                yield ScanResult(errors=[FailedPath(rel, msg) for rel, msg in walk_errors])
            if total:
                self._publish(ScanPhase.WALK, processed, total, root_path)

            batches = (
                self._probe_builtin(root_path, paths)
                if self.scan_file_fn is None
                else self._probe_injected(root_path, paths, self.scan_file_fn)
            )
            probed = 0
            next_mark = self.batch_size
            for part in batches:
                probed += part.total_processed
                yield part
                # published once the consumer is done with the batch (a library has stored it)
                if probed >= next_mark:  # every batch_size files (probe batches may be smaller)
                    self._publish(ScanPhase.PROBE, processed + probed, total, root_path)
                    next_mark = (probed // self.batch_size + 1) * self.batch_size
            processed += probed
            if self._cancel.is_set() and probed < len(paths):
                yield ScanResult(cancelled=True)
            else:
                processed = total
            if finish:
                self._publish(ScanPhase.FINISH, processed, total, root_path)
        finally:
            self._cancel.clear()  # the request, if any, is used up by this scan

    def publish(self, phase: ScanPhase, processed: int, total: int, root: AnyPath) -> None:
        """Publish a ``ScanProgressEvent`` (and call ``progress``): for a caller that goes on
        after ``scan_streaming(finish=False)`` (a library scan's ``write`` and ``finish``)."""
        self._publish(phase, processed, total, fs_path(root).absolute())

    # -- internals ------------------------------------------------------------------------------

    def _publish(self, phase: ScanPhase, processed: int, total: int, root: Path) -> None:
        if self.progress is not None:
            self.progress(processed, total)
        if self.event_bus is not None:
            self.event_bus.publish(
                ScanProgressEvent(processed, total, phase=phase, root=os.fspath(root))
            )

    def _probe_builtin(self, root: Path, paths: Sequence[str]) -> Iterator[ScanResult]:
        for batch in self.probe_records(root, paths):
            part = ScanResult(records=batch)
            for record in batch:
                error = record.get("error")
                if error:
                    part.errors.append(FailedPath(os.fsdecode(record["path"]), str(error)))
                else:
                    part.assets.append(record)
            yield part

    def _probe_injected(
        self, root: Path, paths: Sequence[str], fn: Callable[[Path], Any]
    ) -> Iterator[ScanResult]:
        """Run ``fn`` on a thread pool, keeping a bounded window of files in flight and handing
        results out in path order, ``batch_size`` at a time."""
        window = self.batch_size + 4 * (self.max_workers or os.cpu_count() or 1)
        pending: deque[tuple[str, Future[Any]]] = deque()
        todo = iter(paths)
        part = ScanResult()
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:

            def fill() -> None:
                while len(pending) < window and not self._cancel.is_set():
                    rel = next(todo, None)
                    if rel is None:
                        return
                    pending.append((rel, pool.submit(fn, root / rel)))

            def collect(rel: str, future: Future[Any]) -> None:
                try:
                    part.assets.append(future.result())
                except Exception as exc:
                    part.errors.append(FailedPath(rel, str(exc) or type(exc).__name__))

            fill()
            try:
                while pending:
                    if self._cancel.is_set():
                        # keep what is done or already running; drop what has not started
                        for rel, future in pending:
                            if not future.cancel():
                                collect(rel, future)
                        pending.clear()
                        break
                    collect(*pending.popleft())
                    fill()
                    if part.total_processed >= self.batch_size:
                        yield part
                        part = ScanResult()
            finally:  # the consumer left early: do not run what has not started
                for _rel, future in pending:
                    future.cancel()
        if part.total_processed:
            yield part
