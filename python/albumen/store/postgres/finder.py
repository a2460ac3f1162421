"""``PostgresAssetFinder``: counts, keyset pages and layout data of one library in PostgreSQL.

The paging algorithm (anchors, walks, the count cache) is ``albumen.store.keyset``'s; this
module supplies the SQL. Every query is led by ``library_id = X AND hidden = h``, so the
gallery indexes (``schema``: ``(library_id, hidden, <sort column>, rowid)``) deliver rows in
keyset order; with ``include_hidden`` the two ``hidden`` arms are merged (a Merge Append of a
UNION ALL). Keys compare as rows (``(sort_time, rowid) < (%s, %s)``), which PostgreSQL
serves from the index. Paths are ``bytea`` and compare byte by byte, as in SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from albumen.store.keyset import Key, KeysetFinder
from albumen.store.postgres.connect import connect, translate_errors
from albumen.store.query import AssetQuery
from albumen.store.rows import RowCache
from albumen.store.sql import ASSET_SQL, READABLE, THUMB_SQL, where_clause

__all__ = ["PostgresAssetFinder"]

# ``rows.PAGE_COLUMNS`` (``flags`` is computed)
_ROW_SQL = (
    "rowid, id, path, kind, size, sort_time, display_width, display_height, duration, "
    "(live_partner IS NOT NULL)::int | ((hidden <> 0)::int << 1) "
    "| ((error IS NOT NULL)::int << 2) | ((gps_lat IS NOT NULL)::int << 3)"
)
_RATIO_SQL = "coalesce(display_width::float8 / nullif(display_height, 0), 1.0)"


class PostgresAssetFinder(KeysetFinder):
    """Serves one library's ``AssetQuery`` counts and keyset pages through a connection of
    its own (closed by ``close``). ``cache`` (a ``RowCache``) makes one ``AssetRow`` object per
    row id while held."""

    def __init__(self, url: str, library_id: int, *, cache: RowCache | None = None) -> None:
        super().__init__(cache=cache)
        self.url = url
        self.library_id = library_id
        self._conn = connect(url)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> PostgresAssetFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fetch(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with translate_errors(self._conn, self.url), self._conn.cursor(binary=True) as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def _select(
        self,
        query: AssetQuery,
        columns: str,
        *,
        after: Key | None,
        reverse: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[str, list[Any]]:
        """``SELECT columns, key`` in the query's order (or reversed), strictly after
        ``after``, rows ``offset`` to ``offset + limit``: one arm per ``hidden`` value, each
        read in index order and (when there are two) cut at ``offset + limit`` rows, then
        merged. (Without the cut in each arm the planner may sort the whole of the
        ``hidden = 0`` arm to merge it with the other.)"""
        where, params = where_clause(query, "%s")
        key = query.sort.key
        desc = query.sort.descending != reverse
        op = "<" if desc else ">"
        if after is not None:
            if len(key) == 1:
                where += f" AND {key[0]} {op} %s"
            else:
                marks = ", ".join(["%s"] * len(key))
                where += f" AND ({', '.join(key)}) {op} ({marks})"
            params = [*params, *after]
        hidden_values = (0, 1) if query.include_hidden else (0,)
        keys = ", ".join(f"{c} AS _k{i}" for i, c in enumerate(key))
        direction = "DESC" if desc else "ASC"
        order = " ORDER BY " + ", ".join(f"_k{i} {direction}" for i in range(len(key)))
        cut = limit is not None and len(hidden_values) > 1
        arm_tail = order + " LIMIT %s" if cut else ""
        arms = [
            f"(SELECT {columns}, {keys} FROM assets WHERE library_id = %s AND hidden = {h}"
            f"{where}{arm_tail})"
            for h in hidden_values
        ]
        arm_params = [self.library_id, *params]
        if cut:
            arm_params.append(offset + (limit or 0))
        sql = " UNION ALL ".join(arms) + order
        tail: list[Any] = []
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            tail = [limit, offset]
        return sql, arm_params * len(hidden_values) + tail

    # -- KeysetFinder ------------------------------------------------------------------------

    def _stamp(self) -> int:
        rows = self._fetch("SELECT data_version FROM libraries WHERE id = %s", (self.library_id,))
        return int(rows[0][0]) if rows else -1

    def _count(self, query: AssetQuery) -> int:
        where, params = where_clause(query, "%s")
        hidden = "" if query.include_hidden else " AND hidden = 0"
        rows = self._fetch(
            f"SELECT count(*) FROM assets WHERE library_id = %s{hidden}{where}",
            [self.library_id, *params],
        )
        return int(rows[0][0])

    def _rows_after(self, query: AssetQuery, after: Key | None, limit: int) -> list[Sequence[Any]]:
        sql, params = self._select(query, _ROW_SQL, after=after, limit=limit)
        return list(self._fetch(sql, params))

    def _asset_rows_after(
        self, query: AssetQuery, after: Key | None, limit: int
    ) -> list[Sequence[Any]]:
        sql, params = self._select(query, ASSET_SQL, after=after, limit=limit)
        return list(self._fetch(sql, params))

    def _thumb_rows(self, rowids: Sequence[int]) -> list[Sequence[Any]]:
        return list(
            self._fetch(
                f"SELECT {THUMB_SQL}, micro_thumb FROM assets "
                f"WHERE library_id = %s AND rowid = ANY(%s) AND {READABLE}",
                (self.library_id, list(rowids)),
            )
        )

    def _folder_rows(self) -> list[Sequence[Any]]:
        return list(
            self._fetch(
                "SELECT folder, count(*) FROM assets WHERE library_id = %s AND hidden = 0 "
                "GROUP BY folder ORDER BY folder",
                (self.library_id,),
            )
        )

    def _folder_exists(self, folder: bytes) -> bool:
        rows = self._fetch(
            "SELECT 1 FROM assets WHERE library_id = %s AND path >= %s AND path < %s LIMIT 1",
            (self.library_id, folder + b"/", folder + b"0"),  # b"0" is the byte after b"/"
        )
        return bool(rows)

    def _key_after(
        self, query: AssetQuery, after: Key | None, steps: int, *, reverse: bool
    ) -> Key | None:
        sql, params = self._select(query, "1", after=after, reverse=reverse, limit=1, offset=steps)
        rows = self._fetch(sql, params)
        return tuple(rows[0][1:]) if rows else None

    def _layout_rows(self, query: AssetQuery, group_by: str | None) -> Iterator[list[Any]]:
        group = "folder" if group_by == "folder" else "sort_time / 86400000"
        columns = f"{_RATIO_SQL}, " + (group if group_by is not None else "NULL::bigint")
        sql, params = self._select(query, columns, after=None)
        # a named (server-side) cursor streams the rows instead of loading them all at once
        with (
            translate_errors(self._conn, self.url),
            self._conn.transaction(),
            self._conn.cursor(name="albumen_layout", binary=True) as cur,
        ):
            cur.execute(sql, params)
            while batch := cur.fetchmany(50_000):
                yield batch
