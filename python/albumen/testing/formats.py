"""Generate media files of every format albumen probes, for the ExifTool oracle tests and the
mixed-format benchmark.

Pillow writes JPEG, PNG, WebP, GIF and TIFF; pillow-heif writes HEIC; PyAV encodes MP4/MOV.
What those cannot write (QuickTime Apple keys, track rotation, DNG tags on a TIFF) is added
with ExifTool (``exiftool_write``). Every generator takes an :class:`ExifSpec` describing the
metadata to embed, so a test can state what a file should say and then ask ExifTool what it
does say.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

from PIL import Image, PngImagePlugin, TiffImagePlugin

__all__ = [
    "ExifSpec",
    "add_avi_chunks",
    "add_jpeg_segment",
    "add_quicktime_keys",
    "apple_maker_note",
    "exif_bytes",
    "exiftool_available",
    "exiftool_write",
    "generate_mixed_library",
    "make_avif",
    "make_bigtiff",
    "make_gif",
    "make_heic",
    "make_jpeg",
    "make_png",
    "make_raw_like",
    "make_tiff",
    "make_video",
    "make_webp",
    "picture",
    "png_chunks",
    "reconyx_maker_note",
    "xmp_packet",
]

EXIF_IFD = 0x8769
GPS_IFD = 0x8825


@dataclass(frozen=True)
class ExifSpec:
    """The EXIF a generated file carries; ``None`` fields are left out."""

    make: str | None = None
    model: str | None = None
    lens: str | None = None
    orientation: int | None = None
    datetime_original: str | None = None  # "YYYY:MM:DD HH:MM:SS"
    subsec_original: str | None = None
    offset_original: str | None = None  # "+02:00"
    create_date: str | None = None
    modify_date: str | None = None
    iso: int | None = None
    f_number: float | None = None
    exposure_time: Fraction | None = None
    focal_length: float | None = None
    gps: tuple[float, float, float] | None = None  # lat, lon, alt (signed)
    apple_content_id: str | None = None
    extra: dict[int, object] = field(default_factory=dict)
    #: Tags for IFD0 itself (odd writers put DateTimeOriginal there).
    ifd0_extra: dict[int, object] = field(default_factory=dict)


def _rational(value: float | Fraction) -> TiffImagePlugin.IFDRational:
    frac = Fraction(value).limit_denominator(100_000)
    return TiffImagePlugin.IFDRational(frac.numerator, frac.denominator)


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return (_rational(degrees), _rational(minutes), _rational(round(seconds, 4)))


def apple_maker_note(content_id: str) -> bytes:
    """An Apple iOS maker note (big-endian IFD at byte 14, offsets from the note's start)
    holding MakerNoteVersion and ContentIdentifier (tag 0x0011)."""
    value = content_id.encode() + b"\0"
    header = b"Apple iOS\0" + b"\x00\x01" + b"MM"
    value_at = len(header) + 2 + 2 * 12 + 4
    ifd = (2).to_bytes(2, "big")
    ifd += bytes.fromhex("0001 0009 00000001 0000000e")
    ifd += (0x0011).to_bytes(2, "big") + (2).to_bytes(2, "big")
    ifd += len(value).to_bytes(4, "big") + value_at.to_bytes(4, "big")
    return header + ifd + b"\0\0\0\0" + value


def reconyx_maker_note(kind: int, when: tuple[int, int, int, int, int, int]) -> bytes:
    """A Reconyx trail camera maker note (``kind`` 1: HyperFire, 2: UltraFire, 3: HF2 PRO)
    holding ``when`` (year, month, day, hour, minute, second) where ExifTool reads it."""
    year, month, day, hour, minute, second = when
    note = bytearray(0x80)
    if kind == 1:
        note[0:4] = b"\x01\xf1\x03\x00"
        words = (second, minute, hour, month, day, year)
        note[0x16 : 0x16 + 12] = b"".join(w.to_bytes(2, "little") for w in words)
    elif kind == 2:
        note[0:10] = b"RECONYXUF\0"
        stamp = bytes((second, minute, hour, day, month)) + year.to_bytes(2, "little")
        note[0x3B : 0x3B + 7] = stamp
    else:
        note[0:10] = b"RECONYXH2\0"
        words = (second, minute, hour, day, month, year)
        note[0x3E : 0x3E + 12] = b"".join(w.to_bytes(2, "little") for w in words)
    return bytes(note)


def xmp_packet(**props: str) -> bytes:
    """An XMP packet whose ``rdf:Description`` carries ``props`` as attributes, keyed like
    ``exif_DateTimeOriginal`` (prefix ``_`` name; prefixes exif, xmp, photoshop, tiff)."""
    attrs = " ".join(f'{k.replace("_", ":", 1)}="{v}"' for k, v in props.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        f'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" {attrs}/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def exif_bytes(spec: ExifSpec) -> bytes:
    """The spec as an EXIF block (``Exif\\0\\0`` + TIFF), as Pillow's ``exif=`` takes it."""
    exif = Image.Exif()
    if spec.make is not None:
        exif[0x010F] = spec.make
    if spec.model is not None:
        exif[0x0110] = spec.model
    if spec.orientation is not None:
        exif[0x0112] = spec.orientation
    if spec.modify_date is not None:
        exif[0x0132] = spec.modify_date
    for tag, extra in spec.ifd0_extra.items():
        exif[tag] = extra
    sub = exif.get_ifd(EXIF_IFD)
    for tag, value in (
        (0x9003, spec.datetime_original),
        (0x9291, spec.subsec_original),
        (0x9011, spec.offset_original),
        (0x9004, spec.create_date),
        (0xA434, spec.lens),
    ):
        if value is not None:
            sub[tag] = value
    if spec.iso is not None:
        sub[0x8827] = spec.iso
    if spec.f_number is not None:
        sub[0x829D] = _rational(spec.f_number)
    if spec.exposure_time is not None:
        sub[0x829A] = _rational(spec.exposure_time)
    if spec.focal_length is not None:
        sub[0x920A] = _rational(spec.focal_length)
    if spec.apple_content_id is not None:
        sub[0x927C] = apple_maker_note(spec.apple_content_id)
    for tag, extra in spec.extra.items():
        sub[tag] = extra
    if spec.gps is not None:
        lat, lon, alt = spec.gps
        gps = exif.get_ifd(GPS_IFD)
        gps[0] = b"\x02\x03\x00\x00"
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(lat)
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(lon)
        gps[5] = b"\x01" if alt < 0 else b"\x00"
        gps[6] = _rational(abs(alt))
    return exif.tobytes()


def picture(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A small non-uniform RGB picture (a gradient with a marker), so encoders do real work."""
    w, h = size
    im = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    im.paste((40 + seed * 37 % 200, 90, 160), (0, 0, max(1, w // 4), max(1, h // 4)))
    return im


def make_jpeg(path: Path, size: tuple[int, int], spec: ExifSpec | None = None) -> Path:
    picture(size).save(path, "JPEG", quality=80, exif=exif_bytes(spec) if spec else b"")
    return path


def make_heic(
    path: Path, size: tuple[int, int], spec: ExifSpec | None = None, xmp: bytes | None = None
) -> Path:
    """HEIC through pillow-heif (libheif); ``xmp`` becomes a ``mime`` item."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    kwargs: dict[str, object] = {"quality": 40}
    if spec is not None:
        kwargs["exif"] = exif_bytes(spec)
    if xmp is not None:
        kwargs["xmp"] = xmp
    picture(size).save(path, "HEIF", **kwargs)
    return path


def make_avif(
    path: Path, size: tuple[int, int], spec: ExifSpec | None = None, xmp: bytes | None = None
) -> Path:
    """AVIF through Pillow's own encoder (libavif); ``xmp`` becomes a ``mime`` item."""
    kwargs: dict[str, object] = {"quality": 40}
    if spec is not None:
        kwargs["exif"] = exif_bytes(spec)
    if xmp is not None:
        kwargs["xmp"] = xmp
    picture(size).save(path, "AVIF", **kwargs)
    return path


def make_png(
    path: Path,
    size: tuple[int, int],
    spec: ExifSpec | None = None,
    creation_time: str | None = None,
    itxt: bool = False,
) -> Path:
    info = PngImagePlugin.PngInfo()
    if creation_time is not None:
        if itxt:
            info.add_itxt("Creation Time", creation_time)
        else:
            info.add_text("Creation Time", creation_time)
    kwargs: dict[str, object] = {"pnginfo": info}
    if spec is not None:
        kwargs["exif"] = exif_bytes(spec)
    picture(size).save(path, "PNG", **kwargs)
    return path


def make_webp(
    path: Path, size: tuple[int, int], spec: ExifSpec | None = None, lossless: bool = False
) -> Path:
    kwargs: dict[str, object] = {"lossless": lossless, "quality": 60}
    if spec is not None:
        kwargs["exif"] = exif_bytes(spec)
    picture(size).save(path, "WEBP", **kwargs)
    return path


def make_gif(path: Path, size: tuple[int, int]) -> Path:
    picture(size).convert("P").save(path, "GIF")
    return path


def make_bigtiff(path: Path, size: tuple[int, int], spec: ExifSpec | None = None) -> Path:
    """A BigTIFF (magic 43), through Pillow's ``big_tiff`` writer."""
    kwargs: dict[str, object] = {"compression": "raw", "big_tiff": True}
    if spec is not None:
        kwargs["exif"] = exif_bytes(spec)
    picture(size).save(path, "TIFF", **kwargs)
    return path


def png_chunks(path: Path, chunks: list[tuple[bytes, bytes]], *, after_idat: bool = False) -> Path:
    """Insert raw chunks (type, data; CRCs computed) into a PNG, right after ``IHDR`` or, with
    ``after_idat``, just before ``IEND``."""
    import zlib

    data = path.read_bytes()
    raw = b"".join(
        len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
        for kind, body in chunks
    )
    at = len(data) - 12 if after_idat else 8 + 8 + 13 + 4
    path.write_bytes(data[:at] + raw + data[at:])
    return path


def add_jpeg_segment(path: Path, marker: int, body: bytes) -> Path:
    """Insert a segment (``0xFFEC`` APP12, ``0xFFE1`` APP1...) right after SOI."""
    data = path.read_bytes()
    seg = marker.to_bytes(2, "big") + (len(body) + 2).to_bytes(2, "big") + body
    path.write_bytes(data[:2] + seg + data[2:])
    return path


def add_avi_chunks(
    path: Path,
    hdrl: Sequence[tuple[bytes, bytes]] = (),
    strl: Sequence[tuple[bytes, bytes]] = (),
) -> Path:
    """Put chunks (fourcc, data) into an AVI's header list (``hdrl``) or its first stream list
    (``strl``), in place of the ``JUNK`` padding FFmpeg leaves there, so no offset moves."""
    import struct

    data = bytearray(path.read_bytes())

    def chunks(start: int, end: int) -> list[tuple[bytes, int, int, bytes]]:
        out, pos = [], start
        while pos + 8 <= end:
            cid = bytes(data[pos : pos + 4])
            (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
            kind = bytes(data[pos + 8 : pos + 12]) if cid == b"LIST" else b""
            out.append((cid, pos, length, kind))
            pos += 8 + length + (length & 1)
        return out

    def fill(junk_at: int, junk_len: int, new: list[tuple[bytes, bytes]]) -> None:
        raw = b"".join(
            cid + struct.pack("<I", len(d)) + d + (b"\0" if len(d) % 2 else b"") for cid, d in new
        )
        room = 8 + junk_len
        if len(raw) + 8 > room:
            raise ValueError("not enough JUNK room for the chunks")
        pad = room - len(raw) - 8
        data[junk_at : junk_at + room] = raw + b"JUNK" + struct.pack("<I", pad) + b"\0" * pad

    (hdrl_chunk,) = [c for c in chunks(12, len(data)) if c[3] == b"hdrl"]
    inner = chunks(hdrl_chunk[1] + 12, hdrl_chunk[1] + 8 + hdrl_chunk[2])
    if hdrl:
        junk = [c for c in inner if c[0] == b"JUNK"][-1]
        fill(junk[1], junk[2], list(hdrl))
    if strl:
        strl_chunk = next(c for c in inner if c[3] == b"strl")
        stream = chunks(strl_chunk[1] + 12, strl_chunk[1] + 8 + strl_chunk[2])
        junk = next(c for c in stream if c[0] == b"JUNK")
        fill(junk[1], junk[2], list(strl))
    path.write_bytes(bytes(data))
    return path


def make_tiff(path: Path, size: tuple[int, int], spec: ExifSpec | None = None) -> Path:
    kwargs: dict[str, object] = {"compression": "raw"}
    if spec is not None:
        kwargs["exif"] = exif_bytes(spec)
    picture(size).save(path, "TIFF", **kwargs)
    return path


def exiftool_available() -> bool:
    return shutil.which("exiftool") is not None


def exiftool_write(path: Path, *assignments: str) -> Path:
    """Write tags with ExifTool in place (``-TAG=VALUE`` arguments)."""
    subprocess.run(
        ["exiftool", "-q", "-q", "-m", "-overwrite_original", *assignments, str(path)],
        check=True,
        capture_output=True,
    )
    return path


def make_raw_like(path: Path, size: tuple[int, int], spec: ExifSpec) -> Path:
    """A TIFF-structured RAW stand-in: a TIFF with its EXIF, plus DNG tags written by ExifTool
    (name it ``.dng``, ``.nef``... — albumen and ExifTool both read the content, not the name)."""
    tmp = path.with_suffix(".tif")
    make_tiff(tmp, size, spec)
    tmp.replace(path)
    exiftool_write(path, "-DNGVersion=1.4.0.0", "-DNGBackwardVersion=1.1.0.0",
                   f"-UniqueCameraModel={spec.model or 'albumen'}")  # fmt: skip
    return path


def make_video(
    path: Path,
    size: tuple[int, int] = (320, 240),
    seconds: float = 1.0,
    fps: int = 30,
    codec: str = "libx264",
    creation_time: datetime | None = None,
) -> Path:
    """Encode a short video with PyAV (container from the suffix: .mov, .mp4, .m4v, .avi,
    .mkv, .webm).

    ``creation_time`` (UTC) lands in ``mvhd`` (Matroska: ``DateUTC``; AVI: the ``INFO`` list's
    ``ICRD``, as a date); without it PyAV/FFmpeg leave it zero."""
    import av

    fmt = {".mov": "mov", ".mp4": "mp4", ".m4v": "ipod", ".avi": "avi", ".mkv": "matroska",
           ".webm": "webm"}[path.suffix.lower()]  # fmt: skip
    with av.open(str(path), "w", format=fmt) as out:
        if creation_time is not None:
            stamp = creation_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
            out.metadata["creation_time"] = stamp
        if creation_time is not None and fmt == "avi":
            out.metadata["date"] = creation_time.strftime("%Y-%m-%d")
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        if codec in ("libx265", "hevc"):
            stream.codec_tag = "hvc1"
            stream.options = {"x265-params": "log-level=error"}
        base = picture(size)
        frames = max(1, round(seconds * fps))
        for i in range(frames):
            img = base if i % 2 == 0 else base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            frame = av.VideoFrame.from_image(img)  # type: ignore[no-untyped-call]
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _box(kind: bytes, body: bytes) -> bytes:
    return (len(body) + 8).to_bytes(4, "big") + kind + body


def add_quicktime_keys(path: Path, items: dict[str, str]) -> Path:
    """Append Apple metadata keys (``moov/meta`` with ``hdlr mdta``, ``keys``, ``ilst``) to a
    movie whose ``moov`` box is the last top-level box (as PyAV writes it), so no sample
    offset moves. Values are stored as UTF-8 ``data`` atoms, as iPhones write them."""
    data = path.read_bytes()
    pos, moov_at = 0, -1
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if data[pos + 4 : pos + 8] == b"moov":
            moov_at = pos
        if size < 8:
            break
        pos += size
    moov_size = int.from_bytes(data[moov_at : moov_at + 4], "big") if moov_at >= 0 else 0
    if moov_at < 0 or moov_at + moov_size != len(data):
        raise ValueError(f"{path}: moov is not the last box")
    hdlr = (b"\0" * 4) + b"\0\0\0\0mdta" + b"\0" * 12 + b"\0"
    keys = b"\0\0\0\0" + len(items).to_bytes(4, "big")
    ilst = b""
    for i, (key, value) in enumerate(items.items(), start=1):
        k = key.encode()
        keys += (len(k) + 8).to_bytes(4, "big") + b"mdta" + k
        atom = _box(b"data", (1).to_bytes(4, "big") + b"\0\0\0\0" + value.encode())
        ilst += _box(i.to_bytes(4, "big"), atom)
    meta = _box(b"meta", _box(b"hdlr", hdlr) + _box(b"keys", keys) + _box(b"ilst", ilst))
    moov = data[moov_at + 8 :] + meta
    path.write_bytes(data[:moov_at] + _box(b"moov", moov))
    return path


#: Share of each format in a phone-and-camera library (``generate_mixed_library``).
MIX: tuple[tuple[str, float], ...] = (
    ("jpg", 0.40),
    ("heic", 0.25),
    ("mov", 0.10),
    ("mp4", 0.05),
    ("png", 0.10),
    ("dng", 0.10),
)
_DATE = b"2023:07:14 18:03:22"
_APPLE_DATE = b"2023-07-14T18:03:22+0200"


def _templates(kind: str, work: Path, n: int) -> list[bytes]:
    """``n`` encoded files of one format, each carrying the marker dates patched per copy."""
    out: list[bytes] = []
    makes = ("Apple", "Canon", "NIKON CORPORATION", "SONY", "Google")
    for i in range(n):
        spec = ExifSpec(
            make=makes[i % len(makes)],
            model=f"Model {i}",
            orientation=(1, 6, 3, 8)[i % 4],
            datetime_original=_DATE.decode(),
            offset_original="+02:00",
            iso=100 * (i + 1),
            f_number=2.8,
            exposure_time=Fraction(1, 125),
            focal_length=35.0,
            gps=(48.85 + i / 100, 2.29, 35.0) if i % 2 else None,
            apple_content_id=f"LIVE-{i:04d}" if kind in ("jpg", "heic") else None,
        )
        size = (480 - 16 * i, 360 - 8 * i)
        path = work / f"t{i}.{kind}"
        if kind == "jpg":
            make_jpeg(path, size, spec)
        elif kind == "heic":
            make_heic(path, size, spec)
        elif kind == "png":
            make_png(path, size, spec)
        elif kind == "dng":
            make_raw_like(path, (size[0] // 2, size[1] // 2), spec)
        else:
            make_video(path, (320, 240), 0.5, 30, "libx264" if i % 2 else "libx265")
            add_quicktime_keys(path, {
                "com.apple.quicktime.creationdate": _APPLE_DATE.decode(),
                "com.apple.quicktime.content.identifier": f"LIVE-{i:04d}",
                "com.apple.quicktime.location.ISO6709": "+48.8500+002.2900+035.000/",
            })  # fmt: skip
        out.append(path.read_bytes())
        path.unlink()
    return out


def generate_mixed_library(
    root: Path, count: int, *, jpeg_only: bool = False, seed: int = 0, templates: int = 12
) -> dict[str, int]:
    """Write ``count`` files into ``root/YYYY/MM/``: the format mix of :data:`MIX` (or JPEG
    only), each a copy of one of a few encoded templates with its own capture date patched in
    (same length, so no offset moves), so thousands of files take seconds. Returns the count
    per extension."""
    import random

    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    work = root / ".templates"
    work.mkdir(exist_ok=True)
    mix = (("jpg", 1.0),) if jpeg_only else MIX
    encoded = {kind: _templates(kind, work, templates) for kind, _ in mix}
    work.rmdir()
    counts: dict[str, int] = {}
    kinds = [kind for kind, _ in mix]
    weights = [w for _, w in mix]
    for n in range(count):
        kind = rng.choices(kinds, weights)[0]
        data = rng.choice(encoded[kind])
        year, month, day = 2012 + n % 12, 1 + n % 12, 1 + n % 28
        hms = f"{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"
        exif_date = f"{year}:{month:02d}:{day:02d} {hms}".encode()
        apple_date = f"{year}-{month:02d}-{day:02d}T{hms}+0200".encode()
        data = data.replace(_DATE, exif_date).replace(_APPLE_DATE, apple_date)
        folder = root / f"{year}" / f"{year}-{month:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        ext = {"jpg": "JPG", "heic": "HEIC", "mov": "MOV"}.get(kind, kind)
        (folder / f"IMG_{n:05d}.{ext}").write_bytes(data)
        counts[kind] = counts.get(kind, 0) + 1
    return counts
