"""asyncio on top of albumen's threads: the async methods of ``Library`` run the same work on
the same threads (a scan on one thread of the event loop's default executor, probing on the
Rust pool; thumbnails on the library's thumbnail workers) and stop it when the awaiting task is
cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from albumen.scan.incremental import ScanReport
    from albumen.scan.scanner import ScanResult

__all__ = ["ScanBatches", "run_in_thread"]

T = TypeVar("T")


async def _outlive(future: asyncio.Future[T]) -> None:
    """Wait for a thread's work to end, whatever it returns or raises (it was told to stop
    and may hold locks: the store's scan lock); a second cancellation stops the wait."""
    # its result no longer matters; a second cancellation ends the wait
    with contextlib.suppress(BaseException):
        await asyncio.shield(future)


async def run_in_thread(work: Callable[[], T], cancel: Callable[[], object]) -> T:
    """``work()`` on a thread of the loop's default executor. When the awaiting task is
    cancelled, ``cancel()`` asks the work to stop; the cancellation propagates once it has
    (so nothing it held is still held)."""
    future = asyncio.get_running_loop().run_in_executor(None, work)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        cancel()
        await _outlive(future)
        raise


class _End:
    """Put after the last batch."""


class ScanBatches:
    """The batches of a library scan, as an async iterator (``Library.scan_batches``).

    Each item is a ``ScanResult`` (probe records in ``assets``, failures in ``errors``) once its
    batch is stored; ``report`` holds the ``ScanReport`` when the iteration has ended. The scan
    runs on a thread and waits (holding at most ``buffer`` batches) while the consumer is busy.
    Leaving early (``break``, or a cancelled task) cancels the scan: use ``async with`` (or
    ``await batches.aclose()``) to have it stopped at once; otherwise it stops when the
    iterator is garbage collected. A scan that fails raises from the iteration.
    """

    def __init__(
        self,
        run: Callable[[Callable[[ScanResult], None]], ScanReport],
        cancel: Callable[[], object],
        *,
        buffer: int = 4,
    ) -> None:
        self._run = run
        self._cancel = cancel
        self._slots = threading.Semaphore(buffer)
        self._closed = threading.Event()
        self._queue: asyncio.Queue[ScanResult | _End] | None = None
        self._future: asyncio.Future[ScanReport] | None = None
        #: the scan's report, once the iteration has ended
        self.report: ScanReport | None = None

    def _start(self) -> tuple[asyncio.Queue[ScanResult | _End], asyncio.Future[ScanReport]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[ScanResult | _End] = asyncio.Queue()

        def hand_over(item: ScanResult | _End) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is closed: nobody is listening any more
                self._closed.set()

        def push(part: ScanResult) -> None:  # on the scan thread
            while not self._slots.acquire(timeout=0.1):
                if self._closed.is_set():
                    return
            if not self._closed.is_set():
                hand_over(part)

        def work() -> ScanReport:
            try:
                return self._run(push)
            finally:
                hand_over(_End())

        self._queue = queue
        self._future = loop.run_in_executor(None, work)
        return queue, self._future

    def __aiter__(self) -> ScanBatches:
        return self

    async def __anext__(self) -> ScanResult:
        if self._closed.is_set():
            raise StopAsyncIteration
        if self._queue is None or self._future is None:
            queue, future = self._start()
        else:
            queue, future = self._queue, self._future
        try:
            item = await queue.get()
        except asyncio.CancelledError:
            await self.aclose()
            raise
        if isinstance(item, _End):
            self._closed.set()
            self.report = await future  # raises what the scan raised
            raise StopAsyncIteration
        self._slots.release()
        return item

    async def aclose(self) -> None:
        """Cancel the scan (if it still runs) and wait until it has stopped."""
        self._closed.set()
        future = self._future
        if future is None or future.done():
            return
        self._cancel()
        await _outlive(future)
        if future.done() and not future.cancelled() and future.exception() is None:
            self.report = future.result()

    async def __aenter__(self) -> ScanBatches:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        if self._future is not None and not self._future.done():
            self._closed.set()
            self._cancel()
