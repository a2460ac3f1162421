"""``Asset``: one indexed photo or video with every field of its record, as ``Library.assets``
yields it.

A typed, immutable record (a ``NamedTuple``: fields by name, ``_asdict()``, ``_replace()``,
hashable). Paths follow albumen's convention (``albumen.paths``): ``path`` and ``folder`` are
``str`` relative to the root, ``path_bytes`` the raw OS bytes. ``captured_at`` is a
``datetime``: aware (with its UTC offset) when the file states the offset, naive local
wall-clock time otherwise.

Every store selects rows in ``ASSET_COLUMNS`` order and builds records with ``assets_of``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

__all__ = ["ASSET_COLUMNS", "Asset", "asset_of", "assets_of", "capture_datetime"]

#: What a store selects for an ``Asset``, in this order (its own names for the fields).
ASSET_COLUMNS: tuple[str, ...] = (
    "rowid",
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
    "live_partner",
    "live_confidence",
    "hidden",
    "thumb_error",
    "micro_thumb",
)


class Asset(NamedTuple):
    """One photo or video of a library, every field of its record.

    Identity and file: ``rowid`` (the store's key of the row: stable while the file stays,
    also across a move), ``id`` (content hash: stable across renames and moves; None when the
    file could not be read), ``path``/``folder`` (relative to the root), ``path_bytes``,
    ``kind`` (``"photo"`` or ``"video"``), ``mime``, ``size`` (bytes), ``mtime_ns``.

    Pixels: ``width``/``height`` as stored, ``display_width``/``display_height`` after the
    orientation, ``orientation`` (EXIF 1-8).

    Time: ``captured_at`` (see the module docs), ``captured_offset`` (minutes east of UTC, when
    known), ``captured_at_source`` (the tag it came from, ``"file:mtime"`` as a last resort),
    ``sort_time`` (milliseconds since the epoch: UTC when the offset is known, else the local
    time taken as UTC; the gallery's order).

    Camera: ``make``, ``model``, ``lens``, ``iso``, ``f_number``, ``exposure_time`` (seconds),
    ``focal_length`` (mm). Place: ``gps_lat``, ``gps_lon`` (degrees), ``gps_alt`` (metres).
    Video: ``duration`` (seconds), ``codec``, ``frame_rate``.

    Live Photos: ``content_id`` (Apple ContentIdentifier), ``live_partner`` (the partner's
    ``rowid``), ``live_confidence``, ``hidden`` (the motion half of a pair).

    Problems and placeholders: ``error`` (why probing failed), ``warnings`` (metadata a sound
    file carries that could not be read, ``; ``-separated), ``thumb_error`` (why the
    thumbnail failed), ``micro_thumbnail`` (a JPEG of at most 32 px, once ``albumen thumbs`` or
    ``Library.thumbnails`` made it). ``preview_offset``/``preview_length`` locate a RAW file's
    embedded JPEG preview; ``previews`` lists every embedded preview the probe found
    (``albumen.store.records.parse_previews`` reads it).
    """

    rowid: int
    id: str | None
    path: str
    path_bytes: bytes
    folder: str
    kind: str
    mime: str
    size: int
    mtime_ns: int
    width: int | None
    height: int | None
    display_width: int | None
    display_height: int | None
    orientation: int | None
    captured_at: datetime | None
    captured_offset: int | None
    captured_at_source: str | None
    sort_time: int | None
    make: str | None
    model: str | None
    lens: str | None
    iso: int | None
    f_number: float | None
    exposure_time: float | None
    focal_length: float | None
    gps_lat: float | None
    gps_lon: float | None
    gps_alt: float | None
    duration: float | None
    codec: str | None
    frame_rate: float | None
    content_id: str | None
    preview_offset: int | None
    preview_length: int | None
    previews: str | None
    error: str | None
    warnings: str | None
    live_partner: int | None
    live_confidence: float | None
    hidden: bool
    thumb_error: str | None
    micro_thumbnail: bytes | None

    @property
    def name(self) -> str:
        """The file name."""
        return self.path.rpartition("/")[2]

    @property
    def is_live(self) -> bool:
        """Whether this is half of a Live Photo pair."""
        return self.live_partner is not None

    @property
    def has_gps(self) -> bool:
        return self.gps_lat is not None and self.gps_lon is not None

    @property
    def aspect_ratio(self) -> float:
        """Display width / height; 1.0 when unknown."""
        w, h = self.display_width, self.display_height
        return w / h if w and h else 1.0

    def __repr__(self) -> str:
        return f"Asset(rowid={self.rowid}, path={self.path!r}, kind={self.kind!r})"


_SUFFIXES: dict[int, str] = {}


def _suffix(offset_minutes: int) -> str:
    """``+HH:MM`` of a UTC offset in minutes (cached: a library has a handful)."""
    suffix = _SUFFIXES.get(offset_minutes)
    if suffix is None:
        sign = "-" if offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(offset_minutes), 60)
        suffix = _SUFFIXES[offset_minutes] = f"{sign}{hours:02d}:{minutes:02d}"
    return suffix


_parse_iso = datetime.fromisoformat


def capture_datetime(captured_at: str | None, offset_minutes: int | None) -> datetime | None:
    """A stored capture time (local ISO 8601 text + UTC offset in minutes) as a ``datetime``:
    aware when the offset is known, naive otherwise; None without one (or for text that is
    not ISO 8601, which a store never holds)."""
    if not captured_at:
        return None
    try:  # one parse, offset included: the common case
        return _parse_iso(
            captured_at if offset_minutes is None else captured_at + _suffix(offset_minutes)
        )
    except ValueError:
        pass
    try:  # the text carries an offset of its own (it wins), or is not ISO 8601
        when = _parse_iso(captured_at)
    except ValueError:
        return None
    if offset_minutes is not None and when.tzinfo is None:
        return when.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    return when


# ``os.fsdecode`` is ``bytes.decode`` with these: the same result, minus a call per row
_ENCODING = sys.getfilesystemencoding()
_ERRORS = sys.getfilesystemencodeerrors()
_new: Callable[..., Asset] = tuple.__new__


def asset_of(row: Sequence[Any]) -> Asset:
    """An ``Asset`` from a row in ``ASSET_COLUMNS`` order (paths as OS bytes, the capture time
    as stored text, ``hidden`` as a number). Extra trailing values (a keyset key) are
    ignored."""
    return assets_of([row])[0]


def assets_of(rows: Iterable[Sequence[Any]]) -> list[Asset]:
    """``asset_of`` of many rows: the loop of ``Library.assets``, kept tight (locals, one
    tuple per record, the capture time parsed in one call)."""
    enc, err, new, cls, parse, suffixes = _ENCODING, _ERRORS, _new, Asset, _parse_iso, _SUFFIXES
    out: list[Asset] = []
    append = out.append
    for row in rows:
        raw = bytes(row[2])
        folder = row[3]
        text = row[13]
        offset = row[14]
        when: datetime | None = None
        if text:
            try:
                when = parse(
                    text if offset is None else text + (suffixes.get(offset) or _suffix(offset))
                )
            except ValueError:
                when = capture_datetime(text, offset)
        append(
            new(
                cls,
                (
                    row[0],
                    row[1],
                    raw.decode(enc, err),
                    raw,
                    bytes(folder).decode(enc, err) if folder else "",
                    *row[4:13],
                    when,
                    *row[14:38],
                    bool(row[38]),
                    row[39],
                    row[40],
                ),
            )
        )
    return out
