"""Mixed-format scan benchmark (issue 3).

A phone-and-camera library (JPEG, HEIC, MOV/MP4, PNG, RAW-like DNG: see
``albumen.testing.formats.MIX``) of 10,000 files x ``ALBUMEN_BENCH_SCALE`` is scanned by the
Rust core (walk + probe of every file, all metadata, GIL released), and compared in the same
run with:

- the same scan of an all-JPEG library of the same size: the mixed scan must stay within 1.5x;
- ``exiftool -json -r`` over the mixed library: albumen must be at least 30x faster.

Run with ``make bench`` (full scale) or ``pytest benches/bench_formats.py``; the ratios are
printed and written to ``build/bench/formats.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import _core
from albumen.testing.formats import exiftool_available, generate_mixed_library

from benches.conftest import measure

SCALE = float(os.environ.get("ALBUMEN_BENCH_SCALE", "1"))
COUNT = max(200, round(10_000 * SCALE))
MAX_MIXED_OVER_JPEG = 1.5
MIN_EXIFTOOL_RATIO = 30.0
RESULTS: dict[str, Any] = {"files": COUNT, "scale": SCALE}


def scan(root: Path) -> int:
    """One full scan: discover, then probe every file (records are built, then dropped)."""
    files, _errors = _core.walk(root)
    n = 0
    for batch in _core.probe(root, [f[0] for f in files]):
        n += len(batch)
    return n


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    base = tmp_path_factory.mktemp("bench-formats")
    mixed, jpeg = base / "mixed", base / "jpeg"
    RESULTS["mix"] = generate_mixed_library(mixed, COUNT, seed=3)
    generate_mixed_library(jpeg, COUNT, jpeg_only=True, seed=3)
    scan(mixed), scan(jpeg)  # warm the page cache for both
    yield mixed, jpeg
    shutil.rmtree(base, ignore_errors=True)


def test_scan_all_jpeg(benchmark: Any, libraries: tuple[Path, Path]) -> None:
    _, jpeg = libraries
    n = benchmark.pedantic(scan, args=(jpeg,), rounds=5, warmup_rounds=1)
    assert n == COUNT
    RESULTS["jpeg_seconds"] = benchmark.stats.stats.min


def test_scan_mixed(benchmark: Any, libraries: tuple[Path, Path]) -> None:
    mixed, _ = libraries
    n = benchmark.pedantic(scan, args=(mixed,), rounds=5, warmup_rounds=1)
    assert n == COUNT
    RESULTS["mixed_seconds"] = benchmark.stats.stats.min
    # every file was read for real: no errors, every format gave its dimensions
    records = [
        r for batch in _core.probe(mixed, [f[0] for f in _core.walk(mixed)[0]]) for r in batch
    ]
    assert [r["path"] for r in records if r["error"]] == []
    assert all(r["width"] for r in records)


@pytest.mark.skipif(not exiftool_available(), reason="needs exiftool")
def test_exiftool_reference(libraries: tuple[Path, Path]) -> None:
    mixed, _ = libraries
    start = time.perf_counter()
    out = subprocess.run(["exiftool", "-json", "-r", str(mixed)], capture_output=True, check=False)
    RESULTS["exiftool_seconds"] = time.perf_counter() - start
    assert len(json.loads(out.stdout)) == COUNT


def test_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    needed = ("jpeg_seconds", "mixed_seconds")
    if not all(k in RESULTS for k in needed):
        pytest.skip("the scan benchmarks did not run (--benchmark-disable?)")
    mixed, jpeg = RESULTS["mixed_seconds"], RESULTS["jpeg_seconds"]
    RESULTS["mixed_over_jpeg"] = mixed / jpeg
    lines = [
        f"mixed-format scan benchmark, {COUNT} files ({RESULTS['mix']})",
        f"  all-JPEG scan        {jpeg:8.3f} s  ({COUNT / jpeg:,.0f} files/s)",
        f"  mixed scan           {mixed:8.3f} s  ({COUNT / mixed:,.0f} files/s)",
        f"  mixed / all-JPEG     {mixed / jpeg:8.2f}x  (limit {MAX_MIXED_OVER_JPEG}x)",
    ]
    if "exiftool_seconds" in RESULTS:
        ex = RESULTS["exiftool_seconds"]
        RESULTS["exiftool_over_mixed"] = ex / mixed
        lines.append(f"  exiftool -json -r    {ex:8.3f} s")
        lines.append(
            f"  albumen vs exiftool  {ex / mixed:8.1f}x  faster (needs >= {MIN_EXIFTOOL_RATIO}x)"
        )
    out = Path("build/bench")
    out.mkdir(parents=True, exist_ok=True)
    (out / "formats.json").write_text(json.dumps(RESULTS, indent=2))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    jpeg_label, exiftool_label = "albumen all-JPEG scan", "exiftool -json -r, mixed"
    measure("formats", jpeg_label, jpeg)
    vs: dict[str, float | None] = {jpeg_label: 1 / MAX_MIXED_OVER_JPEG}
    if "exiftool_seconds" in RESULTS:
        measure("formats", exiftool_label, RESULTS["exiftool_seconds"])
        vs[exiftool_label] = MIN_EXIFTOOL_RATIO
    measure("formats", f"albumen mixed-format scan, {COUNT} files", mixed, vs=vs)
    assert mixed / jpeg <= MAX_MIXED_OVER_JPEG
    if "exiftool_over_mixed" in RESULTS:
        assert RESULTS["exiftool_over_mixed"] >= MIN_EXIFTOOL_RATIO
