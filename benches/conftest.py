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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

SCALE = float(os.environ.get("ALBUMEN_BENCH_SCALE", "1"))
FULL_COUNT = 10_000
COUNT = max(200, round(FULL_COUNT * SCALE))

#: name -> seconds (best round), filled by the benchmarks and read by the gates and the report
TIMINGS: dict[str, float] = {}
EXTRA: dict[str, Any] = {}
BUILD = Path(os.environ.get("ALBUMEN_BUILD_DIR", "build")) / "bench"


# -- the shared recorder: every suite records its measurements here; at the end of the session
# they are written to build/bench/results.json, which benches/report.py turns into the JSON
# report and the plots (`make bench`).


@dataclass(frozen=True)
class Measurement:
    """One benchmark result: ``seconds`` (best round, per call when ``unit`` says so) of
    ``name`` in ``group``. ``vs`` names the references measured in the same run (in the same
    group) that it is compared with, each with the minimum speedup it is held to (None:
    reported only); ``limit`` is an absolute ceiling in seconds (None: none)."""

    group: str
    name: str
    seconds: float
    vs: dict[str, float | None] = field(default_factory=dict)
    limit: float | None = None
    unit: str = "run"
    info: dict[str, Any] = field(default_factory=dict)


#: (group, name) -> measurement, in recording order
MEASUREMENTS: dict[tuple[str, str], Measurement] = {}


def measure(
    group: str,
    name: str,
    seconds: float,
    *,
    vs: dict[str, float | None] | None = None,
    limit: float | None = None,
    unit: str = "run",
    **info: Any,
) -> float:
    """Record a measurement for the report (a reference is recorded like any other result
    and named in the ``vs`` of what it is compared with; ``info``: other figures, such as a
    peak RSS); returns ``seconds``."""
    MEASUREMENTS[(group, name)] = Measurement(
        group, name, seconds, dict(vs or {}), limit, unit, info
    )
    return seconds


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write build/bench/results.json. Groups measured in this session replace their earlier
    results; other groups measured at the same scale are kept, so suites may also be run one
    at a time (``make bench`` starts from an empty file)."""
    if not MEASUREMENTS:
        return
    path = BUILD / "results.json"
    measured = {m.group for m in MEASUREMENTS.values()}
    kept: list[dict[str, Any]] = []
    try:
        earlier = json.loads(path.read_text())
        if earlier.get("scale") == SCALE:
            kept = [m for m in earlier["measurements"] if m["group"] not in measured]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    results = {
        "scale": SCALE,
        "measurements": kept + [asdict(m) for m in MEASUREMENTS.values()],
    }
    try:
        BUILD.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=2))
        tmp.replace(path)
    except OSError:
        pass


SCAN_LABELS = {
    "albumen_fresh_scan": "albumen fresh scan",
    "albumen_rescan_unchanged": "albumen rescan, nothing changed",
    "pure_python_reference": "pure-Python reference scan",
    "exiftool_batch": "ExifTool batch (-json -r -fast)",
    "albumen_fresh_scan_100k": "albumen fresh scan of 100K files",
}


def record(
    name: str,
    benchmark: Any,
    *,
    vs: dict[str, float | None] | None = None,
    limit: float | None = None,
) -> float:
    """Store the best round of a finished pytest-benchmark run under ``name`` (and in the
    shared recorder, group "scan"; ``vs`` names other scan timings)."""
    seconds = float(benchmark.stats.stats.min)
    TIMINGS[name] = seconds
    labels = {SCAN_LABELS.get(k, k): v for k, v in (vs or {}).items()}
    measure("scan", SCAN_LABELS.get(name, name), seconds, vs=labels, limit=limit)
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
    out = BUILD
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
