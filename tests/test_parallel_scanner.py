"""ParallelScanner, ScanResult and ScanProgressEvent, as DESIGN.md describes them."""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from albumen import EventBus, ParallelScanner, ScanProgressEvent, ScanResult
from albumen.paths import FailedPath
from albumen.store.records import RECORD_FIELDS
from scan_helpers import jpeg_bytes, write_file


def make_files(root: Path, n: int, pattern: str = "d{d}/f{i:04d}.jpg") -> list[Path]:
    paths = []
    for i in range(n):
        p = root / pattern.format(i=i, d=i % 7)
        write_file(p, b"x" * (i + 1))
        paths.append(p)
    return sorted(paths)


def collect_progress(bus: EventBus) -> list[tuple[int, int]]:
    events: list[tuple[int, int]] = []
    bus.subscribe(ScanProgressEvent, lambda e: events.append((e.processed, e.total)))
    return events


def identity(path: Path) -> Path:
    return path


# -- ScanResult ----------------------------------------------------------------------------------


def test_scan_result_defaults_are_empty_and_not_shared() -> None:
    a, b = ScanResult(), ScanResult()
    a.assets.append(1)
    assert b.assets == [] and b.errors == []
    assert a.total_processed == 1


def test_total_processed_counts_assets_and_errors() -> None:
    r = ScanResult(assets=[1, 2, 3], errors=[FailedPath("x.jpg", "bad")])
    assert r.total_processed == 4


# -- discovery -----------------------------------------------------------------------------------


def test_discovers_supported_files_recursively(tmp_path: Path) -> None:
    files = make_files(tmp_path, 20)
    result = ParallelScanner(scan_file_fn=identity).scan(tmp_path)
    assert sorted(result.assets) == files
    assert result.errors == []


def test_extensions_are_matched_case_insensitively_and_others_skipped(tmp_path: Path) -> None:
    for name in ("a.JPG", "b.Jpeg", "c.heic", "d.MOV", "e.mp4", "f.PNG", "g.txt", "h", "i.jpg.bak"):
        write_file(tmp_path / name, b"x")
    result = ParallelScanner(scan_file_fn=identity).scan(tmp_path)
    assert sorted(p.name for p in result.assets) == [
        "a.JPG",
        "b.Jpeg",
        "c.heic",
        "d.MOV",
        "e.mp4",
        "f.PNG",
    ]


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    write_file(tmp_path / "seen.jpg", b"x")
    write_file(tmp_path / ".hidden.jpg", b"x")
    write_file(tmp_path / ".cache/inside.jpg", b"x")
    write_file(tmp_path / "sub/.also/inside.jpg", b"x")
    result = ParallelScanner(scan_file_fn=identity).scan(tmp_path)
    assert [p.name for p in result.assets] == ["seen.jpg"]


def test_the_library_folder_and_skip_folders_are_not_scanned(tmp_path: Path) -> None:
    write_file(tmp_path / "seen.jpg", b"x")
    write_file(tmp_path / ".albumen/thumbs/t.jpg", b"x")
    write_file(tmp_path / "lib/cache.jpg", b"x")
    result = ParallelScanner(scan_file_fn=identity, skip=["lib"]).scan(tmp_path)
    assert [p.name for p in result.assets] == ["seen.jpg"]
    everything = ParallelScanner(scan_file_fn=identity).scan(tmp_path)
    assert sorted(p.name for p in everything.assets) == ["cache.jpg", "seen.jpg"]


def test_empty_folder_gives_an_empty_result(tmp_path: Path) -> None:
    result = ParallelScanner(scan_file_fn=identity).scan(tmp_path)
    assert result.total_processed == 0


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    write_file(tmp_path / "a/x.jpg", b"x")
    os.symlink(tmp_path, tmp_path / "a/loop")
    os.symlink(tmp_path / "a", tmp_path / "a/self")
    result = ParallelScanner(scan_file_fn=identity).scan(tmp_path)
    assert [p.name for p in result.assets] == ["x.jpg"]


def test_a_missing_root_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ParallelScanner(scan_file_fn=identity).scan(tmp_path / "nope")


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        ParallelScanner(batch_size=0)
    with pytest.raises(ValueError):
        ParallelScanner(max_workers=0)


# -- injected scan function ---------------------------------------------------------------------


def test_scan_file_fn_gets_absolute_paths_and_its_results_are_the_assets(
    tmp_path: Path,
) -> None:
    files = make_files(tmp_path, 12)
    seen: list[Path] = []
    lock = threading.Lock()

    def fn(path: Path) -> dict[str, Any]:
        assert isinstance(path, Path) and path.is_absolute()
        with lock:
            seen.append(path)
        return {"path": path, "size": path.stat().st_size}

    result = ParallelScanner(max_workers=3, scan_file_fn=fn).scan(tmp_path)
    assert sorted(seen) == files
    assert [a["path"] for a in result.assets] == files  # handed out in path order
    assert all(a["size"] == a["path"].stat().st_size for a in result.assets)


def test_exceptions_become_errors_with_their_message(tmp_path: Path) -> None:
    files = make_files(tmp_path, 10)

    def fn(path: Path) -> str:
        if int(path.stem[1:]) % 3 == 0:
            raise ValueError(f"cannot parse {path.name}")
        return path.name

    result = ParallelScanner(scan_file_fn=fn).scan(tmp_path)
    failed = sorted(p for p, _ in result.errors)  # relative to the root, like every path
    assert failed == [str(p.relative_to(tmp_path)) for p in files if int(p.stem[1:]) % 3 == 0]
    assert all(msg == f"cannot parse {Path(p).name}" for p, msg in result.errors)
    assert len(result.assets) == 6
    assert result.total_processed == 10


def test_an_exception_without_a_message_is_named(tmp_path: Path) -> None:
    make_files(tmp_path, 1)

    def fn(path: Path) -> None:
        raise KeyError

    result = ParallelScanner(scan_file_fn=fn).scan(tmp_path)
    assert result.errors[0][1] == "KeyError"


def test_workers_run_in_parallel_up_to_max_workers(tmp_path: Path) -> None:
    make_files(tmp_path, 24)
    active = 0
    peak = 0
    lock = threading.Lock()
    # the first two calls meet: they can only both pass if they run at the same time
    meet = threading.Barrier(2)
    calls = itertools.count()

    def fn(path: Path) -> Path:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        if next(calls) < 2:
            meet.wait(30)
        with lock:
            active -= 1
        return path

    result = ParallelScanner(max_workers=4, scan_file_fn=fn).scan(tmp_path)
    assert len(result.assets) == 24
    assert 2 <= peak <= 4


def test_scan_streaming_yields_a_partial_result_per_batch(tmp_path: Path) -> None:
    files = make_files(tmp_path, 45)
    parts = list(ParallelScanner(batch_size=10, scan_file_fn=identity).scan_streaming(tmp_path))
    assert [p.total_processed for p in parts] == [10, 10, 10, 10, 5]
    assert [a for p in parts for a in p.assets] == files


def test_cancel_from_another_thread_stops_soon(tmp_path: Path) -> None:
    make_files(tmp_path, 400)
    reached, gate = threading.Event(), threading.Event()
    calls = itertools.count()

    def slow(path: Path) -> Path:
        if next(calls) >= 20:  # from the 21st file on, wait until the scan is cancelled
            reached.set()
            gate.wait(30)
        return path

    scanner = ParallelScanner(max_workers=2, batch_size=10, scan_file_fn=slow)
    out: list[ScanResult] = []
    t = threading.Thread(target=lambda: out.append(scanner.scan(tmp_path)))
    t.start()
    assert reached.wait(30)
    scanner.cancel()
    gate.set()
    t.join(30)
    assert not t.is_alive()
    result = out[0]
    assert result.cancelled
    assert 20 <= result.total_processed < 400


def test_cancel_from_a_progress_handler(tmp_path: Path) -> None:
    make_files(tmp_path, 100)
    bus = EventBus()
    scanner = ParallelScanner(max_workers=2, batch_size=10, event_bus=bus, scan_file_fn=identity)
    once = iter([True])

    def cancel_once(event: ScanProgressEvent) -> None:
        if event.processed >= 20 and next(once, False):
            scanner.cancel()

    bus.subscribe(ScanProgressEvent, cancel_once)
    result = scanner.scan(tmp_path)
    assert result.cancelled
    assert 20 <= result.total_processed < 100
    # a scanner can be used again after a cancelled scan
    assert scanner.scan(tmp_path).total_processed == 100


# -- the built-in Rust probe --------------------------------------------------------------------


def test_builtin_probe_returns_records_keyed_like_the_table(photo_tree: Path) -> None:
    result = ParallelScanner().scan(photo_tree)
    assert result.errors == []
    assert len(result.assets) == 6
    expected = set(RECORD_FIELDS) - {"folder", "sort_time"}
    for rec in result.assets:
        assert expected <= set(rec), expected - set(rec)
        assert not os.path.isabs(os.fsdecode(rec["path"]))
        assert rec["kind"] == "photo" and rec["mime"] == "image/jpeg"
        assert rec["make"] == "Canon"
        assert len(rec["id"]) == 32
        assert rec["width"] == 48 and rec["height"] == 32


def test_builtin_probe_reports_broken_files_as_errors(tmp_path: Path) -> None:
    write_file(tmp_path / "good.jpg", jpeg_bytes())
    write_file(tmp_path / "empty.jpg", b"")
    write_file(tmp_path / "truncated.jpg", jpeg_bytes()[:60])
    write_file(tmp_path / "text.jpg", b"hello, not a jpeg" * 10)
    bus = EventBus()
    events = collect_progress(bus)
    result = ParallelScanner(event_bus=bus).scan(tmp_path)
    assert [os.fsdecode(a["path"]) for a in result.assets] == ["good.jpg"]
    errors = dict(result.errors)
    assert set(errors) == {"empty.jpg", "truncated.jpg", "text.jpg"}  # relative to the root
    assert all(isinstance(m, str) and m for m in errors.values())
    assert events[-1] == (4, 4)


def test_builtin_probe_can_be_cancelled(tmp_path: Path) -> None:
    data = jpeg_bytes()
    for i in range(600):
        write_file(tmp_path / f"d{i % 5}/p{i:04d}.jpg", data)
    bus = EventBus()
    scanner = ParallelScanner(max_workers=1, batch_size=20, event_bus=bus)
    bus.subscribe(ScanProgressEvent, lambda e: scanner.cancel() if e.phase == "probe" else None)
    result = scanner.scan(tmp_path)
    assert result.cancelled
    assert 20 <= result.total_processed < 600


def test_builtin_probe_progress_comes_every_batch_size_files(tmp_path: Path) -> None:
    data = jpeg_bytes()
    for i in range(130):
        write_file(tmp_path / f"p{i:04d}.jpg", data)
    bus = EventBus()
    events = collect_progress(bus)
    published: list[ScanProgressEvent] = []
    bus.subscribe(ScanProgressEvent, published.append)
    result = ParallelScanner(batch_size=50, event_bus=bus).scan(tmp_path)
    assert len(result.assets) == 130
    assert events[-1] == (130, 130)
    marks = [e.processed for e in published if e.phase == "probe"]
    assert len(marks) == 2  # one per 50 files, then the end
    assert marks[0] >= 50 and marks[1] >= 100
    assert all(t == 130 for _, t in events)
