"""Shared benchmark helpers: the generated corpus (scaled by ALBUMEN_BENCH_SCALE), the timings
collected across benchmarks, and the ratio report printed at the end of the run.

ALBUMEN_BENCH_SCALE=1 (the default, `make bench`) scans 10,000 photos and also runs the
100,000-photo memory benchmark; `make test` runs the gates at 0.2 (2,000 photos).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCALE = float(os.environ.get("ALBUMEN_BENCH_SCALE", "1"))
FULL_COUNT = 10_000
COUNT = max(200, round(FULL_COUNT * SCALE))

#: name -> seconds (best round), filled by the benchmarks and read by the gates and the report
TIMINGS: dict[str, float] = {}
EXTRA: dict[str, Any] = {}


def record(name: str, benchmark: Any) -> float:
    """Store the best round of a finished pytest-benchmark run under ``name``."""
    seconds = float(benchmark.stats.stats.min)
    TIMINGS[name] = seconds
    return seconds


@pytest.fixture(scope="session")
def bench_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """COUNT generated camera-like photos (no broken files: a clean throughput measure)."""
    from albumen.testing.corpus import generate_corpus

    root = tmp_path_factory.mktemp("bench-corpus")
    generate_corpus(root, COUNT, seed=2026, extras=False)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def ratio(slow: str, fast: str) -> float | None:
    if slow in TIMINGS and fast in TIMINGS and TIMINGS[fast] > 0:
        return TIMINGS[slow] / TIMINGS[fast]
    return None


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TIMINGS:
        return
    write = terminalreporter.write_line
    write("")
    write(f"albumen scan benchmarks: {COUNT} photos (ALBUMEN_BENCH_SCALE={SCALE:g})")
    for name, seconds in TIMINGS.items():
        if name.endswith("_100k"):
            write(f"  {name:<28} {seconds:8.3f} s   (100K files)")
            continue
        per_10k = seconds * FULL_COUNT / COUNT
        write(f"  {name:<28} {seconds:8.3f} s   ({per_10k:7.3f} s per 10K files)")
    for slow in ("pure_python_reference", "exiftool_batch"):
        r = ratio(slow, "albumen_fresh_scan")
        if r is not None:
            write(f"  albumen fresh scan is {r:6.1f}x faster than {slow}")
    for key, value in EXTRA.items():
        write(f"  {key}: {value}")
    out = Path("build/bench")
    try:
        out.mkdir(parents=True, exist_ok=True)
        report = {
            "count": COUNT,
            "scale": SCALE,
            "seconds": TIMINGS,
            "ratios": {
                f"{slow}/albumen_fresh_scan": ratio(slow, "albumen_fresh_scan")
                for slow in ("pure_python_reference", "exiftool_batch")
            },
            **EXTRA,
        }
        (out / "scan.json").write_text(json.dumps(report, indent=2))
    except OSError:
        pass
