"""Thumbnails through three tiers: L1 memory and L2 disk (Rust caches), L3 generation
(``DefaultThumbnailGenerator``) on worker threads, behind one ``ThumbnailService``; and the
library-wide work (``LibraryThumbnails``) with its statistics."""

from __future__ import annotations

from albumen.thumbnails.batch import LibraryThumbnails, ThumbsReport
from albumen.thumbnails.generator import DefaultThumbnailGenerator, ThumbnailGenerator
from albumen.thumbnails.service import Priority, ThumbnailService

__all__ = [
    "DefaultThumbnailGenerator",
    "LibraryThumbnails",
    "Priority",
    "ThumbnailGenerator",
    "ThumbnailService",
    "ThumbsReport",
]
