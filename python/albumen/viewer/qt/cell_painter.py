"""How one gallery cell looks: its picture (thumbnail, else the micro thumbnail blown up, else
a plain tile), the badges (Live Photo, video duration, error) and the selection marks; and
how a section header looks.

Scaling a 256-px thumbnail into a cell smoothly costs a fraction of a millisecond, too much to
redo for every cell of every frame, so each picture is scaled once per cell size and kept
(``ScaledCache``): a steady scroll then only blits, and scales the row or two that came in.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap

from albumen.store.rows import AssetRow

__all__ = ["CellPainter", "CellState", "ScaledCache", "format_duration", "format_section"]

BACKGROUND = QColor(24, 24, 27)
TILE = QColor(48, 48, 54)
ERROR_TILE = QColor(88, 36, 40)
HEADER_TEXT = QColor(230, 230, 235)
HEADER_DIM = QColor(150, 150, 160)
SELECTION = QColor(64, 156, 255)
BADGE_BG = QColor(0, 0, 0, 150)
BADGE_TEXT = QColor(255, 255, 255)

_MONTHS = "January February March April May June July August September October November December"


def format_section(label: str) -> str:
    """A section label as a person reads it: ``2024-05-17`` -> ``Friday 17 May 2024``,
    ``2024-05`` -> ``May 2024``; anything else (a folder) as it is."""
    months = _MONTHS.split()
    try:
        if len(label) == 10:
            d = date.fromisoformat(label)
            return f"{d.strftime('%A')} {d.day} {months[d.month - 1]} {d.year}"
        if len(label) == 7 and label[4] == "-":
            return f"{months[int(label[5:]) - 1]} {label[:4]}"
    except ValueError:
        pass
    return label


def format_duration(seconds: float) -> str:
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class CellState:
    """What a cell shows besides its row: ``selected``, ``current`` (keyboard focus),
    ``failed`` (the thumbnail cannot be made: its reason)."""

    __slots__ = ("current", "failed", "selected")

    def __init__(self, selected: bool = False, current: bool = False, failed: str | None = None):
        self.selected = selected
        self.current = current
        self.failed = failed


class ScaledCache:
    """Pictures scaled to a cell size, by (key, width, height); least recently used go once
    ``max_bytes`` is passed."""

    def __init__(self, max_bytes: int = 40 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, int, int], QPixmap] = OrderedDict()
        self._bytes = 0
        self.scaled = 0

    def find(self, key: str, size: QSize) -> QPixmap | None:
        k = (key, size.width(), size.height())
        pixmap = self._items.get(k)
        if pixmap is not None:
            self._items.move_to_end(k)
        return pixmap

    def get(self, key: str, image: QImage, size: QSize, *, crop: bool) -> QPixmap:
        k = (key, size.width(), size.height())
        pixmap = self._items.get(k)
        if pixmap is not None:
            self._items.move_to_end(k)
            return pixmap
        mode = (
            Qt.AspectRatioMode.KeepAspectRatioByExpanding
            if crop
            else Qt.AspectRatioMode.IgnoreAspectRatio
        )
        scaled = image.scaled(size, mode, Qt.TransformationMode.SmoothTransformation)
        if crop and scaled.size() != size:
            x = (scaled.width() - size.width()) // 2
            y = (scaled.height() - size.height()) // 2
            scaled = scaled.copy(x, y, size.width(), size.height())
        pixmap = QPixmap.fromImage(scaled)
        self.scaled += 1
        self._items[k] = pixmap
        self._bytes += size.width() * size.height() * 4
        while self._bytes > self.max_bytes and self._items:
            (_, w, h), _ = self._items.popitem(last=False)
            self._bytes -= w * h * 4
        return pixmap

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


def _source_rect(image: QImage, rect: QRect, *, crop: bool) -> QRect:
    """The part of ``image`` that fills ``rect``: all of it, or centred to the cell's aspect
    ratio when cropping."""
    if not crop:
        return image.rect()
    iw, ih = image.width(), image.height()
    if iw * rect.height() > ih * rect.width():  # wider than the cell
        w = max(1, ih * rect.width() // max(1, rect.height()))
        return QRect((iw - w) // 2, 0, w, ih)
    h = max(1, iw * rect.height() // max(1, rect.width()))
    return QRect(0, (ih - h) // 2, iw, h)


class CellPainter:
    """Paints cells and section headers (see the module docs)."""

    def __init__(self) -> None:
        self.scaled = ScaledCache()
        self._badges: dict[str, QPixmap] = {}
        self.badge_font = QFont()
        self.badge_font.setPixelSize(11)
        self.badge_font.setBold(True)
        self.header_font = QFont()
        self.header_font.setPixelSize(15)
        self.header_font.setBold(True)
        self.name_font = QFont()
        self.name_font.setPixelSize(11)

    def paint_cell(
        self,
        p: QPainter,
        rect: QRect,
        row: AssetRow | None,
        picture: tuple[str, QImage] | None,
        state: CellState,
        *,
        crop: bool,
        blurred: bool = False,
        fast: bool = False,
    ) -> None:
        """One cell: ``picture`` is ``(key, image)`` (a thumbnail, or with ``blurred`` a micro
        thumbnail), None for the plain tile. With ``fast`` (while scrolling) a picture not yet
        scaled to this cell is drawn with a nearest-pixel scale instead of being smoothed."""
        if row is not None and row.has_error:
            self._paint_error(p, rect, row.name, "cannot be read")
        elif picture is not None:
            key, image = picture
            pixmap = self.scaled.find(key, rect.size())
            if pixmap is not None:
                p.drawPixmap(rect.topLeft(), pixmap)
            elif fast:
                p.drawImage(rect, image, _source_rect(image, rect, crop=crop or blurred))
            else:
                pixmap = self.scaled.get(key, image, rect.size(), crop=crop or blurred)
                p.drawPixmap(rect.topLeft(), pixmap)
        elif state.failed is not None and row is not None:
            self._paint_error(p, rect, row.name, state.failed)
        else:
            p.fillRect(rect, TILE)
        if row is not None:
            self._paint_badges(p, rect, row)
        if state.selected:
            pen = QPen(SELECTION, 4)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect.adjusted(2, 2, -2, -2))
            self._paint_check(p, rect)
        elif state.current:
            p.setPen(QPen(QColor(255, 255, 255, 200), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(rect.adjusted(1, 1, -1, -1))

    def _paint_error(self, p: QPainter, rect: QRect, name: str, message: str) -> None:
        p.fillRect(rect, ERROR_TILE)
        p.setPen(QColor(255, 200, 200))
        p.setFont(self.badge_font)
        inner = rect.adjusted(8, 8, -8, -8)
        p.drawText(
            inner, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, f"⚠\n{name}\n{message}"
        )

    def _badge_pixmap(self, text: str) -> QPixmap:
        """A badge drawn once per text (drawing text is the slow part of a cell)."""
        pixmap = self._badges.get(text)
        if pixmap is not None:
            return pixmap
        from PySide6.QtGui import QFontMetrics

        width = QFontMetrics(self.badge_font).horizontalAdvance(text) + 12
        image = QImage(width, 18, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        q = QPainter(image)
        q.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, width, 18), 9, 9)
        q.fillPath(path, BADGE_BG)
        q.setFont(self.badge_font)
        q.setPen(BADGE_TEXT)
        q.drawText(QRectF(0, 0, width, 18), Qt.AlignmentFlag.AlignCenter, text)
        q.end()
        pixmap = QPixmap.fromImage(image)
        if len(self._badges) > 4096:
            self._badges.clear()
        self._badges[text] = pixmap
        return pixmap

    def _badge(self, p: QPainter, x: float, y: float, text: str, *, right: bool) -> None:
        pixmap = self._badge_pixmap(text)
        p.drawPixmap(round(x - pixmap.width() if right else x), round(y), pixmap)

    def _paint_badges(self, p: QPainter, rect: QRect, row: AssetRow) -> None:
        if rect.width() < 48 or rect.height() < 40:
            return
        if row.is_live:
            self._badge(p, rect.left() + 6, rect.top() + 6, "◉ LIVE", right=False)
        if row.kind == "video":
            text = "▶ " + (format_duration(row.duration) if row.duration is not None else "")
            self._badge(p, rect.right() - 6, rect.bottom() - 24, text.strip(), right=True)
        if row.has_error:
            self._badge(p, rect.left() + 6, rect.bottom() - 24, "⚠ error", right=False)

    def _paint_check(self, p: QPainter, rect: QRect) -> None:
        c = QPointF(rect.right() - 16, rect.top() + 16)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor(255, 255, 255), 2))
        p.setBrush(SELECTION)
        p.drawEllipse(c, 10, 10)
        p.drawLine(c + QPointF(-5, 0), c + QPointF(-1, 4))
        p.drawLine(c + QPointF(-1, 4), c + QPointF(5, -4))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def paint_header(self, p: QPainter, rect: QRect, label: str, count: int | None = None) -> None:
        p.fillRect(rect, BACKGROUND)
        p.setFont(self.header_font)
        p.setPen(HEADER_TEXT)
        text = format_section(label) if label else "…"
        p.drawText(
            rect.adjusted(4, 0, -4, 0),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
