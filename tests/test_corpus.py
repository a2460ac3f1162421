"""The corpus generator: deterministic, varied, and its manifest tells the truth."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from albumen.testing.corpus import MANIFEST_NAME, generate_corpus


def digest_tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    generate_corpus(tmp_path / "a", 60, seed=11)
    generate_corpus(tmp_path / "b", 60, seed=11)
    generate_corpus(tmp_path / "c", 60, seed=12)
    a, b, c = (digest_tree(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c
    mtimes = {p: (tmp_path / "a" / p).stat().st_mtime_ns for p in a}
    assert mtimes == {p: (tmp_path / "b" / p).stat().st_mtime_ns for p in b}


def test_manifest_matches_the_files(corpus: tuple[Path, dict[str, Any]]) -> None:
    root, manifest = corpus
    assert json.loads((root / MANIFEST_NAME).read_text()) == manifest
    assert len(manifest["files"]) == 400
    for rel, entry in manifest["files"].items():
        path = root / rel
        assert path.stat().st_size == entry["size"], rel
        parts = rel.split("/")
        assert len(parts) == 4 and parts[1].startswith(parts[0] + "-"), rel  # YEAR/YEAR-MM/Event
    for rel, info in manifest["broken"].items():
        assert (root / rel).stat().st_size == info["size"]
    for rel in manifest["hidden"] + manifest["other"]:
        assert (root / rel).is_file()
    assert any(part.startswith(".") for rel in manifest["hidden"] for part in rel.split("/"))


def test_exif_is_varied(corpus: tuple[Path, dict[str, Any]]) -> None:
    _root, manifest = corpus
    entries = list(manifest["files"].values())
    with_exif = [e for e in entries if e["exif"]]
    assert 0 < len(entries) - len(with_exif) < len(entries) // 5  # some without EXIF
    assert {e["orientation"] for e in with_exif} == set(range(1, 9))
    signs = {(e["gps_lat"] >= 0, e["gps_lon"] >= 0) for e in with_exif if e["gps_lat"] is not None}
    assert signs == {(True, True), (True, False), (False, True), (False, False)}
    alts = [e["gps_alt"] for e in with_exif if e["gps_alt"] is not None]
    assert min(alts) < 0 < max(alts)
    offsets = {e["captured_offset"] for e in with_exif}
    assert (
        None in offsets and any(o and o < 0 for o in offsets) and any(o and o % 60 for o in offsets)
    )
    assert any("." in e["captured_at"] for e in with_exif)  # sub-seconds
    sources = {e["captured_at_source"] for e in entries}
    assert sources == {"exif:DateTimeOriginal", "exif:CreateDate", "file:mtime"}
    assert len({e["make"] for e in with_exif}) >= 5
    assert len({e["lens"] for e in with_exif}) >= 5
    assert len({(e["width"], e["height"]) for e in entries}) >= 5
    assert len({e["iso"] for e in with_exif}) >= 5


def test_pillow_reads_what_the_manifest_says(corpus: tuple[Path, dict[str, Any]]) -> None:
    from PIL import Image

    root, manifest = corpus
    for rel, entry in manifest["files"].items():
        with Image.open(root / rel) as img:
            assert img.size == (entry["width"], entry["height"]), rel
            exif = img.getexif()
            if not entry["exif"]:
                assert len(exif) == 0, rel
                continue
            assert exif.get(0x0112) == entry["orientation"], rel
            assert (exif.get(0x010F), exif.get(0x0110)) == (entry["make"], entry["model"])
            sub = exif.get_ifd(0x8769)
            assert sub.get(0x8827) == entry["iso"], rel
            assert abs(float(sub[0x829D]) - entry["f_number"]) < 1e-9
            stamp = sub.get(0x9003) or sub.get(0x9004)
            expected = datetime.fromisoformat(entry["captured_at"])
            assert stamp == expected.strftime("%Y:%m:%d %H:%M:%S"), rel


def test_mtime_is_the_capture_instant(corpus: tuple[Path, dict[str, Any]]) -> None:
    from datetime import timedelta, timezone

    root, manifest = corpus
    for rel, entry in list(manifest["files"].items())[:50]:
        local = datetime.fromisoformat(entry["captured_at"]).replace(microsecond=0)
        utc = local - timedelta(minutes=entry["captured_offset"] or 0)
        expected = utc.replace(tzinfo=timezone.utc).timestamp()
        assert (root / rel).stat().st_mtime == expected, rel


def test_command_line_and_large_files(tmp_path: Path) -> None:
    args = ["--count", "5", "--large", "1", "--seed", "4"]
    out = subprocess.run(
        [sys.executable, "-m", "albumen.testing.corpus", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "wrote 6 photos" in out.stderr
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    large = manifest["files"]["large/IMG_L0000.JPG"]
    assert (large["width"], large["height"]) == (4000, 3000)
    assert large["size"] > 1_000_000


def test_tiny_corpus_is_deterministic_small_and_says_what_its_files_hold(tmp_path: Path) -> None:
    from albumen import Library
    from albumen.testing.corpus import _write_tiny_range, generate_tiny_corpus

    made = generate_tiny_corpus(tmp_path / "a", 300, seed=5, manifest=True)
    assert made["count"] == 300 and len(made["files"]) == 300
    # written in two ranges (as processes do) the files are the same
    _write_tiny_range(str(tmp_path / "b"), 5, 0, 170)
    _write_tiny_range(str(tmp_path / "b"), 5, 170, 300)
    a, b = digest_tree(tmp_path / "a"), digest_tree(tmp_path / "b")
    assert a == b and len(a) == 300
    generate_tiny_corpus(tmp_path / "c", 300, seed=6)
    assert digest_tree(tmp_path / "c") != a
    sizes = [e["size"] for e in made["files"].values()]
    assert max(sizes) < 4096 and sum(sizes) == made["bytes"]
    entries = list(made["files"].values())
    assert len({e["make"] for e in entries}) >= 5 and len({e["orientation"] for e in entries}) == 8
    with Library.open(tmp_path / "a", tmp_path / "lib") as lib:
        report = lib.scan()
        assert (report.added, report.errors) == (300, [])
        for row in lib.store.iter_rows():  # the stored values, as the probe wrote them
            entry = made["files"][row["path"].decode()]
            for key in ("make", "model", "orientation", "captured_at", "width", "height", "size"):
                assert row[key] == entry[key], (row["path"], key)
