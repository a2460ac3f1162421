"""Starting the viewer: the QApplication, the library and its thumbnail pipeline, the main
window; and the screenshot mode (``--screenshot``), which renders the window after its first
full paint (every visible thumbnail in place, and with ``--detail`` the photo at screen size),
saves it and quits. The screenshot mode works under Xvfb and on Qt's ``offscreen`` platform.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from albumen.library import Library
from albumen.viewer.qt.main_window import MainWindow

__all__ = ["ScreenshotPlan", "application", "open_window", "run", "take_screenshot"]

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_MS = 60_000  # a screenshot is taken by then even if thumbnails are missing


@dataclass(frozen=True)
class ScreenshotPlan:
    """Save the window to ``path`` once it is fully painted; first select item ``select``
    and, with ``detail``, open it in the detail view."""

    path: Path
    select: int | None = None
    detail: bool = False


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (made once)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    # Python threads (decoders, page reads) hand the GIL back to the GUI thread sooner
    # than the default 5 ms, which would otherwise show up as a late frame
    sys.setswitchinterval(0.001)
    app = QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("albumen")
    app.setOrganizationName("albumen")
    app.setStyle("Fusion")
    return app


def default_settings() -> QSettings:
    return QSettings("albumen", "viewer")


def open_window(
    library: Library,
    settings: QSettings | None = None,
    *,
    rescan_on_focus: bool = True,
    start: bool = True,
) -> MainWindow:
    """A main window over ``library`` (and its thumbnail pipeline, closed with the
    library)."""
    thumbnails = library.thumbnail_pipeline
    window = MainWindow(
        library,
        thumbnails,
        settings if settings is not None else default_settings(),
        shader_dir=library.library_dir / "shaders",
        rescan_on_focus=rescan_on_focus,
    )
    if start:
        window.start()
    return window


def take_screenshot(window: MainWindow, plan: ScreenshotPlan, done: Callable[[bool], None]) -> None:
    """Drive ``window`` through ``plan`` and call ``done(saved)`` when the picture is saved."""
    state = {"stage": "gallery"}
    timeout = QTimer(window)
    timeout.setSingleShot(True)

    def save() -> None:
        if state["stage"] == "saved":
            return
        state["stage"] = "saved"
        timeout.stop()
        window.status.update_tiers()
        QApplication.processEvents()
        plan.path.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(plan.path))
        done(ok)

    def gallery_ready() -> None:
        if state["stage"] != "gallery" or window.scanner.running:
            return
        state["stage"] = "detail" if plan.detail else "selected"
        if plan.select is not None:
            window.gallery.select(plan.select)
            window.show_info(plan.select)
        if plan.detail:
            window.detail.level_shown.connect(detail_level)
            window.open_detail(plan.select if plan.select is not None else 0)
            if window.detail.error is not None or window.detail.row is None:
                QTimer.singleShot(200, save)
            return
        # one more paint with the selection drawn, then save
        window.gallery.viewport().repaint()
        QTimer.singleShot(50, save)

    def detail_level(level: str) -> None:
        if level in ("screen", "full", "frame"):
            QTimer.singleShot(50, save)

    def on_scan_finished(_report: object) -> None:
        QTimer.singleShot(0, check_gallery)

    def check_gallery() -> None:
        if window.gallery.is_fully_painted() and not window.scanner.running:
            gallery_ready()

    window.gallery.fully_painted.connect(check_gallery)
    window.scanner.finished.connect(on_scan_finished)
    window.gallery.painted.connect(check_gallery)
    timeout.timeout.connect(save)
    timeout.start(SCREENSHOT_TIMEOUT_MS)


def run(
    root: Path,
    library_dir: Path | None = None,
    *,
    screenshot: ScreenshotPlan | None = None,
    size: tuple[int, int] | None = None,
) -> int:
    """``albumen view``: open the window and run until it is closed (or, in screenshot
    mode, until the picture is saved). Returns the exit status."""
    app = application()
    library = Library.open(root, library_dir)
    settings = default_settings()
    if screenshot is not None:
        # pictures do not depend on what a user did last: fresh settings
        settings = QSettings(
            str(library.library_dir / "screenshot-settings.ini"), QSettings.Format.IniFormat
        )
        settings.clear()
    window = open_window(library, settings, rescan_on_focus=screenshot is None)
    if size is not None or screenshot is not None:
        window.resize(*(size or (1600, 1000)))
    status = {"code": 0}
    if screenshot is not None:

        def done(saved: bool) -> None:
            status["code"] = 0 if saved else 1
            if saved:
                print(f"saved {screenshot.path}")
            app.quit()

        take_screenshot(window, screenshot, done)
    window.show()
    try:
        app.exec()
    finally:
        window.shutdown()
        library.close()
    return status["code"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.getcwd())))
