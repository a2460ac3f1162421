"""Rows of a gallery by position: what a scrolling view asks for ("rows 48,200 to 48,260").

A view over a million rows jumps (a dragged scrollbar, End) as often as it scrolls, so rows are
kept by page number, not appended: ``GalleryRows`` loads the keyset page holding a position on
demand and keeps the most recently used ``max_pages`` of them, so memory stays bounded however
far one scrolls. With each page it loads the thumbnail sources of its rows (content id and
mtime for the thumbnail key, the micro thumbnail for the placeholder) in one query. No Qt here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from albumen.store.protocols import AssetFinder
from albumen.store.query import AssetQuery
from albumen.store.records import ThumbnailTarget
from albumen.store.rows import AssetRow

__all__ = ["GalleryRows", "LoadedPage", "load_page"]


@dataclass(frozen=True)
class LoadedPage:
    """One page: its rows, and the thumbnail source and micro thumbnail of each readable row
    (by rowid)."""

    rows: Sequence[AssetRow]
    sources: dict[int, tuple[ThumbnailTarget, bytes | None]]


def load_page(
    finder: AssetFinder,
    query: AssetQuery,
    number: int,
    page_size: int,
    rows: Sequence[AssetRow] | None = None,
) -> LoadedPage:
    """Page ``number`` of ``query`` with its thumbnail sources (``rows``: the page's rows if
    already read). Any thread, with a finder of its own."""
    if rows is None:
        rows = finder.page(query, number, page_size)
    rowid = getattr(rows, "rowid", None)  # an AssetPage answers without making rows
    ids = [rowid(i) for i in range(len(rows))] if rowid else [r.rowid for r in rows]
    return LoadedPage(rows, finder.thumbnail_sources(ids) if ids else {})


class GalleryRows:
    """Random access by position to the rows of ``query`` (``count`` of them), through keyset
    pages of ``page_size``; at most ``max_pages`` pages are kept (least recently used go).

    ``first_page``, when given, is page 1 as already loaded (a view model's), so opening a
    gallery costs no second query. Not thread-safe: use it from one thread (the GUI's).
    """

    def __init__(
        self,
        finder: AssetFinder,
        query: AssetQuery,
        count: int,
        *,
        page_size: int = 200,
        max_pages: int = 48,
        first_page: Sequence[AssetRow] | None = None,
    ) -> None:
        self.finder = finder
        self.query = query
        self.count = max(0, count)
        self.page_size = page_size
        self.max_pages = max(2, max_pages)
        self._pages: OrderedDict[int, LoadedPage] = OrderedDict()
        self.pages_loaded = 0  # queries made (for tests and benchmarks)
        if first_page is not None and count > 0:
            self._store(1, first_page)

    def __len__(self) -> int:
        return self.count

    def page_of(self, index: int) -> int:
        return index // self.page_size + 1

    def _store(self, number: int, rows: Sequence[AssetRow]) -> LoadedPage:
        return self.put(number, load_page(self.finder, self.query, number, self.page_size, rows))

    def put(self, number: int, page: LoadedPage) -> LoadedPage:
        """Keep ``page`` (loaded elsewhere, e.g. on a background thread) as page ``number``."""
        self._pages[number] = page
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page

    def missing_pages(self, first: int, last: int) -> list[int]:
        """Numbers of the pages covering ``[first, last)`` that are not kept."""
        if last <= first:
            return []
        pages = range(self.page_of(first), self.page_of(max(first, last - 1)) + 1)
        return [n for n in pages if n not in self._pages]

    def page(self, number: int) -> LoadedPage:
        """Page ``number`` (1-based), loaded now if it is not kept."""
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        self.pages_loaded += 1
        return self._store(number, self.finder.page(self.query, number, self.page_size))

    def is_loaded(self, index: int) -> bool:
        return self.page_of(index) in self._pages

    def row(self, index: int) -> AssetRow | None:
        """The row at ``index`` (its page loaded if needed); None past the end (or when rows
        went away since the count)."""
        if not 0 <= index < self.count:
            return None
        page = self.page(self.page_of(index))
        offset = index - (self.page_of(index) - 1) * self.page_size
        return page.rows[offset] if offset < len(page.rows) else None

    def cached_row(self, index: int) -> AssetRow | None:
        """The row at ``index`` if its page is kept, without loading anything."""
        page = self._pages.get(self.page_of(index))
        if page is None:
            return None
        offset = index - (self.page_of(index) - 1) * self.page_size
        return page.rows[offset] if offset < len(page.rows) else None

    def source(self, index: int) -> tuple[ThumbnailTarget, bytes | None] | None:
        """Thumbnail source and micro thumbnail of the row at ``index`` (None for a row that
        cannot have a thumbnail, or whose page is not kept)."""
        page = self._pages.get(self.page_of(index))
        row = self.cached_row(index)
        if page is None or row is None:
            return None
        return page.sources.get(row.rowid)

    def ensure(self, first: int, last: int) -> None:
        """Load the pages covering ``[first, last)``."""
        if last <= first:
            return
        for number in range(self.page_of(first), self.page_of(max(first, last - 1)) + 1):
            self.page(number)

    def index_of_rowid(self, rowid: int) -> int | None:
        """Position of ``rowid`` among the kept pages, or None."""
        for number, page in self._pages.items():
            for offset, row in enumerate(page.rows):
                if row.rowid == rowid:
                    return (number - 1) * self.page_size + offset
        return None

    def clear(self) -> None:
        self._pages.clear()
