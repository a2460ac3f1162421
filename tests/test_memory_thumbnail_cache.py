"""L1 MemoryThumbnailCache: the plan's LRU behaviours plus the byte bound, counters and threads."""

from __future__ import annotations

import threading

import pytest
from albumen import MemoryThumbnailCache


def test_get_missing_returns_none() -> None:
    c = MemoryThumbnailCache()
    assert c.get("nope") is None


def test_put_then_get_returns_same_bytes_object() -> None:
    c = MemoryThumbnailCache()
    data = b"jpeg-bytes" * 10
    c.put("a", data)
    got = c.get("a")
    assert got == data
    assert got is data  # stored without a copy


def test_defaults() -> None:
    c = MemoryThumbnailCache()
    assert c.max_size == 500
    assert c.max_bytes == 200 * 1024 * 1024
    assert c.size == 0 and c.memory_usage_bytes == 0


def test_evicts_least_recently_used_by_entry_count() -> None:
    c = MemoryThumbnailCache(max_size=3)
    for k in "abc":
        c.put(k, k.encode())
    c.put("d", b"d")
    assert c.get("a") is None
    assert [c.get(k) for k in "bcd"] == [b"b", b"c", b"d"]
    assert c.size == 3


def test_get_refreshes_recency() -> None:
    c = MemoryThumbnailCache(max_size=3)
    for k in "abc":
        c.put(k, k.encode())
    assert c.get("a") == b"a"
    c.put("d", b"d")
    assert c.get("b") is None
    assert c.get("a") == b"a"


def test_reput_replaces_value_and_refreshes_recency() -> None:
    c = MemoryThumbnailCache(max_size=3)
    for k in "abc":
        c.put(k, k.encode())
    c.put("a", b"AAAA")
    c.put("d", b"d")
    assert c.get("a") == b"AAAA"
    assert c.get("b") is None
    assert c.size == 3
    assert c.memory_usage_bytes == 4 + 1 + 1


def test_invalidate_and_missing_key_is_fine() -> None:
    c = MemoryThumbnailCache()
    c.put("a", b"123")
    c.invalidate("a")
    c.invalidate("a")
    c.invalidate("never")
    assert c.get("a") is None
    assert c.size == 0 and c.memory_usage_bytes == 0


def test_clear() -> None:
    c = MemoryThumbnailCache()
    for i in range(10):
        c.put(str(i), b"x" * i)
    c.clear()
    assert c.size == 0 and c.memory_usage_bytes == 0 and len(c) == 0
    assert c.get("3") is None


def test_size_and_memory_usage_track_puts() -> None:
    c = MemoryThumbnailCache()
    c.put("a", b"x" * 100)
    c.put("b", b"y" * 50)
    assert c.size == 2 and len(c) == 2
    assert c.memory_usage_bytes == 150
    assert "a" in c and "zz" not in c


def test_byte_bound_evicts_oldest_and_is_never_exceeded() -> None:
    c = MemoryThumbnailCache(max_size=1000, max_bytes=1000)
    for i in range(200):
        c.put(f"k{i}", b"z" * (50 + i % 37))
        assert c.memory_usage_bytes <= 1000
    assert c.get("k0") is None  # oldest went first
    assert c.get("k199") is not None
    stats = c.stats()
    assert stats["evictions"] == 200 - c.size
    assert stats["bytes"] == c.memory_usage_bytes


def test_value_larger_than_budget_is_not_stored() -> None:
    c = MemoryThumbnailCache(max_size=10, max_bytes=10)
    c.put("small", b"12345")
    c.put("big", b"x" * 11)
    assert c.get("big") is None
    assert c.get("small") == b"12345"
    assert c.stats()["rejected"] == 1


def test_zero_size_cache_stores_nothing() -> None:
    c = MemoryThumbnailCache(max_size=0)
    c.put("a", b"1")
    assert c.get("a") is None and c.size == 0


def test_stats_count_hits_misses_evictions() -> None:
    c = MemoryThumbnailCache(max_size=2)
    c.put("a", b"1")
    c.put("b", b"2")
    c.get("a")
    c.get("a")
    c.get("missing")
    c.put("c", b"3")
    s = c.stats()
    assert (s["hits"], s["misses"], s["evictions"], s["puts"]) == (2, 1, 1, 3)
    assert s["hit_rate"] == pytest.approx(2 / 3)
    c.reset_stats()
    assert c.stats()["hits"] == 0 and c.size == 2


def test_keys_most_recent_first() -> None:
    c = MemoryThumbnailCache()
    for k in "abc":
        c.put(k, b"v")
    c.get("a")
    assert c.keys() == ["a", "c", "b"]


def test_rejects_non_bytes() -> None:
    c = MemoryThumbnailCache()
    with pytest.raises(TypeError):
        c.put("a", "not bytes")  # type: ignore[arg-type]


def test_many_threads_on_the_same_keys() -> None:
    c = MemoryThumbnailCache(max_size=50, max_bytes=50 * 64)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(3000):
                key = f"k{(i * 7 + n) % 80}"
                value = key.encode().ljust(64, b".")
                if i % 3 == 0:
                    c.put(key, value)
                elif i % 11 == 0:
                    c.invalidate(key)
                else:
                    got = c.get(key)
                    assert got is None or got == value
                assert c.memory_usage_bytes <= 50 * 64
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert c.size <= 50
    assert c.memory_usage_bytes == sum(len(c.get(k) or b"") for k in list(c.keys()))
