"""Browsing a scanned library: Library.finder / Library.view_model over real scans, with the
view model reloading on the real EventBus's ScanCompletedEvent."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from albumen import AssetQuery, EventBus, Library, SortOrder
from albumen.events import ScanCompletedEvent


def test_view_model_reloads_when_its_library_is_rescanned(
    photo_tree: Path, make_jpeg: Callable[..., Path]
) -> None:
    bus = EventBus()
    with Library.open(photo_tree, event_bus=bus) as lib:
        lib.scan()
        vm = lib.view_model(AssetQuery(sort=SortOrder.NAME_ASC), page_size=4)
        assert vm.total_count == 6 and vm.current_page == 1
        # by path bytes: folders named with digits first, then "B" before "a"
        assert [a.name for a in vm.assets] == ["c.jpeg", "d.Jpg", "f.jpg", "e.jpg"]
        loaded: list[int] = []
        vm.page_loaded.connect(lambda page, items: loaded.append(page))
        make_jpeg(photo_tree / "2022" / "new.jpg", color=(1, 2, 3))
        lib.scan()  # publishes ScanCompletedEvent(root=...) on the bus
        assert loaded == [1] and vm.total_count == 7
        while vm.has_more_pages:
            vm.load_next_page()
        assert sorted(os.fsdecode(a.path) for a in vm.assets) == sorted(
            [
                "B.JPG",
                "a.jpg",
                "2020/01/trip/c.jpeg",
                "2020/01/trip/d.Jpg",
                "2021/e.jpg",
                "2021/deep/er/f.jpg",
                "2022/new.jpg",
            ]
        )
        # a scan of another root does not reload this album
        assert loaded == [1, 2]
        bus.publish(ScanCompletedEvent(root=str(photo_tree.parent / "elsewhere")))
        assert loaded == [1, 2]
        vm.close()


def test_finder_filters_a_scanned_library(photo_tree: Path) -> None:
    with Library.open(photo_tree) as lib:
        lib.scan()
        finder = lib.finder()
        assert finder.count(AssetQuery()) == 6
        assert finder.count(AssetQuery(folder="2020")) == 2
        assert finder.count(AssetQuery(folder="2021")) == 2
        assert finder.count(AssetQuery(folder="2021", include_subfolders=False)) == 1
        oldest = finder.page(AssetQuery(sort=SortOrder.CAPTURE_ASC), 1, 1)[0]
        assert oldest.name == "a.jpg"  # captured 2020-01-01 by its EXIF
        assert all(r.display_width and r.display_height for r in finder.page(AssetQuery(), 1, 10))
    # closing the library closes the finder's own connection
    try:
        finder.count(AssetQuery(kind="video"))
    except Exception as exc:
        assert "closed" in str(exc)
    else:
        raise AssertionError("the finder outlived its library")
