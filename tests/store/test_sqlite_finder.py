"""What only the SQLite finder promises: keyset pages and counts served from covering
indexes, jumps that walk keys from the nearer end, compact rows, and the schema's own rules.
(What every finder answers is in test_conformance.py.)"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import AssetQuery, SortOrder, SQLiteAssetFinder
from albumen.store.rows import AssetRow
from albumen.store.sql import where_clause
from albumen.store.sqlite.bulk import insert_rows as insert_columns
from albumen.store.sqlite.migrations import SCHEMA_VERSION, migrate
from albumen.testing.synthetic import COLUMNS, synthetic_rows

N = 1500
TIE = 1_500_000_000_000  # a sort_time many rows share


def insert_rows(conn: sqlite3.Connection, rows: Iterator[tuple[Any, ...]]) -> None:
    insert_columns(conn, COLUMNS, rows)


def make_db(path: Path, n: int = N, *, seed: int = 1) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    migrate(conn)
    insert_rows(conn, synthetic_rows(n, seed=seed, hidden_fraction=0.05, error_fraction=0.05))
    conn.execute("BEGIN")
    # ties in every sort key: keyset pages must still be exact
    conn.execute("UPDATE assets SET sort_time = 1500000000000 WHERE rowid % 7 = 0")
    conn.execute("UPDATE assets SET size = 1000 WHERE rowid % 5 = 0")
    # a folder whose name is not UTF-8
    conn.execute(
        "UPDATE assets SET folder = x'6e6fff', path = CAST(x'6e6fff2f' || rowid AS BLOB) "
        "WHERE rowid % 50 = 1"
    )
    conn.execute("COMMIT")
    return conn


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    c = make_db(tmp_path / "lib.db")
    yield c
    c.close()


def test_jump_to_the_last_page_walks_from_the_end(conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    q = AssetQuery()
    n = finder.count(q)
    last = (n - 1) // 10 + 1
    finder.page(q, last, 10)
    assert finder.walked_rows < 10
    finder.page(q, last // 2, 10)  # the middle: walked from the nearer end
    assert finder.walked_rows <= n // 2 + 10


def test_counts_and_walks_use_covering_indexes(conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    for q in (AssetQuery(), AssetQuery(kind="photo"), AssetQuery(sort=SortOrder.NAME_ASC)):
        where, params = where_clause(q, "?")
        plan = " ".join(
            r[-1]
            for r in conn.execute(
                f"EXPLAIN QUERY PLAN SELECT count(*) FROM assets WHERE hidden = 0{where}", params
            )
        )
        assert "COVERING INDEX" in plan, plan
        key = (0,) * len(q.sort.key)
        sql, params = finder._select(q, "1", after=key, tail=" LIMIT 1 OFFSET ?")
        plan = " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, [*params, 5]))
        assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan


def test_rows_are_compact(conn: sqlite3.Connection) -> None:
    page = SQLiteAssetFinder(conn).page(AssetQuery(), 1, 200)
    row = page[0]
    assert isinstance(row, AssetRow) and not hasattr(row, "__dict__")
    assert page.nbytes() / len(page) < 150
    assert isinstance(row.path_bytes, bytes) and row.kind in ("photo", "video")
    assert row.path == os.fsdecode(row.path_bytes)
    assert row.name == row.path.rpartition("/")[2]
    assert row.display_width is not None and row.display_height
    assert row.aspect_ratio == pytest.approx(row.display_width / row.display_height)
    assert page.rowid(1) == page[1].rowid and page[-1] == page[199] and len(page[2:5]) == 3


def test_null_sort_times_are_filled_from_mtime(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO assets (path, folder, kind, mime, size, mtime_ns) "
        "VALUES (x'61', x'', 'photo', 'image/jpeg', 1, 5000000000)"
    )
    conn.execute("UPDATE assets SET sort_time = NULL WHERE rowid = 3")
    assert conn.execute("SELECT count(*) FROM assets WHERE sort_time IS NULL").fetchone() == (0,)
    assert conn.execute("SELECT sort_time FROM assets WHERE path = x'61'").fetchone() == (5000,)


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    assert migrate(conn) == SCHEMA_VERSION == migrate(conn)


def test_counts_follow_changes_from_other_connections(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    make_db(path, 100).close()
    reader = sqlite3.connect(path, isolation_level=None)
    writer = sqlite3.connect(path, isolation_level=None)
    finder = SQLiteAssetFinder(reader)
    q = AssetQuery(include_hidden=True)
    assert finder.count(q) == 100
    writer.execute("DELETE FROM assets WHERE rowid <= 10")
    assert finder.count(q) == 90
