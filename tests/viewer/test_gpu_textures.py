"""TextureStreamer: banded upload, tiling, mip levels, cancel."""

from __future__ import annotations

from typing import Any

import pytest

np = pytest.importorskip("numpy", reason="the viewer extra (numpy) is not installed")

from albumen.viewer.gpu import (  # noqa: E402
    ImageRenderer,
    ImageState,
    ShaderCache,
    TextureStreamer,
)
from albumen.viewer.gpu.gl import (  # noqa: E402
    GL_RGBA,
    GL_SRGB8_ALPHA8,
    GL_TEXTURE_2D,
    GL_UNSIGNED_BYTE,
    load_gl,
)

from .conftest import live_gl_objects  # noqa: E402


def _noise(height: int, width: int, components: int = 4, seed: int = 1) -> Any:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, components), dtype=np.uint8)


def _read_level(texture: Any, level: int) -> Any:
    """A mip level's bytes (moderngl reads level 0 only of a texture whose levels it did
    not make)."""
    gl = load_gl()
    assert gl is not None
    width, height = max(1, texture.width >> level), max(1, texture.height >> level)
    out = np.empty((height, width, 4), dtype=np.uint8)
    texture.use(0)
    gl.glGetTexImage(GL_TEXTURE_2D, level, GL_RGBA, GL_UNSIGNED_BYTE, out.ctypes.data)
    return out


def test_a_banded_upload_equals_a_single_upload_byte_for_byte(ctx: Any, pipeline: Any) -> None:
    pixels = _noise(203, 301)  # odd sizes
    single = ctx.texture((301, 203), 4, pixels.tobytes(), internal_format=GL_SRGB8_ALPHA8)
    streamer = TextureStreamer(ctx, shaders=pipeline[0], max_band_rows=7)
    try:
        image = streamer.upload(pixels)
        streamer.finish_all()
        assert image.ready and len(image.tiles) == 1
        stats = streamer.stats()
        assert stats.bands == -(-203 // 7)  # every band 7 rows, the last one fewer
        assert stats.bytes == pixels.nbytes
        texture = image.tiles[0].texture
        assert texture is not None
        assert texture.read() == single.read()
    finally:
        single.release()
        streamer.close()


def test_rgb_pixels_and_raw_bytes_upload_with_an_opaque_alpha(
    streamer: TextureStreamer,
) -> None:
    rgb = _noise(16, 24, components=3)
    from_array = streamer.upload(rgb)
    from_bytes = streamer.upload(rgb.tobytes(), size=(24, 16), components=3)
    streamer.finish_all()
    expected = np.concatenate([rgb, np.full((16, 24, 1), 255, np.uint8)], axis=2).tobytes()
    for image in (from_array, from_bytes):
        texture = image.tiles[0].texture
        assert texture is not None and texture.read() == expected


def test_bad_pixels_are_refused(streamer: TextureStreamer) -> None:
    with pytest.raises(ValueError):
        streamer.upload(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError):
        streamer.upload(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="size"):
        streamer.upload(b"\0" * 48)


def test_images_larger_than_a_tile_are_tiled_and_render_seamlessly(ctx: Any, pipeline: Any) -> None:
    pixels = _noise(150, 200, components=3)
    streamer = TextureStreamer(ctx, shaders=pipeline[0], tile_size=64)
    renderer = ImageRenderer(ctx, *pipeline)
    try:
        image = streamer.upload(pixels)
        streamer.finish_all()
        assert [(t.x, t.y, t.width, t.height) for t in image.tiles][:5] == [
            (0, 0, 64, 64),
            (64, 0, 64, 64),
            (128, 0, 64, 64),
            (192, 0, 8, 64),
            (0, 64, 64, 64),
        ]
        assert len(image.tiles) == 4 * 3
        renderer.set_image(image, viewport=(200, 150))
        renderer.actual_size()
        frame = np.asarray(renderer.render_to_image()).astype(int)
        assert np.abs(frame - pixels.astype(int)).max() <= 1
    finally:
        renderer.close()
        streamer.close()


def test_the_tile_size_never_exceeds_the_gpu_limit(ctx: Any, pipeline: Any) -> None:
    streamer = TextureStreamer(ctx, shaders=pipeline[0], tile_size=1 << 20)
    try:
        assert streamer.tile_size <= int(ctx.info["GL_MAX_TEXTURE_SIZE"])
    finally:
        streamer.close()
    with pytest.raises(ValueError):
        TextureStreamer(ctx, shaders=pipeline[0], tile_size=1000)


def test_mip_levels_come_after_the_last_band_in_linear_light(ctx: Any, pipeline: Any) -> None:
    pixels = _noise(64, 96, seed=3)
    streamer = TextureStreamer(ctx, budget_ms=0.0, shaders=pipeline[0], max_band_rows=8)
    try:
        image = streamer.upload(pixels)
        states = []
        while streamer.step():
            states.append(image.state)
        assert states[0] is ImageState.UPLOADING and ImageState.MIPMAPPING in states
        assert states.index(ImageState.MIPMAPPING) > max(
            i for i, s in enumerate(states) if s is ImageState.UPLOADING
        )
        assert image.ready and image.tiles[0].mip_levels == 6  # 96 -> 1
        assert streamer.stats().mip_bands > 6  # level 1 alone takes 4 bands of 8 rows
        texture = image.tiles[0].texture
        level1 = _read_level(texture, 1).astype(float)
        # the mean of each 2 x 2 block, in linear light
        linear = _to_linear(pixels[..., :3].astype(float))
        blocks = linear.reshape(32, 2, 48, 2, 3).mean(axis=(1, 3))
        assert np.abs(level1[..., :3] - _to_srgb(blocks)).max() <= 1.0
        alpha = pixels[..., 3].astype(float).reshape(32, 2, 48, 2).mean(axis=(1, 3))
        assert np.abs(level1[..., 3] - alpha).max() <= 1.0
    finally:
        streamer.close()


def _to_linear(srgb: Any) -> Any:
    c = srgb / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _to_srgb(linear: Any) -> Any:
    c = np.clip(linear, 0, 1)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055) * 255.0


def test_each_step_makes_progress_and_work_is_spread_over_steps(ctx: Any, pipeline: Any) -> None:
    streamer = TextureStreamer(ctx, budget_ms=0.0, shaders=pipeline[0], max_band_rows=16)
    try:
        image = streamer.upload(_noise(64, 64))
        steps = 0
        while streamer.step():
            steps += 1
        # with no time to spare, one piece per step: a texture, 4 bands, 6 mip levels' bands
        assert steps >= 1 + 4 + 6
        assert image.ready and streamer.pending == 0
        assert streamer.step() is False
    finally:
        streamer.close()


def test_cancel_stops_the_upload_and_releases_its_textures(ctx: Any, pipeline: Any) -> None:
    before = live_gl_objects()["Texture"]
    streamer = TextureStreamer(ctx, budget_ms=0.0, shaders=pipeline[0], tile_size=32)
    try:
        image = streamer.upload(_noise(64, 64))
        for _ in range(4):
            streamer.step()
        assert live_gl_objects()["Texture"] > before
        names = [t.owned_name for t in image.tiles if t.owned_name]
        gl = load_gl()
        assert gl is not None and names and all(gl.glIsTexture(n) for n in names)
        image.release()
        assert not any(gl.glIsTexture(n) for n in names)  # the GL textures are deleted
        assert image.state is ImageState.CANCELLED
        assert all(t.texture is None for t in image.tiles)
        assert live_gl_objects()["Texture"] == before
        assert streamer.pending == 0 and streamer.step() is False
        assert streamer.stats().cancelled == 1
        # a finished image released later is released, not cancelled
        done = streamer.upload(_noise(8, 8))
        streamer.finish_all()
        streamer.cancel(done)
        assert done.state is ImageState.RELEASED and streamer.stats().cancelled == 1
    finally:
        streamer.close()


def test_close_releases_every_texture_buffer_and_framebuffer(ctx: Any) -> None:
    gl = load_gl()
    assert gl is not None
    before = live_gl_objects()
    shaders = ShaderCache(ctx, None)
    streamer = TextureStreamer(ctx, shaders=shaders)
    streamer.warm_up()
    streamer.upload(_noise(40, 40))
    streamer.upload(_noise(40, 40))
    streamer.step()
    assert streamer._mips is not None
    fbo = streamer._mips.fbo
    assert gl.glIsFramebuffer(fbo)
    streamer.close()
    shaders.close()
    assert not gl.glIsFramebuffer(fbo)
    assert live_gl_objects() == before
    with pytest.raises(Exception, match="closed"):
        streamer.upload(_noise(4, 4))
