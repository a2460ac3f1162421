"""The Rust probe against the corpus manifest and against ExifTool, field by field."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from albumen import ParallelScanner

Corpus = tuple[Path, dict[str, Any]]

FLOATS = ("f_number", "exposure_time", "focal_length", "gps_lat", "gps_lon", "gps_alt")
EXACT = ("width", "height", "display_width", "display_height", "make", "model", "lens", "iso")


@pytest.fixture(scope="module")
def probed(corpus: Corpus) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Records by relative path, and errors by relative path, from one built-in scan."""
    root, _ = corpus
    result = ParallelScanner().scan(root)
    records = {os.fsdecode(r["path"]): r for r in result.assets}
    errors = dict(result.errors)  # paths relative to the root
    return records, errors


def same_time(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def close(a: float | None, b: float | None, tol: float = 1e-6) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=tol)


def test_every_photo_is_found_and_nothing_else(corpus: Corpus, probed: Any) -> None:
    _root, manifest = corpus
    records, errors = probed
    assert set(records) | set(errors) == set(manifest["files"]) | set(manifest["broken"])
    assert not set(errors) & set(manifest["files"]), {e: errors[e] for e in errors}


def test_probe_matches_the_manifest(corpus: Corpus, probed: Any) -> None:
    _root, manifest = corpus
    records, _errors = probed
    mismatches: list[str] = []
    for rel, want in manifest["files"].items():
        got = records[rel]
        for key in EXACT:
            if got[key] != want[key]:
                mismatches.append(f"{rel}: {key} {got[key]!r} != {want[key]!r}")
        for key in FLOATS:
            if not close(got[key], want[key]):
                mismatches.append(f"{rel}: {key} {got[key]!r} != {want[key]!r}")
        if got["orientation"] != want["orientation"] and not (
            want["orientation"] is None and got["orientation"] in (None, 1)
        ):
            mismatches.append(f"{rel}: orientation {got['orientation']} != {want['orientation']}")
        if not same_time(got["captured_at"], want["captured_at"]):
            mismatches.append(f"{rel}: captured_at {got['captured_at']} != {want['captured_at']}")
        if got["captured_offset"] != want["captured_offset"]:
            mismatches.append(
                f"{rel}: captured_offset {got['captured_offset']} != {want['captured_offset']}"
            )
        if got["captured_at_source"] != want["captured_at_source"]:
            mismatches.append(
                f"{rel}: source {got['captured_at_source']} != {want['captured_at_source']}"
            )
        if got["size"] != want["size"] or got["kind"] != "photo" or len(got["id"] or "") != 32:
            mismatches.append(f"{rel}: size/kind/id {got['size']} {got['kind']} {got['id']}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:40])


def test_broken_files_end_as_errors_or_correct_records(corpus: Corpus, probed: Any) -> None:
    _root, manifest = corpus
    records, errors = probed
    assert sorted(errors) == manifest["unreadable"]
    for rel, info in manifest["broken"].items():
        if rel in errors:
            assert errors[rel].strip(), rel
            continue
        assert records[rel]["warnings"], (
            f"{rel} ({info['reason']}) should say what it could not read"
        )
        recoverable = info["recoverable"]
        assert recoverable is not None, f"{rel} ({info['reason']}) should be an error"
        got = records[rel]
        assert (got["width"], got["height"]) == (recoverable["width"], recoverable["height"]), rel


# -- ExifTool ---------------------------------------------------------------------------------


def exiftool_time(tags: dict[str, Any]) -> tuple[str | None, int | None]:
    """Capture time and offset as ExifTool reads them (DateTimeOriginal, else CreateDate)."""
    for stamp_tag, sub_tag, offset_tag in (
        ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal"),
        ("CreateDate", "SubSecTimeDigitized", "OffsetTimeDigitized"),
    ):
        stamp = tags.get(stamp_tag)
        if not stamp:
            continue
        local = datetime.strptime(str(stamp), "%Y:%m:%d %H:%M:%S").isoformat()
        sub = tags.get(sub_tag)
        if sub is not None:
            local += "." + str(sub)
        offset = tags.get(offset_tag)
        minutes = None
        if offset:
            sign = -1 if str(offset).startswith("-") else 1
            hh, mm = str(offset).lstrip("+-").split(":")
            minutes = sign * (int(hh) * 60 + int(mm))
        return local, minutes
    return None, None


@pytest.fixture(scope="module")
def exiftool(corpus: Corpus) -> dict[str, dict[str, Any]]:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed: `make apt` installs libimage-exiftool-perl")
    root, _ = corpus
    out = subprocess.run(
        ["exiftool", "-json", "-n", "-r", "-ext", "jpg", "-ext", "jpeg", "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.stdout, out.stderr
    return {str(Path(d["SourceFile"])): d for d in json.loads(out.stdout)}


def test_probe_matches_exiftool(corpus: Corpus, probed: Any, exiftool: Any) -> None:
    _root, manifest = corpus
    records, _errors = probed
    pairs = {
        "width": "ImageWidth",
        "height": "ImageHeight",
        "orientation": "Orientation",
        "make": "Make",
        "model": "Model",
        "lens": "LensModel",
        "iso": "ISO",
        "f_number": "FNumber",
        "exposure_time": "ExposureTime",
        "focal_length": "FocalLength",
        "gps_lat": "GPSLatitude",  # -n: signed decimal degrees (Composite)
        "gps_lon": "GPSLongitude",
        "gps_alt": "GPSAltitude",  # -n: signed (Composite applies GPSAltitudeRef)
    }
    compared = 0
    mismatches: list[str] = []
    for rel in manifest["files"]:
        tool = exiftool[rel]
        got = records[rel]
        for ours, theirs in pairs.items():
            want = tool.get(theirs)
            if ours == "orientation" and want is None and got[ours] in (None, 1):
                continue
            if ours in ("make", "model", "lens") and want is not None:
                want = str(want)
            ok = close(got[ours], want) if ours in FLOATS else got[ours] == want
            if not ok:
                mismatches.append(f"{rel}: {ours} {got[ours]!r} != exiftool {theirs} {want!r}")
            compared += 1
        local, offset = exiftool_time(tool)
        if local is not None:
            if not same_time(got["captured_at"], local):
                mismatches.append(f"{rel}: captured_at {got['captured_at']} != exiftool {local}")
            if got["captured_offset"] != offset:
                mismatches.append(f"{rel}: offset {got['captured_offset']} != exiftool {offset}")
            compared += 2
    print(f"\nExifTool agreement on the JPEG corpus: {compared - len(mismatches)}/{compared}")
    assert compared > 400 * 10
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:40])


def test_probe_finds_the_mpf_previews_the_manifest_lists(corpus: Corpus, probed: Any) -> None:
    from albumen.store.records import parse_previews
    from albumen.testing.corpus import PHONE_MAKES

    root, manifest = corpus
    records, _errors = probed
    files = manifest["files"]
    with_preview = [rel for rel, want in files.items() if want["preview"]]
    assert 0 < len(with_preview) < len(files)  # cameras' files carry one, phones' none
    for rel, want in files.items():
        assert (want["preview"] is not None) == (want["exif"] and want["make"] not in PHONE_MAKES)
        previews = parse_previews(records[rel]["previews"])
        if want["preview"] is None:
            assert previews == (), rel
            continue
        (p,) = previews
        assert (p.kind, p.width, p.height) == ("mpf", *want["preview"].values()), rel
        assert p.offset + p.length == want["size"], rel  # appended after the image
    if shutil.which("exiftool"):
        sample = with_preview[:5]
        out = subprocess.run(
            ["exiftool", "-j", "-n", "-G1", "-MPImageStart", "-MPImageLength", *sample],
            cwd=root, capture_output=True, text=True, check=True,
        )  # fmt: skip
        for o in json.loads(out.stdout):
            (p,) = parse_previews(records[o["SourceFile"]]["previews"])
            assert (p.offset, p.length) == (o["MPImage2:MPImageStart"], o["MPImage2:MPImageLength"])
