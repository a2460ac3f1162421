"""The few OpenGL entry points moderngl does not expose, called through ctypes.

moderngl has no API for program binaries (``GL_ARB_get_program_binary``), for immutable
texture storage (``glTexStorage2D``: every mip level allocated at once), for rendering into
one mip level of a texture, or for a texture's base/max level. These functions are looked up
in the current context's driver with ``eglGetProcAddress`` (or ``glXGetProcAddressARB``);
with libglvnd (every current Linux distribution) both return dispatch stubs that call into
whichever context is current, a Qt widget's as well as a headless EGL one. Where neither
library exists, :func:`load_gl` returns None and the pipeline falls back to plain moderngl
(no binary cache; mipmaps in one call).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from ctypes import POINTER, c_char_p, c_int, c_uint, c_void_p
from dataclasses import dataclass
from typing import Any

GL_TEXTURE_2D = 0x0DE1
GL_TEXTURE0 = 0x84C0
GL_TEXTURE_BINDING_2D = 0x8069
GL_ACTIVE_TEXTURE = 0x84E0
GL_TEXTURE_BASE_LEVEL = 0x813C
GL_TEXTURE_MAX_LEVEL = 0x813D
GL_FRAMEBUFFER = 0x8D40
GL_FRAMEBUFFER_BINDING = 0x8CA6
GL_COLOR_ATTACHMENT0 = 0x8CE0
GL_FRAMEBUFFER_COMPLETE = 0x8CD5
GL_VIEWPORT = 0x0BA2
GL_PIXEL_UNPACK_BUFFER_BINDING = 0x88EF
GL_PIXEL_UNPACK_BUFFER = 0x88EC
GL_RGBA = 0x1908
GL_UNSIGNED_BYTE = 0x1401
GL_SRGB8_ALPHA8 = 0x8C43
GL_LINK_STATUS = 0x8B82
GL_PROGRAM_BINARY_LENGTH = 0x8741
GL_NUM_PROGRAM_BINARY_FORMATS = 0x87FE
GL_ACTIVE_UNIFORMS = 0x8B86
GL_NO_ERROR = 0
GL_CONTEXT_LOST = 0x0507

_GLuint = c_uint
_GLint = c_int
_GLenum = c_uint
_GLsizei = c_int
_GLfloat = ctypes.c_float

# name -> (return type, argument types)
_SIGNATURES: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "glGetError": (_GLenum, ()),
    "glGetIntegerv": (None, (_GLenum, POINTER(_GLint))),
    "glGetProgramiv": (None, (_GLuint, _GLenum, POINTER(_GLint))),
    "glGetProgramBinary": (
        None,
        (_GLuint, _GLsizei, POINTER(_GLsizei), POINTER(_GLenum), c_void_p),
    ),
    "glProgramBinary": (None, (_GLuint, _GLenum, c_void_p, _GLsizei)),
    "glGetActiveUniform": (
        None,
        (
            _GLuint,  # program
            _GLuint,  # index
            _GLsizei,  # name buffer size
            POINTER(_GLsizei),  # name length
            POINTER(_GLint),  # array size
            POINTER(_GLenum),  # type
            c_char_p,  # name
        ),
    ),
    "glGetUniformLocation": (_GLint, (_GLuint, c_char_p)),
    "glProgramUniform1iv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLint))),
    "glProgramUniform2iv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLint))),
    "glProgramUniform3iv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLint))),
    "glProgramUniform4iv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLint))),
    "glProgramUniform1fv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLfloat))),
    "glProgramUniform2fv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLfloat))),
    "glProgramUniform3fv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLfloat))),
    "glProgramUniform4fv": (None, (_GLuint, _GLint, _GLsizei, POINTER(_GLfloat))),
    "glProgramUniformMatrix3fv": (
        None,
        (_GLuint, _GLint, _GLsizei, ctypes.c_ubyte, POINTER(_GLfloat)),
    ),
    "glActiveTexture": (None, (_GLenum,)),
    "glBindTexture": (None, (_GLenum, _GLuint)),
    "glTexParameteri": (None, (_GLenum, _GLenum, _GLint)),
    "glTexImage2D": (
        None,
        (_GLenum, _GLint, _GLint, _GLsizei, _GLsizei, _GLint, _GLenum, _GLenum, c_void_p),
    ),
    "glGetTexImage": (None, (_GLenum, _GLint, _GLenum, _GLenum, c_void_p)),
    "glBindBuffer": (None, (_GLenum, _GLuint)),
    "glGenFramebuffers": (None, (_GLsizei, POINTER(_GLuint))),
    "glDeleteFramebuffers": (None, (_GLsizei, POINTER(_GLuint))),
    "glBindFramebuffer": (None, (_GLenum, _GLuint)),
    "glFramebufferTexture2D": (None, (_GLenum, _GLenum, _GLenum, _GLuint, _GLint)),
    "glCheckFramebufferStatus": (_GLenum, (_GLenum,)),
    "glViewport": (None, (_GLint, _GLint, _GLsizei, _GLsizei)),
    "glIsFramebuffer": (ctypes.c_ubyte, (_GLuint,)),
    "glGenTextures": (None, (_GLsizei, POINTER(_GLuint))),
    "glDeleteTextures": (None, (_GLsizei, POINTER(_GLuint))),
    "glTexStorage2D": (None, (_GLenum, _GLsizei, _GLenum, _GLsizei, _GLsizei)),
    "glIsTexture": (ctypes.c_ubyte, (_GLuint,)),
}


@dataclass(frozen=True)
class GL:
    """The loaded entry points, as attributes named like the C functions."""

    functions: dict[str, Any]
    loader: str  # "egl" or "glx": where the addresses came from

    def __getattr__(self, name: str) -> Any:
        try:
            return self.functions[name]
        except KeyError:
            raise AttributeError(name) from None

    def get_integer(self, pname: int) -> int:
        value = _GLint(0)
        self.functions["glGetIntegerv"](pname, ctypes.byref(value))
        return int(value.value)

    def get_integers(self, pname: int, count: int) -> tuple[int, ...]:
        values = (_GLint * count)()
        self.functions["glGetIntegerv"](pname, values)
        return tuple(int(v) for v in values)

    def clear_errors(self) -> list[int]:
        """Drain the error queue; the errors seen (GL_CONTEXT_LOST among them when the
        context is gone)."""
        seen: list[int] = []
        for _ in range(16):
            error = int(self.functions["glGetError"]())
            if error == GL_NO_ERROR:
                break
            seen.append(error)
        return seen


_LOADED: GL | None = None
_TRIED = False


def _proc_address_lookup() -> tuple[str, Any] | None:
    for loader, library, symbol in (
        ("egl", "EGL", "eglGetProcAddress"),
        ("glx", "GL", "glXGetProcAddressARB"),
    ):
        path = ctypes.util.find_library(library)
        candidates = [path] if path else []
        candidates.append(f"lib{library}.so.1")
        for candidate in candidates:
            try:
                lib = ctypes.CDLL(candidate)
                lookup = getattr(lib, symbol)
            except (OSError, AttributeError):
                continue
            lookup.restype = c_void_p
            lookup.argtypes = [c_char_p]
            return loader, lookup
    return None


def load_gl() -> GL | None:
    """The GL entry points (None when no EGL/GLX library can provide them); loaded once."""
    global _LOADED, _TRIED
    if _TRIED:
        return _LOADED
    _TRIED = True
    found = _proc_address_lookup()
    if found is None:
        return None
    loader, lookup = found
    functions: dict[str, Any] = {}
    for name, (restype, argtypes) in _SIGNATURES.items():
        address = lookup(name.encode())
        if not address:
            return None
        functions[name] = ctypes.CFUNCTYPE(restype, *argtypes)(address)
    _LOADED = GL(functions, loader)
    return _LOADED
