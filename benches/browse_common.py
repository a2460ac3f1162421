"""Helpers shared by the browsing benchmarks (bench_grid.py, bench_paging.py): the scale,
the cached synthetic library, and a report printed at the end of the run with ratios."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from albumen.store.sqlite.schema import MIGRATIONS

from benches.conftest import measure

SCALE = float(os.environ.get("ALBUMEN_BENCH_SCALE", "1"))
FULL_ROWS = 1_000_000
ROWS = max(10_000, round(FULL_ROWS * SCALE))
PAGE_SIZE = 200
BUILD = Path(os.environ.get("ALBUMEN_BUILD_DIR", "build")) / "bench"
SYNTHETIC_VERSION = 1  # bump when albumen.testing.synthetic changes its rows

#: name -> (seconds, note); printed and written to build/bench/browse-<suite>.json
RESULTS: dict[str, dict[str, Any]] = {}


def best(benchmark: Any) -> float:
    return float(benchmark.stats.stats.min)


def note(
    suite: str,
    name: str,
    seconds: float,
    per: int = 1,
    *,
    vs: dict[str, float | None] | None = None,
    limit: float | None = None,
    **extra: Any,
) -> float:
    """Record a timing (``per`` calls in one round) and return seconds per call; it also goes
    to the shared recorder (``vs``: references in this suite and the speedup each is held to;
    ``limit``: the ceiling in seconds per call)."""
    value = seconds / per
    RESULTS.setdefault(suite, {})[name] = {"seconds": value, **extra}
    measure(suite, name, value, vs=vs, limit=limit, unit="call" if per > 1 else "run", **extra)
    return value


def library_db(rows: int = ROWS) -> Path:
    """The cached synthetic library of ``rows`` rows (no hidden rows, so the default query
    sees all of them), built on first use under build/bench/."""
    from albumen.testing.synthetic import build_library

    BUILD.mkdir(parents=True, exist_ok=True)
    path = BUILD / f"library-{rows}.db"
    stamp = path.with_suffix(".json")
    want = {"rows": rows, "migrations": len(MIGRATIONS), "synthetic": SYNTHETIC_VERSION}
    if path.exists() and stamp.exists():
        try:
            if json.loads(stamp.read_text()) == want:
                return path
        except ValueError:
            pass
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    build_library(path, rows, seed=2026, hidden_fraction=0.0)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    stamp.write_text(json.dumps(want))
    return path


def report_at_teardown(suite: str, config: Any) -> None:
    """Print the suite's results from a fixture's teardown (output capture suspended)."""
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    capman = config.pluginmanager.get_plugin("capturemanager")
    if capman is None:
        report(suite, terminal)
        return
    with capman.global_and_fixture_disabled():
        report(suite, terminal)


def report(suite: str, terminal: Any) -> None:
    results = RESULTS.get(suite)
    if not results:
        return
    write = terminal.write_line if terminal is not None else print
    write("")
    write(f"albumen {suite} benchmarks (ALBUMEN_BENCH_SCALE={SCALE:g}, {ROWS} rows/items)")
    for name, r in results.items():
        s = r["seconds"]
        shown = f"{s * 1e6:10.3f} us" if s < 1e-3 else f"{s * 1e3:10.3f} ms"
        extra = "  ".join(f"{k}={v}" for k, v in r.items() if k != "seconds")
        write(f"  {name:<44} {shown}  {extra}")
    try:
        BUILD.mkdir(parents=True, exist_ok=True)
        (BUILD / f"browse-{suite}.json").write_text(
            json.dumps({"scale": SCALE, "rows": ROWS, "results": results}, indent=2)
        )
    except OSError:
        pass
