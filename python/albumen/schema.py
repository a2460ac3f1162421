"""The library database schema and its migrations.

Each entry of ``MIGRATIONS`` moves the database one version up; ``PRAGMA user_version`` records
where a database stands. Append new migrations, never edit applied ones.
"""

from __future__ import annotations

# Columns filled from a probe record (the dicts `albumen._core` returns), in table order.
RECORD_COLUMNS: tuple[str, ...] = (
    "id",
    "path",
    "folder",
    "kind",
    "mime",
    "size",
    "mtime_ns",
    "width",
    "height",
    "display_width",
    "display_height",
    "orientation",
    "captured_at",
    "captured_offset",
    "captured_at_source",
    "sort_time",
    "make",
    "model",
    "lens",
    "iso",
    "f_number",
    "exposure_time",
    "focal_length",
    "gps_lat",
    "gps_lon",
    "gps_alt",
    "duration",
    "codec",
    "frame_rate",
    "content_id",
    "preview_offset",
    "preview_length",
    "error",
)

MIGRATIONS: tuple[str, ...] = (
    # 1: assets. `path` and `folder` are raw OS bytes relative to the root (names need not be
    # UTF-8); `id` is the content identity hash (copies of one file share it, so it is not
    # unique). `captured_at` is local wall-clock ISO 8601 text, `captured_offset` its UTC offset
    # in minutes when known; `sort_time` is milliseconds since the epoch, UTC when the offset
    # is known and local time otherwise, for ordering.
    """
    CREATE TABLE assets (
        rowid INTEGER PRIMARY KEY,
        id TEXT,
        path BLOB NOT NULL UNIQUE,
        folder BLOB NOT NULL,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        display_width INTEGER,
        display_height INTEGER,
        orientation INTEGER,
        captured_at TEXT,
        captured_offset INTEGER,
        captured_at_source TEXT,
        sort_time INTEGER,
        make TEXT,
        model TEXT,
        lens TEXT,
        iso INTEGER,
        f_number REAL,
        exposure_time REAL,
        focal_length REAL,
        gps_lat REAL,
        gps_lon REAL,
        gps_alt REAL,
        duration REAL,
        codec TEXT,
        frame_rate REAL,
        content_id TEXT,
        preview_offset INTEGER,
        preview_length INTEGER,
        live_partner INTEGER,
        live_confidence REAL,
        hidden INTEGER NOT NULL DEFAULT 0,
        micro_thumb BLOB,
        thumb_error TEXT,
        error TEXT
    );
    CREATE INDEX assets_id ON assets(id);
    CREATE INDEX assets_folder ON assets(folder);
    CREATE TABLE scan_errors (
        path BLOB PRIMARY KEY,
        message TEXT NOT NULL
    );
    """,
)
