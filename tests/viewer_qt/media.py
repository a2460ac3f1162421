"""The viewer tests' library: corpus photos, a photo whose upright look is known, one that
stops decoding after the scan, a video and a Live Photo pair."""

from __future__ import annotations

from pathlib import Path

from albumen.testing.formats import ExifSpec, exif_bytes
from PIL import Image

RED = (230, 20, 20)
BLUE = (20, 40, 230)
GREEN = (20, 200, 40)
KNOWN = "Known/upright.jpg"  # newest capture: item 0 of All Photos
BREAKS = "Known/breaks-later.jpg"


def known_upright(width: int = 600, height: int = 400) -> Image.Image:
    """As displayed: top-left quarter red, top-right quarter blue, bottom half green."""
    im = Image.new("RGB", (width, height), GREEN)
    im.paste(RED, (0, 0, width // 2, height // 2))
    im.paste(BLUE, (width // 2, 0, width, height // 2))
    return im


def write_known(root: Path) -> Path:
    """The known photo stored turned a quarter, with EXIF orientation 6 turning it back."""
    path = root / KNOWN
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = known_upright().transpose(Image.Transpose.ROTATE_90)
    spec = ExifSpec(
        orientation=6,
        datetime_original="2025:06:01 12:00:00",
        make="Canon",
        model="EOS R5",
        iso=200,
        f_number=4.0,
        gps=(48.85, 2.29, 35.0),
    )
    stored.save(path, "JPEG", quality=95, exif=exif_bytes(spec))
    other = root / BREAKS
    spec2 = ExifSpec(datetime_original="2025:05:31 12:00:00")
    known_upright(300, 200).save(other, "JPEG", quality=90, exif=exif_bytes(spec2))
    return path


def in_box(
    colour: tuple[int, int, int], expected: tuple[int, int, int], tolerance: int = 60
) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))
