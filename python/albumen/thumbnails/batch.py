"""Thumbnails of a whole library: the work behind ``albumen thumbs`` and ``albumen thumb``.

``LibraryThumbnails`` assembles a library's pipeline once: its L2 cache in ``LIBRARY/thumbs/``,
an L1, the default generator and a ``ThumbnailService`` over them. Thumbnails are cached under
:func:`~albumen.thumbnails.generator.thumbnail_asset_id` ids (content hash + mtime), so an
edited file gets a new thumbnail and never shows a stale one. ``generate_all`` also stores a
micro thumbnail per asset (at most 32 px, for instant placeholders) and records a failure as
``"[<thumbnail id>] <message>"``: a failed file is not tried again until it changes (its
thumbnail id then differs).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from albumen._core import MemoryThumbnailCache
from albumen.errors import ThumbnailError
from albumen.store.protocols import AssetStore
from albumen.store.records import ThumbnailTarget
from albumen.thumbnails.disk import open_disk_cache
from albumen.thumbnails.generator import (
    AssetSource,
    DefaultThumbnailGenerator,
    MappingResolver,
    micro_thumbnail,
    source_of,
    thumbnail_asset_id,
)
from albumen.thumbnails.service import Priority, ThumbnailService
from albumen.thumbnails.stats import save_last_run

__all__ = ["LibraryThumbnails", "ThumbsReport", "error_tag"]

_FLUSH_EVERY = 200  # thumbnail states written per transaction
_TARGETS_PER_READ = 1000

ProgressCallback = Callable[[int, int], object]


def error_tag(thumb_id: str) -> str:
    """How a stored thumbnail failure starts: it names the thumbnail id it is about."""
    return f"[{thumb_id}] "


def _display(path: bytes) -> str:
    """A path to print: bytes that are not UTF-8 become U+FFFD."""
    return path.decode("utf-8", "replace")


@dataclass
class ThumbsReport:
    """What one ``generate_all`` run did."""

    assets: int = 0  # every asset of the library (the counts below add up to it)
    generated: int = 0
    cached: int = 0
    failed: int = 0
    skipped_failed: int = 0  # failed before, file unchanged since: not retried
    unreadable: int = 0  # assets the scan could not read (their error is on the asset)
    micro_written: int = 0
    seconds: float = 0.0
    size: int = 256
    errors: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "assets": self.assets,
            "generated": self.generated,
            "cached": self.cached,
            "failed": self.failed,
            "skipped_failed": self.skipped_failed,
            "unreadable": self.unreadable,
            "micro_written": self.micro_written,
            "seconds": round(self.seconds, 4),
            "size": self.size,
            "errors": [{"path": p, "error": m} for p, m in self.errors],
            "stats": self.stats,
        }


class LibraryThumbnails:
    """The thumbnail pipeline of one library (see the module docs). Close it (or use ``with``)
    to stop its workers."""

    def __init__(
        self,
        store: AssetStore,
        root: Path,
        library_dir: Path,
        *,
        workers: int | None = None,
        memory_cache: MemoryThumbnailCache | None = None,
    ) -> None:
        self.store = store
        self.root = root
        self.library_dir = library_dir
        self.workers = workers or os.cpu_count() or 2
        self.resolver = MappingResolver()
        self.generator = DefaultThumbnailGenerator(self.resolver)
        self.service = ThumbnailService(
            memory_cache if memory_cache is not None else MemoryThumbnailCache(),
            open_disk_cache(library_dir),
            self.generator,
            max_workers=self.workers,
        )

    def close(self) -> None:
        self.service.shutdown()

    def __enter__(self) -> LibraryThumbnails:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def thumbnail(self, target: ThumbnailTarget, size: int = 256) -> bytes:
        """The thumbnail of a stored asset, through the caches (made now on a miss). Raises
        ``ThumbnailError`` when it cannot be made."""
        tid = thumbnail_asset_id(target.id, target.mtime_ns)
        self.resolver.add(tid, source_of(self.root, target))
        try:
            data = self.service.ensure_thumbnail(tid, (size, size))
        finally:
            self.resolver.discard(tid)
        if data is None:
            raise ThumbnailError(self.service.failure(tid) or "unknown error")
        return data

    def generate_all(
        self, size: int = 256, progress: ProgressCallback | None = None
    ) -> ThumbsReport:
        """Make every missing ``size`` px thumbnail (into L2 and L1), store micro thumbnails
        and failures, save the run's statistics, and return what happened. ``progress(done,
        total)`` is called from this thread as assets are handled."""
        started = time.perf_counter()
        counts = self.store.thumbnail_counts()
        report = ThumbsReport(size=size, unreadable=counts.unreadable)
        # every asset, as `albumen stats` counts them: generated + cached + failed +
        # skipped_failed + unreadable add up to it (progress counts the readable ones)
        report.assets = counts.readable + counts.unreadable
        _BatchRun(self, report, (size, size), counts.readable, progress).run()
        report.seconds = time.perf_counter() - started
        report.stats = self.service.stats()
        save_last_run(self.library_dir, report.to_json())
        return report

    def generate_for(self, paths: Sequence[bytes], size: int = 256) -> ThumbsReport:
        """Make the missing ``size`` px thumbnails (and micro thumbnails) of the assets at
        ``paths`` (relative, OS bytes; paths that are not readable assets are skipped)."""
        started = time.perf_counter()
        targets = [t for p in paths if (t := self.store.thumbnail_target_at(p)) is not None]
        report = ThumbsReport(size=size, assets=len(targets))
        _BatchRun(self, report, (size, size), len(targets), None).run(targets)
        report.seconds = time.perf_counter() - started
        return report


class _Result(NamedTuple):
    rowid: int
    thumb_id: str
    path: bytes
    micro: bytes | None  # None: failed
    message: str | None


class _BatchRun:
    """One ``generate_all``: walks the store's readable assets, serves cached thumbnails at
    once, requests the missing ones with a bounded number in flight, and drains the results on
    the calling thread (so progress and database writes happen there)."""

    def __init__(
        self,
        owner: LibraryThumbnails,
        report: ThumbsReport,
        box: tuple[int, int],
        total: int,
        progress: ProgressCallback | None,
    ) -> None:
        self.owner = owner
        self.service = owner.service
        self.report = report
        self.box = box
        self.total = total
        self.progress = progress
        self.done = 0
        self.outstanding = 0  # requests whose result has not been drained yet
        self.results: queue.Queue[_Result] = queue.Queue()
        self.in_flight = threading.BoundedSemaphore(owner.workers * 4)
        self.refs: dict[str, int] = {}  # requests per thumbnail id (copies share one)
        self.micro: list[tuple[int, bytes]] = []
        self.errors: list[tuple[int, str]] = []

    def run(self, targets: Iterable[ThumbnailTarget] | None = None) -> None:
        """Handle ``targets`` (default: every readable asset of the store)."""
        for chunk in self._every_target() if targets is None else [targets]:
            for target in chunk:
                self._handle(target)
            self._drain(block=False)
        while self.outstanding > 0:
            self._drain(block=True)
        self._flush()

    def _every_target(self) -> Iterable[list[ThumbnailTarget]]:
        last = 0
        while targets := self.owner.store.thumbnail_targets(last, _TARGETS_PER_READ):
            last = targets[-1].rowid
            yield targets

    def _handle(self, target: ThumbnailTarget) -> None:
        tid = thumbnail_asset_id(target.id, target.mtime_ns)
        if target.thumb_error is not None and target.thumb_error.startswith(error_tag(tid)):
            self.report.skipped_failed += 1
            self._advance()
            return
        data = self.service.get_thumbnail(tid, self.box)  # verified: damaged is a miss
        if data is not None:
            self.report.cached += 1
            if not target.has_micro:
                self.micro.append((target.rowid, micro_thumbnail(data)))
            self._advance()
            return
        self._request(target, tid, source_of(self.owner.root, target))

    def _request(self, target: ThumbnailTarget, tid: str, source: AssetSource) -> None:
        self._drain(block=False)  # report what finished meanwhile, so progress moves

        def on_done(_asset_id: str, data: bytes) -> None:
            try:
                micro: bytes | None = micro_thumbnail(data)
                message = None
            except Exception as exc:  # a thumbnail we just made should always decode
                micro, message = None, f"micro thumbnail: {exc}"
            self.results.put(_Result(target.rowid, tid, target.path, micro, message))
            self.in_flight.release()

        def on_error(_asset_id: str, message: str) -> None:
            self.results.put(_Result(target.rowid, tid, target.path, None, message))
            self.in_flight.release()

        while not self.in_flight.acquire(timeout=0.05):
            self._drain(block=False)
        self.owner.resolver.add(tid, source)
        self.refs[tid] = self.refs.get(tid, 0) + 1
        self.outstanding += 1
        accepted = self.service.request_thumbnail(
            tid, self.box, on_done, priority=Priority.BACKGROUND, on_error=on_error
        )
        if not accepted:  # failed earlier in this run (a copy of the same content)
            on_error(tid, self.service.failure(tid) or "failed")

    def _drain(self, *, block: bool) -> None:
        while True:
            try:
                result = self.results.get(block=block, timeout=0.1)
            except queue.Empty:
                return
            block = False
            self.outstanding -= 1
            if result.micro is not None:
                self.report.generated += 1
                self.micro.append((result.rowid, result.micro))
            else:
                message = result.message or "unknown error"
                self.report.failed += 1
                self.report.errors.append((_display(result.path), message))
                self.errors.append((result.rowid, error_tag(result.thumb_id) + message))
            self.refs[result.thumb_id] -= 1
            if not self.refs[result.thumb_id]:
                del self.refs[result.thumb_id]
                self.owner.resolver.discard(result.thumb_id)
            self._advance()

    def _advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
        if len(self.micro) + len(self.errors) >= _FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        self.owner.store.set_thumbnail_state(self.micro, self.errors)
        self.report.micro_written += len(self.micro)
        self.micro.clear()
        self.errors.clear()
