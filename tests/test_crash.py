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
