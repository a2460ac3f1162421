"""The pure-Python reference scan the benchmarks compare albumen with.

It does the same work as ``Library.scan`` on a fresh library, the way a careful Python
programmer would write it with well-known libraries: walk with ``os.scandir`` (skipping hidden
entries, keeping supported extensions), read the pixel size from the JPEG SOF marker, parse the
EXIF fields albumen stores with ``exifread`` (details off), hash size + first 64 KiB + last
64 KiB with ``xxhash.xxh3_128``, and insert every record with ``sqlite3.executemany`` into a WAL
database in one transaction. It runs on one thread: exifread is pure Python, so threads would
only contend for the GIL.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import struct
from pathlib import Path
from typing import Any

import exifread
import xxhash
from albumen import _core

HEAD = 64 * 1024
logging.getLogger("exifread").setLevel(logging.CRITICAL)  # it logs every non-EXIF file
EXTENSIONS = {ext: (kind, mime) for ext, kind, mime, _ in _core.media_types()}

COLUMNS = (
    "id", "path", "folder", "kind", "mime", "size", "mtime_ns", "width", "height",
    "orientation", "captured_at", "captured_offset", "make", "model", "lens", "iso", "f_number",
    "exposure_time", "focal_length", "gps_lat", "gps_lon", "gps_alt", "error",
)  # fmt: skip


def jpeg_size(head: bytes) -> tuple[int | None, int | None]:
    """Pixel size from the first SOF marker in ``head``."""
    i = 2
    n = len(head)
    while i + 9 < n:
        if head[i] != 0xFF:
            return None, None
        marker = head[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        length = struct.unpack(">H", head[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


def _ratio(tag: Any, index: int = 0) -> float | None:
    if tag is None:
        return None
    value = tag.values[index]
    try:
        return float(value.num) / float(value.den) if value.den else None
    except AttributeError:
        return float(value)


def _dms(tag: Any, ref: Any, negative: str) -> float | None:
    if tag is None or len(tag.values) < 3:
        return None
    d, m, s = (_ratio(tag, i) or 0.0 for i in range(3))
    value = d + m / 60 + s / 3600
    return -value if ref is not None and str(ref.values).startswith(negative) else value


def _text(tag: Any) -> str | None:
    return str(tag.values).strip() if tag is not None else None


def probe(path: str, rel: str, size: int, mtime_ns: int, kind: str, mime: str) -> tuple[Any, ...]:
    error = None
    width = height = orientation = iso = None
    tags: dict[str, Any] = {}
    with open(path, "rb") as f:
        head = f.read(HEAD)
        if size > HEAD:
            f.seek(-HEAD, os.SEEK_END)
            tail = f.read(HEAD)
        else:
            tail = head
        try:
            f.seek(0)
            tags = exifread.process_file(f, details=False)
        except Exception as exc:
            error = str(exc)
    ident = xxhash.xxh3_128_hexdigest(size.to_bytes(8, "little") + head + tail)
    if not head:
        error = "empty file"
    elif head[:2] == b"\xff\xd8":
        width, height = jpeg_size(head)
    taken = _text(tags.get("EXIF DateTimeOriginal")) or _text(tags.get("EXIF DateTimeDigitized"))
    captured = None
    if taken:
        captured = taken.replace(":", "-", 2).replace(" ", "T")
        sub = _text(tags.get("EXIF SubSecTimeOriginal"))
        if sub:
            captured += "." + sub
    offset = None
    off = _text(tags.get("EXIF OffsetTimeOriginal"))
    if off and len(off) == 6:
        offset = (-1 if off[0] == "-" else 1) * (int(off[1:3]) * 60 + int(off[4:6]))
    if "Image Orientation" in tags:
        orientation = tags["Image Orientation"].values[0]
    if "EXIF ISOSpeedRatings" in tags:
        iso = tags["EXIF ISOSpeedRatings"].values[0]
    alt = _ratio(tags.get("GPS GPSAltitude"))
    alt_ref = tags.get("GPS GPSAltitudeRef")
    if alt is not None and alt_ref is not None and alt_ref.values[0] == 1:
        alt = -alt
    rel_bytes = os.fsencode(rel)
    return (
        ident,
        rel_bytes,
        rel_bytes.rpartition(b"/")[0],
        kind,
        mime,
        size,
        mtime_ns,
        width,
        height,
        orientation,
        captured,
        offset,
        _text(tags.get("Image Make")),
        _text(tags.get("Image Model")),
        _text(tags.get("EXIF LensModel")),
        iso,
        _ratio(tags.get("EXIF FNumber")),
        _ratio(tags.get("EXIF ExposureTime")),
        _ratio(tags.get("EXIF FocalLength")),
        _dms(tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef"), "S"),
        _dms(tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef"), "W"),
        alt,
        error,
    )


def reference_scan(root: Path, db_path: Path) -> int:
    """Index ``root`` into a fresh database at ``db_path``; returns the number of records."""
    rows: list[tuple[Any, ...]] = []
    stack = [(str(root), "")]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, rel))
                continue
            ext = entry.name.rpartition(".")[2].lower()
            if "." not in entry.name or ext not in EXTENSIONS or not entry.is_file():
                continue
            st = entry.stat(follow_symlinks=False)
            kind, mime = EXTENSIONS[ext]
            rows.append(probe(entry.path, rel, st.st_size, st.st_mtime_ns, kind, mime))
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS assets (rowid INTEGER PRIMARY KEY, {', '.join(COLUMNS)}, "
        "UNIQUE(path))"
    )
    with conn:
        conn.executemany(
            f"INSERT OR REPLACE INTO assets ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in COLUMNS)})",
            rows,
        )
    conn.close()
    return len(rows)
