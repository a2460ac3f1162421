"""Keyset pages read on a background thread, so a paint never waits for the database.

The gallery paints rows it has and placeholders (at their exact places: the layout knows every
aspect ratio) for rows it has not; it asks the fetcher for the missing pages and repaints when
``page_ready`` arrives. The newest request goes first: after a fast scroll, what is on screen
now loads before what flew past. The fetcher reads through a finder of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from albumen.browse.gallery_rows import load_page
from albumen.store.protocols import AssetFinder
from albumen.store.query import AssetQuery

__all__ = ["PageFetcher"]

log = logging.getLogger(__name__)


class PageFetcher(QObject):
    """``request(generation, query, numbers)``; ``page_ready(generation, number, LoadedPage)``
    on the GUI thread. A new generation (another album) drops what was asked before."""

    page_ready = Signal(int, int, object)

    def __init__(self, finder_factory: Callable[[], AssetFinder], page_size: int = 200) -> None:
        super().__init__()
        self.finder_factory = finder_factory
        self.page_size = page_size
        self._lock = threading.Condition()
        self._wanted: list[int] = []  # newest last
        self._generation = -1
        self._query: AssetQuery | None = None
        self._closed = False
        self._thread: threading.Thread | None = None
        self.loaded = 0

    def request(self, generation: int, query: AssetQuery, numbers: list[int]) -> None:
        with self._lock:
            if generation != self._generation:
                self._generation, self._query = generation, query
                self._wanted = []
            for n in reversed(numbers):  # the first asked ends up newest: served first
                if n in self._wanted:
                    self._wanted.remove(n)
                self._wanted.append(n)
            del self._wanted[:-64]  # a fast scroll: forget what flew past long ago
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="albumen-gallery-pages", daemon=True
                )
                self._thread.start()
            self._lock.notify()

    def _run(self) -> None:
        finder = self.finder_factory()
        try:
            while True:
                with self._lock:
                    while not self._wanted and not self._closed:
                        self._lock.wait()
                    if self._closed:
                        return
                    number = self._wanted.pop()
                    generation, query = self._generation, self._query
                assert query is not None
                try:
                    page = load_page(finder, query, number, self.page_size)
                except Exception:
                    log.exception("loading page %d failed", number)
                    continue
                self.loaded += 1
                self.page_ready.emit(generation, number, page)
        finally:
            finder.close()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
