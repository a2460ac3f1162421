"""The one entry point to thumbnails: L1 memory, L2 disk, L3 generation on worker threads.

``get_thumbnail`` answers synchronously from the caches (an L2 hit is copied into L1).
``request_thumbnail`` queues the work: a worker looks in L1 and L2, else generates and stores
in L2 then L1, then calls ``callback(asset_id, data)``. Requests carry a priority (lower runs
first, so the visible items of a grid go before prefetch), duplicates in flight are merged into
one job, pending requests can be cancelled (or one request withdrawn), and a failure (the
generator raised or returned None) is recorded per asset id and not retried: asset ids change
when the file changes, so an edited file is tried again.

Statistics have one meaning on every path: a *lookup* is one ask for a thumbnail
(``get_thumbnail``, ``ensure_thumbnail`` or ``request_thumbnail``), and it consults each tier
at most once, so a tier's own counters (``MemoryThumbnailCache.stats()``,
``DiskThumbnailCache.stats()``) agree with the service's. A request that follows a
``get_thumbnail`` miss of the same thumbnail (the usual "show it from the cache, else ask for
it") continues that lookup instead of starting another.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from albumen.thumbnails.generator import ThumbnailGenerator

__all__ = ["Priority", "ThumbnailService", "thumbnail_key"]

log = logging.getLogger(__name__)

Size = tuple[int, int]
Callback = Callable[[str, bytes], object]
ErrorCallback = Callable[[str, str], object]

#: How many ``get_thumbnail`` misses are remembered for the requests that usually follow them.
_RECENT_MISSES = 4096


class Priority(IntEnum):
    """Scheduling classes: lower values run first; FIFO within a class."""

    VISIBLE = 0
    NEAR = 10
    BACKGROUND = 20


class _Cache(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def put(self, key: str, data: bytes) -> None: ...
    def invalidate(self, key: str) -> None: ...


def _holds(cache: _Cache, key: str) -> bool:
    """Whether ``cache`` has a value for ``key``, asked without counting a lookup (caches
    that cannot tell say no)."""
    contains = getattr(cache, "__contains__", None)
    return bool(contains(key)) if callable(contains) else False


def thumbnail_key(asset_id: str, size: Size) -> str:
    """The cache key of one thumbnail: ``f"{asset_id}_{w}x{h}"``."""
    return f"{asset_id}_{size[0]}x{size[1]}"


@dataclass(eq=False)
class _Job:
    key: str
    asset_id: str
    size: Size
    priority: int
    callbacks: list[Callback] = field(default_factory=list)
    error_callbacks: list[ErrorCallback] = field(default_factory=list)
    state: str = "pending"  # pending -> running -> done | cancelled
    looked_up: bool = False  # the caches were just consulted (and missed) for this lookup


class ThumbnailService:
    """Three-tier thumbnails (see the module docs).

    ``executor``: run jobs on this executor (the caller owns it); by default the service owns a
    thread pool of ``max_workers`` threads (CPU count) and ``shutdown()`` stops it. Priorities
    hold on either: each submitted task takes the best pending job when it starts.
    """

    def __init__(
        self,
        memory_cache: _Cache,
        disk_cache: _Cache,
        generator: ThumbnailGenerator,
        executor: Executor | None = None,
        *,
        max_workers: int | None = None,
    ) -> None:
        self.memory_cache = memory_cache
        self.disk_cache = disk_cache
        self.generator = generator
        self._owns_executor = executor is None
        self._executor: Executor = executor or ThreadPoolExecutor(
            max_workers=max_workers or os.cpu_count() or 2,
            thread_name_prefix="albumen-thumbs",
        )
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._heap: list[tuple[int, int, _Job]] = []
        self._jobs: dict[str, _Job] = {}
        self._seq = itertools.count()
        self._failures: dict[str, str] = {}
        self._recent_misses: OrderedDict[str, None] = OrderedDict()
        self._closed = False
        self._running = 0
        self._delivering = 0  # jobs whose callbacks are running
        # counters
        self._lookups = 0
        self._l1_hits = 0
        self._l2_hits = 0
        self._requested = 0
        self._merged = 0
        self._cancelled = 0
        self._served_from_cache = 0
        self._generated = 0
        self._failed = 0
        self._gen_seconds = 0.0
        self._disk_write_errors = 0
        self._disk_write_error: str | None = None  # the last one, for a one-line report

    # -- synchronous lookups ------------------------------------------------------------

    def get_thumbnail(self, asset_id: str, size: Size = (256, 256)) -> bytes | None:
        """L1, then L2 (an L2 hit is copied into L1), else None. One lookup."""
        key = thumbnail_key(asset_id, size)
        data = self._lookup(key)
        if data is None:
            with self._lock:  # a request for it usually follows: it continues this lookup
                self._recent_misses[key] = None
                self._recent_misses.move_to_end(key)
                while len(self._recent_misses) > _RECENT_MISSES:
                    self._recent_misses.popitem(last=False)
        return data

    def _lookup(self, key: str) -> bytes | None:
        """Consult L1, then L2 (backfilling L1), counting one lookup."""
        data = self.memory_cache.get(key)
        if data is not None:
            with self._lock:
                self._lookups += 1
                self._l1_hits += 1
            return data
        data = self.disk_cache.get(key)
        with self._lock:
            self._lookups += 1
            if data is not None:
                self._l2_hits += 1
        if data is not None:
            self.memory_cache.put(key, data)
        return data

    def ensure_thumbnail(self, asset_id: str, size: Size = (256, 256)) -> bytes | None:
        """The thumbnail from the caches, or generated now on the calling thread (stored in L2
        and L1). None when it cannot be made (the failure is recorded). One lookup."""
        key = thumbnail_key(asset_id, size)
        data = self._lookup(key)
        if data is not None:
            return data
        with self._lock:
            self._recent_misses.pop(key, None)
            if asset_id in self._failures:
                return None
        job = _Job(key, asset_id, size, Priority.VISIBLE, looked_up=True)
        data, _error = self._produce(job)
        return data

    # -- asynchronous generation --------------------------------------------------------

    def request_thumbnail(
        self,
        asset_id: str,
        size: Size,
        callback: Callback,
        *,
        priority: int = Priority.VISIBLE,
        on_error: ErrorCallback | None = None,
    ) -> bool:
        """Queue the work; ``callback(asset_id, data)`` runs on a worker once the thumbnail is
        in L2 and L1 (one already in L1 or L2 is served from there: the request is a lookup,
        unless it follows a ``get_thumbnail`` miss, see the module docs). ``on_error(asset_id,
        message)`` runs instead when generation fails. A request for a key already queued or
        running is merged into it (and raises its priority if this one is more urgent).
        Returns False, calling nothing, when the asset's generation failed before or the
        service is shut down."""
        key = thumbnail_key(asset_id, size)
        with self._lock:
            if self._closed or asset_id in self._failures:
                return False
            self._requested += 1
            job = self._jobs.get(key)
            if job is not None:
                self._merged += 1
                job.callbacks.append(callback)
                if on_error is not None:
                    job.error_callbacks.append(on_error)
                if job.state == "pending" and priority < job.priority:
                    job.priority = priority
                    heapq.heappush(self._heap, (priority, next(self._seq), job))
                return True
            looked_up = self._recent_misses.pop(key, 0) is None
            job = _Job(key, asset_id, size, int(priority), [callback], looked_up=looked_up)
            if on_error is not None:
                job.error_callbacks.append(on_error)
            self._jobs[key] = job
            heapq.heappush(self._heap, (job.priority, next(self._seq), job))
        try:
            self._executor.submit(self._run_one)
        except RuntimeError:  # the executor was shut down under us
            with self._lock:
                self._jobs.pop(key, None)
                job.state = "cancelled"
                self._idle.notify_all()
            return False
        return True

    def cancel(self, asset_id: str, size: Size | None = None) -> int:
        """Drop pending requests for ``asset_id`` (one size, or every size). Running jobs finish
        and fill the caches but call nobody back. Returns the number of jobs cancelled."""
        with self._lock:
            if size is not None:
                keys = [thumbnail_key(asset_id, size)]
            else:
                keys = [k for k, j in self._jobs.items() if j.asset_id == asset_id]
            return self._cancel_locked(keys)

    def withdraw(
        self,
        asset_id: str,
        size: Size,
        callback: Callback,
        on_error: ErrorCallback | None = None,
    ) -> bool:
        """Withdraw one request (the ``callback`` and ``on_error`` it was made with): they will
        not be called. A pending job nobody else waits for is cancelled; one merged with other
        requests goes on for them. Returns whether the request was still waiting."""
        key = thumbnail_key(asset_id, size)
        with self._lock:
            job = self._jobs.get(key)
            if job is None or callback not in job.callbacks:
                return False
            job.callbacks.remove(callback)
            if on_error is not None and on_error in job.error_callbacks:
                job.error_callbacks.remove(on_error)
            if not job.callbacks and not job.error_callbacks:
                self._cancel_locked([key])
            return True

    def cancel_all(self) -> int:
        """Drop every pending request (e.g. when a grid jumps far away)."""
        with self._lock:
            return self._cancel_locked(list(self._jobs))

    def _cancel_locked(self, keys: list[str]) -> int:
        n = 0
        for key in keys:
            job = self._jobs.get(key)
            if job is None:
                continue
            job.callbacks.clear()
            job.error_callbacks.clear()
            if job.state == "pending":
                job.state = "cancelled"
                del self._jobs[key]
                n += 1
        self._cancelled += n
        if n:
            self._idle.notify_all()
        return n

    @property
    def pending_count(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._jobs)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is queued or running and every callback has returned; False on
        timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._jobs or self._delivering:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    # -- failures -------------------------------------------------------------------------

    def failure(self, asset_id: str) -> str | None:
        """Why generation failed for this asset id, or None."""
        with self._lock:
            return self._failures.get(asset_id)

    def failures(self) -> dict[str, str]:
        with self._lock:
            return dict(self._failures)

    def forget_failure(self, asset_id: str) -> None:
        """Allow another attempt for this asset id."""
        with self._lock:
            self._failures.pop(asset_id, None)

    # -- workers --------------------------------------------------------------------------

    def _run_one(self) -> None:
        with self._lock:
            job = None
            while self._heap:
                priority, _, candidate = heapq.heappop(self._heap)
                if candidate.state == "pending" and candidate.priority == priority:
                    job = candidate
                    break
            if job is None:
                return
            job.state = "running"
            self._running += 1
        data: bytes | None = None
        error: str | None = None
        try:
            data, error = self._produce(job)
        finally:
            with self._lock:
                self._running -= 1
                if self._jobs.get(job.key) is job:
                    del self._jobs[job.key]
                job.state = "done"
                callbacks = list(job.callbacks)
                error_callbacks = list(job.error_callbacks)
                self._delivering += 1  # idle only once these callbacks have run
        try:
            self._deliver(job.asset_id, data, error, callbacks, error_callbacks)
        finally:
            with self._lock:
                self._delivering -= 1
                self._idle.notify_all()

    @staticmethod
    def _deliver(
        asset_id: str,
        data: bytes | None,
        error: str | None,
        callbacks: list[Callback],
        error_callbacks: list[ErrorCallback],
    ) -> None:
        if data is not None:
            for cb in callbacks:
                try:
                    cb(asset_id, data)
                except Exception:
                    log.exception("thumbnail callback failed for %s", asset_id)
        else:
            message = error or "unknown error"
            for ecb in error_callbacks:
                try:
                    ecb(asset_id, message)
                except Exception:
                    log.exception("thumbnail error callback failed for %s", asset_id)

    def _produce(self, job: _Job) -> tuple[bytes | None, str | None]:
        """Serve from the caches (unless they were just consulted) or generate; fill L2 then
        L1. Returns ``(data, error)``."""
        if not job.looked_up:
            data = self._lookup(job.key)
        elif _holds(self.disk_cache, job.key):
            # a job for the same thumbnail finished since the lookup missed: read, not remake
            data = self.disk_cache.get(job.key)
            if data is not None:
                self.memory_cache.put(job.key, data)
        else:
            data = None
        if data is not None:
            with self._lock:
                self._served_from_cache += 1
            return data, None
        start = time.perf_counter()
        error: str | None = None
        try:
            data = self.generator.generate(job.asset_id, job.size)
            if data is None:
                error = "the generator returned no thumbnail"
        except Exception as exc:
            error = str(exc) or type(exc).__name__
            log.debug("thumbnail generation failed for %s: %s", job.asset_id, error)
        elapsed = time.perf_counter() - start
        if data is None:
            with self._lock:
                self._failed += 1
                self._failures[job.asset_id] = error or "unknown error"
                self._recent_misses.pop(job.key, None)
            return None, error
        with self._lock:
            self._generated += 1
            self._gen_seconds += elapsed
            # a miss seen before now is answered: a request after it is a lookup of its own
            self._recent_misses.pop(job.key, None)
        try:
            self.disk_cache.put(job.key, data)
        except OSError as exc:
            # a cache: the thumbnail is still served; callers report the count (a full disk
            # fails every write, so one warning per thumbnail would flood the terminal)
            log.debug("could not write thumbnail %s to the disk cache", job.key, exc_info=True)
            with self._lock:
                self._disk_write_errors += 1
                self._disk_write_error = f"{exc.strerror or exc}" + (
                    f": {exc.filename}" if exc.filename else ""
                )
        self.memory_cache.put(job.key, data)
        return data, None

    # -- monitoring and lifecycle -----------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """``lookups`` and ``hit_rate``: the share of lookups each tier answered (see the module
        docs: every path counts), the caches' own counters under ``memory`` and ``disk`` (hits,
        misses and hit rate of the lookups that reached them, bytes used, evictions, ...),
        requests, and generation count and time (per format when the generator reports
        it)."""
        with self._lock:
            lookups = self._lookups
            l1, l2 = self._l1_hits, self._l2_hits
            out: dict[str, Any] = {
                "lookups": lookups,
                "hits": {"memory": l1, "disk": l2},
                "hit_rate": {
                    "memory": l1 / lookups if lookups else 0.0,
                    "disk": l2 / lookups if lookups else 0.0,
                    "miss": (lookups - l1 - l2) / lookups if lookups else 0.0,
                },
                "requests": {
                    "requested": self._requested,
                    "merged": self._merged,
                    "cancelled": self._cancelled,
                    "pending": len(self._jobs) - self._running,
                    "running": self._running,
                    "served_from_cache": self._served_from_cache,
                },
                "generation": {
                    "count": self._generated,
                    "failed": self._failed,
                    "seconds": self._gen_seconds,
                    "mean_ms": self._gen_seconds / self._generated * 1000.0
                    if self._generated
                    else 0.0,
                    "disk_write_errors": self._disk_write_errors,
                },
                "disk_write_error": self._disk_write_error,
            }
        for name, cache in (("memory", self.memory_cache), ("disk", self.disk_cache)):
            cache_stats = getattr(cache, "stats", None)
            out[name] = dict(cache_stats()) if callable(cache_stats) else {}
        gen_stats = getattr(self.generator, "stats", None)
        if callable(gen_stats):
            out["generation"].update(gen_stats())
        return out

    def shutdown(self, wait: bool = True) -> None:
        """Cancel pending requests and stop the workers the service owns (an executor passed
        in is left running). Later requests return False."""
        with self._lock:
            self._closed = True
            self._cancel_locked(list(self._jobs))
        if self._owns_executor:
            self._executor.shutdown(wait=wait, cancel_futures=True)
        elif wait:
            self.wait_idle()

    def __enter__(self) -> ThumbnailService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
