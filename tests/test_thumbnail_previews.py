"""Thumbnails from embedded previews: the probe finds them (checked against ExifTool and
pillow-heif), the generator picks the smallest one that is large enough and has the image's
aspect ratio after orientation, and falls back to the image, counted and noted, when the one it
picked is corrupt or not what the record says."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _thumb_media import (
    BLUE,
    GREEN,
    GREY,
    RED,
    close,
    colour_at,
    jpeg_of,
    marked_image,
    save_jpeg,
    save_mpf_jpeg,
    size_of,
)
from albumen import AssetSource, DefaultThumbnailGenerator, MappingResolver, _core
from albumen.store.records import Preview, parse_previews
from albumen.testing.formats import exiftool_available
from albumen.thumbnails.generator import choose_preview, source_of_record
from PIL import Image

CENTRE = (0.5, 0.5)
TL, TR, BL, BR = (0.08, 0.08), (0.92, 0.08), (0.08, 0.92), (0.92, 0.92)
# where the stored top-left (red) and top-right (blue) blocks appear once upright
UPRIGHT = {1: (TL, TR), 2: (TR, TL), 3: (BR, BL), 4: (BL, BR),
           5: (TL, BL), 6: (TR, BR), 7: (BR, TR), 8: (BL, TL)}  # fmt: skip


def preview_image(width: int, height: int) -> Image.Image:
    """The marked image with a green centre: a thumbnail made from it shows green there, one
    made from the main image (grey centre) does not."""
    im = marked_image(width, height)
    im.paste(GREEN, (width * 3 // 8, height * 3 // 8, width * 5 // 8, height * 5 // 8))
    return im


def probe_one(root: Path, name: str) -> dict[str, Any]:
    (record,) = [r for batch in _core.probe(root, [name]) for r in batch]
    return record


def generator_for(source: AssetSource, **options: Any) -> DefaultThumbnailGenerator:
    return DefaultThumbnailGenerator(MappingResolver({"a": source}), **options)


def thumb(gen: DefaultThumbnailGenerator, size: int) -> bytes:
    data = gen.generate("a", (size, size))
    assert data is not None
    return data


# -- the selection rules ---------------------------------------------------------------------


def P(width: int, height: int, kind: str = "mpf") -> Preview:
    return Preview(kind, width, height, 1000, 500)


def test_the_smallest_preview_at_least_the_thumbnails_size_is_chosen() -> None:
    previews = (P(160, 120, "exif"), P(1920, 1440), P(640, 480))
    pick = choose_preview
    assert pick(previews, 4000, 3000, 1, (256, 256)) == P(640, 480)
    assert pick(previews, 4000, 3000, 1, (160, 160)) == P(160, 120, "exif")
    assert pick(previews, 4000, 3000, 1, (161, 161)) == P(640, 480)
    assert pick(previews, 4000, 3000, 1, (1024, 1024)) == P(1920, 1440)
    assert pick(previews, 4000, 3000, 1, (1921, 1921)) is None
    # the image is never enlarged: a 400x300 image in a 512 box needs 400x300
    assert pick((P(200, 150),), 400, 300, 1, (512, 512)) is None
    # a preview as large as the image saves nothing; an unknown image size decides nothing
    assert pick((P(4000, 3000, "raw"),), 4000, 3000, 1, (256, 256)) is None
    assert pick(previews, None, 3000, 1, (256, 256)) is None
    assert pick((), 4000, 3000, 1, (256, 256)) is None


def test_the_aspect_ratio_must_be_the_images_within_one_percent() -> None:
    pick = choose_preview
    assert pick((P(600, 400),), 3000, 2000, 1, (256, 256)) == P(600, 400)
    assert pick((P(600, 403),), 3000, 2000, 1, (256, 256)) == P(600, 403)  # 0.7 % off
    assert pick((P(600, 410),), 3000, 2000, 1, (256, 256)) is None  # 2.5 % off
    assert pick((P(640, 480, "exif"),), 3000, 2000, 1, (256, 256)) is None  # letterboxed
    assert pick((P(400, 600),), 3000, 2000, 1, (256, 256)) is None  # turned


def test_orientation_decides_which_side_must_be_large_enough() -> None:
    # A 4000x3000 image turned a quarter (orientation 6) is shown 3000x4000: in a 300x100 box
    # it becomes 75x100, i.e. 100x75 stored pixels, which a 120x90 preview covers.
    assert choose_preview((P(120, 90),), 4000, 3000, 6, (300, 100)) == P(120, 90)
    # Upright, the same box needs 133x100 stored pixels.
    assert choose_preview((P(120, 90),), 4000, 3000, 1, (300, 100)) is None


def test_previews_text_form_round_trips_and_tolerates_damage() -> None:
    text = "mpf:1920x1440@5423123+812345;exif:160x120@1234+5678"
    assert parse_previews(text) == (
        Preview("mpf", 1920, 1440, 5423123, 812345),
        Preview("exif", 160, 120, 1234, 5678),
    )
    assert parse_previews(None) == parse_previews("") == ()
    assert parse_previews("mpf:axb@1+2;raw:10x0@1+2;:1x1@1+1;heif:64x48@9+9") == (
        Preview("heif", 64, 48, 9, 9),
    )


# -- the generator on real files ---------------------------------------------------------------


def test_an_mpf_preview_makes_the_thumbnail(tmp_path: Path) -> None:
    save_mpf_jpeg(tmp_path / "c.jpg", marked_image(1600, 1200), preview_image(800, 600))
    record = probe_one(tmp_path, "c.jpg")
    assert record["error"] is None
    source = source_of_record(tmp_path, record)
    assert [(p.kind, p.width, p.height) for p in source.previews] == [("mpf", 800, 600)]
    gen = generator_for(source)
    small = thumb(gen, 256)
    assert size_of(small) == (256, 192)
    assert close(colour_at(small, *CENTRE), GREEN)
    assert close(colour_at(small, *TL), RED) and close(colour_at(small, *TR), BLUE)
    # larger than the preview: the image is decoded
    big = thumb(gen, 1024)
    assert size_of(big) == (1024, 768) and close(colour_at(big, *CENTRE), GREY)
    stats = gen.stats()
    assert (stats["previews_used"], stats["preview_fallbacks"]) == (1, 0)
    # switched off: always the image
    off = generator_for(source, use_previews=False)
    assert close(colour_at(thumb(off, 256), *CENTRE), GREY)
    assert off.stats()["previews_used"] == 0


def test_a_preview_of_another_aspect_ratio_is_not_used(tmp_path: Path) -> None:
    save_mpf_jpeg(tmp_path / "c.jpg", marked_image(1600, 1200), preview_image(800, 500))
    source = source_of_record(tmp_path, probe_one(tmp_path, "c.jpg"))
    assert [(p.width, p.height) for p in source.previews] == [(800, 500)]
    gen = generator_for(source)
    assert close(colour_at(thumb(gen, 256), *CENTRE), GREY)
    assert (gen.stats()["previews_used"], gen.stats()["preview_fallbacks"]) == (0, 0)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_preview_thumbnails_come_out_upright(tmp_path: Path, orientation: int) -> None:
    path = save_mpf_jpeg(
        tmp_path / "o.jpg", marked_image(1600, 800), preview_image(800, 400), orientation
    )
    source = source_of_record(tmp_path, probe_one(tmp_path, path.name))
    assert source.orientation == orientation
    gen = generator_for(source)
    data = thumb(gen, 128)
    assert size_of(data) == ((128, 64) if orientation < 5 else (64, 128))
    red_at, blue_at = UPRIGHT[orientation]
    assert close(colour_at(data, *red_at), RED), f"red block not at {red_at}"
    assert close(colour_at(data, *blue_at), BLUE), f"blue block not at {blue_at}"
    assert close(colour_at(data, *CENTRE), GREEN)
    assert gen.stats()["previews_used"] == 1


def test_a_preview_turned_by_its_own_orientation_falls_back(tmp_path: Path) -> None:
    # The image carries no orientation; its preview says "turn me a quarter": once upright the
    # two differ in aspect, so the preview is not a picture of the image as shown.
    turned = save_jpeg(tmp_path / "p.jpg", preview_image(800, 600), orientation=6).read_bytes()
    save_mpf_jpeg(tmp_path / "c.jpg", marked_image(1600, 1200), turned)
    gen = generator_for(source_of_record(tmp_path, probe_one(tmp_path, "c.jpg")))
    data = thumb(gen, 256)
    assert size_of(data) == (256, 192) and close(colour_at(data, *CENTRE), GREY)
    stats = gen.stats()
    assert (stats["previews_used"], stats["preview_fallbacks"]) == (0, 1)
    assert "c.jpg" in stats["preview_notes"][0] and "aspect" in stats["preview_notes"][0]


def _frame_size_patched(jpeg: bytes, width: int, height: int) -> bytes:
    """``jpeg`` with its SOF0 frame header claiming another size."""
    at = jpeg.index(b"\xff\xc0")
    size = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return jpeg[: at + 5] + size + jpeg[at + 9 :]


@pytest.mark.parametrize(
    "damage", ["garbage", "cut short", "frame header lies", "record lies", "past the end"]
)
def test_an_unusable_preview_falls_back_to_the_image_and_is_recorded(
    tmp_path: Path, damage: str
) -> None:
    good = jpeg_of(preview_image(800, 600))
    blob = {
        "cut short": good[: len(good) // 2],
        "frame header lies": _frame_size_patched(good, 1200, 900),
    }.get(damage, good)
    path = save_mpf_jpeg(tmp_path / "c.jpg", marked_image(1600, 1200), blob)
    source = source_of_record(tmp_path, probe_one(tmp_path, "c.jpg"))
    (p,) = source.previews
    if damage == "garbage":  # the bytes changed after the scan
        damaged = bytearray(path.read_bytes())
        damaged[p.offset : p.offset + p.length] = os.urandom(p.length)
        path.write_bytes(bytes(damaged))
    elif damage == "record lies":
        source = replace(source, previews=(p._replace(width=640, height=480),))
    elif damage == "past the end":
        source = replace(source, previews=(p._replace(length=p.length * 9),))
    gen = generator_for(source)
    data = thumb(gen, 256)
    assert size_of(data) == (256, 192)
    assert close(colour_at(data, *CENTRE), GREY)  # made from the image
    stats = gen.stats()
    assert (stats["previews_used"], stats["preview_fallbacks"]) == (0, 1), stats
    (note,) = stats["preview_notes"]
    assert note.startswith("c.jpg: mpf preview") and "decoded the image" in note, note


def test_the_exif_thumbnail_is_a_preview_too(tmp_path: Path) -> None:
    path = tmp_path / "e.jpg"
    save_jpeg(path, marked_image(1600, 1200), thumbnail=preview_image(320, 240))
    source = source_of_record(tmp_path, probe_one(tmp_path, "e.jpg"))
    assert [(p.kind, p.width, p.height) for p in source.previews] == [("exif", 320, 240)]
    gen = generator_for(source)
    assert close(colour_at(thumb(gen, 256), *CENTRE), GREEN)
    assert gen.stats()["previews_used"] == 1
    off = generator_for(source, use_previews=False)  # nor through Pillow's EXIF reading
    assert close(colour_at(thumb(off, 256), *CENTRE), GREY)
    assert off.stats()["embedded_thumbnails_used"] == 0


def _heic_with_thumbnails(path: Path, sizes: list[int]) -> Path:
    import pillow_heif

    pillow_heif.register_heif_opener()
    marked_image(1600, 1200).save(path, format="HEIF", quality=90, thumbnails=sizes)
    return path


def test_heif_thumbnail_items(tmp_path: Path) -> None:
    import pillow_heif

    path = _heic_with_thumbnails(tmp_path / "p.heic", [160, 640])
    record = probe_one(tmp_path, "p.heic")
    source = source_of_record(tmp_path, record)
    heif = pillow_heif.open_heif(path)
    count = len(heif[0].info["thumbnails"])  # type: ignore[arg-type]
    theirs = sorted(heif[0].get_thumbnail(i).size for i in range(count))
    ours = sorted((p.width, p.height) for p in source.previews)
    assert ours == theirs == [(160, 120), (640, 480)]
    data = path.read_bytes()
    assert all(p.kind == "heif" and p.offset + p.length <= len(data) for p in source.previews)
    gen = generator_for(source)
    small = thumb(gen, 256)
    assert size_of(small) == (256, 192) and close(colour_at(small, *TL), RED)
    assert gen.stats()["previews_used"] == 1
    big = thumb(gen, 800)  # no thumbnail item is large enough
    assert size_of(big) == (800, 600) and gen.stats()["previews_used"] == 1
    off = generator_for(source, use_previews=False)
    assert size_of(thumb(off, 256)) == (256, 192) and off.stats()["previews_used"] == 0


@pytest.mark.skipif(not exiftool_available(), reason="needs exiftool")
def test_probe_previews_match_exiftool(tmp_path: Path) -> None:
    save_mpf_jpeg(
        tmp_path / "cam.jpg",
        marked_image(1600, 1200),
        preview_image(800, 600),
        orientation=3,
        thumbnail=marked_image(160, 120),
    )
    _heic_with_thumbnails(tmp_path / "p.heic", [128, 512])

    def exiftool(*args: str) -> str:
        return subprocess.run(
            ["exiftool", *args], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout

    tags = ["-MPImageStart", "-MPImageLength", "-ThumbnailOffset", "-ThumbnailLength"]
    (o,) = json.loads(exiftool("-j", "-n", "-G1", *tags, "cam.jpg"))
    data = (tmp_path / "cam.jpg").read_bytes()
    previews = {p.kind: p for p in parse_previews(probe_one(tmp_path, "cam.jpg")["previews"])}
    mpf, exif = previews["mpf"], previews["exif"]
    assert (mpf.offset, mpf.length) == (o["MPImage2:MPImageStart"], o["MPImage2:MPImageLength"])
    assert (exif.offset, exif.length) == (o["IFD1:ThumbnailOffset"], o["IFD1:ThumbnailLength"])
    extracted = subprocess.run(
        ["exiftool", "-b", "-MPImage2:PreviewImage", "cam.jpg"],
        cwd=tmp_path, capture_output=True, check=True,
    ).stdout  # fmt: skip
    assert extracted == data[mpf.offset : mpf.offset + mpf.length]
    for p in (mpf, exif):
        with Image.open(io.BytesIO(data[p.offset : p.offset + p.length])) as im:
            assert im.size == (p.width, p.height)
    # HEIF: every item's ispe, the primary's first; the thumbnail items are the others
    extents = exiftool("-n", "-s3", "-a", "-ImageSpatialExtent", "p.heic").split("\n")
    theirs = [tuple(int(v) for v in line.split()) for line in extents if line.strip()]
    assert theirs[0] == (1600, 1200)
    ours = [(p.width, p.height) for p in parse_previews(probe_one(tmp_path, "p.heic")["previews"])]
    assert sorted(ours) == sorted(theirs[1:]) == [(128, 96), (512, 384)]


def test_a_library_stores_previews_and_thumbs_uses_them(tmp_path: Path) -> None:
    from albumen.cli import app
    from typer.testing import CliRunner

    root = tmp_path / "photos"
    root.mkdir()
    for i in range(3):
        save_mpf_jpeg(root / f"cam{i}.jpg", marked_image(1600, 1200), preview_image(800, 600))
    save_jpeg(root / "phone.jpg", marked_image(1600, 1200))
    runner = CliRunner()
    assert "--no-previews" in runner.invoke(app, ["thumbs", "--help"]).stdout
    result = runner.invoke(app, ["thumbs", str(root), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    gen = json.loads(result.stdout)["stats"]["generation"]
    assert (gen["previews_used"], gen["preview_fallbacks"]) == (3, 0)
    with sqlite3.connect(root / ".albumen" / "library.db") as conn:
        rows = dict(conn.execute("SELECT path, previews FROM assets").fetchall())
    assert rows[b"phone.jpg"] is None
    assert [p.kind for p in parse_previews(rows[b"cam0.jpg"])] == ["mpf"]
    other = tmp_path / "other-library"
    args = ["thumbs", str(root), "--library", str(other), "--json", "--no-previews"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["generated"] == 4 and report["stats"]["generation"]["previews_used"] == 0


def test_a_library_from_before_previews_opens_and_reads_none(tmp_path: Path) -> None:
    from albumen.store.sqlite import SQLiteAssetRepository
    from albumen.store.sqlite.migrations import migrate

    db = tmp_path / "library.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, upto=4)
    conn.execute(
        "INSERT INTO assets (id, path, folder, kind, mime, size, mtime_ns, width, height) "
        "VALUES ('abc', X'612e6a7067', X'', 'photo', 'image/jpeg', 1, 2, 40, 30)"
    )
    conn.close()
    with SQLiteAssetRepository(db) as repo:
        (target,) = repo.thumbnail_targets(0, 10)
        assert (target.width, target.height, target.previews) == (40, 30, None)
        repo.upsert([{"id": "def", "path": "b.jpg", "previews": "mpf:4x3@10+20"}])
        stored = repo.thumbnail_target_at(b"b.jpg")
        assert stored is not None and stored.previews == "mpf:4x3@10+20"
