"""SQL the two SQL stores share: an ``AssetQuery``'s conditions and the column lists rows are
read back with. Each store supplies its parameter mark (``?`` for SQLite, ``%s`` for psycopg).
"""

from __future__ import annotations

from typing import Any

from albumen.store.assets import ASSET_COLUMNS
from albumen.store.query import AssetQuery, folder_bytes, moment_ms

__all__ = ["ASSET_SQL", "THUMB_SQL", "where_clause"]

#: ``assets.ASSET_COLUMNS`` (``rowid`` is each table's key, under that name)
ASSET_SQL = ", ".join(ASSET_COLUMNS)

#: ``records.ThumbnailTarget`` fields in order (``records.thumbnail_target_of`` reads them)
THUMB_SQL = (
    "rowid, id, path, kind, mime, mtime_ns, orientation, preview_offset, preview_length, "
    "micro_thumb IS NOT NULL, thumb_error, width, height, previews"
)

#: the rows a thumbnail can be made of
READABLE = "error IS NULL AND id IS NOT NULL"


def where_clause(query: AssetQuery, mark: str) -> tuple[str, list[Any]]:
    """SQL conditions of ``query`` (each starting with `` AND``) and their parameters, without
    the ``hidden`` condition (each store's select puts that first, so its ``(hidden, <sort
    key>)`` indexes deliver rows in order).

    A folder with its subfolders is a byte range on ``path`` (``folder/`` <= path <
    ``folder0``), which the ``(hidden, path, sort_time)`` index serves; paths compare byte by
    byte in both stores."""
    sql: list[str] = []
    params: list[Any] = []
    if query.kind is not None:
        sql.append(f" AND kind = {mark}")
        params.append(query.kind)
    if query.folder is not None:
        f = folder_bytes(query.folder)
        if not query.include_subfolders:
            sql.append(f" AND folder = {mark}")
            params.append(f)
        elif f:
            sql.append(f" AND path >= {mark} AND path < {mark}")
            params += [f + b"/", f + b"0"]  # b"0" is the byte after b"/"
    if query.since is not None:
        sql.append(f" AND sort_time >= {mark}")
        params.append(moment_ms(query.since))
    if query.until is not None:
        sql.append(f" AND sort_time < {mark}")
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
