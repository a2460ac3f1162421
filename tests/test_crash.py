"""A scan or a thumbnail run killed with SIGKILL at any moment leaves a sound database and a
cache that never serves a partial file; the next run finishes the job. The kill moment is
decided by progress lines (the child waits on stdin), never by sleeping."""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from albumen import Library
from albumen.scan.scanner import LIBRARY_DIRNAME
from albumen.testing.corpus import generate_corpus

N_FILES = 3000

# Scans ROOT and prints each progress step (published once a batch is committed), then waits
# for a line on stdin before it goes on: the test decides, step by step, where the kill lands.
SCAN = textwrap.dedent(
    """
    import sys
    from albumen import Library
    def progress(done, total):
        print(done, total, flush=True)
        sys.stdin.readline()
    with Library.open(sys.argv[1]) as lib:
        lib.scan(progress=progress, workers=1)
    print("finished", flush=True)
    """
)


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash")
    generate_corpus(root, N_FILES, seed=3, extras=False, bases=12)
    return root


def scan_and_kill(root: Path, kill_after_lines: int) -> int:
    """Start a scan, SIGKILL it while it waits after its ``kill_after_lines``-th progress step;
    return the last ``processed`` count it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SCAN, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    last = 0
    try:
        for step in range(1, kill_after_lines + 1):
            line = proc.stdout.readline()
            assert line and line != "finished\n", f"scan ended early: {proc.stderr.read()}"
            last = int(line.split()[0])
            if step < kill_after_lines:
                proc.stdin.write("go\n")
                proc.stdin.flush()
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    assert proc.returncode == -signal.SIGKILL
    return last


def check_sound(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        return int(conn.execute("SELECT count(*) FROM assets").fetchone()[0])
    finally:
        conn.close()


def test_sigkill_mid_scan_then_a_rescan_completes(big_tree: Path) -> None:
    db = big_tree / ".albumen" / "library.db"
    stored = 0
    for kill_after in (2, 3, 4):
        printed = scan_and_kill(big_tree, kill_after)
        now = check_sound(db)
        # exactly the batches reported before the kill were committed (progress counts the
        # files an earlier scan stored, unchanged since, as processed too)
        assert now == printed >= stored
        stored = now
    assert 0 < stored < N_FILES, "the kills should have landed mid-scan"

    with Library.open(big_tree) as lib:
        report = lib.scan()
        assert report.files == N_FILES
        assert report.unchanged == stored
        assert report.added == N_FILES - stored
        assert report.errors == []
        assert len(lib) == N_FILES
        assert check_sound(lib.library_dir / "library.db") == N_FILES
        again = lib.scan()
        assert (again.unchanged, again.added, again.updated, again.removed) == (N_FILES, 0, 0, 0)


# -- SIGKILL at random moments, scans and thumbnails -----------------------------------------

SCAN_RUNS = 12
THUMBS_RUNS = 10

# Makes ROOT's thumbnails and prints each progress step, then waits for a line on stdin.
THUMBS = textwrap.dedent(
    """
    import sys
    from albumen import Library
    def progress(done, total):
        print(done, total, flush=True)
        sys.stdin.readline()
    with Library.open(sys.argv[1]) as lib:
        with lib.thumbnails(workers=2) as pipeline:
            pipeline.generate_all(64, progress)
    print("finished", flush=True)
    """
)


def run_and_kill(script: str, root: Path, lines: int, *, gated: bool) -> list[int]:
    """Run ``script``, SIGKILL it after its ``lines``-th progress line: while it waits for the
    test (``gated``), or just after letting it go on (the kill then lands wherever it is:
    probing, writing a batch, renaming a cache file). Returns the progress counts it printed;
    empty if it finished first."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    printed: list[int] = []
    try:
        for step in range(1, lines + 1):
            line = proc.stdout.readline()
            if not line or line == "finished\n":
                break
            printed.append(int(line.split()[0]))
            if step < lines or not gated:
                proc.stdin.write("go\n")
                proc.stdin.flush()
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=120)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    return printed


def soundness(db: Path) -> dict[bytes, tuple[str | None, bytes | None]]:
    """Integrity, no duplicate or dangling rows; ``path -> (id, micro_thumb)``."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n, distinct = conn.execute("SELECT count(*), count(DISTINCT path) FROM assets").fetchone()
        assert n == distinct, "duplicate rows"
        dangling = conn.execute(
            "SELECT count(*) FROM assets WHERE live_partner IS NOT NULL "
            "AND live_partner NOT IN (SELECT rowid FROM assets)"
        ).fetchone()[0]
        assert dangling == 0, "a Live Photo partner that is gone"
        rows = conn.execute("SELECT path, id, micro_thumb FROM assets").fetchall()
        return {bytes(p): (i, m) for p, i, m in rows}
    finally:
        conn.close()


def files_of(root: Path) -> set[bytes]:
    return {
        os.fsencode(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".jpg", ".jpeg")
        and LIBRARY_DIRNAME not in p.relative_to(root).parts
    }


@pytest.mark.long
def test_sigkill_of_scans_at_random_moments_then_the_next_scan_converges(
    tmp_path: Path,
) -> None:
    rng = random.Random(14)
    root = tmp_path / "photos"
    generate_corpus(root, 1500, seed=5, extras=False, bases=8)  # the first scan is a bulk load
    db = root / LIBRARY_DIRNAME / "library.db"
    ever: set[bytes] = set(files_of(root))
    with Library.open(root):
        pass
    every_index = index_names(db)
    for run in range(SCAN_RUNS):
        if run and rng.random() < 0.5:  # the folder changes between runs: some files go
            victims = rng.sample(sorted(files_of(root)), 40)
            for rel in victims:
                (root / os.fsdecode(rel)).unlink()
        stored_before = len(soundness(db))
        printed = run_and_kill(SCAN, root, rng.randint(1, 6), gated=rng.random() < 0.5)
        rows = soundness(db)
        assert set(rows) <= ever, "a row for a file that never was"
        assert len(rows) >= stored_before or printed, "a killed scan lost committed rows"
    with Library.open(root) as lib:
        report = lib.scan(allow_mass_removal=True)
        assert report.errors == []
        assert set(soundness(db)) == files_of(root)
        assert index_names(db) == every_index, "deferred indexes rebuilt"
        again = lib.scan()
        assert (again.added, again.updated, again.removed) == (0, 0, 0)


@pytest.mark.long
def test_sigkill_of_thumbs_at_random_moments_then_the_next_run_converges(tmp_path: Path) -> None:
    from albumen import DiskThumbnailCache
    from albumen.thumbnails.generator import thumbnail_asset_id
    from albumen.thumbnails.service import thumbnail_key
    from PIL import Image

    rng = random.Random(41)
    root = tmp_path / "photos"
    generate_corpus(root, 240, seed=9, extras=False, bases=6)
    db = root / LIBRARY_DIRNAME / "library.db"
    with Library.open(root) as lib:
        lib.scan()
    for _ in range(THUMBS_RUNS):
        run_and_kill(THUMBS, root, rng.randint(1, 240), gated=rng.random() < 0.5)
        rows = soundness(db)
        for _path, (_id, micro) in rows.items():
            if micro is not None:
                Image.open(io.BytesIO(micro)).verify()  # never half a micro thumbnail
        # the disk cache never serves a damaged file: every file it holds is whole
        cache = DiskThumbnailCache(root / LIBRARY_DIRNAME / "thumbs", min_free_bytes=0)
        mtimes = {
            bytes(p): m for p, m in sqlite3.connect(db).execute("SELECT path, mtime_ns FROM assets")
        }
        for path, (content_id, _micro) in rows.items():
            key = thumbnail_key(thumbnail_asset_id(str(content_id), mtimes[path]), (64, 64))
            data = cache.get(key)
            if data is not None:
                Image.open(io.BytesIO(data)).verify()
        assert cache.stats()["corrupt"] == 0
    with Library.open(root, thumbnail_workers=2) as lib:
        pipeline = lib.thumbnail_pipeline
        report = pipeline.generate_all(64)
        assert report.failed == 0 and report.generated + report.cached == 240
        again = pipeline.generate_all(64)
        assert (again.generated, again.cached, again.failed) == (0, 240, 0)
    assert all(micro is not None for _id, micro in soundness(db).values())


def index_names(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets' "
            "AND sql IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {r[0] for r in rows}
