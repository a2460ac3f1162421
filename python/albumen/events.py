"""A small synchronous, thread-safe event bus and the scan events published on it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = ["EventBus", "ScanCompletedEvent", "ScanProgressEvent"]

log = logging.getLogger(__name__)

E = TypeVar("E")


@dataclass(frozen=True)
class ScanProgressEvent:
    """``processed`` of ``total`` files have been probed."""

    processed: int
    total: int


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
