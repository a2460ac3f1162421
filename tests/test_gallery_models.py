"""The gallery's Qt-free models: selection ranges, rows by position through keyset pages
(bounded), and the estimated layout that opens a large album before its exact one."""

from __future__ import annotations

from pathlib import Path

from albumen.browse.gallery_layout import (
    ESTIMATED_LABEL,
    GalleryLayout,
    LayoutKind,
    by_month,
    estimated_layout_data,
)
from albumen.browse.gallery_rows import GalleryRows
from albumen.browse.selection import Selection
from albumen.store.query import AssetQuery
from albumen.store.sqlite.finder import SQLiteAssetFinder
from albumen.testing.synthetic import build_library


def test_selection_click_shift_ctrl_and_all() -> None:
    s = Selection(100)
    s.click(10)
    assert list(s) == [10] and s.current == 10 and s.anchor == 10
    s.click(14, shift=True)
    assert list(s) == [10, 11, 12, 13, 14] and s.anchor == 10
    s.click(12, ctrl=True)
    assert list(s) == [10, 11, 13, 14] and 12 not in s and 13 in s
    s.click(20, ctrl=True)
    s.click(22, shift=True, ctrl=True)  # adds the range from the anchor (20)
    assert s.ranges == [(10, 12), (13, 15), (20, 23)]
    s.move_to(5, extend=True)  # shift+arrow: from the anchor to the new focus
    assert s.ranges == [(5, 21)]
    s.select_all()
    assert len(s) == 100 and s.ranges == [(0, 100)]
    s.reset(1_000_000)
    s.click(0)
    s.click(999_999, shift=True)
    assert len(s) == 1_000_000 and s.ranges == [(0, 1_000_000)]  # two numbers, not a million


def test_rows_by_position_keep_a_bounded_number_of_pages(tmp_path: Path) -> None:
    db = build_library(tmp_path / "library.db", 5000, hidden_fraction=0.0)
    with SQLiteAssetFinder.open(db) as finder:
        query = AssetQuery()
        expected = [r.rowid for n in range(1, 26) for r in finder.page(query, n, 200)]
        rows = GalleryRows(finder, query, finder.count(query), max_pages=4)
        for index in (4999, 0, 2500, 1234, 4000):
            row = rows.row(index)
            assert row is not None and row.rowid == expected[index]
        assert len(rows._pages) == 4  # the least recently used page went
        assert rows.cached_row(4999) is None and rows.cached_row(4000) is not None
        assert rows.missing_pages(3900, 4300) == [20, 22]
        source = rows.source(4000)
        assert source is None or source[0].rowid == expected[4000]


def test_estimated_layout_places_the_first_page_exactly(tmp_path: Path) -> None:
    db = build_library(tmp_path / "library.db", 3000, hidden_fraction=0.0)
    with SQLiteAssetFinder.open(db) as finder:
        query = AssetQuery()
        first = finder.page(query, 1, 200)
        exact = finder.layout_data(query, "day")
        estimate = estimated_layout_data(first, 3000, "day")
    assert len(estimate.aspect_ratios) == 3000
    known = [s for s in exact.section_starts if s < 180]
    assert estimate.section_starts[: len(known)] == known
    assert ESTIMATED_LABEL in estimate.section_labels  # made-up sections past the first page
    a = GalleryLayout(exact, 1200, row_height=200)
    b = GalleryLayout(estimate, 1200, row_height=200)
    # the first screen is laid out the same way
    assert [a.item_rect(i) for i in range(40)] == [b.item_rect(i) for i in range(40)]
    # and the estimate's scroll range is in the right region
    assert 0.7 < b.content_height() / a.content_height() < 1.3
    months = by_month(exact)
    assert len(months.section_starts) < len(exact.section_starts)
    grid = GalleryLayout(exact, 1200, kind=LayoutKind.GRID, row_height=150)
    x, y, w, h = grid.item_rect(0)
    assert w == h == 150
    assert grid.index_at(x + 1, y + 1) == 0
    assert a.neighbour(0, "right") == 1 and a.neighbour(1, "left") == 0
    below = a.neighbour(0, "down")
    assert a.item_rect(below)[1] > a.item_rect(0)[1]
