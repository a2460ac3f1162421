"""Model-based test of incremental scans: hypothesis drives random sequences of adds, edits,
renames, moves between folders and deletes, with a scan now and then; after every scan the
library equals the folder (every file has exactly one row, with its size and mtime, no row
without a file), the report counts what the model expects (added, updated, moved, removed,
unchanged), a renamed or moved file keeps its row, and the database is sound.

Derandomised: CI runs the same examples every time (``ALBUMEN_HYPOTHESIS_EXAMPLES`` raises the
count)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from albumen import Library
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from scan_helpers import jpeg_bytes

EXAMPLES = int(os.environ.get("ALBUMEN_HYPOTHESIS_EXAMPLES", "30"))
FOLDERS = ["", "2023", "2023/trip", "2024", "other folder"]
NAMES = st.sampled_from([f"{stem}.{ext}" for stem in "abcdefgh" for ext in ("jpg", "JPG")])
MAX_FILES = 40  # below the mass-removal threshold (more than 100 rows)


def content(seed: int) -> bytes:
    """A small real JPEG, different for every seed (the seed also follows the end marker)."""
    return jpeg_bytes(color=(seed % 256, seed // 256 % 256, 77)) + seed.to_bytes(4, "big")


class IncrementalScanModel(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="albumen-scan-model-"))
        self.root = self.base / "photos"
        self.root.mkdir()
        self.lib = Library.open(self.root)
        self.seed = 0
        self.tick = 1_700_000_000_000_000_000
        self.files: dict[str, int] = {}  # relative path -> content seed (the model)
        self.at_last_scan: dict[str, tuple[int, int]] = {}  # path -> (seed, mtime_ns)
        self.rowids: dict[str, int] = {}  # path -> rowid after the last scan

    def teardown(self) -> None:
        self.lib.close()
        shutil.rmtree(self.base, ignore_errors=True)

    # -- changes to the folder ---------------------------------------------------------------

    def _write(self, rel: str, seed: int) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content(seed))
        self.tick += 1_000_000_000  # a distinct mtime per write, as a second passing does
        os.utime(path, ns=(self.tick, self.tick))
        self.files[rel] = seed

    def _free(self, folder: str, name: str) -> str | None:
        rel = f"{folder}/{name}" if folder else name
        taken = {p.lower() for p in self.files}
        return None if rel.lower() in taken else rel

    @rule(folder=st.sampled_from(FOLDERS), name=NAMES)
    def add(self, folder: str, name: str) -> None:
        rel = self._free(folder, name)
        if rel is not None and len(self.files) < MAX_FILES:
            self.seed += 1
            self._write(rel, self.seed)

    # (rules that need a file do nothing in an empty folder: preconditions would make
    # hypothesis discard many short examples)
    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        if not self.files:
            return
        rel = data.draw(st.sampled_from(sorted(self.files)))
        self.seed += 1
        self._write(rel, self.seed)

    @rule(data=st.data(), folder=st.sampled_from(FOLDERS), name=NAMES)
    def rename_or_move(self, data: st.DataObject, folder: str, name: str) -> None:
        if not self.files:
            return
        old = data.draw(st.sampled_from(sorted(self.files)))
        new = self._free(folder, name)
        if new is None:
            return
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.root / old, self.root / new)
        self.files[new] = self.files.pop(old)

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        if not self.files:
            return
        rel = data.draw(st.sampled_from(sorted(self.files)))
        (self.root / rel).unlink()
        del self.files[rel]

    # -- a scan, and what must hold after it --------------------------------------------------

    @rule()
    def scan(self) -> None:
        now = {
            rel: (seed, (self.root / rel).stat().st_mtime_ns) for rel, seed in self.files.items()
        }
        before = self.at_last_scan
        vanished = {p: v for p, v in before.items() if p not in now}
        appeared = {p: v for p, v in now.items() if p not in before}
        vanished_seeds = {seed: p for p, (seed, _m) in vanished.items()}
        moves = {
            p: vanished_seeds[seed] for p, (seed, _m) in appeared.items() if seed in vanished_seeds
        }
        changed = [p for p in now if p in before and now[p] != before[p]]

        report = self.lib.scan()

        assert report.errors == []
        assert report.files == len(now)
        assert report.moved == len(moves)
        assert report.added == len(appeared) - len(moves)
        assert report.removed == len(vanished) - len(moves)
        assert report.updated == len(changed) + len(moves)
        assert report.unchanged == len(now) - len(changed) - len(appeared)

        rows = {a.path: a for a in self.lib.assets()}
        assert set(rows) == set(now), "the library equals the folder"
        ids: dict[int, str] = {}
        for rel, row in rows.items():
            seed, mtime = now[rel]
            assert row.size == len(content(seed))
            assert row.mtime_ns == mtime
            assert row.error is None
            assert row.id is not None and ids.setdefault(seed, row.id) == row.id
        assert len(set(ids.values())) == len(ids), "distinct content, distinct ids"
        for new, old in moves.items():
            assert rows[new].rowid == self.rowids[old], "a moved file keeps its row"
        for rel in now:
            if rel in before and rel not in changed:
                assert rows[rel].rowid == self.rowids[rel]
        with sqlite3.connect(self.lib.library_dir / "library.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            dup = conn.execute("SELECT count(*) - count(DISTINCT path) FROM assets").fetchone()
            assert dup[0] == 0
        self.at_last_scan = now
        self.rowids = {rel: row.rowid for rel, row in rows.items()}

        again = self.lib.scan()  # a second scan right after finds nothing to do
        assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, len(now))


TestIncrementalScanModel = IncrementalScanModel.TestCase
TestIncrementalScanModel.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
