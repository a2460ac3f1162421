"""What the detail view draws, with the GPU pipeline (``albumen.viewer.gpu``): one photo at the
best resolution that has reached the GPU so far, and where it sits.

The photo comes in levels: the cached thumbnail (already upright), a decode at screen size,
then full resolution. Each level is a ``StreamedImage`` uploaded in bands by the
``TextureStreamer`` within a per-frame budget; the best level that is ready is drawn. The
user's view (fit, 1:1, zoom about a point, pan) is kept as a ``View`` over the *full*
displayed size, so it means the same whichever level is on screen; each frame it is scaled to
the level drawn. No Qt here: the canvases (``detail_canvas``) give it a moderngl context and a
framebuffer.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import moderngl

from albumen.viewer.gpu import (
    FramebufferPool,
    ImageRenderer,
    ImageState,
    Mode,
    ShaderCache,
    StreamedImage,
    TextureStreamer,
    View,
)
from albumen.viewer.gpu.view import displayed_size

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["LEVELS", "DetailScene"]

LEVELS = ("thumbnail", "screen", "full", "frame")  # "frame": a video frame


class DetailScene:
    """The GPU side of the detail view for one moderngl context."""

    def __init__(self, ctx: moderngl.Context, shader_dir: Path | None) -> None:
        self.ctx = ctx
        self.shaders = ShaderCache(ctx, shader_dir)
        self.shaders.warm_up()
        self.pool = FramebufferPool(ctx)
        self.streamer = TextureStreamer(ctx, budget_ms=8.0, shaders=self.shaders)
        # small images (the thumbnail, the screen-size decode, video frames) go up at once:
        # nothing moves on screen meanwhile, so one longer frame beats several late ones
        self.immediate = TextureStreamer(ctx, budget_ms=60_000.0, shaders=self.shaders)
        self.renderer = ImageRenderer(ctx, self.shaders, self.pool)
        self.streamer.warm_up()
        self.immediate.warm_up()
        self.renderer.warm_up()
        renderer_name = str(ctx.info.get("GL_RENDERER", "")).lower()
        #: a CPU rasteriser (Mesa llvmpipe/softpipe, SwiftShader): Lanczos costs seconds there
        self.software = any(n in renderer_name for n in ("llvmpipe", "softpipe", "swiftshader"))
        self.view: View | None = None  # over the full displayed size
        self.full_size: tuple[int, int] = (1, 1)  # displayed
        self.viewport: tuple[int, int] = (1, 1)
        self._levels: dict[str, tuple[StreamedImage, int]] = {}  # level -> (image, orientation)
        self._incoming: tuple[StreamedImage, int] | None = None  # the next video frame
        self._last_draw = 0.0
        self.shown_level: str | None = None
        self.level_shown_at: dict[str, float] = {}  # level -> perf_counter when first drawn
        self.token: object = None

    # -- what to show -------------------------------------------------------------------------

    def clear(self, token: object = None, full_size: tuple[int, int] = (1, 1)) -> None:
        """Forget the current photo; ``full_size`` is the next one's displayed size (from the
        index) so the view can be set before any pixels arrive."""
        self.drop_level("frame")
        for image, _ in self._levels.values():
            image.release()
        self._levels.clear()
        self.shown_level = None
        self.level_shown_at = {}
        self.token = token
        self.full_size = (max(1, full_size[0]), max(1, full_size[1]))
        self.view = View.fitted(self.full_size, self.viewport)

    def add_level(
        self, level: str, pixels: npt.NDArray[np.uint8], orientation: int = 1
    ) -> StreamedImage | None:
        """Stream ``pixels`` (stored, shown with ``orientation``) as ``level``; drawn once ready
        if no better level is."""
        if level == "frame":
            return self._add_frame(pixels, orientation)
        old = self._levels.pop(level, None)
        if old is not None:
            old[0].release()
        image = self._upload(pixels, banded=level == "full")
        self._levels[level] = (image, orientation)
        if level in ("full", "frame") or self.shown_level is None:
            size = displayed_size(image.width, image.height, orientation)
            if level == "full" or self.full_size == (1, 1):
                self._set_full_size(size)
        return image

    def _add_frame(self, pixels: npt.NDArray[np.uint8], orientation: int) -> StreamedImage | None:
        """A video frame: uploaded beside the one on screen, which it replaces once ready. A
        frame arriving while the previous one is still uploading is skipped (playback drops
        frames rather than falling behind)."""
        if self._incoming is not None and self._incoming[0].state is not ImageState.READY:
            return None
        image = self._upload(pixels, banded=False)
        self._incoming = (image, orientation)
        if "frame" not in self._levels and self._levels.keys() <= {"thumbnail"}:
            self._set_full_size(displayed_size(image.width, image.height, orientation))
        return image

    def _upload(self, pixels: npt.NDArray[np.uint8], *, banded: bool) -> StreamedImage:
        """Full resolution streams in bands within the frame budget; the rest at once."""
        if banded:
            return self.streamer.upload(pixels)
        image = self.immediate.upload(pixels)
        self.immediate.finish_all()
        return image

    def _promote_frame(self) -> None:
        incoming = self._incoming
        if incoming is None or incoming[0].state is not ImageState.READY:
            return
        old = self._levels.pop("frame", None)
        if old is not None:
            old[0].release()
        self._levels["frame"] = incoming
        self._incoming = None

    def _set_full_size(self, size: tuple[int, int]) -> None:
        if size == self.full_size:
            return
        view = self.view
        self.full_size = size
        if view is None or view.mode is Mode.FIT:
            self.view = View.fitted(size, self.viewport)
        else:
            s = size[0] / view.size[0]
            self.view = replace(
                view, size=size, zoom=view.zoom / s, center=(view.center[0] * s, view.center[1] * s)
            )

    def drop_level(self, level: str) -> None:
        if level == "frame" and self._incoming is not None:
            self._incoming[0].release()
            self._incoming = None
        entry = self._levels.pop(level, None)
        if entry is not None:
            entry[0].release()
            if self.shown_level == level:
                self.shown_level = None

    def has_level(self, level: str) -> bool:
        return level in self._levels

    def ready(self, level: str) -> bool:
        entry = self._levels.get(level)
        return entry is not None and entry[0].state is ImageState.READY

    @property
    def busy(self) -> bool:
        """Uploads still running (the canvas should draw another frame)."""
        return self.streamer.pending > 0 or self._incoming is not None

    def screen_scale(self) -> float:
        """Displayed pixels of the screen-size level per full-resolution displayed pixel."""
        entry = self._levels.get("screen")
        if entry is None:
            return 0.0
        image, orientation = entry
        return displayed_size(image.width, image.height, orientation)[0] / self.full_size[0]

    # -- the view ------------------------------------------------------------------------------

    def resize(self, viewport: tuple[int, int]) -> None:
        self.viewport = (max(1, viewport[0]), max(1, viewport[1]))
        if self.view is not None:
            self.view = self.view.resized(self.viewport)

    def fit(self) -> None:
        if self.view is not None:
            self.view = self.view.fit()

    def actual_size(self) -> None:
        if self.view is not None:
            self.view = self.view.actual_size()

    def zoom_about(self, factor: float, point: tuple[float, float]) -> None:
        if self.view is not None:
            self.view = self.view.zoom_about(factor, point)

    def pan(self, dx: float, dy: float) -> None:
        if self.view is not None and self.view.mode is not Mode.FIT:
            self.view = self.view.pan(dx, dy)

    @property
    def zoom(self) -> float:
        """Viewport pixels per full-resolution displayed pixel."""
        return self.view.zoom if self.view is not None else 1.0

    # -- drawing --------------------------------------------------------------------------------

    def _best(self) -> tuple[str, StreamedImage, int] | None:
        for level in ("frame", "full", "screen", "thumbnail"):
            entry = self._levels.get(level)
            if entry is not None and entry[0].state is ImageState.READY:
                return level, entry[0], entry[1]
        return None

    def render(self, framebuffer: moderngl.Framebuffer) -> None:
        """Advance the uploads, then draw the best ready level.

        The uploads get at least the streamer's budget, and as much time as the last frame
        took to draw: where drawing is slow (a software renderer), a frame then carries as
        much upload work as drawing, instead of one short band per long frame."""
        started = time.perf_counter()
        budget = max(self.streamer.budget, self._last_draw)
        while self.streamer.step() and time.perf_counter() - started < budget:
            pass
        self._promote_frame()
        best = self._best()
        renderer = self.renderer
        if best is None or self.view is None:
            renderer.image, renderer.view = None, None
        else:
            level, image, orientation = best
            shown = displayed_size(image.width, image.height, orientation)
            s = shown[0] / self.full_size[0]
            renderer.image = image
            renderer.orientation = orientation
            view = (
                self.view.resized(framebuffer.size)
                if self.view.viewport != framebuffer.size
                else self.view
            )
            renderer.view = View(
                shown,
                framebuffer.size,
                zoom=view.zoom / s,
                center=(view.center[0] * s, view.center[1] * s),
                mode=Mode.FREE,
            )
            if level != self.shown_level:
                self.shown_level = level
                self._drop_below(level)
            self.level_shown_at.setdefault(level, time.perf_counter())
        # Lanczos minification is 64 texture reads a pixel: while an upload still needs
        # frames (and always on a software renderer) draw with the GPU's trilinear filter
        renderer.minification = "trilinear" if self.busy or self.software else "lanczos"
        drawing = time.perf_counter()
        renderer.render(framebuffer)
        self.ctx.finish()
        self._last_draw = min(0.25, time.perf_counter() - drawing)

    def _drop_below(self, level: str) -> None:
        """Release the levels worse than ``level`` (it is on screen now)."""
        order = ("thumbnail", "screen", "full")
        if level not in order:
            return
        for worse in order[: order.index(level)]:
            entry = self._levels.pop(worse, None)
            if entry is not None:
                entry[0].release()

    def close(self) -> None:
        self.drop_level("frame")
        for image, _ in self._levels.values():
            image.release()
        self._levels.clear()
        self.renderer.close()
        self.streamer.close()
        self.immediate.close()
        self.pool.close()
        self.shaders.close()
