from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from albumen import SQLiteAssetRepository
from albumen.store.records import RECORD_FIELDS
from albumen.store.sqlite import migrations
from albumen.store.sqlite.schema import MIGRATIONS


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
        row = again.get(b"a.jpg")
        assert row is not None
        assert row["make"] == "Canon"


def test_database_is_in_wal_mode_with_synchronous_normal(repo: SQLiteAssetRepository) -> None:
    repo.batch_insert([record("a.jpg")])
    assert repo.journal_mode == "wal"
    assert repo._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
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
    repo._conn.set_trace_callback(statements.append)
    changes = repo._conn.total_changes
    assert repo.batch_insert([]) == 0
    assert repo.batch_insert([], wal_mode=False) == 0
    assert statements == []
    assert repo._conn.total_changes == changes
    assert repo.journal_mode == "wal"


def test_large_batch(repo: SQLiteAssetRepository) -> None:
    assert repo.batch_insert([record(f"d{i % 37}/f{i:05d}.jpg") for i in range(10_000)]) == 10_000
    assert repo.count() == 10_000


# -- SQLite only ---------------------------------------------------------------------------------


def test_schema_is_migrated_to_the_latest_version(repo: SQLiteAssetRepository) -> None:
    assert repo.schema_version == len(MIGRATIONS)
    cols = {r[1] for r in repo._conn.execute("PRAGMA table_info(assets)")}
    assert set(RECORD_FIELDS) <= cols


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    SQLiteAssetRepository(tmp_path / "l.db").close()
    with SQLiteAssetRepository(tmp_path / "l.db") as again:
        assert again.schema_version == len(MIGRATIONS)


def test_a_failing_migration_leaves_the_database_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE broken (;"))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(MIGRATIONS) + 1)
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
    with pytest.raises(sqlite3.DatabaseError, match="upgrade albumen"):
        SQLiteAssetRepository(tmp_path / "l.db")


def test_keyset_query_uses_the_path_index(repo: SQLiteAssetRepository) -> None:
    plan = repo._conn.execute(
        "EXPLAIN QUERY PLAN SELECT rowid, * FROM assets WHERE path > ? ORDER BY path LIMIT 5",
        (b"x",),
    ).fetchall()
    assert any("INDEX" in str(step[-1]) for step in plan), plan


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
    with repo.bulk_load():
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
        "with repo.bulk_load():\n"
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


def test_iter_known_files_pages_through_every_row(repo: SQLiteAssetRepository) -> None:
    paths = [f"f{i:04d}.jpg".encode() for i in range(50)]
    repo.upsert([record(p) for p in reversed(paths)])
    for page_size in (1, 7, 50, 51):
        assert [r[0] for r in repo.iter_known_files(page_size=page_size)] == paths


def test_asset_counts_follow_inserts_deletes_and_hiding(repo: SQLiteAssetRepository) -> None:
    def counted() -> dict[int, int]:
        with repo._lock:
            kept = dict(repo._conn.execute("SELECT hidden, n FROM asset_counts WHERE n <> 0"))
            real = dict(repo._conn.execute("SELECT hidden, count(*) FROM assets GROUP BY hidden"))
        assert kept == real
        return kept

    repo.upsert([record(f"p{i}.jpg") for i in range(10)])
    repo.upsert([record("p0.jpg", size=99)])  # an update is not a new row
    assert counted() == {0: 10} and repo.count() == 10
    with repo._lock:
        repo._conn.execute(
            "UPDATE assets SET hidden = 1 WHERE path IN (?, ?)", (b"p1.jpg", b"p2.jpg")
        )
    assert counted() == {0: 8, 1: 2} and repo.hidden_count() == 2
    assert repo.delete_paths([b"p1.jpg", b"p3.jpg"]) == 2
    assert counted() == {0: 7, 1: 1} and repo.count() == 8
