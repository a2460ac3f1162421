"""L2 DiskThumbnailCache: layout, atomicity (SIGKILLed writers), damage, eviction, threads."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from albumen import DiskThumbnailCache

TRAILER = 16


def md5(key: str) -> str:
    return hashlib.md5(key.encode()).hexdigest()


def test_constructor_creates_dir_with_parents(tmp_path: Path) -> None:
    d = tmp_path / "a" / "b" / "thumbs"
    c = DiskThumbnailCache(d)
    assert d.is_dir()
    assert c.cache_dir == d
    assert c.size == 0


def test_put_get_roundtrip(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    c.put("asset_256x256", b"\xff\xd8jpeg\xff\xd9")
    assert c.get("asset_256x256") == b"\xff\xd8jpeg\xff\xd9"


def test_get_missing_returns_none(tmp_path: Path) -> None:
    assert DiskThumbnailCache(tmp_path).get("nothing") is None


def test_md5_bucketed_layout_with_dirs_on_demand(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    assert list(tmp_path.iterdir()) == []
    c.put("key-1", b"value")
    h = md5("key-1")
    path = tmp_path / h[:2] / f"{h}.jpg"
    assert path.is_file()
    assert c.path_for("key-1") == path
    assert path.read_bytes()[:5] == b"value"
    assert path.stat().st_size == 5 + TRAILER
    assert "key-1" in c and "key-2" not in c


def test_put_overwrites(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    c.put("k", b"old")
    c.put("k", b"new value")
    assert c.get("k") == b"new value"
    assert c.size == 1
    assert c.disk_usage_bytes == len(b"new value") + TRAILER


def test_invalidate_and_missing_key_is_fine(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    c.put("k", b"v")
    c.invalidate("k")
    c.invalidate("k")
    c.invalidate("never")
    assert c.get("k") is None
    assert not c.path_for("k").exists()


def test_persists_across_instances_and_rebuilds_index(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    for i in range(5):
        c.put(f"k{i}", bytes([i]) * 100)
    again = DiskThumbnailCache(tmp_path)
    assert again.size == 5
    assert again.disk_usage_bytes == 5 * (100 + TRAILER)
    assert again.get("k3") == bytes([3]) * 100


def test_evicts_least_recently_used_to_stay_within_bound(tmp_path: Path) -> None:
    per = 1000 + TRAILER
    c = DiskThumbnailCache(tmp_path, max_bytes=per * 4)
    for i in range(4):
        c.put(f"k{i}", b"x" * 1000)
    assert c.get("k0") is not None  # k1 is now the least recent
    c.put("k4", b"x" * 1000)
    assert c.get("k1") is None
    assert not c.path_for("k1").exists()
    assert all(c.get(f"k{i}") is not None for i in (0, 2, 3, 4))
    assert c.disk_usage_bytes <= per * 4
    assert c.stats()["evictions"] == 1
    for i in range(50):
        c.put(f"more{i}", b"y" * 1000)
        assert c.disk_usage_bytes <= per * 4
    files = [p for p in tmp_path.rglob("*.jpg")]
    assert len(files) == 4


def test_startup_evicts_oldest_files_when_over_bound(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    for i in range(6):
        c.put(f"k{i}", b"x" * 100)
        os.utime(c.path_for(f"k{i}"), ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    small = DiskThumbnailCache(tmp_path, max_bytes=3 * (100 + TRAILER))
    assert small.size == 3
    assert [small.get(f"k{i}") is not None for i in range(6)] == [False] * 3 + [True] * 3


def test_damaged_file_is_a_miss_and_removed(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    c.put("k", b"A" * 5000)
    path = c.path_for("k")
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert c.get("k") is None
    assert not path.exists()
    assert c.stats()["corrupt"] == 1


@pytest.mark.parametrize("keep", [0, 1, 15, 16, 2500, 5000 + TRAILER - 1])
def test_truncated_file_is_a_miss_and_removed(tmp_path: Path, keep: int) -> None:
    c = DiskThumbnailCache(tmp_path)
    c.put("k", b"B" * 5000)
    path = c.path_for("k")
    path.write_bytes(path.read_bytes()[:keep])
    assert c.get("k") is None
    assert not path.exists()


def test_foreign_file_without_trailer_is_a_miss(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    path = c.path_for("k")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8 a plain jpeg written by someone else \xff\xd9")
    assert c.get("k") is None
    assert not path.exists()


def test_values_are_opaque_bytes(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    for value in (b"", b"\x00" * 7, os.urandom(70_000)):
        c.put("k", value)
        assert c.get("k") == value


def test_clear_removes_everything(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    for i in range(10):
        c.put(f"k{i}", b"v")
    c.clear()
    assert c.size == 0 and c.disk_usage_bytes == 0
    assert list(tmp_path.rglob("*.jpg")) == []


def test_stats(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path, max_bytes=12345)
    c.put("a", b"1")
    c.get("a")
    c.get("b")
    s = c.stats()
    assert (s["hits"], s["misses"], s["puts"], s["entries"]) == (1, 1, 1, 1)
    assert s["hit_rate"] == 0.5 and s["max_bytes"] == 12345 and s["bytes"] == 1 + TRAILER


def test_fsync_mode_works(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path, fsync=True)
    c.put("k", b"durable")
    assert c.get("k") == b"durable"


def test_unusable_cache_dir_raises_oserror(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(OSError):
        DiskThumbnailCache(blocker / "thumbs")


def test_other_process_files_are_adopted(tmp_path: Path) -> None:
    a = DiskThumbnailCache(tmp_path)
    b = DiskThumbnailCache(tmp_path)
    a.put("shared", b"from a")
    assert b.size == 0
    assert b.get("shared") == b"from a"
    assert b.size == 1


def _value(i: int) -> bytes:
    # self-describing: any mix of two values is detectable
    body = bytes([i % 251]) * (20_000 + (i * 7919) % 50_000)
    return i.to_bytes(4, "little") + body


def _check(value: bytes) -> None:
    i = int.from_bytes(value[:4], "little")
    assert value == _value(i), "a torn or mixed value was served"


def test_many_threads_on_the_same_keys(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path, max_bytes=10 * 80_000)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(150):
                key = f"k{(i + n) % 12}"
                if (i + n) % 3 == 0:
                    c.put(key, _value(i * 8 + n))
                elif i % 17 == 0:
                    c.invalidate(key)
                else:
                    v = c.get(key)
                    if v is not None:
                        _check(v)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert c.stats()["corrupt"] == 0
    assert c.disk_usage_bytes <= 10 * 80_000
    on_disk = sum(p.stat().st_size for p in tmp_path.rglob("*.jpg"))
    assert on_disk == c.disk_usage_bytes


WRITER = textwrap.dedent(
    """
    import sys
    from albumen import DiskThumbnailCache
    c = DiskThumbnailCache(sys.argv[1])
    i = int(sys.argv[2])
    while True:
        i += 1
        v = i.to_bytes(4, "little") + bytes([i % 251]) * (2_000_000 + i % 1000)
        c.put("contended", v)
        sys.stdout.write("put\\n"); sys.stdout.flush()
        c.put(f"k{i % 5}", v)
    """
)


def test_sigkilled_writers_never_leave_a_partial_value(tmp_path: Path) -> None:
    """Kill a writer process mid-write, again and again, after a different number of values
    each time: every read afterwards (and while another writer runs) is either a miss or a
    complete value."""
    reader = DiskThumbnailCache(tmp_path)
    served = 0
    for round_ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(round_ * 1_000_000)],
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        for _ in range(1 + round_ % 4):  # the kill lands in the write after this many
            assert proc.stdout.readline() == b"put\n"
            for key in ("contended", "k1", "k3"):
                v = reader.get(key)
                if v is not None:
                    i = int.from_bytes(v[:4], "little")
                    assert v == i.to_bytes(4, "little") + bytes([i % 251]) * (2_000_000 + i % 1000)
                    served += 1
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        fresh = DiskThumbnailCache(tmp_path)
        for key in ("contended", "k0", "k1", "k2", "k3", "k4"):
            v = fresh.get(key)
            if v is not None:
                i = int.from_bytes(v[:4], "little")
                assert v == i.to_bytes(4, "little") + bytes([i % 251]) * (2_000_000 + i % 1000)
                served += 1
        assert fresh.stats()["corrupt"] == 0
    assert served > 0
    # killed writers leave only temporary files, which are never served and not indexed
    leftovers = list(tmp_path.rglob("*.tmp"))
    assert all(p.name.startswith(".") for p in leftovers)
    final = DiskThumbnailCache(tmp_path)
    assert final.size == len(list(tmp_path.rglob("*.jpg")))


def test_stale_temporary_files_are_swept_at_start(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    c.put("k", b"v")
    bucket = c.path_for("k").parent
    stale = bucket / f".{md5('x')}.123.0.tmp"
    fresh = bucket / f".{md5('y')}.123.1.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    DiskThumbnailCache(tmp_path)
    assert not stale.exists()
    assert fresh.exists()  # may belong to a live writer


def test_a_held_write_stalls_no_other_key(tmp_path: Path) -> None:
    """A slow file system holds up one thread's put inside its file I/O (the private hook
    stops it right before its rename: temporary file written, key claimed, no lock, no GIL).
    Meanwhile every call about other keys from another thread returns."""
    per = 1000 + TRAILER
    c = DiskThumbnailCache(tmp_path, max_bytes=3 * per)
    for key in ("slow", "a", "c"):
        c.put(key, b"1" * 1000)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            c.put("slow", b"2" * 1000)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    c._pause_writes("slow")
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        assert c._wait_for_paused_writes(timeout=60)  # a hang detector, not a timing
        assert c.get("a") == b"1" * 1000
        assert c.get("slow") == b"1" * 1000  # the old value until the rename
        assert c.get("missing") is None
        assert len(c) == 3
        assert c.size == 3
        assert c.stats()["entries"] == 3
        assert c.disk_usage_bytes == 3 * per
        assert "a" in c
        # "slow" is the least recently used, but it is being written: "c" goes instead
        c.put("b", b"3" * 1000)
        assert "c" not in c
        assert "slow" in c
        c.invalidate("a")
        assert writer.is_alive()  # still held: nothing above waited for it
    finally:
        c._resume_writes()
        writer.join(timeout=60)
    assert not writer.is_alive()
    assert not errors
    assert c.get("slow") == b"2" * 1000
    assert c.stats()["evictions"] == 1
    on_disk = sum(p.stat().st_size for p in tmp_path.rglob("*.jpg"))
    assert on_disk == c.disk_usage_bytes == 2 * per


def test_a_held_write_holds_up_only_writes_of_its_key(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    c._pause_writes("k")
    first = threading.Thread(target=c.put, args=("k", b"first"), daemon=True)
    first.start()
    try:
        assert c._wait_for_paused_writes(timeout=60)
        assert not c._wait_for_paused_writes(count=2, timeout=0)
        c.put("other", b"v")  # another key: not held
        assert c.get("other") == b"v"
    finally:
        c._resume_writes()
        first.join(timeout=60)
    assert not first.is_alive()
    assert c.get("k") == b"first"
    with pytest.raises(ValueError):
        c._wait_for_paused_writes(timeout=-1)


def test_io_errors_name_the_path(tmp_path: Path) -> None:
    # errors that root gets too (the tests may run as root)
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(NotADirectoryError) as below_a_file:
        DiskThumbnailCache(blocker / "thumbs")
    assert below_a_file.value.errno == errno.ENOTDIR
    assert below_a_file.value.strerror == os.strerror(errno.ENOTDIR)
    assert below_a_file.value.filename == str(blocker / "thumbs")
    with pytest.raises(FileExistsError) as a_file:
        DiskThumbnailCache(blocker)
    assert a_file.value.filename == str(blocker)

    c = DiskThumbnailCache(tmp_path / "cache")
    bucket = c.path_for("k").parent
    bucket.write_bytes(b"a file where the bucket directory goes")
    with pytest.raises(NotADirectoryError) as put:
        c.put("k", b"v")
    assert put.value.errno == errno.ENOTDIR
    assert put.value.filename.startswith(str(bucket) + os.sep)
    assert put.value.filename.endswith(".tmp")
    assert c.get("k") is None  # a read is a miss, never an error


@pytest.mark.skipif(sys.platform != "linux", reason="the errno Linux gives for a directory")
def test_rename_and_remove_errors_name_both_paths(tmp_path: Path) -> None:
    c = DiskThumbnailCache(tmp_path)
    # the cache file is a directory with something in it: the rename fails
    target = c.path_for("k")
    (target / "inside").mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as rename:
        c.put("k", b"v")
    assert rename.value.filename.endswith(".tmp")
    assert rename.value.filename2 == str(target)
    assert not list(target.parent.glob("*.tmp"))  # the temporary file is cleaned up
    with pytest.raises(IsADirectoryError) as invalidate:
        c.invalidate("k")
    assert invalidate.value.filename == str(target)
