"""Mip levels drawn a band at a time on the GPU, so no frame pays for a whole level.

``glGenerateMipmap`` makes every level in one call: on a real GPU that is a fraction of a
millisecond, on Mesa's llvmpipe (software) a 12-megapixel chain takes 100-250 ms, one long
frame. :class:`MipLevelDrawer` draws rows of level L from level L-1 instead (a 2 x 2 box filter
in linear light, the same filter), into level L attached to a framebuffer, with level L-1 as
the only level the draw can sample (base = max = L-1, so no feedback loop). The texture's
storage holds every level from the start (``glTexStorage2D``, see textures.py): adding levels
to a texture later makes Mesa copy the whole texture into new storage at its next use.

moderngl attaches only level 0 of a texture to a framebuffer and has no base/max-level
parameters, so this part speaks to OpenGL directly (:mod:`albumen.viewer.gpu.gl`).
"""

from __future__ import annotations

import ctypes

import moderngl

from albumen.viewer.gpu.context import GpuError
from albumen.viewer.gpu.gl import (
    GL,
    GL_COLOR_ATTACHMENT0,
    GL_FRAMEBUFFER,
    GL_FRAMEBUFFER_BINDING,
    GL_FRAMEBUFFER_COMPLETE,
    GL_TEXTURE_2D,
    GL_TEXTURE_BASE_LEVEL,
    GL_TEXTURE_MAX_LEVEL,
    GL_VIEWPORT,
)
from albumen.viewer.gpu.shaders import ShaderProgram

#: the texture unit the source level is bound to while a band is drawn
_UNIT = 0


def mip_level_count(width: int, height: int) -> int:
    """Levels below level 0 in a full chain down to 1 x 1."""
    return max(width, height).bit_length() - 1


def level_size(width: int, height: int, level: int) -> tuple[int, int]:
    return max(1, width >> level), max(1, height >> level)


class MipLevelDrawer:
    """Draws bands of mip levels for any texture of the context; owns one framebuffer
    object and one vertex array."""

    def __init__(self, ctx: moderngl.Context, gl: GL, program: ShaderProgram) -> None:
        self.ctx = ctx
        self.gl = gl
        self.program = program
        self.vao = ctx.vertex_array(program.program, [])
        name = ctypes.c_uint(0)
        gl.glGenFramebuffers(1, ctypes.byref(name))
        self.fbo = name.value

    def draw_band(self, texture: moderngl.Texture, level: int, y: int, rows: int) -> None:
        """Rows ``y .. y + rows`` of ``level``, from ``level - 1``."""
        gl = self.gl
        width, _ = level_size(texture.width, texture.height, level)
        previous_fbo = gl.get_integer(GL_FRAMEBUFFER_BINDING)
        previous_viewport = gl.get_integers(GL_VIEWPORT, 4)
        # Level L-1 is the only level the draw may read (base = max = L-1): no feedback loop.
        texture.use(_UNIT)
        gl.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_BASE_LEVEL, level - 1)
        gl.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, level - 1)
        gl.glBindFramebuffer(GL_FRAMEBUFFER, self.fbo)
        gl.glFramebufferTexture2D(
            GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture.glo, level
        )
        try:
            status = gl.glCheckFramebufferStatus(GL_FRAMEBUFFER)
            if status != GL_FRAMEBUFFER_COMPLETE:
                raise GpuError(f"mip level {level} cannot be drawn into (status {status:#x})")
            self.program["u_source"] = _UNIT
            gl.glViewport(0, y, width, rows)
            self.vao.render(moderngl.TRIANGLES, vertices=3)
        finally:
            gl.glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, 0, 0)
            gl.glBindFramebuffer(GL_FRAMEBUFFER, previous_fbo)
            gl.glViewport(*previous_viewport)
            texture.use(_UNIT)
            gl.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_BASE_LEVEL, 0)
            gl.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, 1000)

    def finish(self, texture: moderngl.Texture, levels: int) -> None:
        """Every level is drawn: sample them all, trilinear."""
        texture.use(_UNIT)
        self.gl.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAX_LEVEL, levels)
        texture.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)

    def release(self) -> None:
        self.vao.release()
        name = ctypes.c_uint(self.fbo)
        self.gl.glDeleteFramebuffers(1, ctypes.byref(name))
        self.fbo = 0
