"""Live Photo pairing rules on records put straight into a store (no scan needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen.scan.live_photos import update_live_pairs
from albumen.store import AssetStore, open_store


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[AssetStore]:
    store = open_store(tmp_path)
    yield store
    store.close()


def add(store: AssetStore, path: str, **cols: Any) -> int:
    kind = "video" if path.lower().endswith((".mov", ".mp4")) else "photo"
    store.upsert([{"path": path, "kind": kind, "mime": "x", "size": 1, "mtime_ns": 1, **cols}])
    return store.known_files()[path.encode()].rowid


def pairing(store: AssetStore) -> dict[str, tuple[str | None, float | None, int]]:
    rows = list(store.iter_rows())
    paths = {r["rowid"]: r["path"].decode() for r in rows}
    return {
        r["path"].decode(): (paths.get(r["live_partner"]), r["live_confidence"], r["hidden"])
        for r in rows
    }


def test_content_identifier_pairs_across_folders(conn: AssetStore) -> None:
    add(conn, "2023/IMG_0001.HEIC", content_id="AB-1", captured_at="2023-07-14T18:03:22")
    add(conn, "videos/clip.mov", content_id="AB-1", captured_at="2020-01-01T00:00:00")
    add(conn, "2023/IMG_0002.HEIC", content_id="OTHER")
    report = update_live_pairs(conn, full=True)
    assert (report.pairs, report.by_content_id) == (1, 1)
    p = pairing(conn)
    assert p["2023/IMG_0001.HEIC"] == ("videos/clip.mov", 1.0, 0)
    assert p["videos/clip.mov"] == ("2023/IMG_0001.HEIC", 1.0, 1)
    assert p["2023/IMG_0002.HEIC"] == (None, None, 0)


def test_stem_and_time_fallback(conn: AssetStore) -> None:
    # Same stem, 2 s apart in UTC (offsets differ in how they are written): a pair.
    add(conn, "a/IMG_1.JPG", captured_at="2023-07-14T18:03:22", captured_offset=120)
    add(conn, "a/img_1.mov", captured_at="2023-07-14T16:03:24", captured_offset=0)
    # Same stem, 10 s apart: not a pair.
    add(conn, "a/IMG_2.JPG", captured_at="2023-07-14T18:03:22")
    add(conn, "a/IMG_2.MOV", captured_at="2023-07-14T18:03:32")
    # Same stem, other folder: not a pair.
    add(conn, "a/IMG_3.JPG", captured_at="2023-07-14T18:03:22")
    add(conn, "b/IMG_3.MOV", captured_at="2023-07-14T18:03:22")
    # Naive photo time against a movie with an offset: compared as wall-clock times.
    add(conn, "a/IMG_4.HEIC", captured_at="2023-07-14T18:03:22")
    add(conn, "a/IMG_4.MOV", captured_at="2023-07-14T18:03:23", captured_offset=120)
    # No capture time: never paired by stem.
    add(conn, "a/IMG_5.JPG")
    add(conn, "a/IMG_5.MOV")
    report = update_live_pairs(conn, full=True)
    p = pairing(conn)
    assert p["a/IMG_1.JPG"] == ("a/img_1.mov", 0.7, 0)
    assert p["a/img_1.mov"] == ("a/IMG_1.JPG", 0.7, 1)
    assert p["a/IMG_4.MOV"] == ("a/IMG_4.HEIC", 0.7, 1)
    for path in ("a/IMG_2.JPG", "a/IMG_2.MOV", "a/IMG_3.JPG", "b/IMG_3.MOV", "a/IMG_5.JPG"):
        assert p[path] == (None, None, 0), path
    assert (report.pairs, report.by_stem) == (2, 2)


def test_content_identifier_beats_stem(conn: AssetStore) -> None:
    add(conn, "a/IMG_1.HEIC", content_id="X", captured_at="2023-07-14T18:03:22")
    add(conn, "a/IMG_1.MOV", captured_at="2023-07-14T18:03:22")
    add(conn, "a/other.MOV", content_id="X", captured_at="2023-07-14T18:03:22")
    update_live_pairs(conn, full=True)
    p = pairing(conn)
    assert p["a/IMG_1.HEIC"] == ("a/other.MOV", 1.0, 0)
    assert p["a/IMG_1.MOV"] == (None, None, 0)


def test_incremental_update_and_removal(conn: AssetStore) -> None:
    still = add(conn, "a/IMG_1.HEIC", content_id="X")
    add(conn, "a/IMG_1.MOV", content_id="X")
    add(conn, "z/IMG_9.HEIC", content_id="Y")
    add(conn, "z/IMG_9.MOV", content_id="Y")
    update_live_pairs(conn, full=True)
    before = pairing(conn)
    # Nothing changed: nothing recomputed, same result.
    assert update_live_pairs(conn).considered == 0
    assert pairing(conn) == before
    # The movie is deleted: its still is unpaired; folder z is not even looked at.
    conn.delete_paths([b"a/IMG_1.MOV"])
    report = update_live_pairs(conn, removed=[b"a/IMG_1.MOV"])
    assert report.considered == 1
    assert pairing(conn)["a/IMG_1.HEIC"] == (None, None, 0)
    assert pairing(conn)["z/IMG_9.MOV"] == ("z/IMG_9.HEIC", 1.0, 1)
    # A new movie with the identifier arrives elsewhere: paired again.
    add(conn, "b/new.mov", content_id="X")
    update_live_pairs(conn, changed=[b"b/new.mov"])
    assert pairing(conn)["a/IMG_1.HEIC"] == ("b/new.mov", 1.0, 0)
    # Partner rowid survives as a real row id.
    new = conn.get(b"b/new.mov")
    assert new is not None and new["live_partner"] == still


def test_stable_across_runs(conn: AssetStore) -> None:
    for i in range(20):
        add(conn, f"f/IMG_{i}.HEIC", captured_at=f"2023-07-14T18:03:{i:02d}")
        add(conn, f"f/IMG_{i}.MOV", captured_at=f"2023-07-14T18:03:{i:02d}")
    add(conn, "f/IMG_0.JPG", captured_at="2023-07-14T18:03:00")  # a second still, same stem
    update_live_pairs(conn, full=True)
    first = pairing(conn)
    update_live_pairs(conn, changed=[b"f/IMG_3.MOV"])
    assert pairing(conn) == first
    update_live_pairs(conn, full=True)
    assert pairing(conn) == first
    assert first["f/IMG_0.HEIC"][0] == "f/IMG_0.MOV"
    assert first["f/IMG_0.JPG"][0] is None


def test_a_library_without_candidates_loads_nothing(conn: AssetStore) -> None:
    for i in range(50):
        add(conn, f"2020/IMG_{i}.JPG", captured_at="2020-01-01T00:00:00")
    add(conn, "clips/IMG_1.MOV", captured_at="2020-01-01T00:00:00")  # other folder
    report = update_live_pairs(conn, changed=[f"2020/IMG_{i}.JPG".encode() for i in range(50)])
    assert (report.considered, report.pairs) == (0, 0)
    assert update_live_pairs(conn, full=True).considered == 0
