from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from albumen import SQLiteAssetRepository
from albumen import repository as repo_mod
from albumen.repository import derive_folder, derive_sort_time
from albumen.schema import MIGRATIONS, RECORD_COLUMNS


def record(path: str | bytes, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "path": path,
        "id": fields.pop("id", f"id-{path!r}"),
        "kind": "photo",
        "mime": "image/jpeg",
        "size": 1234,
        "mtime_ns": 1_600_000_000_000_000_000,
    }
    rec.update(fields)
    return rec


@pytest.fixture
def repo(tmp_path: Path) -> Any:
    r = SQLiteAssetRepository(tmp_path / "library.db")
    yield r
    r.close()


# -- the plan's batch_insert behaviours ------------------------------------------------------


def test_batch_insert_returns_the_number_of_records(repo: SQLiteAssetRepository) -> None:
    assert repo.batch_insert([record(f"p{i}.jpg") for i in range(3)]) == 3
    assert repo.count() == 3


def test_batch_insert_persists_across_connections(tmp_path: Path) -> None:
    with SQLiteAssetRepository(tmp_path / "lib.db") as repo:
        repo.batch_insert([record("a.jpg", make="Canon"), record("b.jpg")])
    with SQLiteAssetRepository(tmp_path / "lib.db") as again:
        assert again.count() == 2
        row = again.get("a.jpg")
        assert row is not None
        assert row["make"] == "Canon"


def test_database_is_in_wal_mode_with_synchronous_normal(repo: SQLiteAssetRepository) -> None:
    repo.batch_insert([record("a.jpg")])
    assert repo.journal_mode == "wal"
    assert repo.connection.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert Path(str(repo.path) + "-wal").exists()


def test_wal_mode_can_be_opted_out(repo: SQLiteAssetRepository) -> None:
    repo.batch_insert([record("a.jpg")], wal_mode=False)
    assert repo.journal_mode == "delete"
    assert repo.count() == 1
    repo.batch_insert([record("b.jpg")])  # and back
    assert repo.journal_mode == "wal"
    assert repo.count() == 2


def test_empty_batch_returns_zero_without_touching_the_database(
    repo: SQLiteAssetRepository,
) -> None:
    statements: list[str] = []
    repo.connection.set_trace_callback(statements.append)
    changes = repo.connection.total_changes
    assert repo.batch_insert([]) == 0
    assert repo.batch_insert([], wal_mode=False) == 0
    assert statements == []
    assert repo.connection.total_changes == changes
    assert repo.journal_mode == "wal"


def test_large_batch(repo: SQLiteAssetRepository) -> None:
    assert repo.batch_insert([record(f"d{i % 37}/f{i:05d}.jpg") for i in range(10_000)]) == 10_000
    assert repo.count() == 10_000


# -- more --------------------------------------------------------------------------------------


def test_batch_insert_is_an_upsert_by_path_that_keeps_the_row(
    repo: SQLiteAssetRepository,
) -> None:
    repo.batch_insert([record("a.jpg", iso=100), record("b.jpg")])
    before = repo.get("a.jpg")
    assert before is not None
    rowid = before["rowid"]
    assert repo.batch_insert([record("a.jpg", iso=800, id="new-id")]) == 1
    row = repo.get("a.jpg")
    assert row is not None
    assert repo.count() == 2
    assert (row["rowid"], row["iso"], row["id"]) == (rowid, 800, "new-id")


def test_an_upsert_of_a_changed_file_drops_its_micro_thumbnail_and_thumb_error(
    repo: SQLiteAssetRepository, tmp_path: Path
) -> None:
    repo.batch_insert([record("same.jpg"), record("edited.jpg")])
    with sqlite3.connect(tmp_path / "library.db") as db:
        db.execute("UPDATE assets SET micro_thumb = x'ffd8', thumb_error = 'boom'")
    repo.batch_insert(
        [record("same.jpg"), record("edited.jpg", mtime_ns=1_700_000_000_000_000_000)]
    )
    with sqlite3.connect(tmp_path / "library.db") as db:
        rows = dict(
            db.execute(
                "SELECT path, (micro_thumb IS NOT NULL) + (thumb_error IS NOT NULL) FROM assets"
            ).fetchall()
        )
    assert rows == {b"same.jpg": 2, b"edited.jpg": 0}


def test_every_record_column_is_stored(repo: SQLiteAssetRepository) -> None:
    full: dict[str, object] = dict.fromkeys(RECORD_COLUMNS)
    full.update(
        path="x/y.jpg",
        id="abc",
        kind="photo",
        mime="image/jpeg",
        size=10,
        mtime_ns=5,
        width=4000,
        height=3000,
        display_width=3000,
        display_height=4000,
        orientation=6,
        captured_at="2023-07-14T18:03:22.120",
        captured_offset=120,
        captured_at_source="exif:DateTimeOriginal",
        make="Canon",
        model="EOS",
        lens="RF",
        iso=100,
        f_number=2.8,
        exposure_time=0.004,
        focal_length=50.0,
        gps_lat=-33.5,
        gps_lon=151.25,
        gps_alt=-12.5,
        duration=None,
        codec=None,
        frame_rate=None,
        content_id="CID",
        preview_offset=1,
        preview_length=2,
        error=None,
    )
    del full["folder"], full["sort_time"]
    repo.batch_insert([full])
    row = repo.get("x/y.jpg")
    assert row is not None
    for key, value in full.items():
        expected = value.encode() if isinstance(value, str) and key == "path" else value
        assert row[key] == expected, key
    assert row["folder"] == b"x"
    assert row["sort_time"] == derive_sort_time("2023-07-14T18:03:22.120", 120, 5)


def test_paths_are_bytes_and_non_utf8_names_round_trip(repo: SQLiteAssetRepository) -> None:
    raw = b"caf\xe9/\xff\xfe photo.jpg"
    as_str = raw.decode("utf-8", "surrogateescape")
    repo.batch_insert([record(as_str), record(b"plain.jpg")])
    assert set(repo.known_files()) == {raw, b"plain.jpg"}
    row = repo.get(raw)
    assert row is not None
    assert row["path"] == raw
    assert row["folder"] == b"caf\xe9"


def test_derived_folder_and_sort_time() -> None:
    assert derive_folder(b"a/b/c.jpg") == b"a/b"
    assert derive_folder(b"c.jpg") == b""
    # 2023-07-14T18:03:22.120 at +02:00 is 16:03:22.120 UTC
    utc = derive_sort_time("2023-07-14T16:03:22.120", 0, None)
    assert derive_sort_time("2023-07-14T18:03:22.120", 120, None) == utc
    assert utc == 1689350602120
    # unknown offset: local time taken as UTC
    assert derive_sort_time("2023-07-14T18:03:22", None, None) == 1689357802000
    # negative offsets, and the mtime fallback
    assert derive_sort_time("2023-07-14T11:03:22.120", -300, None) == utc
    assert derive_sort_time(None, None, 1_689_350_602_120_000_000) == utc
    assert derive_sort_time("garbage", None, 7_000_000) == 7
    assert derive_sort_time(None, None, None) is None


def test_schema_is_migrated_to_the_latest_version(repo: SQLiteAssetRepository) -> None:
    assert repo.schema_version == len(MIGRATIONS)
    cols = {r[1] for r in repo.connection.execute("PRAGMA table_info(assets)")}
    assert set(RECORD_COLUMNS) <= cols


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    SQLiteAssetRepository(tmp_path / "l.db").close()
    with SQLiteAssetRepository(tmp_path / "l.db") as again:
        assert again.schema_version == len(MIGRATIONS)


def test_a_failing_migration_leaves_the_database_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo_mod, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE broken (;"))
    with pytest.raises(sqlite3.OperationalError):
        SQLiteAssetRepository(tmp_path / "l.db")
    conn = sqlite3.connect(tmp_path / "l.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    conn.close()


def test_a_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "l.db")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(RuntimeError, match="upgrade albumen"):
        SQLiteAssetRepository(tmp_path / "l.db")


def test_keyset_pages_cover_every_row_once_in_path_order(repo: SQLiteAssetRepository) -> None:
    paths = [f"f{i:04d}.jpg" for i in range(1000)]
    repo.batch_insert([record(p) for p in reversed(paths)])
    seen: list[bytes] = []
    last: bytes | None = None
    while True:
        page = repo.page_after(last, 64)
        if not page:
            break
        seen.extend(r["path"] for r in page)
        last = page[-1]["path"]
    assert seen == [p.encode() for p in paths]
    assert [r["path"] for r in repo.iter_rows(page_size=7)] == seen
    assert repo.page_after(None, 0) == []


def test_keyset_query_uses_the_path_index(repo: SQLiteAssetRepository) -> None:
    plan = repo.connection.execute(
        "EXPLAIN QUERY PLAN SELECT rowid, * FROM assets WHERE path > ? ORDER BY path LIMIT 5",
        (b"x",),
    ).fetchall()
    assert any("INDEX" in str(step[-1]) for step in plan), plan


def test_known_files_delete_and_move(repo: SQLiteAssetRepository) -> None:
    repo.batch_insert([record("a.jpg", size=1, mtime_ns=2, id="A"), record("b.jpg", id="B")])
    known = repo.known_files()
    rowid_a = known[b"a.jpg"][2]
    assert known[b"a.jpg"] == (1, 2, rowid_a, "A")

    repo.move(rowid_a, record("moved/a.jpg", size=1, mtime_ns=3, id="A"))
    assert repo.get("a.jpg") is None
    moved = repo.get("moved/a.jpg")
    assert moved is not None
    assert (moved["rowid"], moved["id"], moved["folder"]) == (rowid_a, "A", b"moved")

    assert repo.delete_paths(["b.jpg", "never-there.jpg"]) == 1
    assert repo.delete_paths([]) == 0
    assert set(repo.known_files()) == {b"moved/a.jpg"}


def test_scan_errors_join_walk_errors_and_record_errors(repo: SQLiteAssetRepository) -> None:
    repo.batch_insert([record("bad.jpg", error="truncated JPEG"), record("good.jpg")])
    repo.replace_scan_errors([("locked", "permission denied")])
    assert repo.scan_errors() == [(b"bad.jpg", "truncated JPEG"), (b"locked", "permission denied")]
    repo.replace_scan_errors([])
    assert repo.scan_errors() == [(b"bad.jpg", "truncated JPEG")]


def test_transaction_groups_writes_and_rolls_back_on_error(
    repo: SQLiteAssetRepository,
) -> None:
    with pytest.raises(ValueError), repo.transaction():
        repo.batch_insert([record("a.jpg")])
        repo.batch_insert([record("b.jpg")])
        raise ValueError("abort")
    assert repo.count() == 0
    with repo.transaction():
        repo.batch_insert([record("a.jpg")])
        repo.delete_paths(["a.jpg"])
        repo.batch_insert([record("c.jpg")])
    assert set(repo.known_files()) == {b"c.jpg"}


def test_integrity_check(repo: SQLiteAssetRepository) -> None:
    repo.batch_insert([record("a.jpg")])
    assert repo.integrity_check() == "ok"


def _index_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }


def test_deferred_indexes_are_rebuilt_after_a_bulk_load(tmp_path: Path) -> None:
    repo = SQLiteAssetRepository(tmp_path / "library.db")
    expected = _index_names(tmp_path / "library.db")
    assert expected  # the gallery and lookup indexes
    with repo.indexes_deferred():
        assert _index_names(tmp_path / "library.db") == set()
        repo.batch_insert([record(f"{i}.jpg") for i in range(50)])
    assert _index_names(tmp_path / "library.db") == expected
    repo.close()


def test_indexes_dropped_by_a_killed_bulk_load_come_back_on_the_next_open(tmp_path: Path) -> None:
    db = tmp_path / "library.db"
    SQLiteAssetRepository(db).close()
    expected = _index_names(db)
    killed_mid_load = (
        "import os, signal, sys\n"
        "from albumen import SQLiteAssetRepository\n"
        "repo = SQLiteAssetRepository(sys.argv[1])\n"
        "with repo.indexes_deferred():\n"
        "    repo.batch_insert([{'path': 'a.jpg', 'kind': 'photo', 'mime': 'image/jpeg',\n"
        "                        'size': 1, 'mtime_ns': 1}])\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", killed_mid_load, str(db)], check=False)
    assert done.returncode == -signal.SIGKILL
    assert _index_names(db) == set()
    reopened = SQLiteAssetRepository(db)
    assert _index_names(db) == expected
    assert reopened.count() == 1
    reopened.close()
