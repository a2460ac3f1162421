"""The filmstrip under the detail view: the neighbours of the photo in view, as thumbnails from
the image provider, the current one framed; a click opens another."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from albumen.browse.gallery_rows import GalleryRows
from albumen.thumbnails.service import Priority
from albumen.viewer.qt.cell_painter import BACKGROUND, SELECTION, TILE
from albumen.viewer.qt.image_provider import ThumbnailImageProvider

__all__ = ["Filmstrip"]

CELL = 64
GAP = 4


class Filmstrip(QWidget):
    """Thumbnails of ``rows`` around ``current``; ``index_clicked(index)``."""

    index_clicked = Signal(int)

    def __init__(self, provider: ThumbnailImageProvider, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.provider = provider
        self.rows: GalleryRows | None = None
        self.current = 0
        self.setFixedHeight(CELL + 2 * GAP + 4)
        self._visible: set[str] = set()
        provider.image_ready.connect(self._on_image)

    def show_index(self, rows: GalleryRows | None, index: int) -> None:
        self.rows = rows
        self.current = index
        self.update()

    def _slots(self) -> list[tuple[int, QRect]]:
        """(index, rect) of every cell that fits, the current one in the middle."""
        if self.rows is None or self.rows.count == 0:
            return []
        step = CELL + GAP
        middle = (self.width() - CELL) // 2
        side = middle // step + 1
        out = []
        for offset in range(-side, side + 1):
            index = self.current + offset
            if 0 <= index < self.rows.count:
                out.append((index, QRect(middle + offset * step, GAP + 2, CELL, CELL)))
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        self._visible = set()
        if self.rows is None:
            return
        for index, rect in self._slots():
            self.rows.row(index)
            source = self.rows.source(index)
            image = None
            if source is not None:
                key = self.provider.key_of(source[0], 256)
                self._visible.add(key)
                image = self.provider.request(source[0], 256, Priority.NEAR)
            if image is not None:
                scaled = image.scaled(
                    rect.size(),
                    Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                    Qt.TransformationMode.SmoothTransformation,
                )
                x = (scaled.width() - CELL) // 2
                y = (scaled.height() - CELL) // 2
                p.drawImage(rect, scaled, QRect(x, y, CELL, CELL))
            else:
                p.fillRect(rect, TILE)
            if index == self.current:
                p.setPen(QPen(SELECTION, 3))
                p.drawRect(rect.adjusted(-1, -1, 1, 1))
            else:
                p.fillRect(rect, QColor(0, 0, 0, 90))
        p.end()

    def _on_image(self, key: str) -> None:
        if key in self._visible:
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        for index, rect in self._slots():
            if rect.contains(event.position().toPoint()):
                self.index_clicked.emit(index)
                return
