"""VirtualAssetGrid (uniform grid math in Rust): the plan's behaviours, sections, hit-testing,
and properties checked with hypothesis."""

from __future__ import annotations

import math

import pytest
from albumen import VirtualAssetGrid
from hypothesis import given, settings
from hypothesis import strategies as st


def grid(count: int = 0, *args: int) -> VirtualAssetGrid:
    g = VirtualAssetGrid(*args)
    g.set_total_count(count)
    return g


# --- the plan's behaviours ---------------------------------------------------------------


def test_defaults() -> None:
    g = VirtualAssetGrid()
    assert (g.item_width, g.item_height, g.spacing) == (200, 200, 4)


def test_total_count_starts_at_zero() -> None:
    assert VirtualAssetGrid().total_count == 0


def test_set_total_count() -> None:
    g = grid(1234)
    assert g.total_count == 1234


def test_negative_count_clamps_to_zero() -> None:
    g = grid(10)
    g.set_total_count(-5)
    assert g.total_count == 0


def test_empty_grid_has_empty_range() -> None:
    assert VirtualAssetGrid().calculate_visible_range(0, 800, 600) == (0, 0)
    assert VirtualAssetGrid().calculate_visible_range(5000, 800, 600) == (0, 0)


def test_columns_formula() -> None:
    g = VirtualAssetGrid()
    assert g.columns(816) == 4  # 816 // 204
    assert g.columns(815) == 3
    assert g.columns(100) == 1  # max(1, ...)
    assert g.columns(0) == 1


def test_visible_range_at_top() -> None:
    # 4 columns; rows start at 0, 204, 408 (< 600), 612 (not visible)
    assert grid(1000).calculate_visible_range(0, 816, 600) == (0, 12)


def test_visible_range_when_scrolled() -> None:
    # rows whose bottom (r*204+200) > 1000 start at r=4; rows starting < 1600 end at r=7
    assert grid(1000).calculate_visible_range(1000, 816, 600) == (16, 32)


def test_last_never_exceeds_count() -> None:
    g = grid(10)
    assert g.calculate_visible_range(0, 816, 10_000) == (0, 10)
    first, last = g.calculate_visible_range(300, 816, 10_000)
    assert last == 10 and first <= last


def test_scrolled_past_the_end_is_empty() -> None:
    first, last = grid(10).calculate_visible_range(100_000, 816, 600)
    assert first == last == 10


def test_content_height_is_rows_times_pitch() -> None:
    assert grid(100).content_height(816) == 25 * 204
    assert grid(101).content_height(816) == 26 * 204
    assert VirtualAssetGrid().content_height(816) == 0


def test_item_rect_positions() -> None:
    g = grid(100)
    assert g.item_rect(0, 816) == (0, 0, 200, 200)
    assert g.item_rect(3, 816) == (612, 0, 200, 200)
    assert g.item_rect(5, 816) == (204, 204, 200, 200)


def test_custom_size_and_spacing() -> None:
    g = grid(50, 100, 150, 10)
    assert g.columns(550) == 5
    assert g.item_rect(7, 550) == (220, 160, 100, 150)
    assert g.content_height(550) == 10 * 160
    assert g.calculate_visible_range(0, 550, 160) == (0, 5)  # row 1 starts at 160: not visible


def test_narrow_viewport_gives_one_column() -> None:
    g = grid(3)
    assert g.item_rect(2, 50) == (0, 408, 200, 200)


# --- beyond the plan -------------------------------------------------------------------------


def test_invalid_geometry_raises() -> None:
    with pytest.raises(ValueError):
        VirtualAssetGrid(0, 200, 4)
    with pytest.raises(ValueError):
        VirtualAssetGrid(200, 200, -1)
    with pytest.raises(ValueError):
        grid(10).calculate_visible_range(math.nan, 800, 600)
    with pytest.raises(IndexError):
        grid(10).item_rect(-1, 800)


def test_zero_height_viewport_shows_nothing() -> None:
    first, last = grid(100).calculate_visible_range(100, 816, 0)
    assert first == last


def test_index_at_hits_items_and_misses_spacing() -> None:
    g = grid(10)
    assert g.index_at(0, 0, 816) == 0
    assert g.index_at(205, 205, 816) == 5
    assert g.index_at(201, 10, 816) is None  # horizontal spacing
    assert g.index_at(10, 202, 816) is None  # vertical spacing
    assert g.index_at(420, 420, 816) is None  # item 10 does not exist
    assert g.index_at(-1, 10, 816) is None
    assert g.index_at(900, 10, 816) is None  # right of the last column


def test_sections_start_new_rows_under_headers() -> None:
    g = grid(10)
    g.set_sections([3, 7], header_height=30)
    assert g.section_starts == [0, 3, 7]
    assert g.section_count == 3
    # 4 columns: every section fits one row of 204 under a 30 px header
    assert g.content_height(816) == 3 * (30 + 204)
    assert g.item_rect(0, 816) == (0, 30, 200, 200)
    assert g.item_rect(3, 816) == (0, 264, 200, 200)
    assert g.header_rect(1, 816) == (0, 234, 816, 30)
    assert g.section_of(8) == 2
    assert g.index_at(5, 240, 816) is None  # on a header
    assert g.visible_sections(0, 816, 240) == (0, 2)
    g.set_sections([])
    assert g.content_height(816) == 3 * 204 and g.header_height == 0


def test_sections_follow_count_changes() -> None:
    g = grid(5)
    g.set_sections([2, 8], header_height=10)
    assert g.section_starts == [0, 2]  # 8 is past the end for now
    g.set_total_count(10)
    assert g.section_starts == [0, 2, 8]


def test_sections_reject_negative_starts() -> None:
    with pytest.raises(ValueError):
        grid(5).set_sections([-1])


# --- properties ---------------------------------------------------------------------------------


def intersects(rect: tuple[float, float, float, float], top: float, bottom: float) -> bool:
    _x, y, _w, h = rect
    return y < bottom and y + h > top


grids = st.builds(
    lambda w, h, s, n, starts, hh: (w, h, s, n, sorted(set(starts)), hh),
    st.integers(1, 300),
    st.integers(1, 300),
    st.integers(0, 20),
    st.integers(0, 80),
    st.lists(st.integers(0, 90), max_size=8),
    st.integers(0, 60),
)


def make(params: tuple[int, int, int, int, list[int], int]) -> VirtualAssetGrid:
    w, h, s, n, starts, hh = params
    g = grid(n, w, h, s)
    if starts:
        g.set_sections(starts, header_height=hh)
    return g


@settings(max_examples=150, deadline=None)
@given(grids, st.integers(1, 2000))
def test_items_lie_inside_the_content_and_never_overlap(
    params: tuple[int, int, int, int, list[int], int], vw: int
) -> None:
    g = make(params)
    n = g.total_count
    height = g.content_height(vw)
    rects = [g.item_rect(i, vw) for i in range(n)]
    headers = [g.header_rect(k, vw) for k in range(g.section_count)] if n and params[4] else []
    for x, y, w, h in rects:
        assert x >= 0 and y >= 0 and y + h <= height
        assert x + w <= max(vw, w)
    boxes = rects + [hr for hr in headers if hr[3] > 0]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert (
                a[0] + a[2] <= b[0]
                or b[0] + b[2] <= a[0]
                or a[1] + a[3] <= b[1]
                or b[1] + b[3] <= a[1]
            ), (a, b)


@settings(max_examples=200, deadline=None)
@given(grids, st.integers(1, 2000), st.integers(-500, 20_000), st.integers(0, 3000))
def test_visible_range_is_exactly_the_intersecting_items(
    params: tuple[int, int, int, int, list[int], int], vw: int, scroll: int, vh: int
) -> None:
    g = make(params)
    n = g.total_count
    first, last = g.calculate_visible_range(scroll, vw, vh)
    assert 0 <= first <= last <= n
    expected = [
        i for i in range(n) if vh > 0 and intersects(g.item_rect(i, vw), scroll, scroll + vh)
    ]
    assert list(range(first, last)) == expected


@settings(max_examples=150, deadline=None)
@given(grids, st.integers(1, 2000), st.data())
def test_index_at_agrees_with_item_rect(
    params: tuple[int, int, int, int, list[int], int], vw: int, data: st.DataObject
) -> None:
    g = make(params)
    n = g.total_count
    rects = [g.item_rect(i, vw) for i in range(n)]
    for i, (x, y, w, h) in enumerate(rects):
        assert g.index_at(x, y, vw) == i
        assert g.index_at(x + w - 0.5, y + h - 0.5, vw) == i
    height = max(g.content_height(vw), 1)
    for _ in range(20):
        px = data.draw(st.floats(-10, vw + 300))
        py = data.draw(st.floats(-10, height + 10))
        hit = g.index_at(px, py, vw)
        inside = [i for i, (x, y, w, h) in enumerate(rects) if x <= px < x + w and y <= py < y + h]
        assert ([hit] if hit is not None else []) == inside
