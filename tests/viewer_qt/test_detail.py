"""The detail view: opening from the gallery, the known photo upright at screen size, full
resolution when zoomed past it, next/previous with preloaded neighbours, the info panel, a
photo that no longer decodes, a video playing and a Live Photo's motion."""

from __future__ import annotations

from albumen.store.query import AssetQuery
from albumen.viewer.qt.detail_view import DetailView
from albumen.viewer.qt.main_window import MainWindow
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from viewer_qt.media import BLUE, BREAKS, GREEN, RED, in_box


def image_colours(detail: DetailView) -> list[tuple[int, int, int]]:
    """Colours at the known photo's red, blue and green places, where the fitted view puts
    them (viewport pixels of the canvas)."""
    scene = detail.canvas.scene
    assert scene is not None and scene.view is not None
    view = scene.view
    image = detail.canvas.grab().toImage()
    dpr = detail.canvas.devicePixelRatioF()
    w, h = view.size
    out = []
    for fx, fy in ((0.25, 0.25), (0.75, 0.25), (0.5, 0.75)):
        x, y = view.to_viewport((w * fx, h * fy))
        c = image.pixelColor(round(x / dpr), round(y / dpr))
        out.append((c.red(), c.green(), c.blue()))
    return out


def open_detail(window: MainWindow, qtbot: QtBot, index: int, level: str = "screen") -> DetailView:
    detail = window.detail
    with qtbot.waitSignal(
        detail.level_shown, timeout=20_000, check_params_cb=lambda lv: lv == level
    ):
        window.open_detail(index)
    return detail


def test_enter_opens_the_known_photo_upright_and_escape_returns(
    window: MainWindow, qtbot: QtBot
) -> None:
    QTest.mouseClick(
        window.gallery.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.gallery.item_rect(0).center(),
    )
    detail = window.detail
    with qtbot.waitSignal(
        detail.level_shown, timeout=20_000, check_params_cb=lambda lv: lv == "screen"
    ):
        QTest.keyClick(window.gallery, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is detail
    scene = detail.canvas.scene
    assert scene is not None and scene.full_size == (600, 400)  # displayed: turned upright
    red, blue, green = image_colours(detail)
    assert in_box(red, RED) and in_box(blue, BLUE) and in_box(green, GREEN)
    names = dict(window.info.rows)
    assert names["File"] == "upright.jpg" and "Canon EOS R5" in names["Camera"]
    assert "GPS" in names and "f/4" in names["Exposure"]
    QTest.keyClick(detail, Qt.Key.Key_Escape)
    assert window.stack.currentWidget() is window.gallery
    assert window.gallery.selection.current == 0


def test_zooming_past_the_screen_image_loads_full_resolution(
    window: MainWindow, qtbot: QtBot
) -> None:
    rows = window.gallery.rows
    assert rows is not None
    large = next(
        i
        for i in range(rows.count)
        if (r := rows.row(i)) is not None
        and (r.display_width or 0) * (r.display_height or 0) > 10e6
    )
    detail = open_detail(window, qtbot, large)
    scene = detail.canvas.scene
    assert scene is not None and 0 < scene.screen_scale() < 1  # draft mode reduced it
    assert not scene.has_level("full")  # fitted, the screen-size image is enough
    with qtbot.waitSignal(
        detail.level_shown, timeout=60_000, check_params_cb=lambda lv: lv == "full"
    ):
        detail.actual_size()  # 1:1 shows more pixels than the screen-size decode has
    assert scene.zoom == 1.0 and scene.full_size[0] * scene.full_size[1] > 10e6
    detail.fit()
    assert scene.view is not None and scene.view.mode.value == "fit"


def test_next_and_previous_with_neighbours_preloaded(window: MainWindow, qtbot: QtBot) -> None:
    rows = window.gallery.rows
    assert rows is not None

    def photo(i: int) -> bool:
        r = rows.row(i)
        return r is not None and r.kind == "photo" and not r.has_error

    start = next(i for i in range(2, rows.count - 1) if photo(i) and photo(i + 1))
    detail = open_detail(window, qtbot, start)
    neighbour = rows.row(start + 1)
    assert neighbour is not None
    qtbot.waitUntil(
        lambda: detail.decoder.cached(detail._path(neighbour), detail._screen_box()) is not None
    )
    with qtbot.waitSignal(detail.index_changed, timeout=5000) as changed:
        QTest.keyClick(detail, Qt.Key.Key_Right)
    assert changed.args == [start + 1]
    with qtbot.waitSignal(detail.index_changed, timeout=5000):
        QTest.keyClick(detail, Qt.Key.Key_Left)
    assert detail.index == start
    assert window.gallery.selection.current == start


def test_a_photo_that_does_not_decode_shows_its_error(window: MainWindow, qtbot: QtBot) -> None:
    rows = window.gallery.rows
    assert rows is not None
    index = next(
        i for i in range(rows.count) if (r := rows.row(i)) is not None and r.path == BREAKS
    )
    window.open_detail(index)
    qtbot.waitUntil(lambda: window.detail.error is not None, timeout=20_000)
    assert "cannot be decoded" in (window.detail.error or "")
    assert window.detail.error_label.isVisible()


def test_an_unreadable_file_shows_the_scan_error(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.album_loaded, timeout=5000):
        window.sidebar.select_album("errors")
    window.open_detail(0)
    assert window.detail.error is not None and window.detail.error_label.isVisible()


def test_a_video_plays(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.album_loaded, timeout=5000):
        window.sidebar.select_album("videos")
    detail = window.detail
    with qtbot.waitSignal(
        detail.level_shown, timeout=20_000, check_params_cb=lambda lv: lv == "frame"
    ):
        window.open_detail(0)
    player = detail.player
    assert player is not None
    qtbot.waitUntil(lambda: player.frames_shown >= 2, timeout=20_000)
    detail.stop_playing()
    assert detail.player is None


def test_a_live_photo_plays_its_motion(window: MainWindow, qtbot: QtBot) -> None:
    with qtbot.waitSignal(window.album_loaded, timeout=5000):
        window.sidebar.select_album("live")
    assert window.gallery.count == 1
    row = window.gallery.row_at(0)
    assert row is not None and row.is_live and row.kind == "photo"
    detail = open_detail(window, qtbot, 0)
    assert detail.play_button.isVisible() and "Live Photo" in dict(window.info.rows)
    with qtbot.waitSignal(
        detail.level_shown, timeout=20_000, check_params_cb=lambda lv: lv == "frame"
    ):
        detail.toggle_play()
    player = detail.player
    assert player is not None
    with qtbot.waitSignal(player.finished, timeout=30_000):
        pass
    assert window.finder.count(AssetQuery(live_only=True)) == 1
