"""The gallery's view model (the plan's ``AssetListViewModel``): pure Python, no Qt.

It owns a ``PaginatedAssetLoader`` and exposes observable state and signals that a Qt view (or
a test) connects to. Signals are plain ``Signal`` objects, emitted synchronously on the
calling thread; a Qt adapter re-emits them on the GUI thread.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from albumen.browse.paging import PageResult, PaginatedAssetLoader
from albumen.events import ScanCompletedEvent

__all__ = ["AssetListViewModel", "Signal"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class Signal:
    """A minimal signal: ``connect(slot)``, ``disconnect(slot)``, ``emit(*args)``.

    Slots run in connection order; a slot that raises is logged and the others still run.
    Connecting the same slot twice calls it twice (like Qt).
    """

    __slots__ = ("_name", "_slots")

    def __init__(self, name: str = "signal") -> None:
        self._name = name
        self._slots: list[Callable[..., object]] = []

    def connect(self, slot: Callable[..., object]) -> None:
        if not callable(slot):
            raise TypeError(f"slot must be callable, got {slot!r}")
        self._slots.append(slot)

    def disconnect(self, slot: Callable[..., object] | None = None) -> None:
        """Disconnect one connection of ``slot`` (ValueError if not connected), or all."""
        if slot is None:
            self._slots.clear()
            return
        for i, s in enumerate(self._slots):
            if s == slot:
                del self._slots[i]
                return
        raise ValueError(f"{slot!r} is not connected to {self._name}")

    def emit(self, *args: Any) -> None:
        for slot in list(self._slots):
            try:
                slot(*args)
            except Exception:
                log.exception("slot %r of %s failed", slot, self._name)

    def __len__(self) -> int:
        return len(self._slots)

    def __repr__(self) -> str:
        return f"Signal({self._name!r}, {len(self._slots)} slots)"


def _same_album(a: object, b: object) -> bool:
    if isinstance(a, (str, os.PathLike)) and isinstance(b, (str, os.PathLike)):
        return os.path.normpath(os.fspath(a)) == os.path.normpath(os.fspath(b))
    return a == b


class AssetListViewModel(Generic[T]):
    """Paged assets of one album (a library root and a query) for a gallery view.

    Observable state (each change emits ``property_changed(name, value)``): ``assets``
    (everything loaded, in order), ``selected_indices``, ``loading``, ``total_count``,
    ``current_page``, ``has_more_pages``, ``total_pages``.

    Signals: ``page_loaded(page, items)``, ``assets_updated()``,
    ``selection_changed(selected_indices)``, ``error_occurred(message)``,
    ``property_changed(name, value)``.

    With an ``event_bus``, a scan completing for this view model's ``album`` (the event's
    ``root`` equal to ``album``, or any scan while ``album`` is None) reloads the current
    query. ``scan_event_type`` defaults to ``albumen.events.ScanCompletedEvent``.

    Loading is synchronous; a loader error is reported through ``error_occurred`` and never
    leaves ``loading`` set. Calls made while a load is under way (from a slot) are ignored.
    """

    def __init__(
        self,
        loader: PaginatedAssetLoader[T],
        event_bus: Any = None,
        *,
        album: str | os.PathLike[str] | None = None,
        scan_event_type: type | None = None,
    ) -> None:
        self.loader = loader
        self.album = album
        self.page_loaded = Signal("page_loaded")
        self.assets_updated = Signal("assets_updated")
        self.selection_changed = Signal("selection_changed")
        self.error_occurred = Signal("error_occurred")
        self.property_changed = Signal("property_changed")
        self._selected: frozenset[int] = frozenset()
        self._loading = False
        self._query: Any = None
        self._has_query = False
        self._bus = event_bus
        self._event_type: type | None = None
        if event_bus is not None:
            if scan_event_type is None:
                scan_event_type = ScanCompletedEvent
            self._event_type = scan_event_type
            event_bus.subscribe(scan_event_type, self._on_scan_completed)

    # -- observable state -------------------------------------------------------------------

    @property
    def assets(self) -> Sequence[T]:
        return self.loader.items

    @property
    def selected_indices(self) -> frozenset[int]:
        return self._selected

    @property
    def selected_assets(self) -> list[T]:
        return [self.loader.items[i] for i in sorted(self._selected)]

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def total_count(self) -> int:
        return self.loader.total_count

    @property
    def current_page(self) -> int:
        return self.loader.current_page

    @property
    def has_more_pages(self) -> bool:
        return self.loader.has_more

    @property
    def total_pages(self) -> int:
        return self.loader.total_pages

    @property
    def query(self) -> Any:
        return self._query

    def _set_loading(self, value: bool) -> None:
        if value != self._loading:
            self._loading = value
            self.property_changed.emit("loading", value)

    def _snapshot(self) -> tuple[int, int, bool, int]:
        return (self.total_count, self.current_page, self.has_more_pages, self.total_pages)

    def _announce(self, before: tuple[int, int, bool, int], result: PageResult[T]) -> None:
        names = ("total_count", "current_page", "has_more_pages", "total_pages")
        for name, old, new in zip(names, before, self._snapshot(), strict=True):
            if old != new:
                self.property_changed.emit(name, new)
        self.property_changed.emit("assets", self.assets)
        self.page_loaded.emit(result.page, result.items)
        self.assets_updated.emit()

    def _run(self, load: Callable[[], PageResult[T]], *, clears: bool) -> PageResult[T] | None:
        if self._loading:
            return None
        before = self._snapshot()
        self._set_loading(True)
        try:
            result = load()
        except Exception as exc:
            log.exception("loading assets failed")
            self._set_loading(False)
            self.error_occurred.emit(str(exc) or type(exc).__name__)
            return None
        if clears:
            self._set_selection(frozenset())
        self._set_loading(False)
        self._announce(before, result)
        return result

    # -- loading ------------------------------------------------------------------------------

    def load_album(
        self, query: Any, album: str | os.PathLike[str] | None = None
    ) -> PageResult[T] | None:
        """Show ``query`` (of ``album``, if given): clear, count, load page 1."""
        if self._loading:
            return None
        self._query = query
        self._has_query = True
        if album is not None:
            self.album = album
        return self._run(lambda: self.loader.reset(query), clears=True)

    def load_next_page(self) -> PageResult[T] | None:
        """Append the next page; None if nothing is loaded yet, there is no more, or a load
        is under way or fails."""
        if not self._has_query or not self.loader.has_more:
            return None
        return self._run(self.loader.load_next_page, clears=False)

    def load_page(self, page_number: int, append: bool = False) -> PageResult[T] | None:
        """Jump to page ``page_number``: ``assets`` then hold that page alone (the selection
        is cleared), or with ``append`` it is added to them (see
        ``PaginatedAssetLoader.load_page``)."""
        if not self._has_query:
            return None
        return self._run(lambda: self.loader.load_page(page_number, append), clears=not append)

    def reload(self) -> PageResult[T] | None:
        """Load the current query again from page 1."""
        if not self._has_query:
            return None
        return self._run(lambda: self.loader.reset(self._query), clears=True)

    def _on_scan_completed(self, event: Any) -> None:
        if not self._has_query:
            return
        root = getattr(event, "root", None)
        if self.album is None or root is None or _same_album(root, self.album):
            self.reload()

    def close(self) -> None:
        """Stop listening to the event bus."""
        if self._bus is not None and self._event_type is not None:
            unsubscribe = getattr(self._bus, "unsubscribe", None)
            if unsubscribe is not None:
                unsubscribe(self._event_type, self._on_scan_completed)
            self._bus = None

    # -- selection ------------------------------------------------------------------------------

    def _set_selection(self, selection: frozenset[int]) -> None:
        if selection != self._selected:
            self._selected = selection
            self.property_changed.emit("selected_indices", selection)
            self.selection_changed.emit(selection)

    def select(self, indices: int | Iterable[int], *, extend: bool = False) -> None:
        """Select ``indices`` (replacing the selection, or adding to it with ``extend``).
        Indices outside the loaded assets are ignored."""
        wanted = {indices} if isinstance(indices, int) else set(indices)
        n = len(self.loader.items)
        valid = {i for i in wanted if 0 <= i < n}
        self._set_selection(frozenset(valid | self._selected if extend else valid))

    def toggle(self, index: int) -> None:
        """Add ``index`` to the selection or remove it."""
        if index in self._selected:
            self._set_selection(self._selected - {index})
        else:
            self.select(index, extend=True)

    def select_all(self) -> None:
        self._set_selection(frozenset(range(len(self.loader.items))))

    def clear_selection(self) -> None:
        self._set_selection(frozenset())
