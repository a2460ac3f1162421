"""Everything the pipeline makes is released when it closes; a released or lost context, or
none at all, is one clear GpuError."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy", reason="the viewer extra (numpy) is not installed")

from albumen.viewer.gpu import (  # noqa: E402
    FramebufferPool,
    GpuError,
    ImageRenderer,
    ShaderCache,
    TextureStreamer,
)

from .conftest import live_gl_objects, marked_image  # noqa: E402


def test_closing_the_pipeline_releases_everything_it_made(ctx: Any, tmp_path: Path) -> None:
    before = live_gl_objects()
    shaders = ShaderCache(ctx, tmp_path)
    shaders.warm_up()
    pool = FramebufferPool(ctx)
    streamer = TextureStreamer(ctx, shaders=shaders, tile_size=32)
    renderer = ImageRenderer(ctx, shaders, pool)
    renderer.warm_up()
    streamer.warm_up()
    shown = streamer.upload(marked_image())
    streamer.upload(marked_image(alpha=True))  # still uploading at close
    streamer.step()
    while not shown.ready:
        streamer.step()
    renderer.set_image(shown, orientation=8, viewport=(50, 40))
    renderer.render_to_image()
    held = pool.acquire((10, 10))  # still in use at close
    assert held is not None
    during = live_gl_objects()
    assert during["Texture"] > before["Texture"] and during["Program"] == before["Program"] + 2

    renderer.close()
    streamer.close()
    pool.close()
    shaders.close()
    assert live_gl_objects() == before


def test_a_released_context_is_one_clear_error(
    make_context: Callable[[], Any], tmp_path: Path
) -> None:
    own = make_context()
    shaders = ShaderCache(own, tmp_path)
    pool = FramebufferPool(own)
    streamer = TextureStreamer(own, shaders=shaders)
    renderer = ImageRenderer(own, shaders, pool)
    image = streamer.upload(marked_image())
    own.release()
    with pytest.raises(GpuError, match="released"):
        streamer.step()
    with pytest.raises(GpuError, match="released"):
        renderer.set_image(image, viewport=(8, 8))
        renderer.render_to_image()
    with pytest.raises(GpuError, match="released"):
        pool.acquire((8, 8))
    with pytest.raises(GpuError, match="released"):
        shaders.program("other", vertex_shader="", fragment_shader="")
    for make in (
        lambda: ShaderCache(own, None),
        lambda: FramebufferPool(own),
        lambda: TextureStreamer(own),
    ):
        with pytest.raises(GpuError, match="released"):
            make()


NO_EGL = """
import json
from albumen.viewer.gpu import GpuError, create_standalone_context
try:
    create_standalone_context()
except GpuError as error:
    print(json.dumps({"error": str(error)}))
else:
    print(json.dumps({"error": None}))
"""


def test_no_context_at_all_is_one_clear_error(tmp_path: Path) -> None:
    # libglvnd finds no EGL driver: what a machine without libgl1-mesa-dri (or a GPU) has
    env = {**os.environ, "__EGL_VENDOR_LIBRARY_FILENAMES": str(tmp_path / "none.json")}
    out = subprocess.run(
        [sys.executable, "-c", NO_EGL], check=True, capture_output=True, text=True, env=env
    )
    error = json.loads(out.stdout)["error"]
    assert error is not None and "libegl1" in error and "libgl1-mesa-dri" in error


def test_importing_the_viewer_package_imports_no_gpu_or_qt_library() -> None:
    probe = "import sys, albumen.viewer; print(sorted(m.split('.')[0] for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True)
    loaded = set(json.loads(out.stdout.decode().replace("'", '"')))
    assert not loaded & {"moderngl", "numpy", "PySide6", "glcontext"}
