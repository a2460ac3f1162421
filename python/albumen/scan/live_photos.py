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
depend on scan order. After a scan only the changed neighbourhood is recomputed (the store finds
it: ``AssetStore.live_candidates``): the folders of changed or removed files, the rows sharing
their ContentIdentifiers, and their current partners. Pairs elsewhere are not touched, so
pairing is stable across runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from albumen.store.protocols import AssetStore
from albumen.store.records import LiveCandidate, LivePairing
from albumen.store.times import capture_instant

__all__ = [
    "CONTENT_ID_CONFIDENCE",
    "MAX_SECONDS_APART",
    "STEM_CONFIDENCE",
    "LivePair",
    "PairingReport",
    "update_live_pairs",
]

CONTENT_ID_CONFIDENCE = 1.0
STEM_CONFIDENCE = 0.7
MAX_SECONDS_APART = 3.0


class LivePair(NamedTuple):
    """A Live Photo: the ``still`` and ``motion`` paths (relative to the root, see
    ``albumen.paths``) and the ``confidence`` of the rule that paired them."""

    still: str
    motion: str
    confidence: float

    @property
    def still_bytes(self) -> bytes:
        return os.fsencode(self.still)

    @property
    def motion_bytes(self) -> bytes:
        return os.fsencode(self.motion)

    @classmethod
    def of(cls, still: bytes, motion: bytes, confidence: float) -> LivePair:
        """A pair as a store keeps it (OS bytes)."""
        return cls(os.fsdecode(still), os.fsdecode(motion), confidence)


@dataclass
class PairingReport:
    """What one pairing pass looked at and what it stored."""

    considered: int = 0
    pairs: int = 0
    by_content_id: int = 0
    by_stem: int = 0


def _stem(row: LiveCandidate) -> bytes:
    name = row.path.rsplit(b"/", 1)[-1]
    return os.path.splitext(name)[0].lower()


def _close_in_time(a: LiveCandidate, b: LiveCandidate) -> bool:
    try:
        ta, a_utc = capture_instant(a.captured_at, a.captured_offset)
        tb, b_utc = capture_instant(b.captured_at, b.captured_offset)
        if a_utc != b_utc:  # one side is naive local time: compare the wall-clock times
            ta = datetime.fromisoformat(a.captured_at or "").replace(tzinfo=None)
            tb = datetime.fromisoformat(b.captured_at or "").replace(tzinfo=None)
    except ValueError:
        return False
    return abs((ta - tb).total_seconds()) <= MAX_SECONDS_APART


def _match(pool: list[LiveCandidate]) -> list[tuple[LiveCandidate, LiveCandidate, float]]:
    rows = sorted(pool, key=lambda r: r.path)
    taken: set[int] = set()
    pairs: list[tuple[LiveCandidate, LiveCandidate, float]] = []
    by_id: dict[str, tuple[list[LiveCandidate], list[LiveCandidate]]] = {}
    for r in rows:
        if r.content_id and r.kind in ("photo", "video"):
            stills, clips = by_id.setdefault(r.content_id, ([], []))
            (stills if r.kind == "photo" else clips).append(r)
    for stills, clips in by_id.values():
        for still, clip in zip(stills, clips, strict=False):
            pairs.append((still, clip, CONTENT_ID_CONFIDENCE))
            taken.update((still.rowid, clip.rowid))
    by_stem: dict[tuple[bytes, bytes], tuple[list[LiveCandidate], list[LiveCandidate]]] = {}
    for r in rows:
        if r.rowid not in taken and r.kind in ("photo", "video"):
            stills, clips = by_stem.setdefault((r.folder, _stem(r)), ([], []))
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
    store: AssetStore,
    changed: Iterable[bytes] = (),
    removed: Iterable[bytes] = (),
    *,
    full: bool = False,
) -> PairingReport:
    """Recompute Live Photo pairs around ``changed`` and ``removed`` paths (OS bytes relative
    to the root), or for the whole library with ``full=True``; returns what it did."""
    pool = store.live_candidates(set(changed), set(removed), full=full)
    report = PairingReport(considered=len(pool))
    new: dict[int, tuple[int | None, float | None, bool]] = {}
    for still, clip, confidence in _match(pool):
        new[still.rowid] = (clip.rowid, confidence, False)
        new[clip.rowid] = (still.rowid, confidence, True)
        report.pairs += 1
        if confidence == CONTENT_ID_CONFIDENCE:
            report.by_content_id += 1
        else:
            report.by_stem += 1
    # write only the rows whose pairing changes (a fresh scan without Live Photos writes nothing)
    updates = [
        LivePairing(row.rowid, *state)
        for row in sorted(pool, key=lambda r: r.rowid)
        if (state := new.get(row.rowid, (None, None, False)))
        != (row.partner, row.confidence, row.hidden)
    ]
    store.set_live_pairs(updates)
    return report
