"""Fixtures for the GPU pipeline tests: one headless OpenGL context (EGL; Mesa's llvmpipe
where there is no GPU) for the session, fresh ones on demand, and counts of the OpenGL
objects alive."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

moderngl = pytest.importorskip("moderngl", reason="the viewer extra (moderngl) is not installed")
np = pytest.importorskip("numpy", reason="the viewer extra (numpy) is not installed")

from albumen.viewer.gpu import (  # noqa: E402
    FramebufferPool,
    GpuError,
    ImageRenderer,
    ShaderCache,
    TextureStreamer,
    create_standalone_context,
)

_SESSION: list[Any] = []


def _session_context() -> Any:
    if not _SESSION:
        try:
            _SESSION.append(create_standalone_context())
        except GpuError as error:
            # only when EGL truly cannot make a context (make test installs libegl1 and
            # libgl1-mesa-dri, so there it runs)
            pytest.skip(f"no headless OpenGL context: {error}")
    return _SESSION[0]


@pytest.fixture
def ctx() -> Iterator[Any]:
    """The session's context, current, with moderngl's bookkeeping on: an object dropped
    without release() lands in ``ctx.objects``."""
    context = _session_context()
    context.__enter__()  # current again, whatever another test made current
    context.gc_mode = "context_gc"
    yield context
    # moderngl queues every collected object; released ones are InvalidObject
    leaked = [o for o in context.objects if not isinstance(o, moderngl.InvalidObject)]
    context.objects.clear()
    for obj in leaked:
        obj.release()
    assert not leaked, f"moderngl objects dropped without release(): {leaked}"


@pytest.fixture
def make_context(ctx: Any) -> Iterator[Callable[[], Any]]:
    """Fresh contexts (each current once made); released afterwards, and the session's
    context made current again."""
    made: list[Any] = []

    def make() -> Any:
        context = create_standalone_context()
        made.append(context)
        return context

    yield make
    for context in made:
        context.release()
    ctx.__enter__()


@pytest.fixture
def pipeline(ctx: Any, tmp_path: Path) -> Iterator[tuple[ShaderCache, FramebufferPool]]:
    shaders = ShaderCache(ctx, tmp_path / "shaders")
    pool = FramebufferPool(ctx)
    yield shaders, pool
    pool.close()
    shaders.close()


@pytest.fixture
def streamer(ctx: Any, pipeline: tuple[ShaderCache, FramebufferPool]) -> Iterator[TextureStreamer]:
    s = TextureStreamer(ctx, shaders=pipeline[0])
    yield s
    s.close()


@pytest.fixture
def renderer(ctx: Any, pipeline: tuple[ShaderCache, FramebufferPool]) -> Iterator[ImageRenderer]:
    r = ImageRenderer(ctx, *pipeline)
    yield r
    r.close()


def live_gl_objects() -> Counter[str]:
    """moderngl objects alive and not released, by kind."""
    gc.collect()
    kinds = (
        moderngl.Buffer,
        moderngl.Texture,
        moderngl.Framebuffer,
        moderngl.Program,
        moderngl.VertexArray,
        moderngl.Renderbuffer,
        moderngl.Sampler,
    )
    return Counter(
        type(o).__name__
        for o in gc.get_objects()
        if isinstance(o, kinds) and not isinstance(o.mglo, moderngl.InvalidObject)
    )


def marked_image(width: int = 80, height: int = 60, alpha: bool = False) -> Any:
    """An image whose top-left corner is marked (a red block, a green block right of it, a
    blue one below it: no two orientations look alike) on a grey-blue ground."""
    pixels = np.zeros((height, width, 4 if alpha else 3), dtype=np.uint8)
    pixels[..., :3] = (40, 80, 120)
    if alpha:
        pixels[..., 3] = 255
    pixels[:10, :10, :3] = (255, 0, 0)
    pixels[:10, 10:20, :3] = (0, 255, 0)
    pixels[10:20, :10, :3] = (0, 0, 255)
    return pixels
