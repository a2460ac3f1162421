"""Synthetic library databases: rows that look like a camera roll, without any files.

For tests and benchmarks of the data path (queries, paging, layouts): ``build_library`` writes
a library database of ``count`` deterministic rows (``albumen.store.sqlite.bulk``).
``python -m albumen.testing.synthetic OUT.db --count N`` writes one.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from albumen.store.sqlite.bulk import create_database

__all__ = ["COLUMNS", "build_library", "synthetic_rows"]

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


def build_library(
    path: str | Path, count: int, *, seed: int = 0, hidden_fraction: float = 0.005
) -> Path:
    """Create (or replace) a library database at ``path`` with ``count`` rows; returns the
    path."""
    rows = synthetic_rows(count, seed=seed, hidden_fraction=hidden_fraction)
    return create_database(path, COLUMNS, rows)


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
