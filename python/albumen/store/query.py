"""What a gallery asks a store for: ``AssetQuery`` (filters and a ``SortOrder``).

Backend-neutral: each store turns a query into its own query language (the SQLite finder in
``albumen.store.sqlite.finder``). Every sort order has a unique key (its ``key`` columns), so
pages can be served by keyset: "the next n rows after key K".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from albumen.paths import AnyPath, relative_bytes
from albumen.store.times import epoch_ms

__all__ = ["AssetQuery", "Moment", "SortOrder", "folder_bytes", "moment_ms", "parse_moment"]


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

#: A capture-time bound: a ``datetime`` (naive: wall-clock time, as capture times without an
#: offset are kept; aware: that instant), a ``date`` (its midnight), an ISO 8601 string of
#: either (``"2017-01-01"``, ``"2017-01-01T12:00:00+02:00"``), or ``sort_time`` milliseconds.
Moment = datetime | date | str | int


def parse_moment(value: Moment, name: str = "a date bound") -> datetime | date | int:
    """``value`` with an ISO 8601 string parsed (``ValueError`` when it is not one; a trailing
    ``Z`` means UTC); ``TypeError`` for anything that is not a ``Moment``."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{name} must be an ISO 8601 date or time such as '2017-01-01' or "
                f"'2017-01-01T12:00:00+02:00', not {value!r}"
            ) from None
    if isinstance(value, bool) or not isinstance(value, (datetime, date, int)):
        raise TypeError(
            f"{name} must be a date, a datetime, an ISO 8601 string or milliseconds, not {value!r}"
        )
    return value


def moment_ms(value: Moment) -> int:
    """A date bound on the ``sort_time`` scale (see ``albumen.store.times.epoch_ms``); ints
    are milliseconds already."""
    value = parse_moment(value)
    if isinstance(value, int):
        return value
    return epoch_ms(value)


def folder_bytes(folder: AnyPath) -> bytes:
    """A folder filter as the OS bytes of a path relative to the root, normalised (no slashes
    at either end; ``b""`` is the root). ``ValueError`` for an absolute path or one outside
    the root."""
    return relative_bytes(folder)


@dataclass(frozen=True)
class AssetQuery:
    """What a gallery shows. Hashable: it keys the finders' caches.

    - ``kind``: ``"photo"`` or ``"video"`` (None: both).
    - ``folder``: a folder relative to the library root (``str``, ``bytes`` or
      ``os.PathLike``); with ``include_subfolders`` (the default) everything below it, else
      only its direct files. An absolute path or one climbing out of the root is a
      ``ValueError`` here; a folder the library does not hold is a ``FolderNotFoundError``
      when the query runs.
    - ``since`` / ``until``: capture time range, ``since <= t < until``: each a ``date``, a
      ``datetime``, an ISO 8601 string (parsed here: ``ValueError`` when it is not one) or
      ``sort_time`` milliseconds (see ``Moment``).
    - ``has_gps``: True only located assets, False only unlocated ones.
    - ``live_only``: only Live Photos (assets with a paired partner).
    - ``errors_only``: only assets whose probe failed.
    - ``include_hidden``: also hidden assets (the motion halves of Live Photos).
    - ``sort``: a ``SortOrder``.
    """

    kind: str | None = None
    folder: AnyPath | None = None
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
        if self.folder is not None:
            folder_bytes(self.folder)  # fails early for an absolute or outside path
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, parse_moment(value, name))
