"""Selection in a gallery of any size: click, shift-click, ctrl-click and the keyboard.

Positions are kept as sorted, disjoint half-open ranges, so selecting a million items (shift-
click at the end, select all) costs two numbers, not a million. ``current`` is the focused
item (the keyboard moves it), ``anchor`` where a shift-extension starts. No Qt here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

__all__ = ["Selection"]


class Selection:
    """Selected positions among ``count`` items."""

    def __init__(self, count: int = 0) -> None:
        self.count = count
        self._ranges: list[tuple[int, int]] = []
        self.current: int | None = None
        self.anchor: int | None = None

    # -- queries ----------------------------------------------------------------------------

    def __contains__(self, index: object) -> bool:
        if not isinstance(index, int):
            return False
        i = bisect_right(self._ranges, (index, self.count + 1)) - 1
        return i >= 0 and self._ranges[i][0] <= index < self._ranges[i][1]

    def __len__(self) -> int:
        return sum(b - a for a, b in self._ranges)

    def __iter__(self) -> Iterator[int]:
        for a, b in self._ranges:
            yield from range(a, b)

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return list(self._ranges)

    # -- changes ----------------------------------------------------------------------------

    def reset(self, count: int) -> None:
        """A new album (or the same one recounted): nothing selected."""
        self.count = count
        self._ranges = []
        self.current = self.anchor = None

    def clear(self) -> None:
        self._ranges = []

    def click(self, index: int, *, shift: bool = False, ctrl: bool = False) -> None:
        """What a click does: select only ``index``; with shift, the range from the anchor;
        with ctrl, toggle ``index``; with both, add the range from the anchor."""
        if not 0 <= index < self.count:
            return
        if shift and self.anchor is not None:
            a, b = sorted((self.anchor, index))
            if not ctrl:
                self._ranges = []
            self._add(a, b + 1)
        elif ctrl:
            if index in self:
                self._remove(index, index + 1)
            else:
                self._add(index, index + 1)
            self.anchor = index
        else:
            self._ranges = [(index, index + 1)]
            self.anchor = index
        self.current = index

    def move_to(self, index: int, *, extend: bool = False) -> None:
        """The keyboard moved the focus to ``index``: select it (with shift, the range from
        the anchor)."""
        index = min(max(0, index), self.count - 1) if self.count else 0
        if self.count == 0:
            return
        self.click(index, shift=extend)

    def select_all(self) -> None:
        self._ranges = [(0, self.count)] if self.count else []

    def _add(self, a: int, b: int) -> None:
        merged: list[tuple[int, int]] = []
        for x, y in sorted([*self._ranges, (a, b)]):
            if merged and x <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], y))
            else:
                merged.append((x, y))
        self._ranges = merged

    def _remove(self, a: int, b: int) -> None:
        out: list[tuple[int, int]] = []
        for x, y in self._ranges:
            if y <= a or x >= b:
                out.append((x, y))
                continue
            if x < a:
                out.append((x, a))
            if y > b:
                out.append((b, y))
        self._ranges = out
