"""Scan benchmarks: albumen's fresh scan and rescan against a pure-Python reference and ExifTool,
measured in the same run on the same generated corpus. The gates at the end fail a change that
makes the scan slower than the plan allows."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from albumen import Library

from benches.conftest import (
    COUNT,
    EXTRA,
    FULL_COUNT,
    SCALE,
    SCAN_LABELS,
    TIMINGS,
    measure,
    ratio,
    record,
)
from benches.pure_python_reference import reference_scan

# The plan's limit was 10K files in 30 s; the targets are far tighter. Targets are
# printed (this machine's 2 cores are shared, so they are reported, not asserted); gates fail.
GATE_MIN_SPEEDUP_VS_PYTHON = 3.0
GATE_SECONDS_PER_10K = 30.0
TARGETS = {
    "fresh scan of 10K (s)": ("albumen_fresh_scan", 1.0),
    "rescan of 10K unchanged (s)": ("albumen_rescan_unchanged", 0.2),
}


def scaled(seconds_per_10k: float) -> float:
    return seconds_per_10k * COUNT / FULL_COUNT


def test_fresh_scan(benchmark: Any, bench_corpus: Path, tmp_path: Path) -> None:
    def setup() -> tuple[tuple[Path], dict[str, Any]]:
        return (tmp_path / uuid.uuid4().hex,), {}

    def run(library_dir: Path) -> Any:
        with Library.open(bench_corpus, library_dir) as lib:
            return lib.scan()

    report = benchmark.pedantic(run, setup=setup, rounds=5, iterations=1, warmup_rounds=0)
    assert (report.files, report.added, report.errors) == (COUNT, COUNT, [])
    # the report holds it to the targets; the gates are asserted here and in test_gates
    targets: dict[str, float | None] = {"pure_python_reference": 5.0, "exiftool_batch": 30.0}
    fresh = record("albumen_fresh_scan", benchmark, vs=targets, limit=scaled(1.0))
    # the plan's absolute gate: a fresh scan of 10,000 files in at most 30 s (scaled to COUNT)
    assert fresh <= scaled(GATE_SECONDS_PER_10K), (
        f"fresh scan of {COUNT} files took {fresh:.2f} s "
        f"(gate: {scaled(GATE_SECONDS_PER_10K):.2f} s, i.e. {GATE_SECONDS_PER_10K:g} s per 10K)"
    )


def test_rescan_unchanged(benchmark: Any, bench_corpus: Path, tmp_path: Path) -> None:
    with Library.open(bench_corpus, tmp_path / "lib") as lib:
        lib.scan()
        report = benchmark.pedantic(lib.scan, rounds=5, iterations=1, warmup_rounds=1)
    assert (report.files, report.unchanged, report.added) == (COUNT, COUNT, 0)
    record("albumen_rescan_unchanged", benchmark, limit=scaled(0.2))


def test_pure_python_reference(benchmark: Any, bench_corpus: Path, tmp_path: Path) -> None:
    def setup() -> tuple[tuple[Path, Path], dict[str, Any]]:
        return (bench_corpus, tmp_path / f"{uuid.uuid4().hex}.db"), {}

    # two rounds: the best one is compared, as for albumen (the machine is shared)
    n = benchmark.pedantic(reference_scan, setup=setup, rounds=2, iterations=1)
    assert n == COUNT
    record("pure_python_reference", benchmark)


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_exiftool_batch(benchmark: Any, bench_corpus: Path) -> None:
    def run() -> int:
        out = subprocess.run(
            ["exiftool", "-json", "-r", "-fast", "-q", str(bench_corpus)],
            capture_output=True,
            check=True,
        )
        return len(json.loads(out.stdout))

    n = benchmark.pedantic(run, rounds=1, iterations=1)
    assert n >= COUNT
    record("exiftool_batch", benchmark)


def test_gates(bench_corpus: Path) -> None:
    """The plan's gates (asserted) and the issue's targets (reported)."""
    if "albumen_fresh_scan" not in TIMINGS or "pure_python_reference" not in TIMINGS:
        pytest.skip("run the whole benchmark module to check the gates")
    speedup = ratio("pure_python_reference", "albumen_fresh_scan")
    assert speedup is not None
    for label, (name, limit) in TARGETS.items():
        if name in TIMINGS:
            got = TIMINGS[name] * FULL_COUNT / COUNT
            EXTRA[f"target {label} <= {limit}"] = (
                f"{got:.3f} ({'met' if got <= limit else 'MISSED'})"
            )
    for slow, want in (("pure_python_reference", 5.0), ("exiftool_batch", 30.0)):
        r = ratio(slow, "albumen_fresh_scan")
        if r is not None:
            EXTRA[f"target >= {want:g}x {slow}"] = f"{r:.1f}x ({'met' if r >= want else 'MISSED'})"
    if speedup < GATE_MIN_SPEEDUP_VS_PYTHON:
        # Other work on this shared machine may have landed on one of the two measurements (it
        # hurts albumen's two threads more than the reference's one): confirm with interleaved
        # runs, so both sides see the same conditions, before failing.
        speedup = interleaved_speedup(bench_corpus, pairs=5)
        EXTRA["interleaved re-measurement of the speedup"] = f"{speedup:.1f}x"
    assert speedup >= GATE_MIN_SPEEDUP_VS_PYTHON, (
        f"albumen's fresh scan is only {speedup:.1f}x the pure-Python reference "
        f"(gate: {GATE_MIN_SPEEDUP_VS_PYTHON}x)"
    )


def interleaved_speedup(root: Path, pairs: int = 3) -> float:
    """Best reference time over best albumen time, the two run alternately."""
    import tempfile
    import time

    ours: list[float] = []
    theirs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(pairs):
            t0 = time.perf_counter()
            with Library.open(root, Path(tmp) / f"lib{i}") as lib:
                lib.scan()
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            reference_scan(root, Path(tmp) / f"ref{i}.db")
            theirs.append(time.perf_counter() - t0)
    return min(theirs) / min(ours)


# -- 100K files and peak memory (full scale only: `make bench`) ------------------------------

SCAN_100K = textwrap.dedent(
    """
    import json, resource, sys, time
    from albumen import Library
    t0 = time.perf_counter()
    with Library.open(sys.argv[1], sys.argv[2]) as lib:
        report = lib.scan()
    seconds = time.perf_counter() - t0
    # VmHWM is this process's own peak; ru_maxrss would inherit the (big) parent's peak across
    # fork/exec on Linux
    try:
        with open("/proc/self/status") as f:
            peak_kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"files": report.files, "errors": len(report.errors),
                      "seconds": seconds, "peak_rss_mb": peak_kib / 1024}))
    """
)


@pytest.mark.skipif(SCALE < 1, reason="the 100K-file run is for `make bench` (full scale)")
@pytest.mark.timeout(1800)
def test_fresh_scan_100k_files_time_and_peak_memory(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from albumen.testing.corpus import generate_corpus

    n = 100_000
    root = tmp_path_factory.mktemp("bench-100k")
    try:
        generate_corpus(root, n, seed=100, extras=False)
        # warm the page cache the way the 10K benchmarks are warm (the files were just written)
        runs = []
        for attempt in range(2):
            out = subprocess.run(
                [sys.executable, "-c", SCAN_100K, str(root), str(root / f"lib{attempt}")],
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            runs.append(json.loads(out.stdout))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    best = min(runs, key=lambda r: r["seconds"])
    assert best["files"] == n and best["errors"] == 0
    TIMINGS["albumen_fresh_scan_100k"] = best["seconds"]
    peak = max(r["peak_rss_mb"] for r in runs)
    measure(
        "scan",
        SCAN_LABELS["albumen_fresh_scan_100k"],
        best["seconds"],
        limit=10.0,
        peak_rss_mb=round(peak, 1),
    )
    EXTRA["100K fresh scan peak RSS (MB)"] = round(peak, 1)
    EXTRA["target 100K <= 10 s"] = (
        f"{best['seconds']:.2f} ({'met' if best['seconds'] <= 10 else 'MISSED'})"
    )
    EXTRA["target 100K peak RSS <= 300 MB"] = f"{peak:.0f} ({'met' if peak <= 300 else 'MISSED'})"
