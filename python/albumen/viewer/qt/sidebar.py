"""The sidebar: smart albums (All Photos, Videos, Live Photos, Recently Added, Errors) and the
folder tree, each with its count.

Counting a million rows by folder takes a few hundred milliseconds, so counts are taken on a
background thread (with a finder of its own) and filled in when they arrive; the first paint of
the window never waits for them. Folders below the top level are created when their parent is
expanded, so a library of 50,000 folders builds 50 items, not 50,000.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from albumen.store.protocols import AssetFinder
from albumen.store.query import AssetQuery, SortOrder

__all__ = ["SMART_ALBUMS", "Album", "Sidebar"]

_ALBUM_ROLE = Qt.ItemDataRole.UserRole
RECENT_LIMIT = 1000  # Recently Added shows the newest additions, this many at most


@dataclass(frozen=True)
class Album:
    """What the gallery shows: a ``key`` (remembered across runs), a ``title``, the
    ``query``, and at most ``limit`` items (None: all)."""

    key: str
    title: str
    query: AssetQuery
    limit: int | None = None


SMART_ALBUMS: tuple[Album, ...] = (
    Album("all", "All Photos", AssetQuery()),
    Album("videos", "Videos", AssetQuery(kind="video")),
    Album("live", "Live Photos", AssetQuery(live_only=True)),
    Album("recent", "Recently Added", AssetQuery(sort=SortOrder.ADDED_DESC), RECENT_LIMIT),
    Album("errors", "Errors", AssetQuery(errors_only=True)),
)


def folder_album(folder: bytes) -> Album:
    title = os.fsdecode(folder.rpartition(b"/")[2]) or "/"
    return Album("folder:" + os.fsdecode(folder), title, AssetQuery(folder=folder))


@dataclass
class _Folder:
    """A node of the folder tree: direct and total (subfolders included) counts."""

    path: bytes
    direct: int = 0
    total: int = 0
    children: dict[bytes, _Folder] = field(default_factory=dict)


def _tree(counts: list[tuple[bytes, int]]) -> _Folder:
    root = _Folder(b"")
    for folder, n in counts:
        node = root
        root.total += n
        if not folder:
            root.direct += n
            continue
        parts = folder.split(b"/")
        for depth in range(len(parts)):
            path = b"/".join(parts[: depth + 1])
            node = node.children.setdefault(path, _Folder(path))
            node.total += n
        node.direct += n
    return root


class Sidebar(QTreeWidget):
    """Albums to pick (``album_selected(Album)``); ``refresh()`` recounts in the background."""

    album_selected = Signal(object)
    counts_ready = Signal()
    _counted = Signal(int, object, object)  # generation, smart counts, folder tree

    def __init__(
        self, finder_factory: Callable[[], AssetFinder], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.finder_factory = finder_factory
        self.setHeaderHidden(True)
        self.setColumnCount(2)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setMinimumWidth(200)
        self._generation = 0
        self._items: dict[str, QTreeWidgetItem] = {}
        self._folders: dict[bytes, _Folder] = {}
        self.counts: dict[str, int] = {}
        self.library_group = QTreeWidgetItem(self, ["Library"])
        self.folder_group = QTreeWidgetItem(self, ["Folders"])
        for group in (self.library_group, self.folder_group):
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
        for album in SMART_ALBUMS:
            self._add(self.library_group, album)
        self.library_group.setExpanded(True)
        self.folder_group.setExpanded(True)
        self.header().setStretchLastSection(False)
        self.header().setSectionResizeMode(0, self.header().ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, self.header().ResizeMode.ResizeToContents)
        self.itemSelectionChanged.connect(self._on_selection)
        self.itemExpanded.connect(self._on_expanded)
        self._counted.connect(self._on_counted)

    def _add(
        self, parent: QTreeWidgetItem, album: Album, count: int | None = None
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [album.title, "" if count is None else f"{count:,}"])
        item.setData(0, _ALBUM_ROLE, album)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._items[album.key] = item
        return item

    def album(self, key: str) -> Album | None:
        item = self._items.get(key)
        return None if item is None else item.data(0, _ALBUM_ROLE)

    def select_album(self, key: str) -> bool:
        """Select the album ``key`` (a smart album, or a folder already in the tree)."""
        item = self._items.get(key)
        if item is None:
            return False
        self.setCurrentItem(item)
        return True

    def current_album(self) -> Album | None:
        item = self.currentItem()
        if item is None:
            return None
        album = item.data(0, _ALBUM_ROLE)
        return album if isinstance(album, Album) else None

    def _on_selection(self) -> None:
        album = self.current_album()
        if album is not None:
            self.album_selected.emit(album)

    # -- counts ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Count every album again, on a background thread."""
        self._generation += 1
        generation = self._generation

        def work() -> None:
            finder = self.finder_factory()
            try:
                smart = {a.key: finder.count(a.query) for a in SMART_ALBUMS}
                tree = _tree(finder.folder_counts())
            finally:
                finder.close()
            self._counted.emit(generation, smart, tree)

        threading.Thread(target=work, name="albumen-sidebar-counts", daemon=True).start()

    def _on_counted(self, generation: int, smart: dict[str, int], tree: _Folder) -> None:
        if generation != self._generation:
            return
        for album in SMART_ALBUMS:
            n = smart[album.key]
            if album.limit is not None:
                n = min(n, album.limit)
            self.counts[album.key] = n
            self._items[album.key].setText(1, f"{n:,}")
        expanded = {
            key
            for key, item in self._items.items()
            if key.startswith("folder:") and item.isExpanded()
        }
        current = self.current_album()
        self.blockSignals(True)
        for key in [k for k in self._items if k.startswith("folder:")]:
            del self._items[key]
        self.folder_group.takeChildren()
        self._folders = {}
        self._fill(self.folder_group, tree)
        for key in expanded:
            item = self._items.get(key)
            if item is not None:
                item.setExpanded(True)
        if current is not None and current.key in self._items:
            self.setCurrentItem(self._items[current.key])
        self.blockSignals(False)
        self.counts_ready.emit()

    def _fill(self, parent: QTreeWidgetItem, node: _Folder) -> None:
        for path, child in sorted(node.children.items()):
            self._folders[path] = child
            item = self._add(parent, folder_album(path), child.total)
            self.counts[f"folder:{os.fsdecode(path)}"] = child.total
            if child.children:
                item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        album = item.data(0, _ALBUM_ROLE)
        if not isinstance(album, Album) or item.childCount():
            return
        node = self._folders.get(os.fsencode(album.key.removeprefix("folder:")))
        if node is not None:
            self._fill(item, node)
