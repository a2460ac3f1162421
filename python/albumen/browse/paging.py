"""Page-by-page loading of a query's results (the plan's ``PageResult`` and
``PaginatedAssetLoader``), independent of where the rows come from.

A *finder* is anything with ``count(query) -> int`` and
``page(query, page_number, page_size) -> Sequence`` (page numbers start at 1); the library's
is an ``albumen.store.AssetFinder``, which serves keyset pages.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, overload

__all__ = ["LoadedItems", "PageResult", "PageSource", "PaginatedAssetLoader"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class PageSource(Protocol[T_co]):
    """Where a loader gets its rows."""

    def count(self, query: Any) -> int: ...

    def page(self, query: Any, page_number: int, page_size: int) -> Sequence[T_co]: ...


@dataclass
class PageResult(Generic[T]):
    """One page: its ``items``, its 1-based ``page`` number, the ``page_size`` asked for and
    the query's ``total_count``."""

    items: Sequence[T] = field(default_factory=list)
    page: int = 1
    page_size: int = 200
    total_count: int = 0

    @property
    def has_more(self) -> bool:
        """Whether pages follow this one: ``page * page_size < total_count``."""
        return self.page * self.page_size < self.total_count

    @property
    def total_pages(self) -> int:
        """``ceil(total_count / page_size)``; 0 when either is 0."""
        if self.total_count <= 0 or self.page_size <= 0:
            return 0
        return math.ceil(self.total_count / self.page_size)


class LoadedItems(Sequence[T]):
    """Everything loaded so far: the pages as the finder returned them, chained (no copy, so
    compact pages stay compact). Indexable like a list and equal to a list with the same
    items."""

    __slots__ = ("_chunks", "_ends")

    def __init__(self) -> None:
        self._chunks: list[Sequence[T]] = []
        self._ends: list[int] = []

    def append_page(self, items: Sequence[T]) -> None:
        if len(items):
            self._chunks.append(items)
            self._ends.append(len(self) + len(items))

    @property
    def pages(self) -> list[Sequence[T]]:
        """The loaded pages, as the finder returned them (non-empty ones)."""
        return list(self._chunks)

    def clear(self) -> None:
        self._chunks.clear()
        self._ends.clear()

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("item index out of range")
        c = bisect_right(self._ends, index)
        start = self._ends[c - 1] if c else 0
        return self._chunks[c][index - start]

    def __iter__(self) -> Iterator[T]:
        for chunk in self._chunks:
            yield from chunk

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LoadedItems, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LoadedItems({len(self)} items in {len(self._chunks)} pages)"


class PaginatedAssetLoader(Generic[T]):
    """Loads a query's results one page at a time and keeps what it loaded.

    State: ``items`` (everything loaded so far, in load order), ``current_page`` (0 before the
    first load), ``total_count``, ``has_more`` and ``total_pages``. ``reset(query)`` clears,
    counts and loads page 1; ``load_next_page()`` loads the page after ``current_page`` and
    appends it; ``load_page(n)`` jumps to page ``n``: ``items`` then hold that page alone
    (``append=True``: it is appended to what was loaded, as the plan had it). Without a query,
    or past the end, they return an empty ``PageResult`` and change nothing.

    The count is taken by ``reset``. Rows may be added or removed while paging; the finder's
    keyset pages never repeat or skip a row, and the loader keeps ``has_more`` honest: a full
    page reaching the counted end re-counts and, if the data changed (the finder's optional
    ``data_version()`` stamp, or the count), allows one more page; an empty page ends the
    results before it. So ``while loader.has_more: loader.load_next_page()`` always
    terminates and reaches every row that existed throughout. An empty page leaves
    ``current_page`` where it was.
    """

    def __init__(self, finder: PageSource[T], page_size: int = 200) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be positive, got {page_size}")
        self.finder = finder
        self.page_size = page_size
        self.query: Any = None
        self.items: LoadedItems[T] = LoadedItems()
        self.current_page = 0
        self.total_count = 0
        self._has_query = False
        self._counted_version: object = None

    def _version(self) -> object:
        """The finder's change stamp if it has one (``data_version()``), else None."""
        version = getattr(self.finder, "data_version", None)
        return version() if callable(version) else None

    @property
    def has_more(self) -> bool:
        return self.current_page * self.page_size < self.total_count

    @property
    def total_pages(self) -> int:
        if self.total_count <= 0:
            return 0
        return math.ceil(self.total_count / self.page_size)

    def _result(self, items: Sequence[T], page: int) -> PageResult[T]:
        return PageResult(items, page, self.page_size, self.total_count)

    def reset(self, query: Any) -> PageResult[T]:
        """Forget everything, count ``query``'s results and load page 1."""
        self.items.clear()
        self.current_page = 0
        self.query = query
        self._has_query = True
        self._counted_version = self._version()
        self.total_count = max(0, int(self.finder.count(query)))
        if self.total_count == 0:
            self.current_page = 1
            return self._result([], 1)
        result = self._fetch(1)
        self.current_page = 1
        return result

    def load_next_page(self) -> PageResult[T]:
        """Load the page after ``current_page`` (empty without a query or past the end)."""
        page = self.current_page + 1
        if not self._has_query or not self.has_more:
            return self._result([], page)
        return self._fetch(page)

    def load_page(self, page_number: int, append: bool = False) -> PageResult[T]:
        """Jump to page ``page_number`` (1-based): ``items`` then hold that page alone, and
        ``load_next_page`` continues after it. With ``append`` its items are added to what
        was loaded instead. Empty (changing nothing) without a query or past the end."""
        if page_number < 1:
            raise ValueError(f"page numbers start at 1, got {page_number}")
        if not self._has_query or page_number > self.total_pages:
            return self._result([], page_number)
        return self._fetch(page_number, replace=not append)

    def _fetch(self, page_number: int, *, replace: bool = False) -> PageResult[T]:
        items = self.finder.page(self.query, page_number, self.page_size)
        if not len(items):
            # nothing there any more (rows were removed since the count): the results end
            # before this page
            self.total_count = min(self.total_count, (page_number - 1) * self.page_size)
            return self._result(items, page_number)
        end = page_number * self.page_size
        if len(items) == self.page_size and end >= self.total_count:
            # A full page reaching the counted end: if the data changed since the count, rows
            # may remain ahead of this page (a count cannot tell where rows were added or
            # removed), so allow one more page; an empty one ends the paging.
            count = max(0, int(self.finder.count(self.query)))
            if self._version() != self._counted_version or count != self.total_count:
                count = max(count, end + 1)
            self.total_count = count
            self._counted_version = self._version()
        if replace:
            self.items.clear()
        self.items.append_page(items)
        self.current_page = page_number
        return self._result(items, page_number)
