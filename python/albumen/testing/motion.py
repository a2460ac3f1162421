"""Videos and Live Photos for a sample library (``make demo``), so the viewer has something to
play: short clips of a ball crossing a gradient, and Live Photo pairs (a still JPEG and its
motion MOV sharing an Apple ContentIdentifier, as an iPhone writes them).

    python -m albumen.testing.motion OUT [--videos 4] [--live 4]
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw

from albumen.testing.formats import ExifSpec, add_quicktime_keys, exif_bytes

__all__ = ["add_motion_media", "ball_frame"]

SIZE = (480, 320)


def ball_frame(size: tuple[int, int], t: float, hue: int) -> Image.Image:
    """A frame at ``t`` (0..1): a ball crossing a gradient, a marker in the top-left corner."""
    w, h = size
    im = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    tint = Image.new("RGB", (w, h), ((hue * 67) % 256, (hue * 131) % 256, 200))
    im = Image.blend(im, tint, 0.45)
    draw = ImageDraw.Draw(im)
    r = h // 6
    x = round(r + t * (w - 2 * r))
    y = round(h / 2 - (h / 3) * abs((t * 2 % 2) - 1))
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(250, 240, 60), outline=(0, 0, 0), width=3)
    draw.rectangle((8, 8, 48, 28), fill=(230, 20, 20))  # marks the top-left corner
    return im


def _encode(path: Path, hue: int, seconds: float, created: datetime, fps: int = 24) -> Path:
    import av

    fmt = "mov" if path.suffix.lower() == ".mov" else "mp4"
    with av.open(str(path), "w", format=fmt) as out:
        out.metadata["creation_time"] = created.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        frames = max(2, round(seconds * fps))
        for i in range(frames):
            image = ball_frame(SIZE, i / (frames - 1), hue)
            frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def add_motion_media(root: str | Path, videos: int = 4, live: int = 4) -> list[Path]:
    """Write ``videos`` clips under ``ROOT/Videos`` and ``live`` Live Photo pairs under
    ``ROOT/Live Photos``; returns the files written."""
    base = Path(root)
    written: list[Path] = []
    start = datetime(2024, 11, 6, 14, 0, tzinfo=timezone.utc)
    folder = base / "Videos"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(videos):
        when = start + timedelta(hours=i)
        written.append(_encode(folder / f"CLIP_{i + 1:04d}.mp4", i, 2.0 + i, when))
    folder = base / "Live Photos"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(live):
        when = start + timedelta(days=1, minutes=10 * i)
        content_id = f"ALBUMEN-DEMO-LIVE-{i:04d}"
        still = folder / f"IMG_{7000 + i}.JPG"
        spec = ExifSpec(
            make="Apple",
            model="iPhone 15 Pro",
            lens="iPhone 15 Pro back camera 6.765mm f/1.78",
            datetime_original=when.strftime("%Y:%m:%d %H:%M:%S"),
            offset_original="+00:00",
            iso=64,
            f_number=1.78,
            focal_length=6.765,
            apple_content_id=content_id,
        )
        ball_frame(SIZE, 0.5, 10 + i).save(still, "JPEG", quality=88, exif=exif_bytes(spec))
        motion = _encode(folder / f"IMG_{7000 + i}.MOV", 10 + i, 1.5, when)
        add_quicktime_keys(motion, {"com.apple.quicktime.content.identifier": content_id})
        written += [still, motion]
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--live", type=int, default=4)
    args = parser.parse_args()
    files = add_motion_media(args.out, args.videos, args.live)
    print(f"wrote {len(files)} video and Live Photo files to {args.out}")


if __name__ == "__main__":
    main()
