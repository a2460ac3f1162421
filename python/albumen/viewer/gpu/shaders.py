"""ShaderCache: every program compiled once, and its binary kept on disk across runs.

A program's binary (``GL_ARB_get_program_binary``, core since OpenGL 4.1) is saved after
its first compile, keyed by the sources and the driver (vendor, renderer, version), and
loaded on the next start instead of compiling. Loading is checked: a binary the driver
refuses (it changed version, or the file is foreign) is counted as rejected, removed and
recompiled. A damaged file (bad header, length or checksum) is a miss. Files are written to a
temporary name and renamed into place, so a reader never sees half of one.

moderngl compiles programs only from source, so a binary is loaded into the GL object of a
tiny placeholder program it made (``glProgramBinary`` replaces the whole executable). Its
uniforms are therefore read back from the driver and set through :class:`ShaderProgram`,
the same way for a compiled and for a loaded program.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import struct
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import moderngl

from albumen.viewer.gpu.context import GpuError, driver_description, ensure_alive
from albumen.viewer.gpu.gl import (
    GL,
    GL_ACTIVE_UNIFORMS,
    GL_LINK_STATUS,
    GL_NUM_PROGRAM_BINARY_FORMATS,
    GL_PROGRAM_BINARY_LENGTH,
    load_gl,
)
from albumen.viewer.gpu.programs import PIPELINE_PROGRAMS, ProgramSource

#: bump when the file layout or the key changes: older files are then simply not found
CACHE_FORMAT = 1
_MAGIC = b"albGLPB1"
_HEADER = struct.Struct("<8sII32s")  # magic, binary format, payload length, sha256(payload)
_PLACEHOLDER_VS = "#version 330\nvoid main() { gl_Position = vec4(0.0); }\n"

# GL uniform type -> (glProgramUniform* suffix, components, integer)
_UNIFORM_TYPES: dict[int, tuple[str, int, bool]] = {
    0x1406: ("1fv", 1, False),  # float
    0x8B50: ("2fv", 2, False),  # vec2
    0x8B51: ("3fv", 3, False),  # vec3
    0x8B52: ("4fv", 4, False),  # vec4
    0x1404: ("1iv", 1, True),  # int
    0x8B53: ("2iv", 2, True),  # ivec2
    0x8B54: ("3iv", 3, True),  # ivec3
    0x8B55: ("4iv", 4, True),  # ivec4
    0x8B56: ("1iv", 1, True),  # bool
    0x8B5E: ("1iv", 1, True),  # sampler2D
    0x8B5B: ("Matrix3fv", 9, False),  # mat3
}


@dataclass(frozen=True)
class ShaderStats:
    """``compiled``: programs compiled from source; ``loaded``: taken from a binary;
    ``rejected``: binaries the driver refused (recompiled); ``damaged``: unreadable cache
    files (a miss); ``written``: binaries saved; ``binary_formats``: how many binary formats
    the driver offers (0: no binary cache, every start compiles); ``seconds``: time spent
    making programs."""

    compiled: int
    loaded: int
    rejected: int
    damaged: int
    written: int
    binary_formats: int
    seconds: float
    driver: str
    note: str = ""


@dataclass(frozen=True)
class UniformInfo:
    location: int
    gl_type: int
    array_length: int


class ShaderProgram:
    """A linked program: ``program`` (the moderngl object, for ``vertex_array``) and its
    uniforms, set with ``shader["u_name"] = value`` (a number, or a sequence of them; a mat3
    as 9 numbers, column by column)."""

    def __init__(self, name: str, program: moderngl.Program, gl: GL | None, origin: str) -> None:
        self.name = name
        self.program = program
        self.origin = origin  # "compiled" or "binary"
        self._gl = gl
        self.uniforms: dict[str, UniformInfo] = _introspect(gl, program.glo) if gl else {}

    @property
    def glo(self) -> int:
        return int(self.program.glo)

    def __setitem__(self, name: str, value: float | Sequence[float]) -> None:
        if self._gl is None:  # no GL entry points: moderngl's own uniforms (compiled only)
            self.program[name].value = value  # type: ignore[union-attr]
            return
        info = self.uniforms.get(name)
        if info is None:
            raise KeyError(f"program {self.name!r} has no active uniform {name!r}")
        suffix, count, integer = _UNIFORM_TYPES[info.gl_type]
        values = [value] if isinstance(value, (int, float)) else list(value)
        if len(values) != count:
            raise ValueError(f"uniform {name!r} takes {count} values, got {len(values)}")
        function = getattr(self._gl, f"glProgramUniform{suffix}")
        if integer:
            function(self.glo, info.location, 1, (ctypes.c_int * count)(*map(int, values)))
        elif suffix.startswith("Matrix"):
            function(self.glo, info.location, 1, 0, (ctypes.c_float * count)(*values))
        else:
            function(self.glo, info.location, 1, (ctypes.c_float * count)(*values))

    def release(self) -> None:
        self.program.release()


def _introspect(gl: GL, glo: int) -> dict[str, UniformInfo]:
    count = ctypes.c_int(0)
    gl.glGetProgramiv(glo, GL_ACTIVE_UNIFORMS, ctypes.byref(count))
    uniforms: dict[str, UniformInfo] = {}
    name = ctypes.create_string_buffer(256)
    for index in range(count.value):
        length, size, gl_type = ctypes.c_int(0), ctypes.c_int(0), ctypes.c_uint(0)
        gl.glGetActiveUniform(
            glo, index, 256, ctypes.byref(length), ctypes.byref(size), ctypes.byref(gl_type), name
        )
        raw = name.value
        location = int(gl.glGetUniformLocation(glo, raw))
        if location < 0 or gl_type.value not in _UNIFORM_TYPES:
            continue  # uniform blocks' members, types the pipeline does not use
        key = raw.decode().removesuffix("[0]")
        uniforms[key] = UniformInfo(location, int(gl_type.value), int(size.value))
    return uniforms


class ShaderCache:
    """Programs by name, each compiled once per context; binaries in ``cache_dir`` (None: no
    disk cache) so the next start loads instead of compiling."""

    def __init__(self, ctx: moderngl.Context, cache_dir: str | os.PathLike[str] | None) -> None:
        ensure_alive(ctx)
        self.ctx = ctx
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._gl = load_gl()
        self._driver = driver_description(ctx)
        self._programs: dict[str, ShaderProgram] = {}
        self._compiled = self._loaded = self._rejected = self._damaged = self._written = 0
        self._seconds = 0.0
        self._binary_formats = 0
        self._note = ""
        if self._gl is None:
            self._note = "no EGL/GLX library to reach glProgramBinary: every start compiles"
        else:
            self._binary_formats = self._gl.get_integer(GL_NUM_PROGRAM_BINARY_FORMATS)
            if self._binary_formats == 0:
                self._note = "the driver offers no program binary formats: every start compiles"
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)

    # -- public API

    def program(self, name: str, *, vertex_shader: str, fragment_shader: str) -> ShaderProgram:
        """The program ``name``: made on the first call (from the binary cache, else compiled),
        the same object afterwards. Compile errors raise GpuError with the driver's log."""
        existing = self._programs.get(name)
        if existing is not None:
            return existing
        ensure_alive(self.ctx)
        start = time.perf_counter()
        source = ProgramSource(vertex_shader, fragment_shader)
        key = self._key(source)
        shader = self._load(name, key)
        if shader is None:
            shader = self._compile(name, source)
            self._save(shader, key)
        self._seconds += time.perf_counter() - start
        self._programs[name] = shader
        return shader

    def warm_up(self, programs: Mapping[str, ProgramSource] | None = None) -> ShaderStats:
        """Make every program the pipeline uses (or ``programs``) now, at start-up, rather
        than on the first frame that needs it."""
        for name, source in (programs or PIPELINE_PROGRAMS).items():
            self.program(
                name, vertex_shader=source.vertex_shader, fragment_shader=source.fragment_shader
            )
        return self.stats()

    def stats(self) -> ShaderStats:
        d = self._driver
        return ShaderStats(
            compiled=self._compiled,
            loaded=self._loaded,
            rejected=self._rejected,
            damaged=self._damaged,
            written=self._written,
            binary_formats=self._binary_formats,
            seconds=self._seconds,
            driver=f"{d['renderer']} ({d['version']})",
            note=self._note,
        )

    def cache_path(self, source: ProgramSource) -> Path | None:
        """Where the binary of ``source`` is kept for this driver (None: no disk cache)."""
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{self._key(source)}.bin"

    def close(self) -> None:
        """Release every program made here."""
        for shader in self._programs.values():
            shader.release()
        self._programs.clear()

    def __enter__(self) -> ShaderCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- making programs

    def _key(self, source: ProgramSource) -> str:
        d = self._driver
        material = [CACHE_FORMAT, d["vendor"], d["renderer"], d["version"]]
        material += [source.vertex_shader, source.fragment_shader]
        return hashlib.sha256(json.dumps(material).encode()).hexdigest()

    def _compile(self, name: str, source: ProgramSource) -> ShaderProgram:
        try:
            program = self.ctx.program(
                vertex_shader=source.vertex_shader, fragment_shader=source.fragment_shader
            )
        except moderngl.Error as error:
            raise GpuError(f"program {name!r} does not compile: {error}") from error
        self._compiled += 1
        return ShaderProgram(name, program, self._gl, "compiled")

    def _load(self, name: str, key: str) -> ShaderProgram | None:
        if self.cache_dir is None or self._gl is None or self._binary_formats == 0:
            return None
        path = self.cache_dir / f"{key}.bin"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        parsed = _parse(data)
        if parsed is None:
            self._damaged += 1
            _remove(path)
            return None
        binary_format, payload = parsed
        gl = self._gl
        placeholder = self.ctx.program(vertex_shader=_PLACEHOLDER_VS)
        gl.clear_errors()
        gl.glProgramBinary(placeholder.glo, binary_format, payload, len(payload))
        status = ctypes.c_int(0)
        gl.glGetProgramiv(placeholder.glo, GL_LINK_STATUS, ctypes.byref(status))
        errors = gl.clear_errors()
        if status.value != 1 or errors:
            # the driver refuses it (another driver's, or a driver update): compile instead
            placeholder.release()
            self._rejected += 1
            _remove(path)
            return None
        self._loaded += 1
        return ShaderProgram(name, placeholder, gl, "binary")

    def _save(self, shader: ShaderProgram, key: str) -> None:
        if self.cache_dir is None or self._gl is None or self._binary_formats == 0:
            return
        gl = self._gl
        length = ctypes.c_int(0)
        gl.glGetProgramiv(shader.glo, GL_PROGRAM_BINARY_LENGTH, ctypes.byref(length))
        if length.value <= 0:
            return
        buffer = ctypes.create_string_buffer(length.value)
        written, binary_format = ctypes.c_int(0), ctypes.c_uint(0)
        gl.glGetProgramBinary(
            shader.glo, length.value, ctypes.byref(written), ctypes.byref(binary_format), buffer
        )
        if gl.clear_errors() or written.value <= 0:
            return
        payload = buffer.raw[: written.value]
        header = _HEADER.pack(
            _MAGIC, binary_format.value, len(payload), hashlib.sha256(payload).digest()
        )
        if _write_atomically(self.cache_dir / f"{key}.bin", header + payload):
            self._written += 1


def _parse(data: bytes) -> tuple[int, bytes] | None:
    """(binary format, payload), or None when the file is not a whole, intact cache entry."""
    if len(data) < _HEADER.size:
        return None
    magic, binary_format, length, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size :]
    if magic != _MAGIC or length != len(payload) or hashlib.sha256(payload).digest() != digest:
        return None
    return int(binary_format), payload


def _write_atomically(path: Path, data: bytes) -> bool:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            _remove(Path(tmp))
            raise
    except OSError:
        return False  # a read-only or full cache folder costs a compile next time, no more
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
