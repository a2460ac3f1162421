"""What keeps an index from being lost: a scan that would remove most of a library asks first
(an unmounted disk looks like a folder whose photos were all deleted), and a library folder
serves the one root it remembers."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _cli import run_cli
from albumen import Library, LibraryRootMismatchError, MassRemovalError
from albumen.scan.incremental import is_mass_removal
from scan_helpers import jpeg_bytes, write_file

HANG = 120  # a safety net only


def albumen(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def fill(root: Path, n: int, prefix: str = "p") -> list[Path]:
    data = jpeg_bytes()
    paths = [root / f"{prefix}{i:04d}.jpg" for i in range(n)]
    for path in paths:
        write_file(path, data)
    return paths


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("albumen: error: ")
    return line


def test_the_threshold() -> None:
    assert not is_mass_removal(100, 100)  # not more than 100 rows
    assert is_mass_removal(101, 101)
    assert not is_mass_removal(150, 300)  # half is not more than half
    assert is_mass_removal(151, 300)


def test_an_emptied_root_removes_nothing_without_permission(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    files = fill(root, 150)
    with Library.open(root) as lib:
        lib.scan()
        for f in files:  # as an unmounted disk looks
            f.unlink()
        with pytest.raises(MassRemovalError) as refused:
            lib.scan()
        assert (refused.value.would_remove, refused.value.indexed) == (150, 150)
        assert len(lib) == 150
        report = lib.scan(allow_mass_removal=True)
        assert report.removed == 150 and len(lib) == 0


def test_the_cli_stops_with_one_line_and_removes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    files = fill(root, 130)
    assert albumen("scan", str(root)).returncode == 0
    for f in files[:110]:
        f.unlink()
    line = one_error_line(albumen("scan", str(root), "--json"))
    assert "would remove 110 of the 130 indexed files" in line and "--allow-mass-removal" in line
    assert len(albumen("ls", str(root), "--json").stdout.splitlines()) == 130
    done = albumen("scan", str(root), "--json", "--allow-mass-removal")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["removed"] == 110


def test_new_files_are_kept_when_the_removal_is_refused(tmp_path: Path) -> None:
    # a root swapped for another folder: the new files are indexed, the old rows stay
    root = tmp_path / "photos"
    old = fill(root, 130, "old")
    with Library.open(root) as lib:
        lib.scan()
        for f in old:
            f.unlink()
        write_file(root / "new.jpg", jpeg_bytes(color=(1, 2, 3)))
        with pytest.raises(MassRemovalError):
            lib.scan()
        assert len(lib) == 131
        again = lib.scan(allow_mass_removal=True)
        assert (again.removed, again.unchanged, len(lib)) == (130, 1, 1)


def test_small_or_partial_removals_need_no_permission(tmp_path: Path) -> None:
    small, partial = tmp_path / "small", tmp_path / "partial"
    small_files, partial_files = fill(small, 100), fill(partial, 300)
    with Library.open(small) as a, Library.open(partial) as b:
        a.scan()
        b.scan()
        for f in small_files:
            f.unlink()
        for f in partial_files[:150]:
            f.unlink()
        assert a.scan().removed == 100
        assert b.scan().removed == 150


def test_a_renamed_top_folder_is_a_move_not_a_removal(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for i in range(150):
        write_file(root / "2020" / f"p{i}.jpg", jpeg_bytes(color=(i, 3, 7)))
    with Library.open(root) as lib:
        lib.scan()
        (root / "2020").rename(root / "2020-trip")
        report = lib.scan()
        assert (report.moved, report.removed, len(lib)) == (150, 0, 150)


def test_confirming_on_a_terminal(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    files = fill(root, 150)
    assert albumen("scan", str(root)).returncode == 0
    for f in files:
        f.unlink()

    def on_a_terminal(answer: bytes) -> tuple[int, str]:
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "albumen.cli", "scan", str(root)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
        os.close(slave)
        seen = b""
        answered = False
        try:
            while True:
                ready, _, _ = select.select([master], [], [], HANG)
                assert ready, f"no output for {HANG} s: {seen!r}"
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the other side closed (Linux: EIO)
                    break
                if not chunk:
                    break
                seen += chunk
                if not answered and b"Remove them from the index?" in seen:
                    os.write(master, answer)
                    answered = True
        finally:
            os.close(master)
            proc.wait(HANG)
        assert answered, seen
        return proc.returncode, seen.decode(errors="replace")

    code, text = on_a_terminal(b"n\n")
    assert code == 2 and "nothing was removed" in text
    assert len(albumen("ls", str(root), "--json").stdout.splitlines()) == 150
    code, text = on_a_terminal(b"y\n")
    assert code == 0, text
    assert albumen("ls", str(root), "--json").stdout == ""


# -- one library folder, one root ----------------------------------------------------------


def test_a_library_folder_refuses_a_second_root(tmp_path: Path) -> None:
    a, b, lib = tmp_path / "a", tmp_path / "b", tmp_path / "lib"
    fill(a, 5, "a")
    fill(b, 3, "b")
    assert albumen("scan", str(a), "--library", str(lib)).returncode == 0
    for command in ("scan", "ls", "stats", "thumbs"):
        line = one_error_line(albumen(command, str(b), "--library", str(lib)))
        assert f"indexes {a}, not {b}" in line
    done = albumen("ls", str(a), "--library", str(lib), "--json")
    assert len(done.stdout.splitlines()) == 5  # A's rows are all there
    with pytest.raises(LibraryRootMismatchError):
        Library.open(b, lib)


def test_the_same_root_by_another_spelling_is_the_same_root(tmp_path: Path) -> None:
    a, lib = tmp_path / "a", tmp_path / "lib"
    fill(a, 4)
    (tmp_path / "link").symlink_to(a)
    assert albumen("scan", str(a), "-l", str(lib)).returncode == 0
    done = albumen("scan", str(tmp_path / "link"), "-l", str(lib), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unchanged"] == 4
    assert albumen("ls", str(a / ".." / "a"), "-l", str(lib)).returncode == 0


def test_a_root_moved_with_its_library_folder_is_still_its_library(tmp_path: Path) -> None:
    old = tmp_path / "old"
    fill(old, 6)
    assert albumen("scan", str(old)).returncode == 0
    new = tmp_path / "new"
    shutil.move(old, new)
    done = albumen("scan", str(new), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unchanged"] == 6
    with Library.open(new) as lib:
        assert lib.store.get_meta("root") == os.fsencode(os.path.realpath(new))


# -- readers never rebuild what a running scan deferred ------------------------------------

# Scans ROOT and prints each progress step, then waits for a line on stdin before it goes on.
GATED_SCAN = """
import sys
from albumen import Library
def progress(done, total):
    print(done, total, flush=True)
    sys.stdin.readline()
with Library.open(sys.argv[1]) as lib:
    lib.scan(progress=progress, workers=1)
print("finished", flush=True)
"""


def index_names(db: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets' "
            "AND sql IS NOT NULL"
        ).fetchall()
    return {r[0] for r in rows}


def test_a_reader_during_a_bulk_load_leaves_the_deferred_indexes_alone(tmp_path: Path) -> None:
    from albumen.scan.incremental import BULK_LOAD_MIN_FILES
    from albumen.store.sqlite import SQLiteAssetRepository

    root = tmp_path / "photos"
    fill(root, BULK_LOAD_MIN_FILES + 200)
    db = root / ".albumen" / "library.db"
    with Library.open(root):
        pass  # an empty library: the first scan is a bulk load
    every_index = index_names(db)
    assert len(every_index) >= 8
    scan = subprocess.Popen(
        [sys.executable, "-c", GATED_SCAN, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert scan.stdin is not None and scan.stdout is not None
    try:
        line = scan.stdout.readline()  # the walk: nothing probed yet
        while line.startswith("0 "):
            scan.stdin.write("go\n")
            scan.stdin.flush()
            line = scan.stdout.readline()
        assert line and line != "finished\n"  # the first batch is committed; the scan waits
        assert index_names(db) == set()
        # readers open the library meanwhile: `albumen ls`, a gallery, a repository
        assert albumen("ls", str(root), "--limit", "1").returncode == 0
        with Library.open(root) as reader:
            assert len(reader) > 0
        SQLiteAssetRepository(db).close()
        assert index_names(db) == set(), "a reader built the indexes the scan deferred"
        while True:  # let the scan finish
            scan.stdin.write("go\n")
            scan.stdin.flush()
            line = scan.stdout.readline()
            assert line, "the scan died"
            if line == "finished\n":
                break
    finally:
        scan.stdin.close()
        scan.wait(HANG)
    assert scan.returncode == 0
    assert index_names(db) == every_index  # the scan built them once, at its end


def test_a_killed_bulk_load_has_its_indexes_rebuilt_by_the_next_open(tmp_path: Path) -> None:
    import signal

    from albumen.scan.incremental import BULK_LOAD_MIN_FILES

    root = tmp_path / "photos"
    fill(root, BULK_LOAD_MIN_FILES + 200)
    db = root / ".albumen" / "library.db"
    with Library.open(root):
        pass
    every_index = index_names(db)
    scan = subprocess.Popen(
        [sys.executable, "-c", GATED_SCAN, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert scan.stdout is not None and scan.stdin is not None
    assert scan.stdout.readline().strip()
    scan.send_signal(signal.SIGKILL)
    scan.wait(HANG)
    scan.stdin.close()
    scan.stdout.close()
    assert index_names(db) == set()
    with Library.open(root) as lib:  # the lock is free: the load was killed
        assert index_names(db) == every_index
        assert lib.scan().added > 0
    assert index_names(db) == every_index


# -- the library folder is never indexed ---------------------------------------------------


def test_a_library_folder_named_through_a_symlink_is_never_indexed(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for i in range(4):
        write_file(root / f"p{i}.jpg", jpeg_bytes(color=(i * 50, 9, 9)))
    (tmp_path / "alias").symlink_to(root)
    lib = tmp_path / "alias" / "albumen-library"  # inside ROOT, spelled another way
    for _ in range(3):
        done = albumen("scan", str(root), "--library", str(lib), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["files"] == 4
        assert albumen("thumbs", str(root), "--library", str(lib)).returncode == 0
    assert (root / "albumen-library" / "thumbs").is_dir()
    listed = albumen("ls", str(root), "--library", str(lib), "--json").stdout.splitlines()
    assert sorted(json.loads(line)["path"] for line in listed) == [f"p{i}.jpg" for i in range(4)]


def test_a_library_folder_given_with_dot_dot_inside_root_is_never_indexed(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    write_file(root / "p.jpg", jpeg_bytes())
    lib = root / "sub" / ".." / "lib"
    for _ in range(2):
        assert albumen("scan", str(root), "-l", str(lib)).returncode == 0
        assert albumen("thumbs", str(root), "-l", str(lib)).returncode == 0
    assert len(albumen("ls", str(root), "-l", str(lib), "--json").stdout.splitlines()) == 1
