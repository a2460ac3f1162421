"""Makers of small test media for the thumbnail tests (JPEG with EXIF orientation and an
embedded IFD1 thumbnail, HEIC, video with a display rotation, a fake RAW with a preview)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GREEN = (0, 200, 0)
GREY = (128, 128, 128)


def marked_image(width: int = 800, height: int = 400) -> Image.Image:
    """Grey image, a red block in the top-left corner, a blue block in the top-right."""
    im = Image.new("RGB", (width, height), GREY)
    bw, bh = width // 4, height // 4
    im.paste(RED, (0, 0, bw, bh))
    im.paste(BLUE, (width - bw, 0, width, bh))
    return im


def exif_bytes(orientation: int | None = None, thumbnail: bytes | None = None) -> bytes:
    """A little-endian TIFF EXIF block: IFD0 with Orientation, optionally an IFD1 thumbnail."""
    entries0 = [] if orientation is None else [(0x0112, 3, 1, orientation)]
    header = b"II*\x00" + struct.pack("<I", 8)
    ifd0_size = 2 + 12 * len(entries0) + 4
    ifd1_offset = 8 + ifd0_size if thumbnail else 0
    out = bytearray(header)
    out += struct.pack("<H", len(entries0))
    for tag, typ, count, value in entries0:
        out += struct.pack("<HHIHH", tag, typ, count, value, 0)
    out += struct.pack("<I", ifd1_offset)
    if thumbnail:
        ifd1_size = 2 + 12 * 2 + 4
        data_offset = ifd1_offset + ifd1_size
        out += struct.pack("<H", 2)
        out += struct.pack("<HHII", 0x0201, 4, 1, data_offset)
        out += struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail))
        out += struct.pack("<I", 0)
        out += thumbnail
    return bytes(out)


def save_jpeg(
    path: Path,
    im: Image.Image,
    orientation: int | None = None,
    thumbnail: Image.Image | None = None,
    quality: int = 90,
) -> Path:
    thumb_bytes = None
    if thumbnail is not None:
        buf = io.BytesIO()
        thumbnail.save(buf, "JPEG", quality=90)
        thumb_bytes = buf.getvalue()
    kwargs = {}
    if orientation is not None or thumb_bytes is not None:
        kwargs["exif"] = b"Exif\x00\x00" + exif_bytes(orientation, thumb_bytes)
    im.save(path, "JPEG", quality=quality, **kwargs)
    return path


def save_heic(path: Path, im: Image.Image) -> Path:
    import pillow_heif

    pillow_heif.register_heif_opener()
    im.save(path, format="HEIF", quality=90)
    return path


def save_video(path: Path, width: int = 64, height: int = 32, rotation: int = 0) -> Path:
    """A 2-second mpeg4 clip, left half red and right half blue, with a display rotation."""
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        if rotation:
            s.set_display_rotation(rotation)
        a = np.zeros((height, width, 3), np.uint8)
        a[:, : width // 2] = RED
        a[:, width // 2 :] = BLUE
        for _ in range(20):
            for p in s.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def save_fake_raw(path: Path, preview: Image.Image) -> tuple[Path, int, int]:
    """A file with junk around an embedded JPEG preview; returns (path, offset, length)."""
    buf = io.BytesIO()
    preview.save(buf, "JPEG", quality=90)
    blob = buf.getvalue()
    head = b"IIRAWjunk" * 100
    path.write_bytes(head + blob + b"\x00tail" * 50)
    return path, len(head), len(blob)


def colour_at(jpeg: bytes, fx: float, fy: float) -> tuple[int, int, int]:
    """The RGB at a fractional position of a JPEG's pixels."""
    with Image.open(io.BytesIO(jpeg)) as im:
        rgb = im.convert("RGB")
        x = min(rgb.width - 1, int(fx * rgb.width))
        y = min(rgb.height - 1, int(fy * rgb.height))
        px = rgb.getpixel((x, y))
        assert isinstance(px, tuple)
        return (int(px[0]), int(px[1]), int(px[2]))


def close(c: tuple[int, int, int], want: tuple[int, int, int], tol: int = 60) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(c, want, strict=True))


def size_of(jpeg: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(jpeg)) as im:
        assert im.format == "JPEG"
        width, height = im.size
        return (width, height)


def jpeg_of(im: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def save_mpf_jpeg(
    path: Path,
    im: Image.Image,
    preview: Image.Image | bytes,
    orientation: int | None = None,
    thumbnail: Image.Image | None = None,
) -> Path:
    """A camera-like JPEG: ``im`` (with EXIF orientation / IFD1 thumbnail when given), an MPF
    segment listing ``preview`` (an image, or the bytes to embed as it) appended after it."""
    from albumen.testing.corpus import with_mpf_preview

    main = save_jpeg(path, im, orientation, thumbnail).read_bytes()
    blob = preview if isinstance(preview, bytes) else jpeg_of(preview)
    path.write_bytes(with_mpf_preview(main, blob))
    return path
