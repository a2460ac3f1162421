"""Model-based tests of the two thumbnail caches: hypothesis drives random sequences of
operations against ``MemoryThumbnailCache`` (L1) and ``DiskThumbnailCache`` (L2) and against a
reference model (an ordered dict with the documented eviction rules); after every step the cache
and the model hold the same keys, values, order of eviction, sizes and counters. L2 is also
reopened (its index rebuilt from the files) and has files damaged behind its back.

Derandomised: CI runs the same examples every time (``ALBUMEN_HYPOTHESIS_EXAMPLES`` raises the
count for a longer search)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path

from albumen import DiskThumbnailCache, MemoryThumbnailCache
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

EXAMPLES = int(os.environ.get("ALBUMEN_HYPOTHESIS_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

KEYS = st.sampled_from([f"k{i}" for i in range(12)])
VALUES = st.binary(min_size=0, max_size=300)
TRAILER = 16  # bytes L2 appends to every value


class MemoryCacheModel(RuleBasedStateMachine):
    """L1: LRU bounded by entries and by the sum of value lengths; a value longer than the byte
    bound is not stored (and a re-put of its key drops the old value)."""

    @initialize(max_size=st.integers(0, 8), max_bytes=st.integers(0, 1200))
    def start(self, max_size: int, max_bytes: int) -> None:
        self.cache = MemoryThumbnailCache(max_size=max_size, max_bytes=max_bytes)
        self.max_size, self.max_bytes = max_size, max_bytes
        self.model: OrderedDict[str, bytes] = OrderedDict()  # least recent first
        self.counts = {"hits": 0, "misses": 0, "evictions": 0, "puts": 0, "rejected": 0}

    @rule(key=KEYS, value=VALUES)
    def put(self, key: str, value: bytes) -> None:
        self.cache.put(key, value)
        self.counts["puts"] += 1
        self.model.pop(key, None)
        if len(value) > self.max_bytes or self.max_size == 0:
            self.counts["rejected"] += 1
            return
        while self.model and (
            len(self.model) >= self.max_size
            or sum(map(len, self.model.values())) + len(value) > self.max_bytes
        ):
            self.model.popitem(last=False)
            self.counts["evictions"] += 1
        self.model[key] = value

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        got = self.cache.get(key)
        want = self.model.get(key)
        assert got == want
        if want is None:
            self.counts["misses"] += 1
        else:
            self.counts["hits"] += 1
            self.model.move_to_end(key)

    @rule(key=KEYS)
    def invalidate(self, key: str) -> None:
        self.cache.invalidate(key)
        self.model.pop(key, None)

    @rule()
    def clear(self) -> None:
        self.cache.clear()
        self.model.clear()

    @invariant()
    def same_as_the_model(self) -> None:
        assert self.cache.keys() == list(reversed(self.model))  # most recent first
        assert self.cache.size == len(self.model)
        assert self.cache.memory_usage_bytes == sum(map(len, self.model.values()))
        assert self.cache.size <= self.max_size
        assert self.cache.memory_usage_bytes <= self.max_bytes
        stats = self.cache.stats()
        assert {k: stats[k] for k in self.counts} == self.counts


class DiskCacheModel(RuleBasedStateMachine):
    """L2: LRU bounded by the bytes on disk (value + 16-byte trailer); the value just written is
    evicted only when it alone exceeds the bound; a reopened cache orders its index by file
    modification time; a damaged file is a miss and is removed."""

    @initialize(max_bytes=st.integers(0, 1500))
    def start(self, max_bytes: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="albumen-l2-model-"))
        self.max_bytes = max_bytes
        self.cache = self._open()
        self.model: OrderedDict[str, bytes] = OrderedDict()
        self.counts = {"hits": 0, "misses": 0, "evictions": 0, "puts": 0, "corrupt": 0}

    def _open(self) -> DiskThumbnailCache:
        return DiskThumbnailCache(self.dir, self.max_bytes, min_free_bytes=0)

    def _weight(self) -> int:
        return sum(len(v) + TRAILER for v in self.model.values())

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(key=KEYS, value=VALUES)
    def put(self, key: str, value: bytes) -> None:
        self.cache.put(key, value)
        self.counts["puts"] += 1
        self.model.pop(key, None)
        self.model[key] = value
        while self._weight() > self.max_bytes:
            victim = next(iter(self.model))
            if victim == key and len(self.model) > 1:
                victim = list(self.model)[1]
            del self.model[victim]
            self.counts["evictions"] += 1

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        got = self.cache.get(key)
        want = self.model.get(key)
        assert got == want
        if want is None:
            self.counts["misses"] += 1
        else:
            self.counts["hits"] += 1
            self.model.move_to_end(key)

    @rule(key=KEYS)
    def invalidate(self, key: str) -> None:
        self.cache.invalidate(key)
        self.model.pop(key, None)

    @rule()
    def clear(self) -> None:
        self.cache.clear()
        self.model.clear()

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def damage_a_file(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model)))
        path = Path(self.cache.path_for(key))
        blob = bytearray(path.read_bytes())
        how = data.draw(st.sampled_from(["flip", "truncate", "empty"]))
        if how == "flip":
            blob[data.draw(st.integers(0, len(blob) - 1))] ^= 0x40
        elif how == "truncate":
            del blob[data.draw(st.integers(0, len(blob) - 1)) :]
        else:
            blob.clear()
        path.write_bytes(bytes(blob))
        assert self.cache.get(key) is None
        assert not path.exists()
        del self.model[key]
        self.counts["misses"] += 1
        self.counts["corrupt"] += 1

    @rule()
    def reopen(self) -> None:
        # the index is rebuilt from the files, oldest modification first: give the files the
        # model's recency as their times
        for i, key in enumerate(self.model):
            t = 1_600_000_000_000_000_000 + i * 1_000_000_000
            os.utime(self.cache.path_for(key), ns=(t, t))
        self.cache = self._open()
        self.counts = dict.fromkeys(self.counts, 0)

    @invariant()
    def same_as_the_model(self) -> None:
        assert self.cache.size == len(self.model)
        assert self.cache.disk_usage_bytes == self._weight() <= max(self.max_bytes, 0)
        on_disk = {p.name[:-4]: p.stat().st_size for p in self.dir.rglob("*.jpg") if p.is_file()}
        assert sorted(on_disk.values()) == sorted(len(v) + TRAILER for v in self.model.values())
        assert not [p for p in self.dir.rglob("*") if p.name.endswith(".tmp")]
        stats = self.cache.stats()
        assert {k: stats[k] for k in self.counts} == self.counts


TestMemoryCacheModel = MemoryCacheModel.TestCase
TestMemoryCacheModel.settings = SETTINGS
TestDiskCacheModel = DiskCacheModel.TestCase
TestDiskCacheModel.settings = SETTINGS
