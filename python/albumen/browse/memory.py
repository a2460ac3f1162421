"""Memory: one object per asset while anyone holds it, and an RSS budget that caches obey.

``WeakAssetCache`` maps an asset id to the one live object for it (a
``weakref.WeakValueDictionary``): views that show the same asset share one object, and an
object nobody holds any more simply goes. ``MemoryMonitor`` samples the process's resident
set size and, above its budget, asks the registered caches to shrink, lowest level first
(L1 thumbnails before anything else), one level more on each sample that is still over.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "MemoryMonitor",
    "MemorySample",
    "WeakAssetCache",
    "browsing_memory",
    "current_rss",
    "peak_rss",
]

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class WeakAssetCache(Generic[K, V]):
    """One object per key while anyone holds it; nothing kept alive by the cache itself.

    Thread-safe. ``hits`` counts lookups that found a live object, ``misses`` those that
    did not.
    """

    def __init__(self) -> None:
        self._objects: weakref.WeakValueDictionary[K, V] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """The live object for ``key``, or None."""
        with self._lock:
            value = self._objects.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def get_or_add(self, key: K, value: V) -> V:
        """The live object for ``key`` if there is one, else ``value`` (now registered)."""
        with self._lock:
            live = self._objects.get(key)
            if live is not None:
                self.hits += 1
                return live
            self.misses += 1
            self._objects[key] = value
            return value

    def get_or_create(self, key: K, factory: Callable[[], V]) -> V:
        """The live object for ``key``, else ``factory()`` registered under it."""
        with self._lock:
            live = self._objects.get(key)
            if live is not None:
                self.hits += 1
                return live
            self.misses += 1
            value = factory()
            self._objects[key] = value
            return value

    def put(self, key: K, value: V) -> None:
        """Make ``value`` the object for ``key`` (replacing a live one for later lookups)."""
        with self._lock:
            self._objects[key] = value

    def discard(self, key: K) -> None:
        """Forget ``key`` (its object lives on for those holding it)."""
        with self._lock:
            self._objects.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._objects.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._objects

    def __len__(self) -> int:
        """Number of live objects."""
        with self._lock:
            return len(self._objects)


# --- RSS --------------------------------------------------------------------------------------

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def current_rss() -> int:
    """Resident set size of this process in bytes: ``/proc/self/statm`` where it exists,
    else psutil if installed, else the peak (``resource``) as an upper bound."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except Exception:
        return peak_rss()


def peak_rss() -> int:
    """Peak resident set size of this process in bytes: ``VmHWM`` from ``/proc/self/status``
    where it exists (``ru_maxrss`` of a child can carry its parent's peak over ``exec``),
    else ``getrusage`` (0 where neither is available)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


# --- the monitor --------------------------------------------------------------------------------


class Shrinkable(Protocol):
    def shrink(self, fraction: float) -> Any: ...


class Clearable(Protocol):
    def clear(self) -> Any: ...


@dataclass(frozen=True)
class MemorySample:
    """One measurement: ``rss_bytes`` against ``budget_bytes``, and what was asked of the
    caches because of it (``actions``: ``"<name>.shrink(0.5)"`` or ``"<name>.clear()"``)."""

    rss_bytes: int
    budget_bytes: int
    time: float
    actions: tuple[str, ...] = field(default=())

    @property
    def over_budget(self) -> bool:
        return self.rss_bytes > self.budget_bytes


@dataclass
class _Registered:
    cache: Any
    level: int
    name: str


class MemoryMonitor:
    """Samples RSS every ``interval`` seconds (``start``/``stop``) or on demand (``sample``).

    Above ``budget_bytes``, the caches of the lowest level not yet asked in this episode are
    asked to shrink: ``cache.shrink(fraction)`` if they have it, else ``cache.clear()``. Each
    further sample that is still over asks the next level; a sample back under the budget
    ends the episode. ``rss`` can replace the RSS reader (tests).
    """

    def __init__(
        self,
        budget_bytes: int,
        interval: float = 5.0,
        *,
        fraction: float = 0.5,
        rss: Callable[[], int] = current_rss,
    ) -> None:
        if budget_bytes <= 0:
            raise ValueError("budget_bytes must be positive")
        if not 0.0 < fraction <= 1.0:
            raise ValueError("fraction must be in (0, 1]")
        self.budget_bytes = budget_bytes
        self.interval = interval
        self.fraction = fraction
        self._rss = rss
        self._caches: list[_Registered] = []
        self._lock = threading.Lock()
        self._next_level: int | None = None  # next level to ask in this episode
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.last: MemorySample | None = None
        self.peak_bytes = 0

    def register(
        self, cache: Shrinkable | Clearable, level: int = 1, name: str | None = None
    ) -> None:
        """Ask ``cache`` to shrink when over budget; level 1 (L1) is asked first."""
        if not (hasattr(cache, "shrink") or hasattr(cache, "clear")):
            raise TypeError("a cache needs a shrink(fraction) or a clear() method")
        with self._lock:
            self._caches.append(_Registered(cache, level, name or type(cache).__name__))
            self._caches.sort(key=lambda r: r.level)

    def unregister(self, cache: object) -> None:
        with self._lock:
            self._caches = [r for r in self._caches if r.cache is not cache]

    def sample(self) -> MemorySample:
        """Measure now and act on the result."""
        rss = self._rss()
        actions: list[str] = []
        targets: list[_Registered] = []
        with self._lock:
            self.peak_bytes = max(self.peak_bytes, rss)
            if rss <= self.budget_bytes:
                self._next_level = None
            else:
                levels = sorted({r.level for r in self._caches})
                if self._next_level is None:
                    self._next_level = levels[0] if levels else None
                level = self._next_level
                targets = [r for r in self._caches if r.level == level]
                later = [lv for lv in levels if level is not None and lv > level]
                self._next_level = later[0] if later else level
        for r in targets:
            try:
                if hasattr(r.cache, "shrink"):
                    r.cache.shrink(self.fraction)
                    actions.append(f"{r.name}.shrink({self.fraction})")
                else:
                    r.cache.clear()
                    actions.append(f"{r.name}.clear()")
            except Exception:
                log.exception("memory monitor: shrinking %s failed", r.name)
        sample = MemorySample(rss, self.budget_bytes, time.time(), tuple(actions))
        self.last = sample
        if actions:
            log.info("RSS %d MB over budget %d MB: %s", rss >> 20, self.budget_bytes >> 20, actions)
        return sample

    # -- the sampling thread --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Sample every ``interval`` seconds on a daemon thread until ``stop``."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="albumen-memory", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except Exception:
                log.exception("memory monitor: sampling failed")
            self._stop.wait(self.interval)

    def __enter__(self) -> MemoryMonitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def browsing_memory(
    open_finder: Callable[[WeakAssetCache[int, Any]], Any], pages: int = 1, page_size: int = 200
) -> dict[str, Any]:
    """Open a library as a gallery does (``open_finder(cache)`` gives a finder that keeps its
    rows in ``cache``; it is closed afterwards), load ``pages`` pages and measure: RSS before
    and after, bytes per loaded row, the row objects alive and the estimate for paging through
    the whole library (``albumen stats --memory``)."""
    from albumen.browse.paging import PaginatedAssetLoader
    from albumen.store.query import AssetQuery
    from albumen.store.rows import AssetPage

    before = current_rss()
    t0 = time.perf_counter()
    cache: WeakAssetCache[int, Any] = WeakAssetCache()
    finder = open_finder(cache)
    try:
        loader: PaginatedAssetLoader[Any] = PaginatedAssetLoader(finder, page_size)
        loader.reset(AssetQuery())
        opened = time.perf_counter() - t0
        for _ in range(max(0, pages - 1)):
            if not loader.has_more:
                break
            loader.load_next_page()
        held = loader.items[:page_size]  # the row objects a visible screen holds
        packed = sum(p.nbytes() for p in loader.items.pages if isinstance(p, AssetPage))
        rows = len(loader.items)
        per_row = packed / rows if rows else 0.0
        sample = MemoryMonitor(budget_bytes=2 << 30).sample()
        result = {
            "rss_before_mb": round(before / 2**20, 1),
            "rss_mb": round(sample.rss_bytes / 2**20, 1),
            "peak_rss_mb": round(peak_rss() / 2**20, 1),
            "open_and_first_page_ms": round(opened * 1000, 1),
            "loaded_rows": rows,
            "packed_bytes_per_row": round(per_row, 1),
            "live_row_objects": len(cache),
            "estimated_mb_for_all_rows": round(per_row * loader.total_count / 2**20, 1),
        }
        del held
        return result
    finally:
        finder.close()
