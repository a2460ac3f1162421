"""The SQLite library schema: ``MIGRATIONS``, applied by ``migrations.migrate``.

Each entry moves the database one version up; ``PRAGMA user_version`` records where a database
stands. Append new migrations, never edit applied ones. The ``assets`` columns are
``albumen.store.records.RECORD_FIELDS`` plus the store's own (``rowid``, Live Photo pairing,
``hidden``, thumbnail state).
"""

from __future__ import annotations

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
    # 2: gallery queries (albumen.store.sqlite.finder). `sort_time` is never NULL from here on (the
    # repository's own rule: capture time, else mtime), so (sort_time, rowid) is a total order
    # for keyset paging. One index per sort order, led by `hidden` (an equality in every
    # query) so it delivers rows in key order; the filters that have their own index are kind
    # (by time), folder (exact, by time), and the partial ones (GPS, Live Photos, errors): the
    # partial indexes are small (their counts still read the rows: SQLite does not treat
    # a partial index as covering its own condition). Folder-with-subfolders is a range on
    # `path`, served (and, by time, sorted from keys only) by assets_path_time, which also
    # serves the name order (`path` is unique).
    """
    UPDATE assets SET sort_time = mtime_ns / 1000000 WHERE sort_time IS NULL;
    CREATE TRIGGER assets_sort_time_insert AFTER INSERT ON assets
        WHEN NEW.sort_time IS NULL
        BEGIN UPDATE assets SET sort_time = NEW.mtime_ns / 1000000 WHERE rowid = NEW.rowid; END;
    CREATE TRIGGER assets_sort_time_update AFTER UPDATE OF sort_time ON assets
        WHEN NEW.sort_time IS NULL
        BEGIN UPDATE assets SET sort_time = NEW.mtime_ns / 1000000 WHERE rowid = NEW.rowid; END;
    CREATE INDEX assets_time ON assets(hidden, sort_time);
    CREATE INDEX assets_kind_time ON assets(hidden, kind, sort_time);
    CREATE INDEX assets_folder_time ON assets(hidden, folder, sort_time);
    CREATE INDEX assets_path_time ON assets(hidden, path, sort_time);
    CREATE INDEX assets_size ON assets(hidden, size);
    CREATE INDEX assets_gps_time ON assets(hidden, sort_time) WHERE gps_lat IS NOT NULL;
    CREATE INDEX assets_live_time ON assets(hidden, sort_time) WHERE live_partner IS NOT NULL;
    CREATE INDEX assets_error_time ON assets(hidden, sort_time) WHERE error IS NOT NULL;
    """,
    # 3: Live Photo pairing (albumen.scan.live_photos) looks rows up by Apple ContentIdentifier.
    """
    CREATE INDEX assets_content_id ON assets(content_id) WHERE content_id IS NOT NULL;
    """,
    # 4: a large scan drops the secondary indexes of `assets` and builds them again at the end
    # (once over all keys is several times cheaper than row by row). The definitions wait here
    # meanwhile, written in the same transaction as the drop, so a scan killed mid-way has them
    # rebuilt when the library is next opened.
    """
    CREATE TABLE deferred_indexes (
        name TEXT PRIMARY KEY,
        sql TEXT NOT NULL
    );
    """,
    # 5: the embedded previews a file carries (MPF images, the EXIF thumbnail, HEIF thumbnail
    # items, raw previews), as the probe writes them: `kind:WxH@offset+length` entries joined
    # by `;` (albumen.store.records.parse_previews). Rows scanned before stay NULL (no
    # previews known) until their file changes.
    """
    ALTER TABLE assets ADD COLUMN previews TEXT;
    """,
    # 6: what the library keeps about itself (``AssetStore.get_meta`` / ``set_meta``), e.g.
    # "root": the folder it indexes, as raw path bytes (so a library folder refuses another
    # root). Values are bytes, as a path need not be UTF-8.
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    """,
    # 7: the number of rows, hidden and not, kept up to date by triggers: a gallery opening a
    # library of a million files counts it at once (count(*) steps through a million index
    # entries, ~100 ms).
    """
    CREATE TABLE asset_counts (
        hidden INTEGER PRIMARY KEY,
        n INTEGER NOT NULL
    );
    INSERT INTO asset_counts (hidden, n) SELECT hidden, count(*) FROM assets GROUP BY hidden;
    CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets BEGIN
        INSERT INTO asset_counts (hidden, n) VALUES (NEW.hidden, 1)
            ON CONFLICT (hidden) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER asset_counts_delete AFTER DELETE ON assets BEGIN
        UPDATE asset_counts SET n = n - 1 WHERE hidden = OLD.hidden;
    END;
    CREATE TRIGGER asset_counts_hidden AFTER UPDATE OF hidden ON assets
        WHEN OLD.hidden IS NOT NEW.hidden
    BEGIN
        UPDATE asset_counts SET n = n - 1 WHERE hidden = OLD.hidden;
        INSERT INTO asset_counts (hidden, n) VALUES (NEW.hidden, 1)
            ON CONFLICT (hidden) DO UPDATE SET n = n + 1;
    END;
    """,
    # 8: `warnings`: metadata a sound file carries that the probe could not read (an
    # unreadable date, a compressed block over the limit), `; `-separated; NULL when none.
    """
    ALTER TABLE assets ADD COLUMN warnings TEXT;
    """,
)
