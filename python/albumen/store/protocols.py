"""What the rest of albumen asks of a store: ``AssetStore`` (the index of one root) and
``AssetFinder`` (gallery queries on it). Library, scan, Live Photo pairing, thumbnails and
the CLI speak only to these; ``albumen.store.sqlite`` is the default implementation.

Every write method is atomic (one transaction) unless noted; readers may run while a scan
writes.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from albumen.store.assets import Asset
from albumen.store.query import AssetQuery
from albumen.store.records import (
    KnownFile,
    KnownRow,
    LibraryTotals,
    LiveCandidate,
    LivePairing,
    Record,
    ThumbnailCounts,
    ThumbnailTarget,
)
from albumen.store.rows import AssetPage, LayoutData, RowCache

__all__ = ["AssetFinder", "AssetStore"]


@runtime_checkable
class AssetFinder(Protocol):
    """Counts, keyset pages and layout data of ``AssetQuery`` results.

    Page ``n`` continues exactly where page ``n - 1`` ended, even when rows were inserted or
    deleted in between, and a page costs the same however deep it is."""

    def count(self, query: AssetQuery) -> int:
        """How many assets match ``query``. ``FolderNotFoundError`` when its folder holds
        nothing (nor does any subfolder), for ``page`` and ``assets`` alike."""
        ...

    def page(self, query: AssetQuery, page_number: int, page_size: int) -> AssetPage:
        """Page ``page_number`` (1-based); empty past the end. ``ValueError`` for a page
        number below 1 or a page size below 1."""
        ...

    def assets(self, query: AssetQuery, *, batch_size: int = 2000) -> Iterator[Asset]:
        """Every asset matching ``query``, in its order, with every field (``Asset``),
        fetched ``batch_size`` rows at a time (keyset batches: the store is not held between
        them)."""
        ...

    def layout_data(self, query: AssetQuery, group_by: str | None = None) -> LayoutData:
        """Aspect ratios and section starts (by ``"day"``, ``"month"``, ``"year"`` or
        ``"folder"``) in page order."""
        ...

    def data_version(self) -> Hashable:
        """Changes whenever the stored data does (from any writer)."""
        ...

    def thumbnail_sources(
        self, rowids: Sequence[int]
    ) -> dict[int, tuple[ThumbnailTarget, bytes | None]]:
        """For gallery cells: the ``ThumbnailTarget`` and the micro thumbnail (None until
        made) of each readable row among ``rowids``, by rowid; unreadable or vanished rows
        are left out."""
        ...

    def folder_counts(self) -> list[tuple[bytes, int]]:
        """Every folder holding visible assets, with how many it holds directly (hidden rows
        not counted), ordered by folder bytes."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class AssetStore(Protocol):
    """The index of one library root."""

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None: ...

    def lock(self) -> AbstractContextManager[None]:
        """Held for the length of a scan: one scan of a library at a time. Raises
        ``LibraryBusyError`` while another holder (any process) has it; released if the
        holder dies."""
        ...

    def bulk_load(self) -> AbstractContextManager[None]:
        """A hint that many rows are about to be written (a first scan): a store may defer
        index maintenance to the end. Whatever happens, the store is whole afterwards and
        after a crash."""
        ...

    def finder(self, *, cache: RowCache | None = None) -> AssetFinder:
        """A finder on this store that reads while a scan writes; closed with the store."""
        ...

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> int:
        """Insert or update (by path) records; returns how many. A record whose file
        changed (content or mtime) loses what was made from its pixels (micro thumbnail,
        thumbnail error). An empty sequence returns 0 without touching the store."""
        ...

    def write_batch(self, upserts: Sequence[Record], moves: Sequence[tuple[int, Record]]) -> None:
        """One scan batch in one transaction: ``upserts`` as ``upsert``, and ``moves``:
        ``(rowid, record)`` points an existing row at a moved or renamed file, keeping the
        row (its rowid, id and what hangs on it)."""
        ...

    def delete_paths(self, paths: Iterable[bytes]) -> int:
        """Delete the rows of ``paths``; returns how many went."""
        ...

    def replace_scan_errors(self, errors: Iterable[tuple[bytes, str]]) -> None:
        """Replace the stored walk errors (folders or files the walk could not read)."""
        ...

    def set_live_pairs(self, pairings: Sequence[LivePairing]) -> None: ...

    def set_thumbnail_state(
        self, micro: Sequence[tuple[int, bytes]], errors: Sequence[tuple[int, str]]
    ) -> None:
        """Store micro thumbnails (clearing the row's thumbnail error) and thumbnail
        failures, by rowid."""
        ...

    def set_meta(self, key: str, value: bytes) -> None:
        """Keep ``value`` under ``key`` (replacing what was there): facts the library keeps
        about itself. Keys in use: ``"root"``, the folder the library indexes (absolute, every
        symlink resolved, as raw path bytes): a library folder serves one root."""
        ...

    # -- reads ------------------------------------------------------------------------------

    def count(self) -> int:
        """Every row, hidden ones included."""
        ...

    def hidden_count(self) -> int: ...

    def known_files(self) -> dict[bytes, KnownFile]:
        """Every row's ``(size, mtime_ns, rowid, id)`` by path: what a scan compares with."""
        ...

    def iter_known_files(self) -> Iterator[KnownRow]:
        """``known_files`` as ``(path, size, mtime_ns, rowid, id)`` tuples ordered by path
        bytes, fetched a page at a time: what a scan of a library of any size compares with,
        in little memory."""
        ...

    def known_files_in(
        self, paths: Collection[bytes], folders: Collection[bytes]
    ) -> dict[bytes, KnownFile]:
        """``known_files`` of the rows at ``paths`` and below ``folders`` (``b""``: every row):
        what a watcher compares a few changed files and folders with."""
        ...

    def scan_errors(self) -> list[tuple[bytes, str]]:
        """Walk errors and per-file probe errors, ordered by path."""
        ...

    def get(self, path: bytes) -> dict[str, Any] | None:
        """The stored row of ``path`` (every field and ``rowid``), or None."""
        ...

    def iter_rows(self, page_size: int = 1000) -> Iterator[dict[str, Any]]:
        """Every row (as ``get`` returns them), ordered by path bytes."""
        ...

    def live_candidates(
        self, changed: Collection[bytes], removed: Collection[bytes], *, full: bool = False
    ) -> list[LiveCandidate]:
        """The rows whose Live Photo pairing may change after ``changed`` and ``removed``
        paths (every row with ``full``): rows in the affected folders that could pair by name
        (folders holding both a photo and a video), rows paired now, rows sharing a
        ContentIdentifier with these, rows whose partner is gone, and the current partners
        of all of them. Empty when nothing can have changed."""
        ...

    def live_pairs(self) -> list[tuple[bytes, bytes, float]]:
        """``(still path, motion path, confidence)`` of every pair, ordered by still."""
        ...

    def partner_paths(self) -> dict[int, bytes]:
        """``rowid -> path`` of every row that is some row's Live Photo partner."""
        ...

    def thumbnail_targets(self, after_rowid: int, limit: int) -> list[ThumbnailTarget]:
        """Up to ``limit`` readable assets with a rowid above ``after_rowid``, by rowid."""
        ...

    def thumbnail_target(self, content_id: str, mtime_ns: int) -> ThumbnailTarget | None:
        """A readable asset with this content hash and mtime (any, if several)."""
        ...

    def thumbnail_target_at(self, path: bytes) -> ThumbnailTarget | None:
        """The readable asset at ``path``, or None."""
        ...

    def thumbnail_counts(self) -> ThumbnailCounts: ...

    def get_meta(self, key: str) -> bytes | None:
        """The value kept under ``key`` by ``set_meta``, or None."""
        ...

    def totals(self) -> LibraryTotals: ...
