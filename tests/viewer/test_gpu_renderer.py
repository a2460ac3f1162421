"""ImageRenderer pixel tests: orientation, placement and scale for fit, 1:1, zoom about a
point and pan; transparency over a checkerboard; minification in linear light."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy", reason="the viewer extra (numpy) is not installed")

from albumen.viewer.gpu import GpuError, ImageRenderer, TextureStreamer  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from .conftest import marked_image  # noqa: E402

BACKGROUND = (0.0, 0.0, 0.0)


def _upright(pixels: Any, orientation: int) -> Any:
    """What Pillow shows for these stored pixels with this EXIF orientation."""
    image = Image.fromarray(pixels)
    image.getexif()[0x0112] = orientation
    return np.asarray(ImageOps.exif_transpose(image))


def _stream(streamer: TextureStreamer, pixels: Any) -> Any:
    image = streamer.upload(pixels)
    streamer.finish_all()
    assert image.ready
    return image


def _box(frame: Any, colour: tuple[int, int, int], tolerance: int = 60) -> tuple[int, ...]:
    """Bounding box (x0, y0, x1, y1) of the pixels close to ``colour``."""
    close = np.all(np.abs(frame.astype(int) - colour) <= tolerance, axis=2)
    ys, xs = np.nonzero(close)
    assert len(xs), f"no pixel of colour {colour}"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_renders_upright_at_one_to_one(
    orientation: int, streamer: TextureStreamer, renderer: ImageRenderer
) -> None:
    pixels = marked_image()
    expected = _upright(pixels, orientation)
    image = _stream(streamer, pixels)
    height, width = expected.shape[:2]
    renderer.set_image(image, orientation=orientation, viewport=(width, height))
    renderer.actual_size()
    frame = np.asarray(renderer.render_to_image())
    assert frame.shape == expected.shape
    # sRGB -> linear -> sRGB in float: the same bytes, give or take a rounding
    assert np.abs(frame.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.parametrize("orientation", [1, 6, 7])
def test_fit_places_and_scales_the_oriented_image(
    orientation: int, streamer: TextureStreamer, ctx: Any, pipeline: Any
) -> None:
    pixels = marked_image()  # 80 x 60; the red mark is its top-left 10 x 10
    renderer = ImageRenderer(ctx, *pipeline, background=BACKGROUND)
    try:
        renderer.set_image(_stream(streamer, pixels), orientation, viewport=(300, 200))
        frame = np.asarray(renderer.render_to_image())
    finally:
        renderer.close()
    expected = _upright(pixels, orientation)
    dh, dw = expected.shape[:2]
    zoom = min(300 / dw, 200 / dh)
    x0, y0 = round((300 - dw * zoom) / 2), round((200 - dh * zoom) / 2)
    # the image covers exactly its fitted rectangle; black background elsewhere
    image_box = _box(frame, (40, 80, 120), tolerance=30)
    assert image_box == pytest.approx((x0, y0, x0 + dw * zoom, y0 + dh * zoom), abs=1.5)
    # the red mark is where Pillow's upright image has it, scaled by the zoom
    rx0, ry0, rx1, ry1 = _box(expected, (255, 0, 0), tolerance=0)
    assert _box(frame, (255, 0, 0)) == pytest.approx(
        (x0 + rx0 * zoom, y0 + ry0 * zoom, x0 + rx1 * zoom, y0 + ry1 * zoom), abs=1.5
    )


def test_one_to_one_is_centred_and_pixel_exact(
    streamer: TextureStreamer, renderer: ImageRenderer
) -> None:
    pixels = marked_image()
    renderer.set_image(_stream(streamer, pixels), viewport=(120, 100))
    renderer.actual_size()
    frame = np.asarray(renderer.render_to_image())
    inner = frame[20:80, 20:100]  # (120 - 80) / 2, (100 - 60) / 2
    assert np.abs(inner.astype(int) - pixels.astype(int)).max() <= 1


def test_zoom_about_a_point_keeps_that_point_and_scales_the_rest(
    streamer: TextureStreamer, renderer: ImageRenderer
) -> None:
    pixels = marked_image()
    renderer.set_image(_stream(streamer, pixels), viewport=(120, 100))
    renderer.actual_size()
    corner = (30.0, 30.0)  # the red mark spans (20, 20)-(30, 30) at 1:1; its corner
    renderer.zoom_about(3.0, corner)
    frame = np.asarray(renderer.render_to_image())
    x0, y0, x1, y1 = _box(frame, (255, 0, 0))
    # the mark's bottom-right corner stayed at the point; the mark is 3x larger
    assert (x1, y1) == pytest.approx(corner, abs=1.5)
    assert (x1 - x0, y1 - y0) == pytest.approx((30, 30), abs=2)


def test_pan_moves_the_image(streamer: TextureStreamer, renderer: ImageRenderer) -> None:
    renderer.set_image(_stream(streamer, marked_image()), viewport=(120, 100))
    renderer.actual_size()
    before = _box(np.asarray(renderer.render_to_image()), (255, 0, 0))
    renderer.pan(13, -7)
    after = _box(np.asarray(renderer.render_to_image()), (255, 0, 0))
    assert (after[0] - before[0], after[1] - before[1]) == (13, -7)


def test_fill_covers_the_viewport(streamer: TextureStreamer, ctx: Any, pipeline: Any) -> None:
    renderer = ImageRenderer(ctx, *pipeline, background=(1.0, 0.0, 1.0))
    try:
        renderer.set_image(_stream(streamer, marked_image()), viewport=(200, 200))
        renderer.fill()
        frame = np.asarray(renderer.render_to_image())
    finally:
        renderer.close()
    magenta = np.all(frame == (255, 0, 255), axis=2)
    assert not magenta.any()


def test_transparent_pixels_show_the_checkerboard_and_outside_the_background(
    streamer: TextureStreamer, ctx: Any, pipeline: Any
) -> None:
    pixels = marked_image(alpha=True)
    pixels[30:, :, 3] = 0  # the bottom half fully transparent
    light, dark = (0.8, 0.8, 0.8), (0.4, 0.4, 0.4)
    renderer = ImageRenderer(
        ctx, *pipeline, background=(0.0, 0.0, 0.0), checker=(light, dark), checker_size=8
    )
    try:
        renderer.set_image(_stream(streamer, pixels), viewport=(100, 60))
        renderer.actual_size()
        frame = np.asarray(renderer.render_to_image()).astype(int)
    finally:
        renderer.close()
    assert (frame[:, :10] == 0).all() and (frame[:, 90:] == 0).all()  # background
    assert np.abs(frame[5, 15] - (255, 0, 0)).max() <= 1  # opaque: the image
    under = frame[30:, 10:90].reshape(-1, 3)
    shades = {tuple(p) for p in under}
    assert shades == {(204, 204, 204), (102, 102, 102)}  # the two checker shades only


@pytest.mark.parametrize("minification", ["lanczos", "trilinear"])
def test_minification_averages_in_linear_light_without_aliasing(
    minification: str, ctx: Any, pipeline: Any, streamer: TextureStreamer
) -> None:
    # one-pixel black/white stripes: shrunk 4x they must become an even grey. In linear
    # light that grey is 50% (sRGB 188); averaging sRGB values would give 128.
    pixels = np.zeros((256, 256, 3), dtype=np.uint8)
    pixels[:, ::2] = 255
    renderer = ImageRenderer(ctx, *pipeline, minification=minification)
    try:
        renderer.set_image(_stream(streamer, pixels), viewport=(64, 64))
        frame = np.asarray(renderer.render_to_image()).astype(int)
    finally:
        renderer.close()
    assert np.abs(frame - 188).max() <= 3


def test_a_partly_uploaded_image_draws_what_has_landed(
    ctx: Any, pipeline: Any, renderer: ImageRenderer
) -> None:
    pixels = marked_image()
    # no time budget: every step does one piece of work (a texture, or a band of 20 rows)
    streamer = TextureStreamer(ctx, budget_ms=0.0, shaders=pipeline[0], max_band_rows=20)
    try:
        image = streamer.upload(pixels)
        streamer.step()
        streamer.step()
        assert image.rows_uploaded == 20
        renderer.set_image(image, viewport=(80, 60))
        renderer.actual_size()
        frame = np.asarray(renderer.render_to_image()).astype(int)
        assert np.abs(frame[:20] - pixels[:20]).max() <= 1
        assert not image.ready
    finally:
        streamer.close()


def test_view_operations_need_an_image(renderer: ImageRenderer) -> None:
    with pytest.raises(GpuError, match="set_image"):
        renderer.fit()
    # with nothing to show, a frame is the background
    frame = np.asarray(renderer.render_to_image((8, 8)))
    assert (frame == frame[0, 0]).all()
