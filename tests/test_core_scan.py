"""The Rust scan core from Python: ``_core.walk``, ``_core.probe`` and ``_core.probe_file``."""

from __future__ import annotations

import _thread
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import xxhash
from albumen import _core
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

NON_UTF8 = b"caf\xe9 \xff.jpg"  # Latin-1 bytes: not valid UTF-8


def make_jpeg(
    path: Path | bytes,
    size: tuple[int, int] = (64, 48),
    *,
    orientation: int | None = None,
    original: str | None = "2023:07:14 18:03:22",
    subsec: str | None = "12",
    offset: str | None = "+02:00",
    gps: bool = False,
    exif: bool = True,
    quality: int = 90,
) -> None:
    img = Image.new("RGB", size, (200, 120, 40))
    ex = Image.Exif()
    if exif:
        ex[ExifTags.Base.Make] = "Canon"
        ex[ExifTags.Base.Model] = "Canon EOS R5"
        if orientation is not None:
            ex[ExifTags.Base.Orientation] = orientation
        sub = ex.get_ifd(ExifTags.IFD.Exif)
        if original is not None:
            sub[ExifTags.Base.DateTimeOriginal] = original
        if subsec is not None:
            sub[ExifTags.Base.SubsecTimeOriginal] = subsec
        if offset is not None:
            sub[ExifTags.Base.OffsetTimeOriginal] = offset
        sub[ExifTags.Base.ISOSpeedRatings] = 400
        sub[ExifTags.Base.FNumber] = IFDRational(28, 10)
        sub[ExifTags.Base.ExposureTime] = IFDRational(1, 250)
        sub[ExifTags.Base.FocalLength] = IFDRational(50, 1)
        sub[ExifTags.Base.LensModel] = "RF50mm F1.8 STM"
        if gps:
            g = ex.get_ifd(ExifTags.IFD.GPSInfo)
            g[ExifTags.GPS.GPSLatitudeRef] = "S"
            g[ExifTags.GPS.GPSLatitude] = (IFDRational(33), IFDRational(52), IFDRational(4))
            g[ExifTags.GPS.GPSLongitudeRef] = "W"
            g[ExifTags.GPS.GPSLongitude] = (IFDRational(151), IFDRational(12), IFDRational(36))
            g[ExifTags.GPS.GPSAltitudeRef] = 1
            g[ExifTags.GPS.GPSAltitude] = IFDRational(105, 10)
    with open(path, "wb") as f:
        img.save(f, "JPEG", exif=ex, quality=quality)


def noisy_jpeg(path: Path, size: tuple[int, int] = (700, 500)) -> None:
    """A JPEG well above 128 KiB (random pixels do not compress)."""
    img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    img.save(path, "JPEG", quality=95)


def identity(data: bytes) -> str:
    body = data if len(data) <= 128 * 1024 else data[: 64 * 1024] + data[-64 * 1024 :]
    return xxhash.xxh3_128(len(data).to_bytes(8, "little") + body).hexdigest()


def drain(stream: _core.ProbeStream) -> list[dict[str, Any]]:
    return [rec for batch in stream for rec in batch]


# --- walk ------------------------------------------------------------------------------------


def test_walk_finds_media_sorted_skipping_hidden_library_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "2023" / "07").mkdir(parents=True)
    make_jpeg(tmp_path / "2023" / "07" / "b.JPG")
    make_jpeg(tmp_path / "a.jpeg")
    (tmp_path / "clip.MOV").write_bytes(b"\0" * 10)
    (tmp_path / "notes.txt").write_text("not media")
    (tmp_path / ".hidden.jpg").write_bytes(b"x")
    (tmp_path / ".thumbs").mkdir()
    (tmp_path / ".thumbs" / "t.jpg").write_bytes(b"x")
    library = tmp_path / "my-library"
    library.mkdir()
    (library / "cached.jpg").write_bytes(b"x")

    files, errors = _core.walk(tmp_path, skip=[library])
    assert errors == []
    assert [f[0] for f in files] == ["2023/07/b.JPG", "a.jpeg", "clip.MOV"]
    for rel, size, mtime_ns in files:
        st = os.stat(tmp_path / rel)
        assert (size, mtime_ns) == (st.st_size, st.st_mtime_ns)
    # A relative spelling of the skip folder is recognised too.
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        files, _ = _core.walk(".", skip=["my-library"])
    finally:
        os.chdir(cwd)
    assert "my-library/cached.jpg" not in [f[0] for f in files]
    assert "my-library/cached.jpg" in [f[0] for f in _core.walk(str(tmp_path))[0]]


def test_walk_keeps_exactly_the_extensions_of_the_table(tmp_path: Path) -> None:
    table = _core.media_types()
    for ext, _, _, _ in table:
        (tmp_path / f"lower.{ext}").write_bytes(b"x")
        (tmp_path / f"upper.{ext.upper()}").write_bytes(b"x")
    for other in ("txt", "xmp", "json", "jpg~"):
        (tmp_path / f"other.{other}").write_bytes(b"x")
    files, errors = _core.walk(tmp_path)
    assert errors == []
    assert len(files) == 2 * len(table)
    assert not [f for f in files if f[0].startswith("other.")]


def test_walk_root_errors(tmp_path: Path) -> None:
    """The root's errors are the OSError subclasses Python's own os.listdir() raises."""
    with pytest.raises(FileNotFoundError) as missing:
        _core.walk(tmp_path / "missing")
    assert missing.value.errno == errno.ENOENT
    assert missing.value.strerror == os.strerror(errno.ENOENT)
    assert missing.value.filename == str(tmp_path / "missing")
    (tmp_path / "file.jpg").write_bytes(b"x")
    with pytest.raises(NotADirectoryError) as not_a_dir:
        _core.walk(tmp_path / "file.jpg")
    assert not_a_dir.value.errno == errno.ENOTDIR
    assert not_a_dir.value.filename == str(tmp_path / "file.jpg")
    with pytest.raises(NotADirectoryError) as listdir:
        os.listdir(tmp_path / "file.jpg")
    assert (type(listdir.value), listdir.value.errno) == (type(not_a_dir.value), errno.ENOTDIR)


def test_walk_never_follows_symlinks(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    make_jpeg(tmp_path / "d" / "p.jpg")
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    os.symlink(tmp_path / "d" / "p.jpg", tmp_path / "link.jpg")
    files, errors = _core.walk(tmp_path)
    assert [f[0] for f in files] == ["d/p.jpg"]
    assert errors == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_walk_reports_unreadable_folder(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "ok.jpg")
    locked = tmp_path / "locked"
    locked.mkdir()
    make_jpeg(locked / "secret.jpg")
    locked.chmod(0)
    try:
        files, errors = _core.walk(tmp_path)
        readable = os.access(locked, os.R_OK)  # root reads it anyway
    finally:
        locked.chmod(0o755)
    if readable:
        assert len(files) == 2
    else:
        assert [f[0] for f in files] == ["ok.jpg"]
        assert errors[0][0] == "locked"
        assert "permission denied" in errors[0][1]


def test_walk_and_probe_non_utf8_names(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), NON_UTF8)
    make_jpeg(raw)
    files, _ = _core.walk(tmp_path)
    assert len(files) == 1
    rel = files[0][0]
    assert isinstance(rel, str)
    assert os.fsencode(rel) == NON_UTF8
    rec = _core.probe_file(tmp_path, rel)
    assert rec["error"] is None
    assert os.fsencode(rec["path"]) == NON_UTF8
    (streamed,) = drain(_core.probe(tmp_path, [rel]))
    assert os.fsencode(streamed["path"]) == NON_UTF8
    assert streamed["id"] == rec["id"]


# --- probe_file ------------------------------------------------------------------------------


def test_probe_file_reads_exif(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "a.jpg", (64, 48), orientation=6, gps=True)
    rec = _core.probe_file(tmp_path, "a.jpg")
    assert rec["error"] is None
    assert (rec["kind"], rec["mime"]) == ("photo", "image/jpeg")
    assert (rec["width"], rec["height"]) == (64, 48)
    assert (rec["display_width"], rec["display_height"]) == (48, 64)
    assert rec["orientation"] == 6
    assert rec["captured_at"] == "2023-07-14T18:03:22.120"
    assert rec["captured_offset"] == 120
    assert rec["captured_at_source"] == "exif:DateTimeOriginal"
    assert (rec["make"], rec["model"], rec["lens"]) == ("Canon", "Canon EOS R5", "RF50mm F1.8 STM")
    assert rec["iso"] == 400
    assert rec["f_number"] == pytest.approx(2.8)
    assert rec["exposure_time"] == pytest.approx(0.004)
    assert rec["focal_length"] == pytest.approx(50.0)
    assert rec["gps_lat"] == pytest.approx(-(33 + 52 / 60 + 4 / 3600))
    assert rec["gps_lon"] == pytest.approx(-(151 + 12 / 60 + 36 / 3600))
    assert rec["gps_alt"] == pytest.approx(-10.5)
    data = (tmp_path / "a.jpg").read_bytes()
    assert rec["size"] == len(data)
    assert rec["id"] == identity(data)


def test_identity_of_large_files_uses_head_and_tail(tmp_path: Path) -> None:
    noisy_jpeg(tmp_path / "big.jpg")
    data = (tmp_path / "big.jpg").read_bytes()
    assert len(data) > 128 * 1024
    rec = _core.probe_file(tmp_path, "big.jpg")
    assert rec["id"] == identity(data)
    assert rec["error"] is None
    assert (rec["width"], rec["height"]) == (700, 500)
    # No EXIF: the capture time falls back to the mtime, recorded as UTC.
    assert rec["captured_at_source"] == "file:mtime"
    assert rec["captured_offset"] == 0
    # Renaming keeps the id.
    os.rename(tmp_path / "big.jpg", tmp_path / "moved.jpg")
    assert _core.probe_file(tmp_path, "moved.jpg")["id"] == rec["id"]


def test_capture_time_falls_back_from_impossible_dates(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "zero.jpg", original="0000:00:00 00:00:00")
    rec = _core.probe_file(tmp_path, "zero.jpg")
    assert rec["captured_at_source"] == "file:mtime"
    make_jpeg(tmp_path / "future.jpg", original="2999:01:01 00:00:00", subsec=None, offset=None)
    assert _core.probe_file(tmp_path, "future.jpg")["captured_at_source"] == "file:mtime"


def test_bad_files_become_records_with_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    noisy_jpeg(tmp_path / "full.jpg")
    full = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(full[: len(full) // 2])
    make_jpeg(tmp_path / "good.jpg")
    good = (tmp_path / "good.jpg").read_bytes()
    # Overwrite the TIFF header after "Exif\0\0" with garbage.
    at = good.index(b"Exif\0\0") + 6
    (tmp_path / "garbage-exif.jpg").write_bytes(good[:at] + b"GARBAGE!" + good[at + 8 :])
    (tmp_path / "text.jpg").write_text("not a picture at all")

    recs = {r["path"]: r for r in drain(_core.probe(tmp_path, sorted(os.listdir(tmp_path))))}
    assert "empty file" in recs["empty.jpg"]["error"]
    assert "truncated JPEG" in recs["truncated.jpg"]["error"]
    assert recs["truncated.jpg"]["width"] == 700  # what was readable is kept
    # the picture is sound: its unreadable EXIF is a warning, not a failed file (issue 14)
    assert recs["garbage-exif.jpg"]["error"] is None
    assert "EXIF" in recs["garbage-exif.jpg"]["warnings"]
    assert recs["garbage-exif.jpg"]["width"] == 64
    assert "not a JPEG" in recs["text.jpg"]["error"]
    assert recs["good.jpg"]["error"] is None
    assert recs["full.jpg"]["error"] is None
    for rec in recs.values():
        assert rec["captured_at"] is not None


def test_vanished_file(tmp_path: Path) -> None:
    rec = _core.probe_file(tmp_path, "gone.jpg")
    assert "vanished" in rec["error"]
    assert rec["path"] == "gone.jpg"


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="needs exiftool")
def test_fields_agree_with_exiftool(tmp_path: Path) -> None:
    for o in range(1, 9):
        make_jpeg(tmp_path / f"o{o}.jpg", (80 + o, 40), orientation=o, gps=o % 2 == 0)
    out = subprocess.run(
        ["exiftool", "-json", "-n", str(tmp_path)], capture_output=True, check=True, text=True
    ).stdout
    for et in json.loads(out):
        rec = _core.probe_file(tmp_path, et["FileName"])
        assert (rec["width"], rec["height"]) == (et["ImageWidth"], et["ImageHeight"])
        assert rec["orientation"] == et["Orientation"]
        assert rec["model"] == et["Model"]
        assert rec["iso"] == et["ISO"]
        assert rec["f_number"] == pytest.approx(et["FNumber"])
        if "GPSLatitude" in et:
            assert rec["gps_lat"] == pytest.approx(et["GPSLatitude"], abs=1e-6)
            assert rec["gps_lon"] == pytest.approx(et["GPSLongitude"], abs=1e-6)
            assert rec["gps_alt"] == pytest.approx(et["GPSAltitude"], abs=1e-6)


# --- probe (streaming) -----------------------------------------------------------------------


def test_probe_streams_batches(tmp_path: Path) -> None:
    names = [f"p{i:03}.jpg" for i in range(45)]
    for n in names:
        make_jpeg(tmp_path / n)
    stream = _core.probe(tmp_path, [*names, "missing.jpg"], workers=2, batch_size=10)
    assert iter(stream) is stream
    assert stream.total == 46
    assert stream.processed == 0
    batches = list(stream)
    assert all(1 <= len(b) <= 10 for b in batches)
    assert len(batches) >= 5
    assert stream.processed == 46
    recs = [r for b in batches for r in b]
    assert sorted(r["path"] for r in recs) == sorted([*names, "missing.jpg"])
    assert sum(r["error"] is not None for r in recs) == 1
    with pytest.raises(StopIteration):
        next(stream)


def test_probe_argument_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        _core.probe(tmp_path, [], batch_size=0)
    with pytest.raises(ValueError, match="workers"):
        _core.probe(tmp_path, [], workers=0)
    assert list(_core.probe(tmp_path, [])) == []


def test_cancel_stops_the_stream(tmp_path: Path) -> None:
    make_jpeg(tmp_path / "one.jpg")
    paths = ["one.jpg"] * 5000
    stream = _core.probe(tmp_path, paths, batch_size=1)
    first = next(stream)
    stream.cancel()
    rest = drain(stream)
    assert len(first) + len(rest) < len(paths)
    assert "cancelled" in repr(stream)


def stuck_pool(root: Path) -> _core.ProbeStream:
    """Hold the one thread of the one-worker probe pool: this stream is never read, so its
    worker blocks on its full channel (a few batches deep) and the pool runs nothing else
    until the stream is released (``release``). A stream started on that pool afterwards
    therefore waits in ``__next__`` for as long as the test wants: no timing involved."""
    make_jpeg(root / "one.jpg")
    return _core.probe(root, ["one.jpg"] * 1000, workers=1, batch_size=1)


def release(blocker: _core.ProbeStream) -> None:
    blocker.cancel()
    drain(blocker)  # frees its channel: its worker sees the cancel and stops


def test_cancel_from_another_thread(tmp_path: Path) -> None:
    blocker = stuck_pool(tmp_path)
    stream = _core.probe(tmp_path, ["one.jpg"] * 10, workers=1, batch_size=1)
    waited: list[bool] = []

    def cancel() -> None:
        waited.append(stream._wait_for_consumer(timeout=60))  # a hang detector, not a timing
        stream.cancel()
        release(blocker)

    canceller = threading.Thread(target=cancel)
    canceller.start()
    # Waits in Rust with the GIL released; the other thread's cancel() ends the stream.
    assert drain(stream) == []
    canceller.join(timeout=60)
    assert waited == [True]
    assert "cancelled" in repr(stream)


@pytest.fixture
def python_ctrl_c() -> Iterator[None]:
    """Python's own Ctrl-C handler, also where the test run was started with SIGINT ignored
    (a background job): ``interrupt_main()`` raises KeyboardInterrupt only through it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("python_ctrl_c")
def test_ctrl_c_interrupts_a_waiting_stream(tmp_path: Path) -> None:
    blocker = stuck_pool(tmp_path)
    stream = _core.probe(tmp_path, ["one.jpg"] * 10, workers=1, batch_size=1)
    waited: list[bool] = []

    def interrupt() -> None:
        # Once the main thread is inside __next__ (waiting in Rust, GIL released: the stream
        # cannot get a batch), Ctrl-C reaches it there and nowhere else.
        waited.append(stream._wait_for_consumer(timeout=60))  # a hang detector, not a timing
        _thread.interrupt_main()

    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            next(stream)
    finally:
        interrupter.join(timeout=60)
        release(blocker)
    assert waited == [True]
    assert "cancelled" in repr(stream)
    assert drain(stream) == []


@pytest.mark.usefixtures("python_ctrl_c")
def test_ctrl_c_is_seen_even_when_batches_are_ready(tmp_path: Path) -> None:
    # A consumer that stays in C (`list.extend` calls __next__ in a loop without Python's
    # eval loop in between) must still see Ctrl-C when every wait finds a batch ready.
    blocker = stuck_pool(tmp_path)
    stream = _core.probe(tmp_path, ["one.jpg"] * 10, workers=1, batch_size=1)
    got: list[object] = []
    waited: list[bool] = []

    def interrupt_then_feed() -> None:
        waited.append(stream._wait_for_consumer(timeout=60))  # a hang detector, not a timing
        _thread.interrupt_main()  # Ctrl-C arrives while the first wait is under way...
        release(blocker)  # ...then batches come, and keep coming

    helper = threading.Thread(target=interrupt_then_feed)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            got.extend(stream)
    finally:
        helper.join(timeout=60)
    assert waited == [True]
    assert got == [], "batches were handed out after Ctrl-C"
    assert "cancelled" in repr(stream)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_device_is_an_error_never_a_hang(tmp_path: Path) -> None:
    # Issue 14: opening a FIFO named like a photo blocks until a writer comes. The probe never
    # opens what is not a regular file, and what it opens it opens without blocking and checks
    # again on the descriptor (a file swapped for a FIFO in between): the record's error.
    make_jpeg(tmp_path / "real.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")
    os.symlink("/dev/zero", tmp_path / "device.jpg")
    batches = list(_core.probe(tmp_path, ["pipe.jpg", "device.jpg", "real.jpg"]))
    records = {r["path"]: r for batch in batches for r in batch}
    assert records["pipe.jpg"]["error"] == "not a regular file"
    assert records["device.jpg"]["error"] == "not a regular file"
    assert records["real.jpg"]["error"] is None
