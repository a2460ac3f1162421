"""Generate a realistic, deterministic corpus of camera-like JPEGs for tests and benchmarks.

    python -m albumen.testing.corpus OUT --count 10000 [--seed 0] [--large 3]
    python -m albumen.testing.corpus OUT --count 1000000 --tiny     # small files, fast

A few hundred small base images (gradients, shapes and an asymmetric "F" marker in the top-left
corner, so orientation can be checked by eye) are encoded once; every file is one of them with
its own EXIF APP1 segment spliced in after the JFIF header: makes, models and lenses of several
brands, all 8 orientations, capture times with sub-seconds and UTC offsets, GPS in all four
hemispheres with altitudes above and below sea level, exposure, ISO, f-number and focal length;
a few files carry no EXIF at all. Files from cameras (not phones) carry an embedded preview as
cameras write one: a JPEG Multi-Picture Format (CIPA DC-007) ``APP2`` segment after the EXIF
listing a second, smaller JPEG appended after the image (1920x1440 for the 12-megapixel files,
half the size for the others); phones' files carry none. Files sit in ``YEAR/YEAR-MM/Event``
folders with their mtime set to the capture time. A few hidden files, non-media files and
broken files (zero-byte, truncated, garbage EXIF, not a JPEG at all) are added.
``manifest.json`` records what every file's EXIF says (and its preview's size), so tests can
check a probe against it.
"""

from __future__ import annotations

import argparse
import functools
import io
import itertools
import json
import os
import random
import struct
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["MANIFEST_NAME", "generate_corpus", "generate_tiny_corpus", "main", "with_mpf_preview"]

MANIFEST_NAME = "manifest.json"
#: Makes whose files carry no MPF preview (phones).
PHONE_MAKES = frozenset({"Apple", "samsung", "Google"})

# (make, model, lenses, file-name style)
CAMERAS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("Canon", "Canon EOS R5", ("RF24-105mm F4 L IS USM", "RF50mm F1.8 STM"), "IMG_{n:04d}.JPG"),
    ("Canon", "Canon EOS 5D Mark IV", ("EF70-200mm f/2.8L IS III USM",), "IMG_{n:04d}.JPG"),
    ("NIKON CORPORATION", "NIKON Z 6_2", ("NIKKOR Z 24-70mm f/4 S",), "DSC_{n:04d}.JPG"),
    ("SONY", "ILCE-7M3", ("FE 35mm F1.8", "FE 85mm F1.8"), "DSC{n:05d}.JPG"),
    (
        "Apple",
        "iPhone 14 Pro",
        ("iPhone 14 Pro back triple camera 6.86mm f/1.78",),
        "IMG_{n:04d}.jpeg",
    ),
    ("FUJIFILM", "X-T4", ("XF18-55mmF2.8-4 R LM OIS",), "DSCF{n:04d}.JPG"),
    (
        "OLYMPUS CORPORATION",
        "E-M10MarkIII",
        ("M.Zuiko Digital ED 14-42mm F3.5-5.6 EZ",),
        "P{n:07d}.JPG",
    ),
    ("samsung", "SM-G991B", (), "{n:08d}.jpg"),
    ("Google", "Pixel 7", (), "PXL_{n:08d}.jpg"),
)
EVENTS = (
    "Beach trip", "Birthday", "Hiking", "Kyoto", "Snow day", "Garden", "Wedding", "Concert",
    "Road trip", "Museum", "Café Noël", "東京", "Grandma's 90th", "Harbour", "Picnic",
)  # fmt: skip
OFFSETS = (0, 60, 120, -300, -480, 330, 540, -210, 765, -600, 600, 345)
F_NUMBERS = (1.4, 1.8, 2.0, 2.8, 3.5, 4.0, 5.6, 8.0, 11.0, 16.0, 22.0)
EXPOSURES = ((1, 8000), (1, 4000), (1, 1000), (1, 500), (1, 250), (1, 125), (1, 60),
             (1, 30), (1, 8), (1, 2), (1, 1), (2, 1), (30, 1))  # fmt: skip
ISOS = (50, 64, 100, 125, 200, 400, 800, 1600, 3200, 6400, 12800)
FOCALS = ((68, 10), (24, 1), (35, 1), (50, 1), (85, 1), (105, 1), (200, 1), (14, 1), (600, 1))
SIZES = ((320, 240), (480, 320), (640, 480), (640, 360), (800, 600), (768, 512), (1024, 768),
         (1024, 576), (512, 512), (600, 800))  # fmt: skip

# EXIF tag numbers
T_MAKE, T_MODEL, T_ORIENTATION, T_DATETIME, T_SOFTWARE = 0x010F, 0x0110, 0x0112, 0x0132, 0x0131
T_EXIF_IFD, T_GPS_IFD = 0x8769, 0x8825
T_EXPOSURE, T_FNUMBER, T_ISO, T_DTO, T_CREATE = 0x829A, 0x829D, 0x8827, 0x9003, 0x9004
T_OFFSET, T_OFFSET_ORIG, T_OFFSET_DIG = 0x9010, 0x9011, 0x9012
T_FOCAL, T_SUBSEC, T_SUBSEC_ORIG, T_SUBSEC_DIG = 0x920A, 0x9290, 0x9291, 0x9292
T_PIXEL_X, T_PIXEL_Y, T_LENS = 0xA002, 0xA003, 0xA434


@dataclass
class _Base:
    data: bytes  # the encoded JPEG without EXIF
    width: int
    height: int
    split: int  # where the EXIF segment goes (after SOI and APP0)
    preview: bytes | None = None  # a smaller JPEG of the same picture, for the MPF segment
    preview_size: tuple[int, int] | None = None


def _draw_base(index: int, width: int, height: int, rng: random.Random) -> PILImage.Image:
    """Gradients, a few shapes, and an asymmetric 'F' marker in the top-left corner."""
    from PIL import Image, ImageDraw

    gx = Image.linear_gradient("L").resize((width, height)).rotate(rng.choice((0, 90, 180)))
    gx = gx.resize((width, height))
    gy = Image.radial_gradient("L").resize((width, height))
    flat = Image.new("L", (width, height), rng.randrange(40, 220))
    bands = [gx, gy, flat]
    rng.shuffle(bands)
    img = Image.merge("RGB", bands)
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randrange(3, 8)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = min(width, x0 + rng.randrange(20, max(21, width // 2)))
        y1 = min(height, y0 + rng.randrange(20, max(21, height // 2)))
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=color)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=color, outline=(0, 0, 0))
    # The orientation marker: a white-on-black "F" in the top-left corner (no symmetry, so each
    # of the 8 EXIF orientations shows differently) and a red dot in the top-right corner.
    u = max(6, min(width, height) // 16)
    draw.rectangle((u // 2, u // 2, u * 4 + u // 2, u * 6 + u // 2), fill=(0, 0, 0))
    draw.rectangle((u, u, u * 2, u * 6), fill=(255, 255, 255))
    draw.rectangle((u, u, u * 4, u * 2), fill=(255, 255, 255))
    draw.rectangle((u, u * 3, u * 3, u * 4), fill=(255, 255, 255))
    draw.ellipse((width - 3 * u, u, width - u, 3 * u), fill=(230, 20, 20))
    draw.text((u, height - 2 * u), f"albumen #{index}", fill=(255, 255, 255))
    return img


def _encode(
    img: PILImage.Image, quality: int = 85, preview: tuple[int, int] | None = None
) -> _Base:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    data = buf.getvalue()
    split = 2
    if data[2:4] == b"\xff\xe0":  # JFIF APP0: EXIF goes right after it, as cameras/Pillow do
        split = 4 + struct.unpack(">H", data[4:6])[0]
    base = _Base(data, img.width, img.height, split)
    if preview is not None:
        from PIL import Image

        buf = io.BytesIO()
        img.resize(preview, Image.Resampling.LANCZOS).save(buf, "JPEG", quality=85)
        base.preview, base.preview_size = buf.getvalue(), preview
    return base


def _make_bases(count: int, rng: random.Random) -> list[_Base]:
    bases = []
    for i in range(count):
        w, h = rng.choice(SIZES)
        quality = rng.choice((80, 85, 90))
        bases.append(_encode(_draw_base(i, w, h, rng), quality, (w // 2, h // 2)))
    return bases


def _make_large(index: int, rng: random.Random) -> _Base:
    from PIL import Image

    img = _draw_base(index, 1000, 750, rng).resize((4000, 3000), Image.Resampling.BILINEAR)
    noise = Image.effect_noise((4000, 3000), 24).convert("RGB")
    return _encode(Image.blend(img, noise, 0.12), quality=92, preview=(1920, 1440))


# MP type codes (CIPA DC-007): a representative baseline primary image, and large thumbnails
# of VGA and full-HD class.
_MP_PRIMARY = 0x2003_0000
_MP_LARGE_THUMB_VGA = 0x0001_0001
_MP_LARGE_THUMB_FULL_HD = 0x0001_0002


def _mpf_segment(header_at: int, primary_size: int, preview: bytes, full_hd: bool) -> bytes:
    """The APP2 ``MPF`` segment of a file whose MP header (the byte after ``MPF\\0``) sits at
    ``header_at`` and whose primary image (this segment included) is ``primary_size`` bytes,
    the preview following it: a big-endian MP header, the MP Index IFD (version, number of
    images, MP entries) and the two 16-byte MP entries. Offsets count from the MP header; the
    primary image's is 0."""
    entries_at = 8 + 2 + 3 * 12 + 4
    ifd = struct.pack(">H", 3)
    ifd += struct.pack(">HHI4s", 0xB000, 7, 4, b"0100")  # MPFVersion
    ifd += struct.pack(">HHII", 0xB001, 4, 1, 2)  # NumberOfImages
    ifd += struct.pack(">HHII", 0xB002, 7, 32, entries_at)  # MPEntry
    ifd += struct.pack(">I", 0)  # no MP Attribute IFD
    kind = _MP_LARGE_THUMB_FULL_HD if full_hd else _MP_LARGE_THUMB_VGA
    entries = struct.pack(">IIIHH", _MP_PRIMARY, primary_size, 0, 0, 0)
    entries += struct.pack(">IIIHH", kind, len(preview), primary_size - header_at, 0, 0)
    body = b"MPF\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd + entries
    return b"\xff\xe2" + struct.pack(">H", len(body) + 2) + body


def with_mpf_preview(jpeg: bytes, preview: bytes, *, full_hd: bool = True) -> bytes:
    """``jpeg`` with ``preview`` (another JPEG) embedded as cameras embed theirs: an ``APP2``
    MPF segment after its leading ``APP0``/``APP1`` segments, listing the preview as a large
    thumbnail (of full-HD class, else VGA class), and the preview after the image's end."""
    at = 2
    while jpeg[at : at + 2] in (b"\xff\xe0", b"\xff\xe1"):
        at += 2 + struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
    primary_size = len(jpeg) + len(_mpf_segment(0, 0, preview, full_hd))
    segment = _mpf_segment(at + 8, primary_size, preview, full_hd)
    return jpeg[:at] + segment + jpeg[at:] + preview


def _parts(base: _Base, exif_segment: bytes, with_preview: bool) -> list[bytes]:
    """A file's bytes in pieces: the image with its EXIF segment and, ``with_preview``, the MPF
    segment after it and the preview JPEG after the image."""
    parts = [base.data[: base.split], exif_segment, base.data[base.split :]]
    if not with_preview or base.preview is None or base.preview_size is None:
        return parts
    full_hd = base.preview_size[0] >= 1280
    return [with_mpf_preview(b"".join(parts), base.preview, full_hd=full_hd)]


def _preview_entry(base: _Base, with_preview: bool) -> dict[str, int] | None:
    """The manifest's ``preview``: the MPF preview's pixel size, or None."""
    if not with_preview or base.preview_size is None:
        return None
    return {"width": base.preview_size[0], "height": base.preview_size[1]}


def _rational(value: float, den: int = 100) -> Any:
    from PIL.TiffImagePlugin import IFDRational

    return IFDRational(round(value * den), den)


def _dms(value: float) -> tuple[Any, Any, Any]:
    from PIL.TiffImagePlugin import IFDRational

    deg = int(value)
    minutes_full = (value - deg) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60 * 10000)
    return IFDRational(deg, 1), IFDRational(minutes, 1), IFDRational(seconds, 10000)


def _fmt_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h:02d}:{m:02d}"


def _exif_segment(tiff: bytes) -> bytes:
    """APP1 marker + length + payload (``tiff`` already starts with ``Exif\\0\\0``)."""
    return b"\xff\xe1" + struct.pack(">H", len(tiff) + 2) + tiff


def _file_exif(
    rng: random.Random, base: _Base, camera: tuple[str, str, tuple[str, ...], str], when: datetime
) -> tuple[bytes, dict[str, Any]]:
    """Build one file's EXIF segment and the manifest entry describing it."""
    from PIL import Image

    make, model, lenses, _style = camera
    exif = Image.Exif()
    exif.endian = rng.choice(("<", ">"))
    orientation = rng.randrange(1, 9)
    exif[T_MAKE] = make
    exif[T_MODEL] = model
    exif[T_ORIENTATION] = orientation
    exif[T_SOFTWARE] = "albumen corpus"
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif[T_DATETIME] = stamp
    sub = exif.get_ifd(T_EXIF_IFD)
    subsec = f"{rng.randrange(1000):03d}" if rng.random() < 0.7 else None
    offset = rng.choice(OFFSETS) if rng.random() < 0.7 else None
    has_original = rng.random() < 0.93
    if has_original:
        sub[T_DTO] = stamp
        if subsec:
            sub[T_SUBSEC_ORIG] = subsec
        if offset is not None:
            sub[T_OFFSET_ORIG] = _fmt_offset(offset)
    sub[T_CREATE] = stamp
    if subsec:
        sub[T_SUBSEC_DIG] = subsec
        sub[T_SUBSEC] = subsec
    if offset is not None:
        sub[T_OFFSET_DIG] = _fmt_offset(offset)
        sub[T_OFFSET] = _fmt_offset(offset)
    num, den = rng.choice(EXPOSURES)
    f_number = rng.choice(F_NUMBERS)
    iso = rng.choice(ISOS)
    fnum, fden = rng.choice(FOCALS)
    from PIL.TiffImagePlugin import IFDRational

    sub[T_EXPOSURE] = IFDRational(num, den)
    sub[T_FNUMBER] = _rational(f_number, 10)
    sub[T_ISO] = iso
    sub[T_FOCAL] = IFDRational(fnum, fden)
    sub[T_PIXEL_X] = base.width
    sub[T_PIXEL_Y] = base.height
    lens = rng.choice(lenses) if lenses else None
    if lens:
        sub[T_LENS] = lens

    gps_lat = gps_lon = gps_alt = None
    if rng.random() < 0.6:
        gps = exif.get_ifd(T_GPS_IFD)
        lat = round(rng.uniform(-85, 85), 6)
        lon = round(rng.uniform(-179.5, 179.5), 6)
        gps[0] = b"\x02\x03\x00\x00"
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(abs(lat))
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(abs(lon))
        gps_lat = _dms_value(gps[2]) * (1 if lat >= 0 else -1)
        gps_lon = _dms_value(gps[4]) * (1 if lon >= 0 else -1)
        if rng.random() < 0.8:
            alt = round(rng.uniform(-120, 4500), 1)
            gps[5] = b"\x01" if alt < 0 else b"\x00"
            gps[6] = _rational(abs(alt), 10)
            gps_alt = alt

    local = when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{subsec}" if subsec else "")
    swap = orientation >= 5
    entry: dict[str, Any] = {
        "exif": True,
        "width": base.width,
        "height": base.height,
        "display_width": base.height if swap else base.width,
        "display_height": base.width if swap else base.height,
        "orientation": orientation,
        "captured_at": local,
        "captured_offset": offset,
        "captured_at_source": "exif:DateTimeOriginal" if has_original else "exif:CreateDate",
        "make": make,
        "model": model,
        "lens": lens,
        "iso": iso,
        "f_number": f_number,
        "exposure_time": num / den,
        "focal_length": fnum / fden,
        "gps_lat": gps_lat,
        "gps_lon": gps_lon,
        "gps_alt": gps_alt,
    }
    return _exif_segment(exif.tobytes()), entry


def _dms_value(dms: tuple[Any, Any, Any]) -> float:
    d, m, s = (float(x) for x in dms)
    return round(d + m / 60 + s / 3600, 9)


def _no_exif_entry(base: _Base, when: datetime) -> dict[str, Any]:
    """A file without EXIF: its capture time is its mtime, recorded as UTC (offset 0)."""
    return {
        "exif": False,
        "width": base.width,
        "height": base.height,
        "display_width": base.width,
        "display_height": base.height,
        "orientation": None,
        "captured_at": when.strftime("%Y-%m-%dT%H:%M:%S"),
        "captured_offset": 0,
        "captured_at_source": "file:mtime",
        "make": None,
        "model": None,
        "lens": None,
        "iso": None,
        "f_number": None,
        "exposure_time": None,
        "focal_length": None,
        "gps_lat": None,
        "gps_lon": None,
        "gps_alt": None,
    }


def _write(path: Path, data: bytes | list[bytes], mtime: float | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        if isinstance(data, bytes):
            f.write(data)
        else:
            f.writelines(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def generate_corpus(
    out: str | os.PathLike[str],
    count: int,
    *,
    seed: int = 0,
    large: int = 0,
    extras: bool = True,
    bases: int | None = None,
    previews: bool = True,
) -> dict[str, Any]:
    """Write ``count`` camera-like JPEGs (plus ``large`` 12-megapixel ones, and with ``extras``
    the hidden, non-media and broken files) below ``out``; return the manifest (also written to
    ``out/manifest.json``). With ``previews``, files from cameras (the 12-megapixel ones too)
    carry an MPF preview and the manifest says its size (``preview``). The same arguments
    always give the same bytes."""
    rng = random.Random(seed)
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    n_bases = bases if bases is not None else max(4, min(240, count // 25))
    base_images = _make_bases(n_bases, rng)
    files: dict[str, dict[str, Any]] = {}

    written = 0
    event_no = 0
    name_counter = rng.randrange(1, 5000)
    start = datetime(2014, 1, 1)
    while written < count:
        event_no += 1
        day = start + timedelta(days=rng.randrange(0, 11 * 365))
        event = EVENTS[event_no % len(EVENTS)]
        if event_no > len(EVENTS):
            event = f"{event} {event_no // len(EVENTS) + 1}"
        folder = f"{day.year}/{day.year}-{day.month:02d}/{event}"
        camera = rng.choice(CAMERAS)
        when = day + timedelta(hours=rng.randrange(7, 19), minutes=rng.randrange(60))
        for _ in range(min(count - written, rng.randrange(10, 70))):
            name_counter += 1
            when += timedelta(seconds=rng.randrange(5, 900))
            base = rng.choice(base_images)
            rel = f"{folder}/{camera[3].format(n=name_counter)}"
            if rng.random() < 0.05:
                entry = _no_exif_entry(base, when)
                entry["preview"] = None
                data: list[bytes] = [base.data]
                mtime = when.replace(tzinfo=timezone.utc).timestamp()
            else:
                segment, entry = _file_exif(rng, base, camera, when)
                with_preview = previews and camera[0] not in PHONE_MAKES
                data = _parts(base, segment, with_preview)
                entry["preview"] = _preview_entry(base, with_preview)
                offset = entry["captured_offset"] or 0
                mtime = (when - timedelta(minutes=offset)).replace(tzinfo=timezone.utc).timestamp()
            entry["size"] = sum(len(d) for d in data)
            _write(root / rel, data, mtime)
            files[rel] = entry
            written += 1

    for i in range(large):
        base = _make_large(i, rng)
        when = datetime(2024, 5, 1, 12) + timedelta(hours=i)
        segment, entry = _file_exif(rng, base, CAMERAS[0], when)
        data = _parts(base, segment, previews)
        entry["preview"] = _preview_entry(base, previews)
        rel = f"large/IMG_L{i:04d}.JPG"
        entry["size"] = sum(len(d) for d in data)
        _write(root / rel, data, when.replace(tzinfo=timezone.utc).timestamp())
        files[rel] = entry

    broken: dict[str, dict[str, Any]] = {}
    hidden: list[str] = []
    other: list[str] = []
    fixed = datetime(2020, 2, 2, 2, 2, 2, tzinfo=timezone.utc).timestamp()  # extras' mtime
    if extras:
        sample = base_images[0]
        segment, _entry = _file_exif(rng, sample, CAMERAS[1], datetime(2020, 2, 2, 2, 2, 2))
        good = sample.data[: sample.split] + segment + sample.data[sample.split :]
        bad = {
            "broken/empty.jpg": b"",
            "broken/truncated.jpg": good[: len(good) * 2 // 5],
            "broken/truncated-in-header.jpg": good[: sample.split + 40],
            "broken/garbage-exif.jpg": sample.data[: sample.split]
            + _exif_segment(b"Exif\x00\x00" + rng.randbytes(300))
            + sample.data[sample.split :],
            "broken/bad-ifd-offset.jpg": sample.data[: sample.split]
            + _exif_segment(b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + bytes(64))
            + sample.data[sample.split :],
            "broken/not-a-jpeg.jpg": b"this is a text file with a .jpg name\n" * 20,
        }
        pixels = {"width": sample.width, "height": sample.height}
        # (reason, the pixel size a probe can still read (SOF is intact) or None, and whether
        # the file itself is unreadable: a sound picture with damaged EXIF is a record with
        # warnings, not an error)
        what = {
            "broken/empty.jpg": ("zero-byte file", None, True),
            "broken/truncated.jpg": ("JPEG cut off in its image data", pixels, True),
            "broken/truncated-in-header.jpg": ("JPEG cut off inside its EXIF segment", None, True),
            "broken/garbage-exif.jpg": ("random bytes in the EXIF segment", pixels, False),
            "broken/bad-ifd-offset.jpg": ("EXIF IFD offset points past the segment", pixels, False),
            "broken/not-a-jpeg.jpg": ("a text file named .jpg", None, True),
        }
        for rel, blob in bad.items():
            _write(root / rel, blob, fixed)
            reason, recoverable, unreadable = what[rel]
            broken[rel] = {
                "reason": reason,
                "size": len(blob),
                "recoverable": recoverable,
                "unreadable": unreadable,
            }
        for rel in (".hidden.jpg", ".thumbnails/IMG_0001.JPG", "2019/.picasaoriginals/a.jpg"):
            _write(root / rel, good, fixed)
            hidden.append(rel)
        for rel, blob in (
            ("notes.txt", b"holiday notes\n"),
            ("2019/IMG_0001.xmp", b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>\n"),
            ("Thumbs.db", rng.randbytes(512)),
            ("album/cover.psd", rng.randbytes(256)),
        ):
            _write(root / rel, blob, fixed)
            other.append(rel)

    manifest = {
        "seed": seed,
        "count": count,
        "large": large,
        "files": files,
        "broken": broken,
        # the broken files a scan reports as errors (the others are records with warnings)
        "unreadable": sorted(rel for rel, info in broken.items() if info["unreadable"]),
        "hidden": hidden,
        "other": other,
    }
    _write(root / MANIFEST_NAME, json.dumps(manifest, indent=1).encode(), fixed)
    return manifest


# -- tiny files, fast: a million of them for scale benchmarks ----------------------------------

#: small base images (under 4 KB with their EXIF: one file-system block each)
TINY_SIZES = ((160, 120), (120, 160), (176, 99), (128, 128), (144, 108))
#: files per event folder
TINY_PER_FOLDER = 100
_SENTINEL = datetime(2000, 1, 1)
_SENTINEL_STAMP = _SENTINEL.strftime("%Y:%m:%d %H:%M:%S").encode()


@dataclass
class _TinyKind:
    """One base image with one EXIF segment; its capture-time strings sit at ``stamps``."""

    head: bytes  # the base JPEG up to where EXIF goes
    segment: bytes
    tail: bytes
    stamps: tuple[int, ...]  # offsets of the 19-byte capture-time strings in ``segment``
    entry: dict[str, Any]  # what the segment says (its capture time aside)


def _tiny_kinds(seed: int, n_bases: int = 40, n_kinds: int = 400) -> list[_TinyKind]:
    rng = random.Random(seed)
    bases = []
    for i in range(n_bases):
        w, h = TINY_SIZES[i % len(TINY_SIZES)]
        img = _draw_base(i, w, h, rng)
        base = _encode(img, quality=70)
        if len(base.data) > 3300:  # keep the file (with ~650 bytes of EXIF) under 4 KB
            base = _encode(img, quality=55)
        bases.append(base)
    kinds = []
    for _ in range(n_kinds):
        base = rng.choice(bases)
        segment, entry = _file_exif(rng, base, rng.choice(CAMERAS), _SENTINEL)
        stamps, at = [], segment.find(_SENTINEL_STAMP)
        while at >= 0:
            stamps.append(at)
            at = segment.find(_SENTINEL_STAMP, at + 1)
        head, tail = base.data[: base.split], base.data[base.split :]
        kinds.append(_TinyKind(head, segment, tail, tuple(stamps), entry))
    return kinds


@functools.lru_cache(maxsize=4)
def _tiny_event(seed: int, event: int) -> tuple[datetime, str, int]:
    """An event's start, folder and a jitter of up to 30 s (from ``seed`` and ``event`` only)."""
    ev = random.Random(seed * 1_000_003 + event)
    day = datetime(2014, 1, 1) + timedelta(days=ev.randrange(11 * 365), hours=ev.randrange(7, 19))
    name = EVENTS[event % len(EVENTS)]
    return day, f"{day.year}/{day.year}-{day.month:02d}/{name} {event}", ev.randrange(30)


def _tiny_file(kinds: list[_TinyKind], seed: int, i: int) -> tuple[str, list[bytes], float, Any]:
    """File ``i`` of a tiny corpus: its path, its bytes, its mtime and what its EXIF says. A
    function of ``i`` alone, so processes can write disjoint ranges."""
    event, n = divmod(i, TINY_PER_FOLDER)
    day, folder, jitter = _tiny_event(seed, event)
    kind = kinds[(event * 7 + n * (1 + event % 5)) % len(kinds)]
    when = day + timedelta(seconds=37 * n + jitter)
    rel = f"{folder}/IMG_{i:07d}.JPG"
    segment = bytearray(kind.segment)
    stamp = when.strftime("%Y:%m:%d %H:%M:%S").encode()
    for at in kind.stamps:
        segment[at : at + len(stamp)] = stamp
    offset = kind.entry["captured_offset"] or 0
    mtime = (when - timedelta(minutes=offset)).replace(tzinfo=timezone.utc).timestamp()
    entry = dict(kind.entry)
    entry["captured_at"] = when.strftime("%Y-%m-%dT%H:%M:%S") + entry["captured_at"][19:]
    return rel, [kind.head, bytes(segment), kind.tail], mtime, entry


def _write_tiny_range(root: str, seed: int, start: int, stop: int) -> int:
    kinds = _tiny_kinds(seed)
    made: set[str] = set()
    written = 0
    for i in range(start, stop):
        rel, data, mtime, _entry = _tiny_file(kinds, seed, i)
        folder = rel.rpartition("/")[0]
        if folder not in made:
            os.makedirs(os.path.join(root, folder), exist_ok=True)
            made.add(folder)
        path = os.path.join(root, rel)
        with open(path, "wb") as f:
            f.writelines(data)
            written += f.tell()
        os.utime(path, (mtime, mtime))
    return written


def generate_tiny_corpus(
    out: str | os.PathLike[str],
    count: int,
    *,
    seed: int = 0,
    processes: int | None = None,
    manifest: bool = False,
) -> dict[str, Any]:
    """Write ``count`` small camera-like JPEGs (3-4 KB, varied EXIF as ``generate_corpus``
    makes it, ``TINY_PER_FOLDER`` to a ``YEAR/YEAR-MM/Event`` folder) fast, on ``processes``
    processes (default: every core): a few hundred EXIF segments are made once and each file
    gets one of them with its own capture time. Returns ``count`` and ``bytes`` (and with
    ``manifest`` every file's entry, as ``generate_corpus`` gives them; nothing is written
    beside the photos). The same arguments always give the same bytes."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(processes or os.cpu_count() or 1, count // 5000 + 1))
    bounds = [count * k // workers for k in range(workers + 1)]
    ranges = [(str(root), seed, a, b) for a, b in itertools.pairwise(bounds)]
    if workers == 1:
        written = _write_tiny_range(*ranges[0])
    else:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            written = sum(pool.starmap(_write_tiny_range, ranges))
    result: dict[str, Any] = {"count": count, "bytes": written, "seed": seed}
    if manifest:
        kinds = _tiny_kinds(seed)
        files = {}
        for i in range(count):
            rel, data, _mtime, entry = _tiny_file(kinds, seed, i)
            entry["size"] = sum(len(d) for d in data)
            files[rel] = entry
        result["files"] = files
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m albumen.testing.corpus",
        description="Generate a deterministic corpus of camera-like JPEGs with varied EXIF, "
        "plus hidden, non-media and broken files, and a manifest.json describing them.",
    )
    parser.add_argument("out", type=Path, help="folder to write into (created if needed)")
    parser.add_argument("--count", type=int, default=1000, help="number of photos (1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--large", type=int, default=0, help="also write N 12-megapixel JPEGs")
    parser.add_argument(
        "--no-extras", action="store_true", help="leave out hidden, non-media and broken files"
    )
    parser.add_argument(
        "--no-previews", action="store_true", help="no MPF previews in cameras' files"
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="small (3-4 KB) files written fast on every core, for scale benchmarks "
        "(no manifest, no extras)",
    )
    args = parser.parse_args(argv)
    if args.count < 0 or args.large < 0:
        parser.error("--count and --large must not be negative")
    started = time.perf_counter()
    if args.tiny:
        made = generate_tiny_corpus(args.out, args.count, seed=args.seed)
        print(
            f"wrote {made['count']} small photos ({made['bytes'] / 1e6:.1f} MB) to {args.out} "
            f"in {time.perf_counter() - started:.2f} s",
            file=sys.stderr,
        )
        return 0
    manifest = generate_corpus(
        args.out,
        args.count,
        seed=args.seed,
        large=args.large,
        extras=not args.no_extras,
        previews=not args.no_previews,
    )
    seconds = time.perf_counter() - started
    size = sum(f["size"] for f in manifest["files"].values())
    print(
        f"wrote {len(manifest['files'])} photos ({size / 1e6:.1f} MB), "
        f"{len(manifest['broken'])} broken, {len(manifest['hidden'])} hidden and "
        f"{len(manifest['other'])} other files to {args.out} in {seconds:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
