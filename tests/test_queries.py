"""AssetQuery and SQLiteAssetFinder: filters, sort orders and keyset pages against a
brute-force reference, index use, and paging across inserts and deletes."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from albumen import AssetQuery, PaginatedAssetLoader, SortOrder, SQLiteAssetFinder
from albumen.memory import WeakAssetCache
from albumen.queries import AssetRow
from albumen.schema import MIGRATIONS, apply_migrations
from albumen.testing.synthetic import insert_rows, synthetic_rows

N = 1500
TIE = 1_500_000_000_000  # a sort_time many rows share


def make_db(path: Path, n: int = N, *, seed: int = 1) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    apply_migrations(conn)
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


Row = dict[str, Any]


def all_rows(conn: sqlite3.Connection) -> list[Row]:
    cur = conn.execute(
        "SELECT rowid, kind, folder, path, size, sort_time, gps_lat, live_partner, error, "
        "hidden FROM assets"
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur]


def reference(conn: sqlite3.Connection, q: AssetQuery) -> list[int]:
    """Row ids matching ``q`` in its order, computed in Python."""

    def ms(v: Any) -> int:
        if isinstance(v, int):
            return v
        if isinstance(v, datetime):
            if v.tzinfo:
                v = v.astimezone(timezone.utc).replace(tzinfo=None)
            return int((v - datetime(1970, 1, 1)) / timedelta(milliseconds=1))
        return int((datetime(v.year, v.month, v.day) - datetime(1970, 1, 1)).total_seconds() * 1000)

    def keep(r: Row) -> bool:
        if not q.include_hidden and r["hidden"]:
            return False
        if q.kind and r["kind"] != q.kind:
            return False
        if q.folder is not None:
            f = q.folder if isinstance(q.folder, bytes) else q.folder.encode()
            if q.include_subfolders:
                if f and not (r["folder"] == f or r["folder"].startswith(f + b"/")):
                    return False
            elif r["folder"] != f:
                return False
        if q.since is not None and r["sort_time"] < ms(q.since):
            return False
        if q.until is not None and r["sort_time"] >= ms(q.until):
            return False
        if q.has_gps is not None and (r["gps_lat"] is not None) != q.has_gps:
            return False
        if q.live_only and r["live_partner"] is None:
            return False
        return not (q.errors_only and r["error"] is None)

    rows = [r for r in all_rows(conn) if keep(r)]
    col = {"capture": "sort_time", "name": "path", "size": "size"}[q.sort.value.split("_")[0]]
    rows.sort(key=lambda r: (r[col], r["rowid"]), reverse=q.sort.descending)
    return [r["rowid"] for r in rows]


QUERIES = [
    AssetQuery(),
    AssetQuery(sort=SortOrder.CAPTURE_ASC),
    AssetQuery(sort=SortOrder.NAME_ASC),
    AssetQuery(sort=SortOrder.NAME_DESC),
    AssetQuery(sort=SortOrder.SIZE_DESC),
    AssetQuery(sort=SortOrder.SIZE_ASC),
    AssetQuery(kind="video"),
    AssetQuery(kind="photo", sort=SortOrder.SIZE_ASC),
    AssetQuery(folder="2010"),
    AssetQuery(folder="2010/01-05", include_subfolders=False),
    AssetQuery(folder=b"no\xff"),
    AssetQuery(folder="", sort=SortOrder.NAME_ASC),
    AssetQuery(since=date(2010, 1, 20), until=datetime(2010, 2, 10, 12, 30)),
    AssetQuery(since=datetime(2010, 1, 20, tzinfo=timezone(timedelta(hours=2)))),
    AssetQuery(until=1_265_000_000_000, sort=SortOrder.CAPTURE_ASC),
    AssetQuery(has_gps=True),
    AssetQuery(has_gps=False, sort=SortOrder.NAME_ASC),
    AssetQuery(live_only=True),
    AssetQuery(errors_only=True),
    AssetQuery(include_hidden=True),
    AssetQuery(include_hidden=True, sort=SortOrder.SIZE_ASC),
    AssetQuery(kind="photo", folder="2010", has_gps=True, include_hidden=True),
]


def ids(rows: Any) -> list[int]:
    return [r.rowid for r in rows]


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_count_and_pages_match_the_reference(conn: sqlite3.Connection, query: AssetQuery) -> None:
    expected = reference(conn, query)
    finder = SQLiteAssetFinder(conn)
    assert finder.count(query) == len(expected)
    for size in (1, 37, 200):
        got: list[int] = []
        page = 1
        while True:
            rows = finder.page(query, page, size)
            if not rows:
                break
            got += ids(rows)
            page += 1
            if size == 1 and page > 120:
                break
        assert got == expected[: len(got)] and (size == 1 or got == expected)


@pytest.mark.parametrize("query", QUERIES[:8] + QUERIES[-3:], ids=repr)
def test_jumps_land_on_the_right_rows(conn: sqlite3.Connection, query: AssetQuery) -> None:
    expected = reference(conn, query)
    rng = random.Random(5)
    finder = SQLiteAssetFinder(conn)
    size = 25
    pages = list(range(1, len(expected) // size + 3))
    rng.shuffle(pages)
    for p in pages:
        assert ids(finder.page(query, p, size)) == expected[(p - 1) * size : p * size], p


def test_jump_to_the_last_page_walks_from_the_end(conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    q = AssetQuery()
    n = finder.count(q)
    last = (n - 1) // 10 + 1
    finder.page(q, last, 10)
    assert finder.walked_rows < 10
    finder.page(q, last // 2, 10)  # the middle: walked from the nearer end
    assert finder.walked_rows <= n // 2 + 10


def test_page_arguments_are_checked(conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    with pytest.raises(ValueError):
        finder.page(AssetQuery(), 0, 10)
    with pytest.raises(ValueError):
        finder.page(AssetQuery(), 1, 0)
    with pytest.raises(ValueError):
        AssetQuery(kind="document")
    assert list(finder.page(AssetQuery(), 10_000, 200)) == []


def test_counts_and_walks_use_covering_indexes(conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    for q in (AssetQuery(), AssetQuery(kind="photo"), AssetQuery(sort=SortOrder.NAME_ASC)):
        where, params = q.where()
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
    assert isinstance(row.path, bytes) and row.kind in ("photo", "video")
    assert row.name == row.path.rpartition(b"/")[2].decode()
    assert row.display_width is not None and row.display_height
    assert row.aspect_ratio == pytest.approx(row.display_width / row.display_height)
    assert page.rowid(1) == page[1].rowid and page[-1] == page[199] and len(page[2:5]) == 3


def test_row_values_round_trip(conn: sqlite3.Connection) -> None:
    page = SQLiteAssetFinder(conn).page(AssetQuery(include_hidden=True, errors_only=True), 1, 50)
    by_id = {r["rowid"]: r for r in all_rows(conn)}
    for row in page:
        r = by_id[row.rowid]
        assert (row.path, row.kind, row.size, row.sort_time) == (
            r["path"],
            r["kind"],
            r["size"],
            r["sort_time"],
        )
        assert row.has_error and row.hidden == bool(r["hidden"])
        assert row.has_gps == (r["gps_lat"] is not None)
        assert row.is_live == (r["live_partner"] is not None)


def test_weak_cache_gives_one_object_per_row(conn: sqlite3.Connection) -> None:
    cache: WeakAssetCache[int, AssetRow] = WeakAssetCache()
    finder = SQLiteAssetFinder(conn, cache=cache)
    a = finder.page(AssetQuery(), 1, 10)[3]
    b = finder.page(AssetQuery(), 1, 10)[3]
    assert a is b and len(cache) == 1
    conn.execute("UPDATE assets SET duration = 99.5 WHERE rowid = ?", (a.rowid,))
    c = finder.page(AssetQuery(), 1, 10)[3]
    assert c is not a and c.duration == 99.5 and finder.page(AssetQuery(), 1, 10)[3] is c


def test_view_model_over_the_sqlite_finder(conn: sqlite3.Connection) -> None:
    from albumen import AssetListViewModel

    class Done:
        root = "/lib"

    handlers: list[Any] = []

    class Bus:
        def subscribe(self, event_type: type, handler: Any) -> None:
            handlers.append(handler)

    finder = SQLiteAssetFinder(conn)
    vm: AssetListViewModel[AssetRow] = AssetListViewModel(
        PaginatedAssetLoader(finder, 100), Bus(), album="/lib", scan_event_type=Done
    )
    vm.load_album(AssetQuery(kind="photo"))
    expected = reference(conn, AssetQuery(kind="photo"))
    assert vm.total_count == len(expected) and ids(vm.assets) == expected[:100]
    while vm.has_more_pages:
        vm.load_next_page()
    assert ids(vm.assets) == expected
    insert_rows(conn, synthetic_rows(10, seed=9, start=50_000))
    handlers[0](Done())
    assert vm.current_page == 1 and vm.total_count == len(reference(conn, AssetQuery(kind="photo")))


def test_null_sort_times_are_filled_from_mtime(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO assets (path, folder, kind, mime, size, mtime_ns) "
        "VALUES (x'61', x'', 'photo', 'image/jpeg', 1, 5000000000)"
    )
    conn.execute("UPDATE assets SET sort_time = NULL WHERE rowid = 3")
    assert conn.execute("SELECT count(*) FROM assets WHERE sort_time IS NULL").fetchone() == (0,)
    assert conn.execute("SELECT sort_time FROM assets WHERE path = x'61'").fetchone() == (5000,)


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    assert apply_migrations(conn) == len(MIGRATIONS) == apply_migrations(conn)


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


def test_layout_data_groups_in_page_order(conn: sqlite3.Connection) -> None:
    finder = SQLiteAssetFinder(conn)
    q = AssetQuery(sort=SortOrder.CAPTURE_ASC)
    expected = reference(conn, q)
    data = finder.layout_data(q, "day")
    assert len(data.aspect_ratios) == len(expected)
    assert data.section_starts[0] == 0 and data.section_starts == sorted(data.section_starts)
    days = [
        (datetime(1970, 1, 1) + timedelta(milliseconds=t)).date().isoformat()
        for (t,) in conn.execute(
            "SELECT sort_time FROM assets WHERE hidden = 0 ORDER BY sort_time, rowid"
        )
    ]
    starts = [i for i, d in enumerate(days) if i == 0 or d != days[i - 1]]
    assert data.section_starts == starts
    assert data.section_labels == [days[i] for i in starts]
    months = finder.layout_data(q, "month")
    assert all(len(label) == 7 for label in months.section_labels)
    assert len(months.section_starts) < len(starts)
    folders = finder.layout_data(AssetQuery(sort=SortOrder.NAME_ASC), "folder")
    assert len(set(folders.section_labels)) == len(folders.section_labels)
    page = finder.page(q, 1, 5)
    assert list(data.aspect_ratios[:5]) == pytest.approx([r.aspect_ratio for r in page])
    with pytest.raises(ValueError):
        finder.layout_data(q, "week")


# --- paging across changes ------------------------------------------------------------------


Mutation = Callable[[sqlite3.Connection, random.Random, int], None]


def insert_some(conn: sqlite3.Connection, rng: random.Random, step: int) -> None:
    rows = list(synthetic_rows(rng.randrange(1, 30), seed=step, start=10_000 + step * 100))
    # land them anywhere in the orders: random times and sizes
    rows = [
        (
            *r[:5],
            rng.randrange(100, 9_000_000),
            r[6],
            *r[7:10],
            rng.choice([r[10], 1500000000000]),
            *r[11:],
        )
        for r in rows
    ]
    insert_rows(conn, iter(rows))


def delete_some(conn: sqlite3.Connection, rng: random.Random, step: int) -> None:
    (n,) = conn.execute("SELECT max(rowid) FROM assets").fetchone()
    victims = [(rng.randrange(1, n + 1),) for _ in range(rng.randrange(1, 30))]
    conn.executemany("DELETE FROM assets WHERE rowid = ?", victims)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(
    "query",
    [AssetQuery(), AssetQuery(sort=SortOrder.SIZE_ASC), AssetQuery(sort=SortOrder.NAME_DESC)],
    ids=repr,
)
def test_paging_across_inserts_and_deletes(
    conn: sqlite3.Connection, query: AssetQuery, seed: int
) -> None:
    rng = random.Random(seed)
    before = set(reference(conn, query))
    deleted: set[int] = set()
    loader = PaginatedAssetLoader(SQLiteAssetFinder(conn), page_size=50)
    loader.reset(query)
    step = 0
    while loader.has_more and step < 500:
        step += 1
        (insert_some if rng.random() < 0.5 else delete_some)(conn, rng, step)
        existing = {r for (r,) in conn.execute("SELECT rowid FROM assets")}
        deleted |= before - existing
        loader.load_next_page()
    seen = [r.rowid for r in loader.items]
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert before - deleted <= set(seen), "a row that existed throughout was skipped"
