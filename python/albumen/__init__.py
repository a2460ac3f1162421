"""albumen: a fast, folder-native photo library engine with a Rust core.

Importing the package is cheap: components are imported on first use, so ``import albumen``
never pulls in Pillow, PySide6, moderngl or numpy. The sub-packages follow the data flow:
``scan`` (walk and probe), ``store`` (the index), ``thumbnails``, ``browse``, and on top
``library`` (the facade) and ``cli``.
"""

from __future__ import annotations

import importlib

from albumen._core import __version__

# `typing` is not imported: it costs more than the rest of `import albumen` (mypy reads
# TYPE_CHECKING as true whatever its value)
TYPE_CHECKING = False

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # events
    "EventBus": "albumen.events",
    "ScanProgressEvent": "albumen.events",
    "ScanPhase": "albumen.events",
    "ScanCompletedEvent": "albumen.events",
    # every exception albumen raises on purpose
    "LibraryError": "albumen.errors",
    "AssetNotFoundError": "albumen.errors",
    "FolderNotFoundError": "albumen.errors",
    "LibraryBusyError": "albumen.errors",
    "DatabaseUnavailableError": "albumen.errors",
    "ClusterUnavailableError": "albumen.errors",
    "LibraryDiskFullError": "albumen.errors",
    "LibraryNotWritableError": "albumen.errors",
    "LibraryRootMismatchError": "albumen.errors",
    "MassRemovalError": "albumen.errors",
    "RootNotFoundError": "albumen.errors",
    "RootNotReadableError": "albumen.errors",
    "ThumbnailError": "albumen.errors",
    # the facade
    "Library": "albumen.library",
    # scan: finding and probing files
    "ParallelScanner": "albumen.scan.scanner",
    "ScanResult": "albumen.scan.scanner",
    "ScanReport": "albumen.scan.incremental",
    # store: the storage seam and its vocabulary
    "AssetStore": "albumen.store.protocols",
    "AssetFinder": "albumen.store.protocols",
    "AssetQuery": "albumen.store.query",
    "Asset": "albumen.store.assets",
    "SortOrder": "albumen.store.query",
    "AssetRow": "albumen.store.rows",
    "AssetPage": "albumen.store.rows",
    "SQLiteAssetRepository": "albumen.store.sqlite.repository",
    "SQLiteAssetFinder": "albumen.store.sqlite.finder",
    # the Rust core: layouts and the L1/L2 caches
    "VirtualAssetGrid": "albumen._core",
    "JustifiedLayout": "albumen._core",
    "MemoryThumbnailCache": "albumen._core",
    "DiskThumbnailCache": "albumen._core",
    # browse: paging, the view model, memory
    "PageResult": "albumen.browse.paging",
    "PaginatedAssetLoader": "albumen.browse.paging",
    "AssetListViewModel": "albumen.browse.viewmodel",
    "Signal": "albumen.browse.viewmodel",
    "WeakAssetCache": "albumen.browse.memory",
    "MemoryMonitor": "albumen.browse.memory",
    # thumbnails
    "ThumbnailService": "albumen.thumbnails.service",
    "Priority": "albumen.thumbnails.service",
    "ThumbnailGenerator": "albumen.thumbnails.generator",
    "DefaultThumbnailGenerator": "albumen.thumbnails.generator",
    "AssetSource": "albumen.thumbnails.generator",
    "AssetResolver": "albumen.thumbnails.generator",
    "MappingResolver": "albumen.thumbnails.generator",
    "StoreAssetResolver": "albumen.thumbnails.generator",
    "SQLiteAssetResolver": "albumen.thumbnails.generator",
    "thumbnail_asset_id": "albumen.thumbnails.generator",
    "LibraryThumbnails": "albumen.thumbnails.batch",
    "ThumbnailResult": "albumen.thumbnails.batch",
    # the path convention
    "FailedPath": "albumen.paths",
    "LivePair": "albumen.scan.live_photos",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'albumen' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from typing import Any

    from albumen._core import DiskThumbnailCache as DiskThumbnailCache
    from albumen._core import JustifiedLayout as JustifiedLayout
    from albumen._core import MemoryThumbnailCache as MemoryThumbnailCache
    from albumen._core import VirtualAssetGrid as VirtualAssetGrid
    from albumen.browse.memory import MemoryMonitor as MemoryMonitor
    from albumen.browse.memory import WeakAssetCache as WeakAssetCache
    from albumen.browse.paging import PageResult as PageResult
    from albumen.browse.paging import PaginatedAssetLoader as PaginatedAssetLoader
    from albumen.browse.viewmodel import AssetListViewModel as AssetListViewModel
    from albumen.browse.viewmodel import Signal as Signal
    from albumen.errors import AssetNotFoundError as AssetNotFoundError
    from albumen.errors import ClusterUnavailableError as ClusterUnavailableError
    from albumen.errors import DatabaseUnavailableError as DatabaseUnavailableError
    from albumen.errors import FolderNotFoundError as FolderNotFoundError
    from albumen.errors import LibraryBusyError as LibraryBusyError
    from albumen.errors import LibraryDiskFullError as LibraryDiskFullError
    from albumen.errors import LibraryError as LibraryError
    from albumen.errors import LibraryNotWritableError as LibraryNotWritableError
    from albumen.errors import LibraryRootMismatchError as LibraryRootMismatchError
    from albumen.errors import MassRemovalError as MassRemovalError
    from albumen.errors import RootNotFoundError as RootNotFoundError
    from albumen.errors import RootNotReadableError as RootNotReadableError
    from albumen.errors import ThumbnailError as ThumbnailError
    from albumen.events import EventBus as EventBus
    from albumen.events import ScanCompletedEvent as ScanCompletedEvent
    from albumen.events import ScanPhase as ScanPhase
    from albumen.events import ScanProgressEvent as ScanProgressEvent
    from albumen.library import Library as Library
    from albumen.paths import FailedPath as FailedPath
    from albumen.scan.incremental import ScanReport as ScanReport
    from albumen.scan.live_photos import LivePair as LivePair
    from albumen.scan.scanner import ParallelScanner as ParallelScanner
    from albumen.scan.scanner import ScanResult as ScanResult
    from albumen.store.assets import Asset as Asset
    from albumen.store.protocols import AssetFinder as AssetFinder
    from albumen.store.protocols import AssetStore as AssetStore
    from albumen.store.query import AssetQuery as AssetQuery
    from albumen.store.query import SortOrder as SortOrder
    from albumen.store.rows import AssetPage as AssetPage
    from albumen.store.rows import AssetRow as AssetRow
    from albumen.store.sqlite.finder import SQLiteAssetFinder as SQLiteAssetFinder
    from albumen.store.sqlite.repository import SQLiteAssetRepository as SQLiteAssetRepository
    from albumen.thumbnails.batch import LibraryThumbnails as LibraryThumbnails
    from albumen.thumbnails.batch import ThumbnailResult as ThumbnailResult
    from albumen.thumbnails.generator import AssetResolver as AssetResolver
    from albumen.thumbnails.generator import AssetSource as AssetSource
    from albumen.thumbnails.generator import DefaultThumbnailGenerator as DefaultThumbnailGenerator
    from albumen.thumbnails.generator import MappingResolver as MappingResolver
    from albumen.thumbnails.generator import SQLiteAssetResolver as SQLiteAssetResolver
    from albumen.thumbnails.generator import StoreAssetResolver as StoreAssetResolver
    from albumen.thumbnails.generator import ThumbnailGenerator as ThumbnailGenerator
    from albumen.thumbnails.generator import thumbnail_asset_id as thumbnail_asset_id
    from albumen.thumbnails.service import Priority as Priority
    from albumen.thumbnails.service import ThumbnailService as ThumbnailService
