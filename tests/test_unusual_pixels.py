"""Valid but unusual pixels get a correct thumbnail (checked by pixel values): 16-bit grey and
RGB, CMYK and CIELAB (TIFF, JPEG), palettes with transparency; embedded ICC profiles (Display
P3, Adobe RGB, built by hand in ``_icc``) are converted to sRGB; decoders' warnings stay off
stderr."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import _icc
import pytest
from _pixel_media import (
    cmyk_tiff,
    grey16_tiff,
    lab_tiff,
    rgb16_tiff,
    tiff_that_makes_libtiff_warn,
    tiff_with_a_tag_past_its_end,
)
from _thumb_media import save_jpeg
from albumen import AssetSource, DefaultThumbnailGenerator, MappingResolver
from PIL import Image, ImageCms

Pixel = tuple[int, ...]


def thumbnail(path: Path, size: int = 64) -> Image.Image:
    data = DefaultThumbnailGenerator(MappingResolver()).generate_from(
        AssetSource(path), (size, size)
    )
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG"
    return im


def at(im: Image.Image, fx: float, fy: float = 0.5) -> Pixel:
    px = im.getpixel((min(im.width - 1, int(fx * im.width)), int(fy * im.height)))
    return px if isinstance(px, tuple) else (int(px),)  # type: ignore[arg-type]


def near(got: Pixel, want: Pixel, tol: int = 3) -> bool:
    return len(got) == len(want) and all(abs(a - b) <= tol for a, b in zip(got, want, strict=True))


def test_16_bit_grey_tiff(tmp_path: Path) -> None:
    path = tmp_path / "scan.tif"
    path.write_bytes(grey16_tiff(400, 200, left=10_000, right=50_000))
    assert Image.open(path).mode == "I;16"
    im = thumbnail(path)
    assert im.size == (64, 32) and im.mode == "L"
    assert near(at(im, 0.2), (10_000 // 256,)) and near(at(im, 0.8), (50_000 // 256,))


def test_16_bit_grey_png(tmp_path: Path) -> None:
    path = tmp_path / "g16.png"
    Image.frombytes("I;16", (300, 100), (40_000).to_bytes(2, "little") * 30_000).save(path)
    im = thumbnail(path)
    assert im.size == (64, 21) and near(at(im, 0.5), (40_000 // 256,))


def test_16_bit_rgb_tiff(tmp_path: Path) -> None:
    path = tmp_path / "rgb16.tif"
    path.write_bytes(rgb16_tiff(300, 150, (60_000, 30_000, 5_000)))
    assert near(at(thumbnail(path), 0.5), (234, 117, 19))


@pytest.mark.parametrize("container", ["tif", "jpg"])
def test_cmyk(tmp_path: Path, container: str) -> None:
    path = tmp_path / f"press.{container}"
    if container == "tif":
        path.write_bytes(cmyk_tiff(300, 150, (0, 200, 200, 0)))
    else:
        Image.new("CMYK", (300, 150), (0, 200, 200, 0)).save(path, quality=95)
    assert Image.open(path).mode == "CMYK"
    assert near(at(thumbnail(path), 0.5), (255, 55, 55), tol=4)


def test_cielab_tiff(tmp_path: Path) -> None:
    path = tmp_path / "lab.tif"
    path.write_bytes(lab_tiff(300, 150, (50, 40, -20)))
    assert Image.open(path).mode == "LAB"
    assert near(at(thumbnail(path), 0.5), _icc.lab_to_srgb((50, 40, -20)), tol=4)


@pytest.mark.parametrize("fmt", ["png", "gif"])
def test_palette_with_transparency_is_flattened_on_white(tmp_path: Path, fmt: str) -> None:
    pal = Image.new("P", (300, 150), 0)
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)  # index 0 red (transparent), 1 blue
    pal.paste(1, (150, 0, 300, 150))
    path = tmp_path / f"pal.{fmt}"
    pal.save(path, transparency=0)
    im = thumbnail(path)
    assert near(at(im, 0.2), (255, 255, 255)) and near(at(im, 0.8), (0, 0, 255))


PROFILES = {
    "display-p3": (_icc.display_p3, _icc.P3_PRIMARIES, None),
    "adobe-rgb": (_icc.adobe_rgb, _icc.ADOBE_PRIMARIES, _icc.ADOBE_GAMMA),
}


@pytest.mark.parametrize("space", sorted(PROFILES))
@pytest.mark.parametrize("fmt", ["png", "jpg"])
def test_embedded_icc_profile_is_converted_to_srgb(tmp_path: Path, space: str, fmt: str) -> None:
    make, primaries, gamma = PROFILES[space]
    profile = make()
    ImageCms.ImageCmsProfile(io.BytesIO(profile))  # a profile LittleCMS reads
    colours = [(200, 60, 40), (60, 170, 80)]
    src = Image.new("RGB", (400, 200), colours[0])
    src.paste(colours[1], (200, 0, 400, 200))
    path = tmp_path / f"{space}.{fmt}"
    src.save(path, icc_profile=profile, quality=95)  # (quality: for the JPEG)
    im = thumbnail(path)
    tol = 4  # the thumbnail is a JPEG: its own compression moves a value by a few
    for colour, fx in zip(colours, (0.25, 0.75), strict=True):
        want = _icc.to_srgb(colour, primaries, gamma)
        got = at(im, fx)
        assert near(got, want, tol), (colour, got, want)
        assert not near(got, colour, 6), "the profile was ignored"


def test_the_embedded_thumbnail_of_a_p3_photo_is_converted_too(tmp_path: Path) -> None:
    big = Image.new("RGB", (1600, 800), (200, 60, 40))
    path = save_jpeg(tmp_path / "iphone.jpg", big, thumbnail=big.resize((320, 160)))
    with Image.open(path) as im:  # add the profile (save_jpeg writes only EXIF)
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=95, exif=im.info["exif"], icc_profile=_icc.display_p3())
    path.write_bytes(buf.getvalue())
    gen = DefaultThumbnailGenerator(MappingResolver())
    data = gen.generate_from(AssetSource(path), (128, 128))
    assert gen.stats()["embedded_thumbnails_used"] == 1
    want = _icc.to_srgb((200, 60, 40), _icc.P3_PRIMARIES)
    assert near(at(Image.open(io.BytesIO(data)), 0.5), want, tol=5)


def test_a_broken_profile_falls_back_to_the_pixels_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "odd.png"
    Image.new("RGB", (200, 100), (10, 200, 30)).save(path, icc_profile=b"not a profile" * 20)
    assert near(at(thumbnail(path), 0.5), (10, 200, 30))


def test_decoder_warnings_stay_off_stderr_in_process(tmp_path: Path) -> None:
    # in a process of its own: pytest would record the warnings instead of printing them
    path = tmp_path / "truncated-tag.tif"
    path.write_bytes(tiff_with_a_tag_past_its_end())
    script = (
        "import sys; from pathlib import Path\n"
        "from albumen import AssetSource, DefaultThumbnailGenerator, MappingResolver\n"
        "g = DefaultThumbnailGenerator(MappingResolver())\n"
        "print(len(g.generate_from(AssetSource(Path(sys.argv[1])), (64, 64))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and int(done.stdout) > 0
    assert done.stderr == ""


def test_decoder_warnings_stay_off_stderr(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    (root / "odd.tif").write_bytes(tiff_that_makes_libtiff_warn())
    (root / "truncated-tag.tif").write_bytes(tiff_with_a_tag_past_its_end())
    (root / "scan.tif").write_bytes(grey16_tiff(400, 200, 1000, 60_000))
    run = [sys.executable, "-m", "albumen.cli"]
    subprocess.run([*run, "scan", str(root)], check=True, capture_output=True)
    done = subprocess.run(
        [*run, "thumbs", str(root), "--json"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stderr == ""
    report = json.loads(done.stdout)
    assert report["generated"] == 3, report["errors"]
