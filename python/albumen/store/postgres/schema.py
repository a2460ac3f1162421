"""The PostgreSQL schema: ``MIGRATIONS``, applied by ``migrations.migrate``.

One database holds any number of libraries: ``libraries`` has one row per root, and every other
table leads its keys with ``library_id``. The ``assets`` columns are the SQLite store's (the
record fields of ``albumen.store.records.RECORD_FIELDS`` plus ``rowid``, Live Photo pairing,
``hidden`` and thumbnail state), typed for PostgreSQL: paths are ``bytea`` (raw OS bytes, so
names that are not UTF-8 round-trip, compared byte by byte like SQLite's BLOBs), integers are
``bigint``, reals ``double precision``. Append new migrations, never edit applied ones.
"""

from __future__ import annotations

__all__ = ["ASSET_COLUMNS", "MIGRATIONS", "RECORD_TYPES"]

#: PostgreSQL type of every record field (the columns a probe record fills).
RECORD_TYPES: dict[str, str] = {
    "id": "text",
    "path": "bytea",
    "folder": "bytea",
    "kind": "text",
    "mime": "text",
    "size": "bigint",
    "mtime_ns": "bigint",
    "width": "bigint",
    "height": "bigint",
    "display_width": "bigint",
    "display_height": "bigint",
    "orientation": "bigint",
    "captured_at": "text",
    "captured_offset": "bigint",
    "captured_at_source": "text",
    "sort_time": "bigint",
    "make": "text",
    "model": "text",
    "lens": "text",
    "iso": "bigint",
    "f_number": "double precision",
    "exposure_time": "double precision",
    "focal_length": "double precision",
    "gps_lat": "double precision",
    "gps_lon": "double precision",
    "gps_alt": "double precision",
    "duration": "double precision",
    "codec": "text",
    "frame_rate": "double precision",
    "content_id": "text",
    "preview_offset": "bigint",
    "preview_length": "bigint",
    "previews": "text",
    "error": "text",
    "warnings": "text",
}

#: The columns a stored row is read back with (``get``, ``iter_rows``), as the SQLite store
#: names them: ``rowid`` first, then the table's columns in its order.
ASSET_COLUMNS: tuple[str, ...] = (
    "rowid",
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
    "previews",
    "live_partner",
    "live_confidence",
    "hidden",
    "micro_thumb",
    "thumb_error",
    "error",
    "warnings",
)

#: columns that later migrations add (migration 1 stays as databases applied it)
_ADDED_LATER = {"warnings"}
_NOT_NULL = {"path", "folder", "kind", "mime", "size", "mtime_ns", "sort_time"}
_RECORD_COLUMNS_SQL = ",\n        ".join(
    f"{name} {RECORD_TYPES[name]}{' NOT NULL' if name in _NOT_NULL else ''}"
    for name in ASSET_COLUMNS
    if name in RECORD_TYPES and name not in _ADDED_LATER
)

MIGRATIONS: tuple[str, ...] = (
    # 1: libraries, assets, walk errors, and the chunk ledger of distributed scans.
    # `rowid` is unique across libraries (one identity); `sort_time` is never NULL (the store
    # fills it from mtime_ns, as the SQLite triggers do), so (sort_time, rowid) is a total order.
    # The gallery indexes are the SQLite store's (migration 2 there), each led by library_id
    # and ending in rowid, so an index delivers rows in keyset order for one library.
    # `assets.library_id` has no foreign key: its check costs a sixth of a bulk insert, and
    # only the store writes it, with the id it read from `libraries`.
    f"""
    CREATE TABLE libraries (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        root bytea NOT NULL UNIQUE,
        data_version bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE assets (
        library_id integer NOT NULL,
        rowid bigint GENERATED ALWAYS AS IDENTITY,
        {_RECORD_COLUMNS_SQL},
        live_partner bigint,
        live_confidence double precision,
        hidden smallint NOT NULL DEFAULT 0,
        micro_thumb bytea,
        thumb_error text,
        PRIMARY KEY (library_id, rowid),
        UNIQUE (library_id, path)
    );
    CREATE INDEX assets_id ON assets (library_id, id);
    CREATE INDEX assets_folder ON assets (library_id, folder);
    CREATE INDEX assets_content_id ON assets (library_id, content_id)
        WHERE content_id IS NOT NULL;
    CREATE INDEX assets_partner ON assets (library_id, live_partner)
        WHERE live_partner IS NOT NULL;
    CREATE INDEX assets_time ON assets (library_id, hidden, sort_time, rowid);
    CREATE INDEX assets_kind_time ON assets (library_id, hidden, kind, sort_time, rowid);
    CREATE INDEX assets_folder_time ON assets (library_id, hidden, folder, sort_time, rowid);
    CREATE INDEX assets_path_time ON assets (library_id, hidden, path, sort_time);
    CREATE INDEX assets_size ON assets (library_id, hidden, size, rowid);
    CREATE INDEX assets_gps_time ON assets (library_id, hidden, sort_time, rowid)
        WHERE gps_lat IS NOT NULL;
    CREATE INDEX assets_live_time ON assets (library_id, hidden, sort_time, rowid)
        WHERE live_partner IS NOT NULL;
    CREATE INDEX assets_error_time ON assets (library_id, hidden, sort_time, rowid)
        WHERE error IS NOT NULL;
    CREATE TABLE scan_errors (
        library_id integer NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
        path bytea NOT NULL,
        message text NOT NULL,
        PRIMARY KEY (library_id, path)
    );
    CREATE TABLE scan_chunks (
        library_id integer NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
        chunk_id text NOT NULL,
        files integer NOT NULL,
        errors integer NOT NULL,
        probe_seconds double precision NOT NULL,
        worker text,
        committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (library_id, chunk_id)
    );
    """,
    # 2: what a library keeps about itself (``AssetStore.get_meta`` / ``set_meta``).
    """
    CREATE TABLE library_meta (
        library_id integer NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,
        key text NOT NULL,
        value bytea NOT NULL,
        PRIMARY KEY (library_id, key)
    );
    """,
    # 3: `warnings`: metadata a sound file carries that the probe could not read.
    """
    ALTER TABLE assets ADD COLUMN warnings text;
    """,
)
