"""The gallery: painting, the known photo upright, selection with the mouse and the keyboard,
scrolling (guard band, cancel), zoom, layouts, the sidebar's counts, the status bar and the
settings that outlive the window."""

from __future__ import annotations

from pathlib import Path

from albumen.browse.gallery_layout import LayoutKind
from albumen.library import Library
from albumen.store.query import AssetQuery
from albumen.viewer.qt.app import open_window
from albumen.viewer.qt.main_window import MainWindow
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from viewer_qt.media import BLUE, GREEN, RED, in_box


def centre(win: MainWindow, index: int) -> QPoint:
    return win.gallery.item_rect(index).center()


def rgb(image: object, x: float, y: float) -> tuple[int, int, int]:
    colour = image.pixelColor(round(x), round(y))  # type: ignore[attr-defined]
    return colour.red(), colour.green(), colour.blue()


def test_the_known_photo_is_item_0_and_paints_upright(window: MainWindow) -> None:
    gallery = window.gallery
    assert gallery.count == window.finder.count(AssetQuery())
    rect = gallery.item_rect(0)
    assert rect.width() > rect.height()  # displayed landscape, though stored portrait
    image = gallery.viewport().grab().toImage()
    x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
    assert in_box(rgb(image, x + w * 0.25, y + h * 0.25), RED)
    assert in_box(rgb(image, x + w * 0.75, y + h * 0.25), BLUE)
    assert in_box(rgb(image, x + w * 0.5, y + h * 0.75), GREEN)


def test_click_shift_and_ctrl_select(window: MainWindow, qtbot: QtBot) -> None:
    vp = window.gallery.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, pos=centre(window, 0))
    assert list(window.gallery.selection) == [0]
    QTest.mouseClick(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, centre(window, 4)
    )
    assert list(window.gallery.selection) == [0, 1, 2, 3, 4]
    QTest.mouseClick(
        vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, centre(window, 2)
    )
    assert list(window.gallery.selection) == [0, 1, 3, 4]
    assert "4 selected" in window.status.album_label.text()
    QTest.keyClick(window.gallery, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.gallery.selection) == window.gallery.count


def test_keyboard_navigation(window: MainWindow, qtbot: QtBot) -> None:
    gallery = window.gallery
    QTest.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=centre(window, 0))
    QTest.keyClick(gallery, Qt.Key.Key_Right)
    assert gallery.selection.current == 1
    below_before = gallery.item_rect(1).y()
    QTest.keyClick(gallery, Qt.Key.Key_Down)
    assert gallery.selection.current is not None and gallery.selection.current > 1
    assert gallery.item_rect(gallery.selection.current).y() > below_before
    QTest.keyClick(gallery, Qt.Key.Key_Up)
    QTest.keyClick(gallery, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert len(gallery.selection) == 2
    QTest.keyClick(gallery, Qt.Key.Key_End)
    assert gallery.selection.current == gallery.count - 1
    # the last item was scrolled into view
    assert gallery.viewport().rect().intersects(gallery.item_rect(gallery.count - 1))
    QTest.keyClick(gallery, Qt.Key.Key_Home)
    assert gallery.selection.current == 0 and gallery.verticalScrollBar().value() == 0


def test_scrolling_paints_new_rows(window: MainWindow, qtbot: QtBot) -> None:
    gallery = window.gallery
    layout, rows = gallery.placement, gallery.rows
    assert layout is not None and rows is not None
    bar = gallery.verticalScrollBar()
    assert bar.maximum() > 0
    with qtbot.waitSignal(gallery.painted, timeout=5000):
        bar.setValue(bar.maximum())
    first, last = layout.visible_range(bar.value(), gallery.viewport().height())
    assert last == gallery.count and first > 0
    assert rows.is_loaded(gallery.count - 1)
    # every visible cell asked for its thumbnail, and they all arrive (from L2)
    qtbot.waitUntil(lambda: all(window.provider.image(k) for k in gallery._visible_keys))
    with qtbot.waitSignal(gallery.painted, timeout=5000):
        bar.setValue(0)
    assert layout.visible_range(0, gallery.viewport().height())[0] == 0


def test_ctrl_wheel_and_ctrl_plus_minus_zoom(window: MainWindow, qtbot: QtBot) -> None:
    gallery = window.gallery
    before = gallery.row_height
    pos = QPointF(centre(window, 0))
    event = QWheelEvent(
        pos,
        gallery.viewport().mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(gallery.viewport(), event)
    assert gallery.row_height > before
    QTest.keyClick(gallery, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(gallery, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert gallery.row_height < before
    window.set_layout_kind(LayoutKind.GRID)
    r = gallery.item_rect(0)
    assert r.width() == r.height()


def test_sidebar_counts_and_albums(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: "videos" in window.sidebar.counts, timeout=10_000)
    counts = window.sidebar.counts
    assert counts["all"] == window.finder.count(AssetQuery())
    assert counts["videos"] == 1 and counts["live"] == 1
    assert counts["errors"] == window.finder.count(AssetQuery(errors_only=True)) > 0
    assert counts["folder:Known"] == 2
    with qtbot.waitSignal(window.album_loaded, timeout=5000):
        window.sidebar.select_album("videos")
    assert window.gallery.count == 1
    row = window.gallery.row_at(0)
    assert row is not None and row.kind == "video"


def test_status_bar_shows_tier_hit_rates(window: MainWindow) -> None:
    window.status.update_tiers()
    text = window.status.tiers_label.text()
    assert "L1 memory" in text and "L2 disk" in text and "L3 made" in text


def test_settings_outlive_the_window(
    qtbot: QtBot, library_root: Path, settings: QSettings, egl: None
) -> None:
    lib = Library.open(library_root)
    win = open_window(lib, settings, rescan_on_focus=False)
    with qtbot.waitSignal(win.album_loaded, timeout=5000):
        win.sidebar.select_album("errors")
    win.set_layout_kind(LayoutKind.GRID)
    win.gallery.set_row_height(150)
    win.resize(760, 560)  # within the offscreen platform's 800x600 screen
    win.shutdown()
    win.close()
    again = open_window(lib, settings, rescan_on_focus=False)
    try:
        assert again.album.key == "errors"
        assert again.gallery.kind is LayoutKind.GRID and again.gallery.row_height == 150
        assert (again.width(), again.height()) == (760, 560)
    finally:
        again.shutdown()
        again.close()
        lib.close()
