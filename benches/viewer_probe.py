"""One viewer measurement in a process of its own (``bench_viewer.py`` runs it), so each gets
a fresh QApplication and its own RSS. Prints one JSON line. Waits on Qt signals, never sleeps.

    python -m benches.viewer_probe first-paint ROOT LIBRARY_DIR
    python -m benches.viewer_probe scroll ROOT LIBRARY_DIR STEPS
    python -m benches.viewer_probe qlistview DB
    python -m benches.viewer_probe detail ROOT
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from albumen.browse.memory import current_rss, peak_rss
from albumen.library import Library
from albumen.viewer.qt.app import application, open_window
from albumen.viewer.qt.main_window import MainWindow
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QListView

SIZE = (1600, 1000)


def wait_for(
    signal: Any, accept: Callable[..., bool] | None = None, timeout_ms: int = 120_000
) -> bool:
    """Run the event loop until ``signal`` fires (and ``accept(*args)`` holds); False on
    timeout."""
    loop = QEventLoop()
    fired = [False]

    def on(*args: Any) -> None:
        if accept is None or accept(*args):
            fired[0] = True
            loop.quit()

    signal.connect(on)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(on)
    return fired[0]


def settings(library_dir: Path) -> QSettings:
    s = QSettings(str(library_dir / "bench-settings.ini"), QSettings.Format.IniFormat)
    s.clear()
    return s


def first_paint(root: Path, library_dir: Path) -> dict[str, Any]:
    """Seconds from opening the library to the first paint of the grid with its cells placed,
    and to the exact layout replacing the estimate."""
    app = application()
    started = time.perf_counter()
    lib = Library.open(root, library_dir)
    win = open_window(lib, settings(library_dir), rescan_on_focus=False)
    win.resize(*SIZE)
    painted: dict[str, float] = {}

    def on_paint() -> None:
        if "first" not in painted and win.gallery.count and win.gallery.placement is not None:
            painted["first"] = time.perf_counter() - started

    win.gallery.painted.connect(on_paint)
    win.show()
    while "first" not in painted:
        wait_for(win.gallery.painted)
    exact = win.gallery.placement is not None and win.gallery.placement.exact
    if not exact:
        wait_for(win.gallery.layout_ready)
    layout_seconds = time.perf_counter() - started
    out = {
        "first_paint": painted["first"],
        "exact_layout": layout_seconds,
        "count": win.gallery.count,
        "rss": current_rss(),
    }
    win.shutdown()
    lib.close()
    app.quit()
    return out


def scroll(root: Path, library_dir: Path, steps: int) -> dict[str, Any]:
    """Scroll from the top to the bottom in ``steps`` equal steps, one synchronous paint per
    step, thumbnails arriving meanwhile (their repaints are counted too)."""
    app = application()
    lib = Library.open(root, library_dir)
    win: MainWindow = open_window(lib, settings(library_dir), rescan_on_focus=False)
    win.resize(*SIZE)
    win.show()
    gallery = win.gallery
    if gallery.placement is None or not gallery.placement.exact:
        wait_for(gallery.layout_ready)
    gallery.paint_seconds.clear()
    bar = gallery.verticalScrollBar()
    top = bar.maximum()
    if steps <= 0:  # one screen per paint: every row passes through the view
        steps = max(1, -(-top // bar.pageStep()))
    started = time.perf_counter()
    for i in range(steps + 1):
        bar.setValue(round(top * i / steps))
        gallery.viewport().repaint()
        app.processEvents()
    seconds = time.perf_counter() - started
    app.processEvents()
    paints = sorted(gallery.paint_seconds)
    stats = win.thumbnails.service.stats()
    out = {
        "paints": len(paints),
        "p50": paints[len(paints) // 2],
        "p95": paints[int(len(paints) * 0.95)],
        "max": paints[-1],
        "over_50ms": sum(1 for p in paints if p > 0.05),
        "seconds": seconds,
        "steps": steps,
        "rss": current_rss(),
        "peak_rss": peak_rss(),
        "pages_loaded": gallery.rows.pages_loaded if gallery.rows is not None else 0,
        "thumbnail_lookups": stats["lookups"],
        "hit_rate": stats["hit_rate"],
        "count": gallery.count,
    }
    win.shutdown()
    lib.close()
    app.quit()
    return out


def qlistview(db: Path) -> dict[str, Any]:
    """The reference: every row's name in a QStandardItemModel shown by a QListView in icon
    mode (what Qt apps usually do), time to its first paint and the RSS then."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel

    app = application()
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    names = [
        bytes(p).rpartition(b"/")[2].decode("utf-8", "replace")
        for (p,) in conn.execute(
            "SELECT path FROM assets WHERE hidden = 0 ORDER BY sort_time DESC, rowid DESC"
        )
    ]
    conn.close()
    model = QStandardItemModel()
    root = model.invisibleRootItem()
    root.appendRows([QStandardItem(name) for name in names])
    view = QListView()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setUniformItemSizes(True)
    view.setModel(model)
    view.resize(*SIZE)
    painted: dict[str, float] = {}

    def on_paint() -> None:
        painted.setdefault("first", time.perf_counter() - started)

    view.viewport().installEventFilter(_PaintFilter(on_paint, view))
    view.show()
    while "first" not in painted:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    out = {"first_paint": painted["first"], "rss": current_rss(), "count": model.rowCount()}
    app.quit()
    return out


class _PaintFilter:
    """Calls ``on_paint`` after the watched widget's paint events."""

    def __new__(cls, on_paint: Callable[[], None], parent: Any) -> Any:
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    QTimer.singleShot(0, on_paint)
                return False

        return Filter(parent)


def detail(root: Path) -> dict[str, Any]:
    """Open the 12 MP photo in the detail view: seconds to the thumbnail, the screen-size
    image and (after zooming to 1:1) the full resolution on screen."""
    app = application()
    lib = Library.open(root)
    win = open_window(lib, settings(lib.library_dir), rescan_on_focus=False)
    win.resize(*SIZE)
    win.show()
    if not win.gallery.is_fully_painted():
        wait_for(win.gallery.fully_painted)
    rows = win.gallery.rows
    assert rows is not None
    index = next(
        i
        for i in range(rows.count)
        if (r := rows.row(i)) is not None
        and (r.display_width or 0) * (r.display_height or 0) >= 12_000_000
    )
    # open something else first, so shaders, pool and threads are warm as in use (not a
    # neighbour: its screen-size decode would be preloaded)
    warm = max(range(rows.count), key=lambda i: abs(i - index))
    shown: dict[str, float] = {}
    detail_view = win.detail
    detail_view.level_shown.connect(lambda level: shown.setdefault(level, time.perf_counter()))
    win.open_detail(warm)
    wait_for(detail_view.level_shown, lambda level: level == "screen")
    shown.clear()
    started = time.perf_counter()
    detail_view.show_index(rows, index)
    if "screen" not in shown:
        wait_for(detail_view.level_shown, lambda level: level == "screen")
    zoom_at = time.perf_counter()
    detail_view.actual_size()
    if "full" not in shown:
        wait_for(detail_view.level_shown, lambda level: level == "full")
    out = {
        "thumbnail": shown.get("thumbnail", float("nan")) - started,
        "screen": shown["screen"] - started,
        "full": shown["full"] - zoom_at,
        "canvas": type(detail_view.canvas).__name__,
        "platform": QApplication.platformName(),
    }
    win.shutdown()
    lib.close()
    app.quit()
    return out


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "first-paint":
        result = first_paint(Path(args[0]), Path(args[1]))
    elif mode == "scroll":
        result = scroll(Path(args[0]), Path(args[1]), int(args[2]))
    elif mode == "qlistview":
        result = qlistview(Path(args[0]))
    elif mode == "detail":
        result = detail(Path(args[0]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
