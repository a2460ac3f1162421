"""Grid layout benchmarks: the Rust VirtualAssetGrid and JustifiedLayout against pure-Python
references measured in the same run.

Gates (per call or per million items, so they hold at any ALBUMEN_BENCH_SCALE):
``calculate_visible_range`` from Python <= 1 us; a justified layout <= 100 ms per 1,000,000
items; a visible-range lookup in it <= 5 us.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from typing import Any

import pytest
from albumen import JustifiedLayout, VirtualAssetGrid

from benches.browse_common import FULL_ROWS, RESULTS, ROWS, best, note, report_at_teardown

SUITE = "grid"
CALLS = 1000


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report_at_teardown(SUITE, request.config)


def speedup(reference: str, seconds: float) -> str:
    """``"<n>x vs Python"`` against a reference measured earlier in this run."""
    ref = RESULTS.get(SUITE, {}).get(reference, {}).get("seconds")
    return f"{ref / seconds:.1f}x faster than pure Python" if ref else "reference not run"


# --- references: the plan's pure-Python implementations -------------------------------------


class PurePythonVirtualGrid:
    """The plan's headless VirtualAssetGrid, in Python (the reference)."""

    def __init__(self, item_width: int = 200, item_height: int = 200, spacing: int = 4) -> None:
        self.item_width = item_width
        self.item_height = item_height
        self.spacing = spacing
        self.total_count = 0

    def set_total_count(self, count: int) -> None:
        self.total_count = max(0, count)

    def _columns(self, viewport_width: float) -> int:
        return max(1, int(viewport_width // (self.item_width + self.spacing)))

    def calculate_visible_range(
        self, scroll_y: float, viewport_width: float, viewport_height: float
    ) -> tuple[int, int]:
        if self.total_count == 0:
            return (0, 0)
        cols = self._columns(viewport_width)
        row_height = self.item_height + self.spacing
        first_row = max(0, int(scroll_y // row_height))
        last_row = int((scroll_y + viewport_height) // row_height) + 1
        first = min(first_row * cols, self.total_count)
        last = min(last_row * cols, self.total_count)
        return (first, last)


def pure_python_justified(
    ratios: Any, width: float, target: float = 220.0, spacing: float = 4.0
) -> tuple[list[float], list[float], list[float], list[int]]:
    """A straightforward justified layout: x and width per item, y per row, row starts."""
    xs = [0.0] * len(ratios)
    ws = [0.0] * len(ratios)
    row_y: list[float] = []
    row_first: list[int] = []
    y = 0.0
    i = 0
    n = len(ratios)
    while i < n:
        total = 0.0
        j = i
        height = target
        while j < n:
            total += ratios[j]
            j += 1
            if total * target + spacing * (j - i - 1) >= width:
                height = (width - spacing * (j - i - 1)) / total
                break
        x = 0.0
        for k in range(i, j):
            w = ratios[k] * height
            xs[k] = x
            ws[k] = w
            x += w + spacing
        row_y.append(y)
        row_first.append(i)
        y += height + spacing
        i = j
    return xs, ws, row_y, row_first


# --- uniform grid -----------------------------------------------------------------------------

SCROLLS = [random.Random(1).uniform(0, 50_000_000) for _ in range(CALLS)]


def _loop(grid: Any) -> None:
    f = grid.calculate_visible_range
    for y in SCROLLS:
        f(y, 1600, 900)


def test_visible_range_python_reference(benchmark: Any) -> None:
    grid = PurePythonVirtualGrid()
    grid.set_total_count(FULL_ROWS)
    benchmark.pedantic(_loop, args=(grid,), rounds=30, warmup_rounds=2)
    note(SUITE, "visible_range pure Python (per call)", best(benchmark), CALLS)


def test_visible_range_rust(benchmark: Any) -> None:
    grid = VirtualAssetGrid()
    grid.set_total_count(FULL_ROWS)
    benchmark.pedantic(_loop, args=(grid,), rounds=30, warmup_rounds=2)
    per_call = best(benchmark) / CALLS
    ratio = speedup("visible_range pure Python (per call)", per_call)
    note(
        SUITE,
        "visible_range Rust (per call, loop included)",
        per_call,
        ratio=ratio,
        vs={"visible_range pure Python (per call)": None},
        limit=1e-6,
    )
    assert per_call <= 1e-6, f"calculate_visible_range took {per_call * 1e6:.2f} us per call"


# --- justified layout -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ratios() -> array[float]:
    rng = random.Random(7)
    choices = (4 / 3, 3 / 4, 16 / 9, 9 / 16, 1.0, 3 / 2, 2 / 3)
    return array("d", (rng.choice(choices) for _ in range(ROWS)))


def test_justified_python_reference(benchmark: Any, ratios: array[float]) -> None:
    benchmark.pedantic(pure_python_justified, args=(ratios, 1600.0), rounds=1, iterations=1)
    note(SUITE, f"justified layout pure Python ({ROWS} items)", best(benchmark))


def test_justified_layout_rust(benchmark: Any, ratios: array[float]) -> None:
    result: dict[str, JustifiedLayout] = {}

    def build() -> None:
        result["layout"] = JustifiedLayout(ratios, 1600.0, target_row_height=220.0)

    benchmark.pedantic(build, rounds=10, warmup_rounds=1)
    seconds = best(benchmark)
    ratio = speedup(f"justified layout pure Python ({ROWS} items)", seconds)
    per_million = seconds * FULL_ROWS / ROWS
    note(
        SUITE,
        f"justified layout Rust ({ROWS} items)",
        seconds,
        ratio=ratio,
        per_million_ms=round(per_million * 1e3, 2),
        vs={f"justified layout pure Python ({ROWS} items)": None},
        limit=0.100 * ROWS / FULL_ROWS,
    )
    assert per_million <= 0.100, f"justified layout: {per_million * 1e3:.1f} ms per million"
    layout = result["layout"]
    assert layout.total_count == ROWS
    assert layout.item_rect(ROWS - 1)[1] < layout.content_height()


def test_justified_relayout_rust(benchmark: Any, ratios: array[float]) -> None:
    layout = JustifiedLayout(ratios, 1600.0, target_row_height=220.0)
    widths = iter([1200.0, 1600.0] * 100)
    benchmark.pedantic(lambda: layout.set_viewport_width(next(widths)), rounds=10)
    seconds = best(benchmark)
    note(
        SUITE,
        f"justified relayout on resize ({ROWS} items)",
        seconds,
        vs={f"justified layout pure Python ({ROWS} items)": None},
        limit=0.100 * ROWS / FULL_ROWS,
    )
    assert seconds * FULL_ROWS / ROWS <= 0.100


def test_justified_visible_range_rust(benchmark: Any, ratios: array[float]) -> None:
    layout = JustifiedLayout(ratios, 1600.0, target_row_height=220.0)
    height = layout.content_height()
    scrolls = [random.Random(3).uniform(0, height) for _ in range(CALLS)]

    def loop() -> None:
        f = layout.calculate_visible_range
        for y in scrolls:
            f(y, 900.0)

    benchmark.pedantic(loop, rounds=30, warmup_rounds=2)
    per_call = note(SUITE, "justified visible_range (per call)", best(benchmark), CALLS, limit=5e-6)
    assert per_call <= 5e-6, f"justified visible range: {per_call * 1e6:.2f} us per call"
