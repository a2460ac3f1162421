"""Video in the detail view, and the motion half of Live Photos: frames decoded with PyAV on a
thread (scaled to at most the screen), handed to the GUI thread at their presentation times and
drawn as textures by the same GPU pipeline as photos. No sound."""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["VideoPlayer"]

log = logging.getLogger(__name__)

MAX_WIDTH = 1920


class VideoPlayer(QObject):
    """Plays one file: ``frame(pixels)`` for each frame when it is due, ``finished()`` at the
    end (or ``failed(message)``). ``stop()`` ends it early."""

    frame = Signal(object)
    finished = Signal()
    failed = Signal(str)

    def __init__(self, path: Path, *, loop: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.loop = loop
        self.frames_shown = 0
        self._queue: queue.Queue[tuple[float, npt.NDArray[np.uint8]] | None] = queue.Queue(
            maxsize=8
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._decode, name="albumen-video", daemon=True)
        self._timer = QTimer(self)
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._start = 0.0
        self._pending: tuple[float, npt.NDArray[np.uint8]] | None = None

    def start(self) -> None:
        self._start = time.perf_counter()
        self._thread.start()
        self._timer.start()

    def stop(self) -> None:
        self._stop.set()
        self._timer.stop()
        while not self._queue.empty():
            self._queue.get_nowait()

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def _decode(self) -> None:
        import av

        try:
            while not self._stop.is_set():
                with av.open(str(self.path)) as container:
                    stream = container.streams.video[0]
                    stream.thread_type = "AUTO"
                    base = float(stream.time_base) if stream.time_base else 1 / 30
                    width = stream.codec_context.width or MAX_WIDTH
                    scale = min(1.0, MAX_WIDTH / max(1, width))
                    for frame in container.decode(stream):
                        if self._stop.is_set():
                            return
                        if scale < 1.0:
                            frame = frame.reformat(
                                width=round(frame.width * scale), height=round(frame.height * scale)
                            )
                        pixels = frame.to_ndarray(format="rgb24")
                        at = float(frame.pts or 0) * base
                        while not self._stop.is_set():
                            try:
                                self._queue.put((at, pixels), timeout=0.1)
                                break
                            except queue.Full:
                                continue
                if not self.loop:
                    break
                self._queue.put((-1.0, None))  # type: ignore[arg-type]  # restart marker
        except Exception as exc:
            log.warning("cannot play %s: %s", self.path, exc)
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self._queue.put(None)

    def _tick(self) -> None:
        now = time.perf_counter() - self._start
        due: npt.NDArray[np.uint8] | None = None
        while True:
            if self._pending is None:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._timer.stop()
                    if due is not None:
                        self.frames_shown += 1
                        self.frame.emit(due)
                    self.finished.emit()
                    return
                if item[0] < 0:  # looped: the clock starts again
                    self._start = time.perf_counter()
                    now = 0.0
                    continue
                self._pending = item
            at, pixels = self._pending
            if at > now:
                break
            due, self._pending = pixels, None
        if due is not None:
            self.frames_shown += 1
            self.frame.emit(due)
