"""Paging benchmarks over a synthetic library of ROWS rows (1,000,000 at scale 1, cached
under build/bench/), with the OFFSET query measured beside the keyset pages.

Gates: the last page (page 5,000 of 1,000,000 at 200 per page) <= 5 ms, served sequentially
(keyset from the previous page) and by a cold jump; opening the library and reading its first
page <= 300 ms; peak RSS of a process paging through every row <= 400 MB.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import AssetQuery, PaginatedAssetLoader, SQLiteAssetFinder
from albumen.store.sqlite.bulk import connect as open_library_db

from benches.browse_common import (
    PAGE_SIZE,
    RESULTS,
    ROWS,
    best,
    library_db,
    note,
    report_at_teardown,
)

SUITE = "paging"
LAST_PAGE = ROWS // PAGE_SIZE  # 5,000 at full scale
MIDDLE_PAGE = LAST_PAGE // 2


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report_at_teardown(SUITE, request.config)


@pytest.fixture(scope="module")
def db() -> Path:
    return library_db()


@pytest.fixture(scope="module")
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    c = open_library_db(db)
    yield c
    c.close()


def offset_ms() -> float | None:
    r = RESULTS.get(SUITE, {}).get(f"OFFSET query, page {LAST_PAGE}")
    return r["seconds"] if r else None


def vs_offset(seconds: float) -> str:
    ref = offset_ms()
    return f"{ref / seconds:.0f}x faster than OFFSET" if ref else "OFFSET not run"


def gate_last_page(name: str, seconds: float) -> None:
    """Record a keyset read of the last page beside the OFFSET query; the gate is 5 ms."""
    note(
        SUITE,
        name,
        seconds,
        ratio=vs_offset(seconds),
        vs={f"OFFSET query, page {LAST_PAGE}": None},
        limit=0.005,
    )
    assert seconds <= 0.005


def counted_finder(
    conn: sqlite3.Connection, q: AssetQuery
) -> Callable[[], tuple[tuple[SQLiteAssetFinder], dict[str, Any]]]:
    """A benchmark setup: a fresh finder that has only counted ``q`` (no page keys known)."""

    def setup() -> tuple[tuple[SQLiteAssetFinder], dict[str, Any]]:
        finder = SQLiteAssetFinder(conn)
        finder.count(q)
        return (finder,), {}

    return setup


def test_offset_query_reference(benchmark: Any, conn: sqlite3.Connection) -> None:
    sql = (
        "SELECT rowid, id, path, kind, size, sort_time, display_width, display_height, "
        "duration FROM assets WHERE hidden = 0 ORDER BY sort_time DESC, rowid DESC "
        "LIMIT ? OFFSET ?"
    )
    args = (PAGE_SIZE, (LAST_PAGE - 1) * PAGE_SIZE)
    rows = benchmark.pedantic(lambda: conn.execute(sql, args).fetchall(), rounds=5)
    assert len(rows) == PAGE_SIZE
    note(SUITE, f"OFFSET query, page {LAST_PAGE}", best(benchmark))


def test_keyset_page_sequential(benchmark: Any, conn: sqlite3.Connection) -> None:
    """The last page, continuing from the previous page's key (what scrolling does)."""
    finder = SQLiteAssetFinder(conn)
    q = AssetQuery()
    assert finder.count(q) == ROWS
    finder.page(q, LAST_PAGE - 1, PAGE_SIZE)  # the previous page's key is now known
    walked = finder.walked_rows
    rows = benchmark.pedantic(lambda: finder.page(q, LAST_PAGE, PAGE_SIZE), rounds=20)
    assert len(rows) == PAGE_SIZE and finder.walked_rows == walked
    gate_last_page(f"keyset page {LAST_PAGE} after page {LAST_PAGE - 1}", best(benchmark))


def test_keyset_page_cold_jump(benchmark: Any, conn: sqlite3.Connection) -> None:
    """A jump straight to the last page from a finder that has only counted."""
    q = AssetQuery()
    setup = counted_finder(conn, q)
    rows = benchmark.pedantic(
        lambda finder: finder.page(q, LAST_PAGE, PAGE_SIZE), setup=setup, rounds=20
    )
    assert len(rows) == PAGE_SIZE
    gate_last_page(f"keyset page {LAST_PAGE}, cold jump", best(benchmark))


def test_keyset_page_cold_jump_middle(benchmark: Any, conn: sqlite3.Connection) -> None:
    """The worst case: a cold jump to the middle walks half the keys (covering index)."""
    q = AssetQuery()
    setup = counted_finder(conn, q)
    rows = benchmark.pedantic(
        lambda finder: finder.page(q, MIDDLE_PAGE, PAGE_SIZE), setup=setup, rounds=5
    )
    assert len(rows) == PAGE_SIZE
    seconds = best(benchmark)
    note(SUITE, f"keyset page {MIDDLE_PAGE}, cold jump (worst case)", seconds)


def test_first_page(benchmark: Any, conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    q = AssetQuery()
    finder.count(q)
    benchmark.pedantic(lambda: finder.page(q, 1, PAGE_SIZE), rounds=20)
    note(SUITE, "keyset page 1", best(benchmark))


def test_count_from_index(benchmark: Any, conn: sqlite3.Connection) -> None:
    q = AssetQuery()

    def count() -> int:
        return SQLiteAssetFinder(conn).count(q)

    assert benchmark.pedantic(count, rounds=5) == ROWS
    note(SUITE, f"count of {ROWS} rows (covering index)", best(benchmark))


def test_open_library_and_first_page(benchmark: Any, db: Path) -> None:
    """Open the database (WAL, migrations checked), count, and load page 1."""

    def open_and_read() -> int:
        c = open_library_db(db)
        try:
            loader = PaginatedAssetLoader(SQLiteAssetFinder(c), PAGE_SIZE)
            result = loader.reset(AssetQuery())
            return len(result.items) + loader.total_count
        finally:
            c.close()

    assert benchmark.pedantic(open_and_read, rounds=5, warmup_rounds=1) == PAGE_SIZE + ROWS
    seconds = best(benchmark)
    note(SUITE, f"open a {ROWS}-row library + first page", seconds, limit=0.300)
    assert seconds <= 0.300


SESSION = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    from albumen import AssetQuery, PaginatedAssetLoader, SQLiteAssetFinder
    from albumen.browse.memory import peak_rss
    from albumen.store.sqlite.bulk import connect as open_library_db
    conn = open_library_db(sys.argv[1])
    loader = PaginatedAssetLoader(SQLiteAssetFinder(conn), int(sys.argv[2]))
    loader.reset(AssetQuery())
    while loader.has_more:
        loader.load_next_page()
    ids = {row.rowid for row in loader.items[:: max(1, len(loader.items) // 1000)]}
    print(json.dumps({
        "items": len(loader.items),
        "seconds": time.perf_counter() - t0,
        "maxrss": peak_rss(),  # VmHWM: ru_maxrss can carry the parent's peak
        "sampled": len(ids),
    }))
    """
)


def test_peak_rss_paging_everything(db: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SESSION, str(db), str(PAGE_SIZE)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    r = json.loads(out)
    assert r["items"] == ROWS
    mb = r["maxrss"] / 2**20
    note(
        SUITE,
        f"page through all {ROWS} rows (one process)",
        r["seconds"],
        peak_rss_mb=round(mb, 1),
    )
    assert mb <= 400, f"peak RSS {mb:.0f} MB"
