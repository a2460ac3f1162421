"""Synthetic library databases: rows that look like a camera roll, without any files.

For tests and benchmarks of the data path (queries, paging, layouts): ``build_library`` fills
a database built from ``schema.MIGRATIONS`` with ``count`` deterministic rows using
``executemany``. ``python -m albumen.testing.synthetic OUT.db --count N`` writes one.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from albumen.schema import apply_migrations

__all__ = ["COLUMNS", "build_library", "insert_rows", "open_library_db", "synthetic_rows"]

COLUMNS = (
    "id",
    "path",
    "folder",
    "kind",
    "mime",
    "size",
    "mtime_ns",
    "display_width",
    "display_height",
    "captured_at",
    "sort_time",
    "gps_lat",
    "gps_lon",
    "live_partner",
    "hidden",
    "duration",
    "error",
)

_DIMS = ((4032, 3024), (3024, 4032), (1920, 1080), (1080, 1920), (4000, 4000), (6000, 4000))
_START_MS = 1_262_304_000_000  # 2010-01-01


def synthetic_rows(
    count: int,
    *,
    seed: int = 0,
    start: int = 0,
    hidden_fraction: float = 0.005,
    error_fraction: float = 0.005,
) -> Iterator[tuple[Any, ...]]:
    """``count`` rows (values in ``COLUMNS`` order), about 20 per folder-day, times rising
    with the index with some jitter; ~10 % videos, ~50 % located, ~5 % Live Photos, and the
    given fractions of errors and hidden rows. ``start`` offsets the numbering (to append)."""
    rng = random.Random(seed * 1_000_003 + start)
    for i in range(start, start + count):
        day = i // 20
        t = _START_MS + day * 86_400_000 + rng.randrange(86_400_000)
        y, rest = divmod(day, 365)
        folder = f"{2010 + y}/{rest // 31 + 1:02d}-{rest % 31 + 1:02d}".encode()
        video = rng.random() < 0.1
        name = f"IMG_{i:07d}.{'MOV' if video else 'JPG'}".encode()
        w, h = _DIMS[rng.randrange(len(_DIMS))]
        located = rng.random() < 0.5
        yield (
            f"{rng.getrandbits(128):032x}",
            folder + b"/" + name,
            folder,
            "video" if video else "photo",
            "video/quicktime" if video else "image/jpeg",
            rng.randrange(500_000, 8_000_000),
            t * 1_000_000,
            w,
            h,
            None,
            t,
            45.0 + rng.random() if located else None,
            7.0 + rng.random() if located else None,
            i + 1 if rng.random() < 0.05 else None,
            1 if rng.random() < hidden_fraction else 0,
            rng.random() * 30 if video else None,
            "truncated file" if rng.random() < error_fraction else None,
        )


def insert_rows(conn: sqlite3.Connection, rows: Iterator[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (``COLUMNS`` order) in one transaction."""
    cols = ", ".join(COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    conn.execute("BEGIN")
    try:
        conn.executemany(f"INSERT INTO assets ({cols}) VALUES ({marks})", rows)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def build_library(
    path: str | Path, count: int, *, seed: int = 0, hidden_fraction: float = 0.005
) -> Path:
    """Create (or replace) a library database at ``path`` with ``count`` rows: schema v1,
    rows, then the later migrations (so indexes are built in bulk). Returns the path."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        apply_migrations(conn, upto=1)
        insert_rows(conn, synthetic_rows(count, seed=seed, hidden_fraction=hidden_fraction))
        apply_migrations(conn)
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()
    tmp.replace(path)
    return path


def open_library_db(path: str | Path) -> sqlite3.Connection:
    """Open a library database the way the library does (WAL, synchronous=NORMAL, migrated)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    apply_migrations(conn)
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hidden-fraction", type=float, default=0.005)
    args = parser.parse_args()
    build_library(args.out, args.count, seed=args.seed, hidden_fraction=args.hidden_fraction)
    print(f"wrote {args.count} rows to {args.out}")


if __name__ == "__main__":
    main()
