"""Library-level API benchmarks (issue 13), each against a reference measured in the same run
(interleaved rounds, best of each):

* ``Library.assets(AssetQuery(kind="photo"))`` over ROWS rows (100,000 at scale 1), building a
  typed ``Asset`` per row, against plain sqlite3 with ``row_factory = sqlite3.Row`` running
  the same query; gate: at most 1.5x its time (CPU time: both run on the calling thread);
* ``Library.thumbnails`` of the 12-megapixel JPEGs of bench_thumbnails.py (a fresh library
  cache each round, micro thumbnails and the store's writes included) against Pillow draft
  mode on a thread pool; gate: >= 1.0x its throughput at full scale, >= 0.9x at reduced scale
  (as bench_thumbnails.py gates the bare ThumbnailService).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import AssetQuery, Library
from albumen.store.sqlite.bulk import create_database

from benches.bench_thumbnails import (  # the same corpus and reference as the service's bench
    CORPUS_DIR,
    _interleaved,
    _pillow_draft,
    _pool_run,
    jpegs_12mp,
)
from benches.conftest import measure

__all__ = ["jpegs_12mp"]  # a fixture, shared with bench_thumbnails.py

SCALE = float(os.environ.get("ALBUMEN_BENCH_SCALE", "1"))
FULL = SCALE >= 1.0
ROWS = max(10_000, round(100_000 * SCALE))
GROUP = "library api"

# what a scanned library holds per row: the probe's fields, capture times with and without an
# offset, camera and GPS on most photos
COLUMNS = (
    "id", "path", "folder", "kind", "mime", "size", "mtime_ns", "width", "height",
    "display_width", "display_height", "orientation", "captured_at", "captured_offset",
    "captured_at_source", "sort_time", "make", "model", "lens", "iso", "f_number",
    "exposure_time", "focal_length", "gps_lat", "gps_lon", "gps_alt", "duration", "codec",
    "content_id", "live_partner", "hidden", "error",
)  # fmt: skip


def _rows(n: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(13)
    start = 1_262_304_000_000  # 2010-01-01, ms
    for i in range(n):
        t = start + i * 600_000 + rng.randrange(600_000)
        local = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t / 1000))
        video = rng.random() < 0.1
        folder = f"{2010 + i // 40_000}/{i // 200:05d}".encode()
        name = f"IMG_{i:07d}.{'MOV' if video else 'JPG'}".encode()
        located = rng.random() < 0.6
        yield (
            f"{rng.getrandbits(128):032x}", folder + b"/" + name, folder,
            "video" if video else "photo", "video/quicktime" if video else "image/jpeg",
            rng.randrange(500_000, 8_000_000), t * 1_000_000, 4032, 3024, 4032, 3024, 1,
            local + (".123" if i % 3 == 0 else ""), 120 if i % 2 else None,
            "exif:DateTimeOriginal", t, "Canon", "EOS R5", "RF24-105mm F4 L IS USM",
            rng.choice((100, 200, 400, 800)), 4.0, 1 / 250, 50.0,
            45.0 + rng.random() if located else None, 7.0 + rng.random() if located else None,
            210.0 if located else None, rng.random() * 30 if video else None,
            "h264" if video else None, None, None, 0, None,
        )  # fmt: skip


@pytest.fixture(scope="module")
def library_root() -> Iterator[Path]:
    """An empty root whose ``.albumen/library.db`` holds ROWS synthetic rows."""
    root = Path(tempfile.mkdtemp(prefix="library-api-"))
    (root / ".albumen").mkdir()
    create_database(root / ".albumen" / "library.db", COLUMNS, _rows(ROWS))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[bench] {line}")


def test_assets_vs_sqlite3_row_factory(
    benchmark: Any, library_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = AssetQuery(kind="photo")
    db = library_root / ".albumen" / "library.db"
    # the same rows in the same order, as a user writing plain sqlite3 would fetch them
    sql = (
        "SELECT rowid, * FROM assets WHERE hidden = 0 AND kind = 'photo' "
        "ORDER BY sort_time DESC, rowid DESC"
    )
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    lib = Library.open(library_root)
    expected = conn.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    try:

        def ours() -> Callable[[], None]:
            def run() -> None:
                assert sum(1 for _ in lib.assets(query)) == expected

            return run

        def reference() -> Callable[[], None]:
            def run() -> None:
                assert len(conn.execute(sql).fetchall()) == expected

            return run

        first = next(iter(lib.assets(query)))
        row = conn.execute(sql).fetchone()
        assert (first.rowid, first.path_bytes, first.model) == (row["rowid"], row["path"], "EOS R5")
        # Both run on this thread alone, so their CPU time is their cost, whatever else the
        # machine does (wall time on a shared machine swings by half); a miss is confirmed
        # with more interleaved rounds before the gate fails.
        contenders = {"albumen": ours, "sqlite3": reference}
        cpu: dict[str, list[float]] = {}
        times = _interleaved(contenders, rounds=7, cpu=cpu)
        for _ in range(2):
            if min(cpu["albumen"]) / min(cpu["sqlite3"]) <= 1.5:
                break
            for name, ts in _interleaved(contenders, rounds=7, cpu=cpu).items():
                times[name].extend(ts)
        best = {name: min(ts) for name, ts in times.items()}
        best_cpu = {name: min(ts) for name, ts in cpu.items()}
        benchmark.pedantic(ours(), rounds=1, iterations=1)
    finally:
        lib.close()
        conn.close()
    ratio = best_cpu["albumen"] / best_cpu["sqlite3"]
    reference_label = f"sqlite3 + sqlite3.Row, {expected:,} rows"
    measure(GROUP, reference_label, best_cpu["sqlite3"], wall=best["sqlite3"])
    measure(
        GROUP,
        f"Library.assets -> Asset records, {expected:,} rows",
        best_cpu["albumen"],
        vs={reference_label: round(1 / 1.5, 4)},
        wall=best["albumen"],
    )
    benchmark.extra_info.update({"rows": expected, "ratio_vs_sqlite3": ratio})
    _report(
        capsys,
        f"Library.assets over {expected:,} rows: {best_cpu['albumen'] * 1000:.0f} ms CPU "
        f"({best['albumen'] * 1000:.0f} ms wall), sqlite3 with row_factory "
        f"{best_cpu['sqlite3'] * 1000:.0f} ms CPU ({best['sqlite3'] * 1000:.0f} ms wall) -> "
        f"{ratio:.2f}x its time (gate <= 1.5x, best of {len(cpu['albumen'])} rounds)",
    )
    assert ratio <= 1.5


class _LibraryRound:
    """One round: a fresh library folder (empty L2) over the corpus, scanned and its decoder
    processes started before timing (a library keeps them between calls, as the reference's
    threads need no start-up)."""

    def __init__(self, root: Path, n: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lib-", dir=CORPUS_DIR.parent))
        self.lib = Library.open(root, self.dir)
        self.lib.scan()
        assert len(self.lib) == n
        self.lib.thumbnail_pipeline.generator.start()
        self.results: list[Any] = []

    def run(self) -> None:
        self.results = list(self.lib.thumbnails(size=256))

    def close(self) -> None:
        assert [r.status for r in self.results] == ["generated"] * len(self.results)
        self.lib.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_library_thumbnails_vs_pillow_draft_pool(
    benchmark: Any, jpegs_12mp: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # exactly the benchmark's images as a library root: hard links (a scan does not follow
    # symbolic links), copies where the file system has none
    root = Path(tempfile.mkdtemp(prefix="photos-", dir=CORPUS_DIR.parent))
    for path in jpegs_12mp:
        try:
            os.link(path, root / path.name)
        except OSError:
            shutil.copy2(path, root / path.name)
    n = len(jpegs_12mp)
    _pool_run(_pillow_draft, jpegs_12mp[:2])  # warm the page cache and the lazy imports
    rounds: list[_LibraryRound] = []

    def ours() -> Callable[[], None]:
        r = _LibraryRound(root, n)
        rounds.append(r)
        return r.run

    contenders: dict[str, Callable[[], Callable[[], None]]] = {
        "albumen": ours,
        "pillow-draft": lambda: lambda: _pool_run(_pillow_draft, jpegs_12mp),
    }
    gate = 1.0 if FULL else 0.9
    try:
        times = _interleaved(contenders, rounds=5)
        # both are bound by the same libjpeg-turbo decode: confirm a miss with more rounds
        for _ in range(2):
            if min(times["pillow-draft"]) / min(times["albumen"]) >= gate:
                break
            for name, ts in _interleaved(contenders, rounds=5).items():
                times[name].extend(ts)
        holder: list[_LibraryRound] = []

        def setup() -> tuple[tuple[()], dict[str, Any]]:
            holder.append(_LibraryRound(root, n))
            return (), {}

        benchmark.pedantic(lambda: holder[-1].run(), setup=setup, rounds=1, iterations=1)
        rounds.extend(holder)
    finally:
        for r in rounds:
            r.close()
        shutil.rmtree(root, ignore_errors=True)
    best = {name: min(ts) for name, ts in times.items()}
    ratio = best["pillow-draft"] / best["albumen"]
    peer = f"Pillow draft, thread pool ({n})"
    measure(GROUP, peer, best["pillow-draft"])
    measure(GROUP, f"Library.thumbnails, {n} 12 MP JPEGs", best["albumen"], vs={peer: gate})
    benchmark.extra_info["ratio_vs_pillow_draft"] = ratio
    per_s = {k: n / v for k, v in best.items()}
    _report(
        capsys,
        f"Library.thumbnails of {n} 12 MP JPEGs -> 256 px: {per_s['albumen']:.1f}/s, Pillow draft "
        f"pool {per_s['pillow-draft']:.1f}/s -> {ratio:.2f}x (gate >= {gate}, best of "
        f"{len(times['albumen'])} rounds)",
    )
    assert ratio >= gate
