"""The OpenGL context the pipeline draws with, and the one error it raises.

Every component takes a moderngl context made elsewhere: a ``QOpenGLWidget``'s
(``moderngl.create_context()`` in ``initializeGL``) or a headless one from
:func:`create_standalone_context` (EGL; on Debian ``libegl1 libgl1-mesa-dri`` give Mesa's
llvmpipe, a software OpenGL 4.5, with no display and no GPU).
"""

from __future__ import annotations

from typing import Any

import moderngl

from albumen.viewer.gpu.gl import GL_CONTEXT_LOST, load_gl

#: the OpenGL version the pipeline's shaders need (GLSL 3.30)
REQUIRED_GL = 330


class GpuError(RuntimeError):
    """The GPU pipeline cannot go on: no OpenGL context could be made, the context was
    released or lost, or the driver refused an operation. One clear message, never a crash."""


def create_standalone_context(backend: str = "egl") -> moderngl.Context:
    """A headless OpenGL context (no window, no display), or GpuError saying why not."""
    settings: dict[str, Any] = {"backend": backend}  # (moderngl's stub mistypes **settings)
    try:
        return moderngl.create_standalone_context(require=REQUIRED_GL, **settings)
    except Exception as error:  # moderngl/glcontext raise Exception, ValueError, OSError
        raise GpuError(
            f"cannot create a headless OpenGL {REQUIRED_GL // 100}.{REQUIRED_GL % 100 // 10} "
            f"context through {backend.upper()}: {error}. On Debian/Ubuntu install "
            "libegl1 and libgl1-mesa-dri (Mesa's software renderer needs no GPU)."
        ) from error


def ensure_alive(ctx: moderngl.Context) -> None:
    """GpuError if ``ctx`` was released or the driver reports it lost."""
    if isinstance(ctx.mglo, moderngl.InvalidObject):
        raise GpuError("the OpenGL context was released; make a new one")
    gl = load_gl()
    if gl is not None and GL_CONTEXT_LOST in gl.clear_errors():
        raise GpuError("the OpenGL context was lost (GPU reset or driver failure); make a new one")


def driver_description(ctx: moderngl.Context) -> dict[str, str]:
    """Vendor, renderer and version strings: what a program binary is valid for."""
    info = ctx.info
    return {
        "vendor": str(info.get("GL_VENDOR", "")),
        "renderer": str(info.get("GL_RENDERER", "")),
        "version": str(info.get("GL_VERSION", "")),
    }
