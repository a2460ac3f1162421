"""Where each cell of a gallery goes: the Rust ``JustifiedLayout`` (rows at the photos' aspect
ratios) or ``VirtualAssetGrid`` (square cells), with day or month section headers, behind one
interface the Qt gallery paints from. No Qt here.

Laying out a million items needs every aspect ratio, and reading them takes the store a second
or more (``AssetFinder.layout_data``). So a gallery opens on an *estimated* layout
(``estimated_layout_data``): the first page's own ratios and days, which place the first screen
exactly, and for the rest the first page's median ratio with sections as dense as the first
page's. The exact data is read in the background and replaces the estimate (``exact``), the
view keeping the item at its top in place.
"""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Sequence
from datetime import date, timedelta
from enum import Enum

from albumen._core import JustifiedLayout, VirtualAssetGrid
from albumen.store.rows import AssetRow, LayoutData

__all__ = [
    "GalleryLayout",
    "LayoutKind",
    "by_month",
    "estimated_layout_data",
    "group_for",
]

Rect = tuple[float, float, float, float]

_EPOCH = date(1970, 1, 1)
ESTIMATED_LABEL = ""  # the label of a section the estimate made up


class LayoutKind(str, Enum):
    JUSTIFIED = "justified"  # rows at the items' aspect ratios (the default)
    GRID = "grid"  # square cells


def group_for(sort: str) -> str | None:
    """The sections a sort order reads best with: days for capture order, folders for name
    order, none otherwise."""
    if sort.startswith("capture"):
        return "day"
    if sort.startswith("name"):
        return "folder"
    return None


def _day_label(sort_time: int | None) -> str:
    if sort_time is None:
        return "unknown"
    return (_EPOCH + timedelta(days=int(sort_time / 86_400_000))).isoformat()


def estimated_layout_data(
    first_rows: Sequence[AssetRow], count: int, group_by: str | None
) -> LayoutData:
    """Layout data for ``count`` items knowing only ``first_rows`` (the first page)."""
    known = [r.aspect_ratio for r in first_rows[:count]]
    rest = count - len(known)
    ratios = array("d", known)
    if rest > 0:
        ratios.extend(array("d", [statistics.median(known) if known else 1.0]) * rest)
    starts: list[int] = []
    labels: list[str] = []
    if group_by is not None:
        last: str | None = None
        for i, row in enumerate(first_rows[:count]):
            label = row.folder if group_by == "folder" else None
            if label is None:
                label = _day_label(row.sort_time)
            if label != last:
                starts.append(i)
                labels.append(label)
                last = label
        if rest > 0 and starts:
            # sections as dense as the first page's, for a scroll range close to the real one
            step = max(1, len(known) // len(starts))
            made_up = range(len(known) + step, count, step)
            starts.extend(made_up)
            labels.extend([ESTIMATED_LABEL] * len(made_up))
    return LayoutData(ratios, starts, labels)


def by_month(data: LayoutData) -> LayoutData:
    """Day sections merged into month sections (labels ``YYYY-MM``)."""
    starts: list[int] = []
    labels: list[str] = []
    for start, label in zip(data.section_starts, data.section_labels, strict=True):
        month = label[:7] if label not in (ESTIMATED_LABEL, "unknown") else label
        if not labels or month != labels[-1] or month == ESTIMATED_LABEL:
            starts.append(start)
            labels.append(month)
    return LayoutData(data.aspect_ratios, starts, labels)


class GalleryLayout:
    """One layout of ``data`` at a viewport ``width``: justified rows of ``row_height`` or a
    grid of ``row_height`` squares, with a header of ``header_height`` above each section."""

    def __init__(
        self,
        data: LayoutData,
        width: float,
        *,
        kind: LayoutKind = LayoutKind.JUSTIFIED,
        row_height: float = 200.0,
        spacing: float = 4.0,
        header_height: float = 36.0,
        exact: bool = True,
    ) -> None:
        self.data = data
        self.kind = kind
        self.exact = exact
        self.width = max(1.0, float(width))
        self.row_height = row_height
        self.spacing = spacing
        self.header_height = header_height if data.section_starts else 0.0
        self.count = len(data.aspect_ratios)
        self._justified: JustifiedLayout | None = None
        self._grid: VirtualAssetGrid | None = None
        self._build()

    def _build(self) -> None:
        if self.kind is LayoutKind.JUSTIFIED:
            self._grid = None
            self._justified = JustifiedLayout(
                self.data.aspect_ratios,
                self.width,
                target_row_height=self.row_height,
                spacing=self.spacing,
                section_starts=self.data.section_starts,
                header_height=self.header_height or 32.0,
            )
        else:
            self._justified = None
            side = max(8, round(self.row_height))
            grid = VirtualAssetGrid(side, side, round(self.spacing))
            grid.set_total_count(self.count)
            if self.data.section_starts:
                grid.set_sections(self.data.section_starts, round(self.header_height))
            self._grid = grid

    # -- changes ------------------------------------------------------------------------------

    def set_width(self, width: float) -> bool:
        """Relayout for a new viewport width; False when nothing changed."""
        width = max(1.0, float(width))
        if width == self.width:
            return False
        self.width = width
        if self._justified is not None:
            self._justified.set_viewport_width(width)
        return True

    def set_row_height(self, row_height: float) -> None:
        self.row_height = row_height
        if self._justified is not None:
            self._justified.set_geometry(target_row_height=row_height)
        else:
            self._build()

    # -- geometry (content coordinates) ---------------------------------------------------------

    def content_height(self) -> float:
        if self._justified is not None:
            return float(self._justified.content_height())
        assert self._grid is not None
        return float(self._grid.content_height(self.width))

    def visible_range(self, y: float, height: float) -> tuple[int, int]:
        if self.count == 0:
            return (0, 0)
        if self._justified is not None:
            return self._justified.calculate_visible_range(y, height)
        assert self._grid is not None
        return self._grid.calculate_visible_range(y, self.width, height)

    def item_rect(self, index: int) -> Rect:
        if self._justified is not None:
            return self._justified.item_rect(index)
        assert self._grid is not None
        x, y, w, h = self._grid.item_rect(index, self.width)
        return (float(x), float(y), float(w), float(h))

    def index_at(self, x: float, y: float) -> int | None:
        if self.count == 0:
            return None
        if self._justified is not None:
            return self._justified.index_at(x, y)
        assert self._grid is not None
        return self._grid.index_at(x, y, self.width)

    def section_of(self, index: int) -> int:
        if not self.data.section_starts or self.count == 0:
            return 0
        index = min(max(0, index), self.count - 1)
        if self._justified is not None:
            return self._justified.section_of(index)
        assert self._grid is not None
        return self._grid.section_of(index)

    def visible_sections(self, y: float, height: float) -> tuple[int, int]:
        if not self.data.section_starts or self.count == 0:
            return (0, 0)
        if self._justified is not None:
            return self._justified.visible_sections(y, height)
        assert self._grid is not None
        return self._grid.visible_sections(y, self.width, height)

    def header_rect(self, section: int) -> Rect:
        if self._justified is not None:
            return self._justified.header_rect(section)
        assert self._grid is not None
        x, y, w, h = self._grid.header_rect(section, self.width)
        return (float(x), float(y), float(w), float(h))

    def section_label(self, section: int) -> str:
        labels = self.data.section_labels
        return labels[section] if 0 <= section < len(labels) else ""

    def label_at(self, y: float) -> str:
        """The section label of the first item at content height ``y`` (for the scrollbar)."""
        first, last = self.visible_range(y, 1.0)
        if first >= last:
            first, _ = self.visible_range(y, self.row_height * 2)
        return self.section_label(self.section_of(first))

    def neighbour(self, index: int, direction: str) -> int:
        """The item left/right/up/down of ``index`` (keyboard navigation): up and down pick the
        item of the row above or below nearest in x."""
        if self.count == 0:
            return 0
        if direction == "left":
            return max(0, index - 1)
        if direction == "right":
            return min(self.count - 1, index + 1)
        x, y, w, h = self.item_rect(index)
        cx = x + w / 2
        step = self.row_height / 2 + self.spacing
        probe = y - step if direction == "up" else y + h + step
        # walk across headers until a row is hit (or the content ends)
        end = self.content_height()
        while 0 <= probe <= end:
            first, last = self.visible_range(probe, 1.0)
            if first < last:
                best = min(
                    range(first, last),
                    key=lambda i: abs(self.item_rect(i)[0] + self.item_rect(i)[2] / 2 - cx),
                )
                return best
            probe += -step if direction == "up" else step
        return index
