"""The watcher (``Library.watch``, ``albumen.scan.watch``): what it applies, how it groups
changes, what it ignores, and how it stops. Every wait is on the watcher's own notifications."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from albumen import EventBus, LibraryBusyError, LibraryError, ScanCompletedEvent
from albumen.library import Library
from albumen.scan.watch import WatchSettings
from albumen.thumbnails.background import BackgroundThumbnails
from albumen.thumbnails.disk import open_disk_cache
from albumen.thumbnails.generator import thumbnail_asset_id
from albumen.thumbnails.service import thumbnail_key
from scan_helpers import jpeg_bytes, write_file
from watch_helpers import Watching, in_sync

BASE = jpeg_bytes(size=(64, 48))


def photo(n: int) -> bytes:
    """A small JPEG with content of its own (a trailer byte run after the image)."""
    return BASE + n.to_bytes(4, "big")


def row(lib: Library, path: str) -> dict[str, object] | None:
    return lib.store.get(os.fsencode(path))


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    root = tmp_path / "photos"
    write_file(root / "a.jpg", photo(1))
    write_file(root / "2020/b.jpg", photo(2))
    opened = Library.open(root)
    yield opened
    opened.close()


def test_a_new_file_lands_with_its_record(lib: Library) -> None:
    with Watching(lib, thumbnails=False) as w:
        assert (w.catch_up.added, w.catch_up.files) == (2, 2)
        write_file(lib.root / "new/c.jpg", photo(3))
        batches = w.until(lambda: row(lib, "new/c.jpg") is not None)
        record = row(lib, "new/c.jpg")
        assert record is not None and record["width"] == 64 and record["folder"] == b"new"
        assert sum(b.added for b in batches) == 1
        report = w.stop()
    assert report.added == 3 and report.batches >= 1


def test_an_edited_file_is_read_again_in_its_row(lib: Library) -> None:
    with Watching(lib, thumbnails=False) as w:
        before = row(lib, "a.jpg")
        assert before is not None
        write_file(lib.root / "a.jpg", jpeg_bytes(size=(80, 60)))
        w.until(lambda: (row(lib, "a.jpg") or {}).get("width") == 80)
        after = row(lib, "a.jpg")
        assert after is not None
        assert after["rowid"] == before["rowid"] and after["id"] != before["id"]
        assert w.stop().updated == 1


def test_a_renamed_or_moved_file_keeps_its_row_and_id(lib: Library) -> None:
    with Watching(lib, thumbnails=False) as w:
        before = row(lib, "a.jpg")
        assert before is not None
        os.rename(lib.root / "a.jpg", lib.root / "renamed.jpg")
        w.until(in_sync(lib))
        renamed = row(lib, "renamed.jpg")
        assert renamed is not None and (renamed["rowid"], renamed["id"]) == (
            before["rowid"],
            before["id"],
        )
        (lib.root / "elsewhere/deeper").mkdir(parents=True)
        os.rename(lib.root / "renamed.jpg", lib.root / "elsewhere/deeper/a.jpg")
        w.until(in_sync(lib))
        moved = row(lib, "elsewhere/deeper/a.jpg")
        assert moved is not None and moved["rowid"] == before["rowid"]
        assert moved["folder"] == b"elsewhere/deeper"
        report = w.stop()
    assert (report.moved, report.added, report.removed) == (2, 2, 0)


def test_a_renamed_folder_keeps_the_rows_below_it(lib: Library) -> None:
    for i in range(5):
        write_file(lib.root / f"2020/trip/p{i}.jpg", photo(10 + i))
    with Watching(lib, thumbnails=False) as w:
        before = {p: k.rowid for p, k in lib.store.known_files().items()}
        os.rename(lib.root / "2020", lib.root / "2021")
        w.until(in_sync(lib))
        after = {p: k.rowid for p, k in lib.store.known_files().items()}
        assert after == {p.replace(b"2020/", b"2021/"): r for p, r in before.items()}
        assert w.stop().moved == 6


def test_deleted_files_and_folders_leave(lib: Library) -> None:
    for i in range(5):
        write_file(lib.root / f"old/x/p{i}.jpg", photo(20 + i))
    with Watching(lib, thumbnails=False) as w:
        os.remove(lib.root / "a.jpg")
        w.until(lambda: row(lib, "a.jpg") is None)
        shutil.rmtree(lib.root / "old")
        w.until(in_sync(lib))
        assert set(lib.store.known_files()) == {b"2020/b.jpg"}
        assert w.stop().removed == 6


def test_a_folder_made_with_files_in_it_is_walked(lib: Library) -> None:
    # the files are written before the watch can reach the new folders: walking them finds them
    with Watching(lib, thumbnails=False) as w:
        for i in range(3):
            write_file(lib.root / f"fresh/deep/er/p{i}.jpg", photo(30 + i))
        w.until(in_sync(lib))
        assert len(lib) == 5
        w.stop()


def test_unreadable_files_are_stored_as_errors(lib: Library) -> None:
    with Watching(lib, thumbnails=False) as w:
        write_file(lib.root / "broken.jpg", b"not a jpeg at all")
        batches = w.until(lambda: row(lib, "broken.jpg") is not None)
        broken = row(lib, "broken.jpg")
        assert broken is not None and broken["error"]
        assert [p for b in batches for p, _m in b.errors] == ["broken.jpg"]
        assert w.stop().errors == 1


def test_a_burst_of_copied_files_is_a_few_batches(lib: Library, tmp_path: Path) -> None:
    staging = tmp_path / "card"
    for i in range(1000):
        write_file(staging / f"DCIM/{i // 250:03d}/IMG_{i:04d}.JPG", photo(1000 + i))
    with Watching(lib, thumbnails=False) as w:
        shutil.copytree(staging, lib.root / "card")
        w.until(lambda: len(lib) == 1002)
        report = w.stop()
    assert report.added == 1002
    # grouped while the copy runs (typically 2-5 groups): nowhere near one scan per file
    assert report.batches <= 30, report


def test_the_library_folder_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write_file(root / "a.jpg", photo(1))
    # a library folder inside ROOT and not hidden: its own writes must not come back as changes
    with Library.open(root, root / "lib") as lib, Watching(lib, thumbnails=True) as w:
        write_file(root / "lib/stray.jpg", photo(2))
        write_file(root / ".hidden.jpg", photo(3))
        write_file(root / ".cache/x.jpg", photo(4))
        write_file(root / "notes.txt", b"not a photo")
        write_file(root / "marker.jpg", photo(5))
        batches = w.until(lambda: row(lib, "marker.jpg") is not None)
        # nothing before the marker was applied, though the library wrote its database and a
        # thumbnail meanwhile
        assert [(b.added, b.updated, b.removed) for b in batches] == [(1, 0, 0)]
        assert set(lib.store.known_files()) == {b"a.jpg", b"marker.jpg"}
        w.stop()


def test_new_files_get_thumbnails_in_the_background(lib: Library) -> None:
    with Watching(lib, thumbnail_size=64) as w:
        sink = w.watcher.thumbnails
        assert isinstance(sink, BackgroundThumbnails)
        write_file(lib.root / "c.jpg", photo(3))
        while b"c.jpg" not in w.next_batch().written:  # handed to the thumbnails with it
            pass
        assert sink.wait_idle(timeout=60)
        record = row(lib, "c.jpg")
        assert record is not None and record["micro_thumb"]
        cache = open_disk_cache(lib.library_dir)
        tid = thumbnail_asset_id(str(record["id"]), int(str(record["mtime_ns"])))
        assert cache.get(thumbnail_key(tid, (64, 64))) is not None
        report = w.stop()
    # the two files of the catch-up scan and the new one
    assert report.thumbnails == {"generated": 3, "cached": 0, "failed": 0, "left": 0}


def test_changes_made_while_nothing_watched_are_caught_up(lib: Library) -> None:
    lib.scan()
    os.remove(lib.root / "a.jpg")
    write_file(lib.root / "late.jpg", photo(9))
    with Watching(lib, thumbnails=False) as w:
        assert (w.catch_up.added, w.catch_up.removed, w.catch_up.unchanged) == (1, 1, 1)
        assert in_sync(lib)()
        w.stop()


def test_stop_ends_cleanly_and_takes_out_what_vanished(lib: Library) -> None:
    # a long grace: the vanished row is still waiting for its file to turn up when we stop
    w = Watching(lib, thumbnails=False, settings=WatchSettings(removal_grace_ms=600_000))
    with w:
        os.remove(lib.root / "a.jpg")
        w.until(lambda: w.watcher.report.events > 0)
        assert row(lib, "a.jpg") is not None  # waiting out its grace
        report = w.stop()
    assert row(lib, "a.jpg") is None and report.removed == 1
    assert not w.thread.is_alive()
    assert lib.scan().unchanged == 1  # the scan lock was released


def test_the_halves_of_a_rename_in_different_batches_keep_the_row(lib: Library) -> None:
    watcher = lib.watch(thumbnails=False)
    lib.scan()
    old, new = lib.root / "a.jpg", lib.root / "b-renamed.jpg"
    rowid = lib.store.known_files()[b"a.jpg"].rowid
    os.rename(old, new)
    with lib.store.lock():
        gone = watcher.apply({(3, str(old))})  # only the first half arrived: the row waits
        assert gone is not None and gone.removed == 0 and row(lib, "a.jpg") is not None
        came = watcher.apply({(1, str(new))})
    assert came is not None and came.moved == 1
    assert lib.store.known_files()[b"b-renamed.jpg"].rowid == rowid
    assert row(lib, "a.jpg") is None


def test_a_second_watch_is_refused_while_one_runs(lib: Library) -> None:
    with Watching(lib, thumbnails=False) as w:
        with pytest.raises(LibraryBusyError):
            lib.scan()
        w.stop()


def test_each_batch_reaches_the_event_bus(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write_file(root / "a.jpg", photo(1))
    bus = EventBus()
    seen: list[ScanCompletedEvent] = []
    bus.subscribe(ScanCompletedEvent, seen.append)
    with Library.open(root, event_bus=bus) as lib, Watching(lib, thumbnails=False) as w:
        write_file(root / "b.jpg", photo(2))
        w.until(lambda: len(lib) == 2)
        w.stop()
    assert [(e.added, e.root) for e in seen] == [(1, str(root)), (1, str(root))]


def test_a_scripted_sequence_leaves_the_library_equal_to_the_folder(
    lib: Library, tmp_path: Path
) -> None:
    rng = random.Random(12)
    root = lib.root
    serial = iter(range(100, 10_000))
    rowid_of: dict[str, int] = {}  # files renamed or moved: the row they must keep

    def files() -> list[str]:
        return sorted(
            str(p.relative_to(root)) for p in root.rglob("*.jpg") if ".albumen" not in p.parts
        )

    def folders() -> list[str]:
        return sorted(
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_dir() and ".albumen" not in p.parts and p.name != ".albumen"
        )

    def rowid(rel: str) -> int:
        return lib.store.known_files()[os.fsencode(rel)].rowid

    with Watching(lib, thumbnails=False) as w:
        for step in range(40):
            op = rng.choice(["add", "add", "edit", "rename", "move", "delete", "mkdir", "mvdir"])
            present = files()
            if op == "add" or not present:
                folder = rng.choice(["", *folders()])
                write_file(root / folder / f"n{next(serial)}.jpg", photo(next(serial)))
            elif op == "edit":
                write_file(root / rng.choice(present), photo(next(serial)) + b"edit")
            elif op in ("rename", "move"):
                src = rng.choice(present)
                folder = os.path.dirname(src) if op == "rename" else rng.choice(["", *folders()])
                dst = os.path.join(folder, f"r{next(serial)}.jpg")
                keep = rowid(src)
                os.rename(root / src, root / dst)
                rowid_of = {k: v for k, v in rowid_of.items() if k != src}
                rowid_of[dst] = keep
            elif op == "delete":
                os.remove(root / rng.choice(present))
            elif op == "mkdir":
                new = root / f"d{next(serial)}" / "sub"
                for i in range(3):
                    write_file(new / f"m{i}.jpg", photo(next(serial)))
            else:  # rename a folder (moving every row below it)
                candidates = [f for f in folders() if "/" not in f]
                if not candidates:
                    continue
                src = rng.choice(candidates)
                dst = f"f{next(serial)}"
                kept = {k: v for k, v in rowid_of.items() if k.startswith(src + "/")}
                for k in [k for k in present if k.startswith(src + "/")]:
                    kept.setdefault(k, rowid(k))
                os.rename(root / src, root / dst)
                for k, v in kept.items():
                    rowid_of.pop(k, None)
                    rowid_of[dst + k[len(src) :]] = v
            w.until(in_sync(lib))
            rowid_of = {k: v for k, v in rowid_of.items() if (root / k).exists()}
            for rel, expected in rowid_of.items():
                assert rowid(rel) == expected, (step, op, rel)
        w.stop()
    # and what it holds is what a fresh scan of the folder finds
    with Library.open(root, tmp_path / "fresh") as fresh:
        fresh.scan()
        ids = {p: k.id for p, k in fresh.store.known_files().items()}
    assert {p: k.id for p, k in lib.store.known_files().items()} == ids


def test_a_library_in_postgresql_is_watched_the_same_way(tmp_path: Path) -> None:
    import postgres_server

    root = tmp_path / "photos"
    write_file(root / "a.jpg", photo(1))
    url = postgres_server.fresh_database()
    with Library.open(root, tmp_path / "lib", store=url) as lib, Watching(lib) as w:
        rowid = lib.store.known_files()[b"a.jpg"].rowid
        write_file(root / "new/b.jpg", photo(2))
        os.rename(root / "a.jpg", root / "new/a.jpg")
        w.until(in_sync(lib))
        assert lib.store.known_files()[b"new/a.jpg"].rowid == rowid
        shutil.rmtree(root / "new")
        w.until(lambda: len(lib) == 0)
        report = w.stop()
    assert (report.added, report.moved, report.removed) == (2, 1, 2)


def test_a_folder_that_cannot_be_watched_is_a_library_error(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import watchfiles._rust_notify

    def refuse(*_args: object) -> None:
        raise OSError(28, "OS file watch limit reached")

    monkeypatch.setattr(watchfiles._rust_notify, "RustNotify", refuse)
    with pytest.raises(LibraryError, match=r"cannot watch .*max_user_watches"):
        lib.watch(thumbnails=False).run()
    assert lib.scan().added == 2  # nothing was held: the lock is free
