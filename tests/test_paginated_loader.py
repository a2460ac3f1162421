"""PageResult and PaginatedAssetLoader: the plan's behaviours, over an in-memory finder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from albumen import PageResult, PaginatedAssetLoader
from albumen.browse.paging import LoadedItems


class ListFinder:
    """The finder protocol over a dict of lists (query -> rows), recording its calls."""

    def __init__(self, data: dict[Any, list[int]]) -> None:
        self.data = data
        self.calls: list[tuple[Any, ...]] = []

    def count(self, query: Any) -> int:
        self.calls.append(("count", query))
        return len(self.data.get(query, []))

    def page(self, query: Any, page_number: int, page_size: int) -> Sequence[int]:
        self.calls.append(("page", query, page_number, page_size))
        rows = self.data.get(query, [])
        start = (page_number - 1) * page_size
        return rows[start : start + page_size]


def loader_for(n: int, page_size: int = 200) -> tuple[PaginatedAssetLoader[int], ListFinder]:
    finder = ListFinder({"all": list(range(n)), "none": []})
    return PaginatedAssetLoader(finder, page_size=page_size), finder


# --- PageResult ---------------------------------------------------------------------------------


def test_page_result_defaults() -> None:
    r: PageResult[int] = PageResult()
    assert (list(r.items), r.page, r.page_size, r.total_count) == ([], 1, 200, 0)
    assert r.has_more is False and r.total_pages == 0


def test_page_result_has_more() -> None:
    assert PageResult([1], page=1, page_size=200, total_count=201).has_more
    assert not PageResult([1], page=2, page_size=200, total_count=400).has_more
    assert PageResult([1], page=1, page_size=200, total_count=400).has_more


def test_page_result_total_pages_rounds_up() -> None:
    assert PageResult(page_size=200, total_count=401).total_pages == 3
    assert PageResult(page_size=200, total_count=400).total_pages == 2
    assert PageResult(page_size=200, total_count=1).total_pages == 1


def test_page_result_total_pages_zero_cases() -> None:
    assert PageResult(page_size=200, total_count=0).total_pages == 0
    assert PageResult(page_size=0, total_count=100).total_pages == 0


# --- the loader -----------------------------------------------------------------------------------


def test_initial_state() -> None:
    loader, _ = loader_for(10)
    assert loader.items == [] and len(loader.items) == 0
    assert loader.current_page == 0
    assert loader.total_count == 0
    assert loader.has_more is False
    assert loader.total_pages == 0
    assert loader.page_size == 200


def test_page_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        PaginatedAssetLoader(ListFinder({}), page_size=0)


def test_reset_counts_and_loads_page_one() -> None:
    loader, finder = loader_for(450)
    result = loader.reset("all")
    assert list(result.items) == list(range(200))
    assert (result.page, result.page_size, result.total_count) == (1, 200, 450)
    assert loader.items == list(range(200))
    assert loader.current_page == 1 and loader.total_count == 450
    assert loader.has_more and loader.total_pages == 3
    assert finder.calls == [("count", "all"), ("page", "all", 1, 200)]


def test_reset_clears_previous_items() -> None:
    loader, _ = loader_for(450)
    loader.reset("all")
    loader.load_next_page()
    loader.reset("all")
    assert loader.items == list(range(200)) and loader.current_page == 1


def test_reset_with_a_new_query_switches() -> None:
    finder = ListFinder({"a": [1, 2, 3], "b": [7, 8]})
    loader = PaginatedAssetLoader(finder, page_size=2)
    loader.reset("a")
    loader.reset("b")
    assert loader.items == [7, 8] and loader.total_count == 2 and not loader.has_more


def test_load_next_page_appends() -> None:
    loader, _ = loader_for(450)
    loader.reset("all")
    result = loader.load_next_page()
    assert list(result.items) == list(range(200, 400)) and result.page == 2
    assert loader.items == list(range(400)) and loader.current_page == 2


def test_partial_last_page() -> None:
    loader, _ = loader_for(450)
    loader.reset("all")
    loader.load_next_page()
    result = loader.load_next_page()
    assert list(result.items) == list(range(400, 450))
    assert result.has_more is False and loader.has_more is False
    assert loader.items == list(range(450)) and loader.current_page == 3


def test_load_next_page_without_query_is_empty() -> None:
    loader, finder = loader_for(10)
    result = loader.load_next_page()
    assert list(result.items) == [] and loader.current_page == 0 and finder.calls == []


def test_load_next_page_past_the_end_is_empty_and_changes_nothing() -> None:
    loader, finder = loader_for(150)
    loader.reset("all")
    calls = len(finder.calls)
    result = loader.load_next_page()
    assert list(result.items) == [] and result.total_count == 150
    assert loader.current_page == 1 and len(loader.items) == 150
    assert len(finder.calls) == calls


def test_exact_multiple_of_page_size() -> None:
    loader, _ = loader_for(400)
    loader.reset("all")
    loader.load_next_page()
    assert loader.has_more is False and loader.total_pages == 2
    assert list(loader.load_next_page().items) == []


def test_empty_results() -> None:
    loader, finder = loader_for(10)
    result = loader.reset("none")
    assert list(result.items) == [] and result.total_count == 0
    assert loader.has_more is False and loader.total_pages == 0
    assert ("page", "none", 1, 200) not in finder.calls


def test_load_page_jumps() -> None:
    # issue 13: a jump to page 50 showed page 1 + page 50
    loader, finder = loader_for(1000, page_size=100)
    loader.reset("all")
    loader.load_next_page()
    result = loader.load_page(7)
    assert list(result.items) == list(range(600, 700)) and result.page == 7
    assert loader.current_page == 7 and loader.items == list(range(600, 700))
    assert finder.calls[-1] == ("page", "all", 7, 100)
    assert list(loader.load_next_page().items) == list(range(700, 800))
    assert loader.items == list(range(600, 800))
    assert loader.load_page(3).items == loader.items == list(range(200, 300))


def test_load_page_can_append_as_the_plan_did() -> None:
    loader, finder = loader_for(1000, page_size=100)
    loader.reset("all")
    result = loader.load_page(7, append=True)
    assert list(result.items) == list(range(600, 700)) and result.page == 7
    assert loader.current_page == 7
    assert loader.items == list(range(100)) + list(range(600, 700))
    assert finder.calls[-1] == ("page", "all", 7, 100)
    assert list(loader.load_next_page().items) == list(range(700, 800))


def test_load_page_past_the_end_is_empty() -> None:
    loader, _ = loader_for(250)
    loader.reset("all")
    assert list(loader.load_page(3).items) == []
    assert loader.current_page == 1 and len(loader.items) == 200


def test_load_page_without_query_is_empty() -> None:
    loader, _ = loader_for(250)
    assert list(loader.load_page(1).items) == []


def test_load_page_rejects_page_zero() -> None:
    loader, _ = loader_for(250)
    loader.reset("all")
    with pytest.raises(ValueError):
        loader.load_page(0)


def test_paging_through_everything() -> None:
    loader, _ = loader_for(1234, page_size=100)
    loader.reset("all")
    while loader.has_more:
        loader.load_next_page()
    assert loader.items == list(range(1234)) and loader.current_page == 13
    assert loader.total_pages == 13


def test_custom_page_size_is_passed_to_the_finder() -> None:
    loader, finder = loader_for(30, page_size=7)
    loader.reset("all")
    assert finder.calls[-1] == ("page", "all", 1, 7)
    assert loader.total_pages == 5


def test_rows_added_after_the_count_are_reached() -> None:
    finder = ListFinder({"q": list(range(4))})
    loader = PaginatedAssetLoader(finder, page_size=2)
    loader.reset("q")
    finder.data["q"] += [4, 5, 6]
    loader.load_next_page()  # a full page at the counted end re-counts
    assert loader.total_count == 7 and loader.has_more
    while loader.has_more:
        loader.load_next_page()
    assert loader.items == list(range(7))


def test_rows_removed_after_the_count_end_the_paging() -> None:
    finder = ListFinder({"q": list(range(10))})
    loader = PaginatedAssetLoader(finder, page_size=2)
    loader.reset("q")
    del finder.data["q"][4:]
    pages = 0
    while loader.has_more and pages < 100:
        loader.load_next_page()
        pages += 1
    assert loader.items == [0, 1, 2, 3] and not loader.has_more and pages < 100


def test_loaded_items_behave_like_a_list() -> None:
    items: LoadedItems[int] = LoadedItems()
    items.append_page([1, 2, 3])
    items.append_page([])
    items.append_page((4, 5))
    assert len(items) == 5 and items[0] == 1 and items[3] == 4 and items[-1] == 5
    assert items[1:4] == [2, 3, 4] and list(items) == [1, 2, 3, 4, 5]
    assert items == [1, 2, 3, 4, 5] and items != [1, 2]
    with pytest.raises(IndexError):
        items[5]
    items.clear()
    assert items == []
