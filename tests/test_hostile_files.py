"""Hostile files: a FIFO swapped in after a scan, decompression bombs, a progressive JPEG with
thousands of scans, a decode that never ends, a decoder that runs out of memory. Each one is a
recorded per-file error; nothing hangs and nothing reaches stderr."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest
from _cli import run_cli
from _pixel_media import many_scan_jpeg
from _thumb_media import marked_image, save_jpeg
from albumen import AssetSource, ThumbnailError
from albumen.thumbnails.generator import DecodeLimits, DefaultThumbnailGenerator, MappingResolver
from albumen.thumbnails.isolation import IsolatedThumbnailGenerator
from PIL import Image

# A safety net for a test process that would otherwise hang forever (the bug under test): never
# a synchronisation, the passing runs take a few seconds.
HANG = 120


def albumen(*args: str, timeout: float = HANG) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "albumen.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def png_header_only(width: int, height: int, bit_depth: int = 16, colour: int = 2) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` and whose pixel data is a few bytes:
    what a decompression bomb looks like before it is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


# -- 1. a FIFO where a photo was ------------------------------------------------------------


def test_the_generator_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "a.jpg"
    os.mkfifo(fifo)
    outcome: list[BaseException | bytes] = []

    def make() -> None:
        try:
            outcome.append(DefaultThumbnailGenerator(MappingResolver()).generate_from(
                AssetSource(fifo), (64, 64)
            ))  # fmt: skip
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=make, daemon=True)
    worker.start()
    worker.join(HANG)
    if worker.is_alive():  # blocked in open(): a writer lets it go, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(HANG)
        pytest.fail("opening a FIFO blocked")
    assert isinstance(outcome[0], ThumbnailError)
    assert "FIFO" in str(outcome[0]) and "not a regular file" in str(outcome[0])


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_swapped_in_after_a_scan_never_hangs_thumbs(
    tmp_path: Path, kind: str
) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    save_jpeg(root / "a.jpg", marked_image(320, 200))
    save_jpeg(root / "b.jpg", marked_image(200, 320))
    assert albumen("scan", str(root), "--json").returncode == 0
    (root / "a.jpg").unlink()
    if kind == "fifo":
        os.mkfifo(root / "a.jpg")
    else:  # a symlink to a device (the walk never follows links, the open does)
        (root / "a.jpg").symlink_to("/dev/zero")
    done = albumen("thumbs", str(root), "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    report = json.loads(done.stdout)
    assert report["generated"] == 1 and report["failed"] == 1
    (error,) = report["errors"]
    assert error["path"] == "a.jpg"
    expected = "a FIFO (named pipe)" if kind == "fifo" else "a character device"
    assert error["error"].startswith(f"{expected}, not a regular file")


def test_a_fifo_does_not_hang_thumb_either(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    save_jpeg(root / "a.jpg", marked_image(320, 200))
    assert albumen("scan", str(root)).returncode == 0
    (root / "a.jpg").unlink()
    os.mkfifo(root / "a.jpg")
    done = albumen("thumb", str(root), "a.jpg", "--out", str(tmp_path / "t.jpg"))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not a regular file" in done.stderr or "is not a file" in done.stderr
    assert not (tmp_path / "t.jpg").exists()


# -- 4. bounded decoding -------------------------------------------------------------------


def test_a_png_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    # 13000 x 13000, 16-bit RGB: 676 MB of pixels from a 100-byte file
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(13000, 13000))
    gen = DefaultThumbnailGenerator(MappingResolver(), limits=DecodeLimits(max_bytes=512 << 20))
    with pytest.raises(ThumbnailError, match=r"13000x13000 .* 645 MiB .* refused before decoding"):
        gen.generate_from(AssetSource(bomb), (256, 256))


def test_the_pixel_limit_scales_with_the_pixel_format_and_the_draft_reduction(
    tmp_path: Path,
) -> None:
    limits = DecodeLimits(max_bytes=8 << 20)  # 2 megapixels of RGB, 8 of grey
    gen = DefaultThumbnailGenerator(MappingResolver(), limits=limits)
    grey = tmp_path / "grey.png"
    Image.new("L", (3000, 2000), 90).save(grey)  # 6 MB as 8-bit grey: passes
    rgb = tmp_path / "rgb.png"
    Image.new("RGB", (3000, 2000), (90, 10, 10)).save(rgb)  # 24 MB as RGB: refused
    big_jpeg = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 4000), (90, 10, 10)).save(big_jpeg)  # 1/8 draft: 1.5 MB
    assert gen.generate_from(AssetSource(grey), (64, 64))
    with pytest.raises(ThumbnailError, match="refused before decoding"):
        gen.generate_from(AssetSource(rgb), (64, 64))
    assert gen.generate_from(AssetSource(big_jpeg), (64, 64))


def test_the_budget_is_shared_among_workers() -> None:
    one, many = DecodeLimits.for_workers(1), DecodeLimits.for_workers(64)
    assert 128 << 20 <= many.max_bytes <= one.max_bytes <= 1 << 30
    assert many.max_bytes < one.max_bytes or one.max_bytes == 128 << 20


def test_a_progressive_jpeg_with_thousands_of_scans_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "scans.jpg"
    path.write_bytes(many_scan_jpeg(2000, 2000, 6000))
    gen = DefaultThumbnailGenerator(MappingResolver())
    with pytest.raises(ThumbnailError, match=r"progressive JPEG with 600\d scans"):
        gen.generate_from(AssetSource(path), (256, 256))
    # an ordinary progressive JPEG (10 scans) is made as usual
    fine = tmp_path / "fine.jpg"
    marked_image(800, 400).save(fine, "JPEG", progressive=True)
    assert gen.generate_from(AssetSource(fine), (64, 64))


def test_pillows_decompression_bomb_warning_never_reaches_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # 12000 x 9000 = 108 megapixels: past Pillow's warning threshold (89 M), within ours for a
    # JPEG decoded at 1/8
    path = tmp_path / "large.jpg"
    Image.new("L", (12000, 9000), 128).save(path, quality=50)
    data = DefaultThumbnailGenerator(MappingResolver()).generate_from(AssetSource(path), (64, 64))
    assert Image.open(io.BytesIO(data)).size == (64, 48)
    assert capfd.readouterr().err == ""


def test_a_decode_past_its_deadline_is_stopped_and_the_next_file_is_made(tmp_path: Path) -> None:
    # 1000 scans of a 16-megapixel image: about a minute of decoding; the deadline is 1 s
    slow = tmp_path / "slow.jpg"
    slow.write_bytes(many_scan_jpeg(4000, 4000, 1000))
    fine = save_jpeg(tmp_path / "fine.jpg", marked_image(400, 200))
    limits = DecodeLimits(max_jpeg_scans=10**6, deadline=1.0)
    with IsolatedThumbnailGenerator(MappingResolver(), workers=1, limits=limits) as gen:
        with pytest.raises(ThumbnailError, match=r"gave up after 1 s"):
            gen.generate_from(AssetSource(slow), (256, 256))
        assert gen.generate_from(AssetSource(fine), (64, 64))
        stats = gen.stats()
    assert stats["timed_out"] == 1
    assert stats["per_format"]["jpeg"] == pytest.approx(
        {"count": 1, "failed": 1, "seconds": stats["per_format"]["jpeg"]["seconds"],
         "mean_ms": stats["per_format"]["jpeg"]["mean_ms"]}
    )  # fmt: skip


def test_a_decoder_out_of_memory_fails_that_file_only(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("RLIMIT_DATA is enforced on Linux")
    # 6000 x 6000 RGB: 144 MB once decoded; the worker may have 100 MB of data segment
    raw = b"".join(b"\0" + b"\x80" * (6000 * 3) for _ in range(6000))
    big = tmp_path / "big.png"
    big.write_bytes(
        png_header_only(1, 1)[:8]
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 6000, 6000, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 1))
        + _chunk(b"IEND", b"")
    )
    fine = save_jpeg(tmp_path / "fine.jpg", marked_image(400, 200))
    limits = DecodeLimits(max_bytes=1 << 30)
    with IsolatedThumbnailGenerator(
        MappingResolver(), workers=1, limits=limits, memory_limit=100 << 20
    ) as gen:
        with pytest.raises(ThumbnailError, match="memory"):
            gen.generate_from(AssetSource(big), (64, 64))
        assert gen.generate_from(AssetSource(fine), (64, 64))


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def test_thumbs_records_each_refusal_as_the_files_error(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    (root / "bomb.png").write_bytes(png_header_only(13000, 13000))
    (root / "scans.jpg").write_bytes(many_scan_jpeg(1000, 1000, 6000))
    save_jpeg(root / "fine.jpg", marked_image(320, 200))
    assert run_cli("scan", str(root)).returncode == 0
    done = run_cli("thumbs", str(root), "--json", "--workers", "2")
    assert done.returncode == 0 and done.stderr == ""
    report = json.loads(done.stdout)
    errors = {e["path"]: e["error"] for e in report["errors"]}
    assert report["generated"] == 1
    assert "refused before decoding" in errors["bomb.png"]
    assert "scans" in errors["scans.jpg"]
    again = json.loads(run_cli("thumbs", str(root), "--json").stdout)
    assert again["skipped_failed"] == 2 and again["cached"] == 1


@pytest.mark.parametrize("command", ["scan", "thumbs"])
def test_workers_have_an_upper_bound(tmp_path: Path, command: str) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    save_jpeg(root / "a.jpg", marked_image(64, 48))
    done = run_cli(command, str(root), "--workers", "20000")
    assert done.returncode == 2
    assert "--workers" in done.stderr and "64" in done.stderr


def test_a_worker_that_dies_fails_one_file_and_is_replaced(tmp_path: Path) -> None:
    import signal

    fine = save_jpeg(tmp_path / "fine.jpg", marked_image(400, 200))
    with IsolatedThumbnailGenerator(MappingResolver(), workers=1) as gen:
        assert gen.generate_from(AssetSource(fine), (64, 64))
        (worker,) = gen._all  # idle now: as if a decoder had crashed it
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(HANG)
        with pytest.raises(ThumbnailError, match=r"the decoder was killed \(SIGKILL"):
            gen.generate_from(AssetSource(fine), (64, 64))
        assert gen.generate_from(AssetSource(fine), (64, 64))  # a fresh worker
        assert gen.stats()["worker_crashes"] == 1


def test_start_brings_every_worker_up_before_the_first_file(tmp_path: Path) -> None:
    fine = save_jpeg(tmp_path / "fine.jpg", marked_image(400, 200))
    with IsolatedThumbnailGenerator(MappingResolver(), workers=2) as gen:
        gen.start()
        assert len(gen._all) == len(gen._idle) == 2
        assert all(worker._ready for worker in gen._all)
        gen.start()  # already up: nothing more starts
        assert len(gen._all) == 2
        assert gen.generate_from(AssetSource(fine), (64, 64))
        assert gen.stats()["worker_crashes"] == 0
