"""What a gallery asks a store for: ``AssetQuery`` (filters and a ``SortOrder``).

Backend-neutral: each store turns a query into its own query language (the SQLite finder in
``albumen.store.sqlite.finder``). Every sort order has a unique key (its ``key`` columns), so
pages can be served by keyset: "the next n rows after key K".
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from datetime import date, datetime

from albumen.store.times import epoch_ms

__all__ = ["AssetQuery", "Moment", "SortOrder", "moment_ms"]


class SortOrder(str, enum.Enum):
    """Gallery sort orders; each has an index in every store."""

    CAPTURE_DESC = "capture_desc"
    CAPTURE_ASC = "capture_asc"
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    SIZE_DESC = "size_desc"
    SIZE_ASC = "size_asc"
    ADDED_DESC = "added_desc"  # most recently added first (rowids grow with each insert)

    @property
    def key(self) -> tuple[str, ...]:
        """Fields of the unique keyset key (``path`` and ``rowid`` are unique, the others add
        ``rowid``)."""
        return _SORT_KEY[self]

    @property
    def descending(self) -> bool:
        return self.value.endswith("_desc")


_SORT_KEY = {
    SortOrder.CAPTURE_DESC: ("sort_time", "rowid"),
    SortOrder.CAPTURE_ASC: ("sort_time", "rowid"),
    SortOrder.NAME_ASC: ("path",),
    SortOrder.NAME_DESC: ("path",),
    SortOrder.SIZE_DESC: ("size", "rowid"),
    SortOrder.SIZE_ASC: ("size", "rowid"),
    SortOrder.ADDED_DESC: ("rowid",),
}

Moment = datetime | date | int


def moment_ms(value: Moment) -> int:
    """A date bound on the ``sort_time`` scale (see ``albumen.store.times.epoch_ms``); ints
    are milliseconds already."""
    if isinstance(value, bool):
        raise TypeError("a date bound must be a datetime, a date or milliseconds")
    if isinstance(value, int):
        return value
    return epoch_ms(value)


def folder_bytes(folder: str | bytes | os.PathLike[str]) -> bytes:
    """A folder filter as the OS bytes of a path relative to the root, without slashes at
    either end."""
    raw = folder if isinstance(folder, bytes) else os.fsencode(folder)
    return raw.strip(b"/")


@dataclass(frozen=True)
class AssetQuery:
    """What a gallery shows. Hashable: it keys the finders' caches.

    - ``kind``: ``"photo"`` or ``"video"`` (None: both).
    - ``folder``: a folder relative to the library root (str or OS bytes); with
      ``include_subfolders`` (the default) everything below it, else only its direct files.
    - ``since`` / ``until``: capture time range, ``since <= t < until`` (see ``moment_ms``).
    - ``has_gps``: True only located assets, False only unlocated ones.
    - ``live_only``: only Live Photos (assets with a paired partner).
    - ``errors_only``: only assets whose probe failed.
    - ``include_hidden``: also hidden assets (the motion halves of Live Photos).
    - ``sort``: a ``SortOrder``.
    """

    kind: str | None = None
    folder: str | bytes | None = None
    include_subfolders: bool = True
    since: Moment | None = None
    until: Moment | None = None
    has_gps: bool | None = None
    live_only: bool = False
    errors_only: bool = False
    include_hidden: bool = False
    sort: SortOrder = SortOrder.CAPTURE_DESC

    def __post_init__(self) -> None:
        if self.kind not in (None, "photo", "video"):
            raise ValueError(f"kind must be 'photo', 'video' or None, not {self.kind!r}")
        object.__setattr__(self, "sort", SortOrder(self.sort))
