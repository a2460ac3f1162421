"""AssetListViewModel (pure Python, no QApplication) and its Signal: the plan's behaviours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from albumen import AssetListViewModel, PaginatedAssetLoader, Signal


class ListFinder:
    def __init__(self, rows: list[int], fail: bool = False) -> None:
        self.rows = rows
        self.fail = fail
        self.observed_loading: list[bool] = []
        self.vm: AssetListViewModel[int] | None = None

    def count(self, query: Any) -> int:
        if self.fail:
            raise RuntimeError("database is locked")
        return len(self.rows)

    def page(self, query: Any, page_number: int, page_size: int) -> Sequence[int]:
        if self.vm is not None:
            self.observed_loading.append(self.vm.loading)
        if self.fail:
            raise RuntimeError("database is locked")
        start = (page_number - 1) * page_size
        return self.rows[start : start + page_size]


@dataclass(frozen=True)
class ScanDone:
    root: str


class Bus:
    """The EventBus contract: subscribe(event_type, handler), publish(event)."""

    def __init__(self) -> None:
        self.handlers: list[tuple[type, Callable[[Any], object]]] = []

    def subscribe(self, event_type: type, handler: Callable[[Any], object]) -> None:
        self.handlers.append((event_type, handler))

    def unsubscribe(self, event_type: type, handler: Callable[[Any], object]) -> bool:
        self.handlers.remove((event_type, handler))
        return True

    def publish(self, event: object) -> None:
        for t, h in list(self.handlers):
            if isinstance(event, t):
                h(event)


def make(
    n: int = 450, page_size: int = 200, **kw: Any
) -> tuple[AssetListViewModel[int], ListFinder, dict[str, list[Any]]]:
    finder = ListFinder(list(range(n)))
    vm: AssetListViewModel[int] = AssetListViewModel(PaginatedAssetLoader(finder, page_size), **kw)
    finder.vm = vm
    log: dict[str, list[Any]] = {
        "page_loaded": [],
        "assets_updated": [],
        "selection_changed": [],
        "error_occurred": [],
        "property_changed": [],
    }
    vm.page_loaded.connect(lambda page, items: log["page_loaded"].append((page, list(items))))
    vm.assets_updated.connect(lambda: log["assets_updated"].append(True))
    vm.selection_changed.connect(lambda sel: log["selection_changed"].append(set(sel)))
    vm.error_occurred.connect(lambda msg: log["error_occurred"].append(msg))
    vm.property_changed.connect(lambda name, value: log["property_changed"].append(name))
    return vm, finder, log


def test_initial_state() -> None:
    vm, _, _ = make()
    assert list(vm.assets) == [] and vm.selected_indices == frozenset()
    assert vm.loading is False and vm.total_count == 0 and vm.current_page == 0
    assert vm.has_more_pages is False and vm.total_pages == 0


def test_load_album_loads_the_first_page() -> None:
    vm, _, log = make()
    result = vm.load_album("q")
    assert result is not None and result.page == 1
    assert list(vm.assets) == list(range(200))
    assert vm.total_count == 450 and vm.current_page == 1
    assert vm.has_more_pages and vm.total_pages == 3
    assert log["page_loaded"] == [(1, list(range(200)))]
    assert log["assets_updated"] == [True]


def test_loading_is_set_during_a_load_and_cleared_after() -> None:
    vm, finder, log = make()
    vm.load_album("q")
    assert finder.observed_loading == [True] and vm.loading is False
    assert log["property_changed"].count("loading") == 2


def test_load_next_page_appends_and_signals() -> None:
    vm, _, log = make()
    vm.load_album("q")
    vm.load_next_page()
    assert list(vm.assets) == list(range(400)) and vm.current_page == 2
    assert log["page_loaded"][-1] == (2, list(range(200, 400)))
    assert len(log["assets_updated"]) == 2


def test_load_next_page_at_the_end_does_nothing() -> None:
    vm, _, log = make(150)
    vm.load_album("q")
    assert vm.load_next_page() is None
    assert len(log["page_loaded"]) == 1 and not vm.has_more_pages


def test_load_next_page_before_any_album_does_nothing() -> None:
    vm, _, log = make()
    assert vm.load_next_page() is None and log["page_loaded"] == []


def test_errors_are_reported_and_loading_is_not_stuck() -> None:
    vm, finder, log = make()
    finder.fail = True
    assert vm.load_album("q") is None
    assert log["error_occurred"] == ["database is locked"]
    assert vm.loading is False and log["page_loaded"] == []
    finder.fail = False
    vm.load_album("q")
    assert vm.loading is False and len(vm.assets) == 200


def test_error_while_paging_keeps_what_was_loaded() -> None:
    vm, finder, log = make()
    vm.load_album("q")
    finder.fail = True
    assert vm.load_next_page() is None
    assert log["error_occurred"] and vm.loading is False and len(vm.assets) == 200


def test_property_changes_are_announced() -> None:
    vm, _, log = make()
    vm.load_album("q")
    for name in ("total_count", "current_page", "has_more_pages", "total_pages", "assets"):
        assert name in log["property_changed"]


def test_selection() -> None:
    vm, _, log = make()
    vm.load_album("q")
    vm.select([1, 3, 999, -1])
    assert vm.selected_indices == {1, 3}
    vm.select(5, extend=True)
    assert vm.selected_indices == {1, 3, 5}
    vm.toggle(3)
    assert vm.selected_indices == {1, 5}
    assert vm.selected_assets == [1, 5]
    vm.select([1, 5])  # no change, no signal
    vm.clear_selection()
    assert log["selection_changed"] == [{1, 3}, {1, 3, 5}, {1, 5}, set()]
    vm.select_all()
    assert len(vm.selected_indices) == 200


def test_loading_a_new_album_clears_the_selection() -> None:
    vm, _, log = make()
    vm.load_album("q")
    vm.select([2])
    vm.load_album("q")
    assert vm.selected_indices == frozenset() and log["selection_changed"][-1] == set()


def test_reload_on_scan_completed_for_its_album() -> None:
    bus = Bus()
    vm, finder, log = make(album="/photos", event_bus=bus, scan_event_type=ScanDone)
    vm.load_album("q")
    finder.rows.extend(range(450, 500))
    bus.publish(ScanDone("/photos/"))
    assert vm.total_count == 500 and len(log["page_loaded"]) == 2 and vm.current_page == 1


def test_no_reload_for_another_album() -> None:
    bus = Bus()
    vm, _, log = make(album="/photos", event_bus=bus, scan_event_type=ScanDone)
    vm.load_album("q")
    bus.publish(ScanDone("/elsewhere"))
    assert len(log["page_loaded"]) == 1


def test_no_reload_before_an_album_is_loaded_and_after_close() -> None:
    bus = Bus()
    vm, _, log = make(event_bus=bus, scan_event_type=ScanDone)
    bus.publish(ScanDone("/photos"))
    assert log["page_loaded"] == []
    vm.load_album("q", album="/photos")
    vm.close()
    bus.publish(ScanDone("/photos"))
    assert len(log["page_loaded"]) == 1 and bus.handlers == []


def test_calls_during_a_load_are_ignored() -> None:
    vm, _, log = make(1000)
    vm.load_album("q")
    results: list[object] = []
    vm.property_changed.connect(
        lambda name, value: results.append(vm.load_next_page()) if name == "loading" else None
    )
    vm.load_next_page()
    # while loading is set the call is ignored; once cleared it loads the next page, whose
    # own loading flag is ignored again, and so on to the end
    assert results[0] is None and vm.current_page == 5 and len(vm.assets) == 1000
    assert any(r is not None for r in results) and not log["error_occurred"]


def test_slots_may_load_more_pages() -> None:
    vm, _, log = make(1000)
    vm.page_loaded.connect(lambda page, items: vm.load_next_page())
    vm.load_album("q")
    # the slot ran after loading was cleared, so each page triggers the next one
    assert vm.current_page == 5 and len(vm.assets) == 1000
    assert [p for p, _ in log["page_loaded"]] == [1, 2, 3, 4, 5]


def test_load_page_jumps() -> None:
    vm, _, _ = make(1000)
    vm.load_album("q")
    vm.select([0])
    vm.load_page(4)
    assert vm.current_page == 4 and list(vm.assets) == list(range(600, 800))
    assert vm.selected_indices == frozenset()  # they pointed into what is gone
    vm.load_page(5, append=True)
    assert vm.current_page == 5 and list(vm.assets) == list(range(600, 1000))


# --- Signal ------------------------------------------------------------------------------------


def test_signal_connect_emit_disconnect() -> None:
    s = Signal("s")
    got: list[tuple[int, str]] = []

    def slot(a: int, b: str) -> None:
        got.append((a, b))

    s.connect(slot)
    s.emit(1, "x")
    s.disconnect(slot)
    s.emit(2, "y")
    assert got == [(1, "x")] and len(s) == 0
    with pytest.raises(ValueError):
        s.disconnect(slot)
    with pytest.raises(TypeError):
        s.connect(42)  # type: ignore[arg-type]


def test_a_failing_slot_does_not_stop_the_others() -> None:
    s = Signal("s")
    got: list[int] = []

    def bad(x: int) -> None:
        raise RuntimeError("boom")

    s.connect(bad)
    s.connect(got.append)
    s.emit(7)
    assert got == [7]
    s.disconnect()
    assert len(s) == 0
