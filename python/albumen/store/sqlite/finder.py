"""``SQLiteAssetFinder``: the SQLite side of ``AssetFinder`` (counts, keyset pages, layout
data for an ``AssetQuery``), used by ``albumen.browse.PaginatedAssetLoader``.

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

Counts use ``count(*)`` over the narrowest covering index, except the count of every (visible)
row, which triggers keep in ``asset_counts`` (migration 5): a gallery opens on a million rows
without stepping through them. Counts are cached until the database changes (``PRAGMA
data_version`` plus this connection's ``total_changes``).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from albumen.store.query import AssetQuery, folder_bytes, moment_ms
from albumen.store.rows import AssetPage, LayoutData, RowCache
from albumen.store.times import EPOCH

__all__ = ["SQLiteAssetFinder", "where_clause"]


def where_clause(query: AssetQuery) -> tuple[str, list[Any]]:
    """SQL conditions of ``query`` (each starting with `` AND``) and their parameters, without
    the ``hidden`` condition (see ``SQLiteAssetFinder._select``).

    A folder with its subfolders is a byte range on ``path`` (``folder/`` <= path <
    ``folder0``), which the ``(hidden, path, sort_time)`` index serves."""
    sql: list[str] = []
    params: list[Any] = []
    if query.kind is not None:
        sql.append(" AND kind = ?")
        params.append(query.kind)
    if query.folder is not None:
        f = folder_bytes(query.folder)
        if not query.include_subfolders:
            sql.append(" AND folder = ?")
            params.append(f)
        elif f:
            sql.append(" AND path >= ? AND path < ?")
            params += [f + b"/", f + b"0"]  # b"0" is the byte after b"/"
    if query.since is not None:
        sql.append(" AND sort_time >= ?")
        params.append(moment_ms(query.since))
    if query.until is not None:
        sql.append(" AND sort_time < ?")
        params.append(moment_ms(query.until))
    if query.has_gps is True:
        sql.append(" AND gps_lat IS NOT NULL")
    elif query.has_gps is False:
        sql.append(" AND gps_lat IS NULL")
    if query.live_only:
        sql.append(" AND live_partner IS NOT NULL")
    if query.errors_only:
        sql.append(" AND error IS NOT NULL")
    return "".join(sql), params


# ``rows.PAGE_COLUMNS`` (``flags`` is computed)
_ROW_SQL = (
    "rowid, id, path, kind, size, sort_time, display_width, display_height, duration, "
    "(live_partner IS NOT NULL) | ((hidden <> 0) << 1) | ((error IS NOT NULL) << 2) "
    "| ((gps_lat IS NOT NULL) << 3)"
)


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


class SQLiteAssetFinder:
    """Serves ``AssetQuery`` counts and keyset pages from a SQLite connection.

    The connection's database must have migration 2 applied (``store.sqlite.schema``).
    Thread-safe (calls are serialised); pass ``lock`` to share one with the connection's other
    users. ``cache`` (a ``RowCache`` such as ``WeakAssetCache``) makes one ``AssetRow`` object
    per row id while held.
    """

    MAX_QUERIES = 16

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        lock: threading.RLock | None = None,
        cache: RowCache | None = None,
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
        cache: RowCache | None = None,
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
        where, params = where_clause(query)
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
            where, params = where_clause(query)
            if not where:  # every row, or every visible one: kept counted (migration 5)
                hidden = "" if query.include_hidden else " WHERE hidden = 0"
                sql = f"SELECT coalesce(sum(n), 0) FROM asset_counts{hidden}"
            else:
                hidden = "1" if query.include_hidden else "hidden = 0"
                sql = f"SELECT count(*) FROM assets WHERE {hidden}{where}"
            (n,) = self._conn.execute(sql, params).fetchone()
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
    return (EPOCH + timedelta(days=int(value))).isoformat()[:cut]
