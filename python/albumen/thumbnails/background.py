"""Thumbnails made in the background while a library is watched: ``BackgroundThumbnails``.

The watcher hands over the files each batch wrote (``submit``) and goes on; a thread of this
object makes their thumbnails and micro thumbnails through the library's pipeline, a chunk at a
time, so ``close`` (Ctrl-C) waits for one chunk at most and leaves the rest to ``albumen
thumbs``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from albumen.store.assets import ASSET_COLUMNS, Asset, asset_of
from albumen.thumbnails.batch import LibraryThumbnails

__all__ = ["BackgroundThumbnails"]

log = logging.getLogger(__name__)

#: files per chunk of work (what ``close`` may still wait for)
CHUNK = 32


class BackgroundThumbnails:
    """Make the ``size`` px thumbnails of submitted paths (relative, OS bytes) through
    ``pipeline`` on a thread of its own, started by the first ``submit``. The pipeline stays
    its owner's to close. Implements the watcher's ``ThumbnailSink``."""

    def __init__(self, pipeline: LibraryThumbnails, size: int = 256) -> None:
        self.pipeline = pipeline
        self.size = size
        self.generated = 0
        self.cached = 0
        self.failed = 0
        self.left = 0  # submitted but not made when closed
        self._queue: dict[bytes, None] = {}  # insertion-ordered set: a path queued twice once
        self._busy = False
        self._closed = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, paths: Sequence[bytes]) -> None:
        with self._cond:
            if self._closed:
                return
            self._queue.update(dict.fromkeys(paths))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="albumen-background-thumbnails", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted path is done; False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    def close(self) -> None:
        """Finish the chunk in hand and drop the rest (counted in ``left``)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self.left += len(self._queue)
            self._queue.clear()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def summary(self) -> dict[str, int]:
        with self._cond:
            return {
                "generated": self.generated,
                "cached": self.cached,
                "failed": self.failed,
                "left": self.left + len(self._queue),
            }

    def _assets(self, paths: Sequence[bytes]) -> list[Asset]:
        """The records of the paths that are still the library's (a file may be gone)."""
        rows = (self.pipeline.store.get(path) for path in paths)
        return [asset_of([row.get(c) for c in ASSET_COLUMNS]) for row in rows if row is not None]

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._queue) or self._closed)
                if self._closed:
                    return
                chunk = list(self._queue)[:CHUNK]
                for path in chunk:
                    del self._queue[path]
                self._busy = True
            counts = {"generated": 0, "cached": 0, "failed": 0}
            try:
                for result in self.pipeline.thumbnails(self._assets(chunk), self.size):
                    if result.status in counts:
                        counts[result.status] += 1
            except Exception:  # a broken store or cache must not end the watch
                log.exception("background thumbnails failed for %d files", len(chunk))
                counts["failed"] = len(chunk)
            with self._cond:
                self.generated += counts["generated"]
                self.cached += counts["cached"]
                self.failed += counts["failed"]
                self._busy = False
                self._cond.notify_all()
