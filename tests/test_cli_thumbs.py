"""`albumen thumbs`, `albumen thumb` and `albumen stats` on a small mixed-format library."""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from _thumb_media import (
    BLUE,
    RED,
    close,
    colour_at,
    marked_image,
    save_heic,
    save_jpeg,
    save_video,
    size_of,
)
from albumen.cli import app
from albumen.thumbnails.generator import thumbnail_asset_id
from albumen.thumbnails.service import thumbnail_key
from PIL import Image
from typer.testing import CliRunner

runner = CliRunner()
TR, BR = (0.92, 0.08), (0.92, 0.92)


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def library_root(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    (root / "trip").mkdir(parents=True)
    save_jpeg(root / "upright.jpg", marked_image(800, 400))
    save_jpeg(root / "trip" / "rotated.jpg", marked_image(800, 400), orientation=6)
    Image.new("RGB", (300, 200), (10, 200, 10)).save(root / "plain.png")
    save_heic(root / "phone.heic", marked_image(600, 300))
    save_video(root / "clip.mp4", 64, 32, rotation=90)
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    return root


def db_rows(root: Path) -> dict[str, tuple[object, ...]]:
    with sqlite3.connect(root / ".albumen" / "library.db") as conn:
        rows = conn.execute(
            "SELECT path, id, mtime_ns, micro_thumb, thumb_error, error FROM assets"
        ).fetchall()
    return {os.fsdecode(r[0]): r[1:] for r in rows}


def test_thumbs_makes_upright_thumbnails_then_serves_from_cache(library_root: Path) -> None:
    run("scan", str(library_root))
    first = json.loads(run("thumbs", str(library_root), "--json", "--size", "128"))
    rows = db_rows(library_root)
    good = [p for p, r in rows.items() if r[4] is None and p != "broken.jpg"]
    probe_failed = [p for p, r in rows.items() if r[4] is not None]
    assert first["generated"] == len(good) >= 5
    assert first["cached"] == 0
    assert first["micro_written"] == len(good)
    assert first["stats"]["generation"]["count"] == len(good)
    assert set(first["stats"]["generation"]["per_format"]) >= {"jpeg", "heif", "video", "png"}
    if "broken.jpg" not in probe_failed:  # indexed despite being broken: thumbnail fails
        assert first["failed"] == 1
        assert "broken.jpg" in {e["path"] for e in first["errors"]}
        _, _, _, thumb_error, _ = rows["broken.jpg"]
        assert isinstance(thumb_error, str) and thumb_error.startswith("[")

    thumbs_dir = library_root / ".albumen" / "thumbs"
    from albumen import DiskThumbnailCache

    disk = DiskThumbnailCache(thumbs_dir)
    for path in good:
        content_id, mtime_ns, micro, _, _ = rows[path]
        assert isinstance(micro, bytes)
        assert max(Image.open(io.BytesIO(micro)).size) <= 32
        data = disk.get(
            thumbnail_key(thumbnail_asset_id(str(content_id), int(str(mtime_ns))), (128, 128))
        )
        assert data is not None and max(size_of(data)) <= 128

    rid, rmtime = rows["trip/rotated.jpg"][0], rows["trip/rotated.jpg"][1]
    rotated = disk.get(thumbnail_key(thumbnail_asset_id(str(rid), int(str(rmtime))), (128, 128)))
    assert rotated is not None and size_of(rotated) == (64, 128)
    assert close(colour_at(rotated, *TR), RED) and close(colour_at(rotated, *BR), BLUE)
    cid, cm = rows["clip.mp4"][0], rows["clip.mp4"][1]
    clip = disk.get(thumbnail_key(thumbnail_asset_id(str(cid), int(str(cm))), (128, 128)))
    assert clip is not None and size_of(clip) == (32, 64)  # display rotation honoured

    second = json.loads(run("thumbs", str(library_root), "--json", "--size", "128"))
    assert second["generated"] == 0
    assert second["cached"] == len(good)
    assert second["failed"] == 0
    assert second["skipped_failed"] == first["failed"]


def test_edited_photo_gets_a_new_thumbnail(library_root: Path) -> None:
    run("scan", str(library_root))
    run("thumbs", str(library_root), "--json", "--size", "64")
    target = library_root / "upright.jpg"
    Image.new("RGB", (800, 400), BLUE).save(target, "JPEG")
    st = target.stat()
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    run("scan", str(library_root))
    again = json.loads(run("thumbs", str(library_root), "--json", "--size", "64"))
    assert again["generated"] == 1
    out = library_root.parent / "t.jpg"
    run("thumb", str(library_root), str(target), "--size", "64", "--out", str(out))
    assert close(colour_at(out.read_bytes(), 0.5, 0.5), BLUE)


def test_thumb_writes_one_upright_file(library_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.jpg"
    text = run("thumb", str(library_root), "trip/rotated.jpg", "--size", "100", "--out", str(out))
    assert "50x100" in text
    data = out.read_bytes()
    assert size_of(data) == (50, 100)
    assert close(colour_at(data, *TR), RED)


def test_thumb_of_a_broken_file_fails_cleanly(library_root: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["thumb", str(library_root), "broken.jpg", "--out", str(tmp_path / "x.jpg")]
    )
    assert result.exit_code == 2
    assert "cannot make a thumbnail" in result.output


def test_stats_per_tier(library_root: Path) -> None:
    run("scan", str(library_root))
    empty = json.loads(run("stats", str(library_root), "--json"))["thumbnails"]
    assert empty["l2_disk_entries"] == 0 and empty["last_run"].startswith("none")
    assert not (library_root / ".albumen" / "thumbs").exists()  # stats wrote nothing
    run("thumbs", str(library_root), "--json")
    run("thumbs", str(library_root), "--json")  # second run: everything from L2
    result = json.loads(run("stats", str(library_root), "--json"))["thumbnails"]
    assert result["l2_disk_entries"] >= 5
    assert result["micro_thumbnails"] == result["l2_disk_entries"]
    assert result["last_run_generated"] == 0
    assert result["last_run_cached"] == result["l2_disk_entries"]
    # hit rates add up every run: the first missed everything, the second hit L2 every time
    assert result["lookups"] == 2 * result["l2_disk_entries"]
    assert result["l2_hit_rate"] == 0.5 and result["l2_share_of_lookups"] == 0.5
    assert result["hit_rate"] == 0.5 and result["generated"] == result["l2_disk_entries"]
    assert result["l1_evictions"] == 0 and result["l2_evictions"] == 0
    text = run("stats", str(library_root))
    assert "thumbnails:" in text and "l2 hit rate" in text


def test_thumbs_human_output_and_scan_when_empty(library_root: Path) -> None:
    text = run("thumbs", str(library_root), "--workers", "2")
    assert "generated" in text and "L1 memory" in text and "L3 generation" in text


def test_thumbs_tables_fit_80_columns_with_every_number_whole(library_root: Path) -> None:
    result = runner.invoke(app, ["thumbs", str(library_root)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in result.stdout
    bound = next(line for line in lines if line.startswith("│ bound"))
    assert "200.0 MiB" in bound and "2.0 GiB" in bound


def test_thumbs_counts_add_up_to_the_assets_stats_counts(library_root: Path) -> None:
    for _ in range(2):  # a first run (generated) and a second (cached)
        report = json.loads(run("thumbs", str(library_root), "--json"))
        parts = ("generated", "cached", "failed", "skipped_failed", "unreadable")
        assert sum(report[k] for k in parts) == report["assets"], report
        assert report["unreadable"] == 1  # broken.jpg
    stats = json.loads(run("stats", str(library_root), "--json"))
    assert report["assets"] == stats["assets"]


def test_every_json_summary_names_its_root(library_root: Path) -> None:
    for command in ("scan", "thumbs", "stats"):
        report = json.loads(run(command, str(library_root), "--json"))
        assert report["root"] == str(library_root), command


def test_thumbs_on_missing_root_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["thumbs", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_damaged_cached_thumbnail_is_regenerated(library_root: Path) -> None:
    run("scan", str(library_root))
    first = json.loads(run("thumbs", str(library_root), "--json"))
    files = sorted((library_root / ".albumen" / "thumbs").rglob("*.jpg"))
    assert len(files) == first["generated"]
    files[0].write_bytes(files[0].read_bytes()[:100])  # torn
    again = json.loads(run("thumbs", str(library_root), "--json"))
    assert again["generated"] == 1 and again["cached"] == first["generated"] - 1
    assert again["stats"]["disk"]["corrupt"] == 1
    assert again["stats"]["hit_rate"]["disk"] > 0.5


def test_library_folder_elsewhere(library_root: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    report = json.loads(run("thumbs", str(library_root), "--library", str(lib), "--json"))
    assert report["generated"] >= 5
    assert not (library_root / ".albumen").exists()  # nothing written beside the photos
    assert len(list((lib / "thumbs").rglob("*.jpg"))) == report["generated"]
    stats = json.loads(run("stats", str(library_root), "--library", str(lib), "--json"))
    assert stats["thumbnails"]["l2_disk_entries"] == report["generated"]


def test_thumb_of_a_path_that_cannot_be_looked_at_fails_cleanly(
    library_root: Path, tmp_path: Path
) -> None:
    # os.stat raises for it (as for a file in a folder the user may not enter): one line, exit 2
    name = "x" * 300 + ".jpg"
    result = runner.invoke(
        app, ["thumb", str(library_root), name, "--out", str(tmp_path / "x.jpg")]
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == f"albumen: error: cannot read {name} (File name too long)"


def test_thumbs_progress_moves_while_thumbnails_are_made(tmp_path: Path) -> None:
    # The bar must advance as results come in, not jump from 0 to the total at the end.
    from albumen.library import Library

    root = tmp_path / "many"
    root.mkdir()
    total = 24
    for i in range(total):
        save_jpeg(root / f"p{i:02d}.jpg", marked_image(64, 48))
    made_at_first_call: list[int] = []

    def progress(done: int, n: int) -> None:
        if not made_at_first_call:
            made_at_first_call.append(len(list((root / ".albumen" / "thumbs").rglob("*.jpg"))))

    with Library.open(root, thumbnail_workers=1) as lib:
        lib.scan()
        report = lib.thumbnail_pipeline.generate_all(64, progress)
    assert report.generated == total
    # one worker and a bounded queue: the first update comes after a handful of thumbnails
    assert made_at_first_call and made_at_first_call[0] < total // 2, made_at_first_call


def test_thumbs_interrupted_says_so_and_the_next_run_finishes(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "many"
    root.mkdir()
    data = io.BytesIO()
    marked_image(1600, 1200).save(data, "JPEG", quality=90)
    for i in range(150):  # distinct content (a byte after the end-of-image marker) per file
        (root / f"p{i:03d}.jpg").write_bytes(data.getvalue() + bytes([i]))
    run("scan", str(root))
    thumbs_dir = root / ".albumen" / "thumbs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "albumen.cli", "thumbs", str(root), "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not any(thumbs_dir.rglob("*.jpg")) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt arrived")
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [
        "albumen: interrupted; the thumbnails made so far are kept: run it again to finish"
    ]
    again = json.loads(run("thumbs", str(root), "--json"))
    assert again["cached"] >= 1 and again["generated"] + again["cached"] == 150
