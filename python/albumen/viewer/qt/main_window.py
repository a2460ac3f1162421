"""The main window: sidebar | gallery or detail view | info panel, and the status bar.

It wires the parts together: an album picked in the sidebar loads through the library's view
model (count and first keyset page) into the gallery; a scan's progress refreshes the album
and the counts as batches commit; the window coming back into focus rescans; size, splitter,
layout, zoom and the last album are remembered in ``QSettings``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, cast

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter, QStackedWidget

from albumen.browse.gallery_layout import LayoutKind, group_for
from albumen.browse.viewmodel import AssetListViewModel
from albumen.library import Library, ScanReport
from albumen.store.protocols import AssetFinder
from albumen.store.rows import AssetRow
from albumen.thumbnails.batch import LibraryThumbnails
from albumen.viewer.qt.detail_view import DetailView
from albumen.viewer.qt.gallery import GalleryView
from albumen.viewer.qt.image_provider import ThumbnailImageProvider
from albumen.viewer.qt.info_panel import InfoPanel
from albumen.viewer.qt.scanning import ScanController
from albumen.viewer.qt.sidebar import SMART_ALBUMS, Album, Sidebar
from albumen.viewer.qt.status_bar import StatusBar

__all__ = ["MainWindow"]

REFRESH_MS = 600  # while a scan runs, the album is recounted at most this often


class MainWindow(QMainWindow):
    """The viewer's window over an open ``library`` and its ``thumbnails`` pipeline."""

    album_loaded = Signal(object)  # Album

    def __init__(
        self,
        library: Library,
        thumbnails: LibraryThumbnails,
        settings: QSettings,
        *,
        shader_dir: Path | None = None,
        rescan_on_focus: bool = True,
    ) -> None:
        super().__init__()
        self.library = library
        self.thumbnails = thumbnails
        self.settings = settings
        self.setWindowTitle(f"albumen — {library.root}")
        self.view_model: AssetListViewModel[AssetRow] = library.view_model()
        self.finder = cast(AssetFinder, self.view_model.loader.finder)  # the library's
        self.provider = ThumbnailImageProvider(
            thumbnails.service, thumbnails.resolver, library.root, parent=self
        )
        self.album: Album = SMART_ALBUMS[0]

        self.sidebar = Sidebar(library.finder)
        self.gallery = GalleryView(self.provider)
        self.detail = DetailView(
            self.provider,
            library.root,
            library.store,
            self.finder,
            shader_dir,
        )
        self.info = InfoPanel()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.gallery)
        self.stack.addWidget(self.detail)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.info)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 1100, 280])
        self.setCentralWidget(self.splitter)
        self.status = StatusBar(thumbnails.service)
        self.setStatusBar(self.status)

        self.scanner = ScanController(library)
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(lambda: self.reload(counts=True))
        self._make_actions()
        self._connect()
        self._restore_settings()
        if rescan_on_focus:
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.applicationStateChanged.connect(self._on_app_state)

    # -- wiring ---------------------------------------------------------------------------------

    def _make_actions(self) -> None:
        view = self.menuBar().addMenu("&View")
        group = QActionGroup(self)
        self.justified_action = QAction("&Justified", self, checkable=True)
        self.grid_action = QAction("&Square grid", self, checkable=True)
        for action, kind in (
            (self.justified_action, LayoutKind.JUSTIFIED),
            (self.grid_action, LayoutKind.GRID),
        ):
            group.addAction(action)
            view.addAction(action)
            action.triggered.connect(lambda _c=False, k=kind: self.set_layout_kind(k))
        view.addSeparator()
        zoom_in = QAction("Zoom &in", self)
        zoom_in.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        zoom_in.triggered.connect(lambda: self.zoom(1))
        zoom_out = QAction("Zoom &out", self)
        zoom_out.setShortcut(QKeySequence("Ctrl+-"))
        zoom_out.triggered.connect(lambda: self.zoom(-1))
        self.info_action = QAction("&Info panel", self, checkable=True)
        self.info_action.setShortcut(QKeySequence("Ctrl+I"))
        self.info_action.setChecked(True)
        self.info_action.toggled.connect(self.info.setVisible)
        rescan = QAction("&Rescan folder", self)
        rescan.setShortcut(QKeySequence("F5"))
        rescan.triggered.connect(self.scan)
        for action in (zoom_in, zoom_out, self.info_action, rescan):
            view.addAction(action)
            self.addAction(action)

    def _connect(self) -> None:
        self.sidebar.album_selected.connect(self.open_album)
        self.sidebar.counts_ready.connect(self._update_status)
        self.gallery.activated.connect(self.open_detail)
        self.gallery.current_changed.connect(self._on_current)
        self.gallery.selection_changed.connect(self._update_status)
        self.gallery.zoom_changed.connect(lambda h: self.settings.setValue("gallery/row_height", h))
        self.detail.closed.connect(self.close_detail)
        self.detail.index_changed.connect(self._on_detail_index)
        self.detail.record_changed.connect(self.info.show_record)
        self.view_model.error_occurred.connect(self.status.showMessage)
        self.scanner.started.connect(self.status.scan_started)
        self.scanner.progress.connect(self._on_scan_progress)
        self.scanner.finished.connect(self._on_scan_finished)
        self.scanner.failed.connect(lambda m: self.status.scan_finished(f"Scan failed: {m}"))

    # -- albums ---------------------------------------------------------------------------------

    def open_album(self, album: Album, *, keep_position: bool = False) -> None:
        """Show ``album``: count and first page through the view model, the rest by keyset
        page as the gallery scrolls."""
        self.album = album
        result = self.view_model.load_album(album.query)
        if result is None:
            return
        count = self.view_model.total_count
        if album.limit is not None:
            count = min(count, album.limit)
        pages = self.view_model.loader.items.pages
        first_page = pages[0] if pages else []
        self.gallery.set_album(
            self.finder,
            album.query,
            count,
            first_page,
            group_by=group_for(album.query.sort.value),
            finder_factory=self.library.finder,
            keep_position=keep_position,
        )
        self.settings.setValue("album/last", album.key)
        self._update_status()
        self.album_loaded.emit(album)

    def reload(self, *, counts: bool = False) -> None:
        """Recount the album in view (and the sidebar's counts), keeping the position."""
        self.open_album(self.album, keep_position=True)
        if counts:
            self.sidebar.refresh()

    def set_layout_kind(self, kind: LayoutKind) -> None:
        self.gallery.set_layout_kind(kind)
        (self.justified_action if kind is LayoutKind.JUSTIFIED else self.grid_action).setChecked(
            True
        )
        self.settings.setValue("gallery/layout", kind.value)

    def zoom(self, steps: int) -> None:
        if self.stack.currentWidget() is self.detail:
            self.detail.zoom(steps)
        else:
            self.gallery.zoom(steps)

    # -- gallery and detail --------------------------------------------------------------------

    def show_info(self, index: int) -> None:
        """The info panel on item ``index`` of the gallery."""
        row = self.gallery.row_at(index)
        self.info.show_record(None if row is None else self.library.store.get(row.path_bytes))

    def _on_current(self, index: int) -> None:
        if self.info.isVisible():
            self.show_info(index)
        self._update_status()

    def open_detail(self, index: int) -> None:
        self.stack.setCurrentWidget(self.detail)
        self.detail.setFocus()
        self.detail.show_index(self.gallery.rows, index)

    def close_detail(self) -> None:
        index = self.detail.index
        self.detail.stop_playing()
        self.stack.setCurrentWidget(self.gallery)
        self.gallery.setFocus()
        if index >= 0:
            self.gallery.select(index)

    def _on_detail_index(self, index: int) -> None:
        self.gallery.selection.click(index)
        self._update_status()

    def _update_status(self) -> None:
        self.status.set_album(self.album.title, self.gallery.count, len(self.gallery.selection))

    # -- scanning --------------------------------------------------------------------------------

    def scan(self) -> bool:
        return self.scanner.scan()

    def _on_scan_progress(self, processed: int, total: int) -> None:
        self.status.scan_progress(processed, total)
        if not self._refresh.isActive():
            self._refresh.start()  # the grid fills in as batches commit

    def _on_scan_finished(self, report: ScanReport) -> None:
        changed = report.added + report.updated + report.removed + report.moved
        summary = f"Scanned {report.files:,} files in {report.seconds:.1f} s"
        if changed:
            summary += (
                f": {report.added:,} new, {report.updated:,} changed, {report.removed:,} gone"
            )
        if report.errors:
            summary += f", {len(report.errors):,} unreadable"
        self.status.scan_finished(summary)
        self._refresh.stop()
        if changed or self.gallery.count == 0:
            self.reload(counts=True)

    def _on_app_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.scanner.rescan_if_stale()

    # -- settings --------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 1000)
        splitter = s.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        kind = LayoutKind(s.value("gallery/layout", LayoutKind.JUSTIFIED.value))
        self.gallery.kind = kind
        (self.justified_action if kind is LayoutKind.JUSTIFIED else self.grid_action).setChecked(
            True
        )
        with contextlib.suppress(TypeError, ValueError):
            self.gallery.row_height = float(str(s.value("gallery/row_height", 200.0)))
        info = s.value("window/info", True)
        self.info_action.setChecked(info not in (False, "false"))

    def start(self) -> None:
        """Open the last album (All Photos the first time), count the sidebar, and scan when
        the library has no index yet."""
        last = str(self.settings.value("album/last", "all"))
        album = self.sidebar.album(last) or SMART_ALBUMS[0]
        if last.startswith("folder:"):
            album = Album(last, os.path.basename(last[7:]) or "/", _folder_query(last[7:]))
        self.sidebar.blockSignals(True)
        self.sidebar.select_album(album.key)
        self.sidebar.blockSignals(False)
        self.open_album(album)
        if next(self.library.store.iter_rows(page_size=1), None) is None:  # no index yet
            self.scan()
        # the counts are taken once the gallery has painted (they take a while on a big
        # library, and the first paint should not wait behind them)
        self.gallery.painted.connect(self._count_once)

    def _count_once(self) -> None:
        self.gallery.painted.disconnect(self._count_once)
        QTimer.singleShot(0, self.sidebar.refresh)

    def save_settings(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/info", self.info_action.isChecked())
        s.setValue("gallery/layout", self.gallery.kind.value)
        s.setValue("gallery/row_height", self.gallery.row_height)
        s.setValue("album/last", self.album.key)
        s.sync()

    def shutdown(self) -> None:
        """Stop the scan, the decoders and the GPU side (idempotent)."""
        if getattr(self, "_shut", False):
            return
        self._shut = True
        self.save_settings()
        self.scanner.cancel(wait=True)
        self.detail.shutdown()
        if self.gallery.fetcher is not None:
            self.gallery.fetcher.shutdown()
        self.provider.shutdown()
        self.view_model.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)


def _folder_query(folder: str) -> Any:
    from albumen.store.query import AssetQuery

    return AssetQuery(folder=os.fsencode(folder))
