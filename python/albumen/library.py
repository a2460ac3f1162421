"""``Library``: a folder of photos and videos with its index — the facade over scan, store,
thumbnails and browse.

The index lives in ``ROOT/.albumen/`` unless another library folder is named: the store (SQLite
``library.db`` by default), the thumbnail cache ``thumbs/`` and its statistics. A scan is
incremental (``albumen.scan.incremental``): a killed scan leaves a sound index and the next one
completes the work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen.errors import (
    LibraryBusyError,
    LibraryError,
    LibraryNotWritableError,
    LibraryRootMismatchError,
    MassRemovalError,
    RootNotFoundError,
    RootNotReadableError,
)
from albumen.events import EventBus, ScanCompletedEvent
from albumen.scan.incremental import SCAN_BATCH_SIZE, RemovalGuard, ScanReport, scan_library
from albumen.scan.scanner import LIBRARY_DIRNAME, ParallelScanner, ProgressCallback
from albumen.store import open_store
from albumen.store.protocols import AssetFinder, AssetStore

if TYPE_CHECKING:
    from albumen.browse.memory import WeakAssetCache
    from albumen.browse.viewmodel import AssetListViewModel
    from albumen.store.query import AssetQuery
    from albumen.store.rows import AssetRow
    from albumen.thumbnails.batch import LibraryThumbnails

__all__ = [
    "LIBRARY_DIRNAME",
    "Library",
    "LibraryBusyError",
    "LibraryError",
    "LibraryNotWritableError",
    "LibraryRootMismatchError",
    "MassRemovalError",
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


#: ``AssetStore`` meta key of the folder a library indexes.
ROOT_META_KEY = "root"


def _root_key(root: Path) -> bytes:
    """How a library records its root: the absolute path, symlinks resolved, as raw bytes."""
    return os.fsencode(os.path.realpath(root))


def _check_library_root(store: AssetStore, root: Path, library_dir: Path) -> None:
    """Refuse a library folder that indexes another root. A library inside its root (the
    default ``ROOT/.albumen``) moved with its photos and belongs to wherever it is now."""
    recorded = store.get_meta(ROOT_META_KEY)
    if recorded is None or recorded == _root_key(root):
        return
    real_lib = Path(os.path.realpath(library_dir))
    if real_lib.is_relative_to(os.path.realpath(root)):
        return
    raise LibraryRootMismatchError(
        f"the library {library_dir} indexes {os.fsdecode(recorded)}, not {root}: pass that "
        f"folder as ROOT, or another --library (library_dir=...) for {root}"
    )


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
        read_only: bool = False,
    ) -> Library:
        """Open (creating if needed) the library of ``root``; ``store`` picks the index's
        backend (default: SQLite in the library folder). ``read_only``: open an existing
        library only to read it (``ls``, ``stats``, browsing): nothing is created or written,
        so a library the user may only read, or on read-only media, opens too.

        Raises ``RootNotFoundError`` / ``RootNotReadableError`` for an unusable root,
        ``LibraryNotWritableError`` when the library folder or its index cannot be written,
        and ``LibraryRootMismatchError`` when the library folder indexes another root.
        """
        root_path = Path(root).expanduser().absolute()
        _check_root(root_path)
        lib_dir = library_dir_of(root_path, library_dir)
        if not read_only:
            try:
                lib_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryNotWritableError(
                    f"cannot create the library folder {lib_dir} ({exc.strerror or exc}): "
                    "pass a writable folder with --library (library_dir=...)"
                ) from exc
        opened = open_store(lib_dir, store, read_only=read_only)
        try:
            _check_library_root(opened, root_path, lib_dir)
        except BaseException:
            opened.close()
            raise
        return cls(root_path, lib_dir, opened, event_bus=event_bus)

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

    def scan(
        self,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
        *,
        allow_mass_removal: bool | RemovalGuard = False,
    ) -> ScanReport:
        """Bring the index up to date with the folder; returns what changed.

        ``progress(processed, total)`` is called with every ``ScanProgressEvent`` the scan
        publishes on the library's bus (every probed batch, ``total`` being the number of new
        or changed files, and once at the end). ``workers`` caps probe threads. ``cancel()``
        from another thread stops the scan after the batch in hand; vanished files are then
        not removed. Raises ``LibraryBusyError`` while another scan of the same library runs.

        A scan that would remove most of the library (see ``albumen.scan.incremental``)
        removes nothing and raises ``MassRemovalError`` unless ``allow_mass_removal`` is true,
        or a function ``(would_remove, indexed) -> bool`` that says yes.
        """
        # Always skipped, however it is spelled: the walk recognises folders by identity, so a
        # library reached through a symlink (or named by another path) is never indexed.
        skip = [self.library_dir]
        scanner = ParallelScanner(
            max_workers=workers,
            batch_size=SCAN_BATCH_SIZE,
            event_bus=self.event_bus,
            skip=skip,
            progress=progress,
        )
        self._scanner = scanner
        try:
            with self.store.lock():
                key = _root_key(self.root)
                if self.store.get_meta(ROOT_META_KEY) != key:
                    self.store.set_meta(ROOT_META_KEY, key)
                guard = allow_mass_removal
                report = scan_library(
                    scanner,
                    self.root,
                    self.store,
                    confirm_removal=guard if callable(guard) else (lambda _n, _t: bool(guard)),
                )
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
