"""Run by ``test_cli_view`` under Xvfb (``QT_QPA_PLATFORM=xcb``): opens the viewer on a
library, waits for the gallery's full paint and the detail view's screen-size image (signals,
no sleeps), and prints the colours at the known photo's marks as one JSON line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from albumen.library import Library
from albumen.viewer.qt.app import application, open_window
from PySide6.QtCore import QEventLoop, QSettings, QTimer

from viewer_qt.media import KNOWN


def wait(signal: object, accept: object = None, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()

    def fire(*args: object) -> None:
        if accept is None or accept(*args):  # type: ignore[operator]
            loop.quit()

    signal.connect(fire)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def main() -> None:
    app = application()
    root = Path(sys.argv[1])
    lib = Library.open(root)
    settings = QSettings(str(root.parent / "xvfb-probe.ini"), QSettings.Format.IniFormat)
    settings.clear()
    win = open_window(lib, settings, rescan_on_focus=False)
    win.resize(1400, 900)
    win.show()
    if not win.gallery.is_fully_painted():
        wait(win.gallery.fully_painted)
    rect = win.gallery.item_rect(0)
    assert win.gallery.row_at(0).path == KNOWN  # type: ignore[union-attr]
    image = win.gallery.viewport().grab().toImage()
    gallery = []
    for fx, fy in ((0.25, 0.25), (0.75, 0.25), (0.5, 0.75)):
        c = image.pixelColor(
            round(rect.x() + rect.width() * fx), round(rect.y() + rect.height() * fy)
        )
        gallery.append((c.red(), c.green(), c.blue()))
    detail = win.detail
    QTimer.singleShot(0, lambda: win.open_detail(0))
    wait(detail.level_shown, lambda level: level == "screen")
    scene = detail.canvas.scene
    assert scene is not None and scene.view is not None
    canvas_image = detail.canvas.grab().toImage()
    dpr = detail.canvas.devicePixelRatioF()
    w, h = scene.view.size
    colours = []
    for fx, fy in ((0.25, 0.25), (0.75, 0.25), (0.5, 0.75)):
        x, y = scene.view.to_viewport((w * fx, h * fy))
        c = canvas_image.pixelColor(round(x / dpr), round(y / dpr))
        colours.append((c.red(), c.green(), c.blue()))
    print(
        json.dumps({"canvas": type(detail.canvas).__name__, "gallery": gallery, "detail": colours})
    )
    win.shutdown()
    win.close()
    lib.close()
    app.quit()


if __name__ == "__main__":
    main()
