"""Browsing a library: page-by-page loading, the view model a gallery watches, and keeping
memory bounded while a million rows scroll by. No Qt here (see ``albumen.viewer``)."""

from __future__ import annotations

from albumen.browse.memory import MemoryMonitor, WeakAssetCache
from albumen.browse.paging import PageResult, PaginatedAssetLoader
from albumen.browse.viewmodel import AssetListViewModel, Signal
from albumen.store.query import AssetQuery, SortOrder

__all__ = [
    "AssetListViewModel",
    "AssetQuery",
    "MemoryMonitor",
    "PageResult",
    "PaginatedAssetLoader",
    "Signal",
    "SortOrder",
    "WeakAssetCache",
]
