"""The library-level API (issue 13): typed records from queries, thumbnails through the
library's own caches, and ``Library.stats()`` as ``albumen stats --json`` prints it."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from albumen import (
    AssetNotFoundError,
    AssetQuery,
    FolderNotFoundError,
    Library,
    SortOrder,
    ThumbnailError,
)
from albumen.cli import app
from albumen.store.assets import ASSET_COLUMNS, Asset
from albumen.store.records import RECORD_FIELDS
from albumen.thumbnails.stats import STATS_FILENAME
from PIL import Image
from scan_helpers import jpeg_bytes, write_file
from typer.testing import CliRunner

OFFSET_TIME = 0x9011  # EXIF OffsetTimeOriginal
DATETIME_ORIGINAL = 0x9003
GPS = 0x8825


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Six photos over three years, one with an offset, one broken."""
    root = tmp_path / "photos"
    for i, (rel, when) in enumerate(
        [
            ("2016/a.jpg", "2016:12:31 23:00:00"),
            ("2017/b.jpg", "2017:01:01 10:00:00"),
            ("2017/sub/c.jpg", "2017:06:01 12:00:00"),
            ("2018/d.jpg", "2018:03:01 08:30:00"),
            ("2018/e.jpg", "2018:03:02 08:30:00"),
        ]
    ):
        exif_ifd = {DATETIME_ORIGINAL: when}
        if rel == "2017/b.jpg":
            exif_ifd[OFFSET_TIME] = "+02:00"
        write_file(
            root / rel,
            jpeg_bytes(
                size=(64 + 8 * i, 48),
                color=(40 * i, 90, 160),
                exif={0x010F: "Canon", 0x0110: "EOS R5"},
                exif_ifd=exif_ifd,
            ),
        )
    write_file(root / "2018/broken.jpg", b"\xff\xd8 not really")
    return root


@pytest.fixture
def lib(tree: Path) -> Iterator[Library]:
    with Library.open(tree) as library:
        library.scan()
        yield library


# -- Library.assets ---------------------------------------------------------------------------


def test_assets_are_typed_frozen_records_with_every_field(lib: Library) -> None:
    assets = list(lib.assets(AssetQuery(sort=SortOrder.NAME_ASC)))
    assert [a.path for a in assets] == [
        "2016/a.jpg",
        "2017/b.jpg",
        "2017/sub/c.jpg",
        "2018/broken.jpg",
        "2018/d.jpg",
        "2018/e.jpg",
    ]
    a = assets[1]
    assert isinstance(a, Asset)
    assert set(RECORD_FIELDS) <= set(Asset._fields)  # every field of a record
    assert (a.make, a.model, a.width, a.height, a.kind, a.mime) == (
        "Canon",
        "EOS R5",
        72,
        48,
        "photo",
        "image/jpeg",
    )
    assert a.folder == "2017" and a.name == "b.jpg" and not a.hidden and not a.is_live
    with pytest.raises(AttributeError):
        a.path = "elsewhere.jpg"  # type: ignore[misc]
    assert a._replace(iso=100).iso == 100 and a.iso is None
    # the capture time is a datetime: aware with the offset the file states, naive otherwise
    assert a.captured_at == datetime(2017, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))
    assert a.captured_offset == 120
    assert assets[0].captured_at == datetime(2016, 12, 31, 23, 0)
    assert assets[0].captured_at.tzinfo is None
    broken = assets[3]
    assert broken.error and broken.path == "2018/broken.jpg"
    # the same as the store's own row
    row = lib.store.get(b"2017/b.jpg")
    assert row is not None
    assert (a.rowid, a.id, a.size, a.mtime_ns, a.sort_time) == (
        row["rowid"],
        row["id"],
        row["size"],
        row["mtime_ns"],
        row["sort_time"],
    )
    assert lib.asset("2017/b.jpg") == a


def test_assets_default_is_what_a_gallery_shows_newest_first(lib: Library) -> None:
    times = [a.sort_time or 0 for a in lib.assets()]
    assert len(times) == 6 and times == sorted(times, reverse=True)
    assert lib.count() == 6 and len(lib) == 6


def test_date_filters_take_dates_datetimes_and_iso_strings(lib: Library) -> None:
    def paths(**kw: object) -> list[str]:
        query = AssetQuery(sort=SortOrder.NAME_ASC, **kw)  # type: ignore[arg-type]
        return [a.path for a in lib.assets(query) if not a.error]

    expected = ["2017/b.jpg", "2017/sub/c.jpg"]
    assert paths(since="2017-01-01", until="2018-01-01") == expected  # raised AttributeError
    assert paths(since=date(2017, 1, 1), until=date(2018, 1, 1)) == expected
    assert paths(since=datetime(2017, 1, 1), until=datetime(2018, 1, 1)) == expected
    # an aware bound is an instant: 10:00+02:00 is 08:00 UTC
    assert paths(since="2017-01-01T08:00:00Z", until="2017-01-01T08:00:01+00:00") == ["2017/b.jpg"]
    assert AssetQuery(since="2017-01-01") == AssetQuery(since=datetime(2017, 1, 1))
    with pytest.raises(ValueError, match="ISO 8601"):
        AssetQuery(since="last tuesday")
    with pytest.raises(TypeError):
        AssetQuery(until=1.5)  # type: ignore[arg-type]


def test_folder_filters_are_relative_and_an_unknown_folder_is_an_error(
    lib: Library, tree: Path
) -> None:
    def paths(query: AssetQuery) -> list[str]:
        return sorted(a.path for a in lib.assets(query))

    assert paths(AssetQuery(folder="2017")) == ["2017/b.jpg", "2017/sub/c.jpg"]
    assert paths(AssetQuery(folder="2017/", include_subfolders=False)) == ["2017/b.jpg"]
    assert paths(AssetQuery(folder="")) == paths(AssetQuery())  # the root
    # an absolute path silently matched nothing
    with pytest.raises(ValueError, match="relative to the library root"):
        AssetQuery(folder=str(tree / "2017"))
    with pytest.raises(ValueError, match="outside"):
        AssetQuery(folder="../elsewhere")
    for finder_call in (
        lambda q: list(lib.assets(q)),
        lib.count,
        lambda q: lib.finder().page(q, 1, 10),
        lambda q: lib.thumbnails(q),
    ):
        with pytest.raises(FolderNotFoundError, match="2019"):
            finder_call(AssetQuery(folder="2019"))
    # a known folder that holds nothing of a kind is an empty result, not an error
    assert paths(AssetQuery(folder="2017", kind="video")) == []


def test_asset_of_a_path_the_library_does_not_hold(lib: Library, tmp_path: Path) -> None:
    with pytest.raises(AssetNotFoundError, match=r"nope\.jpg"):
        lib.asset("nope.jpg")
    with pytest.raises(AssetNotFoundError, match="outside"):
        lib.asset(tmp_path / "elsewhere.jpg")


def test_assets_are_read_in_batches_and_can_be_left_early(lib: Library) -> None:
    finder = lib.finder()
    everything = AssetQuery(include_hidden=True, sort=SortOrder.SIZE_ASC)
    batched = [a.path for a in finder.assets(everything, batch_size=2)]
    assert batched == [a.path for a in finder.assets(everything)]
    first = next(iter(lib.assets()))
    assert isinstance(first, Asset)


def test_asset_columns_match_the_record_fields() -> None:
    renamed = {"path": ("path", "path_bytes"), "micro_thumb": ("micro_thumbnail",)}
    fields = [f for c in ASSET_COLUMNS for f in renamed.get(c, (c,))]
    assert fields == list(Asset._fields)


# -- thumbnails -----------------------------------------------------------------------------


def _longest_side(data: bytes) -> int:
    return max(Image.open(io.BytesIO(data)).size)


def test_thumbnail_of_an_asset_or_a_path_goes_through_the_library_cache(
    lib: Library, tree: Path
) -> None:
    a = lib.asset("2017/b.jpg")
    first = lib.thumbnail(a, size=32)
    assert first[:2] == b"\xff\xd8" and _longest_side(first) == 32
    for same in ("2017/b.jpg", b"2017/b.jpg", tree / "2017" / "b.jpg"):
        assert lib.thumbnail(same, size=32) == first  # from the cache
    pipeline = lib.thumbnail_pipeline
    assert pipeline.service.stats()["generation"]["count"] == 1
    assert len(list((lib.library_dir / "thumbs").rglob("*.jpg"))) == 1  # the library's L2
    with pytest.raises(ThumbnailError, match="could not read"):
        lib.thumbnail("2018/broken.jpg")
    with pytest.raises(AssetNotFoundError):
        lib.thumbnail("2018/nope.jpg")


def test_thumbnails_of_a_query_come_as_they_complete(lib: Library) -> None:
    seen: list[tuple[int, int]] = []
    results = list(
        lib.thumbnails(
            AssetQuery(folder="2018"), size=24, progress=lambda d, t: seen.append((d, t))
        )
    )
    by_path = {r.asset.path: r for r in results}
    assert set(by_path) == {"2018/broken.jpg", "2018/d.jpg", "2018/e.jpg"}
    assert by_path["2018/broken.jpg"].status == "unreadable" and not by_path["2018/broken.jpg"].ok
    for path in ("2018/d.jpg", "2018/e.jpg"):
        r = by_path[path]
        assert r.status == "generated" and r.ok and r.data is not None
        assert _longest_side(r.data) == 24
    assert seen[-1] == (3, 3) and [d for d, _ in seen] == [1, 2, 3]
    # again: served from the library's caches, micro thumbnails already stored
    again = {r.asset.path: r.status for r in lib.thumbnails(AssetQuery(folder="2018"), size=24)}
    assert again == {
        "2018/broken.jpg": "unreadable",
        "2018/d.jpg": "cached",
        "2018/e.jpg": "cached",
    }
    assert all(a.micro_thumbnail for a in lib.assets(AssetQuery(folder="2018")) if not a.error)


def test_thumbnails_of_chosen_records(lib: Library) -> None:
    chosen = [a for a in lib.assets() if a.folder.startswith("2017")]
    results = list(lib.thumbnails(chosen, size=20))
    assert sorted(r.asset.path for r in results) == ["2017/b.jpg", "2017/sub/c.jpg"]
    assert all(r.ok and r.data is not None and _longest_side(r.data) == 20 for r in results)


def test_thumbnails_run_in_parallel(tree: Path) -> None:
    # two workers: the first two generations can only both pass the gate if they overlap
    with Library.open(tree, thumbnail_workers=2) as lib:
        lib.scan()
        pipeline = lib.thumbnail_pipeline
        make = pipeline.generator.generate_from
        gate = threading.Barrier(2)
        calls = iter(range(100))

        def meeting(source, size):  # type: ignore[no-untyped-def]
            if next(calls) < 2:
                gate.wait(30)
            return make(source, size)

        pipeline.generator.generate_from = meeting  # type: ignore[method-assign]
        results = list(lib.thumbnails(size=16))
        assert sum(r.status == "generated" for r in results) == 5


def test_leaving_a_thumbnail_batch_early_stores_what_it_made(lib: Library) -> None:
    batch = lib.thumbnails(AssetQuery(sort=SortOrder.NAME_ASC), size=16)
    first = next(r for r in batch if r.ok)  # results come as they complete
    batch.close()  # type: ignore[attr-defined]
    assert lib.asset(first.asset.path).micro_thumbnail is not None
    assert lib.thumbnail_pipeline.service.wait_idle(30)


# -- stats ----------------------------------------------------------------------------------


def test_stats_is_what_the_cli_prints(lib: Library, tree: Path) -> None:
    lib.thumbnail("2016/a.jpg", 16)
    stats = lib.stats()
    assert (stats["assets"], stats["photos"], stats["errors"], stats["folders"]) == (6, 6, 1, 4)
    assert stats["thumbnails"]["generated"] == 1  # this process's own work counts at once
    lib.close()
    printed = json.loads(CliRunner().invoke(app, ["stats", str(tree), "--json"]).stdout)
    with Library.open(tree) as again:
        assert again.stats() == printed


def test_stats_file_damage_is_survived(lib: Library) -> None:
    (lib.library_dir / STATS_FILENAME).write_text("{torn")
    lib.thumbnail("2016/a.jpg", 16)
    lib.close()
    with Library.open(lib.root) as again:
        assert again.stats()["thumbnails"]["generated"] == 1
