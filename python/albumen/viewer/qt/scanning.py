"""Scans from the viewer: ``Library.scan`` on a background thread, its progress as Qt signals
(so the status bar and the gallery follow it on the GUI thread), and a rescan when the window
comes back into focus, so changes made meanwhile show up."""

from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QObject, Signal

from albumen.errors import LibraryBusyError
from albumen.library import Library

__all__ = ["ScanController"]

log = logging.getLogger(__name__)


class ScanController(QObject):
    """Runs one scan at a time. Signals: ``started()``, ``progress(processed, total)`` (every
    committed batch), ``finished(report)`` (an ``albumen.ScanReport``), ``failed(message)``."""

    started = Signal()
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, library: Library, *, min_interval: float = 5.0) -> None:
        super().__init__()
        self.library = library
        self.min_interval = min_interval  # seconds between rescans triggered by focus
        self._thread: threading.Thread | None = None
        self._last_finished = 0.0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def scan(self) -> bool:
        """Start a scan unless one runs; returns whether one started."""
        if self.running:
            return False
        self._thread = threading.Thread(target=self._run, name="albumen-viewer-scan", daemon=True)
        self.started.emit()
        self._thread.start()
        return True

    def rescan_if_stale(self) -> bool:
        """A rescan (on focus) unless one ran in the last ``min_interval`` seconds."""
        if time.monotonic() - self._last_finished < self.min_interval:
            return False
        return self.scan()

    def _run(self) -> None:
        try:
            report = self.library.scan(progress=lambda done, total: self.progress.emit(done, total))
        except LibraryBusyError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            log.exception("scan failed")
            self.failed.emit(str(exc) or type(exc).__name__)
        else:
            self.finished.emit(report)
        finally:
            self._last_finished = time.monotonic()

    def cancel(self, wait: bool = True) -> None:
        self.library.cancel()
        thread = self._thread
        if wait and thread is not None:
            thread.join(timeout=30)
