"""The store conformance suite: what every ``AssetStore`` / ``AssetFinder`` must answer, and
answer identically. Runs against every backend in ``conftest.BACKENDS``; it speaks only to the
protocols, so a new backend runs it unchanged."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from albumen import AssetListViewModel, LibraryBusyError, PaginatedAssetLoader
from albumen.browse.memory import WeakAssetCache
from albumen.store import AssetQuery, AssetRow, AssetStore, SortOrder
from albumen.store.records import RECORD_FIELDS, LivePairing
from albumen.store.times import epoch_ms, sort_time_of
from albumen.testing.synthetic import COLUMNS, synthetic_rows

from store.conftest import BACKENDS, record

TIE = 1_500_000_000_000  # a sort_time many rows share

# -- writes and reads ----------------------------------------------------------------------------


def test_upsert_counts_and_an_empty_batch_is_nothing(store: AssetStore) -> None:
    assert store.upsert([]) == 0
    assert store.upsert([record(f"p{i}.jpg") for i in range(3)]) == 3
    assert store.count() == 3 and store.hidden_count() == 0


def test_upsert_is_by_path_and_keeps_the_row(store: AssetStore) -> None:
    store.upsert([record("a.jpg", iso=100), record("b.jpg")])
    before = store.get(b"a.jpg")
    assert before is not None
    assert store.upsert([record("a.jpg", iso=800, id="new-id")]) == 1
    after = store.get(b"a.jpg")
    assert after is not None and store.count() == 2
    assert (after["rowid"], after["iso"], after["id"]) == (before["rowid"], 800, "new-id")


def test_every_record_field_is_stored(store: AssetStore) -> None:
    full: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
    full.update(
        path="x/y.jpg", id="abc", kind="photo", mime="image/jpeg", size=10, mtime_ns=5,
        width=4000, height=3000, display_width=3000, display_height=4000, orientation=6,
        captured_at="2023-07-14T18:03:22.120", captured_offset=120,
        captured_at_source="exif:DateTimeOriginal", make="Canon", model="EOS", lens="RF",
        iso=100, f_number=2.8, exposure_time=0.004, focal_length=50.0, gps_lat=-33.5,
        gps_lon=151.25, gps_alt=-12.5, duration=1.5, codec="hvc1", frame_rate=29.97,
        content_id="CID", preview_offset=1, preview_length=2, error=None,
    )  # fmt: skip
    del full["folder"], full["sort_time"]
    store.upsert([full])
    row = store.get(b"x/y.jpg")
    assert row is not None
    for key, value in full.items():
        assert row[key] == (value.encode() if key == "path" else value), key
    assert row["folder"] == b"x"
    assert row["sort_time"] == sort_time_of("2023-07-14T18:03:22.120", 120, 5)


def test_names_that_are_not_utf8_round_trip(store: AssetStore) -> None:
    raw = b"caf\xe9/\xff\xfe photo.jpg"
    store.upsert([record(os.fsdecode(raw)), record(b"plain.jpg")])
    assert set(store.known_files()) == {raw, b"plain.jpg"}
    row = store.get(raw)
    assert row is not None and (row["path"], row["folder"]) == (raw, b"caf\xe9")
    assert [r["path"] for r in store.iter_rows()] == [b"caf\xe9/\xff\xfe photo.jpg", b"plain.jpg"]


def test_iter_rows_covers_every_row_once_in_path_order(store: AssetStore) -> None:
    paths = [f"f{i:04d}.jpg".encode() for i in range(1000)]
    store.upsert([record(p) for p in reversed(paths)])
    assert [r["path"] for r in store.iter_rows(page_size=7)] == paths


def test_known_files_moves_and_deletes(store: AssetStore) -> None:
    store.upsert([record("a.jpg", size=1, mtime_ns=2, id="A"), record("b.jpg", id="B")])
    known = store.known_files()
    rowid = known[b"a.jpg"].rowid
    assert known[b"a.jpg"] == (1, 2, rowid, "A")
    store.write_batch(
        [record("c.jpg")], [(rowid, record("moved/a.jpg", size=1, mtime_ns=3, id="A"))]
    )
    assert store.get(b"a.jpg") is None
    moved = store.get(b"moved/a.jpg")
    assert moved is not None and (moved["rowid"], moved["id"], moved["folder"]) == (
        rowid,
        "A",
        b"moved",
    )
    assert store.delete_paths([b"b.jpg", b"never-there.jpg"]) == 1
    assert store.delete_paths([]) == 0
    assert set(store.known_files()) == {b"moved/a.jpg", b"c.jpg"}


def test_iter_known_files_streams_known_files_in_path_bytes_order(store: AssetStore) -> None:
    # bytes order differs from str order here: "a-b" < "a.jpg" < "a/b" < "b" < "é" < 0xff
    names = [b"b.jpg", b"a/b.jpg", b"a.jpg", b"a-b.jpg", "é.jpg".encode(), b"\xff.jpg", b"A.jpg"]
    store.upsert([record(p) for p in names])
    streamed = list(store.iter_known_files())
    assert [r[0] for r in streamed] == sorted(names)
    assert {r[0]: r[1:] for r in streamed} == store.known_files()


def test_known_files_in_is_the_rows_at_paths_and_below_folders(store: AssetStore) -> None:
    names = [b"a.jpg", b"x/b.jpg", b"x/y/c.jpg", b"x0.jpg", b"x.jpg", b"xy/d.jpg", b"\xff/e.jpg"]
    store.upsert([record(p) for p in names])
    assert set(store.known_files_in([], [])) == set()
    assert set(store.known_files_in([b"a.jpg", b"gone.jpg"], [])) == {b"a.jpg"}
    # below x: not x0.jpg, x.jpg or xy/ (names that merely start with "x")
    assert set(store.known_files_in([], [b"x"])) == {b"x/b.jpg", b"x/y/c.jpg"}
    assert set(store.known_files_in([b"x.jpg"], [b"x/y", b"\xff"])) == {
        b"x.jpg",
        b"x/y/c.jpg",
        b"\xff/e.jpg",
    }
    assert store.known_files_in([], [b""]) == store.known_files()


def test_a_batch_that_fails_leaves_nothing_of_itself(store: AssetStore) -> None:
    store.upsert([record("keep.jpg")])
    with pytest.raises(Exception):  # noqa: B017 - each backend names it its own way
        store.write_batch([record("a.jpg"), record("b.jpg", iso=object())], [])
    assert set(store.known_files()) == {b"keep.jpg"}


def test_scan_errors_join_walk_errors_and_record_errors(store: AssetStore) -> None:
    store.upsert([record("bad.jpg", error="truncated JPEG", id=None), record("good.jpg")])
    store.replace_scan_errors([(b"locked", "permission denied")])
    assert store.scan_errors() == [(b"bad.jpg", "truncated JPEG"), (b"locked", "permission denied")]
    store.replace_scan_errors([])
    assert store.scan_errors() == [(b"bad.jpg", "truncated JPEG")]
    assert store.known_files()[b"bad.jpg"].id is None


def test_a_second_scan_lock_is_refused_until_the_first_is_released(
    store: AssetStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    other = BACKENDS[request.node.callspec.params["store"]](tmp_path)  # the same library
    try:
        with store.lock(), pytest.raises(LibraryBusyError), other.lock():
            pass
        with other.lock():
            pass
    finally:
        other.close()


def test_a_bulk_load_leaves_a_whole_store(store: AssetStore) -> None:
    with store.bulk_load():
        store.upsert([record(f"d{i % 7}/{i}.jpg", size=i) for i in range(300)])
    finder = store.finder()
    assert finder.count(AssetQuery()) == 300
    page = finder.page(AssetQuery(sort=SortOrder.SIZE_DESC), 1, 3)
    assert [r.size for r in page] == [299, 298, 297]


def test_meta_values_are_kept_replaced_and_seen_by_another_connection(
    store: AssetStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert store.get_meta("root") is None
    store.set_meta("root", b"/photos/caf\xe9")  # a path need not be UTF-8
    store.set_meta("other", b"")
    assert store.get_meta("root") == b"/photos/caf\xe9" and store.get_meta("other") == b""
    store.set_meta("root", b"/elsewhere")
    other = BACKENDS[request.node.callspec.params["store"]](tmp_path)  # the same library
    try:
        assert other.get_meta("root") == b"/elsewhere"
    finally:
        other.close()


# -- Live Photos ---------------------------------------------------------------------------------


def pair(still: int, clip: int, *, hidden: bool = True) -> list[LivePairing]:
    return [LivePairing(still, clip, 1.0, False), LivePairing(clip, still, 1.0, hidden)]


def live_library(store: AssetStore) -> dict[bytes, int]:
    store.upsert(
        [
            record("a/IMG_1.HEIC", content_id="C1"),
            record("a/IMG_1.MOV", kind="video", content_id="C1"),
            record("a/other.jpg"),
            record("b/solo.jpg", content_id="C2"),
            record("c/IMG_2.JPG"),
            record("c/IMG_2.MOV", kind="video"),
        ]
    )
    return {p: k.rowid for p, k in store.known_files().items()}


def test_live_pairs_are_stored_both_ways_with_the_motion_half_hidden(store: AssetStore) -> None:
    ids = live_library(store)
    still, clip = ids[b"a/IMG_1.HEIC"], ids[b"a/IMG_1.MOV"]
    store.set_live_pairs(
        [LivePairing(still, clip, 1.0, False), LivePairing(clip, still, 1.0, True)]
    )
    assert store.live_pairs() == [(b"a/IMG_1.HEIC", b"a/IMG_1.MOV", 1.0)]
    assert store.partner_paths() == {still: b"a/IMG_1.HEIC", clip: b"a/IMG_1.MOV"}
    assert store.hidden_count() == 1
    finder = store.finder()
    assert finder.count(AssetQuery(live_only=True)) == 1
    assert finder.count(AssetQuery(live_only=True, include_hidden=True)) == 2
    store.set_live_pairs(
        [LivePairing(still, None, None, False), LivePairing(clip, None, None, False)]
    )
    assert store.live_pairs() == [] and store.hidden_count() == 0


def test_live_candidates_are_the_changed_neighbourhood(store: AssetStore) -> None:
    ids = live_library(store)

    def paths(found: list[Any]) -> set[bytes]:
        return {c.path for c in found}

    assert store.live_candidates(set(), set()) == []  # nothing changed, nothing dangling
    # folder c holds a photo and a video: both are candidates; b/solo.jpg only by its id
    assert paths(store.live_candidates({b"c/IMG_2.JPG"}, set())) == {b"c/IMG_2.JPG", b"c/IMG_2.MOV"}
    assert paths(store.live_candidates({b"b/solo.jpg"}, set())) == {b"b/solo.jpg"}
    assert paths(store.live_candidates(set(), set(), full=True)) == set(ids)
    # a row whose partner is gone is a candidate even when nothing else changed
    still, clip = ids[b"a/IMG_1.HEIC"], ids[b"a/IMG_1.MOV"]
    store.set_live_pairs(
        [LivePairing(still, clip, 1.0, False), LivePairing(clip, still, 1.0, True)]
    )
    store.delete_paths([b"a/IMG_1.MOV"])
    found = store.live_candidates(set(), set())
    assert [(c.path, c.partner, c.hidden) for c in found] == [(b"a/IMG_1.HEIC", clip, False)]


# -- thumbnail state -----------------------------------------------------------------------------


def test_thumbnail_targets_state_and_counts(store: AssetStore) -> None:
    store.upsert(
        [record(f"{i:03d}.jpg", id=f"id{i}", mtime_ns=i, orientation=6) for i in range(25)]
        + [record("broken.jpg", id=None, error="truncated")]
    )
    targets = store.thumbnail_targets(0, 10)
    targets += store.thumbnail_targets(targets[-1].rowid, 100)
    assert len(targets) == 25 and [t.rowid for t in targets] == sorted(t.rowid for t in targets)
    first = targets[0]
    assert (first.id, first.path, first.orientation, first.has_micro) == (
        "id0",
        b"000.jpg",
        6,
        False,
    )
    assert store.thumbnail_target("id3", 3) == targets[3]
    assert store.thumbnail_target("id3", 4) is None
    assert store.thumbnail_target_at(b"004.jpg") == targets[4]
    assert store.thumbnail_target_at(b"broken.jpg") is None
    store.set_thumbnail_state(
        [(targets[0].rowid, b"\xff\xd8micro")], [(targets[1].rowid, "[x] boom")]
    )
    counts = store.thumbnail_counts()
    assert counts == (25, 1, 1, len(b"\xff\xd8micro"), 1)
    assert store.thumbnail_target("id0", 0) is not None
    assert store.thumbnail_target_at(b"000.jpg").has_micro  # type: ignore[union-attr]
    assert store.thumbnail_target_at(b"001.jpg").thumb_error == "[x] boom"  # type: ignore[union-attr]
    # the same file again keeps both; a changed file loses both
    store.upsert([record("000.jpg", id="id0", mtime_ns=0, orientation=6)])
    store.upsert([record("001.jpg", id="id1", mtime_ns=99)])
    assert store.thumbnail_counts().micro == 1 and store.thumbnail_counts().failed == 0


def test_totals(store: AssetStore) -> None:
    assert store.totals() == (0, 0, None, None)
    store.upsert([record("a/1.jpg", size=10, sort_time=5), record("b/2.jpg", size=20, sort_time=9)])
    assert store.totals() == (30, 2, 5, 9)


# -- queries -------------------------------------------------------------------------------------


def add_synthetic(store: AssetStore, n: int, *, seed: int, start: int = 0) -> None:
    """Synthetic rows through the protocol, with ties in every sort key, a folder whose name is
    not UTF-8, errors, GPS, and Live Photo pairs (some hidden)."""
    rng = random.Random(seed)
    records = []
    pairs: list[tuple[bytes, bytes]] = []
    for i, values in enumerate(
        synthetic_rows(n, seed=seed, start=start, hidden_fraction=0, error_fraction=0.05)
    ):
        rec = dict(zip(COLUMNS, values, strict=True))
        rec.pop("hidden")
        partner = rec.pop("live_partner")
        if (start + i) % 7 == 0:
            rec["sort_time"] = TIE
        if (start + i) % 5 == 0:
            rec["size"] = 1000
        if (start + i) % 50 == 1:
            rec["path"] = b"no\xff/" + str(start + i).encode()
            rec["folder"] = b"no\xff"
        if rec["error"] is not None:
            rec["id"] = None
        records.append(rec)
        if partner is not None and records[-2:-1]:
            pairs.append((records[-2]["path"], rec["path"]))
    store.upsert(records)
    ids = {p: k.rowid for p, k in store.known_files().items()}
    pairings = []
    for a, b in pairs:
        hide = rng.random() < 0.5
        pairings += [
            LivePairing(ids[a], ids[b], 1.0, False),
            LivePairing(ids[b], ids[a], 1.0, hide),
        ]
    store.set_live_pairs(pairings)


Row = dict[str, Any]


def reference(store: AssetStore, q: AssetQuery) -> list[int]:
    """Row ids matching ``q`` in its order, computed in Python from every stored row."""

    def ms(v: Any) -> int:
        return v if isinstance(v, int) else epoch_ms(v)

    def keep(r: Row) -> bool:
        if not q.include_hidden and r["hidden"]:
            return False
        if q.kind and r["kind"] != q.kind:
            return False
        if q.folder is not None:
            f = os.fsencode(q.folder).strip(b"/")
            if q.include_subfolders:
                if f and not (r["folder"] == f or r["folder"].startswith(f + b"/")):
                    return False
            elif r["folder"] != f:
                return False
        if q.since is not None and r["sort_time"] < ms(q.since):
            return False
        if q.until is not None and r["sort_time"] >= ms(q.until):
            return False
        if q.has_gps is not None and (r["gps_lat"] is not None) != q.has_gps:
            return False
        if q.live_only and r["live_partner"] is None:
            return False
        return not (q.errors_only and r["error"] is None)

    rows = [r for r in store.iter_rows() if keep(r)]
    col = {"capture": "sort_time", "name": "path", "size": "size"}[q.sort.value.split("_")[0]]
    rows.sort(key=lambda r: (r[col], r["rowid"]), reverse=q.sort.descending)
    return [r["rowid"] for r in rows]


QUERIES = [
    AssetQuery(),
    AssetQuery(sort=SortOrder.CAPTURE_ASC),
    AssetQuery(sort=SortOrder.NAME_ASC),
    AssetQuery(sort=SortOrder.NAME_DESC),
    AssetQuery(sort=SortOrder.SIZE_DESC),
    AssetQuery(sort=SortOrder.SIZE_ASC),
    AssetQuery(kind="video"),
    AssetQuery(kind="photo", sort=SortOrder.SIZE_ASC),
    AssetQuery(folder="2010"),
    AssetQuery(folder="2010/01-05", include_subfolders=False),
    AssetQuery(folder=b"no\xff"),
    AssetQuery(folder="", sort=SortOrder.NAME_ASC),
    AssetQuery(since=date(2010, 1, 20), until=datetime(2010, 2, 10, 12, 30)),
    AssetQuery(since=datetime(2010, 1, 20, tzinfo=timezone(timedelta(hours=2)))),
    AssetQuery(until=1_265_000_000_000, sort=SortOrder.CAPTURE_ASC),
    AssetQuery(has_gps=True),
    AssetQuery(has_gps=False, sort=SortOrder.NAME_ASC),
    AssetQuery(live_only=True),
    AssetQuery(errors_only=True),
    AssetQuery(include_hidden=True),
    AssetQuery(include_hidden=True, sort=SortOrder.SIZE_ASC),
    AssetQuery(kind="photo", folder="2010", has_gps=True, include_hidden=True),
]


@pytest.fixture
def filled(store: AssetStore) -> AssetStore:
    add_synthetic(store, 1500, seed=1)
    return store


def rowids(rows: Any) -> list[int]:
    return [r.rowid for r in rows]


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_counts_and_pages_match_the_reference(filled: AssetStore, query: AssetQuery) -> None:
    expected = reference(filled, query)
    finder = filled.finder()
    assert finder.count(query) == len(expected)
    for size in (37, 200):
        got: list[int] = []
        page = 1
        while rows := finder.page(query, page, size):
            got += rowids(rows)
            page += 1
        assert got == expected


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_assets_match_the_reference_with_every_field(filled: AssetStore, query: AssetQuery) -> None:
    expected = reference(filled, query)
    finder = filled.finder()
    for batch_size in (97, 2000):
        assert rowids(finder.assets(query, batch_size=batch_size)) == expected
    by_rowid = {r["rowid"]: r for r in filled.iter_rows()}
    for asset in finder.assets(query, batch_size=500):
        row = by_rowid[asset.rowid]
        assert asset.path_bytes == row["path"] and asset.path == os.fsdecode(row["path"])
        assert asset.folder == os.fsdecode(row["folder"])
        assert (asset.id, asset.size, asset.sort_time, asset.error, asset.live_partner) == (
            row["id"], row["size"], row["sort_time"], row["error"], row["live_partner"],
        )  # fmt: skip
        assert asset.hidden == bool(row["hidden"])


def test_a_folder_the_store_does_not_hold_is_an_error(filled: AssetStore) -> None:
    from albumen import FolderNotFoundError

    finder = filled.finder()
    for query in (AssetQuery(folder="1999"), AssetQuery(folder="201")):  # not a prefix match
        with pytest.raises(FolderNotFoundError):
            finder.count(query)
        with pytest.raises(FolderNotFoundError):
            finder.page(query, 1, 10)
        with pytest.raises(FolderNotFoundError):
            list(finder.assets(query))
    assert finder.count(AssetQuery(folder="2010", kind="video", has_gps=False)) >= 0


@pytest.mark.parametrize("query", QUERIES[:8] + QUERIES[-3:], ids=repr)
def test_jumps_land_on_the_right_rows(filled: AssetStore, query: AssetQuery) -> None:
    expected = reference(filled, query)
    finder = filled.finder()
    pages = list(range(1, len(expected) // 25 + 3))
    random.Random(5).shuffle(pages)
    for p in pages:
        assert rowids(finder.page(query, p, 25)) == expected[(p - 1) * 25 : p * 25], p


def test_page_arguments_are_checked(filled: AssetStore) -> None:
    finder = filled.finder()
    with pytest.raises(ValueError):
        finder.page(AssetQuery(), 0, 10)
    with pytest.raises(ValueError):
        finder.page(AssetQuery(), 1, 0)
    assert list(finder.page(AssetQuery(), 10_000, 200)) == []


def test_page_rows_carry_the_stored_values(filled: AssetStore) -> None:
    page = filled.finder().page(AssetQuery(include_hidden=True, sort=SortOrder.NAME_ASC), 1, 300)
    by_rowid = {r["rowid"]: r for r in filled.iter_rows()}
    for row in page:
        r = by_rowid[row.rowid]
        assert (row.id, row.path_bytes, row.kind, row.size, row.sort_time, row.duration) == (
            r["id"], r["path"], r["kind"], r["size"], r["sort_time"], r["duration"],
        )  # fmt: skip
        assert (row.display_width, row.display_height) == (r["display_width"], r["display_height"])
        assert row.hidden == bool(r["hidden"]) and row.has_error == (r["error"] is not None)
        assert row.has_gps == (r["gps_lat"] is not None)
        assert row.is_live == (r["live_partner"] is not None)


def test_weak_cache_gives_one_object_per_row(filled: AssetStore) -> None:
    cache: WeakAssetCache[int, AssetRow] = WeakAssetCache()
    finder = filled.finder(cache=cache)
    a = finder.page(AssetQuery(), 1, 10)[3]
    assert finder.page(AssetQuery(), 1, 10)[3] is a and len(cache) == 1
    filled.upsert([{**(filled.get(a.path_bytes) or {}), "duration": 99.5}])
    c = finder.page(AssetQuery(), 1, 10)[3]
    assert c is not a and c.duration == 99.5 and finder.page(AssetQuery(), 1, 10)[3] is c


def test_data_version_and_counts_follow_writes(filled: AssetStore) -> None:
    finder = filled.finder()
    stamp, count = finder.data_version(), finder.count(AssetQuery(include_hidden=True))
    filled.delete_paths([r["path"] for r in list(filled.iter_rows())[:10]])
    assert finder.data_version() != stamp
    assert finder.count(AssetQuery(include_hidden=True)) == count - 10


def test_layout_data_groups_in_page_order(filled: AssetStore) -> None:
    finder = filled.finder()
    q = AssetQuery(sort=SortOrder.CAPTURE_ASC)
    expected = reference(filled, q)
    data = finder.layout_data(q, "day")
    assert len(data.aspect_ratios) == len(expected)
    by_rowid = {r["rowid"]: r for r in filled.iter_rows()}
    days = [
        (datetime(1970, 1, 1) + timedelta(milliseconds=by_rowid[i]["sort_time"])).date().isoformat()
        for i in expected
    ]
    starts = [i for i, d in enumerate(days) if i == 0 or d != days[i - 1]]
    assert data.section_starts == starts
    assert data.section_labels == [days[i] for i in starts]
    months = finder.layout_data(q, "month")
    assert all(len(label) == 7 for label in months.section_labels)
    folders = finder.layout_data(AssetQuery(sort=SortOrder.NAME_ASC), "folder")
    assert len(set(folders.section_labels)) == len(folders.section_labels)
    page = finder.page(q, 1, 5)
    assert list(data.aspect_ratios[:5]) == pytest.approx([r.aspect_ratio for r in page])
    with pytest.raises(ValueError):
        finder.layout_data(q, "week")


def test_view_model_over_the_finder(filled: AssetStore) -> None:
    class Done:
        root = "/lib"

    handlers: list[Any] = []

    class Bus:
        def subscribe(self, event_type: type, handler: Any) -> None:
            handlers.append(handler)

    q = AssetQuery(kind="photo")
    vm: AssetListViewModel[AssetRow] = AssetListViewModel(
        PaginatedAssetLoader(filled.finder(), 100), Bus(), album="/lib", scan_event_type=Done
    )
    vm.load_album(q)
    expected = reference(filled, q)
    assert vm.total_count == len(expected) and rowids(vm.assets) == expected[:100]
    while vm.has_more_pages:
        vm.load_next_page()
    assert rowids(vm.assets) == expected
    add_synthetic(filled, 10, seed=9, start=50_000)
    handlers[0](Done())
    assert vm.current_page == 1 and vm.total_count == len(reference(filled, q))


# -- paging across changes -----------------------------------------------------------------------

Mutation = Callable[[AssetStore, random.Random, int], None]


def insert_some(store: AssetStore, rng: random.Random, step: int) -> None:
    add_synthetic(store, rng.randrange(1, 30), seed=step, start=10_000 + step * 100)


def delete_some(store: AssetStore, rng: random.Random, step: int) -> None:
    paths = list(store.known_files())
    store.delete_paths(rng.sample(paths, min(len(paths), rng.randrange(1, 30))))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    "query",
    [AssetQuery(), AssetQuery(sort=SortOrder.SIZE_ASC), AssetQuery(sort=SortOrder.NAME_DESC)],
    ids=repr,
)
def test_paging_across_inserts_and_deletes(
    filled: AssetStore, query: AssetQuery, seed: int
) -> None:
    rng = random.Random(seed)
    before = set(reference(filled, query))
    deleted: set[int] = set()
    loader = PaginatedAssetLoader(filled.finder(), page_size=50)
    loader.reset(query)
    step = 0
    while loader.has_more and step < 500:
        step += 1
        (insert_some if rng.random() < 0.5 else delete_some)(filled, rng, step)
        deleted |= before - {k.rowid for k in filled.known_files().values()}
        loader.load_next_page()
    seen = [r.rowid for r in loader.items]
    assert len(seen) == len(set(seen)), "a row was served twice"
    assert before - deleted <= set(seen), "a row that existed throughout was skipped"
