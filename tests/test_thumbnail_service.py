"""ThumbnailService: L1 -> L2 -> None lookups, asynchronous generation with backfill, failures,
merging of duplicate requests, priorities, cancellation, shutdown and statistics."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from albumen import (
    DiskThumbnailCache,
    MemoryThumbnailCache,
    Priority,
    ThumbnailService,
)
from albumen.thumbnails.service import thumbnail_key


class RecordingGenerator:
    """Makes deterministic bytes; can block, fail or return None for chosen ids."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[int, int]]] = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # set when a call starts (before the gate)
        self.fail: set[str] = set()
        self.none: set[str] = set()

    def generate(self, asset_id: str, size: tuple[int, int]) -> bytes | None:
        self.entered.set()
        self.gate.wait(10)
        with self.lock:
            self.calls.append((asset_id, size))
        if asset_id in self.fail:
            raise RuntimeError(f"cannot decode {asset_id}")
        if asset_id in self.none:
            return None
        return f"{asset_id}@{size[0]}x{size[1]}".encode()


class Waiter:
    def __init__(self) -> None:
        self.results: list[tuple[str, bytes]] = []
        self.event = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, asset_id: str, data: bytes) -> None:
        with self.lock:
            self.results.append((asset_id, data))
        self.event.set()


@pytest.fixture
def parts(tmp_path: Path) -> tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator]:
    return MemoryThumbnailCache(), DiskThumbnailCache(tmp_path / "thumbs"), RecordingGenerator()


@pytest.fixture
def service(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> Iterator[ThumbnailService]:
    svc = ThumbnailService(*parts, max_workers=2)
    yield svc
    svc.shutdown()


@pytest.fixture
def gen(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> RecordingGenerator:
    """The service's generator (the same ``parts``), typed as the recording one."""
    return parts[2]


def test_key_format() -> None:
    assert thumbnail_key("abc", (256, 128)) == "abc_256x128"


def test_l1_hit(service: ThumbnailService) -> None:
    service.memory_cache.put("a_256x256", b"L1")
    assert service.get_thumbnail("a") == b"L1"


def test_l2_hit_backfills_l1(service: ThumbnailService) -> None:
    service.disk_cache.put("a_64x64", b"L2")
    assert service.memory_cache.get("a_64x64") is None
    assert service.get_thumbnail("a", (64, 64)) == b"L2"
    assert service.memory_cache.get("a_64x64") == b"L2"


def test_miss_returns_none_and_generates_nothing(
    service: ThumbnailService, gen: RecordingGenerator
) -> None:
    assert service.get_thumbnail("a") is None
    assert service.generator is gen and gen.calls == []


def test_request_generates_fills_l2_then_l1_and_calls_back(service: ThumbnailService) -> None:
    w = Waiter()
    assert service.request_thumbnail("a", (64, 64), w)
    assert w.event.wait(5)
    assert w.results == [("a", b"a@64x64")]
    assert service.disk_cache.get("a_64x64") == b"a@64x64"
    assert service.memory_cache.get("a_64x64") == b"a@64x64"
    assert service.get_thumbnail("a", (64, 64)) == b"a@64x64"


def test_request_served_from_disk_without_generating(
    service: ThumbnailService, gen: RecordingGenerator
) -> None:
    service.disk_cache.put("a_64x64", b"cached")
    w = Waiter()
    service.request_thumbnail("a", (64, 64), w)
    assert w.event.wait(5)
    assert w.results == [("a", b"cached")]
    assert service.generator is gen and gen.calls == []


@pytest.mark.parametrize("mode", ["raise", "none"])
def test_failure_never_calls_back_and_is_recorded_and_not_retried(
    service: ThumbnailService, gen: RecordingGenerator, mode: str
) -> None:
    (gen.fail if mode == "raise" else gen.none).add("bad")
    w = Waiter()
    errors: list[tuple[str, str]] = []
    assert service.request_thumbnail(
        "bad", (64, 64), w, on_error=lambda a, m: errors.append((a, m))
    )
    assert service.wait_idle(5)
    assert w.results == []
    assert len(errors) == 1 and errors[0][0] == "bad"
    message = service.failure("bad")
    assert message is not None
    assert ("cannot decode bad" in message) if mode == "raise" else ("no thumbnail" in message)
    assert service.failures() == {"bad": message}
    assert service.disk_cache.get("bad_64x64") is None
    # not retried while the asset id (file content + mtime) stays the same
    assert service.request_thumbnail("bad", (64, 64), w) is False
    assert service.ensure_thumbnail("bad", (64, 64)) is None
    assert len(gen.calls) == 1
    service.forget_failure("bad")
    service.request_thumbnail("bad", (64, 64), w)
    assert service.wait_idle(5)
    assert len(gen.calls) == 2
    assert service.stats()["generation"]["failed"] == 2


def test_duplicate_requests_in_flight_are_merged(
    service: ThumbnailService, gen: RecordingGenerator
) -> None:
    gen.gate.clear()
    waiters = [Waiter() for _ in range(5)]
    for w in waiters:
        assert service.request_thumbnail("dup", (64, 64), w)
    gen.gate.set()
    assert service.wait_idle(5)
    assert all(w.results == [("dup", b"dup@64x64")] for w in waiters)
    assert gen.calls == [("dup", (64, 64))]
    assert service.stats()["requests"]["merged"] == 4


def test_callback_exception_does_not_break_the_service(service: ThumbnailService) -> None:
    def boom(asset_id: str, data: bytes) -> None:
        raise ValueError("viewer bug")

    w = Waiter()
    service.request_thumbnail("a", (8, 8), boom)
    service.request_thumbnail("a", (8, 8), w)
    assert w.event.wait(5)
    service.request_thumbnail("b", (8, 8), w)
    assert service.wait_idle(5)
    assert {a for a, _ in w.results} == {"a", "b"}


def test_priorities_visible_first(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> None:
    memory, disk, gen = parts
    with ThumbnailService(memory, disk, gen, max_workers=1) as svc:
        gen.gate.clear()
        done = Waiter()
        svc.request_thumbnail("blocker", (8, 8), done)
        assert gen.entered.wait(10)  # the single worker is now inside generate("blocker")
        for i in range(5):
            svc.request_thumbnail(f"bg{i}", (8, 8), done, priority=Priority.BACKGROUND)
        for i in range(3):
            svc.request_thumbnail(f"near{i}", (8, 8), done, priority=Priority.NEAR)
        for i in range(3):
            svc.request_thumbnail(f"vis{i}", (8, 8), done, priority=Priority.VISIBLE)
        # a duplicate request raises the priority of a queued job
        svc.request_thumbnail("bg4", (8, 8), done, priority=Priority.VISIBLE)
        gen.gate.set()
        assert svc.wait_idle(5)
        order = [a for a, _ in gen.calls]
    assert order == [
        "blocker",
        "vis0",
        "vis1",
        "vis2",
        "bg4",
        "near0",
        "near1",
        "near2",
        "bg0",
        "bg1",
        "bg2",
        "bg3",
    ]


def test_cancel_pending_requests(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> None:
    memory, disk, gen = parts
    with ThumbnailService(memory, disk, gen, max_workers=1) as svc:
        gen.gate.clear()
        w = Waiter()
        svc.request_thumbnail("running", (8, 8), w)
        assert gen.entered.wait(10)
        for i in range(6):
            svc.request_thumbnail(f"s{i}", (8, 8), w)
        svc.request_thumbnail("s0", (16, 16), w)
        assert svc.cancel("s0") == 2  # both sizes
        assert svc.cancel("s1", (8, 8)) == 1
        assert svc.cancel("not-requested") == 0
        assert svc.cancel("running") == 0  # already running: finishes, but calls nobody
        assert svc.stats()["requests"]["pending"] == 4
        assert svc.cancel_all() == 4
        gen.gate.set()
        assert svc.wait_idle(5)  # callbacks included: none were due
        assert w.results == []
        assert [a for a, _ in gen.calls] == ["running"]
        assert disk.get("running_8x8") == b"running@8x8"  # the work done is kept
        assert svc.stats()["requests"]["cancelled"] == 7


def test_external_executor_is_used_and_not_shut_down(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> None:
    memory, disk, gen = parts
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="mine") as pool:
        svc = ThumbnailService(memory, disk, gen, pool)
        names: list[str] = []
        w = Waiter()

        def callback(asset_id: str, data: bytes) -> None:
            names.append(threading.current_thread().name)
            w(asset_id, data)

        svc.request_thumbnail("a", (8, 8), callback)
        assert w.event.wait(5)
        svc.shutdown()
        assert names[0].startswith("mine")
        assert pool.submit(lambda: 42).result() == 42


def test_shutdown_stops_owned_workers_and_refuses_requests(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> None:
    memory, disk, gen = parts
    before = threading.active_count()
    svc = ThumbnailService(memory, disk, gen, max_workers=3)
    w = Waiter()
    for i in range(10):
        svc.request_thumbnail(f"x{i}", (8, 8), w)
    svc.shutdown()  # joins the workers it owns
    assert svc.request_thumbnail("late", (8, 8), w) is False
    assert threading.active_count() == before
    assert not any(t.name.startswith("albumen-thumbs") for t in threading.enumerate())


def test_ensure_thumbnail_generates_synchronously(
    service: ThumbnailService, gen: RecordingGenerator
) -> None:
    assert service.ensure_thumbnail("now", (32, 32)) == b"now@32x32"
    assert service.disk_cache.get("now_32x32") == b"now@32x32"
    assert service.ensure_thumbnail("now", (32, 32)) == b"now@32x32"
    assert len(gen.calls) == 1


def test_new_asset_id_after_edit_is_regenerated(service: ThumbnailService) -> None:
    """The library hands out a new asset id when a file changes: nothing stale is served."""
    assert service.ensure_thumbnail("photo-mtime1", (8, 8)) == b"photo-mtime1@8x8"
    assert service.get_thumbnail("photo-mtime2", (8, 8)) is None
    assert service.ensure_thumbnail("photo-mtime2", (8, 8)) == b"photo-mtime2@8x8"


def test_stats_hit_rate_per_tier_bytes_evictions_generation(service: ThumbnailService) -> None:
    service.ensure_thumbnail("a", (8, 8))  # miss, generated
    service.memory_cache.invalidate("a_8x8")
    service.get_thumbnail("a", (8, 8))  # L2 hit
    service.get_thumbnail("a", (8, 8))  # L1 hit
    service.get_thumbnail("a", (8, 8))  # L1 hit
    s = service.stats()
    assert s["lookups"] == 4
    assert s["hit_rate"]["memory"] == pytest.approx(0.5)
    assert s["hit_rate"]["disk"] == pytest.approx(0.25)
    assert s["hit_rate"]["miss"] == pytest.approx(0.25)
    assert s["memory"]["bytes"] == len(b"a@8x8") and "evictions" in s["memory"]
    assert s["disk"]["bytes"] == len(b"a@8x8") + 16 and "evictions" in s["disk"]
    assert s["generation"]["count"] == 1 and s["generation"]["seconds"] > 0


def test_many_threads_requesting_the_same_keys(
    parts: tuple[MemoryThumbnailCache, DiskThumbnailCache, RecordingGenerator],
) -> None:
    memory, disk, gen = parts
    with ThumbnailService(memory, disk, gen, max_workers=4) as svc:
        w = Waiter()
        barrier = threading.Barrier(8)

        def client(n: int) -> None:
            barrier.wait()
            for i in range(200):
                key = f"k{i % 20}"
                if svc.get_thumbnail(key, (8, 8)) is None:
                    svc.request_thumbnail(key, (8, 8), w)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert svc.wait_idle(10)
        # each thumbnail generated once, every callback got the right bytes
        generated = [a for a, _ in gen.calls]
        assert sorted(generated) == sorted(set(generated)) and len(generated) == 20
        assert all(data == f"{a}@8x8".encode() for a, data in w.results)
        assert all(svc.get_thumbnail(f"k{i}", (8, 8)) for i in range(20))


def test_wait_idle_returns_only_after_every_callback_has_run(
    service: ThumbnailService,
) -> None:
    in_callback, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow_callback(asset_id: str, data: bytes) -> None:
        in_callback.set()
        release.wait(10)
        finished.set()

    service.request_thumbnail("a", (8, 8), slow_callback)
    assert in_callback.wait(10)
    assert service.pending_count == 0  # the job itself is done
    assert service.wait_idle(timeout=0) is False  # but its callback still runs
    release.set()
    assert service.wait_idle(10)
    assert finished.is_set()
