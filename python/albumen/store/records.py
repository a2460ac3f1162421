"""The plain data that crosses the storage seam: probe records going in, and the small typed
rows the scan, Live Photo pairing and thumbnail work read back.

Paths are OS bytes relative to the library root (``os.fsencode``), so names that are not
valid UTF-8 round-trip. ``rowid`` is a store's integer key of a row: it stays while the file
does (also across a move), and Live Photo partners point at it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "RECORD_FIELDS",
    "KnownFile",
    "KnownRow",
    "LibraryTotals",
    "LiveCandidate",
    "LivePairing",
    "Preview",
    "Record",
    "ThumbnailCounts",
    "ThumbnailTarget",
    "derive_folder",
    "parse_previews",
    "path_bytes",
]

#: A probe record (the dicts ``albumen._core.probe`` yields): keyed like ``RECORD_FIELDS``;
#: ``path`` (str or OS bytes, relative) is required, a missing field is unknown.
Record = Mapping[str, Any]

#: What a record holds, in the order the stores keep it.
RECORD_FIELDS: tuple[str, ...] = (
    "id",
    "path",
    "folder",
    "kind",
    "mime",
    "size",
    "mtime_ns",
    "width",
    "height",
    "display_width",
    "display_height",
    "orientation",
    "captured_at",
    "captured_offset",
    "captured_at_source",
    "sort_time",
    "make",
    "model",
    "lens",
    "iso",
    "f_number",
    "exposure_time",
    "focal_length",
    "gps_lat",
    "gps_lon",
    "gps_alt",
    "duration",
    "codec",
    "frame_rate",
    "content_id",
    "preview_offset",
    "preview_length",
    "previews",
    "error",
    "warnings",
)


class Preview(NamedTuple):
    """An embedded preview a file carries, as the probe found it: what carries it (``"mpf"``,
    ``"exif"``, ``"heif"``, ``"raw"``), its pixel size as stored (before orientation, which it
    shares with the main image) and the byte range of its coded data in the file."""

    kind: str
    width: int
    height: int
    offset: int
    length: int


def parse_previews(text: str | None) -> tuple[Preview, ...]:
    """The previews of a record's ``previews`` field (``kind:WxH@offset+length`` entries joined
    by ``;``). Entries that do not parse are left out, so a damaged value means fewer previews,
    never an error."""
    if not text:
        return ()
    out = []
    for entry in text.split(";"):
        kind, _, rest = entry.partition(":")
        size, _, span = rest.partition("@")
        w, _, h = size.partition("x")
        offset, _, length = span.partition("+")
        try:
            p = Preview(kind, int(w), int(h), int(offset), int(length))
        except ValueError:
            continue
        if kind and p.width > 0 and p.height > 0 and p.offset >= 0 and p.length > 0:
            out.append(p)
    return tuple(out)


def path_bytes(path: str | bytes | os.PathLike[str]) -> bytes:
    """A relative path as the OS bytes the stores key rows by."""
    if isinstance(path, bytes):
        return path
    return os.fsencode(path)


def derive_folder(path: bytes) -> bytes:
    """The folder part of a relative path (``b""`` for files at the root)."""
    head, _sep, _tail = path.rpartition(b"/")
    return head


class KnownFile(NamedTuple):
    """What an incremental scan compares a walked file with."""

    size: int
    mtime_ns: int
    rowid: int
    id: str | None  # content hash; None when the file could not be read


#: ``(path, size, mtime_ns, rowid, id)``: a ``KnownFile`` with its path, as a plain tuple (a
#: scan streams a million of them)
KnownRow = tuple[bytes, int, int, int, str | None]


@dataclass(frozen=True)
class LiveCandidate:
    """A row whose Live Photo pairing may change, with its current pairing."""

    rowid: int
    path: bytes
    folder: bytes
    kind: str
    content_id: str | None
    captured_at: str | None
    captured_offset: int | None
    partner: int | None
    confidence: float | None
    hidden: bool


class LivePairing(NamedTuple):
    """The pairing a row should have: its partner's rowid (None: unpaired), the rule's
    confidence, and whether it is the hidden (motion) half."""

    rowid: int
    partner: int | None
    confidence: float | None
    hidden: bool


class ThumbnailTarget(NamedTuple):
    """What thumbnail work needs of a readable asset."""

    rowid: int
    id: str
    path: bytes
    kind: str
    mime: str | None
    mtime_ns: int
    orientation: int | None
    preview_offset: int | None
    preview_length: int | None
    has_micro: bool
    thumb_error: str | None
    width: int | None = None  # stored pixel size of the main image
    height: int | None = None
    previews: str | None = None  # the record's embedded previews (see ``parse_previews``)


def thumbnail_target_of(row: Sequence[Any]) -> ThumbnailTarget:
    """A ``ThumbnailTarget`` from a store's row of its fields in order (``has_micro`` as a
    truth value, ``path`` as any bytes-like value)."""
    return ThumbnailTarget(
        row[0], row[1], bytes(row[2]), row[3], row[4], row[5], row[6], row[7], row[8],
        bool(row[9]), row[10], row[11], row[12], row[13],
    )  # fmt: skip


class ThumbnailCounts(NamedTuple):
    """Thumbnail state of a library."""

    readable: int  # assets a thumbnail can be tried for
    unreadable: int  # assets the scan could not read
    micro: int  # micro thumbnails stored
    micro_bytes: int
    failed: int  # assets whose thumbnail failed (recorded, not retried until they change)


class LibraryTotals(NamedTuple):
    """Totals that are not counts of a query."""

    bytes: int
    folders: int
    first_sort_time: int | None
    last_sort_time: int | None
