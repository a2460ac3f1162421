"""FramebufferPool: offscreen framebuffers reused frame after frame.

Creating a framebuffer and its colour texture every frame costs driver allocations (and, on
a real GPU, memory churn); a viewer renders the same sizes over and over. ``acquire`` hands
out an idle framebuffer of the same size and format when there is one, else makes one;
``release`` returns it. Idle framebuffers are evicted least recently used first when the pool
holds more than ``max_bytes``; framebuffers in use are never evicted (the pool may then stand
above its bound until they come back).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import moderngl

from albumen.viewer.gpu.context import GpuError, ensure_alive

_DTYPE_BYTES = {"f1": 1, "u1": 1, "i1": 1, "f2": 2, "u2": 2, "i2": 2, "f4": 4, "u4": 4, "i4": 4}

FramebufferKey = tuple[int, int, int, str]  # width, height, components, dtype


@dataclass(frozen=True)
class PoolStats:
    """``allocations``: framebuffers made; ``reuses``: acquires served from the pool;
    ``evictions``: idle framebuffers released to stay within the bound; ``bytes``: colour
    memory held (idle and in use); ``in_use`` / ``idle``: framebuffers of each kind now."""

    allocations: int
    reuses: int
    evictions: int
    bytes: int
    in_use: int
    idle: int


class FramebufferPool:
    def __init__(self, ctx: moderngl.Context, max_bytes: int = 256 * 1024 * 1024) -> None:
        ensure_alive(ctx)
        self.ctx = ctx
        self.max_bytes = max_bytes
        self._keys: dict[int, FramebufferKey] = {}  # id(framebuffer) -> its key
        self._in_use: dict[int, moderngl.Framebuffer] = {}
        self._idle: OrderedDict[int, moderngl.Framebuffer] = OrderedDict()  # oldest first
        self._bytes = 0
        self._allocations = self._reuses = self._evictions = 0

    def acquire(
        self, size: tuple[int, int], components: int = 4, dtype: str = "f1"
    ) -> moderngl.Framebuffer:
        """A framebuffer of ``size`` with one colour texture (``components``, ``dtype``), its
        viewport covering it all. Contents are undefined: clear or cover it."""
        width, height = int(size[0]), int(size[1])
        if width <= 0 or height <= 0:
            raise ValueError(f"framebuffer size must be positive, got {size}")
        if dtype not in _DTYPE_BYTES or components not in (1, 2, 3, 4):
            raise ValueError(f"unsupported framebuffer format: {components} x {dtype}")
        key = (width, height, components, dtype)
        for ident in reversed(self._idle):  # the most recently used match
            if self._keys[ident] == key:
                framebuffer = self._idle.pop(ident)
                self._in_use[ident] = framebuffer
                self._reuses += 1
                framebuffer.viewport = (0, 0, width, height)
                return framebuffer
        ensure_alive(self.ctx)
        try:
            texture = self.ctx.texture((width, height), components, dtype=dtype)
            framebuffer = self.ctx.framebuffer(color_attachments=[texture])
        except moderngl.Error as error:
            raise GpuError(f"cannot make a {width}x{height} framebuffer: {error}") from error
        ident = id(framebuffer)
        self._keys[ident] = key
        self._in_use[ident] = framebuffer
        self._allocations += 1
        self._bytes += _bytes_of(key)
        self._evict()
        return framebuffer

    def release(self, framebuffer: moderngl.Framebuffer) -> None:
        """Give ``framebuffer`` back (it must have come from ``acquire``)."""
        ident = id(framebuffer)
        if self._in_use.pop(ident, None) is None:
            raise ValueError("this framebuffer is not in use from this pool")
        self._idle[ident] = framebuffer
        self._evict()

    def stats(self) -> PoolStats:
        return PoolStats(
            allocations=self._allocations,
            reuses=self._reuses,
            evictions=self._evictions,
            bytes=self._bytes,
            in_use=len(self._in_use),
            idle=len(self._idle),
        )

    def clear(self) -> None:
        """Release every idle framebuffer (the pool stays usable)."""
        while self._idle:
            self._drop(*self._idle.popitem(last=False))

    def close(self) -> None:
        """Release every framebuffer, in use or idle."""
        self.clear()
        while self._in_use:
            self._drop(*self._in_use.popitem())

    def __enter__(self) -> FramebufferPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._idle:
            self._drop(*self._idle.popitem(last=False))
            self._evictions += 1

    def _drop(self, ident: int, framebuffer: moderngl.Framebuffer) -> None:
        self._bytes -= _bytes_of(self._keys.pop(ident))
        for texture in framebuffer.color_attachments:
            texture.release()
        framebuffer.release()


def _bytes_of(key: FramebufferKey) -> int:
    width, height, components, dtype = key
    return width * height * components * _DTYPE_BYTES[dtype]
