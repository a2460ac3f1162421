"""A watcher running on a thread, and ways to wait for what it applies (imported as
``watch_helpers``). Tests wait on the watcher's own notifications (each applied batch), never
on a clock: a timeout only ends a test whose watcher is broken."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from albumen import _core
from albumen.library import Library
from albumen.scan.watch import WatchBatch, WatchReport

#: how long a broken watcher gets before the test fails (a working one needs well under 1 s)
TIMEOUT = 60.0


class Watching:
    """``lib.watch(**options)`` running on a thread of its own, started by ``start()``."""

    def __init__(self, lib: Library, **options: Any) -> None:
        self.lib = lib
        self.applied: queue.Queue[WatchBatch | None] = queue.Queue()
        self.watcher = lib.watch(on_batch=self.applied.put, **options)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="watcher-under-test")
        self.catch_up = WatchBatch()

    def _run(self) -> None:
        try:
            self.watcher.run()
        except BaseException as exc:
            self.error = exc
        finally:
            self.applied.put(None)  # wakes a waiter: the watch has ended

    def start(self) -> Watching:
        self.thread.start()
        self.catch_up = self.next_batch()
        assert self.catch_up.catch_up
        return self

    def next_batch(self, timeout: float = TIMEOUT) -> WatchBatch:
        batch = self.applied.get(timeout=timeout)
        if batch is None:
            raise AssertionError(f"the watch ended: {self.error!r}")
        return batch

    def until(self, condition: Callable[[], bool], timeout: float = TIMEOUT) -> list[WatchBatch]:
        """The batches applied until ``condition()`` holds (checked before each one)."""
        seen: list[WatchBatch] = []
        while not condition():
            try:
                seen.append(self.next_batch(timeout))
            except queue.Empty:
                raise AssertionError(f"not there after {timeout} s; applied: {seen}") from None
        return seen

    def stop(self) -> WatchReport:
        self.watcher.stop()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the watcher did not stop"
        if self.error is not None:
            raise self.error
        return self.watcher.report

    def __enter__(self) -> Watching:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.thread.is_alive():
            self.watcher.stop()
            self.thread.join(TIMEOUT)


def folder_state(root: Path, library_dir: Path | None = None) -> dict[bytes, tuple[int, int]]:
    """``path -> (size, mtime_ns)`` of every media file a scan of ``root`` would index."""
    skip = [library_dir] if library_dir is not None else []
    files, _errors = _core.walk(root, skip=skip)
    return {os.fsencode(rel): (size, mtime) for rel, size, mtime in files}


def library_state(lib: Library) -> dict[bytes, tuple[int, int]]:
    """``path -> (size, mtime_ns)`` of every row of the library."""
    return {p: (k.size, k.mtime_ns) for p, k in lib.store.known_files().items()}


def in_sync(lib: Library) -> Callable[[], bool]:
    """A condition: the library holds exactly the folder's media files, as they are now."""
    return lambda: library_state(lib) == folder_state(lib.root, lib.library_dir)
