"""Thumbnail statistics with one meaning (issue 13): a lookup counts once in each tier it
consults, on every path of the service, and a library's totals add up across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import DiskThumbnailCache, Library, MemoryThumbnailCache, ThumbnailService
from albumen.thumbnails.stats import STATS_FILENAME, load_stats
from scan_helpers import jpeg_bytes, write_file


class Maker:
    """Makes ``b"<id>@<w>"`` and counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, asset_id: str, size: tuple[int, int]) -> bytes:
        self.calls += 1
        return f"{asset_id}@{size[0]}".encode()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[ThumbnailService]:
    svc = ThumbnailService(MemoryThumbnailCache(), DiskThumbnailCache(tmp_path / "t"), Maker())
    yield svc
    svc.shutdown()


def tiers(service: ThumbnailService) -> dict[str, tuple[int, int]]:
    """(hits, misses) each cache counted itself."""
    s = service.stats()
    return {t: (s[t]["hits"], s[t]["misses"]) for t in ("memory", "disk")}


def agree(service: ThumbnailService) -> None:
    """The caches' own counters and the service's describe the same lookups."""
    s = service.stats()
    lookups, l1, l2 = s["lookups"], s["hits"]["memory"], s["hits"]["disk"]
    assert tiers(service) == {"memory": (l1, lookups - l1), "disk": (l2, lookups - l1 - l2)}


def request(service: ThumbnailService, asset_id: str) -> bytes:
    got: list[bytes] = []
    done = threading.Event()

    def callback(_asset_id: str, data: bytes) -> None:
        got.append(data)
        done.set()

    assert service.request_thumbnail(asset_id, (8, 8), callback)
    assert done.wait(30) and service.wait_idle(30)
    return got[0]


def test_a_cold_lookup_counts_one_miss_per_tier(service: ThumbnailService) -> None:
    assert service.ensure_thumbnail("a", (8, 8)) == b"a@8"
    # L2 said 33% and the service 50% when a cold lookup counted two L2 misses
    assert tiers(service) == {"memory": (0, 1), "disk": (0, 1)}
    service.memory_cache.invalidate("a_8x8")
    assert service.get_thumbnail("a", (8, 8)) == b"a@8"  # an L2 hit
    assert tiers(service) == {"memory": (0, 2), "disk": (1, 1)}
    s = service.stats()
    assert s["disk"]["hit_rate"] == 0.5 and s["hit_rate"]["disk"] == 0.5
    agree(service)


def test_requests_count_their_lookups_and_hits(service: ThumbnailService) -> None:
    request(service, "a")  # a miss, generated
    request(service, "a")  # an L1 hit, on the worker
    service.memory_cache.invalidate("a_8x8")
    request(service, "a")  # an L2 hit
    s = service.stats()
    # hit_rate stayed 0 when only get_thumbnail counted
    assert s["lookups"] == 3 and s["hits"] == {"memory": 1, "disk": 1}
    assert s["hit_rate"]["memory"] == pytest.approx(1 / 3)
    assert s["generation"]["count"] == 1 and s["requests"]["served_from_cache"] == 2
    agree(service)


def test_a_request_after_a_get_miss_continues_that_lookup(service: ThumbnailService) -> None:
    assert service.get_thumbnail("a", (8, 8)) is None
    assert request(service, "a") == b"a@8"
    s = service.stats()
    assert s["lookups"] == 1 and s["generation"]["count"] == 1
    assert tiers(service) == {"memory": (0, 1), "disk": (0, 1)}
    # a later request is a lookup of its own
    request(service, "a")
    assert service.stats()["lookups"] == 2
    agree(service)


def test_every_path_agrees_with_the_tiers(service: ThumbnailService) -> None:
    for i in range(6):
        key = f"k{i % 3}"
        if service.get_thumbnail(key, (8, 8)) is None:
            request(service, key)
        service.ensure_thumbnail(f"e{i % 2}", (8, 8))
    agree(service)
    assert service.generator.calls == 5  # type: ignore[attr-defined]


# -- a library's totals, across processes ---------------------------------------------------

MAKE_ONE = """
import sys
from albumen import Library
with Library.open(sys.argv[1]) as lib:
    lib.thumbnail(sys.argv[2], 16)
"""


def test_hit_rates_add_up_across_processes(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    for i in range(3):
        write_file(root / f"p{i}.jpg", jpeg_bytes(color=(i, 0, 0)))
    with Library.open(root) as lib:
        lib.scan()
    for name in ("p0.jpg", "p0.jpg", "p1.jpg"):  # your own code, in processes of its own
        subprocess.run([sys.executable, "-c", MAKE_ONE, str(root), name], check=True)
    with Library.open(root) as lib:
        t = lib.stats()["thumbnails"]
        # three lookups: p0 made, p0 from L2 (a new process has an empty L1), p1 made
        assert (t["lookups"], t["generated"], t["l2_hit_rate"]) == (3, 2, round(1 / 3, 4))
        assert t["hit_rate"] == round(1 / 3, 4) and t["last_run"].startswith("none")
        list(lib.thumbnails(size=16))  # a batch: p2 made, p0 and p1 from L2
    saved = load_stats(root / ".albumen")
    assert saved["totals"] is not None and saved["totals"]["lookups"] == 6
    assert saved["last_run"] is not None and saved["last_run"]["generated"] == 1
    assert saved["last_run"]["cached"] == 2


def test_two_pipelines_of_one_library_both_count(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write_file(root / "p.jpg", jpeg_bytes())
    with Library.open(root) as a, Library.open(root) as b:
        a.scan()
        a.thumbnail("p.jpg", 16)
        b.thumbnail("p.jpg", 16)
        a.close()
        b.close()
        totals: dict[str, Any] = load_stats(root / ".albumen")["totals"] or {}
    assert (totals["lookups"], totals["generated"], totals["l2_hits"]) == (2, 1, 1)


def test_a_torn_or_old_stats_file_never_breaks_anything(tmp_path: Path) -> None:
    lib_dir = tmp_path
    (lib_dir / STATS_FILENAME).write_text('{"totals": {"lookups": 4')  # torn
    assert load_stats(lib_dir) == {"totals": None, "last_run": None}
    old = {"generated": 3, "cached": 1, "size": 256, "stats": {}}  # before totals were kept
    (lib_dir / STATS_FILENAME).write_text(json.dumps(old))
    assert load_stats(lib_dir) == {"totals": None, "last_run": old}
