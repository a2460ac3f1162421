"""FramebufferPool: reuse, LRU eviction within a byte bound, nothing allocated in a steady
state."""

from __future__ import annotations

from typing import Any

import pytest

moderngl = pytest.importorskip("moderngl", reason="the viewer extra is not installed")

from albumen.viewer.gpu import FramebufferPool, ImageRenderer, TextureStreamer  # noqa: E402

from .conftest import live_gl_objects, marked_image  # noqa: E402


def test_a_released_framebuffer_is_handed_out_again(ctx: Any) -> None:
    with FramebufferPool(ctx) as pool:
        first = pool.acquire((32, 16))
        assert first.size == (32, 16) and first.color_attachments[0].components == 4
        pool.release(first)
        again = pool.acquire((32, 16))
        assert again is first
        other = pool.acquire((32, 16))  # the first is in use: a new one
        assert other is not first
        different = pool.acquire((32, 16), components=3)
        assert different.color_attachments[0].components == 3
        stats = pool.stats()
        assert (stats.allocations, stats.reuses, stats.in_use, stats.idle) == (3, 1, 3, 0)
        assert stats.bytes == 32 * 16 * 4 * 2 + 32 * 16 * 3


def test_idle_framebuffers_are_evicted_least_recently_used_first(ctx: Any) -> None:
    size_bytes = 16 * 16 * 4  # each of the three formats below
    with FramebufferPool(ctx, max_bytes=2 * size_bytes) as pool:
        a, b = pool.acquire((16, 16)), pool.acquire((16, 16), components=2, dtype="f2")
        pool.release(a)
        pool.release(b)
        c = pool.acquire((16, 16), components=1, dtype="f4")  # over the bound: a goes
        stats = pool.stats()
        assert stats.evictions == 1 and stats.bytes == 2 * size_bytes
        assert isinstance(a.mglo, moderngl.InvalidObject)
        assert pool.acquire((16, 16), components=2, dtype="f2") is b  # b was kept
        pool.release(c)


def test_framebuffers_in_use_are_never_evicted(ctx: Any) -> None:
    with FramebufferPool(ctx, max_bytes=1) as pool:
        held = [pool.acquire((8, 8)) for _ in range(3)]
        assert pool.stats().evictions == 0 and pool.stats().in_use == 3
        for fb in held:
            pool.release(fb)
        assert pool.stats().idle == 0 and pool.stats().bytes == 0  # all over the bound


def test_releasing_a_stranger_is_an_error(ctx: Any) -> None:
    with FramebufferPool(ctx) as pool:
        fb = pool.acquire((4, 4))
        pool.release(fb)
        with pytest.raises(ValueError):
            pool.release(fb)
        with pytest.raises(ValueError):
            pool.acquire((0, 4))


def test_steady_state_rendering_allocates_nothing_over_1000_frames(ctx: Any, pipeline: Any) -> None:
    shaders, pool = pipeline
    streamer = TextureStreamer(ctx, shaders=shaders)
    renderer = ImageRenderer(ctx, shaders, pool)
    try:
        image = streamer.upload(marked_image())
        streamer.finish_all()
        renderer.set_image(image, viewport=(64, 48))
        renderer.render_to_image()  # the first frame allocates
        allocations = pool.stats().allocations
        objects = live_gl_objects()
        for frame in range(1000):
            renderer.pan(1 if frame % 2 else -1, 0)
            renderer.render_to_image()
        stats = pool.stats()
        assert stats.allocations == allocations
        assert stats.reuses >= 1000
        assert live_gl_objects() == objects
    finally:
        renderer.close()
        streamer.close()


def test_close_releases_everything(ctx: Any) -> None:
    before = live_gl_objects()
    pool = FramebufferPool(ctx)
    kept = pool.acquire((8, 8))
    pool.release(pool.acquire((16, 16)))
    pool.close()
    assert live_gl_objects() == before
    assert isinstance(kept.mglo, moderngl.InvalidObject)  # in use, released all the same
