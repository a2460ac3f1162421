"""asyncio (issue 13): ``scan_async``, ``thumbnail_async`` and ``scan_batches`` run the same
work on the same threads, and cancelling the task cancels the work. Gates, not sleeps."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from albumen import EventBus, Library, ScanCompletedEvent, ScanResult, ThumbnailError
from scan_helpers import jpeg_bytes, write_file

N = 60


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    for i in range(N):
        write_file(root / f"d{i % 4}" / f"p{i:03d}.jpg", jpeg_bytes(color=(i, 5, 5)))
    write_file(root / "broken.jpg", b"\xff\xd8 no")
    return root


def test_scan_async_runs_on_a_thread_while_the_loop_goes_on(root: Path) -> None:
    in_scan, loop_ran = threading.Event(), threading.Event()
    threads: set[str] = set()

    def progress(done: int, total: int) -> None:
        threads.add(threading.current_thread().name)
        in_scan.set()
        assert loop_ran.wait(30)  # the scan waits here until the event loop has moved on

    async def main() -> Any:
        with Library.open(root) as lib:
            scan = asyncio.create_task(lib.scan_async(progress=progress, batch_size=16))
            assert await asyncio.to_thread(in_scan.wait, 30)
            loop_ran.set()  # only possible while the scan waits on another thread
            return await scan, threading.current_thread().name

    report, loop_thread = asyncio.run(main())
    assert report.added == N + 1 and not report.cancelled
    assert threads and loop_thread not in threads


def test_cancelling_the_task_cancels_the_scan(root: Path) -> None:
    bus = EventBus()
    completed: list[ScanCompletedEvent] = []
    bus.subscribe(ScanCompletedEvent, completed.append)
    started, gate = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        if done:
            started.set()
            gate.wait(30)

    async def main(lib: Library) -> None:
        scan = asyncio.create_task(lib.scan_async(progress=progress, batch_size=8, workers=1))
        assert await asyncio.to_thread(started.wait, 30)  # the scan is under way
        scan.cancel()
        # the scan is told to stop; let it see that, then the task ends with the cancellation
        asyncio.get_running_loop().call_soon(gate.set)
        with pytest.raises(asyncio.CancelledError):
            await scan

    with Library.open(root, event_bus=bus) as lib:
        asyncio.run(main(lib))
        assert completed and completed[0].cancelled  # it stopped early ...
        assert 0 < len(lib) < N + 1
        assert not lib.scan().cancelled  # ... and let go of the scan lock
        assert len(lib) == N + 1


def test_thumbnail_async(root: Path) -> None:
    async def main(lib: Library) -> bytes:
        return await lib.thumbnail_async("d1/p001.jpg", 32)

    with Library.open(root) as lib:
        lib.scan()
        data = asyncio.run(main(lib))
        assert data[:2] == b"\xff\xd8" and lib.thumbnail("d1/p001.jpg", 32) == data
        assert lib.thumbnail_pipeline.service.stats()["generation"]["count"] == 1
        with pytest.raises(ThumbnailError):
            asyncio.run(lib.thumbnail_async("broken.jpg"))


def test_cancelling_a_thumbnail_task_withdraws_its_request(root: Path) -> None:
    with Library.open(root, thumbnail_workers=1) as lib:
        lib.scan()
        pipeline = lib.thumbnail_pipeline
        make = pipeline.generator.generate_from
        busy, gate = threading.Event(), threading.Event()

        def blocking(source, size):  # type: ignore[no-untyped-def]
            busy.set()
            assert gate.wait(30)
            return make(source, size)

        pipeline.generator.generate_from = blocking  # type: ignore[method-assign]

        async def main() -> bytes:
            first = asyncio.create_task(lib.thumbnail_async("d0/p000.jpg", 16))
            assert await asyncio.to_thread(busy.wait, 30)  # the only worker is now taken
            second = asyncio.create_task(lib.thumbnail_async("d1/p001.jpg", 16))
            while pipeline.service.pending_count < 2:  # until it has queued its request
                await asyncio.sleep(0)
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            gate.set()
            return await first

        assert asyncio.run(main())[:2] == b"\xff\xd8"
        assert pipeline.service.wait_idle(30)
        stats = pipeline.service.stats()
        assert stats["requests"]["cancelled"] == 1 and stats["generation"]["count"] == 1


def test_scan_batches_is_an_async_iterator_of_stored_batches(root: Path) -> None:
    async def main(lib: Library) -> tuple[list[ScanResult], Any]:
        batches = lib.scan_batches(batch_size=16)
        got = [batch async for batch in batches]
        return got, batches.report

    with Library.open(root) as lib:
        batches, report = asyncio.run(main(lib))
        assert report is not None and report.added == N + 1
        assert sum(len(b.assets) for b in batches) == N
        assert [e.path for b in batches for e in b.errors] == ["broken.jpg"]
        assert all(isinstance(r["path"], str) for b in batches for r in b.assets)


def test_leaving_scan_batches_early_cancels_the_scan(root: Path) -> None:
    async def main(lib: Library) -> Any:
        async with lib.scan_batches(batch_size=8, workers=1) as batches:
            async for _batch in batches:
                break
        return batches.report

    with Library.open(root) as lib:
        report = asyncio.run(main(lib))
        assert report is not None and report.cancelled
        assert 0 < len(lib) < N + 1
        assert lib.scan().added == N + 1 - report.added  # the lock is free again
