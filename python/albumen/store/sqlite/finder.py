"""``SQLiteAssetFinder``: the SQLite side of ``AssetFinder`` (counts, keyset pages, records and
layout data for an ``AssetQuery``), used by ``albumen.browse.PaginatedAssetLoader``.

The paging algorithm (anchors, walks, the count cache) is ``albumen.store.keyset``'s; this
module supplies the SQL. Every sort order has a unique key ``(column, rowid)`` and an index
(migration 2) that delivers rows in that order, so a page is "the next ``page_size`` rows after
key K": an index seek, whatever the page number. A walk to an unseen page is one
``SELECT key ... LIMIT 1 OFFSET d`` over a covering index (keys only, no table rows): O(d)
index steps of about 10-20 ns, never row loads. Counts use ``count(*)`` over the narrowest
covering index, except the count of every (visible) row, which triggers keep in
``asset_counts`` (migration 7): a gallery opens on a million rows without stepping through
them. The data stamp is ``PRAGMA data_version`` plus this connection's ``total_changes``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from albumen.paths import AnyPath, fs_path
from albumen.store.keyset import Key, KeysetFinder
from albumen.store.query import AssetQuery
from albumen.store.rows import RowCache
from albumen.store.sql import ASSET_SQL, READABLE, THUMB_SQL, where_clause

__all__ = ["SQLiteAssetFinder"]

# ``rows.PAGE_COLUMNS`` (``flags`` is computed)
_ROW_SQL = (
    "rowid, id, path, kind, size, sort_time, display_width, display_height, duration, "
    "(live_partner IS NOT NULL) | ((hidden <> 0) << 1) | ((error IS NOT NULL) << 2) "
    "| ((gps_lat IS NOT NULL) << 3)"
)
_RATIO_SQL = "coalesce(CAST(display_width AS REAL) / nullif(display_height, 0), 1.0)"
_IN_CHUNK = 500  # bound parameters per IN (...) list


class SQLiteAssetFinder(KeysetFinder):
    """Serves ``AssetQuery`` counts and keyset pages from a SQLite connection.

    The connection's database must have migration 2 applied (``store.sqlite.schema``).
    Thread-safe (calls are serialised); pass ``lock`` to share one with the connection's other
    users. ``cache`` (a ``RowCache`` such as ``WeakAssetCache``) makes one ``AssetRow`` object
    per row id while held.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        lock: threading.RLock | None = None,
        cache: RowCache | None = None,
    ) -> None:
        super().__init__(cache=cache, lock=lock)
        self._conn = conn
        self._owns_connection = False

    @classmethod
    def open(
        cls,
        path: AnyPath,
        *,
        cache: RowCache | None = None,
        timeout: float = 30.0,
        uri: bool = False,
    ) -> SQLiteAssetFinder:
        """A finder reading ``path`` through a connection of its own (closed by ``close``):
        with WAL, pages are served while another connection writes (a scan). With ``uri``,
        ``path`` is an SQLite ``file:`` URI (e.g. a read-only one)."""
        conn = sqlite3.connect(
            path if uri else fs_path(path),
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
            uri=uri,
        )
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

    @staticmethod
    def _select(
        query: AssetQuery,
        columns: str,
        *,
        after: Key | None,
        reverse: bool = False,
        tail: str = "",
    ) -> tuple[str, list[Any]]:
        """``SELECT columns, key`` in the query's order (or reversed), strictly after ``after``.

        The hidden filter is an equality so the ``(hidden, column)`` indexes deliver rows in
        order; with ``include_hidden`` two such arms are merged by SQLite (a MERGE of UNION ALL).
        """
        where, params = where_clause(query, "?")
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

    # -- KeysetFinder ------------------------------------------------------------------------

    def _stamp(self) -> tuple[int, int]:
        (version,) = self._conn.execute("PRAGMA data_version").fetchone()
        return int(version), self._conn.total_changes

    def _count(self, query: AssetQuery) -> int:
        where, params = where_clause(query, "?")
        if not where:  # every row, or every visible one: kept counted (migration 7)
            hidden = "" if query.include_hidden else " WHERE hidden = 0"
            sql = f"SELECT coalesce(sum(n), 0) FROM asset_counts{hidden}"
        else:
            hidden = "1" if query.include_hidden else "hidden = 0"
            sql = f"SELECT count(*) FROM assets WHERE {hidden}{where}"
        (n,) = self._conn.execute(sql, params).fetchone()
        return int(n)

    def _rows_after(self, query: AssetQuery, after: Key | None, limit: int) -> list[Sequence[Any]]:
        sql, params = self._select(query, _ROW_SQL, after=after, tail=" LIMIT ?")
        return list(self._conn.execute(sql, [*params, limit]).fetchall())

    def _asset_rows_after(
        self, query: AssetQuery, after: Key | None, limit: int
    ) -> list[Sequence[Any]]:
        sql, params = self._select(query, ASSET_SQL, after=after, tail=" LIMIT ?")
        return list(self._conn.execute(sql, [*params, limit]).fetchall())

    def _key_after(
        self, query: AssetQuery, after: Key | None, steps: int, *, reverse: bool
    ) -> Key | None:
        sql, params = self._select(
            query, "1", after=after, reverse=reverse, tail=" LIMIT 1 OFFSET ?"
        )
        row = self._conn.execute(sql, [*params, steps]).fetchone()
        return None if row is None else tuple(row[1:])

    def _folder_exists(self, folder: bytes) -> bool:
        found = self._conn.execute(
            "SELECT 1 FROM assets WHERE path >= ? AND path < ? LIMIT 1",
            (folder + b"/", folder + b"0"),  # b"0" is the byte after b"/"
        ).fetchone()
        return found is not None

    def _thumb_rows(self, rowids: Sequence[int]) -> list[Sequence[Any]]:
        rows: list[Sequence[Any]] = []
        for i in range(0, len(rowids), _IN_CHUNK):
            chunk = rowids[i : i + _IN_CHUNK]
            rows += self._conn.execute(
                f"SELECT {THUMB_SQL}, micro_thumb FROM assets "
                f"WHERE rowid IN ({','.join('?' * len(chunk))}) AND {READABLE}",
                chunk,
            ).fetchall()
        return rows

    def _folder_rows(self) -> list[Sequence[Any]]:
        return list(
            self._conn.execute(
                "SELECT folder, count(*) FROM assets WHERE hidden = 0 GROUP BY folder "
                "ORDER BY folder"
            ).fetchall()
        )

    def _layout_rows(self, query: AssetQuery, group_by: str | None) -> Iterator[list[Any]]:
        # the ratio and the group key are computed by SQLite; Python only collects them
        group = "folder" if group_by == "folder" else "sort_time / 86400000"
        columns = f"{_RATIO_SQL}, " + (group if group_by is not None else "NULL")
        sql, params = self._select(query, columns, after=None)
        cursor = self._conn.execute(sql, params)
        while batch := cursor.fetchmany(50_000):
            yield batch
