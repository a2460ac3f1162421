"""``Library``: a folder of photos and videos with its index — the facade over scan, store,
thumbnails and browse.

The index lives in ``ROOT/.albumen/`` unless another library folder is named: the store (SQLite
``library.db`` by default), the thumbnail cache ``thumbs/`` and its statistics. A scan is
incremental (``albumen.scan.incremental``): a killed scan leaves a sound index and the next one
completes the work. Paths follow one convention (``albumen.paths``): returned as ``str``
relative to the root, accepted as ``str``, ``bytes`` or ``os.PathLike``.
"""

from __future__ import annotations

import functools
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen.errors import (
    AssetNotFoundError,
    LibraryBusyError,
    LibraryError,
    LibraryNotWritableError,
    LibraryRootMismatchError,
    MassRemovalError,
    RootNotFoundError,
    RootNotReadableError,
    ThumbnailError,
)
from albumen.events import EventBus, ScanCompletedEvent
from albumen.paths import AnyPath, fs_path, relative_bytes
from albumen.scan.incremental import (
    SCAN_BATCH_SIZE,
    RemovalGuard,
    ScanReport,
    removal_guard,
    scan_library,
)
from albumen.scan.live_photos import LivePair
from albumen.scan.scanner import LIBRARY_DIRNAME, ParallelScanner, ProgressCallback, ScanResult
from albumen.store import open_store
from albumen.store.assets import ASSET_COLUMNS, Asset, asset_of
from albumen.store.protocols import AssetFinder, AssetStore
from albumen.store.query import AssetQuery
from albumen.store.records import ThumbnailTarget
from albumen.store.rows import AssetRow

if TYPE_CHECKING:
    from albumen.aio import ScanBatches
    from albumen.browse.memory import WeakAssetCache
    from albumen.browse.viewmodel import AssetListViewModel
    from albumen.scan.watch import WatchBatch, Watcher, WatchSettings
    from albumen.thumbnails.batch import LibraryThumbnails, ThumbnailResult

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


#: What ``Library.thumbnail`` and ``Library.asset`` take: a record, a gallery row or a path
#: (relative to the root, or absolute inside it).
AssetLike = Asset | AssetRow | AnyPath


def library_dir_of(root: AnyPath, library_dir: AnyPath | None = None) -> Path:
    """The library folder of ``root``: ``library_dir`` when given, else ``ROOT/.albumen``."""
    if library_dir is not None:
        return fs_path(library_dir).expanduser().absolute()
    return fs_path(root).expanduser().absolute() / LIBRARY_DIRNAME


#: ``AssetStore`` meta key of the folder a library indexes.
ROOT_META_KEY = "root"

#: How long ``Library.close`` waits for each of its watchers to shut down.
WATCHER_SHUTDOWN_SECONDS = 60.0


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


class _ScanSwitch:
    """Cancels one scan: before it starts (it then stops at once) or while it runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scanner: ParallelScanner | None = None
        self._cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            scanner = self._scanner
        if scanner is not None:
            scanner.cancel()

    def attach(self, scanner: ParallelScanner) -> None:
        with self._lock:
            self._scanner = scanner
            cancelled = self._cancelled
        if cancelled:
            scanner.cancel()


class Library:
    """A root folder and its index. Use ``Library.open(root)``; close it (or use ``with``).

    Thread-safe: queries, thumbnails and a scan may run from different threads at once.
    """

    def __init__(
        self,
        root: Path,
        library_dir: Path,
        store: AssetStore,
        *,
        event_bus: EventBus | None = None,
        thumbnail_workers: int | None = None,
        thumbnail_previews: bool = True,
    ) -> None:
        self.root = root
        self.library_dir = library_dir
        self.store = store
        self.event_bus = event_bus
        self.thumbnail_workers = thumbnail_workers
        self.thumbnail_previews = thumbnail_previews
        self._lock = threading.Lock()
        self._switch = _ScanSwitch()  # cancel(): the running scan, else the next one
        self._finder: AssetFinder | None = None
        self._thumbs: LibraryThumbnails | None = None
        self._watchers: weakref.WeakSet[Watcher] = weakref.WeakSet()

    @classmethod
    def open(
        cls,
        root: AnyPath,
        library_dir: AnyPath | None = None,
        *,
        store: str | None = None,
        event_bus: EventBus | None = None,
        thumbnail_workers: int | None = None,
        thumbnail_previews: bool = True,
        read_only: bool = False,
    ) -> Library:
        """Open (creating if needed) the library of ``root``; ``store`` picks the index's
        backend (default: SQLite in the library folder; a ``postgresql://`` URL: the library
        of this root in that database); ``thumbnail_workers`` caps the threads that make
        thumbnails (default: one per core); ``thumbnail_previews=False`` makes every thumbnail
        from the image itself, never from a preview embedded in the file. ``read_only``: open
        an existing library only to read it (``ls``, ``stats``, browsing): nothing is created
        or written, so a library the user may only read, or on read-only media, opens too.

        Raises ``RootNotFoundError`` / ``RootNotReadableError`` for an unusable root,
        ``LibraryNotWritableError`` when the library folder or its index cannot be written,
        and ``LibraryRootMismatchError`` when the library folder indexes another root.
        """
        root_path = fs_path(root).expanduser().absolute()
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
        opened = open_store(lib_dir, store, root=root_path, read_only=read_only)
        try:
            _check_library_root(opened, root_path, lib_dir)
        except BaseException:
            opened.close()
            raise
        return cls(
            root_path,
            lib_dir,
            opened,
            event_bus=event_bus,
            thumbnail_workers=thumbnail_workers,
            thumbnail_previews=thumbnail_previews,
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the watchers of this library (waiting for them to shut down), the thumbnail
        workers (saving their statistics), and close the index."""
        with self._lock:
            watchers, self._watchers = list(self._watchers), weakref.WeakSet()
        for watcher in watchers:
            watcher.stop()
        for watcher in watchers:
            watcher.join(WATCHER_SHUTDOWN_SECONDS)
        with self._lock:
            thumbs, self._thumbs = self._thumbs, None
        if thumbs is not None:
            thumbs.close()
        self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Stop the running ``scan`` soon, or the next one at once if none runs; what was
        written stays. Safe from any thread (and from a progress callback)."""
        with self._lock:
            switch = self._switch
        switch.cancel()

    # -- queries --------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Every indexed file, hidden ones included."""
        return self.store.count()

    def _query_finder(self) -> AssetFinder:
        with self._lock:
            if self._finder is None:
                self._finder = self.store.finder()
            return self._finder

    def assets(self, query: AssetQuery | None = None) -> Iterator[Asset]:
        """The assets matching ``query`` in its order, as typed ``Asset`` records with every
        field. Without a query: what a gallery shows (``AssetQuery()``: hidden motion halves
        of Live Photos left out, newest first); ``AssetQuery(include_hidden=True,
        sort=SortOrder.NAME_ASC)`` gives every file by path. ``FolderNotFoundError`` when the
        query's folder is not the library's."""
        return self._query_finder().assets(query if query is not None else AssetQuery())

    def count(self, query: AssetQuery | None = None) -> int:
        """How many assets ``assets(query)`` yields."""
        return self._query_finder().count(query if query is not None else AssetQuery())

    def asset(self, asset_or_path: AssetLike) -> Asset:
        """The current record of one file: given a path (relative to the root, or absolute
        inside it), a gallery row or an earlier record. ``AssetNotFoundError`` when the
        library does not hold it."""
        raw = self._raw_path(asset_or_path)
        row = self.store.get(raw)
        if row is None:
            raise AssetNotFoundError(
                f"the library holds no file {os.fsdecode(raw)!r}: paths are relative to the "
                f"root {os.fspath(self.root)!r} (scan it first if it is new)"
            )
        return asset_of([row.get(c) for c in ASSET_COLUMNS])

    def _raw_path(self, asset_or_path: AssetLike) -> bytes:
        if isinstance(asset_or_path, (Asset, AssetRow)):
            return asset_or_path.path_bytes
        try:
            return relative_bytes(asset_or_path, self.root)
        except ValueError as exc:
            raise AssetNotFoundError(str(exc)) from None

    def hidden_count(self) -> int:
        """How many rows normal listings leave out (the motion halves of Live Photos)."""
        return self.store.hidden_count()

    def live_pairs(self) -> list[LivePair]:
        """Live Photo pairs (still, motion, confidence), ordered by still."""
        return [LivePair.of(*pair) for pair in self.store.live_pairs()]

    def partner_paths(self) -> dict[int, str]:
        """``rowid -> path`` of every row that is some row's Live Photo partner."""
        return {rowid: os.fsdecode(p) for rowid, p in self.store.partner_paths().items()}

    def stats(self, *, memory: bool = False, pages: int = 1) -> dict[str, Any]:
        """What ``albumen stats --json`` prints: the library's counts (assets, visible,
        photos, videos, hidden, errors, live_photos, located, folders, total_bytes, first and
        last capture) and under ``thumbnails`` its thumbnail caches per tier with hit rates
        summed over every process that used them (``albumen.thumbnails.stats``). With
        ``memory``, also open the library as a gallery does, load ``pages`` pages, and measure
        what browsing costs (``memory``)."""
        from albumen.store.times import iso_from_ms
        from albumen.thumbnails.stats import thumbnail_summary

        with self._lock:
            thumbs = self._thumbs
        if thumbs is not None:
            thumbs.save_stats()  # this process's own lookups count too
        count = self._query_finder().count
        everything = AssetQuery(include_hidden=True)
        totals = self.store.totals()
        out: dict[str, Any] = {
            "root": os.fspath(self.root),
            "library": os.fspath(self.library_dir),
            "assets": count(everything),
            "visible": count(AssetQuery()),
            "photos": count(AssetQuery(kind="photo", include_hidden=True)),
            "videos": count(AssetQuery(kind="video", include_hidden=True)),
            "hidden": count(everything) - count(AssetQuery()),
            "errors": count(AssetQuery(errors_only=True, include_hidden=True)),
            # one per pair (the visible still), as `albumen ls --live` counts them
            "live_photos": count(AssetQuery(live_only=True)),
            "located": count(AssetQuery(has_gps=True, include_hidden=True)),
            "folders": totals.folders,
            "total_bytes": totals.bytes,
            "first_capture": iso_from_ms(totals.first_sort_time),
            "last_capture": iso_from_ms(totals.last_sort_time),
            "thumbnails": thumbnail_summary(self.library_dir, self.store),
        }
        if memory:
            from albumen.browse.memory import browsing_memory

            out["memory"] = browsing_memory(lambda cache: self.finder(cache=cache), pages)
        return out

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

    @property
    def thumbnail_pipeline(self) -> LibraryThumbnails:
        """The library's thumbnail pipeline (L1, L2 in ``LIBRARY/thumbs/``, generator and
        workers), made on first use and closed with the library."""
        from albumen.thumbnails.batch import LibraryThumbnails

        with self._lock:
            if self._thumbs is None:
                self._thumbs = LibraryThumbnails(
                    self.store,
                    self.root,
                    self.library_dir,
                    workers=self.thumbnail_workers,
                    use_previews=self.thumbnail_previews,
                )
            return self._thumbs

    def _target(self, asset_or_path: AssetLike) -> ThumbnailTarget:
        raw = self._raw_path(asset_or_path)
        target = self.store.thumbnail_target_at(raw)
        if target is None:
            asset = self.asset(raw)  # AssetNotFoundError when it is not the library's
            raise ThumbnailError(
                f"cannot make a thumbnail of {asset.path!r}: the scan could not read it "
                f"({asset.error or 'unreadable'})"
            )
        return target

    def thumbnail(self, asset_or_path: AssetLike, size: int = 256) -> bytes:
        """The thumbnail of one asset (a JPEG whose longest side is ``size`` px, upright),
        through the library's caches: made now on a miss, and kept. Takes an ``Asset``, an
        ``AssetRow`` or a path (relative to the root, or absolute inside it).
        ``AssetNotFoundError`` for a file the library does not hold; ``ThumbnailError``
        when it cannot be made."""
        return self.thumbnail_pipeline.thumbnail(self._target(asset_or_path), size)

    def thumbnails(
        self,
        query: AssetQuery | Iterable[Asset] | None = None,
        size: int = 256,
        progress: ProgressCallback | None = None,
    ) -> Iterator[ThumbnailResult]:
        """Thumbnails of the assets matching ``query`` (as ``assets``; or of the given
        ``Asset`` records), made in parallel on the library's thumbnail workers and kept in its
        caches, yielded as they complete (cached ones at once) as ``ThumbnailResult(asset,
        status, data, error)``: a file that cannot be made into a thumbnail is a result with
        its error, never left out. ``progress(done, total)`` is called as assets are handled.
        Micro thumbnails (32 px placeholders) are stored on the way."""
        if query is None or isinstance(query, AssetQuery):
            q = query if query is not None else AssetQuery()
            finder = self._query_finder()
            total = finder.count(q)  # fails now for a folder that is not the library's
            assets: Iterable[Asset] = finder.assets(q)
        else:
            assets = list(query)
            total = len(assets)
        return self.thumbnail_pipeline.thumbnails(assets, size, progress, total=total)

    async def thumbnail_async(self, asset_or_path: AssetLike, size: int = 256) -> bytes:
        """``thumbnail`` for asyncio: made on the library's thumbnail workers while the event
        loop runs on. Cancelling the awaiting task withdraws the request."""
        import asyncio  # here: importing the library stays cheap

        target = self._target(asset_or_path)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()

        def settle(data: bytes | None, error: str | None) -> None:
            if future.done():
                return
            if data is not None:
                future.set_result(data)
            else:
                future.set_exception(ThumbnailError(error or "unknown error"))

        def deliver(data: bytes | None, error: str | None) -> None:  # any thread
            loop.call_soon_threadsafe(settle, data, error)

        withdraw = self.thumbnail_pipeline.request(target, size, deliver)
        try:
            return await future
        except asyncio.CancelledError:
            withdraw()
            raise

    # -- scanning -------------------------------------------------------------------------------

    def _publish_completed(self, done: ScanReport | WatchBatch, *, cancelled: bool) -> None:
        """Tell the event bus what a scan (or one batch of a watch) changed."""
        if self.event_bus is None:
            return
        self.event_bus.publish(
            ScanCompletedEvent(
                root=str(self.root),
                files=done.files,
                added=done.added,
                updated=done.updated,
                unchanged=done.unchanged,
                removed=done.removed,
                errors=len(done.errors),
                seconds=done.seconds,
                cancelled=cancelled,
                library=str(self.library_dir),
            )
        )

    def _skip(self) -> list[Path]:
        """The library folder: never scanned or watched. Always skipped, however it is
        spelled: the walk recognises folders by identity, so a library reached through a
        symlink (or named by another path) is never indexed."""
        return [self.library_dir]

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
        if thumbnails:  # on the library's thumbnail pipeline (its workers, closed with it)
            from albumen.thumbnails.background import BackgroundThumbnails

            sink = BackgroundThumbnails(self.thumbnail_pipeline, thumbnail_size)

        def published(batch: WatchBatch) -> None:
            self._publish_completed(batch, cancelled=False)
            if on_batch is not None:
                on_batch(batch)

        watcher = Watcher(
            self.root,
            self.store,
            skip=self._skip(),
            settings=settings,
            thumbnails=sink,
            workers=workers,
            on_batch=published,
            progress=progress,
        )
        with self._lock:
            self._watchers.add(watcher)  # stopped by close()
        return watcher

    def scan(
        self,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
        *,
        batch_size: int = SCAN_BATCH_SIZE,
        allow_mass_removal: bool | RemovalGuard = False,
    ) -> ScanReport:
        """Bring the index up to date with the folder; returns what changed.

        ``progress(processed, total)`` is called with every ``ScanProgressEvent`` the scan
        publishes on the library's bus (see ``ScanPhase``: after the walk, every
        ``batch_size`` probed and stored files, when the index is being completed, and at the
        end; ``total`` is the number of files found, ``processed`` counts the unchanged ones
        too). ``workers`` caps probe threads. ``cancel()``, called before or during the scan
        (from another thread, or from ``progress``), stops it after the batch in hand;
        vanished files are then not removed. Raises ``LibraryBusyError`` while another scan of
        the same library runs.

        A scan that would remove most of the library (see ``albumen.scan.incremental``)
        removes nothing and raises ``MassRemovalError`` unless ``allow_mass_removal`` is true,
        or a function ``(would_remove, indexed) -> bool`` that says yes.
        """
        return self._scan(progress, workers, batch_size, allow_mass_removal=allow_mass_removal)

    def _scan(
        self,
        progress: ProgressCallback | None,
        workers: int | None,
        batch_size: int,
        on_batch: Callable[[ScanResult], object] | None = None,
        switch: _ScanSwitch | None = None,
        *,
        allow_mass_removal: bool | RemovalGuard = False,
    ) -> ScanReport:
        scanner = ParallelScanner(
            max_workers=workers,
            batch_size=batch_size,
            event_bus=self.event_bus,
            skip=self._skip(),
            progress=progress,
        )
        with self._lock:
            library_switch = self._switch
        library_switch.attach(scanner)
        if switch is not None:  # this scan's own (an async caller's)
            switch.attach(scanner)
        try:
            with self.store.lock():
                key = _root_key(self.root)
                if self.store.get_meta(ROOT_META_KEY) != key:
                    self.store.set_meta(ROOT_META_KEY, key)
                report = scan_library(
                    scanner,
                    self.root,
                    self.store,
                    on_batch=on_batch,
                    confirm_removal=removal_guard(allow_mass_removal),
                )
        finally:
            with self._lock:  # a cancel() from now on is for the next scan
                if self._switch is library_switch:
                    self._switch = _ScanSwitch()
        self._publish_completed(report, cancelled=report.cancelled)
        return report

    async def scan_async(
        self,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
        *,
        batch_size: int = SCAN_BATCH_SIZE,
    ) -> ScanReport:
        """``scan`` for asyncio: the same scan on a thread of the event loop's default
        executor (``progress`` is called there). Cancelling the awaiting task cancels the
        scan; the cancellation propagates once the scan has stopped."""
        from albumen.aio import run_in_thread

        switch = _ScanSwitch()  # cancels this scan only, even if the task loses a race
        work = functools.partial(self._scan, progress, workers, batch_size, switch=switch)
        return await run_in_thread(work, switch.cancel)

    def scan_batches(
        self, workers: int | None = None, *, batch_size: int = SCAN_BATCH_SIZE
    ) -> ScanBatches:
        """The same scan as an async iterator of its batches: each a ``ScanResult`` once it
        is stored (``assets``: the probe records, ``errors``: the files that failed); the
        ``ScanReport`` is in ``.report`` when the iteration ends. Leaving early or cancelling
        the task cancels the scan (``async with lib.scan_batches() as batches:`` stops it at
        once)."""
        from albumen.aio import ScanBatches

        switch = _ScanSwitch()

        def run(on_batch: Callable[[ScanResult], None]) -> ScanReport:
            return self._scan(None, workers, batch_size, on_batch, switch)

        return ScanBatches(run, switch.cancel)
