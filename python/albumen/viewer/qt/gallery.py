"""The gallery: a ``QAbstractScrollArea`` that paints only the cells in view.

Cells are placed by ``albumen.browse.gallery_layout.GalleryLayout`` (the Rust justified
layout by default, or the square grid), rows come by position from
``albumen.browse.gallery_rows.GalleryRows`` (keyset pages, a bounded number kept), and
pictures from the ``ThumbnailImageProvider``: a micro thumbnail at once, the real thumbnail
when its ``image_ready`` signal arrives. Each paint asks for the visible cells first, then a
guard band of one screen above and below, and cancels what scrolled out of both.

A gallery opens on an estimated layout (the first page's ratios: see ``gallery_layout``) and
reads the exact one on a background thread with a finder of its own; when it arrives it
replaces the estimate with the item at the top of the view kept in place.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QWidget

from albumen.browse.gallery_layout import (
    GalleryLayout,
    LayoutKind,
    by_month,
    estimated_layout_data,
)
from albumen.browse.gallery_rows import GalleryRows, LoadedPage
from albumen.browse.selection import Selection
from albumen.store.protocols import AssetFinder
from albumen.store.query import AssetQuery
from albumen.store.rows import AssetRow, LayoutData
from albumen.thumbnails.service import Priority
from albumen.viewer.qt.cell_painter import BACKGROUND, CellPainter, CellState, format_section
from albumen.viewer.qt.image_provider import ThumbnailImageProvider
from albumen.viewer.qt.page_fetcher import PageFetcher

__all__ = ["GalleryView"]

MIN_ROW_HEIGHT = 60.0
MAX_ROW_HEIGHT = 480.0
ZOOM_STEP = 1.25
MONTH_HEADERS_BELOW = 110.0  # row heights below this get month headers instead of days
SMALL_BOX, LARGE_BOX = 256, 512


class GalleryView(QAbstractScrollArea):
    """Cells of one album (see the module docs).

    Signals: ``activated(index)`` (double-click or Enter), ``current_changed(index)``,
    ``selection_changed()``, ``painted()`` after every paint, ``fully_painted()`` once per
    album when every visible cell shows its real thumbnail (or why it has none), and
    ``layout_ready()`` when the exact layout replaced the estimate.
    """

    activated = Signal(int)
    current_changed = Signal(int)
    selection_changed = Signal()
    painted = Signal()
    fully_painted = Signal()
    layout_ready = Signal()
    zoom_changed = Signal(float)
    _exact_layout = Signal(int, object)  # generation, LayoutData (from the layout thread)

    def __init__(self, provider: ThumbnailImageProvider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = provider
        self.cells = CellPainter()
        self.selection = Selection()
        self.rows: GalleryRows | None = None
        self.placement: GalleryLayout | None = None
        self.kind = LayoutKind.JUSTIFIED
        self.row_height = 200.0
        self.query: AssetQuery | None = None
        self.group_by: str | None = None
        self._day_data: LayoutData | None = None  # the layout data with day sections
        self._generation = 0
        self.fetcher: PageFetcher | None = None
        self._pending_layout: (
            tuple[int, AssetQuery, str | None, Callable[[], AssetFinder]] | None
        ) = None
        self._visible_keys: set[str] = set()
        self._micro: OrderedDict[int, QImage | None] = OrderedDict()
        self._fully_painted_sent = False
        self.paint_seconds: deque[float] = deque(maxlen=100_000)
        self.viewport().setAutoFillBackground(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.date_label = QLabel(self)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        # while scrolling, pictures not yet smoothed for their cell are drawn fast; once the
        # view rests, one more paint smooths them
        self.scrolling = False
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.setInterval(150)
        self._rest.timeout.connect(self._on_rest)
        self._guard = QTimer(self)
        self._guard.setSingleShot(True)
        self._guard.setInterval(0)
        self._guard.timeout.connect(self._request_guard_band)
        bar.sliderMoved.connect(self._show_date_label)
        bar.sliderPressed.connect(lambda: self._show_date_label(bar.value()))
        bar.sliderReleased.connect(self.date_label.hide)
        self.date_label.setObjectName("scrollDateLabel")
        self.date_label.setStyleSheet(
            "QLabel { background: rgba(20,20,24,220); color: white; padding: 6px 10px;"
            " border-radius: 6px; font-weight: bold; }"
        )
        self.date_label.hide()
        provider.image_ready.connect(self._on_image)
        provider.image_failed.connect(self._on_image)
        self._exact_layout.connect(self._on_exact_layout)
        # coalesce repaints asked for by many thumbnails landing at once
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(0)
        self._repaint.timeout.connect(self.viewport().update)

    # -- the album ---------------------------------------------------------------------------

    def set_album(
        self,
        finder: AssetFinder,
        query: AssetQuery,
        count: int,
        first_page: Sequence[AssetRow],
        *,
        group_by: str | None,
        finder_factory: Callable[[], AssetFinder] | None = None,
        keep_position: bool = False,
    ) -> None:
        """Show ``count`` rows of ``query`` (``first_page`` already loaded). With
        ``keep_position`` (the same album, recounted after a scan) the view and the
        selection's focus stay where they were."""
        anchor = self._anchor() if keep_position else None
        current = self.selection.current if keep_position else None
        self._generation += 1
        self.query = query
        self.group_by = group_by
        self.rows = GalleryRows(finder, query, count, first_page=first_page)
        if finder_factory is not None and self.fetcher is None:
            self.fetcher = PageFetcher(finder_factory)
            self.fetcher.page_ready.connect(self._on_page)
        self.selection.reset(count)
        if current is not None and current < count:
            self.selection.current = current
        self._micro.clear()
        self._fully_painted_sent = keep_position and self._fully_painted_sent
        estimate = estimated_layout_data(first_page, count, group_by)
        self._apply_data(estimate, exact=count <= len(first_page), anchor=anchor)
        if anchor is None:
            self.verticalScrollBar().setValue(0)
        self._pending_layout = None
        if count > len(first_page) and finder_factory is not None:
            # read after the first paint, so the thread does not compete with it
            self._pending_layout = (self._generation, query, group_by, finder_factory)
        self.viewport().update()

    def _start_exact_layout(
        self,
        generation: int,
        query: AssetQuery,
        group_by: str | None,
        factory: Callable[[], AssetFinder],
    ) -> None:
        def work() -> None:
            finder = factory()
            try:
                data = finder.layout_data(query, group_by)
            finally:
                finder.close()
            self._exact_layout.emit(generation, data)

        threading.Thread(target=work, name="albumen-gallery-layout", daemon=True).start()

    def _on_exact_layout(self, generation: int, data: LayoutData) -> None:
        if generation != self._generation or self.rows is None:
            return
        if len(data.aspect_ratios) != self.rows.count:
            # the data changed meanwhile (a scan): the count follows the exact data
            self.rows.count = len(data.aspect_ratios)
            self.selection.count = self.rows.count
        self._apply_data(data, exact=True, anchor=self._anchor())
        self.layout_ready.emit()

    def _apply_data(
        self, data: LayoutData, *, exact: bool, anchor: tuple[int, float] | None
    ) -> None:
        self._day_data = data
        shown = by_month(data) if self._use_months() else data
        self.placement = GalleryLayout(
            shown,
            self.viewport().width(),
            kind=self.kind,
            row_height=self.row_height,
            exact=exact,
        )
        self._update_scrollbar()
        if anchor is not None:
            self._restore(anchor)

    def _use_months(self) -> bool:
        return self.group_by == "day" and self.row_height < MONTH_HEADERS_BELOW

    @property
    def count(self) -> int:
        return self.rows.count if self.rows is not None else 0

    def row_at(self, index: int) -> AssetRow | None:
        return self.rows.row(index) if self.rows is not None else None

    # -- geometry ----------------------------------------------------------------------------

    def _anchor(self) -> tuple[int, float] | None:
        """The first visible item and how far above the view's top its cell starts."""
        if self.placement is None or self.placement.count == 0:
            return None
        y = self.verticalScrollBar().value()
        first, last = self.placement.visible_range(y, max(1, self.viewport().height()))
        if first >= last:
            return None
        return first, self.placement.item_rect(first)[1] - y

    def _restore(self, anchor: tuple[int, float]) -> None:
        assert self.placement is not None
        index = min(anchor[0], self.placement.count - 1)
        if index >= 0:
            self.verticalScrollBar().setValue(round(self.placement.item_rect(index)[1] - anchor[1]))

    def _update_scrollbar(self) -> None:
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        content = self.placement.content_height() if self.placement is not None else 0.0
        bar.setRange(0, max(0, round(content) - height))
        bar.setPageStep(max(1, height))
        bar.setSingleStep(max(1, round(self.row_height / 3)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        anchor = self._anchor()
        super().resizeEvent(event)
        if self.placement is not None and self.placement.set_width(self.viewport().width()):
            self.cells.scaled.clear()
        self._update_scrollbar()
        if anchor is not None:
            self._restore(anchor)

    def item_rect(self, index: int) -> QRect:
        """Viewport rectangle of item ``index``."""
        assert self.placement is not None
        x, y, w, h = self.placement.item_rect(index)
        top = y - self.verticalScrollBar().value()
        return QRect(round(x), round(top), round(x + w) - round(x), round(top + h) - round(top))

    def index_at(self, point: QPoint) -> int | None:
        if self.placement is None:
            return None
        return self.placement.index_at(point.x(), point.y() + self.verticalScrollBar().value())

    def ensure_visible(self, index: int) -> None:
        if self.placement is None or not 0 <= index < self.placement.count:
            return
        _, y, _, h = self.placement.item_rect(index)
        bar = self.verticalScrollBar()
        top, height = bar.value(), self.viewport().height()
        if y < top:
            bar.setValue(round(y - self.placement.header_height))
        elif y + h > top + height:
            bar.setValue(round(y + h - height + self.placement.spacing))

    # -- layout kind and zoom -------------------------------------------------------------------

    def set_layout_kind(self, kind: LayoutKind) -> None:
        if kind is self.kind:
            return
        self.kind = kind
        self._relayout()

    def set_row_height(self, height: float, *, about: QPoint | None = None) -> None:
        height = min(MAX_ROW_HEIGHT, max(MIN_ROW_HEIGHT, height))
        if height == self.row_height:
            return
        anchor = self._anchor_at(about) if about is not None else self._anchor()
        months_before = self._use_months()
        self.row_height = height
        if self.placement is not None and self._day_data is not None:
            if months_before != self._use_months():
                self._apply_data(self._day_data, exact=self.placement.exact, anchor=None)
            else:
                self.placement.set_row_height(height)
                self._update_scrollbar()
            if anchor is not None:
                self._restore(anchor)
        self.cells.scaled.clear()
        self.zoom_changed.emit(height)
        self.viewport().update()

    def _anchor_at(self, point: QPoint) -> tuple[int, float] | None:
        index = self.index_at(point)
        if index is None or self.placement is None:
            return self._anchor()
        return index, self.placement.item_rect(index)[1] - self.verticalScrollBar().value()

    def zoom(self, steps: float, about: QPoint | None = None) -> None:
        self.set_row_height(self.row_height * ZOOM_STEP**steps, about=about)

    def _relayout(self) -> None:
        if self._day_data is not None and self.placement is not None:
            self._apply_data(self._day_data, exact=self.placement.exact, anchor=self._anchor())
        self.cells.scaled.clear()
        self.viewport().update()

    @property
    def box(self) -> int:
        """Thumbnail size asked for: 256 px, or 512 when cells are larger."""
        dpr = self.devicePixelRatioF()
        return SMALL_BOX if self.row_height * dpr <= 260 else LARGE_BOX

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        p = QPainter(self.viewport())
        p.fillRect(self.viewport().rect(), BACKGROUND)
        layout, rows = self.placement, self.rows
        if layout is None or rows is None or layout.count == 0:
            p.setPen(Qt.GlobalColor.gray)
            p.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text())
            p.end()
            self._finish_paint(started, complete=False)
            return
        top = self.verticalScrollBar().value()
        height = self.viewport().height()
        first, last = layout.visible_range(top, height)
        if self.fetcher is None:
            rows.ensure(first, last)
        else:
            missing = rows.missing_pages(first, last)
            if missing:  # placeholders now, the rows when their pages arrive
                self.fetcher.request(self._generation, rows.query, missing)
        for section in range(*layout.visible_sections(top, height)):
            x, y, w, h = layout.header_rect(section)
            self.cells.paint_header(
                p,
                QRect(round(x), round(y - top), round(w), round(h)),
                layout.section_label(section),
            )
        box = self.box
        crop = layout.kind is LayoutKind.GRID
        complete = True
        visible: set[str] = set()
        for index in range(first, last):
            row = rows.cached_row(index)
            source = rows.source(index)
            state = CellState(index in self.selection, index == self.selection.current)
            picture: tuple[str, QImage] | None = None
            blurred = False
            if row is not None and source is not None:
                target, micro = source
                key = self.provider.key_of(target, box)
                visible.add(key)
                image = self.provider.request(target, box, Priority.VISIBLE)
                if image is None and box != SMALL_BOX:
                    small = self.provider.key_of(target, SMALL_BOX)
                    image = self.provider.image(small)
                    key = small if image is not None else key
                if image is not None:
                    picture = (key, image)
                else:
                    state.failed = self.provider.failure(key)
                    micro_image = self._micro_image(row.rowid, micro)
                    if micro_image is not None:
                        picture, blurred = (f"micro:{row.rowid}", micro_image), True
                    if state.failed is None:
                        complete = False
            elif row is None:
                complete = False
            self.cells.paint_cell(
                p,
                self.item_rect(index),
                row,
                picture,
                state,
                crop=crop,
                blurred=blurred,
                fast=self.scrolling,
            )
        p.end()
        self._visible_keys = visible
        self._guard.start()  # after this frame: the guard band, and cancelling the rest
        self._finish_paint(started, complete=complete)

    def _on_scrolled(self, _value: int) -> None:
        self.scrolling = True
        self._rest.start()
        self.viewport().update()

    def _on_rest(self) -> None:
        self.scrolling = False
        self.viewport().update()

    def _empty_text(self) -> str:
        return "Nothing here yet" if self.rows is not None else "Opening…"

    def _finish_paint(self, started: float, *, complete: bool) -> None:
        self.paint_seconds.append(time.perf_counter() - started)
        if self._pending_layout is not None:
            pending, self._pending_layout = self._pending_layout, None
            QTimer.singleShot(0, lambda: self._start_exact_layout(*pending))
        self.painted.emit()
        if complete and not self._fully_painted_sent and self.rows is not None:
            self._fully_painted_sent = True
            self.fully_painted.emit()

    def _request_guard_band(self) -> None:
        """Ask for the cells one screen above and below (after the visible ones), and cancel
        requests for everything else."""
        if self.placement is None or self.rows is None or self.placement.count == 0:
            return
        top = self.verticalScrollBar().value()
        height = self.viewport().height()
        first, last = self.placement.visible_range(top, height)
        wanted = set(self._visible_keys)
        above, _ = self.placement.visible_range(max(0, top - height), height)
        _, below = self.placement.visible_range(top + height, height)
        box = self.box
        if self.fetcher is None:
            self.rows.ensure(above, below)
        else:
            missing = [
                *self.rows.missing_pages(last, below),
                *self.rows.missing_pages(above, first),
            ]
            if missing:
                self.fetcher.request(self._generation, self.rows.query, missing)
        for index in (*range(last, below), *range(first - 1, above - 1, -1)):
            source = self.rows.source(index)
            if source is not None:
                wanted.add(self.provider.key_of(source[0], box))
                self.provider.request(source[0], box, Priority.NEAR)
        self.provider.retain(wanted)

    def _micro_image(self, rowid: int, data: bytes | None) -> QImage | None:
        if data is None:
            return None
        if rowid in self._micro:
            self._micro.move_to_end(rowid)
            return self._micro[rowid]
        image = QImage()
        decoded = image if image.loadFromData(data) else None
        self._micro[rowid] = decoded
        while len(self._micro) > 4000:
            self._micro.popitem(last=False)
        return decoded

    def _on_page(self, generation: int, number: int, page: LoadedPage) -> None:
        if generation != self._generation or self.rows is None:
            return
        self.rows.put(number, page)
        if self.placement is not None:
            top = self.verticalScrollBar().value()
            first, last = self.placement.visible_range(top, self.viewport().height())
            start = (number - 1) * self.rows.page_size
            if start < last and start + self.rows.page_size > first:
                self._repaint.start()
            else:
                self._guard.start()

    def _on_image(self, key: str, *_message: str) -> None:
        if key in self._visible_keys:
            self._repaint.start()

    def is_fully_painted(self) -> bool:
        return self._fully_painted_sent

    # -- the scrollbar's date label --------------------------------------------------------------

    def _show_date_label(self, value: int) -> None:
        if self.placement is None or not self.placement.data.section_starts:
            return
        label = self.placement.label_at(value)
        if not label:
            self.date_label.hide()
            return
        self.date_label.setText(format_section(label))
        self.date_label.adjustSize()
        bar = self.verticalScrollBar()
        span = max(1, bar.maximum() - bar.minimum())
        y = round((value - bar.minimum()) / span * (self.viewport().height() - 30))
        x = self.viewport().width() - self.date_label.width() - 8
        self.date_label.move(x, max(0, y))
        self.date_label.show()
        self.date_label.raise_()

    # -- input -------------------------------------------------------------------------------------

    def _set_current(self, index: int, *, extend: bool = False) -> None:
        if self.count == 0:
            return
        index = min(max(0, index), self.count - 1)
        self.selection.move_to(index, extend=extend)
        self.ensure_visible(index)
        self.selection_changed.emit()
        self.current_changed.emit(index)
        self.viewport().update()

    def select(self, index: int) -> None:
        """Make ``index`` the current and only selected item, and scroll to it."""
        self._set_current(index)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        index = self.index_at(event.position().toPoint())
        if index is None:
            return
        mods = event.modifiers()
        self.selection.click(
            index,
            shift=bool(mods & Qt.KeyboardModifier.ShiftModifier),
            ctrl=bool(mods & Qt.KeyboardModifier.ControlModifier),
        )
        self.selection_changed.emit()
        self.current_changed.emit(index)
        self.viewport().update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().toPoint())
        if index is not None:
            self.activated.emit(index)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom(steps, about=event.position().toPoint())
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1)
            return
        if ctrl and key == Qt.Key.Key_Minus:
            self.zoom(-1)
            return
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.selection.select_all()
            self.selection_changed.emit()
            self.viewport().update()
            return
        if self.placement is None or self.count == 0:
            return super().keyPressEvent(event)
        current = self.selection.current if self.selection.current is not None else -1
        moves = {
            Qt.Key.Key_Left: "left",
            Qt.Key.Key_Right: "right",
            Qt.Key.Key_Up: "up",
            Qt.Key.Key_Down: "down",
        }
        if key in moves:
            target = 0 if current < 0 else self.placement.neighbour(current, moves[Qt.Key(key)])
            self._set_current(target, extend=shift)
        elif key == Qt.Key.Key_Home:
            self._set_current(0, extend=shift)
        elif key == Qt.Key.Key_End:
            self._set_current(self.count - 1, extend=shift)
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            sign = 1 if key == Qt.Key.Key_PageDown else -1
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + sign * bar.pageStep())
            if current >= 0:
                first, last = self.placement.visible_range(bar.value(), self.viewport().height())
                self._set_current(first if sign > 0 else max(first, last - 1), extend=shift)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and current >= 0:
            self.activated.emit(current)
        else:
            super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        # the arrow keys move the selection: they must not move the focus to other widgets
        arrows = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in arrows
        ):
            self.keyPressEvent(event)
            return True
        return super().event(event)
