"""Scans and thumbnails on a real Dask cluster (2 worker processes) into a real PostgreSQL
server give the library the single-process SQLite path gives, row for row and field for
field: a fresh scan, a rescan that changes nothing, and an incremental rescan after adds,
edits, renames and deletes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import postgres_server
import pytest
from albumen.distributed import plan_chunks, scan_on_cluster, thumbnails_on_cluster
from albumen.library import Library
from albumen.testing.corpus import generate_corpus
from scaleout_helpers import (
    BIG,
    assert_same_library,
    camera_photos,
    copy_tree,
    library_state,
    make_corpus,
    pg_store,
    sqlite_scan,
)

COUNTS = ("files", "added", "updated", "moved", "unchanged", "removed")


def counts(report: Any) -> tuple[int, ...]:
    return tuple(getattr(report, name) for name in COUNTS)


@pytest.fixture(scope="session")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("scaleout-big") / "photos", BIG, seed=11)


@pytest.fixture(scope="session")
def big_reference(big_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return sqlite_scan(big_corpus, tmp_path_factory.mktemp("scaleout-big-sqlite"))


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("scaleout-small") / "photos", 1500, seed=12)


def test_a_cluster_scan_equals_the_single_process_sqlite_scan(
    big_corpus: Path, big_reference: Any, dask_client: Any, tmp_path: Path
) -> None:
    expected_report, expected = big_reference
    with Library.open(big_corpus, tmp_path / "lib", store=postgres_server.fresh_database()) as lib:
        report = scan_on_cluster(lib, dask_client)
        assert_same_library(library_state(lib.store), expected)
        assert counts(report) == counts(expected_report)
        assert report.errors == expected_report.errors and report.errors
        assert report.live.pairs == expected_report.live.pairs == 2
        assert report.chunks > 20 and report.chunks_resumed == report.chunks_retried == 0
        assert pg_store(lib).ledger() == {}  # a finished scan leaves no ledger behind

        again = scan_on_cluster(lib, dask_client)
        assert (again.added, again.updated, again.removed) == (0, 0, 0)
        assert again.unchanged == again.files == report.files
        assert_same_library(library_state(lib.store), expected)


def mutate(root: Path) -> None:
    """Adds, edits, renames (within and across folders) and deletes, chosen by name so every
    run makes the same changes."""
    photos = camera_photos(root)
    edited, renamed, moved, deleted = photos[0:10], photos[10:15], photos[15:25], photos[25:40]
    for i, path in enumerate(edited):
        path.write_bytes(path.read_bytes() + b"edited" * (i + 1))
        os.utime(path, ns=(1_700_000_000_000_000_000 + i, 1_700_000_000_000_000_000 + i))
    for path in renamed:
        path.rename(path.with_name("renamed-" + path.name))
    (root / "moved-here").mkdir()
    for path in moved:
        path.rename(root / "moved-here" / path.name)
    for path in deleted:
        path.unlink()
    generate_corpus(root / "2031" / "added", 40, seed=99, extras=False)
    (root / "2031" / "added" / "manifest.json").unlink()
    shutil.copy2(photos[50], root / "2031" / "added" / "copy-of-one.jpg")  # same content
    (root / "phone" / "live" / "IMG_0002.MOV").unlink()  # unpairs a Live Photo


def test_an_incremental_rescan_equals_the_single_process_rescan(
    small_corpus: Path, dask_client: Any, tmp_path: Path
) -> None:
    root = copy_tree(small_corpus, tmp_path / "photos")
    sqlite_dir, pg_dir = tmp_path / "sqlite", tmp_path / "pg"
    url = postgres_server.fresh_database()
    _report, fresh = sqlite_scan(root, sqlite_dir)
    with Library.open(root, pg_dir, store=url) as lib:
        scan_on_cluster(lib, dask_client)
        assert_same_library(library_state(lib.store), fresh)

    mutate(root)
    expected_report, expected = sqlite_scan(root, sqlite_dir)
    assert expected_report.moved == 15 and expected_report.removed == 15 + 1
    with Library.open(root, pg_dir, store=url) as lib:
        report = scan_on_cluster(lib, dask_client)
        assert_same_library(library_state(lib.store), expected)
    assert counts(report) == counts(expected_report)
    assert report.live.pairs == expected_report.live.pairs == 1


def test_chunks_are_one_folders_files_with_ids_that_name_the_walked_slice() -> None:
    walked = [(f"a/{i:03d}.jpg", i, i) for i in range(7)] + [("b/x.jpg", 1, 1), ("top.jpg", 1, 1)]
    chunks = plan_chunks(walked, ["a/001.jpg", "a/005.jpg", "a/006.jpg", "top.jpg"], max_files=5)
    assert [(c.folder, c.paths) for c in chunks] == [
        (b"", ["top.jpg"]),
        (b"a", ["a/001.jpg"]),
        (b"a", ["a/005.jpg", "a/006.jpg"]),
    ]
    # the same walk gives the same ids, whatever was selected; a changed file changes its slice
    again = plan_chunks(walked, ["a/000.jpg", "a/006.jpg"], max_files=5)
    assert [c.id for c in again] == [chunks[1].id, chunks[2].id]
    touched = [*walked[:6], ("a/006.jpg", 6, 7), *walked[7:]]
    changed = plan_chunks(touched, ["a/000.jpg", "a/006.jpg"], max_files=5)
    assert changed[0].id == chunks[1].id and changed[1].id != chunks[2].id


def test_thumbnails_on_the_cluster_match_the_single_process_ones(
    corpus: tuple[Path, dict[str, Any]], dask_client: Any, tmp_path: Path
) -> None:
    root, _manifest = corpus
    with Library.open(root, tmp_path / "sqlite", thumbnail_workers=2) as lib:
        lib.scan()
        expected = lib.thumbnail_pipeline.generate_all(128)
        expected_micro = {r["path"]: r["micro_thumb"] for r in lib.store.iter_rows()}
    with Library.open(root, tmp_path / "pg", store=postgres_server.fresh_database()) as lib:
        scan_on_cluster(lib, dask_client)
        report = thumbnails_on_cluster(lib, dask_client, size=128, per_task=40)
        micro = {r["path"]: r["micro_thumb"] for r in lib.store.iter_rows()}
        assert (report.generated, report.failed, report.micro_written) == (
            expected.generated,
            expected.failed,
            expected.micro_written,
        )
        assert sorted(report.errors) == sorted(expected.errors)
        assert micro == expected_micro
        # the shared folder holds the same thumbnails, under the same keys
        made = sorted(p.relative_to(tmp_path / "pg") for p in (tmp_path / "pg").rglob("*.jpg"))
        assert made == sorted(
            p.relative_to(tmp_path / "sqlite") for p in (tmp_path / "sqlite").rglob("*.jpg")
        )
        assert len(made) == report.generated > 0
        again = thumbnails_on_cluster(lib, dask_client, size=128)
        assert (again.generated, again.cached, again.skipped_failed) == (
            0,
            report.generated,
            report.failed,
        )


def test_a_cluster_scan_asks_before_removing_most_of_the_library(
    small_corpus: Path, dask_client: Any, tmp_path: Path
) -> None:
    from albumen import MassRemovalError

    root = copy_tree(small_corpus, tmp_path / "photos")
    with Library.open(root, tmp_path / "lib", store=postgres_server.fresh_database()) as lib:
        indexed = scan_on_cluster(lib, dask_client).files
        moved_away = tmp_path / "unmounted"
        root.rename(moved_away)  # the disk is unmounted: an empty folder where the root was
        root.mkdir()
        with pytest.raises(MassRemovalError, match="allow-mass-removal"):
            scan_on_cluster(lib, dask_client)
        assert len(lib) > indexed // 2  # nothing removed
        assert scan_on_cluster(lib, dask_client, allow_mass_removal=True).removed > 0
        assert len(lib) == 0
