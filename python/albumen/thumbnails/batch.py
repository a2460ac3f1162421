"""Thumbnails of a library's assets: the work behind ``Library.thumbnail``,
``Library.thumbnails``, ``albumen thumbs`` and ``albumen thumb``.

``LibraryThumbnails`` assembles a library's pipeline once: its L2 cache in ``LIBRARY/thumbs/``,
an L1, the default generator running in worker processes (a deadline and a memory ceiling per
file: ``albumen.thumbnails.isolation``) and a ``ThumbnailService`` over them. Thumbnails are
cached under
:func:`~albumen.thumbnails.generator.thumbnail_asset_id` ids (content hash + mtime), so an
edited file gets a new thumbnail and never shows a stale one. A batch (``thumbnails``) serves
cached thumbnails at once and makes the missing ones on the service's workers, handing results
out as they complete; it also stores a micro thumbnail per asset (at most 32 px, for instant
placeholders) and records a failure as ``"[<thumbnail id>] <message>"``: a failed file is not
tried again until it changes (its thumbnail id then differs). What the service counted is
added to the library's statistics (``albumen.thumbnails.stats``) after each batch and on
``close``.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

from albumen._core import MemoryThumbnailCache
from albumen.errors import ThumbnailError
from albumen.scan.scanner import MAX_WORKERS  # also the most thumbnail workers
from albumen.store.assets import Asset
from albumen.store.protocols import AssetStore
from albumen.store.records import ThumbnailTarget
from albumen.thumbnails.disk import open_disk_cache
from albumen.thumbnails.generator import (
    AssetSource,
    DecodeLimits,
    micro_thumbnail,
    source_of,
    thumbnail_asset_id,
)
from albumen.thumbnails.isolation import IsolatedThumbnailGenerator
from albumen.thumbnails.service import Callback, ErrorCallback, Priority, ThumbnailService
from albumen.thumbnails.stats import add_counts, counters_of, subtract

__all__ = [
    "MAX_WORKERS",
    "LibraryThumbnails",
    "ThumbnailResult",
    "ThumbnailStatus",
    "ThumbsReport",
    "error_tag",
    "target_of",
]

_FLUSH_EVERY = 200  # thumbnail states written per transaction

ProgressCallback = Callable[[int, int], object]

#: How a batch handled one asset: ``generated`` (made now), ``cached`` (served from L1 or L2),
#: ``failed`` (it could not be made now), ``failed_before`` (it failed earlier and the file has
#: not changed since: not retried), ``unreadable`` (the scan could not read the file).
ThumbnailStatus = Literal["generated", "cached", "failed", "failed_before", "unreadable"]


class ThumbnailResult(NamedTuple):
    """One asset's thumbnail from a batch: the JPEG ``data`` (None unless ``ok``), how it was
    handled (``status``) and, when it could not be had, why (``error``)."""

    asset: Asset
    status: ThumbnailStatus
    data: bytes | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.data is not None


def error_tag(thumb_id: str) -> str:
    """How a stored thumbnail failure starts: it names the thumbnail id it is about."""
    return f"[{thumb_id}] "


def target_of(asset: Asset) -> ThumbnailTarget | None:
    """What thumbnail work needs of an asset; None when the scan could not read it."""
    if asset.id is None or asset.error is not None:
        return None
    return ThumbnailTarget(
        asset.rowid,
        asset.id,
        asset.path_bytes,
        asset.kind,
        asset.mime,
        asset.mtime_ns,
        asset.orientation,
        asset.preview_offset,
        asset.preview_length,
        asset.micro_thumbnail is not None,
        asset.thumb_error,
        asset.width,
        asset.height,
        asset.previews,
    )


@dataclass
class ThumbsReport:
    """What one batch did (the shape ``albumen thumbs --json`` prints)."""

    assets: int = 0  # every asset of the batch (the counts below add up to it)
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

    def add(self, result: ThumbnailResult) -> None:
        """Count one result."""
        self.assets += 1
        status = result.status
        if status == "generated":
            self.generated += 1
        elif status == "cached":
            self.cached += 1
        elif status == "failed":
            self.failed += 1
            self.errors.append((result.asset.path, result.error or "unknown error"))
        elif status == "failed_before":
            self.skipped_failed += 1
        else:
            self.unreadable += 1

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


class _Sources:
    """The generator's resolver: thumbnail id -> file, held while some work needs it
    (counted, so batches and single thumbnails of the same file can overlap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, tuple[AssetSource, int]] = {}

    def hold(self, thumb_id: str, source: AssetSource) -> None:
        with self._lock:
            _old, n = self._sources.get(thumb_id, (source, 0))
            self._sources[thumb_id] = (source, n + 1)

    def release(self, thumb_id: str) -> None:
        with self._lock:
            source, n = self._sources.get(thumb_id, (None, 0))
            if n <= 1:
                self._sources.pop(thumb_id, None)
            elif source is not None:
                self._sources[thumb_id] = (source, n - 1)

    def resolve(self, asset_id: str) -> AssetSource | None:
        with self._lock:
            held = self._sources.get(asset_id)
        return None if held is None else held[0]


class LibraryThumbnails:
    """The thumbnail pipeline of one library (see the module docs). Thread-safe; close it (or
    use ``with``) to save its statistics and stop its workers."""

    def __init__(
        self,
        store: AssetStore,
        root: Path,
        library_dir: Path,
        *,
        workers: int | None = None,
        memory_cache: MemoryThumbnailCache | None = None,
        use_previews: bool = True,
        limits: DecodeLimits | None = None,
    ) -> None:
        if workers is not None and not 1 <= workers <= MAX_WORKERS:
            raise ValueError(f"workers must be between 1 and {MAX_WORKERS}, got {workers}")
        self.store = store
        self.root = root
        self.library_dir = library_dir
        self.workers = workers or min(MAX_WORKERS, os.cpu_count() or 2)
        self.resolver = _Sources()
        # decodes run in worker processes, each within ``limits`` and a deadline;
        # use_previews=False: thumbnails from the images themselves, never an embedded preview
        self.generator = IsolatedThumbnailGenerator(
            self.resolver,
            workers=self.workers,
            limits=limits if limits is not None else DecodeLimits.for_workers(self.workers),
            use_previews=use_previews,
        )
        self.service = ThumbnailService(
            memory_cache if memory_cache is not None else MemoryThumbnailCache(),
            open_disk_cache(library_dir),
            self.generator,
            max_workers=self.workers,
        )
        self._stats_lock = threading.Lock()
        self._saved = counters_of({})
        self._closed = False

    def close(self) -> None:
        """Save the statistics and stop the workers (idempotent)."""
        if self._closed:
            return
        self._closed = True
        # workers first: a thread waiting on a decode returns at once instead of at its deadline
        self.generator.close()
        self.service.shutdown()
        self.save_stats()

    def __enter__(self) -> LibraryThumbnails:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_stats(self, last_run: dict[str, Any] | None = None) -> None:
        """Add what the service counted since the last save to the library's statistics."""
        with self._stats_lock:
            now = counters_of(self.service.stats())
            delta = subtract(now, self._saved)
            if not any(delta[k] for k in ("lookups", "generated", "failed")) and not last_run:
                return
            add_counts(self.library_dir, delta, last_run)
            self._saved = now

    # -- one thumbnail -----------------------------------------------------------------------

    def thumbnail(self, target: ThumbnailTarget, size: int = 256) -> bytes:
        """The thumbnail of a stored asset, through the caches (made now, on this thread, on a
        miss). Raises ``ThumbnailError`` when it cannot be made."""
        tid = thumbnail_asset_id(target.id, target.mtime_ns)
        self.resolver.hold(tid, source_of(self.root, target))
        try:
            data = self.service.ensure_thumbnail(tid, (size, size))
        finally:
            self.resolver.release(tid)
        if data is None:
            raise ThumbnailError(self.service.failure(tid) or "unknown error")
        return data

    def request(
        self,
        target: ThumbnailTarget,
        size: int,
        callback: Callable[[bytes | None, str | None], object],
    ) -> Callable[[], None]:
        """Ask for the thumbnail of a stored asset without waiting: ``callback(data, None)``
        or ``callback(None, message)`` runs on a worker (on this thread when it is in the
        caches or failed before). Returns a function that withdraws the request (the work
        goes on if someone else waits for the same thumbnail)."""
        tid = thumbnail_asset_id(target.id, target.mtime_ns)
        box = (size, size)
        data = self.service.get_thumbnail(tid, box)
        if data is not None:
            callback(data, None)
            return lambda: None
        self.resolver.hold(tid, source_of(self.root, target))
        released = threading.Event()

        def release() -> None:
            if not released.is_set():
                released.set()
                self.resolver.release(tid)

        def done(_asset_id: str, made: bytes) -> None:
            release()
            callback(made, None)

        def failed(_asset_id: str, message: str) -> None:
            release()
            callback(None, message)

        def withdraw() -> None:
            if self.service.withdraw(tid, box, done, failed):
                release()

        if not self.service.request_thumbnail(tid, box, done, on_error=failed):
            release()
            callback(None, self.service.failure(tid) or "the thumbnail service is shut down")
        return withdraw

    # -- batches -----------------------------------------------------------------------------

    def thumbnails(
        self,
        assets: Iterable[Asset],
        size: int = 256,
        progress: ProgressCallback | None = None,
        *,
        total: int | None = None,
        report: ThumbsReport | None = None,
    ) -> Iterator[ThumbnailResult]:
        """Thumbnails of ``assets`` (longest side ``size`` px), in parallel on the service's
        workers, yielded as they complete (cached ones at once). Micro thumbnails and
        failures are stored as they come. ``progress(done, total)`` is called on this thread
        as assets are handled (``total``: how many ``assets`` holds, when known). Leaving the
        iteration early cancels what has not started. At the end the batch's ``report``
        (counted here when given) is kept as the library's last run."""
        started = time.perf_counter()
        report = report if report is not None else ThumbsReport()
        report.size = size
        run = _Run(self, (size, size), total or 0, progress)
        finished = False
        try:
            for result in run.results(assets):
                report.add(result)
                yield result
            finished = True
        finally:
            run.close()
            report.micro_written += run.micro_written
            report.seconds = time.perf_counter() - started
            report.stats = self.service.stats()
            self.save_stats(report.to_json() if finished else None)

    def generate_all(
        self, size: int = 256, progress: ProgressCallback | None = None
    ) -> ThumbsReport:
        """Make every missing ``size`` px thumbnail of the library (hidden assets included),
        store micro thumbnails and failures, and return what happened (``albumen thumbs``)."""
        from albumen.store.query import AssetQuery, SortOrder

        report = ThumbsReport(size=size)
        query = AssetQuery(include_hidden=True, sort=SortOrder.NAME_ASC)
        finder = self.store.finder()
        try:
            for _result in self.thumbnails(
                finder.assets(query), size, progress, total=finder.count(query), report=report
            ):
                pass
        finally:
            finder.close()
        return report


class _Done(NamedTuple):
    asset: Asset
    thumb_id: str
    data: bytes | None  # None: failed
    micro: bytes | None
    message: str | None


class _Run:
    """One batch: serves cached thumbnails at once, requests the missing ones with a bounded
    number in flight, and drains the results on the calling thread (so progress and the
    store's writes happen there)."""

    def __init__(
        self,
        owner: LibraryThumbnails,
        box: tuple[int, int],
        total: int,
        progress: ProgressCallback | None,
    ) -> None:
        self.owner = owner
        self.service = owner.service
        self.box = box
        self.total = total
        self.progress = progress
        self.done = 0
        self.limit = owner.workers * 4  # requests in flight
        # thumbnail ids requested and not drained yet, with the callbacks they were asked with
        self.outstanding: dict[str, tuple[Callback, ErrorCallback]] = {}
        self.finished: queue.Queue[_Done] = queue.Queue()
        self.micro: list[tuple[int, bytes]] = []
        self.errors: list[tuple[int, str]] = []
        self.micro_written = 0
        self.waiting: dict[str, list[Asset]] = {}  # requests per thumbnail id (copies share)

    def results(self, assets: Iterable[Asset]) -> Iterator[ThumbnailResult]:
        for asset in assets:
            immediate = self._handle(asset)
            if immediate is not None:
                yield self._advance(immediate)
            else:
                while len(self.outstanding) >= self.limit:
                    yield from self._drain(block=True)
            yield from self._drain(block=False)
        while self.outstanding:
            yield from self._drain(block=True)

    def _handle(self, asset: Asset) -> ThumbnailResult | None:
        """A result at once (cached, failed before, unreadable), or None once requested."""
        target = target_of(asset)
        if target is None:
            return ThumbnailResult(asset, "unreadable", None, asset.error or "unreadable")
        tid = thumbnail_asset_id(target.id, target.mtime_ns)
        tag = error_tag(tid)
        if target.thumb_error is not None and target.thumb_error.startswith(tag):
            return ThumbnailResult(asset, "failed_before", None, target.thumb_error[len(tag) :])
        data = self.service.get_thumbnail(tid, self.box)  # verified: damaged is a miss
        if data is not None:
            if not target.has_micro:
                self.micro.append((target.rowid, micro_thumbnail(data)))
            return ThumbnailResult(asset, "cached", data, None)
        waiting = self.waiting.setdefault(tid, [])
        waiting.append(asset)
        if len(waiting) > 1:  # a copy of a file already requested: shares its result
            return None
        self.owner.resolver.hold(tid, source_of(self.owner.root, target))

        def on_done(_asset_id: str, data: bytes) -> None:  # on a worker: micro made there too
            try:
                micro = micro_thumbnail(data)
            except Exception as exc:  # a thumbnail we just made should always decode
                self.finished.put(_Done(asset, tid, None, None, f"micro thumbnail: {exc}"))
            else:
                self.finished.put(_Done(asset, tid, data, micro, None))

        def on_error(_asset_id: str, message: str) -> None:
            self.finished.put(_Done(asset, tid, None, None, message))

        self.outstanding[tid] = (on_done, on_error)

        accepted = self.service.request_thumbnail(
            tid, self.box, on_done, priority=Priority.BACKGROUND, on_error=on_error
        )
        if not accepted:  # failed earlier in this process (or shut down)
            on_error(tid, self.service.failure(tid) or "the thumbnail service is shut down")
        return None

    def _drain(self, *, block: bool) -> Iterator[ThumbnailResult]:
        while True:
            try:
                done = self.finished.get(block=block, timeout=0.1)
            except queue.Empty:
                return
            block = False
            if self.outstanding.pop(done.thumb_id, None) is not None:
                self.owner.resolver.release(done.thumb_id)
            for asset in self.waiting.pop(done.thumb_id, [done.asset]):
                if done.micro is not None:
                    self.micro.append((asset.rowid, done.micro))
                    result = ThumbnailResult(asset, "generated", done.data, None)
                else:
                    message = done.message or "unknown error"
                    self.errors.append((asset.rowid, error_tag(done.thumb_id) + message))
                    result = ThumbnailResult(asset, "failed", None, message)
                yield self._advance(result)

    def _advance(self, result: ThumbnailResult) -> ThumbnailResult:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done))
        if len(self.micro) + len(self.errors) >= _FLUSH_EVERY:
            self._flush()
        return result

    def _flush(self) -> None:
        self.owner.store.set_thumbnail_state(self.micro, self.errors)
        self.micro_written += len(self.micro)
        self.micro.clear()
        self.errors.clear()

    def close(self) -> None:
        """Store what is pending; withdraw the requests nobody will collect (the iteration was
        left early)."""
        for tid, (on_done, on_error) in self.outstanding.items():
            if self.service.withdraw(tid, self.box, on_done, on_error):
                self.owner.resolver.release(tid)
            # else: it is running or done; its source stays held (a running job needs it)
        self.outstanding.clear()
        self._flush()
