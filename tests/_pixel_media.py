"""Makers of unusual but valid images (16-bit, CMYK, CIELAB TIFFs written field by field, since
Pillow cannot write most of them) and of hostile ones (a progressive JPEG with thousands of
scans)."""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence

from PIL import Image

SHORT, LONG, UNDEFINED, ASCII = 3, 4, 7, 2
PHOTOMETRIC_GREY, PHOTOMETRIC_RGB, PHOTOMETRIC_CMYK, PHOTOMETRIC_CIELAB = 1, 2, 5, 8


def _packbits(row: bytes) -> bytes:
    out = bytearray()
    for i in range(0, len(row), 128):
        chunk = row[i : i + 128]
        out.append(len(chunk) - 1)
        out += chunk
    return bytes(out)


def tiff_bytes(
    width: int,
    height: int,
    *,
    samples: int,
    bits: int,
    photometric: int,
    pixels: bytes,
    extra_samples: Sequence[int] = (),
    icc: bytes | None = None,
    packbits: bool = False,
    extra_tags: Sequence[tuple[int, int, bytes | Sequence[int]]] = (),
) -> bytes:
    """A little-endian baseline TIFF with one strip (uncompressed, or PackBits: then Pillow
    decodes it with libtiff). ``pixels`` are interleaved samples, rows top to bottom."""
    if packbits:
        row = len(pixels) // height
        strip = b"".join(_packbits(pixels[r * row : (r + 1) * row]) for r in range(height))
    else:
        strip = pixels
    entries: list[tuple[int, int, bytes | Sequence[int]]] = [
        (256, LONG, [width]),
        (257, LONG, [height]),
        (258, SHORT, [bits] * samples),
        (259, SHORT, [32773 if packbits else 1]),
        (262, SHORT, [photometric]),
        (273, LONG, [0]),  # strip offset, patched below
        (277, SHORT, [samples]),
        (278, LONG, [height]),
        (279, LONG, [len(strip)]),
        (284, SHORT, [1]),
        *extra_tags,
    ]
    if extra_samples:
        entries.append((338, SHORT, list(extra_samples)))
    if icc:
        entries.append((34675, UNDEFINED, icc))
    entries.sort(key=lambda e: e[0])
    data_at = 8 + 2 + 12 * len(entries) + 4
    ifd = bytearray(struct.pack("<H", len(entries)))
    blobs = bytearray()
    strip_field = 0
    for tag, kind, values in entries:
        if isinstance(values, bytes):
            raw = values
        else:
            raw = b"".join(struct.pack("<H" if kind == SHORT else "<I", v) for v in values)
        count = len(values)
        if len(raw) <= 4:
            ifd += struct.pack("<HHI", tag, kind, count) + raw.ljust(4, b"\0")
            if tag == 273:
                strip_field = len(ifd) - 4
        else:
            ifd += struct.pack("<HHII", tag, kind, count, data_at + len(blobs))
            blobs += raw
            if len(blobs) % 2:
                blobs += b"\0"
    ifd += struct.pack("<I", 0)
    ifd[strip_field : strip_field + 4] = struct.pack("<I", data_at + len(blobs))
    return b"II*\0" + struct.pack("<I", 8) + bytes(ifd) + bytes(blobs) + strip


def grey16_tiff(width: int, height: int, left: int, right: int) -> bytes:
    """16-bit grey (Pillow mode I;16): the left half ``left``, the right half ``right``."""
    row = struct.pack("<H", left) * (width // 2) + struct.pack("<H", right) * (width - width // 2)
    return tiff_bytes(
        width, height, samples=1, bits=16, photometric=PHOTOMETRIC_GREY, pixels=row * height
    )


def rgb16_tiff(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    return tiff_bytes(
        width,
        height,
        samples=3,
        bits=16,
        photometric=PHOTOMETRIC_RGB,
        pixels=struct.pack("<3H", *rgb) * (width * height),
    )


def cmyk_tiff(width: int, height: int, cmyk: tuple[int, int, int, int]) -> bytes:
    return tiff_bytes(
        width,
        height,
        samples=4,
        bits=8,
        photometric=PHOTOMETRIC_CMYK,
        pixels=bytes(cmyk) * (width * height),
    )


def lab_tiff(width: int, height: int, lab: tuple[float, int, int]) -> bytes:
    """8-bit CIELAB: L* in 0..100, a* and b* signed."""
    sample = bytes([round(lab[0] * 255 / 100), lab[1] & 0xFF, lab[2] & 0xFF])
    return tiff_bytes(
        width,
        height,
        samples=3,
        bits=8,
        photometric=PHOTOMETRIC_CIELAB,
        pixels=sample * (width * height),
    )


def tiff_that_makes_libtiff_warn(width: int = 64, height: int = 32) -> bytes:
    """A valid PackBits RGB TIFF (so libtiff decodes it) carrying a private tag libtiff does
    not know: libtiff warns about it on stderr unless told not to."""
    return tiff_bytes(
        width,
        height,
        samples=3,
        bits=8,
        photometric=PHOTOMETRIC_RGB,
        pixels=bytes([20, 160, 60]) * (width * height),
        packbits=True,
        extra_tags=[(65000, LONG, [7]), (65001, ASCII, b"unterminated")],
    )


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """``(marker, start, end)`` of every marker segment of a JPEG, a scan's entropy-coded data
    included in its SOS segment."""
    out = []
    i = 2
    while i < len(data):
        marker = data[i + 1]
        if marker == 0xD9:
            out.append((marker, i, i + 2))
            break
        end = i + 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker == 0xDA:
            while True:
                end = data.index(b"\xff", end)
                if data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                    end += 2
                    continue
                break
        out.append((marker, i, end))
        i = end
    return out


def many_scan_jpeg(width: int, height: int, scans: int) -> bytes:
    """A progressive JPEG whose last scan (a refinement) is repeated until it has ``scans``
    scans: small on disk, and libjpeg makes a pass over every coefficient per scan."""
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 30)).save(buf, "JPEG", progressive=True)
    data = buf.getvalue()
    sos = [s for s in _jpeg_segments(data) if s[0] == 0xDA]
    _, start, end = sos[-1]
    return data[:end] + data[start:end] * (scans - len(sos)) + b"\xff\xd9"


def tiff_with_a_tag_past_its_end(width: int = 64, height: int = 32) -> bytes:
    """A valid image whose Software tag points past the end of the file: Pillow warns
    ("Truncated File Read") and decodes the pixels."""
    data = bytearray(
        tiff_bytes(
            width,
            height,
            samples=3,
            bits=8,
            photometric=PHOTOMETRIC_RGB,
            pixels=bytes([200, 100, 20]) * (width * height),
            packbits=True,
            extra_tags=[(305, ASCII, b"a long software name")],
        )
    )
    entry = data.find(struct.pack("<HHI", 305, ASCII, 20))
    data[entry + 8 : entry + 12] = struct.pack("<I", 10**6)
    return bytes(data)
