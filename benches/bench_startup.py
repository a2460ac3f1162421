"""Start-up cost: ``import albumen`` against the bare interpreter, measured in the same run.

Gate: ``import albumen`` takes at most 50 ms (it imports components lazily; which heavy
modules it must not import is a behaviour test, tests/test_import_cost.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from benches.conftest import measure

IMPORT_LIMIT = 0.050
ROUNDS = 7

# times the import inside a fresh interpreter (what a program that imports albumen pays)
PROBE = """
import json, time
t0 = time.perf_counter()
import albumen
print(json.dumps(time.perf_counter() - t0))
"""


def _process_seconds(code: str) -> float:
    """Wall time of a whole ``python -c code`` process, best of ``ROUNDS``."""
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def _import_seconds() -> float:
    runs: list[float] = []
    for _ in range(ROUNDS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
        ).stdout
        runs.append(float(json.loads(out)))
    return min(runs)  # best round: the first may pay for a cold page cache


def test_import_albumen_is_cheap(benchmark: Any) -> None:
    bare = _process_seconds("pass")
    whole = _process_seconds("import albumen")
    inside = benchmark.pedantic(_import_seconds, rounds=1, iterations=1)
    measure("startup", "python -c pass", bare)
    measure("startup", "python -c 'import albumen'", whole, vs={"python -c pass": None})
    measure("startup", "import albumen (inside the process)", inside, limit=IMPORT_LIMIT)
    print(
        f"\nimport albumen: {inside * 1e3:.1f} ms inside the process; whole process "
        f"{whole * 1e3:.1f} ms vs {bare * 1e3:.1f} ms for the bare interpreter "
        f"(+{(whole - bare) * 1e3:.1f} ms)"
    )
    assert inside <= IMPORT_LIMIT, f"import albumen took {inside * 1e3:.1f} ms (gate 50 ms)"
