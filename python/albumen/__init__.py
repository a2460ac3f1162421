"""albumen: a fast, folder-native photo library engine with a Rust core.

Importing the package is cheap: components are imported on first use, so ``import albumen``
never pulls in Pillow, PySide6, moderngl or numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from albumen._core import __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "EventBus": "albumen.events",
    "ScanProgressEvent": "albumen.events",
    "ScanCompletedEvent": "albumen.events",
    "ParallelScanner": "albumen.scanner",
    "ScanResult": "albumen.scanner",
    "SQLiteAssetRepository": "albumen.repository",
    "Library": "albumen.library",
    "LibraryError": "albumen.library",
    "ScanReport": "albumen.library",
    # browsing (issue 5): layouts, queries, paging, the view model, memory
    "VirtualAssetGrid": "albumen._core",
    "JustifiedLayout": "albumen._core",
    "AssetQuery": "albumen.queries",
    "SortOrder": "albumen.queries",
    "AssetRow": "albumen.queries",
    "AssetPage": "albumen.queries",
    "SQLiteAssetFinder": "albumen.queries",
    "PageResult": "albumen.paging",
    "PaginatedAssetLoader": "albumen.paging",
    "AssetListViewModel": "albumen.viewmodel",
    "Signal": "albumen.viewmodel",
    "WeakAssetCache": "albumen.memory",
    "MemoryMonitor": "albumen.memory",
    # thumbnails (issue 4)
    "MemoryThumbnailCache": "albumen._core",
    "DiskThumbnailCache": "albumen._core",
    "ThumbnailService": "albumen.thumbnail_service",
    "Priority": "albumen.thumbnail_service",
    "ThumbnailGenerator": "albumen.thumbnail_generator",
    "DefaultThumbnailGenerator": "albumen.thumbnail_generator",
    "AssetSource": "albumen.thumbnail_generator",
    "AssetResolver": "albumen.thumbnail_generator",
    "MappingResolver": "albumen.thumbnail_generator",
    "SQLiteAssetResolver": "albumen.thumbnail_generator",
    "ThumbnailError": "albumen.thumbnail_generator",
    "thumbnail_asset_id": "albumen.thumbnail_generator",
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
    from albumen._core import DiskThumbnailCache as DiskThumbnailCache
    from albumen._core import JustifiedLayout as JustifiedLayout

    # thumbnails (issue 4)
    from albumen._core import MemoryThumbnailCache as MemoryThumbnailCache
    from albumen._core import VirtualAssetGrid as VirtualAssetGrid
    from albumen.events import EventBus as EventBus
    from albumen.events import ScanCompletedEvent as ScanCompletedEvent
    from albumen.events import ScanProgressEvent as ScanProgressEvent
    from albumen.library import Library as Library
    from albumen.library import LibraryError as LibraryError
    from albumen.library import ScanReport as ScanReport
    from albumen.memory import MemoryMonitor as MemoryMonitor
    from albumen.memory import WeakAssetCache as WeakAssetCache
    from albumen.paging import PageResult as PageResult
    from albumen.paging import PaginatedAssetLoader as PaginatedAssetLoader
    from albumen.queries import AssetPage as AssetPage
    from albumen.queries import AssetQuery as AssetQuery
    from albumen.queries import AssetRow as AssetRow
    from albumen.queries import SortOrder as SortOrder
    from albumen.queries import SQLiteAssetFinder as SQLiteAssetFinder
    from albumen.repository import SQLiteAssetRepository as SQLiteAssetRepository
    from albumen.scanner import ParallelScanner as ParallelScanner
    from albumen.scanner import ScanResult as ScanResult
    from albumen.thumbnail_generator import AssetResolver as AssetResolver
    from albumen.thumbnail_generator import AssetSource as AssetSource
    from albumen.thumbnail_generator import DefaultThumbnailGenerator as DefaultThumbnailGenerator
    from albumen.thumbnail_generator import MappingResolver as MappingResolver
    from albumen.thumbnail_generator import SQLiteAssetResolver as SQLiteAssetResolver
    from albumen.thumbnail_generator import ThumbnailError as ThumbnailError
    from albumen.thumbnail_generator import ThumbnailGenerator as ThumbnailGenerator
    from albumen.thumbnail_generator import thumbnail_asset_id as thumbnail_asset_id
    from albumen.thumbnail_service import Priority as Priority
    from albumen.thumbnail_service import ThumbnailService as ThumbnailService
    from albumen.viewmodel import AssetListViewModel as AssetListViewModel
    from albumen.viewmodel import Signal as Signal
