"""View arithmetic: orientation, fit, fill, 1:1, zoom about a point, pan (no OpenGL)."""

from __future__ import annotations

import pytest

pytest.importorskip("moderngl", reason="the viewer extra (moderngl) is not installed")

from albumen.viewer.gpu.view import (
    Matrix,
    Mode,
    View,
    displayed_size,
    orientation_matrix,
)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    (a, b, c), (d, e, f), _ = m
    return a * x + b * y + c, d * x + e * y + f


@pytest.mark.parametrize(
    ("orientation", "top_left_goes_to"),
    [(1, "tl"), (2, "tr"), (3, "br"), (4, "bl"), (5, "tl"), (6, "tr"), (7, "br"), (8, "bl")],
)
def test_orientation_moves_the_top_left_corner(orientation: int, top_left_goes_to: str) -> None:
    w, h = 40, 30
    dw, dh = displayed_size(w, h, orientation)
    corners = {"tl": (0, 0), "tr": (dw, 0), "bl": (0, dh), "br": (dw, dh)}
    m = orientation_matrix(w, h, orientation)
    assert _apply(m, 0, 0) == corners[top_left_goes_to]
    # the image maps onto the displayed rectangle exactly
    mapped = {_apply(m, x, y) for x in (0, w) for y in (0, h)}
    assert mapped == set(corners.values())


def test_quarter_turns_swap_width_and_height() -> None:
    assert displayed_size(40, 30, 1) == (40, 30)
    assert displayed_size(40, 30, 6) == (30, 40)
    assert displayed_size(40, 30, 9) == (40, 30)  # unknown: as stored


def test_fit_and_fill_centre_the_image() -> None:
    fit = View((400, 300), (200, 200)).fit()
    assert fit.zoom == 0.5 and fit.mode is Mode.FIT
    assert fit.to_viewport((0, 0)) == (0.0, 25.0)
    assert fit.to_viewport((400, 300)) == (200.0, 175.0)
    fill = fit.fill()
    assert fill.zoom == pytest.approx(200 / 300)
    x0, y0 = fill.to_viewport((0, 0))
    x1, y1 = fill.to_viewport((400, 300))
    assert x0 <= 0 and y0 <= 0 and x1 >= 200 and y1 >= 200


def test_actual_size_keeps_the_centre() -> None:
    view = View((400, 300), (200, 200)).fit().actual_size()
    assert view.zoom == 1.0 and view.center == (200.0, 150.0)
    assert view.to_viewport((200, 150)) == (100.0, 100.0)


def test_zoom_about_a_point_keeps_that_point_in_place() -> None:
    view = View((400, 300), (200, 200)).fit()
    point = (37.0, 61.0)
    before = view.to_image(point)
    zoomed = view.zoom_about(3.0, point)
    assert zoomed.zoom == pytest.approx(1.5)
    after = zoomed.to_image(point)
    # the origin is snapped to whole viewport pixels: within one pixel at the new zoom
    assert after == pytest.approx(before, abs=1 / zoomed.zoom)


def test_pan_moves_the_image_with_the_drag() -> None:
    view = View((400, 300), (200, 200)).actual_size()
    moved = view.pan(10, -4)
    x0, y0 = view.to_viewport((0, 0))
    x1, y1 = moved.to_viewport((0, 0))
    assert (x1 - x0, y1 - y0) == (10.0, -4.0)
    assert moved.mode is Mode.FREE


def test_resizing_refits_a_fitted_view_but_not_a_zoomed_one() -> None:
    fit = View((400, 300), (200, 200)).fit()
    assert fit.resized((400, 400)).zoom == 1.0
    zoomed = fit.zoom_about(2, (100, 100))
    assert zoomed.resized((400, 400)).zoom == zoomed.zoom
