"""Library: incremental scans, moves, errors, bad input, and the library folder."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import EventBus, Library, LibraryError, ScanCompletedEvent, ScanProgressEvent, _core
from albumen.library import LibraryNotWritableError, RootNotFoundError, RootNotReadableError
from scan_helpers import as_unprivileged_user, hold_scan_lock, jpeg_bytes, write_file


@pytest.fixture
def probed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path handed to the Rust probe, in order."""
    seen: list[str] = []
    real = _core.probe

    def spy(root: Any, paths: Any, **kwargs: Any) -> Any:
        seen.extend(paths)
        return real(root, paths, **kwargs)

    monkeypatch.setattr(_core, "probe", spy)
    return seen


@pytest.fixture
def lib(photo_tree: Path) -> Iterator[Library]:
    with Library.open(photo_tree) as library:
        yield library


def rows(lib: Library) -> dict[str, dict[str, Any]]:
    """Every stored row (as the store keeps it), by path."""
    return {os.fsdecode(r["path"]): r for r in lib.store.iter_rows()}


# -- opening -------------------------------------------------------------------------------------


def test_open_creates_the_index_in_the_library_folder(photo_tree: Path) -> None:
    with Library.open(photo_tree) as lib:
        assert lib.library_dir == photo_tree / ".albumen"
        assert (photo_tree / ".albumen" / "library.db").is_file()
        assert len(lib) == 0


def test_open_with_another_library_folder(photo_tree: Path, tmp_path: Path) -> None:
    with Library.open(photo_tree, tmp_path / "elsewhere" / "lib") as lib:
        lib.scan()
        assert len(lib) == 6
    assert (tmp_path / "elsewhere/lib/library.db").is_file()
    assert not (photo_tree / ".albumen").exists()


def test_a_library_folder_inside_the_root_is_not_scanned(photo_tree: Path) -> None:
    with Library.open(photo_tree, photo_tree / "index") as lib:
        write_file(photo_tree / "index" / "cached.jpg", jpeg_bytes())
        assert lib.scan().files == 6


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RootNotFoundError, match="does not exist"):
        Library.open(tmp_path / "nope")
    (tmp_path / "file.jpg").write_bytes(b"x")
    with pytest.raises(RootNotFoundError, match="not a folder"):
        Library.open(tmp_path / "file.jpg")
    assert issubclass(RootNotFoundError, LibraryError)


def test_unwritable_library_is_a_clear_error(photo_tree: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"x")
    with pytest.raises(LibraryNotWritableError, match="--library"):
        Library.open(photo_tree, blocker / "lib")


def test_a_damaged_database_is_a_clear_error(photo_tree: Path) -> None:
    (photo_tree / ".albumen").mkdir()
    (photo_tree / ".albumen" / "library.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LibraryError, match="move the damaged file away"):
        Library.open(photo_tree)


# -- scanning ------------------------------------------------------------------------------------


def test_first_scan_indexes_everything(lib: Library, photo_tree: Path) -> None:
    report = lib.scan()
    assert (report.files, report.added, report.updated, report.unchanged, report.removed) == (
        6,
        6,
        0,
        0,
        0,
    )
    assert report.errors == []
    assert report.seconds > 0
    got = rows(lib)
    assert sorted(got) == sorted(
        [
            "a.jpg",
            "B.JPG",
            "2020/01/trip/c.jpeg",
            "2020/01/trip/d.Jpg",
            "2021/e.jpg",
            "2021/deep/er/f.jpg",
        ]
    )
    c = got["2020/01/trip/c.jpeg"]
    assert c["folder"] == b"2020/01/trip"
    assert c["make"] == "Canon"
    assert c["size"] == (photo_tree / "2020/01/trip/c.jpeg").stat().st_size
    assert c["mtime_ns"] == (photo_tree / "2020/01/trip/c.jpeg").stat().st_mtime_ns
    assert c["sort_time"] is not None


def test_rescan_does_not_probe_unchanged_files(lib: Library, probed: list[str]) -> None:
    lib.scan()
    assert len(probed) == 6
    probed.clear()
    report = lib.scan()
    assert probed == []
    assert (report.files, report.unchanged, report.added, report.updated) == (6, 6, 0, 0)


def test_a_changed_file_is_probed_again_and_updated(
    lib: Library, photo_tree: Path, probed: list[str]
) -> None:
    lib.scan()
    before = rows(lib)["a.jpg"]
    write_file(
        photo_tree / "a.jpg",
        jpeg_bytes(size=(64, 40), exif={0x010F: "NIKON", 0x0110: "Z 6"}),
    )
    probed.clear()
    report = lib.scan()
    assert probed == ["a.jpg"]
    assert (report.updated, report.unchanged, report.added) == (1, 5, 0)
    after = rows(lib)["a.jpg"]
    assert after["rowid"] == before["rowid"]
    assert after["id"] != before["id"]
    assert (after["make"], after["width"], after["height"]) == ("NIKON", 64, 40)


def test_a_touched_file_is_probed_again(lib: Library, photo_tree: Path, probed: list[str]) -> None:
    lib.scan()
    st = (photo_tree / "a.jpg").stat()
    os.utime(photo_tree / "a.jpg", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    probed.clear()
    assert lib.scan().updated == 1
    assert probed == ["a.jpg"]


def test_deleted_files_are_removed(lib: Library, photo_tree: Path) -> None:
    lib.scan()
    (photo_tree / "a.jpg").unlink()
    shutil.rmtree(photo_tree / "2021")
    report = lib.scan()
    assert (report.removed, report.files, report.unchanged) == (3, 3, 3)
    assert sorted(rows(lib)) == ["2020/01/trip/c.jpeg", "2020/01/trip/d.Jpg", "B.JPG"]


def test_a_moved_file_keeps_its_row_and_id(
    lib: Library, photo_tree: Path, probed: list[str]
) -> None:
    lib.scan()
    before = rows(lib)["2021/e.jpg"]
    (photo_tree / "2022/new").mkdir(parents=True)
    (photo_tree / "2021/e.jpg").rename(photo_tree / "2022/new/renamed.jpg")
    probed.clear()
    report = lib.scan()
    assert probed == ["2022/new/renamed.jpg"]
    assert (report.moved, report.updated, report.added, report.removed) == (1, 1, 0, 0)
    after = rows(lib)
    assert "2021/e.jpg" not in after
    moved = after["2022/new/renamed.jpg"]
    assert (moved["rowid"], moved["id"]) == (before["rowid"], before["id"])
    assert moved["folder"] == b"2022/new"
    assert len(after) == 6


def test_a_renamed_folder_keeps_every_row(lib: Library, photo_tree: Path) -> None:
    lib.scan()
    before = {p: (r["rowid"], r["id"]) for p, r in rows(lib).items()}
    (photo_tree / "2020").rename(photo_tree / "Twenty")
    report = lib.scan()
    assert (report.moved, report.added, report.removed) == (2, 0, 0)
    after = {p: (r["rowid"], r["id"]) for p, r in rows(lib).items()}
    assert after["Twenty/01/trip/c.jpeg"] == before["2020/01/trip/c.jpeg"]
    assert after["Twenty/01/trip/d.Jpg"] == before["2020/01/trip/d.Jpg"]


def test_a_copy_is_a_new_row_with_the_same_id(lib: Library, photo_tree: Path) -> None:
    lib.scan()
    shutil.copy2(photo_tree / "a.jpg", photo_tree / "copy of a.jpg")
    report = lib.scan()
    assert (report.added, report.moved) == (1, 0)
    got = rows(lib)
    assert got["copy of a.jpg"]["id"] == got["a.jpg"]["id"]
    assert got["copy of a.jpg"]["rowid"] != got["a.jpg"]["rowid"]


def test_progress_callback_and_completed_event(photo_tree: Path) -> None:
    bus = EventBus()
    done: list[ScanCompletedEvent] = []
    steps: list[ScanProgressEvent] = []
    bus.subscribe(ScanCompletedEvent, done.append)
    bus.subscribe(ScanProgressEvent, steps.append)
    calls: list[tuple[int, int]] = []
    with Library.open(photo_tree, event_bus=bus) as lib:
        lib.scan(progress=lambda p, t: calls.append((p, t)), workers=1)
    # after the walk, then (fewer files than a batch) the index completed, then the end
    assert [(e.phase, e.processed, e.total) for e in steps] == [
        ("walk", 0, 6),
        ("write", 6, 6),
        ("finish", 6, 6),
    ]
    assert {e.root for e in steps} == {str(photo_tree)}
    assert [(e.processed, e.total) for e in steps] == calls
    assert len(done) == 1
    assert (done[0].root, done[0].files, done[0].added) == (str(photo_tree), 6, 6)


# -- bad input -------------------------------------------------------------------------------------


def test_broken_files_are_stored_with_their_error_and_reported(tmp_path: Path) -> None:
    good = jpeg_bytes()
    write_file(tmp_path / "good.jpg", good)
    write_file(tmp_path / "empty.jpg", b"")
    write_file(tmp_path / "truncated.jpg", good[: len(good) // 3])
    garbage = good[:2] + b"\xff\xe1\x00\x40Exif\x00\x00" + os.urandom(58) + good[2:]
    write_file(tmp_path / "garbage-exif.jpg", garbage)
    write_file(tmp_path / "text.JPG", b"plain text, not a JPEG\n" * 10)
    with Library.open(tmp_path) as lib:
        report = lib.scan()
        assert report.files == 5
        got = rows(lib)
    assert set(got) == {"good.jpg", "empty.jpg", "truncated.jpg", "garbage-exif.jpg", "text.JPG"}
    assert got["good.jpg"]["error"] is None
    errors = dict(report.errors)
    for name in ("empty.jpg", "text.JPG"):
        assert got[name]["error"], name
        assert errors[name] == got[name]["error"]
    # a truncated JPEG still has its header; garbage EXIF still has its pixels: either an error
    # or a record with the dimensions, but never silently dropped
    for name in ("truncated.jpg", "garbage-exif.jpg"):
        assert got[name]["error"] or got[name]["width"] == 48, name


def test_errors_stay_reported_on_a_rescan_without_reprobing(
    tmp_path: Path, probed: list[str]
) -> None:
    write_file(tmp_path / "empty.jpg", b"")
    write_file(tmp_path / "good.jpg", jpeg_bytes())
    with Library.open(tmp_path) as lib:
        first = lib.scan()
        probed.clear()
        second = lib.scan()
    assert first.errors == second.errors
    assert [p for p, _ in second.errors] == ["empty.jpg"]


def test_a_file_deleted_during_the_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(5):
        write_file(tmp_path / f"p{i}.jpg", jpeg_bytes(color=(i * 50, 0, 0)))
    real_walk = _core.walk

    def walk_then_delete(root: Any, **kwargs: Any) -> Any:
        found = real_walk(root, **kwargs)
        (tmp_path / "p2.jpg").unlink()  # vanishes between discovery and probing
        return found

    monkeypatch.setattr(_core, "walk", walk_then_delete)
    with Library.open(tmp_path) as lib:
        report = lib.scan()
        assert report.files == 5
        assert [p for p, _ in report.errors] == ["p2.jpg"]
        monkeypatch.setattr(_core, "walk", real_walk)
        again = lib.scan()  # the next scan drops the vanished file
        assert (again.removed, again.errors, len(lib)) == (1, [], 4)


def test_symlink_loop_does_not_hang(photo_tree: Path) -> None:
    os.symlink(photo_tree, photo_tree / "2021" / "loop")
    os.symlink("missing-target.jpg", photo_tree / "dangling.jpg")
    with Library.open(photo_tree) as lib:
        assert lib.scan().files == 6


def test_non_utf8_names_round_trip(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path)
    raw_dir = root + b"/caf\xe9"
    raw_file = raw_dir + b"/\xff\xfeimage.jpg"
    write_file(raw_file, jpeg_bytes())
    with Library.open(tmp_path) as lib:
        report = lib.scan()
        assert (report.files, report.added, report.errors) == (1, 1, [])
        [row] = list(lib.assets())
        assert row.path_bytes == b"caf\xe9/\xff\xfeimage.jpg"
        assert row.path == os.fsdecode(b"caf\xe9/\xff\xfeimage.jpg")
        assert row.folder == os.fsdecode(b"caf\xe9")
        assert row.width == 48
        assert os.path.exists(os.path.join(root, row.path_bytes))
        assert lib.scan().unchanged == 1


def test_an_unreadable_folder_is_an_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    nobody = as_unprivileged_user()
    as_root = bool(nobody)
    # root reads everything, so then the scan runs as `nobody` in a world-readable folder
    base = Path(tempfile.mkdtemp(prefix="albumen-perm-")) if as_root else tmp_path
    try:
        os.chmod(base, 0o777)
        root = base / "photos"
        write_file(root / "ok/a.jpg", jpeg_bytes())
        write_file(root / "locked/b.jpg", jpeg_bytes())
        os.chmod(root, 0o777)
        os.chmod(root / "locked", 0)
        if as_root:
            report = _scan_as(nobody, root)
        else:
            with Library.open(root) as lib:
                report = lib.scan().to_json()
    finally:
        if (base / "photos/locked").exists():
            os.chmod(base / "photos/locked", 0o755)
        if as_root:
            shutil.rmtree(base, ignore_errors=True)
    assert report["files"] == 1
    assert [e["path"] for e in report["errors"]] == ["locked"]
    assert "ermission" in report["errors"][0]["error"]


def _scan_as(user: list[str], root: Path) -> Any:
    import json

    code = textwrap.dedent(
        """
        import json, sys
        from albumen import Library
        with Library.open(sys.argv[1]) as lib:
            print(json.dumps(lib.scan().to_json()))
        """
    )
    out = subprocess.run(
        [*user, sys.executable, "-c", code, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0 and "Permission denied" in out.stderr and "albumen" in out.stderr:
        pytest.skip(f"`nobody` cannot import albumen here: {out.stderr.strip()[-200:]}")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_an_unreadable_root_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read every folder; covered by the CLI test run as nobody")
    root = tmp_path / "locked"
    root.mkdir()
    os.chmod(root, 0)
    try:
        with pytest.raises(RootNotReadableError, match="permissions"):
            Library.open(root)
    finally:
        os.chmod(root, 0o755)


def test_rows_under_an_unreadable_folder_are_kept(
    photo_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Library.open(photo_tree) as lib:
        lib.scan()
        real_walk = _core.walk

        def walk_without_2021(root: Any, **kwargs: Any) -> Any:
            files, errors = real_walk(root, **kwargs)
            files = [f for f in files if not f[0].startswith("2021/")]
            return files, [*errors, ("2021", "Permission denied (os error 13)")]

        monkeypatch.setattr(_core, "walk", walk_without_2021)
        report = lib.scan()
        assert report.removed == 0
        assert len(lib) == 6
        assert ("2021", "Permission denied (os error 13)") in report.errors


def test_the_database_is_sound_after_a_scan(lib: Library) -> None:
    lib.scan()
    conn = sqlite3.connect(lib.library_dir / "library.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_cancel_keeps_what_was_written_and_the_next_scan_finishes(tmp_path: Path) -> None:
    data = [jpeg_bytes(color=(i, 0, 0)) for i in range(4)]
    for i in range(1200):
        write_file(tmp_path / f"d{i % 9}/p{i:05d}.jpg", data[i % 4])
    with Library.open(tmp_path) as lib:
        report = lib.scan(progress=lambda done, total: lib.cancel() if done else None, workers=1)
        assert report.cancelled
        assert 0 < report.added < 1200
        assert len(lib) == report.added
        rest = lib.scan()
        assert not rest.cancelled
        assert (rest.unchanged, rest.added) == (report.added, 1200 - report.added)


def test_a_second_scan_of_the_same_library_is_refused_while_one_runs(
    lib: Library, photo_tree: Path
) -> None:
    from albumen.library import LibraryBusyError

    holder = hold_scan_lock(lib.library_dir)
    try:
        with pytest.raises(LibraryBusyError, match="another albumen scan is running"):
            lib.scan()
        assert len(lib) == 0  # nothing was probed or written
    finally:
        holder.kill()
        holder.wait()
    assert lib.scan().added > 0  # the lock went with the process


def test_a_rescan_compares_in_path_bytes_order(tmp_path: Path) -> None:
    # names whose order as bytes differs from their order as text: the scan merges the walk
    # with the stored rows in bytes order and must pair each file with its own row
    root = tmp_path / "photos"
    names = ["a.jpg", "a-b.jpg", "a/b.jpg", "A.jpg", "é.jpg", "z/é/x.jpg"]
    for i, name in enumerate(names):
        write_file(root / name, jpeg_bytes(color=(i * 30, 0, 0)))
    write_file(os.fsencode(root) + b"/\xff.jpg", jpeg_bytes(color=(0, 9, 9)))
    with Library.open(root) as lib:
        assert lib.scan().added == 7
        again = lib.scan()
        assert (again.unchanged, again.added, again.updated, again.removed) == (7, 0, 0, 0)
        os.remove(root / "a-b.jpg")
        write_file(root / "a/c.jpg", jpeg_bytes(color=(1, 2, 3)))
        last = lib.scan()
        assert (last.unchanged, last.added, last.removed) == (6, 1, 1)
