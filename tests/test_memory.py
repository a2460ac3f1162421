"""WeakAssetCache and MemoryMonitor."""

from __future__ import annotations

import functools
import gc
import threading

import pytest
from albumen import MemoryMonitor, WeakAssetCache
from albumen.browse.memory import current_rss, peak_rss


class Asset:
    def __init__(self, rowid: int) -> None:
        self.rowid = rowid


def test_one_object_per_id_while_held() -> None:
    cache: WeakAssetCache[int, Asset] = WeakAssetCache()
    a = cache.get_or_add(1, Asset(1))
    b = cache.get_or_add(1, Asset(1))
    c = cache.get_or_create(1, lambda: Asset(99))
    assert a is b is c and len(cache) == 1 and 1 in cache
    assert cache.hits == 2 and cache.misses == 1


def test_inactive_objects_go() -> None:
    cache: WeakAssetCache[int, Asset] = WeakAssetCache()
    held = cache.get_or_add(1, Asset(1))
    cache.get_or_add(2, Asset(2))  # nobody holds this one
    gc.collect()
    assert len(cache) == 1 and cache.get(2) is None and cache.get(1) is held
    del held
    gc.collect()
    assert len(cache) == 0


def test_factory_runs_once_per_live_object() -> None:
    cache: WeakAssetCache[int, Asset] = WeakAssetCache()
    calls: list[int] = []

    def factory() -> Asset:
        calls.append(1)
        return Asset(5)

    keep = [cache.get_or_create(5, factory) for _ in range(10)]
    assert len(calls) == 1 and all(k is keep[0] for k in keep)
    cache.discard(5)
    assert cache.get(5) is None
    cache.clear()


def test_concurrent_lookups_agree() -> None:
    cache: WeakAssetCache[int, Asset] = WeakAssetCache()
    results: list[Asset] = []
    lock = threading.Lock()

    def work() -> None:
        got = [cache.get_or_create(i, functools.partial(Asset, i)) for i in range(200)]
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_id: dict[int, int] = {}
    for obj in results:
        by_id.setdefault(obj.rowid, id(obj))
        assert by_id[obj.rowid] == id(obj)


def test_rss_readings_are_plausible() -> None:
    rss = current_rss()
    assert 5 << 20 < rss < 8 << 30
    assert peak_rss() >= rss * 0.5
    psutil = pytest.importorskip("psutil")
    assert abs(psutil.Process().memory_info().rss - rss) < 32 << 20


class L1:
    def __init__(self) -> None:
        self.shrunk: list[float] = []

    def shrink(self, fraction: float) -> None:
        self.shrunk.append(fraction)


class L2:
    def __init__(self) -> None:
        self.cleared = 0

    def clear(self) -> None:
        self.cleared += 1


def test_under_budget_nothing_is_asked() -> None:
    mon = MemoryMonitor(100, rss=lambda: 50)
    l1 = L1()
    mon.register(l1)
    s = mon.sample()
    assert not s.over_budget and s.actions == () and l1.shrunk == []


def test_over_budget_shrinks_l1_first_then_escalates() -> None:
    readings = iter([150, 150, 150, 80, 150])
    mon = MemoryMonitor(100, rss=lambda: next(readings), fraction=0.25)
    l1, l2 = L1(), L2()
    mon.register(l2, level=2, name="disk")
    mon.register(l1, level=1, name="memory")
    assert mon.sample().actions == ("memory.shrink(0.25)",)
    assert l2.cleared == 0
    assert mon.sample().actions == ("disk.clear()",)
    assert mon.sample().actions == ("disk.clear()",)  # still over: keep asking the last level
    assert mon.sample().actions == ()  # back under: the episode ends
    assert mon.sample().actions == ("memory.shrink(0.25)",)  # a new episode starts at L1
    assert l1.shrunk == [0.25, 0.25] and l2.cleared == 2
    assert mon.peak_bytes == 150


def test_a_failing_cache_does_not_stop_the_monitor() -> None:
    class Broken:
        def clear(self) -> None:
            raise RuntimeError("nope")

    mon = MemoryMonitor(1, rss=lambda: 10)
    mon.register(Broken())
    l1 = L1()
    mon.register(l1)
    assert mon.sample().actions == ("L1.shrink(0.5)",)


def test_register_checks_and_unregister() -> None:
    mon = MemoryMonitor(1, rss=lambda: 10)
    with pytest.raises(TypeError):
        mon.register(object())  # type: ignore[arg-type]
    l1 = L1()
    mon.register(l1)
    mon.unregister(l1)
    assert mon.sample().actions == ()
    with pytest.raises(ValueError):
        MemoryMonitor(0)


def test_the_thread_samples_until_stopped() -> None:
    seen = threading.Event()
    count = [0]

    def rss() -> int:
        count[0] += 1
        if count[0] >= 3:
            seen.set()
        return 10

    mon = MemoryMonitor(100, interval=0.01, rss=rss)
    with mon:
        assert mon.running
        assert seen.wait(5)
    assert not mon.running
    n = count[0]
    assert mon.last is not None and mon.last.rss_bytes == 10
    # stopping joined the sampling thread: nothing samples any more
    assert not any(t.name == "albumen-memory" for t in threading.enumerate())
    assert count[0] == n
