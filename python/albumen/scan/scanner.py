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
from albumen.events import EventBus, ScanProgressEvent

__all__ = [
    "LIBRARY_DIRNAME",
    "ParallelScanner",
    "ProgressCallback",
    "Record",
    "ScanResult",
    "Selector",
    "WalkedFile",
]

#: The library folder albumen keeps inside a root by default; never scanned.
LIBRARY_DIRNAME = ".albumen"

#: A probe record: a dict keyed like ``albumen.store.records.RECORD_FIELDS``.
Record = dict[str, Any]

#: ``(path relative to the root, size, mtime_ns)`` of a file the walk found.
WalkedFile = tuple[str, int, int]

#: ``select(files, walk_errors) -> paths to probe`` (relative), given what the walk found.
Selector = Callable[[list[WalkedFile], list[tuple[str, str]]], Sequence[str]]

#: ``progress(processed, total)``, called where ``ScanProgressEvent`` is published.
ProgressCallback = Callable[[int, int], object]

StrPath = str | os.PathLike[str]


@dataclass
class ScanResult:
    """What a scan (or one batch of a streaming scan) produced.

    ``assets`` holds one value per file that was probed successfully: the probe record (a dict
    keyed like the ``assets`` table, ``path`` relative to the root) or whatever an injected
    ``scan_file_fn`` returned. ``errors`` holds ``(path, message)`` pairs with the absolute
    ``pathlib.Path`` of every file that failed, and of every folder that could not be read.
    ``records`` holds, for the built-in probe, every record of the batch in probe order, the
    failed ones (``error`` set) included: what an index keeps.
    """

    assets: list[Any] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
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

    * ``max_workers``: probe threads (``None``: one per core for the Rust probe, the
      ``ThreadPoolExecutor`` default for an injected function).
    * ``batch_size``: files per streamed batch, and the progress-event interval.
    * ``event_bus``: receives a ``ScanProgressEvent`` after every batch and once at the end
      with ``processed == total``. Without one nothing is published.
    * ``scan_file_fn``: ``fn(path: pathlib.Path) -> record`` replaces the Rust probe; it gets
      absolute paths, its return value lands in ``ScanResult.assets`` and an exception it raises
      becomes an error carrying the exception's message.
    * ``skip``: extra folders (absolute, or relative to the root) not to enter. Hidden entries
      and the ``.albumen`` library folder are always skipped.
    * ``progress``: ``progress(processed, total)`` is called with every ``ScanProgressEvent``.

    ``cancel()`` may be called from any thread: the running scan stops soon and returns what it
    has (``ScanResult.cancelled`` is then true).
    """

    def __init__(
        self,
        max_workers: int | None = None,
        batch_size: int = 100,
        event_bus: EventBus | None = None,
        scan_file_fn: Callable[[Path], Any] | None = None,
        *,
        skip: Sequence[StrPath] = (),
        progress: ProgressCallback | None = None,
    ) -> None:
        if max_workers is not None and max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.max_workers = max_workers
        self.batch_size = batch_size
        self.event_bus = event_bus
        self.scan_file_fn = scan_file_fn
        self.skip: tuple[StrPath, ...] = tuple(skip)
        self.progress = progress
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._stream: _core.ProbeStream | None = None

    # -- control --------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the running scan to stop soon. Safe from any thread."""
        self._cancel.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- building blocks ---------------------------------------------------------------------

    def discover(self, root: StrPath) -> tuple[list[WalkedFile], list[tuple[str, str]]]:
        """Walk ``root``: ``([(relpath, size, mtime_ns)], [(relpath, message)])``, sorted by path.

        Raises ``FileNotFoundError`` / ``NotADirectoryError`` / ``PermissionError`` when the root
        itself is unusable.
        """
        root_path = Path(root)
        skip = [root_path / LIBRARY_DIRNAME, *(root_path / s for s in self.skip)]
        return _core.walk(root_path, skip=skip)

    def probe_records(self, root: StrPath, paths: Sequence[str]) -> Iterator[list[Record]]:
        """Probe ``paths`` (relative to ``root``) with the Rust probe; yield record batches.

        Every path yields exactly one record; a file that could not be probed has ``error`` set.
        Stops early (without error) after ``cancel()``.
        """
        if not paths or self._cancel.is_set():
            return
        stream = _core.probe(
            Path(root), list(paths), workers=self.max_workers, batch_size=self.batch_size
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

    def scan(self, root: StrPath) -> ScanResult:
        """Scan ``root`` completely (or until cancelled) and return everything found."""
        result = ScanResult()
        for part in self.scan_streaming(root):
            result.extend(part)
        return result

    def scan_streaming(
        self, root: StrPath, *, select: Selector | None = None
    ) -> Iterator[ScanResult]:
        """Scan ``root``, yielding a partial ``ScanResult`` per batch of probed files.

        ``select`` chooses which of the walked files to probe (default: all of them); progress
        counts those. Folders that could not be read are reported in the first result yielded.
        A cancelled scan yields a last (possibly empty) result with ``cancelled`` set.
        """
        self._cancel.clear()
        root_path = Path(root).absolute()
        files, walk_errors = self.discover(root_path)
        if select is None:
            paths: Sequence[str] = [rel for rel, _size, _mtime in files]
        else:
            paths = select(files, walk_errors)
        del files  # only the paths to probe are needed from here (a million files' worth)
        total = len(paths)
        if walk_errors:
            yield ScanResult(errors=[(root_path / rel, msg) for rel, msg in walk_errors])

        batches = (
            self._probe_builtin(root_path, paths)
            if self.scan_file_fn is None
            else self._probe_injected(root_path, paths, self.scan_file_fn)
        )
        processed = 0
        last_published = -1
        next_mark = self.batch_size
        for part in batches:
            processed += part.total_processed
            yield part
            # published once the consumer is done with the batch (a library has stored it)
            if processed >= next_mark:  # every batch_size files (probe batches may be smaller)
                self._publish(processed, total)
                last_published = processed
                next_mark = (processed // self.batch_size + 1) * self.batch_size
        if self._cancel.is_set() and processed < total:
            if last_published != processed:
                self._publish(processed, total)
            yield ScanResult(cancelled=True)
        elif last_published != total:
            self._publish(total, total)

    # -- internals ------------------------------------------------------------------------------

    def _publish(self, processed: int, total: int) -> None:
        if self.progress is not None:
            self.progress(processed, total)
        if self.event_bus is not None:
            self.event_bus.publish(ScanProgressEvent(processed=processed, total=total))

    def _probe_builtin(self, root: Path, paths: Sequence[str]) -> Iterator[ScanResult]:
        for batch in self.probe_records(root, paths):
            part = ScanResult(records=batch)
            for record in batch:
                error = record.get("error")
                if error:
                    part.errors.append((root / os.fsdecode(record["path"]), str(error)))
                else:
                    part.assets.append(record)
            yield part

    def _probe_injected(
        self, root: Path, paths: Sequence[str], fn: Callable[[Path], Any]
    ) -> Iterator[ScanResult]:
        """Run ``fn`` on a thread pool, keeping a bounded window of files in flight and handing
        results out in path order, ``batch_size`` at a time."""
        window = self.batch_size + 4 * (self.max_workers or os.cpu_count() or 1)
        pending: deque[tuple[Path, Future[Any]]] = deque()
        todo = iter(paths)
        part = ScanResult()
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:

            def fill() -> None:
                while len(pending) < window and not self._cancel.is_set():
                    rel = next(todo, None)
                    if rel is None:
                        return
                    path = root / rel
                    pending.append((path, pool.submit(fn, path)))

            def collect(path: Path, future: Future[Any]) -> None:
                try:
                    part.assets.append(future.result())
                except Exception as exc:
                    part.errors.append((path, str(exc) or type(exc).__name__))

            fill()
            try:
                while pending:
                    if self._cancel.is_set():
                        # keep what is done or already running; drop what has not started
                        for path, future in pending:
                            if not future.cancel():
                                collect(path, future)
                        pending.clear()
                        break
                    collect(*pending.popleft())
                    fill()
                    if part.total_processed >= self.batch_size:
                        yield part
                        part = ScanResult()
            finally:  # the consumer left early: do not run what has not started
                for _path, future in pending:
                    future.cancel()
        if part.total_processed:
            yield part
