"""The default L3 generator: sizes, upright output for all eight EXIF orientations (checked by
pixel content), the embedded EXIF thumbnail, HEIC, video rotation, RAW previews, broken files."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from _thumb_media import (
    BLUE,
    GREEN,
    RED,
    close,
    colour_at,
    marked_image,
    save_fake_raw,
    save_heic,
    save_jpeg,
    save_video,
    size_of,
)
from albumen import (
    AssetSource,
    DefaultThumbnailGenerator,
    MappingResolver,
    ThumbnailError,
    ThumbnailGenerator,
)
from albumen.thumbnails.generator import (
    micro_thumbnail,
    parse_thumbnail_asset_id,
    thumbnail_asset_id,
)
from PIL import Image

# Where the stored top-left (red) and top-right (blue) blocks must appear once upright, per
# EXIF orientation, derived from the specification's wording ("the 0th row is the visual
# right-hand side, the 0th column the visual top" for 6, and so on).
TL, TR, BL, BR = (0.08, 0.08), (0.92, 0.08), (0.08, 0.92), (0.92, 0.92)
EXPECTED = {
    1: (TL, TR),
    2: (TR, TL),
    3: (BR, BL),
    4: (BL, BR),
    5: (TL, BL),
    6: (TR, BR),
    7: (BR, TR),
    8: (BL, TL),
}


def gen_for(source: AssetSource, asset_id: str = "a") -> DefaultThumbnailGenerator:
    return DefaultThumbnailGenerator(MappingResolver({asset_id: source}))


def test_default_generator_satisfies_protocol() -> None:
    assert isinstance(gen_for(AssetSource(Path("x.jpg"))), ThumbnailGenerator)


def test_unknown_asset_id_gives_none(tmp_path: Path) -> None:
    assert DefaultThumbnailGenerator(MappingResolver()).generate("nope", (64, 64)) is None


@pytest.mark.parametrize("orientation", range(1, 9))
def test_eight_exif_orientations_come_out_upright(tmp_path: Path, orientation: int) -> None:
    path = save_jpeg(tmp_path / f"o{orientation}.jpg", marked_image(800, 400), orientation)
    data = gen_for(AssetSource(path)).generate("a", (128, 128))
    assert data is not None
    w, h = size_of(data)
    assert (w, h) == ((128, 64) if orientation < 5 else (64, 128))
    red_at, blue_at = EXPECTED[orientation]
    assert close(colour_at(data, *red_at), RED), f"red block not at {red_at}"
    assert close(colour_at(data, *blue_at), BLUE), f"blue block not at {blue_at}"


def test_orientation_from_source_is_used_for_raw_previews(tmp_path: Path) -> None:
    path, off, length = save_fake_raw(tmp_path / "x.nef", marked_image(800, 400))
    src = AssetSource(path, orientation=6, preview_offset=off, preview_length=length)
    data = gen_for(src).generate("a", (128, 128))
    assert data is not None
    assert size_of(data) == (64, 128)
    assert close(colour_at(data, *TR), RED) and close(colour_at(data, *BR), BLUE)


def test_raw_without_known_preview_and_unreadable_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.cr2"
    path.write_bytes(b"not a raw file at all" * 100)
    with pytest.raises(ThumbnailError, match="RAW"):
        gen_for(AssetSource(path)).generate("a", (64, 64))


def test_raw_preview_past_end_of_file_is_an_error(tmp_path: Path) -> None:
    path, off, length = save_fake_raw(tmp_path / "x.arw", marked_image(100, 50))
    src = AssetSource(path, preview_offset=off, preview_length=length * 100)
    with pytest.raises(ThumbnailError):
        gen_for(src).generate("a", (64, 64))


def test_longest_side_equals_requested_and_aspect_is_kept(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "big.jpg", marked_image(3000, 2000))
    data = gen_for(AssetSource(path)).generate("a", (256, 256))
    assert data is not None
    assert size_of(data) == (256, 171)
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.mode == "RGB"


def test_non_square_box(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "big.jpg", marked_image(1000, 1000))
    data = gen_for(AssetSource(path)).generate("a", (200, 100))
    assert data is not None and size_of(data) == (100, 100)


def test_small_images_are_not_enlarged(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "s.jpg", marked_image(40, 20))
    data = gen_for(AssetSource(path)).generate("a", (256, 256))
    assert data is not None and size_of(data) == (40, 20)


def test_jpeg_is_decoded_at_reduced_scale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_jpeg(tmp_path / "big.jpg", marked_image(4000, 3000))
    decoded: list[tuple[int, int]] = []
    from PIL import JpegImagePlugin

    original = JpegImagePlugin.JpegImageFile.load

    def spy(self: JpegImagePlugin.JpegImageFile) -> object:
        result = original(self)
        decoded.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    data = gen_for(AssetSource(path)).generate("a", (256, 256))
    assert data is not None and size_of(data) == (256, 192)
    assert decoded and decoded[0] == (500, 375), "draft mode should decode at 1/8 scale"


def test_embedded_exif_thumbnail_used_when_large_enough(tmp_path: Path) -> None:
    main = Image.new("RGB", (1600, 1200), RED)
    embedded = Image.new("RGB", (320, 240), GREEN)
    path = save_jpeg(tmp_path / "e.jpg", main, orientation=1, thumbnail=embedded)
    gen = gen_for(AssetSource(path))
    small = gen.generate("a", (256, 256))
    assert small is not None and size_of(small) == (256, 192)
    assert close(colour_at(small, 0.5, 0.5), GREEN)
    assert gen.stats()["embedded_thumbnails_used"] == 1
    big = gen.generate("a", (512, 512))  # larger than the embedded one: decode the image
    assert big is not None and size_of(big) == (512, 384)
    assert close(colour_at(big, 0.5, 0.5), RED)


def test_embedded_thumbnail_with_wrong_aspect_is_ignored(tmp_path: Path) -> None:
    main = Image.new("RGB", (1500, 1000), RED)
    letterboxed = Image.new("RGB", (320, 240), GREEN)
    path = save_jpeg(tmp_path / "e.jpg", main, thumbnail=letterboxed)
    data = gen_for(AssetSource(path)).generate("a", (256, 256))
    assert data is not None and close(colour_at(data, 0.5, 0.5), RED)


def test_embedded_thumbnail_is_made_upright(tmp_path: Path) -> None:
    path = save_jpeg(
        tmp_path / "e.jpg", marked_image(1600, 800), orientation=8, thumbnail=marked_image(400, 200)
    )
    gen = gen_for(AssetSource(path))
    data = gen.generate("a", (128, 128))
    assert data is not None and size_of(data) == (64, 128)
    assert close(colour_at(data, *BL), RED) and close(colour_at(data, *TL), BLUE)
    assert gen.stats()["embedded_thumbnails_used"] == 1


def test_heic(tmp_path: Path) -> None:
    path = save_heic(tmp_path / "p.heic", marked_image(800, 400))
    gen = gen_for(AssetSource(path, mime="image/heic"))
    data = gen.generate("a", (128, 128))
    assert data is not None and size_of(data) == (128, 64)
    assert close(colour_at(data, *TL), RED) and close(colour_at(data, *TR), BLUE)
    assert gen.stats()["per_format"]["heif"]["count"] == 1


def test_video_frame(tmp_path: Path) -> None:
    path = save_video(tmp_path / "v.mp4", 64, 32)
    gen = gen_for(AssetSource(path, kind="video"))
    data = gen.generate("a", (32, 32))
    assert data is not None and size_of(data) == (32, 16)
    assert close(colour_at(data, 0.2, 0.5), RED) and close(colour_at(data, 0.8, 0.5), BLUE)
    assert gen.stats()["per_format"]["video"]["count"] == 1


@pytest.mark.parametrize(
    ("rotation", "size", "red_at", "blue_at"),
    [
        (90, (16, 32), (0.5, 0.85), (0.5, 0.15)),  # counter-clockwise: left side to the bottom
        (-90, (16, 32), (0.5, 0.15), (0.5, 0.85)),
        (180, (32, 16), (0.85, 0.5), (0.15, 0.5)),
    ],
)
def test_video_rotation_is_honoured(
    tmp_path: Path,
    rotation: int,
    size: tuple[int, int],
    red_at: tuple[float, float],
    blue_at: tuple[float, float],
) -> None:
    path = save_video(tmp_path / "v.mp4", 64, 32, rotation=rotation)
    data = gen_for(AssetSource(path, kind="video")).generate("a", (32, 32))
    assert data is not None and size_of(data) == size
    assert close(colour_at(data, *red_at), RED) and close(colour_at(data, *blue_at), BLUE)


def test_png_with_alpha_and_palette_and_grey(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (300, 300), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 150, 300))
    rgba.save(tmp_path / "a.png")
    Image.new("P", (300, 150), 3).save(tmp_path / "p.gif")
    Image.new("L", (300, 150), 90).save(tmp_path / "g.tiff")
    resolver = MappingResolver(
        {
            "a": AssetSource(tmp_path / "a.png"),
            "p": AssetSource(tmp_path / "p.gif"),
            "g": AssetSource(tmp_path / "g.tiff"),
        }
    )
    gen = DefaultThumbnailGenerator(resolver)
    a = gen.generate("a", (100, 100))
    assert a is not None and size_of(a) == (100, 100)
    assert close(colour_at(a, 0.2, 0.5), BLUE) and close(colour_at(a, 0.8, 0.5), (255, 255, 255))
    p, g = gen.generate("p", (100, 100)), gen.generate("g", (100, 100))
    assert p is not None and size_of(p) == (100, 50)
    assert g is not None and size_of(g) == (100, 50)


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xd8\xff\xe0 truncated", b"GIF89a garbage", b"\x00" * 1000],
)
def test_broken_images_raise_thumbnail_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    gen = gen_for(AssetSource(path))
    with pytest.raises(ThumbnailError):
        gen.generate("a", (64, 64))
    assert gen.stats()["per_format"]["jpeg"]["failed"] == 1


def test_truncated_jpeg_is_an_error(tmp_path: Path) -> None:
    good = save_jpeg(tmp_path / "g.jpg", marked_image(800, 600), quality=95).read_bytes()
    path = tmp_path / "t.jpg"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ThumbnailError):
        gen_for(AssetSource(path)).generate("a", (64, 64))


def test_missing_file_and_broken_video_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ThumbnailError):
        gen_for(AssetSource(tmp_path / "gone.jpg")).generate("a", (64, 64))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(ThumbnailError):
        gen_for(AssetSource(bad, kind="video")).generate("a", (64, 64))


def test_invalid_size_is_rejected(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "s.jpg", marked_image(40, 20))
    with pytest.raises(ValueError):
        gen_for(AssetSource(path)).generate("a", (0, 10))


def test_micro_thumbnail_is_at_most_32px(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "m.jpg", marked_image(800, 400), orientation=6)
    thumb = gen_for(AssetSource(path)).generate("a", (256, 256))
    assert thumb is not None
    micro = micro_thumbnail(thumb)
    assert size_of(micro) == (16, 32)
    assert len(micro) < len(thumb) and len(micro) < 2000
    assert close(colour_at(micro, *TR), RED, tol=80)


def test_thumbnail_asset_id_changes_with_content_or_mtime() -> None:
    a = thumbnail_asset_id("abc", 1)
    assert a != thumbnail_asset_id("abc", 2) and a != thumbnail_asset_id("abd", 1)
    assert parse_thumbnail_asset_id(thumbnail_asset_id("abc-def", 123)) == ("abc-def", 123)
    assert parse_thumbnail_asset_id("no mtime") is None


def test_per_format_stats(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "s.jpg", marked_image(400, 200))
    gen = gen_for(AssetSource(path))
    for _ in range(3):
        gen.generate("a", (64, 64))
    st = gen.stats()["per_format"]["jpeg"]
    assert st["count"] == 3 and st["failed"] == 0 and st["seconds"] > 0 and st["mean_ms"] > 0


def test_sqlite_resolver_maps_thumbnail_ids_to_files(tmp_path: Path) -> None:
    from albumen import SQLiteAssetRepository, SQLiteAssetResolver

    db = tmp_path / "library.db"
    with SQLiteAssetRepository(db) as repo:
        repo.upsert(
            [{"id": "abc", "path": b"sub/caf\xe9.jpg", "kind": "photo", "mime": "image/jpeg",
              "size": 1, "mtime_ns": 42, "orientation": 6}]
        )  # fmt: skip
    (tmp_path / "sub").mkdir()
    save_jpeg(tmp_path / os.fsdecode(b"sub/caf\xe9.jpg"), marked_image(800, 400), 6)
    resolver = SQLiteAssetResolver(db, tmp_path)
    src = resolver.resolve(thumbnail_asset_id("abc", 42))
    assert src is not None
    assert src.path == tmp_path / os.fsdecode(b"sub/caf\xe9.jpg")
    assert (src.kind, src.orientation, src.format) == ("photo", 6, "jpeg")
    assert resolver.resolve(thumbnail_asset_id("abc", 43)) is None  # file changed since
    assert resolver.resolve("garbage") is None
    data = DefaultThumbnailGenerator(resolver).generate(thumbnail_asset_id("abc", 42), (64, 64))
    assert data is not None and size_of(data) == (32, 64)
    resolver.close()
