"""Gallery queries over the library database: filters, sort orders and keyset pages.

``AssetQuery`` says what to show; ``SQLiteAssetFinder`` serves it from a ``sqlite3.Connection``
(to a database built from ``schema.MIGRATIONS``) through the finder protocol that
``albumen.paging.PaginatedAssetLoader`` uses: ``count(query) -> int`` and
``page(query, page_number, page_size) -> Sequence[AssetRow]``.

Paging is keyset paging: every sort order has a unique key ``(column, rowid)`` and an index
(migration 2) that delivers rows in that order, so a page is "the next ``page_size`` rows after
key K": an index seek, whatever the page number. The finder remembers the last key of every page
it served (an *anchor*: the key at position ``page * page_size - 1``), so page n+1 continues
exactly where page n ended, even if rows were inserted or deleted in between (no duplicates, and
no row that existed throughout is skipped).

A jump to a page whose preceding anchor is unknown walks to it from the nearest known position:
an anchor, the start, or the end (walking the reversed order). The walk is one
``SELECT key ... LIMIT 1 OFFSET d`` over a covering index (keys only, no table rows), so it
costs O(d) index steps (about 10-20 ns each), never row loads, and its result becomes an anchor.
Jumping to the last page of a million rows is therefore as cheap as page 1; the worst case is
the middle of a never-visited range. Page numbers count positions in the ordering as of when
the anchors were taken: after inserts or deletes, a jump may land a few rows off the present
position (a fresh page 1 forgets anchors taken before the change).

Counts use ``count(*)`` over the narrowest covering index; they are cached until the
database changes (``PRAGMA data_version`` plus this connection's ``total_changes``).

Rows come back as ``AssetPage``: columns packed into arrays (about 120 bytes per row instead
of ~500 for a tuple of Python objects), materialising an ``AssetRow`` (``__slots__``) on access.
"""

from __future__ import annotations

import enum
import os
import sqlite3
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from albumen.memory import WeakAssetCache

__all__ = [
    "AssetPage",
    "AssetQuery",
    "AssetRow",
    "LayoutData",
    "SQLiteAssetFinder",
    "SortOrder",
]

_EPOCH = datetime(1970, 1, 1)


class SortOrder(str, enum.Enum):
    """Gallery sort orders; each is backed by an index of migration 2."""

    CAPTURE_DESC = "capture_desc"
    CAPTURE_ASC = "capture_asc"
    NAME_ASC = "name_asc"
    NAME_DESC = "name_desc"
    SIZE_DESC = "size_desc"
    SIZE_ASC = "size_asc"

    @property
    def key(self) -> tuple[str, ...]:
        """Columns of the unique keyset key (``path`` is unique, the others add ``rowid``)."""
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
}

Moment = datetime | date | int


def _to_ms(value: Moment) -> int:
    """Milliseconds on the ``sort_time`` scale: aware datetimes in UTC, naive ones and dates
    as wall-clock time taken as UTC (how the library stores capture times without an offset),
    ints as milliseconds already."""
    if isinstance(value, bool):
        raise TypeError("a date bound must be a datetime, a date or milliseconds")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return (value - _EPOCH) // timedelta(milliseconds=1)
    return (datetime(value.year, value.month, value.day) - _EPOCH) // timedelta(milliseconds=1)


def _folder_bytes(folder: str | bytes | os.PathLike[str]) -> bytes:
    raw = folder if isinstance(folder, bytes) else os.fsencode(folder)
    return raw.strip(b"/")


@dataclass(frozen=True)
class AssetQuery:
    """What a gallery shows. Hashable: it keys the finder's caches.

    - ``kind``: ``"photo"`` or ``"video"`` (None: both).
    - ``folder``: a folder relative to the library root (str or OS bytes); with
      ``include_subfolders`` (the default) everything below it, else only its direct files.
      Matched as a byte-range on ``path`` (``folder/`` <= path < ``folder0``), which the
      ``(hidden, path, sort_time)`` index serves (ordered by name; by time it sorts the
      folder's keys from that index, so cost grows with the folder's size).
    - ``since`` / ``until``: capture time range, ``since <= t < until`` (see ``_to_ms``).
    - ``has_gps``: True only located assets, False only unlocated ones.
    - ``live_only``: only Live Photos (assets with a paired partner).
    - ``errors_only``: only assets whose probe failed.
    - ``include_hidden``: also hidden assets (``hidden`` is 0 or 1).
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

    def where(self) -> tuple[str, list[Any]]:
        """SQL conditions (joined with AND, each starting with `` AND``) and their parameters,
        excluding the ``hidden`` condition (see ``SQLiteAssetFinder``)."""
        sql: list[str] = []
        params: list[Any] = []
        if self.kind is not None:
            sql.append(" AND kind = ?")
            params.append(self.kind)
        if self.folder is not None:
            f = _folder_bytes(self.folder)
            if not self.include_subfolders:
                sql.append(" AND folder = ?")
                params.append(f)
            elif f:
                sql.append(" AND path >= ? AND path < ?")
                params += [f + b"/", f + b"0"]  # b"0" is the byte after b"/"
        if self.since is not None:
            sql.append(" AND sort_time >= ?")
            params.append(_to_ms(self.since))
        if self.until is not None:
            sql.append(" AND sort_time < ?")
            params.append(_to_ms(self.until))
        if self.has_gps is True:
            sql.append(" AND gps_lat IS NOT NULL")
        elif self.has_gps is False:
            sql.append(" AND gps_lat IS NULL")
        if self.live_only:
            sql.append(" AND live_partner IS NOT NULL")
        if self.errors_only:
            sql.append(" AND error IS NOT NULL")
        return "".join(sql), params


# --- compact rows ---------------------------------------------------------------------------

#: bits of ``AssetRow.flags``
FLAG_LIVE = 1
FLAG_HIDDEN = 2
FLAG_ERROR = 4
FLAG_GPS = 8
FLAG_NO_ID = 16
FLAG_NO_DURATION = 32
FLAG_NO_SIZE = 64  # display size unknown

_KINDS = ("photo", "video")
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}

# what a gallery needs of a row, in this order (``flags`` is computed)
_ROW_SQL = (
    "rowid, id, path, kind, size, sort_time, display_width, display_height, duration, "
    "(live_partner IS NOT NULL) | ((hidden <> 0) << 1) | ((error IS NOT NULL) << 2) "
    "| ((gps_lat IS NOT NULL) << 3)"
)


class AssetRow:
    """One asset as the gallery sees it. ``__slots__``, no dict: about 130 bytes plus values.

    ``rowid`` is the database row (stable while the file stays), ``id`` the content hash that
    keys thumbnails, ``path`` the OS bytes relative to the root, ``sort_time`` milliseconds.
    """

    __slots__ = (
        "__weakref__",
        "display_height",
        "display_width",
        "duration",
        "flags",
        "id",
        "kind",
        "path",
        "rowid",
        "size",
        "sort_time",
    )

    def __init__(
        self,
        rowid: int,
        id: str | None,
        path: bytes,
        kind: str,
        size: int,
        sort_time: int | None,
        display_width: int | None,
        display_height: int | None,
        duration: float | None,
        flags: int,
    ) -> None:
        self.rowid = rowid
        self.id = id
        self.path = path
        self.kind = kind
        self.size = size
        self.sort_time = sort_time
        self.display_width = display_width
        self.display_height = display_height
        self.duration = duration
        self.flags = flags

    @property
    def name(self) -> str:
        """File name (decoded like ``os.fsdecode``)."""
        return os.fsdecode(self.path.rpartition(b"/")[2])

    @property
    def folder(self) -> bytes:
        return self.path.rpartition(b"/")[0]

    @property
    def aspect_ratio(self) -> float:
        """Display width / height; 1.0 when unknown."""
        w, h = self.display_width, self.display_height
        return w / h if w and h else 1.0

    @property
    def is_live(self) -> bool:
        return bool(self.flags & FLAG_LIVE)

    @property
    def hidden(self) -> bool:
        return bool(self.flags & FLAG_HIDDEN)

    @property
    def has_error(self) -> bool:
        return bool(self.flags & FLAG_ERROR)

    @property
    def has_gps(self) -> bool:
        return bool(self.flags & FLAG_GPS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssetRow):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in _ROW_FIELDS)

    def __hash__(self) -> int:
        return hash((self.rowid, self.path))

    def __repr__(self) -> str:
        return f"AssetRow(rowid={self.rowid}, path={self.path!r}, kind={self.kind!r})"


_ROW_FIELDS = (
    "rowid",
    "id",
    "path",
    "kind",
    "size",
    "sort_time",
    "display_width",
    "display_height",
    "duration",
    "flags",
)


class AssetPage(Sequence[AssetRow]):
    """A page of rows packed column-wise: int columns in ``array('q')``, sizes in
    ``array('i')``, strings and paths concatenated with offsets. Indexing materialises an
    ``AssetRow`` (through a ``WeakAssetCache`` when given, so that one asset is one object
    while anyone holds it)."""

    __slots__ = ("_cache", "_dims", "_dur", "_flags", "_ids", "_ints", "_kinds", "_paths")

    def __init__(
        self, rows: Sequence[Sequence[Any]], cache: WeakAssetCache[int, AssetRow] | None = None
    ) -> None:
        n = len(rows)
        ints = array("q", bytes(8 * 3 * n))  # rowid, size, sort_time
        dims = array("i", bytes(4 * 2 * n))
        dur = array("d", bytes(8 * n))
        flags = bytearray(n)
        kinds = bytearray(n)
        ids: list[str] = []
        paths: list[bytes] = []
        for i, (rowid, aid, path, kind, size, st, dw, dh, du, fl, *_key) in enumerate(rows):
            f = fl
            ints[3 * i] = rowid
            ints[3 * i + 1] = size
            ints[3 * i + 2] = st if st is not None else 0
            if dw is None or dh is None:
                f |= FLAG_NO_SIZE
            else:
                dims[2 * i] = dw
                dims[2 * i + 1] = dh
            if du is None:
                f |= FLAG_NO_DURATION
            else:
                dur[i] = du
            if aid is None:
                f |= FLAG_NO_ID
                aid = ""
            flags[i] = f
            kinds[i] = _KIND_CODE.get(kind, 0)
            ids.append(aid)
            paths.append(path)
        self._ints = ints
        self._dims = dims
        self._dur = dur
        self._flags = bytes(flags)
        self._kinds = bytes(kinds)
        self._ids = _Packed.of_str(ids)
        self._paths = _Packed.of_bytes(paths)
        self._cache = cache

    def __len__(self) -> int:
        return len(self._flags)

    def _row(self, i: int) -> AssetRow:
        f = self._flags[i]
        no_size = f & FLAG_NO_SIZE
        row = AssetRow(
            self._ints[3 * i],
            None if f & FLAG_NO_ID else self._ids.str_at(i),
            self._paths.bytes_at(i),
            _KINDS[self._kinds[i]],
            self._ints[3 * i + 1],
            self._ints[3 * i + 2],
            None if no_size else self._dims[2 * i],
            None if no_size else self._dims[2 * i + 1],
            None if f & FLAG_NO_DURATION else self._dur[i],
            f & 0x0F,
        )
        if self._cache is not None:
            live = self._cache.get_or_add(row.rowid, row)
            if live is not row and live != row:
                # the row changed in the database: the fresh values win from now on
                self._cache.put(row.rowid, row)
                return row
            return live
        return row

    @overload
    def __getitem__(self, index: int) -> AssetRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[AssetRow]: ...
    def __getitem__(self, index: int | slice) -> AssetRow | list[AssetRow]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("page index out of range")
        return self._row(index)

    def __iter__(self) -> Iterator[AssetRow]:
        return (self._row(i) for i in range(len(self)))

    def rowid(self, i: int) -> int:
        """Row id of item ``i`` without materialising the row."""
        return self._ints[3 * i]

    def nbytes(self) -> int:
        """Bytes held by the packed columns (not counting the object headers)."""
        return (
            self._ints.itemsize * len(self._ints)
            + self._dims.itemsize * len(self._dims)
            + self._dur.itemsize * len(self._dur)
            + 2 * len(self._flags)
            + self._ids.nbytes()
            + self._paths.nbytes()
        )

    def __repr__(self) -> str:
        return f"AssetPage({len(self)} rows)"


class _Packed:
    """Variable-length strings or bytes concatenated, with an ``array('I')`` of end offsets."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, blob: str | bytes, ends: array[int]) -> None:
        self._blob = blob
        self._ends = ends

    @classmethod
    def of_str(cls, items: list[str]) -> _Packed:
        return cls("".join(items), _ends(items))

    @classmethod
    def of_bytes(cls, items: list[bytes]) -> _Packed:
        return cls(b"".join(items), _ends(items))

    def _span(self, i: int) -> tuple[int, int]:
        return (self._ends[i - 1] if i else 0), self._ends[i]

    def str_at(self, i: int) -> str:
        a, b = self._span(i)
        value = self._blob[a:b]
        assert isinstance(value, str)
        return value

    def bytes_at(self, i: int) -> bytes:
        a, b = self._span(i)
        value = self._blob[a:b]
        assert isinstance(value, bytes)
        return value

    def nbytes(self) -> int:
        return len(self._blob) + 4 * len(self._ends)


def _ends(items: Sequence[str | bytes]) -> array[int]:
    ends = array("I")
    total = 0
    for item in items:
        total += len(item)
        ends.append(total)
    return ends


# --- the finder -----------------------------------------------------------------------------

Key = tuple[Any, ...]


@dataclass
class _Anchors:
    """Known keys by position (0-based index in the ordering) for one (query, page size)."""

    stamp: tuple[int, int]
    positions: list[int]
    keys: dict[int, Key]

    def add(self, position: int, key: Key) -> None:
        if position not in self.keys:
            self.positions.insert(bisect_left(self.positions, position), position)
        self.keys[position] = key


@dataclass(frozen=True)
class LayoutData:
    """What the layouts need for a query, in page order: aspect ratios (``array('d')``) and
    section starts with their labels."""

    aspect_ratios: array[float]
    section_starts: list[int]
    section_labels: list[str]


class SQLiteAssetFinder:
    """Serves ``AssetQuery`` counts and keyset pages from a SQLite connection.

    The connection's database must have migration 2 applied (``albumen.schema``). Thread-safe
    (calls are serialised); pass ``lock`` to share one with the connection's other users.
    ``cache`` (a ``WeakAssetCache``) makes one ``AssetRow`` object per row id while held.
    """

    MAX_QUERIES = 16

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        lock: threading.RLock | None = None,
        cache: WeakAssetCache[int, AssetRow] | None = None,
    ) -> None:
        self._conn = conn
        self._lock = lock if lock is not None else threading.RLock()
        self._cache = cache
        self._owns_connection = False
        self._counts: OrderedDict[AssetQuery, tuple[tuple[int, int], int]] = OrderedDict()
        self._anchors: OrderedDict[tuple[AssetQuery, int], _Anchors] = OrderedDict()
        self.walked_rows = 0  # index entries stepped over by jumps (for tests and benches)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        cache: WeakAssetCache[int, AssetRow] | None = None,
        timeout: float = 30.0,
    ) -> SQLiteAssetFinder:
        """A finder reading ``path`` through a connection of its own (closed by ``close``):
        with WAL, pages are served while another connection writes (a scan)."""
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        finder = cls(conn, cache=cache)
        finder._owns_connection = True
        return finder

    def close(self) -> None:
        """Close the connection if this finder opened it (``SQLiteAssetFinder.open``)."""
        if self._owns_connection:
            with self._lock:
                self._conn.close()

    def __enter__(self) -> SQLiteAssetFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SQL building -----------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int]:
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        return int(version), self._conn.total_changes

    @staticmethod
    def _select(
        query: AssetQuery,
        columns: str,
        *,
        after: Key | None,
        reverse: bool = False,
        tail: str = "",
    ) -> tuple[str, list[Any]]:
        """``SELECT columns`` in the query's order (or reversed), strictly after ``after``.

        The hidden filter is an equality so the ``(hidden, column)`` indexes deliver rows in
        order; with ``include_hidden`` two such arms are merged by SQLite (a MERGE of UNION ALL).
        """
        where, params = query.where()
        key = query.sort.key
        desc = query.sort.descending != reverse
        op = "<" if desc else ">"
        if after is not None:
            if len(key) == 1:
                where += f" AND {key[0]} {op} ?"
            else:
                where += f" AND ({', '.join(key)}) {op} ({', '.join('?' * len(key))})"
            params = [*params, *after]
        hidden_values = (0, 1) if query.include_hidden else (0,)
        keys = ", ".join(f"{c} AS _k{i}" for i, c in enumerate(key))
        arms = [
            f"SELECT {columns}, {keys} FROM assets WHERE hidden = {h}{where}" for h in hidden_values
        ]
        direction = "DESC" if desc else "ASC"
        order = ", ".join(f"_k{i} {direction}" for i in range(len(key)))
        sql = " UNION ALL ".join(arms) + f" ORDER BY {order}{tail}"
        return sql, params * len(hidden_values)

    # -- the finder protocol -----------------------------------------------------------------

    def data_version(self) -> tuple[int, int]:
        """A stamp that changes whenever the database does (from any connection)."""
        with self._lock:
            return self._stamp()

    def count(self, query: AssetQuery) -> int:
        """Number of assets matching ``query`` (``count(*)`` over a covering index; cached
        until the database changes)."""
        with self._lock:
            stamp = self._stamp()
            hit = self._counts.get(query)
            if hit is not None and hit[0] == stamp:
                self._counts.move_to_end(query)
                return hit[1]
            where, params = query.where()
            hidden = "1" if query.include_hidden else "hidden = 0"
            (n,) = self._conn.execute(
                f"SELECT count(*) FROM assets WHERE {hidden}{where}", params
            ).fetchone()
            self._counts[query] = (stamp, int(n))
            while len(self._counts) > self.MAX_QUERIES:
                self._counts.popitem(last=False)
            return int(n)

    def page(self, query: AssetQuery, page_number: int, page_size: int) -> AssetPage:
        """Page ``page_number`` (1-based) of ``page_size`` rows; empty past the end."""
        if page_number < 1:
            raise ValueError(f"page numbers start at 1, got {page_number}")
        if page_size < 1:
            raise ValueError(f"page_size must be positive, got {page_size}")
        with self._lock:
            anchors = self._anchors_for(query, page_size, fresh=page_number == 1)
            start = (page_number - 1) * page_size
            after: Key | None = None
            if start > 0:
                found = self._key_at(query, anchors, start - 1)
                if found is None:
                    return AssetPage([], self._cache)
                after = found
            sql, params = self._select(query, _ROW_SQL, after=after, tail=" LIMIT ?")
            rows = self._conn.execute(sql, [*params, page_size]).fetchall()
            # The next page continues after this page's last key (or after the same key when
            # this page came back empty): recorded at the page boundary even for a short
            # page, so sequential paging never walks, whatever changed in between.
            last = tuple(rows[-1][10:]) if rows else after
            if last is not None:
                anchors.add(start + page_size - 1, last)
            return AssetPage(rows, self._cache)

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
        """The key of the row at ``position`` in the ordering, or None past the end."""
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
        sql, params = self._select(
            query, "1", after=after, reverse=reverse, tail=" LIMIT 1 OFFSET ?"
        )
        row = self._conn.execute(sql, [*params, steps]).fetchone()
        self.walked_rows += steps
        if row is None:  # the data shrank under stale anchors
            return None
        key: Key = tuple(row[1:])
        anchors.add(position, key)
        return key

    # -- layouts -----------------------------------------------------------------------------

    def layout_data(self, query: AssetQuery, group_by: str | None = None) -> LayoutData:
        """Aspect ratios and sections for ``query`` in page order, for ``JustifiedLayout`` /
        ``VirtualAssetGrid.set_sections``. ``group_by``: None, ``"day"``, ``"month"``,
        ``"year"`` (of ``sort_time``) or ``"folder"``. One pass over the rows (the dimensions
        are not in an index, so it reads rows: about 1 s per million; build the layout in the
        background and show the uniform grid meanwhile)."""
        if group_by not in (None, "day", "month", "year", "folder"):
            raise ValueError(f"cannot group by {group_by!r}")
        # the ratio and the group key are computed by SQLite; Python only collects them
        group = "folder" if group_by == "folder" else "sort_time / 86400000"
        cols = "coalesce(CAST(display_width AS REAL) / nullif(display_height, 0), 1.0), " + (
            group if group_by is not None else "NULL"
        )
        sql, params = self._select(query, cols, after=None)
        ratios: array[float] = array("d")
        starts: list[int] = []
        labels: list[str] = []
        last_label: str | None = None
        last_raw: object = object()
        cut = {"day": 10, "month": 7, "year": 4}.get(group_by or "", 0)
        with self._lock:
            cursor = self._conn.execute(sql, params)
            i = 0
            while batch := cursor.fetchmany(50_000):
                ratios.extend([row[0] for row in batch])
                if group_by is None:
                    continue
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


def _group_label(value: Any, group_by: str, cut: int) -> str:
    """Label of a folder (bytes) or of a day number (days since the epoch)."""
    if group_by == "folder":
        return os.fsdecode(value) if value is not None else ""
    if value is None:
        return "unknown"
    return (_EPOCH + timedelta(days=int(value))).isoformat()[:cut]
