"""The GPU pipeline of the viewer (moderngl; no Qt): shader programs compiled once and cached
across runs (:class:`ShaderCache`), large images streamed to textures within a per-frame
budget (:class:`TextureStreamer`), framebuffers reused from a pool (:class:`FramebufferPool`)
and an image renderer with EXIF orientation, zoom, pan and a good minification filter
(:class:`ImageRenderer`). Works with any moderngl context: a ``QOpenGLWidget``'s or a headless
one from :func:`create_standalone_context`.

    ctx = create_standalone_context()
    shaders = ShaderCache(ctx, cache_dir)
    shaders.warm_up()
    pool = FramebufferPool(ctx)
    streamer = TextureStreamer(ctx, budget_ms=8.0, shaders=shaders)
    renderer = ImageRenderer(ctx, shaders, pool)
    image = streamer.upload(pixels)          # (h, w, 3|4) uint8
    while streamer.step(): ...               # once per frame
    renderer.set_image(image, orientation=6, viewport=(1600, 1000))
    renderer.render_to_image().save("view.png")
"""

from albumen.viewer.gpu.context import GpuError, create_standalone_context
from albumen.viewer.gpu.framebuffers import FramebufferPool, PoolStats
from albumen.viewer.gpu.programs import PIPELINE_PROGRAMS, ProgramSource
from albumen.viewer.gpu.renderer import ImageRenderer, RendererStats
from albumen.viewer.gpu.shaders import ShaderCache, ShaderProgram, ShaderStats
from albumen.viewer.gpu.textures import (
    ImageState,
    StreamedImage,
    StreamerStats,
    TextureStreamer,
    Tile,
)
from albumen.viewer.gpu.view import Mode, View

__all__ = [
    "PIPELINE_PROGRAMS",
    "FramebufferPool",
    "GpuError",
    "ImageRenderer",
    "ImageState",
    "Mode",
    "PoolStats",
    "ProgramSource",
    "RendererStats",
    "ShaderCache",
    "ShaderProgram",
    "ShaderStats",
    "StreamedImage",
    "StreamerStats",
    "TextureStreamer",
    "Tile",
    "View",
    "create_standalone_context",
]
