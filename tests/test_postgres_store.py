"""What only the PostgreSQL store promises (what every store answers is in
store/test_conformance.py): unchanged rows are not rewritten, several roots share a database,
the scan lock goes with a dead holder, listeners hear every committed write, the chunk ledger
commits a chunk once, and a server that cannot be reached is one clear error."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import postgres_server
import psycopg
import pytest
from albumen.errors import DatabaseUnavailableError, LibraryBusyError
from albumen.library import Library
from albumen.store import AssetQuery, open_store, store_exists
from albumen.store.postgres import PostgresAssetStore
from scaleout_helpers import assert_same_library, library_state, sqlite_scan, wait_for


def record(path: str, **fields: Any) -> dict[str, Any]:
    return {"path": path, "id": f"id-{path}", "size": 10, "mtime_ns": 5, **fields}


@pytest.fixture
def url() -> str:
    return postgres_server.fresh_database()


@pytest.fixture
def store(url: str, tmp_path: Path) -> Any:
    with PostgresAssetStore(url, os.fsencode(tmp_path)) as made:
        yield made


def versions(url: str, library_id: int) -> dict[bytes, int]:
    """Each row's xmin: the transaction that last wrote it."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT path, xmin::text::bigint FROM assets WHERE library_id = %s", (library_id,)
        ).fetchall()
    return {bytes(p): int(x) for p, x in rows}


def test_an_upsert_of_unchanged_records_rewrites_no_row(store: PostgresAssetStore) -> None:
    records = [record(f"d/{i}.jpg", iso=100 + i) for i in range(50)]
    store.upsert(records)
    before = versions(store.url, store.library_id)
    assert store.upsert(records) == 50
    assert versions(store.url, store.library_id) == before
    store.upsert([*records[:10], record("d/3.jpg", iso=999)])
    after = versions(store.url, store.library_id)
    assert {p for p in before if after[p] != before[p]} == {b"d/3.jpg"}


def test_several_roots_share_a_database_without_seeing_each_other(url: str, tmp_path: Path) -> None:
    with (
        PostgresAssetStore(url, b"/photos/a") as a,
        PostgresAssetStore(url, b"/photos/b") as b,
    ):
        a.upsert([record("x.jpg"), record("only-a.jpg")])
        b.upsert([record("x.jpg", iso=5)])
        assert a.library_id != b.library_id
        assert (a.count(), b.count()) == (2, 1)
        assert set(a.known_files()) == {b"x.jpg", b"only-a.jpg"}
        assert b.finder().count(AssetQuery()) == 1
        assert b.delete_paths([b"x.jpg", b"only-a.jpg"]) == 1
        assert a.count() == 2
        with a.lock(), b.lock():  # each library has its own scan lock
            pass


HOLDER = """
import sys
from albumen.store.postgres import PostgresAssetStore
store = PostgresAssetStore(sys.argv[1], sys.argv[2].encode())
with store.lock():
    print("locked", flush=True)
    sys.stdin.read()
"""


def test_the_scan_lock_is_released_when_its_holder_dies(store: PostgresAssetStore) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, store.url, store.root.decode()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with (
            pytest.raises(LibraryBusyError, match="another albumen scan is running"),
            store.lock(),
        ):
            pass
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    finally:
        if holder.poll() is None:
            holder.kill()

    def free() -> bool:
        try:
            with store.lock():
                return True
        except LibraryBusyError:
            return False

    wait_for(free, "the server to end the dead holder's session")


def test_listeners_hear_every_committed_write_and_no_rolled_back_one(
    url: str, tmp_path: Path
) -> None:
    root = os.fsencode(tmp_path)
    with PostgresAssetStore(url, root) as viewer, PostgresAssetStore(url, root) as writer:
        finder = viewer.finder()
        with viewer.listen() as listener:
            writer.upsert([record("a.jpg")])
            first = listener.wait(timeout=60)
            assert first == finder.data_version() == writer.data_version()
            with pytest.raises(Exception):  # noqa: B017 - a bad value fails the batch
                writer.upsert([record("b.jpg", iso=object())])
            writer.delete_paths([b"a.jpg"])
            assert listener.wait(timeout=60) == first + 1  # the failed batch sent nothing
            assert finder.count(AssetQuery()) == 0


def test_a_chunk_is_committed_once_with_its_ledger_row(store: PostgresAssetStore) -> None:
    records = [record("f/1.jpg"), record("f/2.jpg", id=None, error="truncated")]
    assert store.write_chunk("chunk-a", records, probe_seconds=0.5, worker="w1")
    assert not store.write_chunk("chunk-a", [record("f/3.jpg")])  # another attempt: nothing
    assert store.chunk_committed("chunk-a") and not store.chunk_committed("chunk-b")
    assert store.ledger() == {"chunk-a": (2, 1, 0.5)}
    assert set(store.known_files()) == {b"f/1.jpg", b"f/2.jpg"}
    assert store.content_ids([b"f/1.jpg", b"f/2.jpg", b"gone.jpg"]) == {
        b"f/1.jpg": "id-f/1.jpg",
        b"f/2.jpg": None,
    }
    store.clear_ledger()
    assert store.ledger() == {}


def test_a_move_found_after_the_fact_keeps_the_old_row(store: PostgresAssetStore) -> None:
    store.upsert([record("old/a.jpg", id="A", size=7)])
    rowid = store.known_files()[b"old/a.jpg"].rowid
    store.set_thumbnail_state([(rowid, b"micro")], [])
    store.upsert([record("new/a.jpg", id="A", size=7, mtime_ns=9)])  # landed by a chunk
    store.move_rows([(rowid, b"new/a.jpg")])
    assert set(store.known_files()) == {b"new/a.jpg"}
    moved = store.get(b"new/a.jpg")
    assert moved is not None
    assert (moved["rowid"], moved["folder"], moved["mtime_ns"], moved["micro_thumb"]) == (
        rowid,
        b"new",
        9,
        b"micro",
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_database_is_one_clear_error_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql://albumen:s3cret@127.0.0.1:{_closed_port()}/photos"
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_store(tmp_path, url, root=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"cannot reach the database albumen@127.0.0.1:{url.split(':')[3]}")
    assert "s3cret" not in message and "\n" not in message
    with pytest.raises(DatabaseUnavailableError):
        Library.open(tmp_path, store=url)


def test_a_library_opened_with_a_url_scans_in_process_like_sqlite(
    photo_tree: Path, url: str, tmp_path: Path
) -> None:
    _report, expected = sqlite_scan(photo_tree, tmp_path / "sqlite")
    assert not store_exists(tmp_path / "pg", url, root=photo_tree)
    with Library.open(photo_tree, tmp_path / "pg", store=url) as lib:
        report = lib.scan()
        assert report.added == 6
        assert_same_library(library_state(lib.store), expected)
    assert store_exists(tmp_path / "pg", url, root=photo_tree)
    with pytest.raises(ValueError, match="keyed by the library's root"):
        open_store(tmp_path, url)
