"""GPU pipeline benchmarks (albumen.viewer.gpu), headless on whatever OpenGL EGL gives: on
this machine Mesa's llvmpipe, a software renderer on the CPU. A real GPU differs in every
number (uploads and mip levels are far cheaper there, shader compiles dearer), so these gate
the structure the pipeline promises and report the raw times; each against a reference
measured in the same run.

* start-up: every program of the pipeline made cold (empty caches) vs from albumen's program
  binary cache, and vs Mesa's own shader disk cache alone; each start a new process. Gate:
  the binary cache makes the programs >= 1.5x faster than compiling them cold (best of N
  interleaved starts). The driver's own compile at the first draw (llvmpipe JITs there) is
  reported as "first frame ready".
* upload of a 12 MP (and at full scale a 48 MP) RGB photo: the longest frame of a banded
  upload at an 8 ms budget (mip levels included) vs one ``ctx.texture(...)`` call plus
  ``build_mipmaps()``, whose whole time lands in one frame. Gates: the median step within the
  budget, the 95th percentile within 2x of it (llvmpipe on a shared 2-core machine is
  noisy, so the adaptive band height is gated on its distribution) and the longest step at
  least 3x shorter than the single-call frame; the raw longest step is reported.
* a steady-state frame with the framebuffer pool vs a new framebuffer every frame. Gate:
  0 allocations per frame with the pool (timings reported).
* minification quality: a 12 MP photo-like image shown 256 px wide, against Pillow's LANCZOS
  of the same image in linear light (the pipeline filters in linear light). Gate: PSNR >= 35
  dB; Pillow's LANCZOS on the sRGB values and the GPU's trilinear filter are reported.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benches.conftest import measure

np = pytest.importorskip("numpy", reason="the viewer extra (numpy) is not installed")
pytest.importorskip("moderngl", reason="the viewer extra (moderngl) is not installed")

from albumen.viewer.gpu import (  # noqa: E402
    FramebufferPool,
    GpuError,
    ImageRenderer,
    ShaderCache,
    TextureStreamer,
    create_standalone_context,
)

GL_SRGB8 = 0x8C41  # the reference uploads RGB as it comes from a decoder

SCALE = float(os.environ.get("ALBUMEN_BENCH_SCALE", "1"))
FULL = SCALE >= 1.0
GROUP = "gpu"
BUDGET_MS = 8.0
STARTS = 5 if FULL else 3  # processes per start-up configuration
FRAMES = 60 if FULL else 20  # steady-state frames per contender


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[bench] {line}")


@pytest.fixture(scope="module")
def ctx() -> Iterator[Any]:
    try:
        context = create_standalone_context()
    except GpuError as error:
        pytest.skip(f"no headless OpenGL context: {error}")
    yield context
    context.release()


@pytest.fixture(scope="module")
def driver(ctx: Any) -> str:
    return f"{ctx.info['GL_RENDERER']}, {ctx.info['GL_VERSION']}"


def photo_like(width: int, height: int, seed: int = 2026) -> Any:
    """A photo stand-in with natural-image statistics: 1/f ("pink") noise per channel, so
    detail at every scale as in real photos, plus hard-edged blocks; RGB uint8."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    # the noise is made at a quarter of the size and enlarged: cheap, and still 1/f
    h, w = height // 4, width // 4
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    radius = np.hypot(fx, fy)
    radius[0, 0] = 1.0
    channels = []
    for _ in range(3):
        spectrum = np.fft.rfft2(rng.standard_normal((h, w))) / radius
        plane = np.fft.irfft2(spectrum, s=(h, w))
        plane = (plane - plane.mean()) / plane.std() * 40 + 128
        channels.append(np.clip(plane, 0, 255).astype(np.uint8))
    small = Image.fromarray(np.stack(channels, axis=2))
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    fine = rng.normal(0, 12, (height, width, 1))  # sensor-like grain at full resolution
    pixels = np.clip(np.asarray(image, dtype=np.float32) + fine, 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = int(rng.integers(0, width - 50)), int(rng.integers(0, height - 50))
        dx, dy = (int(v) for v in rng.integers(20, max(21, width // 6), 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        draw.rectangle((x, y, x + dx, y + dy), fill=colour)
    return np.asarray(image)


# -- start-up ------------------------------------------------------------------------------

START = """
import json, sys, time
t0 = time.perf_counter()
from albumen.viewer.gpu import (
    FramebufferPool, ImageRenderer, ShaderCache, TextureStreamer, create_standalone_context,
)
ctx = create_standalone_context()
t1 = time.perf_counter()
# The GLSL compiler's one-time start-up (Mesa: ~5-10 ms), paid by the first compile in a
# process whatever it is; in the viewer Qt's own widget shaders pay it before ours.
ctx.program(vertex_shader="#version 330\\nvoid main() { gl_Position = vec4(0.0); }").release()
t2 = time.perf_counter()
shaders = ShaderCache(ctx, sys.argv[1])
stats = shaders.warm_up()
pool = FramebufferPool(ctx)
ImageRenderer(ctx, shaders, pool).warm_up()
TextureStreamer(ctx, shaders=shaders).warm_up()
t3 = time.perf_counter()
print(json.dumps({"compiler_start": t2 - t1, "programs": stats.seconds, "first_frame": t3 - t1,
                  "compiled": stats.compiled, "loaded": stats.loaded}))
"""


def _start(mesa_dir: Path, albumen_dir: Path) -> dict[str, float]:
    env = {**os.environ, "MESA_SHADER_CACHE_DIR": str(mesa_dir)}
    env.pop("MESA_SHADER_CACHE_DISABLE", None)
    out = subprocess.run(
        [sys.executable, "-c", START, str(albumen_dir)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def test_startup_binary_cache_vs_cold_compile(
    benchmark: Any, driver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(tempfile.mkdtemp(prefix="albumen-gpu-start-"))
    try:
        warm_mesa, warm_albumen = root / "mesa-warm", root / "albumen-warm"
        first = _start(warm_mesa, warm_albumen)  # fills both caches
        assert first["compiled"] == 2
        runs: dict[str, list[dict[str, float]]] = {}
        for i in range(STARTS):  # interleaved: machine noise hits every configuration alike
            configurations = {
                "cold (no cache)": (root / f"mesa-{i}", root / f"albumen-{i}"),
                "Mesa shader cache only": (warm_mesa, root / f"albumen-m{i}"),
                "albumen binary cache only": (root / f"mesa-a{i}", warm_albumen),
                "both caches (a second start)": (warm_mesa, warm_albumen),
            }
            for name, (mesa_dir, albumen_dir) in configurations.items():
                runs.setdefault(name, []).append(_start(mesa_dir, albumen_dir))
        assert all(r["loaded"] == 2 for r in runs["albumen binary cache only"])
        assert all(r["compiled"] == 2 for r in runs["cold (no cache)"])
        best = {name: min(r["programs"] for r in rs) for name, rs in runs.items()}
        compiler_start = min(r["compiler_start"] for rs in runs.values() for r in rs)
        first_frame = {name: min(r["first_frame"] for r in rs) for name, rs in runs.items()}
    finally:
        shutil.rmtree(root, ignore_errors=True)

    # the benchmark record: one more warm start
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    cold = "cold (no cache)"
    ratio = best[cold] / best["both caches (a second start)"]
    ratio_cache_only = best[cold] / best["albumen binary cache only"]
    driver_ratio = best[cold] / best["Mesa shader cache only"]
    benchmark.extra_info.update({"programs_seconds": best, "first_frame_seconds": first_frame})
    measure(
        GROUP, "programs: cold compile", best[cold], driver=driver, compiler_start=compiler_start
    )
    cold_name = "programs: cold compile"
    measure(
        GROUP, "programs: Mesa shader cache", best["Mesa shader cache only"], vs={cold_name: None}
    )
    measure(
        GROUP,
        "programs: albumen binary cache",
        best["albumen binary cache only"],
        vs={cold_name: None},
    )
    measure(
        GROUP,
        "programs: second start (both caches)",
        best["both caches (a second start)"],
        vs={"programs: cold compile": 2.0},
    )
    for name, seconds in first_frame.items():
        vs: dict[str, float | None] = {} if name == cold else {f"first frame ready: {cold}": None}
        measure(GROUP, f"first frame ready: {name}", seconds, vs=vs)
    _report(
        capsys,
        f"start-up on {driver}, best of {STARTS} processes: programs "
        + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in best.items())
        + f" (after the compiler's own start-up, {compiler_start * 1000:.1f} ms, paid by any"
        " first compile in a process)"
        + f"; binary cache {ratio:.1f}x faster than cold ({ratio_cache_only:.1f}x with Mesa's"
        f" cache empty), Mesa's cache alone {driver_ratio:.1f}x. First frame ready (programs +"
        " the driver's compile at first draw): "
        + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in first_frame.items()),
    )
    assert ratio >= 2.0


# -- upload ---------------------------------------------------------------------------------


def _single_call_frame(ctx: Any, pixels: Any) -> tuple[float, float]:
    """(texture call alone, texture call + build_mipmaps): one frame each, finished."""
    height, width = pixels.shape[:2]
    data = pixels.tobytes()
    t0 = time.perf_counter()
    texture = ctx.texture((width, height), 3, data, internal_format=GL_SRGB8)
    ctx.finish()
    t1 = time.perf_counter()
    texture.build_mipmaps()
    ctx.finish()
    t2 = time.perf_counter()
    texture.release()
    return t1 - t0, t2 - t0


def _banded(ctx: Any, shaders: ShaderCache, pixels: Any) -> list[float]:
    """Seconds of every step (one per frame) of a banded upload at the budget."""
    streamer = TextureStreamer(ctx, budget_ms=BUDGET_MS, shaders=shaders)
    try:
        streamer.warm_up()
        image = streamer.upload(pixels)
        steps = []
        more = True
        while more:
            t0 = time.perf_counter()
            more = streamer.step()
            steps.append(time.perf_counter() - t0)
        assert image.ready
        return steps
    finally:
        streamer.close()


@pytest.mark.parametrize(
    ("label", "size"),
    [("12 MP", (4000, 3000)), ("48 MP", (8000, 6000))],
)
def test_banded_upload_vs_one_texture_call(
    label: str,
    size: tuple[int, int],
    benchmark: Any,
    ctx: Any,
    driver: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if label == "48 MP" and not FULL:
        pytest.skip("48 MP runs at full scale only (make bench)")
    width, height = size
    pixels = np.random.default_rng(7).integers(0, 256, (height, width, 3), dtype=np.uint8)
    shaders = ShaderCache(ctx, None)
    try:
        _single_call_frame(ctx, pixels[:64, :64].copy())  # the driver's first-use costs
        rounds = 3 if FULL else 2
        singles = [_single_call_frame(ctx, pixels) for _ in range(rounds)]
        texture_only = min(s[0] for s in singles)
        single_frame = min(s[1] for s in singles)
        steps = [_banded(ctx, shaders, pixels) for _ in range(rounds)]
    finally:
        shaders.close()
    # the round with the lowest 95th percentile (the others met more machine noise)
    best = min(steps, key=lambda s: sorted(s)[int(0.95 * (len(s) - 1))])
    longest, median = max(best), statistics.median(best)
    p95 = sorted(best)[int(0.95 * (len(best) - 1))]
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    benchmark.extra_info.update(
        {"longest_step_ms": longest * 1e3, "median_step_ms": median * 1e3, "steps": len(best)}
    )
    reference = f"{label}: one ctx.texture() + build_mipmaps() frame"
    measure(GROUP, reference, single_frame, texture_call_only_seconds=texture_only)
    measure(
        GROUP,
        f"{label}: longest frame of a banded upload",
        longest,
        vs={reference: 3.0},
        steps=len(best),
        median_step_seconds=median,
        p95_step_seconds=p95,
        total_seconds=sum(best),
        budget_seconds=BUDGET_MS / 1000,
        driver=driver,
    )
    _report(
        capsys,
        f"{label} upload on {driver}: one texture call {texture_only * 1e3:.0f} ms, with mipmaps"
        f" {single_frame * 1e3:.0f} ms in one frame; banded at {BUDGET_MS:g} ms: {len(best)}"
        f" steps, median {median * 1e3:.1f} ms, p95 {p95 * 1e3:.1f} ms, longest"
        f" {longest * 1e3:.1f} ms ({single_frame / longest:.0f}x shorter), total"
        f" {sum(best) * 1e3:.0f} ms",
    )
    assert median <= BUDGET_MS / 1000
    assert p95 <= 2.0 * BUDGET_MS / 1000
    assert single_frame / longest >= 3.0


# -- steady-state frames --------------------------------------------------------------------


def test_steady_state_frame_pool_vs_new_framebuffer(
    benchmark: Any, ctx: Any, driver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    viewport = (1280, 800)
    shaders = ShaderCache(ctx, None)
    pool = FramebufferPool(ctx)
    streamer = TextureStreamer(ctx, shaders=shaders)
    # trilinear: what a software renderer shows while the user zooms and pans
    renderer = ImageRenderer(ctx, shaders, pool, minification="trilinear")
    try:
        image = streamer.upload(photo_like(4000, 3000))
        streamer.finish_all()
        renderer.set_image(image, viewport=viewport)
        renderer.warm_up()

        def pooled() -> None:
            framebuffer = pool.acquire(viewport)
            renderer.render(framebuffer)
            ctx.finish()
            pool.release(framebuffer)

        def fresh() -> None:
            texture = ctx.texture(viewport, 4)
            framebuffer = ctx.framebuffer(color_attachments=[texture])
            renderer.render(framebuffer)
            ctx.finish()
            framebuffer.release()
            texture.release()

        pooled()
        fresh()
        allocations = pool.stats().allocations
        times: dict[str, list[float]] = {"pool": [], "new": []}
        for _ in range(FRAMES):
            for name, frame in (("pool", pooled), ("new", fresh)):
                t0 = time.perf_counter()
                frame()
                times[name].append(time.perf_counter() - t0)
        per_frame_allocations = (pool.stats().allocations - allocations) / FRAMES
        # the framebuffer's own cost, apart from the drawing: get one, clear it, give it back
        overhead: dict[str, list[float]] = {"pool": [], "new": []}
        for _ in range(10 * FRAMES):
            t0 = time.perf_counter()
            framebuffer = pool.acquire(viewport)
            framebuffer.clear()
            ctx.finish()
            pool.release(framebuffer)
            t1 = time.perf_counter()
            texture = ctx.texture(viewport, 4)
            framebuffer = ctx.framebuffer(color_attachments=[texture])
            framebuffer.clear()
            ctx.finish()
            framebuffer.release()
            texture.release()
            t2 = time.perf_counter()
            overhead["pool"].append(t1 - t0)
            overhead["new"].append(t2 - t1)
        benchmark.pedantic(pooled, rounds=5, iterations=1)
    finally:
        renderer.close()
        streamer.close()
        pool.close()
        shaders.close()
    pool_s, new_s = statistics.median(times["pool"]), statistics.median(times["new"])
    pool_fb, new_fb = statistics.median(overhead["pool"]), statistics.median(overhead["new"])
    measure(GROUP, "new framebuffer + clear", new_fb, unit="frame")
    measure(
        GROUP,
        "pooled framebuffer + clear",
        pool_fb,
        vs={"new framebuffer + clear": None},
        unit="frame",
    )
    measure(GROUP, "frame with a new framebuffer", new_s, unit="frame", allocations_per_frame=1)
    measure(
        GROUP,
        "frame from the framebuffer pool",
        pool_s,
        vs={"frame with a new framebuffer": None},
        unit="frame",
        allocations_per_frame=per_frame_allocations,
        driver=driver,
    )
    _report(
        capsys,
        f"steady-state {viewport[0]}x{viewport[1]} frame on {driver} (median of {FRAMES}):"
        f" pool {pool_s * 1e3:.2f} ms, new framebuffer per frame {new_s * 1e3:.2f} ms"
        f" ({new_s / pool_s:.2f}x); the framebuffer alone (get, clear, give back):"
        f" pool {pool_fb * 1e3:.3f} ms, new {new_fb * 1e3:.3f} ms ({new_fb / pool_fb:.1f}x);"
        f" allocations per frame with the pool: {per_frame_allocations:g}",
    )
    assert per_frame_allocations == 0


# -- minification quality -------------------------------------------------------------------


def _psnr(a: Any, b: Any) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _lanczos_in_linear_light(pixels: Any, size: tuple[int, int]) -> Any:
    """Pillow's LANCZOS applied to linear-light planes, encoded back to sRGB."""
    from PIL import Image

    c = pixels.astype(np.float32) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    planes = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(linear[..., i]), "F").resize(
                size, Image.Resampling.LANCZOS
            )
        )
        for i in range(3)
    ]
    out = np.clip(np.stack(planes, axis=2), 0, 1)
    srgb = np.where(out <= 0.0031308, out * 12.92, 1.055 * out ** (1 / 2.4) - 0.055)
    return np.round(srgb * 255)


def test_minification_psnr_vs_pillow_lanczos(
    benchmark: Any, ctx: Any, driver: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    pixels = photo_like(4000, 3000)
    size = (256, 192)
    shaders = ShaderCache(ctx, None)
    pool = FramebufferPool(ctx)
    streamer = TextureStreamer(ctx, shaders=shaders)
    rendered: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    try:
        image = streamer.upload(pixels)
        streamer.finish_all()
        for minification in ("lanczos", "trilinear"):
            renderer = ImageRenderer(ctx, shaders, pool, minification=minification)
            try:
                renderer.set_image(image, viewport=size)
                renderer.warm_up()
                renderer.render_to_image()
                t0 = time.perf_counter()
                rendered[minification] = np.asarray(renderer.render_to_image())
                seconds[minification] = time.perf_counter() - t0
            finally:
                renderer.close()
        benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    finally:
        streamer.close()
        pool.close()
        shaders.close()
    t0 = time.perf_counter()
    reference = _lanczos_in_linear_light(pixels, size)
    reference_seconds = time.perf_counter() - t0
    gamma_reference = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
    psnr = {
        "lanczos": _psnr(rendered["lanczos"], reference),
        "trilinear": _psnr(rendered["trilinear"], reference),
        "lanczos vs sRGB-space LANCZOS": _psnr(rendered["lanczos"], gamma_reference),
        "sRGB-space vs linear-light LANCZOS": _psnr(gamma_reference, reference),
    }
    benchmark.extra_info.update({f"psnr_db: {k}": v for k, v in psnr.items()})
    ref_name = "Pillow LANCZOS in linear light, 12 MP -> 256 px"
    measure(GROUP, ref_name, reference_seconds)
    measure(
        GROUP,
        "rendered 256 px view (Lanczos-2 on mip levels)",
        seconds["lanczos"],
        vs={ref_name: None},
        psnr_db=round(psnr["lanczos"], 2),
        psnr_db_vs_srgb_space_lanczos=round(psnr["lanczos vs sRGB-space LANCZOS"], 2),
        driver=driver,
    )
    measure(
        GROUP,
        "rendered 256 px view (trilinear)",
        seconds["trilinear"],
        vs={ref_name: None},
        psnr_db=round(psnr["trilinear"], 2),
    )
    _report(
        capsys,
        "12 MP -> 256 px, PSNR vs Pillow LANCZOS in linear light: "
        f"Lanczos-2 on mip levels {psnr['lanczos']:.1f} dB (gate >= 35), trilinear"
        f" {psnr['trilinear']:.1f} dB; vs Pillow LANCZOS on sRGB values"
        f" {psnr['lanczos vs sRGB-space LANCZOS']:.1f} dB (the two Pillow results differ by"
        f" {psnr['sRGB-space vs linear-light LANCZOS']:.1f} dB themselves)",
    )
    assert psnr["lanczos"] >= 35.0
