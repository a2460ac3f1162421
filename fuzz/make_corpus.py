"""Write the fuzz seeds: small files of every format each target parses, generated with
albumen's own test generators (Pillow, pillow-heif, PyAV, plus hand-built CR3 and RAF).

    .venv/bin/python fuzz/make_corpus.py fuzz/corpus

The output is committed (a few KiB per file); re-run it only to change the seeds.
"""

from __future__ import annotations

import shutil
import struct
import sys
import tempfile
import zlib
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

from albumen.testing.formats import (
    ExifSpec,
    add_avi_chunks,
    add_jpeg_segment,
    add_quicktime_keys,
    make_avif,
    make_bigtiff,
    make_gif,
    make_heic,
    make_jpeg,
    make_png,
    make_raw_like,
    make_tiff,
    make_video,
    make_webp,
    png_chunks,
    reconyx_maker_note,
    xmp_packet,
)

FULL = ExifSpec(
    make="Apple",
    model="iPhone 14 Pro",
    lens="back camera",
    orientation=6,
    datetime_original="2023:07:14 18:03:22",
    subsec_original="120",
    offset_original="+02:00",
    iso=250,
    f_number=1.78,
    exposure_time=Fraction(1, 120),
    focal_length=6.86,
    gps=(48.8577, -2.2950, -12.5),
    apple_content_id="6F5C9E1A-3B2D-4C8E-9F10-A1B2C3D4E5F6",
)
SMALL = (16, 12)
UTC = timezone.utc


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


def tiff_ifd(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """A little-endian TIFF holding one IFD (values over 4 bytes placed after it)."""
    out = bytearray(b"II*\0\x08\0\0\0")
    values = bytearray()
    value_at = 8 + 2 + 12 * len(entries) + 4
    table = bytearray(struct.pack("<H", len(entries)))
    for tag, typ, count, val in entries:
        table += struct.pack("<HHI", tag, typ, count)
        if len(val) <= 4:
            table += val.ljust(4, b"\0")
        else:
            table += struct.pack("<I", value_at + len(values))
            values += val + (b"\0" if len(val) % 2 else b"")
    return bytes(out + table + b"\0\0\0\0" + values)


def cr3() -> bytes:
    """A minimal Canon CR3: CMT1/CMT2 metadata, a CRAW track, a PRVW preview."""
    uuid = bytes.fromhex("85c0b687820f11e08111f4ce462b6a48")
    prvw_uuid = bytes.fromhex("eaf42b5e1c984b88b9fbb7dc406e4d16")
    cmt1 = tiff_ifd([(0x010F, 2, 6, b"Canon\0"), (0x0110, 2, 8, b"EOS R5\0\0")])
    cmt2 = tiff_ifd([(0x9003, 2, 20, b"2023:07:14 18:03:22\0")])
    canon = uuid + box(b"CMT1", cmt1) + box(b"CMT2", cmt2)
    entry = b"\0" * 24 + struct.pack(">HH", 8192, 5464) + b"\0" * 60
    stsd = struct.pack(">I", 1) + box(b"CRAW", entry)
    trak = box(b"trak", box(b"mdia", box(b"minf", box(b"stbl", box(b"stsd", b"\0" * 4 + stsd)))))
    moov = box(b"moov", box(b"uuid", canon) + trak)
    jpeg = b"\xff\xd8\xff\xd9"
    prvw = b"\0\0\0\0\0\x01" + struct.pack(">HHHI", 160, 120, 1, len(jpeg)) + jpeg
    preview = box(b"uuid", prvw_uuid + b"\0" * 8 + box(b"PRVW", prvw))
    ftyp = box(b"ftyp", b"crx \0\0\0\x01crx isom")
    return ftyp + moov + preview + box(b"mdat", b"\0" * 16)


def raf(jpeg: bytes) -> bytes:
    """A minimal Fujifilm RAF: header, embedded JPEG, raw header directory."""
    directory = (
        struct.pack(">I", 2) + bytes.fromhex("0100000410001800") + bytes.fromhex("011100040fa01770")
    )
    header = bytearray(b"FUJIFILMCCD-RAW ".ljust(108, b"\0"))
    jpeg_at = 108
    dir_at = jpeg_at + len(jpeg)
    header[84:100] = struct.pack(">IIII", jpeg_at, len(jpeg), dir_at, len(directory))
    return bytes(header) + jpeg + directory


def main(out: Path) -> None:
    work = Path(tempfile.mkdtemp())
    seeds: dict[str, list[Path]] = {}

    def add(target: str, path: Path) -> None:
        seeds.setdefault(target, []).append(path)

    # JPEG / EXIF
    add("jpeg", make_jpeg(work / "full.jpg", SMALL, FULL))
    add("jpeg", make_jpeg(work / "bare.jpg", SMALL))
    app12 = make_jpeg(work / "app12.jpg", SMALL)
    add("jpeg", add_jpeg_segment(app12, 0xFFEC, b"[picture info]\r\nTimeDate=966600000\r\n\0"))
    xmp = make_jpeg(work / "xmp.jpg", SMALL)
    xmp_app1 = b"http://ns.adobe.com/xap/1.0/\0" + xmp_packet(photoshop_DateCreated="2019-10-16")
    add("jpeg", add_jpeg_segment(xmp, 0xFFE1, xmp_app1))
    trail = ExifSpec(make="RECONYX", extra={0x927C: reconyx_maker_note(3, (2019, 1, 2, 3, 4, 5))})
    add("jpeg", make_jpeg(work / "reconyx.jpg", SMALL, trail))
    # HEIF / AVIF
    add("heif", make_heic(work / "full.heic", SMALL, FULL))
    add("heif", make_avif(work / "full.avif", SMALL, FULL))
    # MP4 / MOV
    mov = make_video(
        work / "a.mov", (32, 24), 0.1, 10, "libx264", datetime(2023, 7, 14, tzinfo=UTC)
    )
    keys = {"com.apple.quicktime.creationdate": "2023-07-14T18:03:22+0200"}
    add("mp4", add_quicktime_keys(mov, keys))
    add("mp4", make_video(work / "a.mp4", (32, 24), 0.1, 10, "mpeg4"))
    # PNG
    add("png", make_png(work / "full.png", SMALL, FULL, "2023-07-14T18:03:22Z"))
    z = make_png(work / "ztxt.png", SMALL)
    add("png", png_chunks(z, [(b"zTXt", b"Creation Time\0\0" + zlib.compress(b"2019:10:16"))]))
    x = make_png(work / "xmp.png", SMALL)
    packet = xmp_packet(exif_DateTimeOriginal="2019-10-16T19:01:00")
    add("png", png_chunks(x, [(b"iTXt", b"XML:com.adobe.xmp\0\x01\0\0\0" + zlib.compress(packet))]))
    t = make_png(work / "time.png", SMALL)
    add("png", png_chunks(t, [(b"tIME", bytes([7, 227, 10, 16, 19, 1, 0]))], after_idat=True))
    # WebP
    add("webp", make_webp(work / "lossy.webp", SMALL, FULL))
    add("webp", make_webp(work / "lossless.webp", SMALL, FULL, True))
    # GIF
    add("gif", make_gif(work / "a.gif", SMALL))
    # TIFF / RAW
    add("tiff", make_tiff(work / "full.tif", SMALL, FULL))
    add("tiff", make_raw_like(work / "camera.dng", SMALL, FULL))
    add("tiff", make_bigtiff(work / "big.tif", SMALL, FULL))
    # CR3, RAF
    (work / "a.cr3").write_bytes(cr3())
    add("cr3", work / "a.cr3")
    small_jpeg = make_jpeg(work / "raf-preview.jpg", (8, 8), ExifSpec(make="FUJIFILM"))
    (work / "a.raf").write_bytes(raf(small_jpeg.read_bytes()))
    add("raf", work / "a.raf")
    # AVI
    avi = make_video(work / "a.avi", (32, 24), 0.2, 10, "mjpeg", datetime(2019, 10, 16, tzinfo=UTC))
    add("avi", add_avi_chunks(avi, hdrl=[(b"IDIT", b"WED OCT 16 19:01:00 2019\n\0")]))
    fuji = make_video(work / "fuji.avi", (32, 24), 0.2, 10, "mjpeg")
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x010F, 2, 9, 18) + b"\0" * 4
    add("avi", add_avi_chunks(fuji, strl=[(b"strd", b"AVIF\0\0\0\0" + ifd + b"FUJIFILM\0")]))
    # Matroska / WebM
    when = datetime(2019, 10, 16, 19, 1, tzinfo=UTC)
    add("mkv", make_video(work / "a.mkv", (32, 24), 0.12, 25, "libx264", when))
    add("mkv", make_video(work / "a.webm", (32, 24), 0.12, 25, "libvpx-vp9", when))
    # The identity target reads whole files: one of each kind.
    for target in list(seeds):
        add("identity", seeds[target][0])

    for target, paths in seeds.items():
        folder = out / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for p in paths:
            shutil.copyfile(p, folder / p.name)
    shutil.rmtree(work)
    total = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"{sum(map(len, seeds.values()))} seeds in {len(seeds)} targets, {total} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus"))
