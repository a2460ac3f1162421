"""Read-only libraries: ``ls`` and ``stats`` work on a library the user may only read (run as an
unprivileged user) and on read-only media (a tmpfs remounted read-only), without writing a
byte; commands that must write say why they cannot, in one line."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli import run_cli
from albumen import Library, LibraryError
from scan_helpers import as_unprivileged_user, jpeg_bytes, write_file

HANG = 120  # a safety net only


def albumen(*args: str, user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    if not user:
        return run_cli(*args)
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "albumen.cli", *args],
        capture_output=True,
        text=True,
        timeout=HANG,
        stdin=subprocess.DEVNULL,
    )


def listing(root: Path, user: list[str] | None = None) -> list[str]:
    done = albumen("ls", str(root), "--json", user=user)
    assert done.returncode == 0, done.stderr
    return [json.loads(line)["path"] for line in done.stdout.splitlines()]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def shared_library() -> Iterator[Path]:
    """A library made by root, readable by everyone, writable by root only."""
    base = Path(tempfile.mkdtemp(prefix="albumen-ro-"))
    os.chmod(base, 0o755)
    root = base / "photos"
    for i in range(5):
        write_file(root / f"p{i}.jpg", jpeg_bytes(color=(i * 40, 10, 10)))
    assert albumen("scan", str(root)).returncode == 0
    assert albumen("thumbs", str(root)).returncode == 0
    for p in [base, *base.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    yield root
    shutil.rmtree(base, ignore_errors=True)


def test_a_library_the_user_may_only_read_is_listed(shared_library: Path) -> None:
    user = as_unprivileged_user()
    lib = shared_library / ".albumen"
    before = snapshot(lib)
    assert listing(shared_library, user) == [f"p{i}.jpg" for i in range(5)]
    stats = albumen("stats", str(shared_library), "--json", user=user)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["assets"] == 5
    assert json.loads(stats.stdout)["thumbnails"]["l2_disk_entries"] == 5
    table = albumen("ls", str(shared_library), user=user)
    assert table.returncode == 0 and "5 assets" in table.stdout
    assert snapshot(lib) == before  # nothing written
    scan = albumen("scan", str(shared_library), user=user)
    assert scan.returncode == 2 and len(scan.stderr.strip().splitlines()) == 1


def test_a_reader_without_write_access_sees_what_a_running_writer_committed(
    shared_library: Path,
) -> None:
    user = as_unprivileged_user()
    if not user:
        pytest.skip("needs root to run the reader as another user")
    db = shared_library / ".albumen" / "library.db"
    writer = sqlite3.connect(db, isolation_level=None)  # as a scan holds it: WAL files exist
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute(
            "UPDATE assets SET path = CAST('renamed.jpg' AS BLOB) WHERE path = ?", (b"p0.jpg",)
        )
        for name in ("library.db-wal", "library.db-shm"):
            os.chmod(db.parent / name, 0o644)
        assert listing(shared_library, user)[-1] == "renamed.jpg"  # read through the WAL
    finally:
        writer.close()


@pytest.fixture
def read_only_media(tmp_path: Path) -> Iterator[Path]:
    """A library on a file system mounted read-only (a tmpfs, remounted; root only)."""
    if os.geteuid() != 0:
        pytest.skip("mounting needs root")
    disk = tmp_path / "media"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        root = disk / "photos"
        for i in range(4):
            write_file(root / "2024" / f"p{i}.jpg", jpeg_bytes(color=(9, i * 50, 9)))
        assert albumen("scan", str(root)).returncode == 0
        assert albumen("thumbs", str(root)).returncode == 0
        remount = subprocess.run(
            ["mount", "-o", "remount,ro", str(disk)], capture_output=True, check=False
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.decode().strip()}")
        yield root
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_library_on_read_only_media_is_listed(read_only_media: Path) -> None:
    assert listing(read_only_media) == [f"2024/p{i}.jpg" for i in range(4)]
    stats = albumen("stats", str(read_only_media), "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["assets"] == 4
    with Library.open(read_only_media, read_only=True) as lib:
        assert len(lib) == 4
        page = lib.finder().count
        from albumen.store.query import AssetQuery

        assert page(AssetQuery()) == 4
    for command in ("scan", "thumbs"):
        done = albumen(command, str(read_only_media))
        assert done.returncode == 2, done
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("albumen: error: ")


def test_read_only_open_creates_nothing(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write_file(root / "a.jpg", jpeg_bytes())
    with pytest.raises(LibraryError):
        Library.open(root, read_only=True)
    assert not (root / ".albumen").exists()
    done = albumen("ls", str(root))
    assert done.returncode == 2 and "run `albumen scan" in done.stderr
    assert not (root / ".albumen").exists()
