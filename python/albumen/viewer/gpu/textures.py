"""TextureStreamer: large images uploaded a band at a time, within a per-frame budget.

One ``ctx.texture(size, 4, data)`` of a 48-megapixel photo stalls its frame for as long as
the driver takes to allocate and copy 192 MB (on llvmpipe ~100 ms+, a real GPU much less but
still several frames). The streamer spreads that work over frames: the viewer calls
:meth:`TextureStreamer.step` once per frame and each call does what fits in ``budget_ms``:

* the image is cut into tiles of at most ``tile_size`` (a power of two, default 1024, and
  never above ``GL_MAX_TEXTURE_SIZE``), so no single allocation is large either (a 1024 tile
  with its mip levels is 5.3 MB; llvmpipe takes ~1 ms per 2 MB to allocate, a real GPU
  less); each tile's texture is made when its first band is due;
* rows go up in horizontal bands through a pixel buffer object (two, used in turn), the band
  height adapting to the measured speed (bytes per second, per kind of work) so a band fits in
  what is left of the budget;
* when the last band of a tile lands, its mip levels are drawn a band at a time as well
  (:mod:`albumen.viewer.gpu.mipmaps`), then sampling turns trilinear.

Textures are ``GL_SRGB8_ALPHA8``: the pixels are sRGB, and sampling returns linear light, so
filtering (mipmaps, minification) is done in linear light, as it should be. RGB input gets
an opaque alpha on the way (RGBA is also the format drivers upload fastest).

Each band is waited for (``ctx.finish()``) before it is timed: the time measured is the
real cost, which the next band's height relies on.
"""

from __future__ import annotations

import ctypes
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import moderngl

from albumen.viewer.gpu.context import GpuError, ensure_alive
from albumen.viewer.gpu.gl import GL_SRGB8_ALPHA8, GL_TEXTURE0, GL_TEXTURE_2D, load_gl
from albumen.viewer.gpu.mipmaps import MipLevelDrawer, level_size, mip_level_count
from albumen.viewer.gpu.programs import MIP_LEVEL
from albumen.viewer.gpu.shaders import ShaderCache

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# the first band ever is this big; then bands follow the measured speed
_FIRST_BAND_BYTES = 1 << 20
# plan each step's work to fill this share of the budget (a margin for noise and overheads)
_SAFETY = 0.75


class ImageState(Enum):
    UPLOADING = "uploading"
    MIPMAPPING = "mipmapping"
    READY = "ready"
    CANCELLED = "cancelled"  # released before it was ready
    RELEASED = "released"


@dataclass(eq=False)
class Tile:
    """A part of the image in one texture: ``x, y, width, height`` in image pixels."""

    x: int
    y: int
    width: int
    height: int
    texture: moderngl.Texture | None = None
    mip_levels: int = 0  # levels below 0 drawn and sampled (0 until the chain is complete)
    owned_name: int = 0  # the GL texture the streamer made itself (deleted on release)


@dataclass(eq=False)
class StreamedImage:
    """An image on its way to the GPU (or there). ``tiles`` cover it, row-major; ``ready``
    once every band and every mip level has landed. Release it with ``release()`` (or
    ``TextureStreamer.cancel``) when it is no longer shown."""

    width: int
    height: int
    tiles: list[Tile]
    state: ImageState = ImageState.UPLOADING
    rows_uploaded: int = 0  # summed over tiles; == height * tile columns when uploaded
    _streamer: TextureStreamer | None = field(default=None, repr=False)
    _pixels: npt.NDArray[np.uint8] | None = field(default=None, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def ready(self) -> bool:
        return self.state is ImageState.READY

    @property
    def progress(self) -> float:
        """Share of the rows uploaded (mip levels not counted), 0..1."""
        columns = len({t.x for t in self.tiles})
        return self.rows_uploaded / (self.height * columns)

    def release(self) -> None:
        if self._streamer is not None:
            self._streamer.cancel(self)


@dataclass(frozen=True)
class StreamerStats:
    """``uploads``: images submitted; ``completed``/``cancelled``: of those; ``bands`` and
    ``mip_bands``: pieces of work done; ``bytes``: pixel bytes uploaded; ``textures``: tile
    textures made; ``steps``: calls to step() that did work; ``last_band_rows``: the
    adaptive band height now; ``longest_step_ms``: the longest step so far."""

    uploads: int
    completed: int
    cancelled: int
    bands: int
    mip_bands: int
    bytes: int
    textures: int
    steps: int
    last_band_rows: int
    longest_step_ms: float


class _Speed:
    """Seconds per byte of one kind of work, from the last few measured pieces. Planning uses
    the slowest of them (a busy machine makes some pieces slow; better a band too short than
    a frame too long). A piece of unknown cost runs only as the first piece of a step."""

    def __init__(self) -> None:
        self.recent: deque[float] = deque(maxlen=4)

    @property
    def seconds_per_byte(self) -> float | None:
        return max(self.recent) if self.recent else None

    def fits(self, nbytes: int, seconds: float, *, first: bool) -> bool:
        if first:
            return True
        spb = self.seconds_per_byte
        return spb is not None and spb * nbytes <= seconds

    def rows_within(self, seconds: float, row_bytes: int, *, first: bool) -> int:
        spb = self.seconds_per_byte
        if spb is None:
            return max(1, _FIRST_BAND_BYTES // row_bytes) if first else 0
        rows = int(seconds / (spb * row_bytes))
        return max(rows, 1) if first else max(rows, 0)

    def record(self, nbytes: int, seconds: float) -> None:
        self.recent.append(seconds / max(1, nbytes))


class TextureStreamer:
    """Streams images to textures; call :meth:`step` once per frame."""

    def __init__(
        self,
        ctx: moderngl.Context,
        budget_ms: float = 8.0,
        *,
        shaders: ShaderCache | None = None,
        tile_size: int = 1024,
        max_band_rows: int | None = None,
    ) -> None:
        ensure_alive(ctx)
        if tile_size < 1 or tile_size & (tile_size - 1):
            raise ValueError(f"tile_size must be a power of two, got {tile_size}")
        self.ctx = ctx
        self.budget = budget_ms / 1000.0
        self.max_band_rows = max_band_rows  # a cap on the adaptive height (None: none)
        self.max_texture_size = int(ctx.info["GL_MAX_TEXTURE_SIZE"])
        # a power of two, so every tile's mip levels line up with the whole image's
        self.tile_size = min(tile_size, 1 << (self.max_texture_size.bit_length() - 1))
        self._own_shaders = shaders is None
        self.shaders = shaders if shaders is not None else ShaderCache(ctx, None)
        gl = self._gl = load_gl()
        self._mips: MipLevelDrawer | None = None
        if gl is not None:
            program = self.shaders.program(
                "mip_level",
                vertex_shader=MIP_LEVEL.vertex_shader,
                fragment_shader=MIP_LEVEL.fragment_shader,
            )
            self._mips = MipLevelDrawer(ctx, gl, program)
        self._pbos = [ctx.buffer(reserve=4), ctx.buffer(reserve=4)]
        self._next_pbo = 0
        self._queue: deque[tuple[StreamedImage, Iterator[_Work]]] = deque()
        self._images: list[StreamedImage] = []
        self._upload_speed = _Speed()
        self._mip_speed = _Speed()
        self._alloc_speed = _Speed()
        self._uploads = self._completed = self._cancelled = 0
        self._bands = self._mip_bands = self._bytes = self._textures = self._steps = 0
        self._last_band_rows = 0
        self._longest_step = 0.0
        self._closed = False

    # -- public API

    def upload(
        self,
        pixels: npt.NDArray[np.uint8] | bytes | bytearray | memoryview,
        size: tuple[int, int] | None = None,
        components: int | None = None,
    ) -> StreamedImage:
        """Queue an image: an array of shape (height, width, 3 or 4) of uint8, or raw bytes
        with ``size`` (width, height) and ``components`` (3 or 4), rows top first. Nothing is
        uploaded until :meth:`step`. The streamer keeps a reference to the pixels until the
        upload is done."""
        import numpy as np

        self._check_open()
        if isinstance(pixels, np.ndarray):
            array = pixels
        else:
            if size is None or components is None:
                raise ValueError("raw bytes need size=(width, height) and components=3 or 4")
            width, height = size
            array = np.frombuffer(pixels, dtype=np.uint8).reshape(height, width, components)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
            raise ValueError(f"expected uint8 pixels of shape (h, w, 3|4), got {array.shape}")
        height, width = int(array.shape[0]), int(array.shape[1])
        if width == 0 or height == 0:
            raise ValueError("an empty image")
        step = self.tile_size
        tiles = [
            Tile(x, y, min(step, width - x), min(step, height - y))
            for y in range(0, height, step)
            for x in range(0, width, step)
        ]
        image = StreamedImage(width, height, tiles, _streamer=self, _pixels=array)
        self._queue.append((image, self._work(image)))
        self._images.append(image)
        self._uploads += 1
        return image

    def step(self) -> bool:
        """Do the upload work that fits in the budget (at least one piece, so every step
        makes progress); True while work remains."""
        self._check_open()
        if not self._queue:
            return False
        ensure_alive(self.ctx)
        start = time.perf_counter()
        did_work = False
        while self._queue:
            _, work = self._queue[0]
            piece = next(work, None)
            if piece is None:
                self._queue.popleft()
                continue
            left = self.budget * _SAFETY - (time.perf_counter() - start)
            if not piece.plan(left, first=not did_work):
                piece.defer()  # does not fit: first thing next step
                break
            t0 = time.perf_counter()
            try:
                piece.run()
                self.ctx.finish()
            except moderngl.Error as error:
                raise GpuError(f"texture upload failed: {error}") from error
            piece.measured(time.perf_counter() - t0)
            did_work = True
        elapsed = time.perf_counter() - start
        self._steps += 1
        self._longest_step = max(self._longest_step, elapsed)
        return bool(self._queue)

    def cancel(self, image: StreamedImage) -> None:
        """Stop uploading ``image`` (if it still is) and release its textures."""
        self._queue = deque((i, w) for i, w in self._queue if i is not image)
        if image.state in (ImageState.UPLOADING, ImageState.MIPMAPPING):
            self._cancelled += 1
            image.state = ImageState.CANCELLED
        else:
            image.state = ImageState.RELEASED
        for tile in image.tiles:
            self._release(tile)
        image._pixels = None
        image._streamer = None
        if image in self._images:
            self._images.remove(image)

    def warm_up(self) -> None:
        """Stream tiny images through every stage now, so the driver compiles what the mip
        level draws need at start-up rather than during the first real upload (llvmpipe
        compiles a variant per kind of texture size: power of two or not, on each axis)."""
        import numpy as np

        for width, height in ((4, 4), (3, 4), (4, 3), (3, 3)):
            image = self.upload(np.zeros((height, width, 4), dtype=np.uint8))
            while image.state is not ImageState.READY:
                self.step()
            self.cancel(image)
            self._uploads -= 1
            self._completed -= 1

    @property
    def pending(self) -> int:
        """Images with work left."""
        return len(self._queue)

    def finish_all(self) -> None:
        """Step until everything queued is on the GPU (for tests, export and start-up)."""
        while self.step():
            pass

    def stats(self) -> StreamerStats:
        return StreamerStats(
            uploads=self._uploads,
            completed=self._completed,
            cancelled=self._cancelled,
            bands=self._bands,
            mip_bands=self._mip_bands,
            bytes=self._bytes,
            textures=self._textures,
            steps=self._steps,
            last_band_rows=self._last_band_rows,
            longest_step_ms=self._longest_step * 1000.0,
        )

    def close(self) -> None:
        """Release every image's textures and the streamer's own objects."""
        if self._closed:
            return
        for image in list(self._images):
            self.cancel(image)
        for pbo in self._pbos:
            pbo.release()
        if self._mips is not None:
            self._mips.release()
        if self._own_shaders:
            self.shaders.close()
        self._closed = True

    def __enter__(self) -> TextureStreamer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the work of one image, as pieces that each fit in a step

    def _check_open(self) -> None:
        if self._closed:
            raise GpuError("this TextureStreamer is closed")

    def _work(self, image: StreamedImage) -> Iterator[_Work]:
        for tile in image.tiles:
            yield from _until_done(_Allocate(self, tile))
            row = 0
            while row < tile.height:
                band = _Band(self, image, tile, row)
                yield from _until_done(band)
                row += band.rows
        image.state = ImageState.MIPMAPPING
        image._pixels = None  # every row is on the GPU
        for tile in image.tiles:
            texture = tile.texture
            assert texture is not None
            levels = mip_level_count(tile.width, tile.height)
            if self._mips is None:
                yield from _until_done(_WholeChain(self, tile, levels))
                continue
            for level in range(1, levels + 1):
                _, height = level_size(tile.width, tile.height, level)
                row = 0
                while row < height:
                    mip = _MipBand(self, tile, level, row)
                    yield from _until_done(mip)
                    row += mip.rows
            self._mips.finish(texture, levels)
            tile.mip_levels = levels
        image.state = ImageState.READY
        self._completed += 1

    def _release(self, tile: Tile) -> None:
        if tile.texture is not None:
            tile.texture.release()
            tile.texture = None
        if tile.owned_name and self._gl is not None:
            self._gl.glDeleteTextures(1, ctypes.byref(ctypes.c_uint(tile.owned_name)))
        tile.owned_name = 0
        tile.mip_levels = 0

    def _pbo(self, nbytes: int) -> moderngl.Buffer:
        pbo = self._pbos[self._next_pbo]
        self._next_pbo = 1 - self._next_pbo
        pbo.orphan(nbytes)  # fresh storage: no wait for the previous transfer from it
        return pbo


def _until_done(piece: _Work) -> Iterator[_Work]:
    """Yield ``piece`` until it has run (a step that found no time for it defers it)."""
    yield piece
    while piece.deferred:
        piece.deferred = False
        yield piece


class _Work:
    """One piece of work: ``plan`` decides whether (and how much of) it fits in the time
    left; ``run`` does it; ``measured`` feeds the time back to the speed estimate."""

    deferred = False

    def plan(self, seconds_left: float, *, first: bool) -> bool:
        raise NotImplementedError

    def run(self) -> None:
        raise NotImplementedError

    def measured(self, seconds: float) -> None:
        raise NotImplementedError

    def defer(self) -> None:
        self.deferred = True


class _Allocate(_Work):
    """A tile's texture, with storage for every mip level at once (immutable storage: no
    reallocation, and no copy of level 0, when the levels are drawn later)."""

    def __init__(self, streamer: TextureStreamer, tile: Tile) -> None:
        self.streamer, self.tile = streamer, tile
        self.nbytes = tile.width * tile.height * 4 * 4 // 3

    def plan(self, seconds_left: float, *, first: bool) -> bool:
        return self.streamer._alloc_speed.fits(self.nbytes, seconds_left, first=first)

    def run(self) -> None:
        s, tile = self.streamer, self.tile
        size = (tile.width, tile.height)
        if s._gl is None:
            texture = s.ctx.texture(size, 4, internal_format=GL_SRGB8_ALPHA8)
        else:
            gl, name = s._gl, ctypes.c_uint(0)
            gl.glGenTextures(1, ctypes.byref(name))
            gl.glActiveTexture(GL_TEXTURE0)
            gl.glBindTexture(GL_TEXTURE_2D, name.value)
            levels = mip_level_count(*size) + 1
            gl.glTexStorage2D(GL_TEXTURE_2D, levels, GL_SRGB8_ALPHA8, *size)
            # moderngl wraps it (and will not delete it: the streamer does, see _release)
            texture = s.ctx.external_texture(name.value, size, 4, 0, "f1")
            tile.owned_name = name.value
        texture.filter = (moderngl.LINEAR, moderngl.LINEAR)  # level 0 only until mipmapped
        texture.repeat_x = texture.repeat_y = False
        tile.texture = texture
        s._textures += 1

    def measured(self, seconds: float) -> None:
        self.streamer._alloc_speed.record(self.nbytes, seconds)


class _Band(_Work):
    """Rows of one tile, from the image's pixels through a PBO into level 0."""

    def __init__(self, streamer: TextureStreamer, image: StreamedImage, tile: Tile, row: int):
        self.streamer, self.image, self.tile, self.row = streamer, image, tile, row
        self.row_bytes = tile.width * 4
        self.rows = 0

    def plan(self, seconds_left: float, *, first: bool) -> bool:
        s = self.streamer
        rows = s._upload_speed.rows_within(seconds_left, self.row_bytes, first=first)
        rows = min(rows, self.tile.height - self.row)
        self.rows = rows if s.max_band_rows is None else min(rows, s.max_band_rows)
        return self.rows > 0

    def run(self) -> None:
        import numpy as np

        s, tile, pixels = self.streamer, self.tile, self.image._pixels
        assert pixels is not None and tile.texture is not None
        y0 = tile.y + self.row
        source = pixels[y0 : y0 + self.rows, tile.x : tile.x + tile.width]
        if source.shape[2] == 4:
            band = np.ascontiguousarray(source)
        else:
            band = np.empty((self.rows, tile.width, 4), dtype=np.uint8)
            band[..., :3] = source
            band[..., 3] = 255
        pbo = s._pbo(band.nbytes)
        pbo.write(band)
        tile.texture.write(pbo, viewport=(0, self.row, tile.width, self.rows))
        s._bands += 1
        s._bytes += band.nbytes
        s._last_band_rows = self.rows
        self.image.rows_uploaded += self.rows

    def measured(self, seconds: float) -> None:
        self.streamer._upload_speed.record(self.rows * self.row_bytes, seconds)


class _MipBand(_Work):
    """Rows of one mip level of a tile, drawn from the level above."""

    def __init__(self, streamer: TextureStreamer, tile: Tile, level: int, row: int) -> None:
        self.streamer, self.tile, self.level, self.row = streamer, tile, level, row
        self.width, self.height = level_size(tile.width, tile.height, level)
        self.row_bytes = self.width * 4
        self.rows = 0

    def plan(self, seconds_left: float, *, first: bool) -> bool:
        s = self.streamer
        rows = s._mip_speed.rows_within(seconds_left, self.row_bytes, first=first)
        rows = min(rows, self.height - self.row)
        self.rows = rows if s.max_band_rows is None else min(rows, s.max_band_rows)
        return self.rows > 0

    def run(self) -> None:
        mips, texture = self.streamer._mips, self.tile.texture
        assert mips is not None and texture is not None
        mips.draw_band(texture, self.level, self.row, self.rows)
        self.streamer._mip_bands += 1

    def measured(self, seconds: float) -> None:
        self.streamer._mip_speed.record(self.rows * self.row_bytes, seconds)


class _WholeChain(_Work):
    """Without direct GL access: every level at once (``glGenerateMipmap``)."""

    def __init__(self, streamer: TextureStreamer, tile: Tile, levels: int) -> None:
        self.streamer, self.tile, self.levels = streamer, tile, levels

    def plan(self, seconds_left: float, *, first: bool) -> bool:
        return first

    def run(self) -> None:
        assert self.tile.texture is not None
        self.tile.texture.build_mipmaps()
        self.tile.mip_levels = self.levels
        self.streamer._mip_bands += 1

    def measured(self, seconds: float) -> None:
        pass
