"""The capture-time rules of the README ("Capture time"), one rule per test, through the real
probe on generated files."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from albumen import _core
from albumen.testing.formats import (
    ExifSpec,
    add_quicktime_keys,
    make_heic,
    make_jpeg,
    make_png,
    make_video,
)

MTIME = 1_600_000_000  # 2020-09-13T12:26:40Z


def probe(path: Path) -> dict[str, Any]:
    os.utime(path, (MTIME, MTIME))
    return _core.probe_file(path.parent, path.name)


def when(r: dict[str, Any]) -> tuple[str, int | None, str]:
    return r["captured_at"], r["captured_offset"], r["captured_at_source"]


def test_exif_original_wins_with_subseconds_and_offset(tmp_path: Path) -> None:
    spec = ExifSpec(
        datetime_original="2023:07:14 18:03:22",
        subsec_original="5",
        offset_original="-03:30",
        create_date="2023:07:14 18:03:00",
        modify_date="2024:01:01 00:00:00",
    )
    r = probe(make_heic(tmp_path / "a.heic", (32, 32), spec))
    assert when(r) == ("2023-07-14T18:03:22.500", -210, "exif:DateTimeOriginal")


def test_naive_time_is_local_with_no_offset(tmp_path: Path) -> None:
    r = probe(
        make_jpeg(tmp_path / "a.jpg", (8, 8), ExifSpec(datetime_original="2001:02:03 04:05:06"))
    )
    assert when(r) == ("2001-02-03T04:05:06", None, "exif:DateTimeOriginal")


def test_impossible_dates_fall_through_to_the_next_source(tmp_path: Path) -> None:
    spec = ExifSpec(
        datetime_original="0000:00:00 00:00:00",
        create_date="2023:02:30 10:00:00",  # no February 30th
        modify_date="2019:01:02 03:04:05",
    )
    r = probe(make_jpeg(tmp_path / "a.jpg", (8, 8), spec))
    assert when(r) == ("2019-01-02T03:04:05", None, "exif:ModifyDate")
    spec = ExifSpec(datetime_original="2999:01:01 00:00:00", create_date="1850:01:01 00:00:00")
    r = probe(make_jpeg(tmp_path / "b.jpg", (8, 8), spec))
    assert when(r) == ("2020-09-13T12:26:40", 0, "file:mtime")


def test_png_text_beats_modify_date_but_not_original(tmp_path: Path) -> None:
    modify_only = ExifSpec(modify_date="2010:01:01 00:00:00")
    r = probe(make_png(tmp_path / "a.png", (8, 8), modify_only, "2015-06-07T08:09:10+01:00"))
    assert when(r) == ("2015-06-07T08:09:10", 60, "png:CreationTime")
    original = ExifSpec(datetime_original="2011:01:01 00:00:00")
    r = probe(make_png(tmp_path / "b.png", (8, 8), original, "2015-06-07T08:09:10+01:00"))
    assert when(r) == ("2011-01-01T00:00:00", None, "exif:DateTimeOriginal")


def test_unreadable_png_text_is_reported_and_skipped(tmp_path: Path) -> None:
    r = probe(make_png(tmp_path / "a.png", (8, 8), None, "yesterday around noon"))
    assert r["captured_at_source"] == "file:mtime"
    assert r["error"] is None  # the file is sound: the unreadable text is a warning
    assert "Creation Time" in (r["warnings"] or "")


def test_quicktime_apple_date_beats_mvhd_and_keeps_its_offset(tmp_path: Path) -> None:
    utc = datetime(2023, 7, 14, 16, 3, 22, tzinfo=timezone.utc)
    path = make_video(tmp_path / "a.mov", (64, 48), 0.2, 10, "libx264", utc)
    r = probe(path)
    assert when(r) == ("2023-07-14T16:03:22", 0, "quicktime:CreationDate")
    add_quicktime_keys(path, {"com.apple.quicktime.creationdate": "2023-07-14T09:03:23-0700"})
    r = probe(path)
    assert when(r) == ("2023-07-14T09:03:23", -420, "quicktime:com.apple.quicktime.creationdate")


def test_quicktime_zero_and_impossible_apple_dates_are_unknown(tmp_path: Path) -> None:
    path = make_video(tmp_path / "a.mp4", (64, 48), 0.2, 10, "libx264")  # mvhd time 0
    add_quicktime_keys(path, {"com.apple.quicktime.creationdate": "0000-00-00T00:00:00Z"})
    r = probe(path)
    assert when(r) == ("2020-09-13T12:26:40", 0, "file:mtime")
    future = make_video(
        tmp_path / "b.mp4", (64, 48), 0.2, 10, "libx264", datetime(2100, 1, 1, tzinfo=timezone.utc)
    )
    assert probe(future)["captured_at_source"] == "file:mtime"
