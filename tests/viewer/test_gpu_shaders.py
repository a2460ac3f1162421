"""ShaderCache: programs compiled once; binaries on disk loaded on the next start (a new
process, a new context), refused ones recompiled, damaged files a miss."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy", reason="the viewer extra (numpy) is not installed")

from albumen.viewer.gpu import (  # noqa: E402
    PIPELINE_PROGRAMS,
    FramebufferPool,
    GpuError,
    ImageRenderer,
    ShaderCache,
    TextureStreamer,
)
from albumen.viewer.gpu.programs import IMAGE  # noqa: E402

from .conftest import marked_image  # noqa: E402

START = """
import json, sys
from dataclasses import asdict
from albumen.viewer.gpu import ShaderCache, create_standalone_context
ctx = create_standalone_context()
cache = ShaderCache(ctx, sys.argv[1])
print(json.dumps(asdict(cache.warm_up())))
"""


def _start(cache_dir: Path, **env: str) -> dict[str, Any]:
    """A new process with a new context warms the pipeline's programs up: its stats."""
    out = subprocess.run(
        [sys.executable, "-c", START, str(cache_dir)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def test_the_second_start_loads_every_program_from_the_cache(tmp_path: Path) -> None:
    first = _start(tmp_path)
    assert first["binary_formats"] >= 1, first["note"]
    assert (first["compiled"], first["loaded"], first["written"]) == (len(PIPELINE_PROGRAMS), 0, 2)
    assert len(list(tmp_path.glob("*.bin"))) == len(PIPELINE_PROGRAMS)
    second = _start(tmp_path)
    assert (second["compiled"], second["loaded"], second["rejected"]) == (0, 2, 0)
    assert second["written"] == 0


def test_without_binary_formats_the_stats_say_so_and_every_start_compiles(
    tmp_path: Path,
) -> None:
    # Mesa offers program binaries only with its shader cache on
    env = {"MESA_SHADER_CACHE_DISABLE": "true"}
    for _ in range(2):
        stats = _start(tmp_path, **env)
        assert stats["binary_formats"] == 0 and "no program binary formats" in stats["note"]
        assert (stats["compiled"], stats["loaded"], stats["written"]) == (2, 0, 0)
    assert not list(tmp_path.glob("*.bin"))


def test_a_program_is_compiled_once(ctx: Any, tmp_path: Path) -> None:
    with ShaderCache(ctx, tmp_path) as cache:
        one = cache.program(
            "image", vertex_shader=IMAGE.vertex_shader, fragment_shader=IMAGE.fragment_shader
        )
        two = cache.program(
            "image", vertex_shader=IMAGE.vertex_shader, fragment_shader=IMAGE.fragment_shader
        )
        assert one is two and cache.stats().compiled == 1
        cache.warm_up()
        assert cache.stats().compiled == len(PIPELINE_PROGRAMS)
        assert cache.stats().seconds > 0


def test_programs_loaded_from_binaries_draw_like_compiled_ones(ctx: Any, tmp_path: Path) -> None:
    frames = []
    for expected_origin in ("compiled", "binary"):
        shaders = ShaderCache(ctx, tmp_path)
        pool = FramebufferPool(ctx)
        streamer = TextureStreamer(ctx, shaders=shaders)
        renderer = ImageRenderer(ctx, shaders, pool)
        try:
            assert renderer.program.origin == expected_origin
            image = streamer.upload(marked_image())
            streamer.finish_all()
            renderer.set_image(image, orientation=6, viewport=(90, 70))
            frames.append(np.asarray(renderer.render_to_image()))
        finally:
            renderer.close()
            streamer.close()
            pool.close()
            shaders.close()
    assert (frames[0] == frames[1]).all()
    assert frames[0].std() > 0


def _cached_image_program(ctx: Any, cache_dir: Path) -> Path:
    with ShaderCache(ctx, cache_dir) as cache:
        cache.warm_up()
        path = cache.cache_path(IMAGE)
    assert path is not None and path.exists()
    return path


def _load_again(ctx: Any, cache_dir: Path) -> Any:
    with ShaderCache(ctx, cache_dir) as cache:
        cache.warm_up()
        return cache.stats()


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "not ours"])
def test_a_damaged_cache_file_is_a_miss_and_is_rewritten(
    ctx: Any, tmp_path: Path, damage: str
) -> None:
    path = _cached_image_program(ctx, tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped byte":
        data[-100] ^= 0xFF
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"GIF89a" + bytes(200))
    path.write_bytes(bytes(data))
    stats = _load_again(ctx, tmp_path)
    assert (stats.damaged, stats.compiled, stats.loaded, stats.written) == (1, 1, 1, 1)
    assert _load_again(ctx, tmp_path).loaded == 2  # rewritten whole


@pytest.mark.parametrize("binary_format", ["the driver's", "unknown"])
def test_a_binary_the_driver_refuses_is_recompiled(
    ctx: Any, tmp_path: Path, binary_format: str
) -> None:
    # an intact cache file whose contents the driver does not accept: what a driver update,
    # or a cache folder copied from another machine, leaves behind
    path = _cached_image_program(ctx, tmp_path)
    magic, fmt, _, _ = struct.unpack_from("<8sII32s", path.read_bytes())
    payload = bytes(range(256)) * 8
    if binary_format == "unknown":
        fmt = 0x1234
    header = struct.pack("<8sII32s", magic, fmt, len(payload), hashlib.sha256(payload).digest())
    path.write_bytes(header + payload)
    stats = _load_again(ctx, tmp_path)
    assert (stats.rejected, stats.compiled, stats.loaded, stats.written) == (1, 1, 1, 1)
    assert _load_again(ctx, tmp_path).loaded == 2


def test_without_a_cache_folder_nothing_is_written(ctx: Any) -> None:
    with ShaderCache(ctx, None) as cache:
        stats = cache.warm_up()
        assert (stats.compiled, stats.written) == (2, 0)
        assert cache.cache_path(IMAGE) is None


def test_a_compile_error_is_one_clear_error(ctx: Any, tmp_path: Path) -> None:
    with ShaderCache(ctx, tmp_path) as cache, pytest.raises(GpuError, match="broken"):
        cache.program(
            "broken",
            vertex_shader="#version 330\nvoid main() { gl_Position = vec4(0.0); }",
            fragment_shader="#version 330\nvoid main() { this is not glsl; }",
        )


def test_uniforms_are_checked(ctx: Any, tmp_path: Path) -> None:
    with ShaderCache(ctx, tmp_path) as cache:
        shader = cache.program(
            "image", vertex_shader=IMAGE.vertex_shader, fragment_shader=IMAGE.fragment_shader
        )
        assert {"u_to_clip", "u_rect", "u_image"} <= set(shader.uniforms)
        shader["u_rect"] = (0, 0, 1, 1)
        with pytest.raises(KeyError):
            shader["u_nope"] = 1.0
        with pytest.raises(ValueError):
            shader["u_rect"] = (0, 0)
