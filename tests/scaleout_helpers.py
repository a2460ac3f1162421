"""Shared by the scale-out tests: corpora with Live Photos, what a library holds (to compare
two stores row for row), and waiting on a condition."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from albumen.library import Library
from albumen.store.postgres import PostgresAssetStore
from albumen.store.protocols import AssetStore
from albumen.testing.corpus import generate_corpus
from test_live_library import live_pair

#: files in the big scale-out corpus (the issue's 10,000; lower it to try things quickly)
BIG = int(os.environ.get("ALBUMEN_SCALEOUT_FILES", "10000"))


def make_corpus(root: Path, count: int, *, seed: int) -> Path:
    """A generated camera corpus (with its broken and hidden files) plus Live Photos: one
    pair by ContentIdentifier, one by name only."""
    generate_corpus(root, count, seed=seed)
    live_pair(root / "phone" / "live", "IMG_0001", "6F5C9E1A-3B2D-4C8E-9F10-A1B2C3D4E5F6")
    live_pair(root / "phone" / "live", "IMG_0002", None)
    return root


def pg_store(lib: Library) -> PostgresAssetStore:
    """The library's store, which these tests open on PostgreSQL."""
    assert isinstance(lib.store, PostgresAssetStore)
    return lib.store


def camera_photos(root: Path) -> list[Path]:
    """The corpus's camera JPEGs a scan indexes (not hidden, broken or Live Photo files),
    sorted."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg")
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.relative_to(root).parts[0] not in ("broken", "phone")
        and p.stat().st_size > 1000
    )


def library_state(store: AssetStore) -> dict[str, Any]:
    """Everything a library holds, independent of row ids: every row by path (a Live Photo's
    partner as its path), the errors, the pairs and the counts."""
    partners = store.partner_paths()
    rows = {}
    for row in store.iter_rows():
        row = dict(row)
        rowid = row.pop("rowid")
        partner = row.pop("live_partner")
        row["live_partner"] = partners.get(partner) if partner is not None else None
        rows[row["path"]] = row
        assert isinstance(rowid, int)
    return {
        "rows": rows,
        "errors": store.scan_errors(),
        "live_pairs": store.live_pairs(),
        "count": store.count(),
        "hidden": store.hidden_count(),
        "thumbs": store.thumbnail_counts(),
        "totals": store.totals(),
    }


def sqlite_scan(root: Path, library_dir: Path) -> tuple[Any, dict[str, Any]]:
    """A single-process scan into SQLite (the default path): its report and the state."""
    with Library.open(root, library_dir) as lib:
        report = lib.scan()
        return report, library_state(lib.store)


def assert_same_library(got: dict[str, Any], expected: dict[str, Any]) -> None:
    assert got["rows"].keys() == expected["rows"].keys()
    for path, row in expected["rows"].items():
        assert got["rows"][path] == row, path
    assert got == expected


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, copy_function=shutil.copy2)
    return dst


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll ``condition`` until it holds; fail saying ``what`` after ``timeout`` seconds (a
    bound, not a synchronisation: the condition is what the test waits on)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
