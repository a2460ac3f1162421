"""A small synchronous, thread-safe event bus and the scan events published on it."""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["EventBus", "ScanCompletedEvent", "ScanPhase", "ScanProgressEvent"]

log = logging.getLogger(__name__)

E = TypeVar("E")


class ScanPhase(str, enum.Enum):
    """The steps of a scan, in order; a ``str``, so ``event.phase == "probe"`` works."""

    #: the folder has been walked: ``total`` files found, ``processed`` of them need no probe
    #: (unchanged since the last scan of a library)
    WALK = "walk"
    #: another ``batch_size`` files probed (and, in a library scan, stored)
    PROBE = "probe"
    #: every file is probed; a library scan completes its index (indexes rebuilt after a
    #: large first scan, rows of vanished files removed, Live Photos paired)
    WRITE = "write"
    #: the scan is over (``processed == total``, unless it was cancelled)
    FINISH = "finish"


@dataclass(frozen=True)
class ScanProgressEvent:
    """``processed`` of ``total`` files of the scan of ``root`` are done, in ``phase``.

    ``total`` counts every file the walk found (known from the ``walk`` event on, and never 0
    before the end: a scan that finds nothing publishes only its ``finish`` event, 0 of 0);
    ``processed`` counts the files probed, and in a library scan also the unchanged ones it
    skips. Published once after the walk, every ``batch_size`` probed files, once when the
    library's index is being completed (``write``) and once at the end (``finish``).
    """

    processed: int
    total: int
    phase: ScanPhase = ScanPhase.PROBE
    #: the absolute root folder being scanned
    root: str = ""


@dataclass(frozen=True)
class ScanCompletedEvent:
    """A library scan of ``root`` finished (or was cancelled, see ``cancelled``)."""

    root: str
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    errors: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    library: str | None = field(default=None)


class EventBus:
    """Publish events to the handlers subscribed to their type (or a base class of it).

    Handlers run synchronously on the publishing thread, in subscription order. A handler that
    raises is logged and skipped; the others still run and ``publish`` never raises because of
    a handler. ``subscribe``, ``unsubscribe`` and ``publish`` may be called from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handlers: list[tuple[type[Any], Callable[[Any], object]]] = []

    def subscribe(self, event_type: type[E], handler: Callable[[E], object]) -> None:
        """Call ``handler(event)`` for every published event that is an ``event_type``."""
        if not callable(handler):
            raise TypeError(f"handler must be callable, got {handler!r}")
        with self._lock:
            self._handlers.append((event_type, handler))

    def unsubscribe(self, event_type: type[E], handler: Callable[[E], object]) -> bool:
        """Remove one subscription; returns whether it existed."""
        with self._lock:
            for i, (t, h) in enumerate(self._handlers):
                if t is event_type and h == handler:
                    del self._handlers[i]
                    return True
        return False

    def publish(self, event: object) -> int:
        """Deliver ``event``; returns how many handlers ran without raising."""
        with self._lock:
            handlers = [h for t, h in self._handlers if isinstance(event, t)]
        ok = 0
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %r", handler, event)
            else:
                ok += 1
        return ok
