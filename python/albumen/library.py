"""``Library``: a folder of photos and videos with its index — the facade over scan, store,
thumbnails and browse.

The index lives in ``ROOT/.albumen/`` unless another library folder is named: the store (SQLite
``library.db`` by default), the thumbnail cache ``thumbs/`` and its statistics. A scan is
incremental (``albumen.scan.incremental``): a killed scan leaves a sound index and the next one
completes the work.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen.errors import (
    LibraryBusyError,
    LibraryError,
    LibraryNotWritableError,
    RootNotFoundError,
    RootNotReadableError,
)
from albumen.events import EventBus, ScanCompletedEvent
from albumen.scan.incremental import SCAN_BATCH_SIZE, ScanReport, scan_library
from albumen.scan.scanner import LIBRARY_DIRNAME, ParallelScanner, ProgressCallback
from albumen.store import open_store
from albumen.store.protocols import AssetFinder, AssetStore

if TYPE_CHECKING:
    from albumen.browse.memory import WeakAssetCache
    from albumen.browse.viewmodel import AssetListViewModel
    from albumen.scan.watch import WatchBatch, Watcher, WatchSettings
    from albumen.store.query import AssetQuery
    from albumen.store.rows import AssetRow
    from albumen.thumbnails.batch import LibraryThumbnails

__all__ = [
    "LIBRARY_DIRNAME",
    "Library",
    "LibraryBusyError",
    "LibraryError",
    "LibraryNotWritableError",
    "RootNotFoundError",
    "RootNotReadableError",
    "ScanReport",
    "library_dir_of",
]


def library_dir_of(
    root: str | os.PathLike[str], library_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The library folder of ``root``: ``library_dir`` when given, else ``ROOT/.albumen``."""
    if library_dir is not None:
        return Path(library_dir).expanduser().absolute()
    return Path(root).expanduser().absolute() / LIBRARY_DIRNAME


def _check_root(root: Path) -> None:
    try:
        if not root.exists():
            raise RootNotFoundError(
                f"{root} does not exist: pass the folder that holds your photos"
            )
        if not root.is_dir():
            raise RootNotFoundError(
                f"{root} is not a folder: pass the folder that holds your photos"
            )
        with os.scandir(root) as it:
            next(it, None)
    except LibraryError:
        raise
    except PermissionError as exc:  # the root, or a folder above it, cannot be entered
        raise RootNotReadableError(
            f"cannot read {root} ({exc.strerror}): check its permissions "
            "or run as a user who can read it"
        ) from exc
    except OSError as exc:
        raise RootNotReadableError(
            f"cannot read {root} ({exc.strerror or exc}): check the folder"
        ) from exc


class Library:
    """A root folder and its index. Use ``Library.open(root)``; close it (or use ``with``)."""

    def __init__(
        self,
        root: Path,
        library_dir: Path,
        store: AssetStore,
        *,
        event_bus: EventBus | None = None,
    ) -> None:
        self.root = root
        self.library_dir = library_dir
        self.store = store
        self.event_bus = event_bus
        self._scanner: ParallelScanner | None = None

    @classmethod
    def open(
        cls,
        root: str | os.PathLike[str],
        library_dir: str | os.PathLike[str] | None = None,
        *,
        store: str | None = None,
        event_bus: EventBus | None = None,
    ) -> Library:
        """Open (creating if needed) the library of ``root``; ``store`` picks the index's
        backend (default: SQLite in the library folder; a ``postgresql://`` URL: the library
        of this root in that database).

        Raises ``RootNotFoundError`` / ``RootNotReadableError`` for an unusable root and
        ``LibraryNotWritableError`` when the library folder or its index cannot be written.
        """
        root_path = Path(root).expanduser().absolute()
        _check_root(root_path)
        lib_dir = library_dir_of(root_path, library_dir)
        try:
            lib_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryNotWritableError(
                f"cannot create the library folder {lib_dir} ({exc.strerror or exc}): pass a "
                "writable folder with --library (library_dir=...)"
            ) from exc
        index = open_store(lib_dir, store, root=root_path)
        return cls(root_path, lib_dir, index, event_bus=event_bus)

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Stop a running ``scan`` soon (from another thread); what was written stays."""
        scanner = self._scanner
        if scanner is not None:
            scanner.cancel()

    # -- queries --------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.store.count()

    def assets(
        self, limit: int | None = None, *, include_hidden: bool = True
    ) -> Iterator[dict[str, Any]]:
        """Stored rows ordered by path (``path`` and ``folder`` are bytes). Without
        ``include_hidden`` the hidden rows (the motion halves of Live Photos) are left out."""
        n = 0
        for row in self.store.iter_rows():
            if not include_hidden and row.get("hidden"):
                continue
            if limit is not None and n >= limit:
                return
            n += 1
            yield row

    def hidden_count(self) -> int:
        """How many rows normal listings leave out (the motion halves of Live Photos)."""
        return self.store.hidden_count()

    def live_pairs(self) -> list[tuple[bytes, bytes, float]]:
        """Live Photo pairs as ``(still path, motion path, confidence)``, ordered by still."""
        return self.store.live_pairs()

    def partner_paths(self) -> dict[int, bytes]:
        """``rowid -> path`` of every row that is some row's Live Photo partner."""
        return self.store.partner_paths()

    # -- browsing -------------------------------------------------------------------------------

    def finder(self, *, cache: WeakAssetCache[int, AssetRow] | None = None) -> AssetFinder:
        """A gallery finder on this library (counts, keyset pages, layout data)."""
        return self.store.finder(cache=cache)

    def view_model(
        self, query: AssetQuery | None = None, *, page_size: int = 200
    ) -> AssetListViewModel[AssetRow]:
        """A view model over this library's assets, reloading when a scan of this root
        completes on the library's event bus; loads ``query`` when given."""
        from albumen.browse.memory import WeakAssetCache
        from albumen.browse.paging import PaginatedAssetLoader
        from albumen.browse.viewmodel import AssetListViewModel

        cache: WeakAssetCache[int, AssetRow] = WeakAssetCache()
        loader: PaginatedAssetLoader[AssetRow] = PaginatedAssetLoader(
            self.finder(cache=cache), page_size
        )
        vm: AssetListViewModel[AssetRow] = AssetListViewModel(
            loader, self.event_bus, album=self.root, scan_event_type=ScanCompletedEvent
        )
        if query is not None:
            vm.load_album(query)
        return vm

    # -- thumbnails -----------------------------------------------------------------------------

    def thumbnails(self, *, workers: int | None = None) -> LibraryThumbnails:
        """The library's thumbnail pipeline (its caches in the library folder); close it."""
        from albumen.thumbnails.batch import LibraryThumbnails

        return LibraryThumbnails(self.store, self.root, self.library_dir, workers=workers)

    # -- scanning -------------------------------------------------------------------------------

    def _skip(self) -> list[Path]:
        """The library folder, when it lies inside the root: never scanned or watched."""
        return [self.library_dir] if self.library_dir.is_relative_to(self.root) else []

    def watch(
        self,
        *,
        thumbnails: bool = True,
        thumbnail_size: int = 256,
        workers: int | None = None,
        settings: WatchSettings | None = None,
        on_batch: Callable[[WatchBatch], object] | None = None,
        progress: ProgressCallback | None = None,
    ) -> Watcher:
        """A ``Watcher`` that keeps this library equal to its folder while it runs: iterate it
        (one ``WatchBatch`` per applied group of changes, the catch-up scan first) or call
        ``run()``; ``stop()`` from any thread ends it. With ``thumbnails`` the files it writes
        get their ``thumbnail_size`` px thumbnails in the background. Each batch is also
        published on the library's event bus as a ``ScanCompletedEvent`` (a view model on this
        library reloads). ``progress`` follows the catch-up scan."""
        from albumen.scan.watch import Watcher

        sink = None
        if thumbnails:
            from albumen.thumbnails.background import BackgroundThumbnails

            background = max(1, (os.cpu_count() or 2) // 2)  # leave the watcher a core
            sink = BackgroundThumbnails(self.thumbnails(workers=background), thumbnail_size)

        def published(batch: WatchBatch) -> None:
            if self.event_bus is not None:
                self.event_bus.publish(
                    ScanCompletedEvent(
                        root=str(self.root),
                        files=batch.files,
                        added=batch.added,
                        updated=batch.updated,
                        unchanged=batch.unchanged,
                        removed=batch.removed,
                        errors=len(batch.errors),
                        seconds=batch.seconds,
                        library=str(self.library_dir),
                    )
                )
            if on_batch is not None:
                on_batch(batch)

        return Watcher(
            self.root,
            self.store,
            skip=self._skip(),
            settings=settings,
            thumbnails=sink,
            workers=workers,
            on_batch=published,
            progress=progress,
        )

    def scan(
        self,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
    ) -> ScanReport:
        """Bring the index up to date with the folder; returns what changed.

        ``progress(processed, total)`` is called with every ``ScanProgressEvent`` the scan
        publishes on the library's bus (every probed batch, ``total`` being the number of new
        or changed files, and once at the end). ``workers`` caps probe threads. ``cancel()``
        from another thread stops the scan after the batch in hand; vanished files are then
        not removed. Raises ``LibraryBusyError`` while another scan of the same library runs.
        """
        scanner = ParallelScanner(
            max_workers=workers,
            batch_size=SCAN_BATCH_SIZE,
            event_bus=self.event_bus,
            skip=self._skip(),
            progress=progress,
        )
        self._scanner = scanner
        try:
            with self.store.lock():
                report = scan_library(scanner, self.root, self.store)
        finally:
            self._scanner = None
        if self.event_bus is not None:
            self.event_bus.publish(
                ScanCompletedEvent(
                    root=str(self.root),
                    files=report.files,
                    added=report.added,
                    updated=report.updated,
                    unchanged=report.unchanged,
                    removed=report.removed,
                    errors=len(report.errors),
                    seconds=report.seconds,
                    cancelled=report.cancelled,
                    library=str(self.library_dir),
                )
            )
        return report
