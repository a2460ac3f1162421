"""JustifiedLayout: rows at the items' aspect ratios filling the width, sections, relayout,
and layout properties checked with hypothesis."""

from __future__ import annotations

import math
from array import array

import pytest
from albumen import JustifiedLayout
from hypothesis import given, settings
from hypothesis import strategies as st

EPS = 1e-3


def rows_of(layout: JustifiedLayout) -> dict[float, list[int]]:
    rows: dict[float, list[int]] = {}
    for i in range(layout.total_count):
        rows.setdefault(layout.item_rect(i)[1], []).append(i)
    return rows


def test_squares_fill_rows_at_the_target_height() -> None:
    layout = JustifiedLayout([1.0] * 5, 300, target_row_height=100, spacing=0)
    assert layout.row_count == 2
    assert layout.item_rect(0) == (0, 0, 100, 100)
    assert layout.item_rect(2) == (200, 0, 100, 100)
    # the last row keeps the target height and is not stretched
    assert layout.item_rect(3) == (0, 100, 100, 100)
    assert layout.item_rect(4) == (100, 100, 100, 100)
    assert layout.content_height() == 200


def test_rows_are_scaled_to_fill_the_width_exactly() -> None:
    ratios = [1.5, 0.75, 1.0, 1.78, 1.33, 0.56, 2.4, 1.0, 1.5, 0.8] * 20
    layout = JustifiedLayout(ratios, 1000, target_row_height=180, spacing=6)
    rows = list(rows_of(layout).values())
    for row in rows[:-1]:
        x, _y, w, h = layout.item_rect(row[-1])
        assert x + w == pytest.approx(1000, abs=EPS)
        for i in row:  # aspect ratios are kept
            assert layout.item_rect(i)[2] / h == pytest.approx(ratios[i], rel=1e-4, abs=1e-3)
        assert 180 / 1.6 < h <= 180 * 1.5 + EPS
    last = rows[-1]
    assert layout.item_rect(last[0])[3] == pytest.approx(180)


def test_spacing_separates_items_and_rows() -> None:
    layout = JustifiedLayout([1.0] * 4, 206, target_row_height=100, spacing=6)
    assert layout.item_rect(1)[0] == pytest.approx(106)
    assert layout.item_rect(2)[1] == pytest.approx(106)


def test_buffers_and_lists_give_the_same_layout() -> None:
    ratios = [1.5, 0.75, 1.0, 1.78, 1.33, 0.56] * 50
    a = JustifiedLayout(ratios, 1200)
    b = JustifiedLayout(array("d", ratios), 1200)
    c = JustifiedLayout(array("f", ratios), 1200)
    d = JustifiedLayout(memoryview(array("d", ratios)), 1200)
    for i in range(len(ratios)):
        assert a.item_rect(i) == b.item_rect(i) == c.item_rect(i) == d.item_rect(i)


def test_bad_ratios_become_squares() -> None:
    layout = JustifiedLayout([math.nan, -1.0, 0.0, math.inf], 10_000, target_row_height=100)
    assert [layout.item_rect(i)[2] for i in range(4)] == [100, 100, 100, 100]


def test_integer_buffers_are_read_as_numbers() -> None:
    layout = JustifiedLayout(array("i", [1, 2]), 10_000, target_row_height=100, spacing=0)
    assert layout.item_rect(1) == (100, 0, 200, 100)


def test_invalid_arguments_raise() -> None:
    with pytest.raises(ValueError):
        JustifiedLayout([1.0], 0)
    with pytest.raises(ValueError):
        JustifiedLayout([1.0], 100, target_row_height=-1)
    with pytest.raises(ValueError):
        JustifiedLayout([1.0], 100, spacing=-1)
    with pytest.raises(TypeError):
        JustifiedLayout("abc", 100)  # type: ignore[arg-type]
    layout = JustifiedLayout([1.0], 100)
    with pytest.raises(IndexError):
        layout.item_rect(1)
    with pytest.raises(ValueError):
        layout.set_viewport_width(-5)


def test_empty_layout() -> None:
    layout = JustifiedLayout([], 800)
    assert layout.content_height() == 0
    assert layout.calculate_visible_range(0, 600) == (0, 0)
    assert layout.index_at(1, 1) is None
    assert len(layout) == 0 and layout.row_count == 0


def test_visible_range_and_hit_testing() -> None:
    layout = JustifiedLayout([1.0] * 5, 300, target_row_height=100, spacing=0)
    assert layout.calculate_visible_range(0, 50) == (0, 3)
    assert layout.calculate_visible_range(99, 2) == (0, 5)
    assert layout.calculate_visible_range(100, 50) == (3, 5)
    assert layout.calculate_visible_range(1000, 50) == (5, 5)
    assert layout.index_at(150, 150) == 4
    assert layout.index_at(250, 150) is None  # right of the unstretched last row
    assert layout.row_of(4) == 1


def test_sections_start_new_rows_with_headers() -> None:
    layout = JustifiedLayout(
        [1.0] * 4, 300, target_row_height=100, spacing=0, section_starts=[2], header_height=20
    )
    assert layout.section_starts == [0, 2] and layout.section_count == 2
    assert layout.item_rect(0) == (0, 20, 100, 100)
    assert layout.item_rect(2) == (0, 140, 100, 100)
    assert layout.header_rect(1) == (0, 120, 300, 20)
    assert layout.section_of(3) == 1
    assert layout.index_at(5, 125) is None
    assert layout.visible_sections(0, 130) == (0, 2)
    assert layout.content_height() == 240


def test_relayout_on_width_change_matches_a_fresh_layout() -> None:
    ratios = [1.5, 0.75, 1.0, 1.78, 1.33, 0.56, 2.4] * 30
    layout = JustifiedLayout(ratios, 1200, section_starts=[0, 50, 120], header_height=24)
    assert layout.set_viewport_width(900) is True
    assert layout.set_viewport_width(900) is False
    fresh = JustifiedLayout(ratios, 900, section_starts=[0, 50, 120], header_height=24)
    assert layout.row_count == fresh.row_count
    assert [layout.item_rect(i) for i in range(len(ratios))] == [
        fresh.item_rect(i) for i in range(len(ratios))
    ]
    layout.set_geometry(target_row_height=120, spacing=2)
    fresh = JustifiedLayout(
        ratios,
        900,
        target_row_height=120,
        spacing=2,
        section_starts=[0, 50, 120],
        header_height=24,
    )
    assert layout.content_height() == fresh.content_height()
    layout.set_sections([])
    assert layout.section_count == 1 and layout.header_height == 0


def test_a_million_items() -> None:
    ratios = array("d", [(1.0, 1.5, 0.75, 1.78)[i % 4] for i in range(1_000_000)])
    layout = JustifiedLayout(ratios, 1600, target_row_height=220)
    first, last = layout.calculate_visible_range(layout.content_height() / 2, 1000)
    assert 0 < first < last < 1_000_000
    x, y, w, h = layout.item_rect(first)
    assert y + h > layout.content_height() / 2
    assert layout.index_at(x + w / 2, y + h / 2) == first


# --- properties ---------------------------------------------------------------------------------

layouts = st.tuples(
    st.lists(st.floats(0.05, 20), max_size=60),
    st.floats(50, 3000),
    st.floats(20, 400),
    st.floats(0, 12),
    st.lists(st.integers(0, 70), max_size=6),
    st.floats(0, 50),
)


def make(params: tuple[list[float], float, float, float, list[int], float]) -> JustifiedLayout:
    ratios, width, target, spacing, starts, hh = params
    return JustifiedLayout(
        ratios,
        width,
        target_row_height=target,
        spacing=spacing,
        section_starts=starts,
        header_height=hh,
    )


@settings(max_examples=200, deadline=None)
@given(layouts)
def test_items_lie_inside_the_content_and_never_overlap(
    params: tuple[list[float], float, float, float, list[int], float],
) -> None:
    layout = make(params)
    width = params[1]
    height = layout.content_height()
    rects = [layout.item_rect(i) for i in range(layout.total_count)]
    for x, y, w, h in rects:
        assert x >= -EPS and y >= -EPS and w > 0 and h > 0
        assert x + w <= width + EPS and y + h <= height + EPS
    headers = [layout.header_rect(k) for k in range(layout.section_count)] if rects else []
    boxes = rects + [hr for hr in headers if hr[3] > 0]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert (
                a[0] + a[2] <= b[0] + EPS
                or b[0] + b[2] <= a[0] + EPS
                or a[1] + a[3] <= b[1] + EPS
                or b[1] + b[3] <= a[1] + EPS
            ), (a, b)


@settings(max_examples=200, deadline=None)
@given(layouts, st.floats(-100, 5000), st.floats(0, 2000))
def test_visible_range_is_exactly_the_intersecting_items(
    params: tuple[list[float], float, float, float, list[int], float], scroll: float, vh: float
) -> None:
    layout = make(params)
    n = layout.total_count
    first, last = layout.calculate_visible_range(scroll, vh)
    assert 0 <= first <= last <= n
    expected = []
    for i in range(n):
        _x, y, _w, h = layout.item_rect(i)
        if vh > 0 and y < scroll + vh and y + h > scroll:
            expected.append(i)
    assert list(range(first, last)) == expected


@settings(max_examples=150, deadline=None)
@given(layouts, st.data())
def test_index_at_agrees_with_item_rect(
    params: tuple[list[float], float, float, float, list[int], float], data: st.DataObject
) -> None:
    layout = make(params)
    rects = [layout.item_rect(i) for i in range(layout.total_count)]
    for i, (x, y, w, h) in enumerate(rects):
        assert layout.index_at(x + w / 2, y + h / 2) == i
    for _ in range(20):
        px = data.draw(st.floats(-10, params[1] + 10))
        py = data.draw(st.floats(-10, layout.content_height() + 10))
        hit = layout.index_at(px, py)
        inside = [i for i, (x, y, w, h) in enumerate(rects) if x <= px < x + w and y <= py < y + h]
        assert ([hit] if hit is not None else []) == inside


@settings(max_examples=100, deadline=None)
@given(layouts, st.floats(50, 3000))
def test_relayout_equals_fresh_layout(
    params: tuple[list[float], float, float, float, list[int], float], new_width: float
) -> None:
    layout = make(params)
    layout.set_viewport_width(new_width)
    fresh = make((params[0], new_width, *params[2:]))
    assert [layout.item_rect(i) for i in range(layout.total_count)] == [
        fresh.item_rect(i) for i in range(fresh.total_count)
    ]
