"""A scan killed with SIGKILL at any moment leaves a sound database; the next scan finishes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from albumen import Library
from albumen.testing.corpus import generate_corpus

N_FILES = 3000

# Scans ROOT and prints each progress step; `delay` seconds per batch stand in for a slow disk so
# the kill lands while batches are still being written.
SCAN = textwrap.dedent(
    """
    import sys, time
    from albumen import Library
    delay = float(sys.argv[2])
    def progress(done, total):
        print(done, total, flush=True)
        time.sleep(delay)
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


def scan_and_kill(root: Path, kill_after_lines: int, delay: float = 0.02) -> int:
    """Start a scan, SIGKILL it after it reported ``kill_after_lines`` progress steps; return
    the last ``processed`` count it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SCAN, str(root), str(delay)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    last = 0
    try:
        for _ in range(kill_after_lines):
            line = proc.stdout.readline()
            assert proc.stderr is not None
            assert line and line != "finished\n", f"scan ended early: {proc.stderr.read()}"
            last = int(line.split()[0])
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
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
    for kill_after in (2, 3, 3):  # at most 11 of the 12 batches land, whatever the timing
        printed = scan_and_kill(big_tree, kill_after)
        now = check_sound(db)
        # every batch reported before the kill was committed; the kill came before the end
        assert printed <= now < N_FILES or now == N_FILES
        assert now >= stored
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
