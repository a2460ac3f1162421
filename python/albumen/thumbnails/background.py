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

from albumen.thumbnails.batch import LibraryThumbnails

__all__ = ["BackgroundThumbnails"]

log = logging.getLogger(__name__)

#: files per chunk of work (what ``close`` may still wait for)
CHUNK = 32


class BackgroundThumbnails:
    """Make the thumbnails of submitted paths on a thread of its own (started by the first
    ``submit``). Owns ``pipeline`` and closes it. Implements the watcher's ``ThumbnailSink``."""

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
        """Finish the chunk in hand, drop the rest (counted in ``left``), stop the pipeline."""
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
        self.pipeline.close()

    def summary(self) -> dict[str, int]:
        with self._cond:
            return {
                "generated": self.generated,
                "cached": self.cached,
                "failed": self.failed,
                "left": self.left + len(self._queue),
            }

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
            try:
                report = self.pipeline.generate_for(chunk, self.size)
                generated, cached, failed = report.generated, report.cached, report.failed
            except Exception:  # a broken store or cache must not end the watch
                log.exception("background thumbnails failed for %d files", len(chunk))
                generated, cached, failed = 0, 0, len(chunk)
            with self._cond:
                self.generated += generated
                self.cached += cached
                self.failed += failed
                self._busy = False
                self._cond.notify_all()
