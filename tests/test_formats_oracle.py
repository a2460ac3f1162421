"""Every format albumen probes, checked field by field against ExifTool (the oracle) on files
generated with Pillow, pillow-heif and PyAV, with tags those cannot write added by ExifTool.
Also missing, truncated and contradictory metadata."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from albumen import _core
from albumen.testing.formats import (
    ExifSpec,
    add_quicktime_keys,
    exiftool_available,
    exiftool_write,
    make_avif,
    make_gif,
    make_heic,
    make_jpeg,
    make_png,
    make_raw_like,
    make_tiff,
    make_video,
    make_webp,
    picture,
)

pytestmark = pytest.mark.skipif(not exiftool_available(), reason="needs exiftool")

FULL = ExifSpec(
    make="Apple",
    model="iPhone 14 Pro",
    lens="iPhone 14 Pro back triple camera 6.86mm f/1.78",
    orientation=6,
    datetime_original="2023:07:14 18:03:22",
    subsec_original="120",
    offset_original="+02:00",
    create_date="2023:07:14 18:03:21",
    iso=250,
    f_number=1.78,
    exposure_time=Fraction(1, 120),
    focal_length=6.86,
    gps=(48.8577, -2.2950, -12.5),
    apple_content_id="6F5C9E1A-3B2D-4C8E-9F10-A1B2C3D4E5F6",
)
CAMERA = ExifSpec(
    make="NIKON CORPORATION",
    model="NIKON Z 6_2",
    lens="NIKKOR Z 24-70mm f/4 S",
    orientation=1,
    datetime_original="2021:02:03 04:05:06",
    iso=6400,
    f_number=4.0,
    exposure_time=Fraction(1, 8000),
    focal_length=24.0,
    gps=(-33.8688, 151.2093, 58.0),
)
NAIVE = ExifSpec(make="Canon", model="Canon EOS R5", datetime_original="2022:12:31 23:59:59")
# Contradictions: an impossible DateTimeOriginal must fall back to CreateDate.
IMPOSSIBLE = ExifSpec(
    make="Canon", datetime_original="0000:00:00 00:00:00", create_date="2020:05:06 07:08:09"
)
FUTURE = ExifSpec(datetime_original="2999:01:01 00:00:00", modify_date="2019:01:02 03:04:05")
LIVE_ID = "A1B2C3D4-0000-4000-8000-0123456789AB"


def _files(d: Path) -> dict[str, Callable[[], object]]:
    utc = timezone.utc
    return {
        "full.jpg": lambda: make_jpeg(d / "full.jpg", (64, 48), FULL),
        "thumb.jpg": lambda: make_jpeg(d / "thumb.jpg", (80, 60), CAMERA),
        "bare.jpg": lambda: make_jpeg(d / "bare.jpg", (33, 17)),
        "full.heic": lambda: make_heic(d / "full.heic", (64, 48), FULL),
        "camera.heic": lambda: make_heic(d / "camera.heic", (128, 96), CAMERA),
        "bare.heic": lambda: make_heic(d / "bare.heic", (40, 30)),
        "exif-only.heic": lambda: make_heic(d / "exif-only.heic", (64, 48), NAIVE),
        "full.avif": lambda: make_avif(d / "full.avif", (64, 48), FULL),
        "camera.avif": lambda: make_avif(d / "camera.avif", (50, 30), CAMERA),
        "full.png": lambda: make_png(d / "full.png", (64, 48), FULL, "2023-07-14T18:03:22Z"),
        "text.png": lambda: make_png(
            d / "text.png", (30, 20), None, "Fri, 14 Jul 2023 18:03:22 +0200"
        ),
        "itxt.png": lambda: make_png(d / "itxt.png", (30, 20), None, "2023:07:14 18:03:22", True),
        "both.png": lambda: make_png(d / "both.png", (30, 20), NAIVE, "2001:01:01 00:00:00"),
        "bare.png": lambda: make_png(d / "bare.png", (7, 5)),
        "lossy.webp": lambda: make_webp(d / "lossy.webp", (64, 48), FULL),
        "lossless.webp": lambda: make_webp(d / "lossless.webp", (50, 30), CAMERA, True),
        "bare.webp": lambda: make_webp(d / "bare.webp", (20, 10)),
        "anim.gif": lambda: make_gif(d / "anim.gif", (320, 200)),
        "full.tif": lambda: make_tiff(d / "full.tif", (64, 48), FULL),
        "camera.dng": lambda: make_raw_like(d / "camera.dng", (96, 64), CAMERA),
        "camera.nef": lambda: make_raw_like(d / "camera.nef", (90, 60), CAMERA),
        "impossible.jpg": lambda: make_jpeg(d / "impossible.jpg", (16, 16), IMPOSSIBLE),
        "future.jpg": lambda: make_jpeg(d / "future.jpg", (16, 16), FUTURE),
        "plain.mp4": lambda: make_video(
            d / "plain.mp4",
            (320, 240),
            1.0,
            30,
            "libx264",
            datetime(2023, 7, 14, 16, 3, 22, tzinfo=utc),
        ),
        "zero.mp4": lambda: make_video(d / "zero.mp4", (160, 120), 0.5, 25, "libx264"),
        "hevc.mov": lambda: make_video(d / "hevc.mov", (192, 108), 1.0, 24, "libx265"),
        "mpeg4.m4v": lambda: make_video(d / "mpeg4.m4v", (176, 144), 1.0, 15, "mpeg4"),
    }


def _decorate(d: Path) -> None:
    """Tags the generators cannot write, added as phones and cameras would."""
    exiftool_write(d / "plain.mp4", "-Rotation=90", "-UserData:GPSCoordinates#=-33.8688 151.2093 5")
    add_quicktime_keys(
        d / "hevc.mov",
        {
            "com.apple.quicktime.content.identifier": LIVE_ID,
            "com.apple.quicktime.location.ISO6709": "+37.3318-122.0312+010.000/",
            "com.apple.quicktime.creationdate": "2023-07-14T18:03:22-0700",
            "com.apple.quicktime.make": "Apple",
            "com.apple.quicktime.model": "iPhone 14 Pro",
        },
    )
    exiftool_write(d / "hevc.mov", "-Rotation=270")
    # Contradiction: EXIF says "rotate 90°" but the HEIF has no irot. Decoders follow the
    # container, so the display size stays as stored.
    exiftool_write(d / "exif-only.heic", "-Orientation#=6")
    thumb = d / "th.jpg.src"
    picture((32, 24)).save(thumb, "JPEG")
    exiftool_write(d / "thumb.jpg", f"-ThumbnailImage<={thumb}")
    thumb.unlink()


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    d = tmp_path_factory.mktemp("formats")
    for make in _files(d).values():
        make()
    _decorate(d)
    out = subprocess.run(
        ["exiftool", "-json", "-n", "-G1", "-a", "-api", "LargeFileSupport=1", str(d)],
        capture_output=True,
        text=True,
        check=False,
    )
    oracle = {Path(e["SourceFile"]).name: e for e in json.loads(out.stdout)}
    return d, oracle


def probe(root: Path, name: str) -> dict[str, Any]:
    return _core.probe_file(root, name)


def close(got: Any, want: Any, *, rel: float | None = None, abs: float | None = None) -> bool:
    if want is None or got is None:
        return got is want
    return bool(got == pytest.approx(want, rel=rel, abs=abs))


def first(o: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in o:
            return o[k]
    return None


def expected_capture(o: dict[str, Any]) -> tuple[str, int | None, str] | None:
    """What the capture-time rules give, computed from ExifTool's reading."""

    def plausible(t: str) -> datetime | None:
        try:
            v = datetime.strptime(t[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            return None
        ok = v.year >= 1900 and v != datetime(1904, 1, 1) and v < datetime.now() + timedelta(1)
        return v if ok else None

    def offset(text: str | None) -> int | None:
        if not text or len(text) < 6:
            return None
        sign = -1 if text[0] == "-" else 1
        return sign * (int(text[1:3]) * 60 + int(text[4:6]))

    for tag, sub, off, source in (
        ("ExifIFD:DateTimeOriginal", "ExifIFD:SubSecTimeOriginal", "ExifIFD:OffsetTimeOriginal",
         "exif:DateTimeOriginal"),
        ("ExifIFD:CreateDate", "ExifIFD:SubSecTimeDigitized", "ExifIFD:OffsetTimeDigitized",
         "exif:CreateDate"),
    ):  # fmt: skip
        v = plausible(str(o.get(tag, "")))
        if v is not None:
            local = v.isoformat()
            if sub in o:
                local += "." + str(o[sub]).ljust(3, "0")[:3]
            return local, offset(o.get(off)), source
    for tag, source in (
        ("Keys:CreationDate", "quicktime:com.apple.quicktime.creationdate"),
        ("QuickTime:CreateDate", "quicktime:CreationDate"),
        ("PNG:CreationTime", "png:CreationTime"),
    ):
        text = str(o.get(tag, ""))
        v = plausible(text)
        if v is not None:
            off_text = text[19:]
            if source == "quicktime:CreationDate":
                return v.isoformat(), 0, source  # mvhd is UTC
            return (
                v.isoformat(),
                offset(off_text) if off_text not in ("", "Z") else (0 if off_text == "Z" else None),
                source,
            )
    v = plausible(str(o.get("IFD0:ModifyDate", "")))
    if v is not None:
        return v.isoformat(), offset(o.get("ExifIFD:OffsetTime")), "exif:ModifyDate"
    return None


CODECS = {"avc1": "h264", "hvc1": "hevc", "hev1": "hevc", "mp4v": "mpeg4"}


def expected_size(name: str, o: dict[str, Any]) -> tuple[int, int]:
    if "QuickTime:CleanAperture" in o:  # HEIF: coded picture cropped to the clean aperture
        w, h = str(o["QuickTime:CleanAperture"]).split()[:2]
        return int(w), int(h)
    if "QuickTime:ImageSpatialExtent" in o:
        w, h = str(o["QuickTime:ImageSpatialExtent"]).split()
        return int(w), int(h)
    if "Track1:SourceImageWidth" in o:
        return o["Track1:SourceImageWidth"], o["Track1:SourceImageHeight"]
    w = first(o, "File:ImageWidth", "PNG:ImageWidth", "RIFF:ImageWidth", "GIF:ImageWidth",
              "IFD0:ImageWidth")  # fmt: skip
    h = first(o, "File:ImageHeight", "PNG:ImageHeight", "RIFF:ImageHeight", "GIF:ImageHeight",
              "IFD0:ImageHeight")  # fmt: skip
    return w, h


ALL = sorted(_files(Path()).keys())


@pytest.mark.parametrize("name", ALL)
def test_fields_match_exiftool(library: tuple[Path, dict[str, dict[str, Any]]], name: str) -> None:
    root, oracle = library
    o = oracle[name]
    r = probe(root, name)
    assert r["error"] is None, r["error"]
    w, h = expected_size(name, o)
    assert (r["width"], r["height"]) == (w, h)
    rotation = first(o, "Composite:Rotation", "QuickTime:Rotation")
    if o["File:FileType"] in ("HEIC", "AVIF"):
        rotation = rotation or 0  # only irot counts in HEIF
    swap = (rotation in (90, 270)) if rotation is not None else o.get("IFD0:Orientation", 1) >= 5
    assert (r["display_width"], r["display_height"]) == ((h, w) if swap else (w, h))
    if "IFD0:Orientation" in o:
        assert r["orientation"] == o["IFD0:Orientation"]
    assert r["make"] == first(o, "IFD0:Make", "Keys:Make")
    assert r["model"] == first(o, "IFD0:Model", "Keys:Model")
    assert r["lens"] == o.get("ExifIFD:LensModel")
    assert r["iso"] == o.get("ExifIFD:ISO")
    for field, tag in (("f_number", "ExifIFD:FNumber"), ("exposure_time", "ExifIFD:ExposureTime"),
                       ("focal_length", "ExifIFD:FocalLength")):  # fmt: skip
        assert close(r[field], o.get(tag), rel=1e-4), (field, r[field], o.get(tag))
    for field, tag in (("gps_lat", "Composite:GPSLatitude"), ("gps_lon", "Composite:GPSLongitude"),
                       ("gps_alt", "Composite:GPSAltitude")):  # fmt: skip
        assert close(r[field], o.get(tag), abs=1e-4), (field, r[field], o.get(tag))
    expected = expected_capture(o)
    if expected is None:
        assert r["captured_at_source"] == "file:mtime"
    else:
        got = (r["captured_at"], r["captured_offset"], r["captured_at_source"])
        assert got == expected
    content_id = first(o, "Apple:ContentIdentifier", "Apple:MediaGroupUUID",
                       "Keys:ContentIdentifier")  # fmt: skip
    assert r["content_id"] == content_id
    assert close(r["duration"], o.get("QuickTime:Duration"), abs=0.01)
    assert close(r["frame_rate"], o.get("Track1:VideoFrameRate"), rel=1e-3)
    compressor = o.get("Track1:CompressorID")
    assert r["codec"] == (CODECS.get(compressor, compressor) if compressor else None)
    start = first(o, "IFD1:ThumbnailOffset", "PreviewImageStart")
    if start is not None:
        assert r["preview_offset"] == start
        assert r["preview_length"] == first(o, "IFD1:ThumbnailLength", "PreviewImageLength")


def test_every_format_is_covered(library: tuple[Path, dict[str, dict[str, Any]]]) -> None:
    _, oracle = library
    types = {o["File:FileType"] for o in oracle.values()}
    assert {
        "JPEG",
        "HEIC",
        "AVIF",
        "PNG",
        "WEBP",
        "GIF",
        "TIFF",
        "DNG",
        "MP4",
        "MOV",
        "M4V",
    } <= types


def test_truncated_files_end_as_errors_never_crashes(
    library: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    root, _ = library
    for name in ALL:
        data = (root / name).read_bytes()
        for cut in sorted({8, 16, 40, len(data) // 3, len(data) // 2, len(data) - 3}):
            target = tmp_path / f"cut{cut}_{name}"
            target.write_bytes(data[:cut])
            r = probe(tmp_path, target.name)
            assert r["size"] == cut
            # Either an honest error, or a partial record whose fields match the full file's.
            if r["error"] is None:
                full = probe(root, name)
                for k in ("width", "height", "make", "content_id"):
                    if r[k] is not None:
                        assert r[k] == full[k], (name, cut, k)


def test_bit_flips_never_crash(
    library: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    import random

    root, _ = library
    rng = random.Random(7)
    for name in ALL:
        data = bytearray((root / name).read_bytes())
        for i in range(15):
            flipped = bytearray(data)
            for _ in range(4):
                pos = rng.randrange(min(len(flipped), 4096))
                flipped[pos] ^= 1 << rng.randrange(8)
            target = tmp_path / f"flip{i}_{name}"
            target.write_bytes(bytes(flipped))
            r = probe(tmp_path, target.name)
            assert r["path"] == target.name
            assert r["captured_at"] is not None  # at worst the mtime


def test_a_mislabelled_file_is_probed_by_content(tmp_path: Path) -> None:
    make_heic(tmp_path / "real.heic", (64, 48), NAIVE)
    os.rename(tmp_path / "real.heic", tmp_path / "photo.jpg")
    r = probe(tmp_path, "photo.jpg")
    assert (r["width"], r["make"]) == (64, "Canon")
