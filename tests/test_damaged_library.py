"""A full disk and damaged library folders: each is one clear line (exit status 2 where the
command cannot go on), the library stays usable, and nothing committed is lost. The disk-full
tests run the library on a small tmpfs (root only; skipped elsewhere)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli import run_cli
from albumen import DiskThumbnailCache
from scan_helpers import jpeg_bytes, write_file


def albumen(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args)


def ok(*args: str) -> str:
    done = albumen(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("albumen: error: "), line
    return line


def photos(root: Path, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        write_file(
            root / f"d{i // 100}" / f"p{i:05d}.jpg", jpeg_bytes(color=(i % 256, i // 256, 9))
        )


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    photos(root, 6)
    ok("scan", str(root))
    return root


def still_usable(root: Path, n: int) -> None:
    assert len(ok("ls", str(root), "--json").splitlines()) == n
    assert json.loads(ok("stats", str(root), "--json"))["assets"] == n


# -- damaged library folders -------------------------------------------------------------


def test_a_file_where_the_thumbs_folder_should_be(library: Path) -> None:
    lib = library / ".albumen"
    (lib / "thumbs").write_bytes(b"not a folder")
    line = one_error_line(albumen("thumbs", str(library)))
    assert "thumbs is not a folder: move it away" in line
    line = one_error_line(albumen("thumb", str(library), "d0/p00000.jpg", "-o", os.devnull))
    assert "thumbs is not a folder" in line
    still_usable(library, 6)
    ok("scan", str(library))
    (lib / "thumbs").unlink()
    assert json.loads(ok("thumbs", str(library), "--json"))["generated"] == 6


DAMAGED_STATISTICS = [
    "[1]",
    '{"stats": [1]}',
    '{"stats": {"memory": [1], "generation": {"per_format": [1]}}}',
    '{"stats": {"generation": {"per_format": {"jpeg": {"count": "many"}}}}}',
    '{"size": {}, "generated": "x"}',
    "{not json",
    "\x00\xff",
]


def test_a_damaged_statistics_file(library: Path) -> None:
    stats_file = library / ".albumen" / "thumbs-stats.json"
    for content in DAMAGED_STATISTICS:
        stats_file.write_text(content, errors="surrogateescape")
        done = albumen("stats", str(library))
        assert done.returncode == 0 and done.stderr == "", content
        stats = json.loads(ok("stats", str(library), "--json"))
        assert stats["thumbnails"]["last_run"].startswith("none"), content
    ok("thumbs", str(library))  # rewrites it
    assert json.loads(ok("stats", str(library), "--json"))["thumbnails"]["last_run_size"] == 256


def test_a_folder_where_the_statistics_file_should_be(library: Path) -> None:
    (library / ".albumen" / "thumbs-stats.json").mkdir()
    done = subprocess.run(  # a process of its own: the warning is logged to its stderr
        [sys.executable, "-m", "albumen.cli", "thumbs", str(library), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["generated"] == 6
    (line,) = done.stderr.strip().splitlines()
    assert "could not save the thumbnail statistics" in line
    assert json.loads(ok("stats", str(library), "--json"))["thumbnails"]["l2_disk_entries"] == 6


def test_a_folder_named_like_the_lock_file(library: Path) -> None:
    lock = library / ".albumen" / "scan.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    line = one_error_line(albumen("scan", str(library)))
    assert "scan.lock is not a file: move it away" in line
    still_usable(library, 6)
    assert json.loads(ok("thumbs", str(library), "--json"))["generated"] == 6
    lock.rmdir()
    ok("scan", str(library))


def test_a_folder_named_like_the_databases_journal(library: Path) -> None:
    wal = library / ".albumen" / "library.db-wal"
    wal.unlink(missing_ok=True)
    wal.mkdir()
    line = one_error_line(albumen("scan", str(library)))
    assert "library.db-wal is not a file" in line
    still_usable(library, 6)  # readers open it read-only: the database file as it is
    wal.rmdir()
    ok("scan", str(library))
    still_usable(library, 6)


# -- a full disk -----------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill_up(disk: Path, leave: int) -> Path:
    """A file taking all but ``leave`` bytes of ``disk``."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler"
    with open(filler, "wb") as f:
        f.truncate(0)
        chunk = b"\0" * (1 << 20)
        remaining = max(0, free - leave)
        while remaining > 0:
            n = min(remaining, len(chunk))
            try:
                f.write(chunk[:n])
                f.flush()
            except OSError:
                break
            remaining -= n
    return filler


def rows(db: Path) -> tuple[int, int, str]:
    """(rows, distinct paths, integrity) of a library database."""
    with sqlite3.connect(db) as conn:
        n, distinct = conn.execute("SELECT count(*), count(DISTINCT path) FROM assets").fetchone()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return int(n), int(distinct), str(integrity)


def test_a_scan_on_a_full_disk_is_one_line_and_keeps_what_it_committed(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    photos(root, 50)
    with small_disk(tmp_path / "disk", "4m") as disk:
        lib = disk / "lib"
        ok("scan", str(root), "-l", str(lib))
        photos(root, 3000, start=50)
        filler = fill_up(disk, leave=96 * 1024)
        line = one_error_line(albumen("scan", str(root), "-l", str(lib)))
        assert "is full" in line and "everything committed so far is kept" in line
        # still readable while full, nothing lost
        n_full = len(ok("ls", str(root), "-l", str(lib), "--json").splitlines())
        assert n_full >= 50
        filler.unlink()
        n, distinct, integrity = rows(lib / "library.db")
        assert (n, distinct, integrity) == (n_full, n_full, "ok")
        report = json.loads(ok("scan", str(root), "-l", str(lib), "--json"))
        assert report["files"] == 3050 and report["unchanged"] == n_full
        assert rows(lib / "library.db") == (3050, 3050, "ok")


def test_the_disk_cache_leaves_a_margin_and_thumbs_survive_a_full_disk(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    photos(root, 40)
    with small_disk(tmp_path / "disk", "8m") as disk:
        lib = disk / "lib"
        ok("scan", str(root), "-l", str(lib))
        # 8 MiB of disk is under the cache's 256 MiB margin: L2 keeps nothing, says so once,
        # and the micro thumbnails still go into the index
        done = albumen("thumbs", str(root), "-l", str(lib), "--json")
        assert done.returncode == 0
        report = json.loads(done.stdout)
        assert report["generated"] == 40 and report["micro_written"] == 40
        assert report["stats"]["disk"]["refused_low_space"] == 40
        (warning,) = done.stderr.strip().splitlines()
        assert warning.startswith("albumen: warning: 40 thumbnails could not be kept")
        assert not list((lib / "thumbs").rglob("*.jpg"))
        # a disk with no room at all: the index cannot take the micro thumbnails either
        photos(root, 400, start=40)
        ok("scan", str(root), "-l", str(lib))
        filler = fill_up(disk, leave=0)
        line = one_error_line(albumen("thumbs", str(root), "-l", str(lib), "--json"))
        assert "is full" in line
        filler.unlink()
        assert rows(lib / "library.db")[2] == "ok"
        again = json.loads(ok("thumbs", str(root), "-l", str(lib), "--json"))
        assert again["micro_written"] + report["micro_written"] >= 440 - again["failed"]


def test_the_disk_cache_stops_at_the_file_systems_end_without_a_torn_file(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "2m") as disk:
        cache = DiskThumbnailCache(disk / "l2", 1 << 30, min_free_bytes=0)
        value = os.urandom(100_000)
        stored = 0
        with pytest.raises(OSError) as full:
            for i in range(100):
                cache.put(f"k{i}", value)
                stored += 1
        assert full.value.errno == 28  # ENOSPC
        assert 5 < stored < 30
        assert all(cache.get(f"k{i}") == value for i in range(stored))
        assert not [p for p in (disk / "l2").rglob("*") if p.name.endswith(".tmp")]
        margin = DiskThumbnailCache(disk / "l2", 1 << 30, min_free_bytes=1 << 20)
        with pytest.raises(OSError):
            margin.put("one-more", b"x" * 10)
        assert margin.stats()["refused_low_space"] == 1
