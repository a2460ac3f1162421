"""Keyset paging over any SQL store: the backend-neutral half of an ``AssetFinder``.

``KeysetFinder`` keeps what does not depend on the database: the count cache, the *anchors*
(the last key of every page served, so page n+1 continues exactly where page n ended, even
when rows were inserted or deleted in between), the walk from the nearest known position for a
jump to an unseen page, and the grouping of layout data into sections. A backend supplies the
queries: a stamp that changes with the data, a count, "the next n rows after key K", "the key
d rows after K" and the layout rows (see the abstract methods).

Both finders build on it: ``store.sqlite.finder`` and ``store.postgres.finder``.
"""

from __future__ import annotations

import abc
import os
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from albumen.errors import FolderNotFoundError
from albumen.store.assets import Asset, assets_of
from albumen.store.query import AssetQuery, folder_bytes
from albumen.store.records import ThumbnailTarget, thumbnail_target_of
from albumen.store.rows import PAGE_COLUMNS, AssetPage, LayoutData, RowCache
from albumen.store.times import EPOCH

__all__ = ["GROUPINGS", "Key", "KeysetFinder"]

#: A keyset key: the values of ``query.sort.key`` of one row.
Key = tuple[Any, ...]

#: What ``layout_data`` can group by.
GROUPINGS = (None, "day", "month", "year", "folder")


@dataclass
class _Anchors:
    """Known keys by position (0-based index in the ordering) for one (query, page size)."""

    stamp: Hashable
    positions: list[int]
    keys: dict[int, Key]

    def add(self, position: int, key: Key) -> None:
        if position not in self.keys:
            self.positions.insert(bisect_left(self.positions, position), position)
        self.keys[position] = key


class KeysetFinder(abc.ABC):
    """Counts, keyset pages and layout data of ``AssetQuery`` results, on top of a backend's
    queries. Thread-safe (calls are serialised)."""

    MAX_QUERIES = 16

    def __init__(
        self, *, cache: RowCache | None = None, lock: threading.RLock | None = None
    ) -> None:
        self._cache = cache
        self._lock = lock if lock is not None else threading.RLock()
        self._counts: OrderedDict[AssetQuery, tuple[Hashable, int]] = OrderedDict()
        self._anchors: OrderedDict[tuple[AssetQuery, int], _Anchors] = OrderedDict()
        self._folders: dict[bytes, Hashable] = {}  # folders found, by data stamp
        self.walked_rows = 0  # index entries stepped over by jumps (for tests and benches)

    # -- what a backend supplies -------------------------------------------------------------

    @abc.abstractmethod
    def _stamp(self) -> Hashable:
        """A value that changes whenever the stored data does."""

    @abc.abstractmethod
    def _count(self, query: AssetQuery) -> int:
        """How many rows match ``query``."""

    @abc.abstractmethod
    def _rows_after(self, query: AssetQuery, after: Key | None, limit: int) -> list[Sequence[Any]]:
        """Up to ``limit`` rows in the query's order strictly after ``after`` (from the start
        when None): ``PAGE_COLUMNS`` followed by the row's key."""

    @abc.abstractmethod
    def _key_after(
        self, query: AssetQuery, after: Key | None, steps: int, *, reverse: bool
    ) -> Key | None:
        """The key of the row ``steps`` rows past the first one after ``after`` in the query's
        order (reversed with ``reverse``), or None past the end."""

    @abc.abstractmethod
    def _asset_rows_after(
        self, query: AssetQuery, after: Key | None, limit: int
    ) -> list[Sequence[Any]]:
        """As ``_rows_after``, with ``assets.ASSET_COLUMNS`` instead of ``PAGE_COLUMNS``."""

    @abc.abstractmethod
    def _folder_exists(self, folder: bytes) -> bool:
        """Whether any row (hidden ones included) lies in ``folder`` or below it."""

    @abc.abstractmethod
    def _thumb_rows(self, rowids: Sequence[int]) -> list[Sequence[Any]]:
        """The readable rows among ``rowids``: ``sql.THUMB_SQL`` and then ``micro_thumb``."""

    @abc.abstractmethod
    def _folder_rows(self) -> list[Sequence[Any]]:
        """``(folder, visible assets)`` of every folder, ordered by folder."""

    @abc.abstractmethod
    def _layout_rows(self, query: AssetQuery, group_by: str | None) -> Iterator[list[Any]]:
        """Batches of ``(aspect ratio, group value)`` rows in the query's order; the group value
        is the folder (bytes) for ``"folder"``, else the day number of ``sort_time``."""

    # -- the finder protocol -----------------------------------------------------------------

    def data_version(self) -> Hashable:
        """A stamp that changes whenever the stored data does (from any writer)."""
        with self._lock:
            return self._stamp()

    def count(self, query: AssetQuery) -> int:
        """Number of assets matching ``query`` (cached until the data changes)."""
        with self._lock:
            stamp = self._stamp()
            hit = self._counts.get(query)
            if hit is not None and hit[0] == stamp:
                self._counts.move_to_end(query)
                return hit[1]
            self._check_folder(query, stamp)
            n = self._count(query)
            self._counts[query] = (stamp, n)
            while len(self._counts) > self.MAX_QUERIES:
                self._counts.popitem(last=False)
            return n

    def page(self, query: AssetQuery, page_number: int, page_size: int) -> AssetPage:
        """Page ``page_number`` (1-based) of ``page_size`` rows; empty past the end."""
        if page_number < 1:
            raise ValueError(f"page numbers start at 1, got {page_number}")
        if page_size < 1:
            raise ValueError(f"page_size must be positive, got {page_size}")
        with self._lock:
            self._check_folder(query, self._stamp())
            anchors = self._anchors_for(query, page_size, fresh=page_number == 1)
            start = (page_number - 1) * page_size
            after: Key | None = None
            if start > 0:
                found = self._key_at(query, anchors, start - 1)
                if found is None:
                    return AssetPage([], self._cache)
                after = found
            rows = self._rows_after(query, after, page_size)
            # The next page continues after this page's last key (or after the same key when
            # this page came back empty): recorded at the page boundary even for a short
            # page, so sequential paging never walks, whatever changed in between.
            last = tuple(rows[-1][len(PAGE_COLUMNS) :]) if rows else after
            if last is not None:
                anchors.add(start + page_size - 1, last)
            return AssetPage(rows, self._cache)

    def assets(self, query: AssetQuery, *, batch_size: int = 2000) -> Iterator[Asset]:
        """Every asset matching ``query``, in its order, as ``Asset`` records.

        Read in keyset batches of ``batch_size`` rows, each under the lock: the iteration
        never holds the connection between batches, so it may be slow or abandoned. A row
        written meanwhile shows up if its key lies ahead of where the iteration stands."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        key_width = len(query.sort.key)
        after: Key | None = None
        while True:
            with self._lock:
                if after is None:
                    self._check_folder(query, self._stamp())
                rows = self._asset_rows_after(query, after, batch_size)
            yield from assets_of(rows)
            if len(rows) < batch_size:
                return
            after = tuple(rows[-1][-key_width:])

    def thumbnail_sources(
        self, rowids: Sequence[int]
    ) -> dict[int, tuple[ThumbnailTarget, bytes | None]]:
        """Thumbnail target and micro thumbnail of each readable row among ``rowids``."""
        ids = [int(r) for r in rowids]
        with self._lock:
            rows = self._thumb_rows(ids) if ids else []
        return {
            int(r[0]): (thumbnail_target_of(r), None if r[14] is None else bytes(r[14]))
            for r in rows
        }

    def folder_counts(self) -> list[tuple[bytes, int]]:
        """Folders with their visible assets, ordered by folder."""
        with self._lock:
            rows = self._folder_rows()
        return [(bytes(f), int(n)) for f, n in rows]

    def _check_folder(self, query: AssetQuery, stamp: Hashable) -> None:
        """``FolderNotFoundError`` when the query's folder holds nothing at all (hidden rows
        and subfolders included): a folder that is not the library's, not an empty album."""
        if query.folder is None:
            return
        folder = folder_bytes(query.folder)
        if not folder or self._folders.get(folder) == stamp:
            return
        if not self._folder_exists(folder):
            raise FolderNotFoundError(
                f"the library holds no folder {os.fsdecode(folder)!r}: folders are relative "
                "to the library root"
            )
        if len(self._folders) >= 4 * self.MAX_QUERIES:
            self._folders.clear()
        self._folders[folder] = stamp

    def layout_data(self, query: AssetQuery, group_by: str | None = None) -> LayoutData:
        """Aspect ratios and sections for ``query`` in page order. ``group_by``: None,
        ``"day"``, ``"month"``, ``"year"`` (of ``sort_time``) or ``"folder"``."""
        if group_by not in GROUPINGS:
            raise ValueError(f"cannot group by {group_by!r}")
        ratios: array[float] = array("d")
        starts: list[int] = []
        labels: list[str] = []
        last_label: str | None = None
        last_raw: object = object()
        cut = {"day": 10, "month": 7, "year": 4}.get(group_by or "", 0)
        with self._lock:
            i = 0
            for batch in self._layout_rows(query, group_by):
                ratios.extend([row[0] for row in batch])
                if group_by is not None:
                    for offset, row in enumerate(batch):
                        raw = row[1]
                        # labels are computed once per day (or folder) change, not per row
                        if raw != last_raw:
                            last_raw = raw
                            label = _group_label(raw, group_by, cut)
                            if label != last_label:
                                starts.append(i + offset)
                                labels.append(label)
                                last_label = label
                i += len(batch)
        return LayoutData(ratios, starts, labels)

    # -- anchors and walks -------------------------------------------------------------------

    def _anchors_for(self, query: AssetQuery, page_size: int, *, fresh: bool) -> _Anchors:
        stamp = self._stamp()
        key = (query, page_size)
        anchors = self._anchors.get(key)
        if anchors is None or (fresh and anchors.stamp != stamp):
            anchors = _Anchors(stamp, [], {})
            self._anchors[key] = anchors
            while len(self._anchors) > self.MAX_QUERIES:
                self._anchors.popitem(last=False)
        self._anchors.move_to_end(key)
        return anchors

    def _key_at(self, query: AssetQuery, anchors: _Anchors, position: int) -> Key | None:
        """The key of the row at ``position`` in the ordering, or None past the end: from a
        known anchor, else walked from the nearest known position (or either end)."""
        known = anchors.keys.get(position)
        if known is not None:
            return known
        total = self.count(query)
        if position >= total:
            return None
        i = bisect_left(anchors.positions, position)
        below = anchors.positions[i - 1] if i > 0 else -1
        above = anchors.positions[i] if i < len(anchors.positions) else total
        if position - below <= above - position:
            after = anchors.keys[below] if below >= 0 else None
            steps, reverse = position - below - 1, False
        else:
            after = anchors.keys[above] if above < total else None
            steps, reverse = above - position - 1, True
        key = self._key_after(query, after, steps, reverse=reverse)
        self.walked_rows += steps
        if key is None:  # the data shrank under stale anchors
            return None
        anchors.add(position, key)
        return key


def _group_label(value: Any, group_by: str, cut: int) -> str:
    """Label of a folder (bytes) or of a day number (days since the epoch)."""
    if group_by == "folder":
        return os.fsdecode(value) if value is not None else ""
    if value is None:
        return "unknown"
    return (EPOCH + timedelta(days=int(value))).isoformat()[:cut]
