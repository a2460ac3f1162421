"""Live Photo pairing through a real scan: the Library pairs after every scan, the CLI shows
the new fields, hides motion halves and lists pairs."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from albumen.cli import app
from albumen.library import Library
from albumen.store.query import AssetQuery
from albumen.testing.formats import (
    ExifSpec,
    add_quicktime_keys,
    make_heic,
    make_jpeg,
    make_video,
)
from typer.testing import CliRunner

LIVE_ID = "6F5C9E1A-3B2D-4C8E-9F10-A1B2C3D4E5F6"


def live_pair(folder: Path, stem: str, content_id: str | None, seconds_apart: int = 0) -> None:
    """An iPhone-like Live Photo: HEIC still + MOV with Apple keys."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = ExifSpec(
        make="Apple",
        model="iPhone 14 Pro",
        datetime_original="2023:07:14 18:03:22",
        offset_original="+02:00",
        apple_content_id=content_id,
    )
    make_heic(folder / f"{stem}.HEIC", (64, 48), spec)
    movie = make_video(folder / f"{stem}.MOV", (64, 48), 0.2, 10, "libx264")
    keys = {"com.apple.quicktime.creationdate": f"2023-07-14T18:03:{22 + seconds_apart}+0200"}
    if content_id is not None:
        keys["com.apple.quicktime.content.identifier"] = content_id
    add_quicktime_keys(movie, keys)


def pairs(lib: Library) -> list[tuple[str, str, float]]:
    return [(os.fsdecode(a), os.fsdecode(b), c) for a, b, c in lib.live_pairs()]


def test_scan_pairs_by_identifier_and_by_stem(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    live_pair(root / "2023", "IMG_0001", LIVE_ID)
    live_pair(root / "2023", "IMG_0002", None, seconds_apart=1)  # stem + time only
    live_pair(root / "2023", "IMG_0003", None, seconds_apart=30)  # too far apart
    make_jpeg(root / "2023" / "IMG_0004.JPG", (16, 16))
    with Library.open(root) as lib:
        report = lib.scan()
        assert (report.live.pairs, report.live.by_content_id, report.live.by_stem) == (2, 1, 1)
        assert pairs(lib) == [
            ("2023/IMG_0001.HEIC", "2023/IMG_0001.MOV", 1.0),
            ("2023/IMG_0002.HEIC", "2023/IMG_0002.MOV", 0.7),
        ]
        visible = {a.path for a in lib.assets()}
        assert "2023/IMG_0001.MOV" not in visible and "2023/IMG_0003.MOV" in visible
        assert len(list(lib.assets(AssetQuery(include_hidden=True)))) == 7  # never lost
        first = pairs(lib)
        # An unchanged rescan recomputes nothing and keeps the pairs.
        again = lib.scan()
        assert again.live.considered == 0
        assert pairs(lib) == first


def test_deleting_the_motion_half_unpairs_and_unhides(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    live_pair(root, "IMG_0001", LIVE_ID)
    with Library.open(root) as lib:
        lib.scan()
        assert len(pairs(lib)) == 1
        (root / "IMG_0001.MOV").unlink()
        lib.scan()
        assert pairs(lib) == []
        (row,) = lib.assets()
        assert row.live_partner is None and not row.hidden
        # The clip comes back, renamed and elsewhere: the identifier pairs it again.
        (root / "clips").mkdir()
        live_pair(tmp_path / "tmp", "x", LIVE_ID)
        (tmp_path / "tmp" / "x.MOV").rename(root / "clips" / "renamed.mov")
        lib.scan()
        assert pairs(lib) == [("IMG_0001.HEIC", "clips/renamed.mov", 1.0)]


def test_cli_ls_json_fields_hidden_and_live(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    live_pair(root, "IMG_0001", LIVE_ID)
    make_video(root / "clip.mp4", (64, 48), 0.5, 20, "libx264",
               datetime(2022, 1, 2, 3, 4, 5, tzinfo=timezone.utc))  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(root), "--json"]).exit_code == 0
    out = runner.invoke(app, ["ls", str(root), "--json"])
    assert out.exit_code == 0, out.output
    rows = {r["path"]: r for r in map(json.loads, out.stdout.splitlines())}
    assert set(rows) == {"IMG_0001.HEIC", "clip.mp4"}  # the motion half is hidden
    still = rows["IMG_0001.HEIC"]
    assert (still["content_id"], still["live_partner"]) == (LIVE_ID, "IMG_0001.MOV")
    clip = rows["clip.mp4"]
    assert (clip["codec"], clip["frame_rate"], clip["duration"]) == ("h264", 20.0, 0.5)
    assert clip["captured_at"] == "2022-01-02T03:04:05+00:00"
    assert clip["live_partner"] is None
    everything = runner.invoke(app, ["ls", str(root), "--json", "--all"])
    rows = {r["path"]: r for r in map(json.loads, everything.stdout.splitlines())}
    motion = rows["IMG_0001.MOV"]
    assert (motion["live_partner"], motion["codec"], motion["content_id"]) == (
        "IMG_0001.HEIC",
        "h264",
        LIVE_ID,
    )
    live = runner.invoke(app, ["ls", str(root), "--live", "--json"])
    assert [json.loads(line) for line in live.stdout.splitlines()] == [
        {"still": "IMG_0001.HEIC", "motion": "IMG_0001.MOV", "confidence": 1.0}
    ]
    table = runner.invoke(app, ["ls", str(root), "--live"], env={"COLUMNS": "200"})
    assert "IMG_0001.HEIC" in table.stdout and "IMG_0001.MOV" in table.stdout


def test_cli_ls_table_counts_what_it_lists(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    live_pair(root, "IMG_0001", LIVE_ID)
    make_video(root / "clip.mp4", (64, 48), 0.5, 20, "libx264")
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(root), "--json"]).exit_code == 0
    table = runner.invoke(app, ["ls", str(root)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "IMG_0001.MOV" not in table.stdout
    last = table.stdout.strip().splitlines()[-1]
    assert last.startswith("2 assets; 1 hidden") and "--all" in last, last
    everything = runner.invoke(app, ["ls", str(root), "--all"], env={"COLUMNS": "200"})
    assert "IMG_0001.MOV" in everything.stdout
    assert everything.stdout.strip().splitlines()[-1] == "3 assets"
    live = runner.invoke(app, ["ls", str(root), "--live"], env={"COLUMNS": "200"})
    assert "1 Live Photo pair" in live.stdout and "pairs" not in live.stdout


def test_cli_stats_counts_live_photos_as_pairs(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    live_pair(root, "IMG_0001", LIVE_ID)
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(root), "--json"]).exit_code == 0
    stats = json.loads(runner.invoke(app, ["stats", str(root), "--json"]).stdout)
    assert (stats["assets"], stats["hidden"], stats["live_photos"]) == (2, 1, 1)


def test_live_pairs_and_partners_are_relative_strs(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    live_pair(root / "2023", "IMG_0001", LIVE_ID)
    with Library.open(root) as lib:
        lib.scan()
        [pair] = lib.live_pairs()
        assert (pair.still, pair.motion) == ("2023/IMG_0001.HEIC", "2023/IMG_0001.MOV")
        assert (pair.still_bytes, pair.motion_bytes) == (
            b"2023/IMG_0001.HEIC",
            b"2023/IMG_0001.MOV",
        )
        assert set(lib.partner_paths().values()) == {pair.still, pair.motion}
