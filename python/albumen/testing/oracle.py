"""ExifTool as the oracle for the probe: what each field albumen stores should be, computed from
ExifTool's reading of the same file (``exiftool -json -n -G1 -a``), and the comparison rules.

``tests/test_formats_oracle.py`` uses them on generated files, ``benches/oracle_realworld.py``
(``make oracle``) on real-world files. The rules are one: a field ExifTool reads must be what
albumen stores, within the tolerances below; a field ExifTool does not read must stay empty.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

#: The ExifTool command line whose JSON the rules read (``-n``: numbers, not prose; ``-G1``:
#: ``group:name`` keys; ``-a``: duplicates kept).
EXIFTOOL_ARGS = ("-json", "-n", "-G1", "-a", "-api", "LargeFileSupport=1")


def run_exiftool(paths: Sequence[Path]) -> dict[Path, dict[str, Any]]:
    """ExifTool's reading of every file (one process for all; the paths go through an
    argument file, so there is no limit on their number), keyed by the path given."""
    if not paths:
        return {}
    args = "\n".join(str(p) for p in paths) + "\n"
    out = subprocess.run(
        ["exiftool", *EXIFTOOL_ARGS, "-charset", "filename=utf8", "-@", "-"],
        input=args,
        capture_output=True,
        text=True,
        check=False,
    )
    return {Path(e["SourceFile"]): e for e in json.loads(out.stdout or "[]")}


def close(
    got: Any, want: Any, *, rel_tol: float | None = None, abs_tol: float | None = None
) -> bool:
    """``got`` equals ``want`` within ``abs_tol``, or within ``rel_tol`` of ``want`` (as
    ``pytest.approx``: absolute only when only ``abs_tol`` is given; None only equals None)."""
    if want is None or got is None:
        return got is want
    try:
        g, w = float(got), float(want)
    except (TypeError, ValueError):
        return bool(got == want)
    if rel_tol is None and abs_tol is not None:
        tolerance = abs_tol
    else:
        rel = 1e-6 if rel_tol is None else rel_tol
        tolerance = max(rel * abs(w), 1e-12 if abs_tol is None else abs_tol)
    return abs(g - w) <= tolerance


def first(o: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if k in o:
            return o[k]
    return None


def tag(o: dict[str, Any], name: str, *groups: str) -> Any:
    """The first of ``group:name`` ExifTool gives, in the order of ``groups``."""
    return first(o, *(f"{g}:{name}" for g in groups))


#: Groups ExifTool files EXIF tags under (-G1): the EXIF IFD ("ExifOffset" in a BigTIFF) and
#: IFD0 (odd writers put dates there).
EXIF_GROUPS = ("ExifIFD", "ExifOffset", "IFD0")


def tool_date(text: Any, now: datetime | None = None) -> tuple[str, int | None] | None:
    """ExifTool's date text (``YYYY:MM:DD HH:MM[:SS][.fff][zone]``, or a date alone) as
    (local ISO time, offset minutes), when it passes the plausibility rules."""
    # ExifTool 12.57 prints a Matroska DateUTC before 2001 (a negative count) with float noise
    # after the seconds ("1998:10:23 20:33:15-0.999999493360519Z"): the instant is the seconds.
    text = re.sub(r"(\d\d:\d\d:\d\d)-0\.\d+(?=Z$)", r"\1", str(text).strip())
    m = re.fullmatch(
        r"(\d{4}):(\d\d):(\d\d)(?: (\d\d):(\d\d)(?::(\d\d))?(?:\.(\d+))?)?\s*(Z|[+-]\d\d:?\d\d)?",
        str(text).strip(),
    )
    if m is None:
        return None
    y, mo, d, hh, mm, ss, frac, zone = m.groups()
    try:
        v = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    ok = v.year >= 1900 and v != datetime(1904, 1, 1) and v < (now or datetime.now()) + timedelta(1)
    if not ok:
        return None
    local = v.isoformat() + ("." + frac.ljust(3, "0")[:3] if frac else "")
    offset = None
    if zone == "Z":
        offset = 0
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
    return local, offset


def expected_capture(o: dict[str, Any]) -> tuple[str, int | None, str] | None:
    """What the capture-time rules give (README, "Capture time"), computed from ExifTool's
    reading: the strongest source ExifTool has a plausible value for."""

    def offset(text: str | None) -> int | None:
        if not text or len(text) < 6:
            return None
        sign = -1 if text[0] == "-" else 1
        return sign * (int(text[1:3]) * 60 + int(text[4:6]))

    for name, sub, off, source in (
        ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal", "exif:DateTimeOriginal"),
        ("CreateDate", "SubSecTimeDigitized", "OffsetTimeDigitized", "exif:CreateDate"),
    ):  # fmt: skip
        got = tool_date(tag(o, name, *EXIF_GROUPS))
        if got is not None:
            local, zone = got
            if tag(o, sub, *EXIF_GROUPS) is not None:
                local = local[:19] + "." + str(tag(o, sub, *EXIF_GROUPS)).ljust(3, "0")[:3]
            stated = offset(tag(o, off, *EXIF_GROUPS))
            return local, stated if stated is not None else zone, source
    ranked = (
        ("XMP-exif:DateTimeOriginal", "xmp:DateTimeOriginal"),
        ("XMP-photoshop:DateCreated", "xmp:DateCreated"),
        ("XMP-xmp:CreateDate", "xmp:CreateDate"),
        ("Reconyx:DateTimeOriginal", "makernotes:DateTimeOriginal"),
        ("PictureInfo:DateTimeOriginal", "pictureinfo:DateTimeOriginal"),
        ("Keys:CreationDate", "quicktime:com.apple.quicktime.creationdate"),
        ("RIFF:DateTimeOriginal", "riff:DateTimeOriginal"),
        ("Matroska:DateTimeOriginal", "matroska:DateTimeOriginal"),
        ("PNG:CreationTime", "png:CreationTime"),
        ("QuickTime:CreateDate", "quicktime:CreationDate"),
        ("RIFF:DateCreated", "riff:DateCreated"),
    )
    for key, source in ranked:
        got = tool_date(o.get(key, ""))
        if got is not None:
            local, zone = got
            if source == "quicktime:CreationDate":
                zone = 0  # mvhd is UTC
            return local, zone, source
    got = tool_date(o.get("IFD0:ModifyDate", ""))
    if got is not None:
        stated = offset(tag(o, "OffsetTime", *EXIF_GROUPS))
        return got[0], stated if stated is not None else got[1], "exif:ModifyDate"
    got = tool_date(o.get("PNG:ModifyDate", ""))
    if got is not None:
        return got[0], 0, "png:ModifyDate"  # tIME is UTC
    return None


CODECS = {
    "avc1": "h264",
    "hvc1": "hevc",
    "hev1": "hevc",
    "mp4v": "mpeg4",
    # AVI handler fourccs
    "MJPG": "mjpeg",
    "FMP4": "mpeg4",
    "XVID": "mpeg4",
    "DIVX": "mpeg4",
    "H264": "h264",
    # Matroska codec IDs
    "V_MPEG4/ISO/AVC": "h264",
    "V_MPEG4/ISO/ASP": "mpeg4",
    "V_MPEGH/ISO/HEVC": "hevc",
    "V_VP8": "vp8",
    "V_VP9": "vp9",
}


def seconds(value: Any) -> float | None:
    """A duration as ExifTool gives it with -n: seconds, or (Matroska tags) ``H:MM:SS.fff``."""
    if value is None or isinstance(value, (int, float)):
        return value
    h, m, sec = str(value).split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


def video_track(o: dict[str, Any]) -> str:
    """The ExifTool group of the first video track (``Track1``, ``Track2``...): the one with a
    QuickTime ``CompressorID`` or a Matroska ``TrackType`` of 1 (subtitle and audio tracks
    come first in some files). ``Track1`` when none says."""
    for n in range(1, 17):
        group = f"Track{n}"
        if f"{group}:CompressorID" in o or o.get(f"{group}:TrackType") == 1:
            return group
        if f"{group}:TrackType" not in o and f"{group}:HandlerType" not in o:
            break
    return "Track1"


def text(value: Any) -> Any:
    """A text tag as albumen stores it: trimmed, and None when blank."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def expected_size(o: dict[str, Any]) -> tuple[Any, Any]:
    if "QuickTime:CleanAperture" in o:  # HEIF: coded picture cropped to the clean aperture
        w, h = str(o["QuickTime:CleanAperture"]).split()[:2]
        return int(w), int(h)
    if "QuickTime:ImageSpatialExtent" in o:
        w, h = str(o["QuickTime:ImageSpatialExtent"]).split()
        return int(w), int(h)
    track = video_track(o)
    if f"{track}:SourceImageWidth" in o:
        return o[f"{track}:SourceImageWidth"], o[f"{track}:SourceImageHeight"]
    w = first(o, "File:ImageWidth", "PNG:ImageWidth", "RIFF:ImageWidth", "GIF:ImageWidth",
              f"{track}:ImageWidth", "IFD0:ImageWidth")  # fmt: skip
    h = first(o, "File:ImageHeight", "PNG:ImageHeight", "RIFF:ImageHeight", "GIF:ImageHeight",
              f"{track}:ImageHeight", "IFD0:ImageHeight")  # fmt: skip
    return w, h


#: One comparison: (field, albumen's value, what ExifTool's reading says it should be, whether
#: they agree). ``want`` is None when ExifTool reads nothing for the field.
Comparison = tuple[str, Any, Any, bool]


def comparisons(o: dict[str, Any], r: dict[str, Any]) -> list[Comparison]:
    """Every field ExifTool reads from the file and albumen stores, compared: ``o`` is
    ExifTool's reading, ``r`` albumen's record."""
    out: list[Comparison] = []

    def check(field: str, want: Any, ok: bool | None = None) -> None:
        got = r[field]
        out.append((field, got, want, got == want if ok is None else ok))

    w, h = expected_size(o)
    if w is not None:
        check("width", w)
        check("height", h)
        rotation = first(o, "Composite:Rotation", "QuickTime:Rotation")
        if o.get("File:FileType") in ("HEIC", "AVIF"):
            rotation = rotation or 0  # only irot counts in HEIF
        orientation = tag(o, "Orientation", "IFD0")
        swap = (rotation in (90, 270)) if rotation is not None else (orientation or 1) >= 5
        check("display_width", h if swap else w)
        check("display_height", w if swap else h)
    if tag(o, "Orientation", "IFD0") is not None:
        check("orientation", o["IFD0:Orientation"])
    for field, key in (("make", "Make"), ("model", "Model")):
        want = first(o, f"IFD0:{key}", f"Keys:{key}", f"XMP-tiff:{key}", f"RIFF:{key}")
        if want is not None and str(want).strip():
            check(field, str(want).strip())
        else:
            check(field, None)
    check("lens", text(tag(o, "LensModel", *EXIF_GROUPS)))
    check("iso", tag(o, "ISO", *EXIF_GROUPS))
    for field, key in (("f_number", "FNumber"), ("exposure_time", "ExposureTime"),
                       ("focal_length", "FocalLength")):  # fmt: skip
        want = tag(o, key, *EXIF_GROUPS) or tag(o, key, "PictureInfo")
        check(field, want, close(r[field], want, rel_tol=1e-4))
    # ExifTool 12.57 reads a BigTIFF's GPS IFD with the Interop table (GPSLatitudeRef shows
    # as InteropIndex): no reading to compare with there.
    if "GPSInfo:InteropIndex" not in o:
        for field, key in (("gps_lat", "Composite:GPSLatitude"),
                           ("gps_lon", "Composite:GPSLongitude"),
                           ("gps_alt", "Composite:GPSAltitude")):  # fmt: skip
            want = text(o.get(key))  # ExifTool gives "" for a GPS IFD with empty values
            check(field, want, close(r[field], want, abs_tol=1e-4))
    expected = expected_capture(o)
    got_time = (r["captured_at"], r["captured_offset"], r["captured_at_source"])
    if expected is None:
        out.append(("captured_at", got_time, "file:mtime", r["captured_at_source"] == "file:mtime"))
    else:
        out.append(("captured_at", got_time, expected, got_time == expected))
    content_id = first(o, "Apple:ContentIdentifier", "Apple:MediaGroupUUID",
                       "Keys:ContentIdentifier")  # fmt: skip
    check("content_id", content_id)
    duration = seconds(first(o, "QuickTime:Duration", "Composite:Duration", "Matroska:Duration"))
    duration = duration or None  # 0 (a header with nothing in it) is no duration
    check("duration", duration, close(r["duration"], duration, abs_tol=0.01))
    track = video_track(o)
    rate = first(o, f"{track}:VideoFrameRate", "RIFF:VideoFrameRate")
    check("frame_rate", rate, close(r["frame_rate"], rate, rel_tol=1e-3))
    codec = first(o, f"{track}:CompressorID", "RIFF:VideoCodec")
    if codec is None and o.get(f"{track}:TrackType", 1) == 1:
        codec = o.get(f"{track}:CodecID")
    check("codec", CODECS.get(codec, codec) if codec else None)
    start = first(o, "IFD1:ThumbnailOffset", "PreviewImageStart")
    if start is not None:
        check("preview_offset", start)
        check("preview_length", first(o, "IFD1:ThumbnailLength", "PreviewImageLength"))
    return out
