"""Live Photo pairing: a still and its motion clip become one item.

Rules, strongest first:

1. **ContentIdentifier** (confidence 1.0): a photo and a video carrying the same Apple
   ContentIdentifier (the still's Apple maker note, the movie's
   ``com.apple.quicktime.content.identifier``) are a pair, wherever they sit.
2. **Same folder, same stem, close capture times** (confidence 0.7): ``IMG_0001.HEIC`` and
   ``IMG_0001.MOV`` (stems compared case-insensitively) whose capture times are within 3 s, for
   copies that lost their identifiers.

A pair is stored both ways (``live_partner`` holds the partner's rowid, ``live_confidence`` the
rule's confidence) and the motion half gets ``hidden = 1``: it leaves normal listings but stays
in the library. Each file pairs at most once; ties are broken by path, so the result does not
depend on scan order. After a scan only the changed neighbourhood is recomputed: the folders of
changed or removed files, the rows sharing their ContentIdentifiers, and their current
partners. Pairs elsewhere are not touched, so pairing is stable across runs.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "CONTENT_ID_CONFIDENCE",
    "MAX_SECONDS_APART",
    "STEM_CONFIDENCE",
    "PairingReport",
    "update_live_pairs",
]

CONTENT_ID_CONFIDENCE = 1.0
STEM_CONFIDENCE = 0.7
MAX_SECONDS_APART = 3.0


@dataclass
class PairingReport:
    """What one pairing pass looked at and what it stored."""

    considered: int = 0
    pairs: int = 0
    by_content_id: int = 0
    by_stem: int = 0


@dataclass
class _Row:
    rowid: int
    path: bytes
    folder: bytes
    kind: str
    content_id: str | None
    captured_at: str | None
    captured_offset: int | None
    partner: int | None
    confidence: float | None
    hidden: int

    @property
    def stem(self) -> bytes:
        name = self.path.rsplit(b"/", 1)[-1]
        return os.path.splitext(name)[0].lower()

    def instant(self) -> tuple[datetime, bool] | None:
        """(time, is_utc): UTC when the offset is known, else the local wall-clock time."""
        if not self.captured_at:
            return None
        try:
            t = datetime.fromisoformat(self.captured_at)
        except ValueError:
            return None
        if self.captured_offset is None:
            return t, False
        return t - timedelta(minutes=self.captured_offset), True


def _close_in_time(a: _Row, b: _Row) -> bool:
    ta, tb = a.instant(), b.instant()
    if ta is None or tb is None:
        return False
    if ta[1] == tb[1]:
        return abs((ta[0] - tb[0]).total_seconds()) <= MAX_SECONDS_APART
    # One side is naive local time: also accept the same wall-clock time.
    la = datetime.fromisoformat(a.captured_at or "")
    lb = datetime.fromisoformat(b.captured_at or "")
    return abs((la - lb).total_seconds()) <= MAX_SECONDS_APART


_COLUMNS = (
    "rowid, path, folder, kind, content_id, captured_at, captured_offset, live_partner, "
    "live_confidence, hidden"
)


def _rows(conn: sqlite3.Connection, where: str, args: Iterable[object]) -> list[_Row]:
    cur = conn.execute(f"SELECT {_COLUMNS} FROM assets WHERE {where}", tuple(args))
    return [
        _Row(r[0], bytes(r[1]), bytes(r[2]), r[3], r[4] or None, r[5], r[6], r[7], r[8], r[9])
        for r in cur
    ]


def _chunks(items: Sequence[object], n: int = 500) -> Iterable[list[object]]:
    for i in range(0, len(items), n):
        yield list(items[i : i + n])


def _pool(
    conn: sqlite3.Connection, changed: set[bytes], removed: set[bytes], full: bool
) -> dict[int, _Row]:
    """The rows whose pairing may change: in the affected folders (all folders with ``full``),
    those that could pair by stem (folders holding both a still and a clip), those paired now,
    and every row sharing a ContentIdentifier with them; plus rows whose partner is gone and
    the current partners of all of these. Candidate discovery runs in SQL, so a library
    without Live Photos costs a few index lookups."""
    pool: dict[int, _Row] = {}

    def add(where: str, args: Iterable[object]) -> None:
        pool.update((r.rowid, r) for r in _rows(conn, where, args))

    def marks(n: int) -> str:
        return ",".join("?" * n)

    if full:
        scopes: list[tuple[str, list[object]]] = [("1", [])]
    else:
        folders = {p.rsplit(b"/", 1)[0] if b"/" in p else b"" for p in changed | removed}
        scopes = [(f"folder IN ({marks(len(c))})", c) for c in _chunks(sorted(folders))]
    for scope, args in scopes:
        mixed = [
            r[0]
            for r in conn.execute(
                f"SELECT folder FROM assets WHERE {scope} AND kind IN ('photo', 'video') "
                "GROUP BY folder HAVING count(DISTINCT kind) = 2",
                args,
            )
        ]
        for chunk in _chunks(mixed):
            add(f"folder IN ({marks(len(chunk))})", chunk)
        add(f"{scope} AND live_partner IS NOT NULL", args)
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT content_id FROM assets WHERE {scope} AND content_id IS NOT NULL",
                args,
            )
        ]
        for chunk in _chunks(ids):
            add(f"content_id IN ({marks(len(chunk))})", chunk)
    # Rows whose partner is gone (removed or moved away) must be unpaired.
    add("live_partner IS NOT NULL AND live_partner NOT IN (SELECT rowid FROM assets)", ())
    partners = [r.partner for r in pool.values() if r.partner is not None]
    for chunk in _chunks(partners):
        add(f"rowid IN ({marks(len(chunk))})", chunk)
    return pool


def _match(pool: dict[int, _Row]) -> list[tuple[_Row, _Row, float]]:
    rows = sorted(pool.values(), key=lambda r: r.path)
    taken: set[int] = set()
    pairs: list[tuple[_Row, _Row, float]] = []
    by_id: dict[str, tuple[list[_Row], list[_Row]]] = {}
    for r in rows:
        if r.content_id and r.kind in ("photo", "video"):
            stills, clips = by_id.setdefault(r.content_id, ([], []))
            (stills if r.kind == "photo" else clips).append(r)
    for stills, clips in by_id.values():
        for still, clip in zip(stills, clips, strict=False):
            pairs.append((still, clip, CONTENT_ID_CONFIDENCE))
            taken.update((still.rowid, clip.rowid))
    by_stem: dict[tuple[bytes, bytes], tuple[list[_Row], list[_Row]]] = {}
    for r in rows:
        if r.rowid not in taken and r.kind in ("photo", "video"):
            stills, clips = by_stem.setdefault((r.folder, r.stem), ([], []))
            (stills if r.kind == "photo" else clips).append(r)
    for stills, clips in by_stem.values():
        for still in stills:
            free = (c for c in clips if c.rowid not in taken)
            match = next((c for c in free if _close_in_time(still, c)), None)
            if match is not None:
                pairs.append((still, match, STEM_CONFIDENCE))
                taken.update((still.rowid, match.rowid))
    return pairs


def update_live_pairs(
    conn: sqlite3.Connection,
    changed: Iterable[bytes] = (),
    removed: Iterable[bytes] = (),
    *,
    full: bool = False,
) -> PairingReport:
    """Recompute Live Photo pairs around ``changed`` and ``removed`` paths (raw bytes relative
    to the root), or for the whole library with ``full=True``. Runs in the caller's
    transaction when one is open; returns what it did."""
    changed_set, removed_set = set(changed), set(removed)
    report = PairingReport()
    if not full and not changed_set and not removed_set:
        dangling = conn.execute(
            "SELECT 1 FROM assets WHERE live_partner IS NOT NULL "
            "AND live_partner NOT IN (SELECT rowid FROM assets) LIMIT 1"
        ).fetchone()
        if dangling is None:
            return report
    pool = _pool(conn, changed_set, removed_set, full)
    report.considered = len(pool)
    pairs = _match(pool)
    new: dict[int, tuple[int, float, int]] = {}
    for still, clip, confidence in pairs:
        new[still.rowid] = (clip.rowid, confidence, 0)
        new[clip.rowid] = (still.rowid, confidence, 1)
        report.pairs += 1
        if confidence == CONTENT_ID_CONFIDENCE:
            report.by_content_id += 1
        else:
            report.by_stem += 1
    # Write only the rows whose pairing changes (a fresh scan of a library without Live Photos
    # writes nothing).
    updates = []
    for rowid in sorted(pool):
        row = pool[rowid]
        state = new.get(rowid, (None, None, 0))
        if state != (row.partner, row.confidence, row.hidden):
            updates.append((*state, rowid))
    conn.executemany(
        "UPDATE assets SET live_partner = ?, live_confidence = ?, hidden = ? WHERE rowid = ?",
        updates,
    )
    return report
