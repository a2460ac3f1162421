"""ImageRenderer: draws a streamed image into a viewport.

One textured quad per tile, placed by a single matrix (EXIF orientation x zoom x pan x
viewport) in the vertex shader: the pixels are never re-encoded to turn a photo. When the
image is shown smaller than 1:1 the fragment shader filters with Lanczos-2 on the finest mip
level holding at most two texels per output pixel (close to a Lanczos resize of the whole
image, measured against Pillow's in benches/bench_gpu.py); larger than 1:1 it interpolates
bilinearly. Transparent pixels are composited over a checkerboard, outside the image is the
background colour. All filtering and compositing happen in linear light.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import moderngl

from albumen.viewer.gpu.context import GpuError, ensure_alive
from albumen.viewer.gpu.framebuffers import FramebufferPool
from albumen.viewer.gpu.gl import GL_SRGB8_ALPHA8
from albumen.viewer.gpu.programs import IMAGE
from albumen.viewer.gpu.shaders import ShaderCache
from albumen.viewer.gpu.textures import StreamedImage, Tile
from albumen.viewer.gpu.view import Matrix, View, displayed_size, multiply, orientation_matrix

if TYPE_CHECKING:
    from PIL import Image

Colour = tuple[float, float, float]


@dataclass(frozen=True)
class RendererStats:
    """``frames`` rendered, ``tiles_drawn`` and ``tiles_culled`` (outside the viewport)."""

    frames: int
    tiles_drawn: int
    tiles_culled: int


def srgb_to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else float(((c + 0.055) / 1.055) ** 2.4)


class ImageRenderer:
    """Shows one image at a time; ``view`` says where (see :mod:`albumen.viewer.gpu.view`).

    ``minification``: ``"lanczos"`` (default; sharp, up to 64 texture reads per pixel) or
    ``"trilinear"`` (the GPU's own mipmap filter: 1 read, softer; for weak GPUs or
    software rendering during a zoom animation)."""

    def __init__(
        self,
        ctx: moderngl.Context,
        shaders: ShaderCache,
        pool: FramebufferPool,
        *,
        background: Colour = (0.11, 0.11, 0.12),
        checker: tuple[Colour, Colour] = ((0.80, 0.80, 0.80), (0.60, 0.60, 0.60)),
        checker_size: int = 8,
        minification: str = "lanczos",
    ) -> None:
        ensure_alive(ctx)
        if minification not in ("lanczos", "trilinear"):
            raise ValueError(f"minification is 'lanczos' or 'trilinear', not {minification!r}")
        self.ctx = ctx
        self.shaders = shaders
        self.pool = pool
        self.background = background
        self.checker = checker
        self.checker_size = checker_size
        self.minification = minification
        self.program = shaders.program(
            "image", vertex_shader=IMAGE.vertex_shader, fragment_shader=IMAGE.fragment_shader
        )
        self.vao = ctx.vertex_array(self.program.program, [])
        self.image: StreamedImage | None = None
        self.orientation = 1
        self.view: View | None = None
        self._frames = self._tiles_drawn = self._tiles_culled = 0
        self._closed = False

    # -- what to show, and where

    def set_image(
        self, image: StreamedImage | None, orientation: int = 1, viewport: tuple[int, int] = (0, 0)
    ) -> None:
        """Show ``image`` (or nothing) with an EXIF ``orientation``, fitted to ``viewport``
        (by default the current one)."""
        self.image = image
        self.orientation = orientation if orientation in range(1, 9) else 1
        if image is None:
            self.view = None
            return
        if viewport == (0, 0):
            viewport = self.view.viewport if self.view is not None else image.size
        size = displayed_size(image.width, image.height, self.orientation)
        self.view = View.fitted(size, viewport)

    def resize(self, viewport: tuple[int, int]) -> None:
        if self.view is not None:
            self.view = self.view.resized(viewport)

    def fit(self) -> None:
        self.view = self._require_view().fit()

    def fill(self) -> None:
        self.view = self._require_view().fill()

    def actual_size(self) -> None:
        self.view = self._require_view().actual_size()

    def zoom_about(self, factor: float, point: tuple[float, float]) -> None:
        self.view = self._require_view().zoom_about(factor, point)

    def pan(self, dx: float, dy: float) -> None:
        self.view = self._require_view().pan(dx, dy)

    # -- drawing

    def render(self, framebuffer: moderngl.Framebuffer) -> None:
        """Draw into ``framebuffer`` (a pooled one, or the widget's from
        ``ctx.detect_framebuffer()``), over its whole size."""
        self._check_open()
        ensure_alive(self.ctx)
        width, height = framebuffer.size
        if self.view is not None and self.view.viewport != (width, height):
            self.view = self.view.resized((width, height))
        try:
            framebuffer.viewport = (0, 0, width, height)
            framebuffer.use()
            framebuffer.clear(*self.background, 1.0)
            if self.image is not None and self.view is not None:
                self._draw_tiles(self.image, self.view)
        except moderngl.Error as error:
            raise GpuError(f"drawing failed: {error}") from error
        self._frames += 1

    def render_to_image(self, size: tuple[int, int] | None = None) -> Image.Image:
        """Render offscreen (a pooled framebuffer) at ``size`` (default: the view's) and
        return the pixels as an RGB Pillow image."""
        from PIL import Image

        if size is None:
            size = self.view.viewport if self.view is not None else (1, 1)
        framebuffer = self.pool.acquire(size)
        try:
            self.render(framebuffer)
            data = framebuffer.read(components=3)
        finally:
            self.pool.release(framebuffer)
        # OpenGL's rows run bottom to top
        return Image.frombytes("RGB", size, data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)

    def warm_up(self) -> None:
        """Draw once offscreen through every path (magnified, Lanczos, trilinear), so the
        driver's own shader compilation happens now, not on the first real frame."""
        texture = self.ctx.texture((4, 4), 4, bytes(64), internal_format=GL_SRGB8_ALPHA8)
        texture.build_mipmaps()
        image = StreamedImage(4, 4, [Tile(0, 0, 4, 4, texture, mip_levels=2)])
        saved = (self.image, self.orientation, self.view, self.minification)
        framebuffer = self.pool.acquire((2, 2))
        try:
            for minification, zoom in (("lanczos", 4.0), ("lanczos", 0.5), ("trilinear", 0.5)):
                self.minification = minification
                self.image, self.orientation = image, 1
                self.view = View((4, 4), (2, 2), zoom=zoom, center=(2.0, 2.0))
                self.render(framebuffer)
            framebuffer.read(components=3)
        finally:
            self.pool.release(framebuffer)
            texture.release()
            self.image, self.orientation, self.view, self.minification = saved
            self._frames -= 3

    def stats(self) -> RendererStats:
        return RendererStats(self._frames, self._tiles_drawn, self._tiles_culled)

    def close(self) -> None:
        """Release what the renderer made (the shader cache, the pool and the image belong
        to their owners)."""
        if not self._closed:
            self.vao.release()
            self._closed = True

    def __enter__(self) -> ImageRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals

    def _draw_tiles(self, image: StreamedImage, view: View) -> None:
        stored_to_displayed = orientation_matrix(image.width, image.height, self.orientation)
        to_clip = multiply(view.displayed_to_clip(), stored_to_displayed)
        program = self.program
        program["u_to_clip"] = _column_major(to_clip)
        program["u_texels_per_pixel"] = 1.0 / view.zoom
        program["u_lanczos"] = 1 if self.minification == "lanczos" else 0
        program["u_checker_light"] = tuple(srgb_to_linear(c) for c in self.checker[0])
        program["u_checker_dark"] = tuple(srgb_to_linear(c) for c in self.checker[1])
        program["u_checker_size"] = float(self.checker_size)
        program["u_image"] = 0
        for tile in image.tiles:
            if tile.texture is None:
                continue  # not uploaded yet
            if not _visible(tile, to_clip):
                self._tiles_culled += 1
                continue
            program["u_rect"] = (tile.x, tile.y, tile.width, tile.height)
            program["u_max_level"] = float(tile.mip_levels)
            tile.texture.use(0)
            self.vao.render(moderngl.TRIANGLE_STRIP, vertices=4)
            self._tiles_drawn += 1

    def _require_view(self) -> View:
        if self.view is None:
            raise GpuError("no image to show: call set_image first")
        return self.view

    def _check_open(self) -> None:
        if self._closed:
            raise GpuError("this ImageRenderer is closed")


def _column_major(m: Matrix) -> tuple[float, ...]:
    return tuple(float(m[row][col]) for col in range(3) for row in range(3))


def _visible(tile: Tile, to_clip: Matrix) -> bool:
    xs, ys = [], []
    for x in (tile.x, tile.x + tile.width):
        for y in (tile.y, tile.y + tile.height):
            xs.append(to_clip[0][0] * x + to_clip[0][1] * y + to_clip[0][2])
            ys.append(to_clip[1][0] * x + to_clip[1][1] * y + to_clip[1][2])
    return max(xs) > -1 and min(xs) < 1 and max(ys) > -1 and min(ys) < 1
