"""Where an image lands in a viewport: EXIF orientation, fit, fill, 1:1, zoom about a point,
pan. Plain arithmetic, no OpenGL, so it can be tested alone and reused by the Qt widget
(hit-testing a click, say).

Coordinates: *stored* pixels are the image as decoded (row 0 on top, before orientation);
*displayed* pixels are the image as the EXIF orientation says to show it; *viewport* pixels
have their origin at the top-left of the viewport, y down. Positions are continuous: pixel
(i, j) covers [i, i+1) x [j, j+1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum

Matrix = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]

MIN_ZOOM = 1e-4
MAX_ZOOM = 1e4


def displayed_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """The size as shown: orientations 5-8 turn the image a quarter."""
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def orientation_matrix(width: int, height: int, orientation: int) -> Matrix:
    """Stored pixel -> displayed pixel for an EXIF orientation (1-8; anything else is 1):
    1 as stored, 2 mirrored left-right, 3 turned 180 degrees, 4 mirrored top-bottom,
    5 transposed, 6 turned 90 degrees clockwise, 7 transversed, 8 turned 90 counter-clockwise
    (what Pillow's ``ImageOps.exif_transpose`` does to the pixels)."""
    w, h = float(width), float(height)
    # (a, b, c, d, e, f): displayed = (a*x + b*y + c, d*x + e*y + f)
    table = {
        2: (-1, 0, w, 0, 1, 0),
        3: (-1, 0, w, 0, -1, h),
        4: (1, 0, 0, 0, -1, h),
        5: (0, 1, 0, 1, 0, 0),
        6: (0, -1, h, 1, 0, 0),
        7: (0, -1, h, -1, 0, w),
        8: (0, 1, 0, -1, 0, w),
    }
    a, b, c, d, e, f = table.get(orientation, (1, 0, 0, 0, 1, 0))
    return ((a, b, c), (d, e, f), (0.0, 0.0, 1.0))


def multiply(m: Matrix, n: Matrix) -> Matrix:
    rows = tuple(
        tuple(sum(m[i][k] * n[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )
    return rows  # type: ignore[return-value]


class Mode(Enum):
    FIT = "fit"  # the whole image in the viewport, centred (kept on resize)
    FILL = "fill"  # the viewport covered, centred (kept on resize)
    FREE = "free"  # a zoom and a centre set by the user (1:1, zoom, pan)


@dataclass(frozen=True)
class View:
    """What the viewport shows: the displayed image's ``size``, the ``viewport`` size, the
    ``zoom`` (viewport pixels per displayed pixel) and the displayed point at the viewport's
    centre. Every operation returns a new View."""

    size: tuple[int, int]
    viewport: tuple[int, int]
    zoom: float = 1.0
    center: tuple[float, float] = (0.0, 0.0)
    mode: Mode = Mode.FIT

    @classmethod
    def fitted(cls, size: tuple[int, int], viewport: tuple[int, int]) -> View:
        return cls(size, viewport).fit()

    def fit(self) -> View:
        zoom = min(self.viewport[0] / self.size[0], self.viewport[1] / self.size[1])
        return self._centred(zoom, Mode.FIT)

    def fill(self) -> View:
        zoom = max(self.viewport[0] / self.size[0], self.viewport[1] / self.size[1])
        return self._centred(zoom, Mode.FILL)

    def actual_size(self) -> View:
        """1:1 (one image pixel per viewport pixel), about the viewport's centre."""
        return replace(self, zoom=1.0, mode=Mode.FREE)

    def zoom_about(self, factor: float, point: tuple[float, float]) -> View:
        """Zoom by ``factor``, keeping the image point under viewport ``point`` in place."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        ix, iy = self.to_image(point)
        dx, dy = point[0] - self.viewport[0] / 2, point[1] - self.viewport[1] / 2
        return replace(self, zoom=zoom, center=(ix - dx / zoom, iy - dy / zoom), mode=Mode.FREE)

    def pan(self, dx: float, dy: float) -> View:
        """Move the image by (dx, dy) viewport pixels (as a drag does)."""
        cx, cy = self.center
        return replace(self, center=(cx - dx / self.zoom, cy - dy / self.zoom), mode=Mode.FREE)

    def resized(self, viewport: tuple[int, int]) -> View:
        """The same view in a viewport of another size (fit and fill are redone)."""
        view = replace(self, viewport=viewport)
        if self.mode is Mode.FIT:
            return view.fit()
        if self.mode is Mode.FILL:
            return view.fill()
        return view

    def origin(self) -> tuple[float, float]:
        """Where the displayed image's top-left corner lands, in viewport pixels, snapped to
        whole pixels so that 1:1 shows every pixel sharp and a pan never shimmers."""
        x = self.viewport[0] / 2 - self.center[0] * self.zoom
        y = self.viewport[1] / 2 - self.center[1] * self.zoom
        return float(math.floor(x + 0.5)), float(math.floor(y + 0.5))

    def to_viewport(self, point: tuple[float, float]) -> tuple[float, float]:
        """Displayed image pixel -> viewport pixel."""
        ox, oy = self.origin()
        return ox + point[0] * self.zoom, oy + point[1] * self.zoom

    def to_image(self, point: tuple[float, float]) -> tuple[float, float]:
        """Viewport pixel -> displayed image pixel."""
        ox, oy = self.origin()
        return (point[0] - ox) / self.zoom, (point[1] - oy) / self.zoom

    def displayed_to_clip(self) -> Matrix:
        """Displayed image pixel -> OpenGL clip space (x right, y up, -1..1)."""
        ox, oy = self.origin()
        vw, vh = self.viewport
        z = self.zoom
        return ((2 * z / vw, 0.0, 2 * ox / vw - 1), (0.0, -2 * z / vh, 1 - 2 * oy / vh), (0, 0, 1))

    def _centred(self, zoom: float, mode: Mode) -> View:
        center = (self.size[0] / 2, self.size[1] / 2)
        return replace(self, zoom=zoom, center=center, mode=mode)
