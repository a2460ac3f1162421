"""The detail view: one photo or video large, drawn by the GPU pipeline, with a filmstrip.

Opening an item shows, as each becomes available: the cached thumbnail (at once), a decode at
screen size (next, on a decoder thread), and full resolution once the user zooms past the
screen-size image. Next and previous (arrow keys, the filmstrip) reuse the neighbours'
decodes, preloaded as soon as an item opens. Videos play when opened; a Live Photo plays its
motion half with Space (or the Play button). A file that cannot be decoded shows why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from albumen.browse.gallery_rows import GalleryRows
from albumen.store.protocols import AssetFinder, AssetStore
from albumen.store.rows import AssetRow
from albumen.viewer.qt.detail_canvas import make_canvas
from albumen.viewer.qt.detail_decode import DecodedImage, DetailDecoder
from albumen.viewer.qt.filmstrip import Filmstrip
from albumen.viewer.qt.image_provider import ThumbnailImageProvider
from albumen.viewer.qt.video_player import VideoPlayer

__all__ = ["DetailView", "qimage_pixels"]

THUMB_BOX = 256
ZOOM_KEY_STEP = 1.25


def qimage_pixels(image: QImage) -> Any:
    """A QImage's pixels as a (h, w, 3) uint8 numpy array (a copy)."""
    import numpy as np

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    data = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * h)
    return data.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()


class DetailView(QWidget):
    """See the module docs. Signals: ``index_changed(index)``, ``closed()`` (Escape),
    ``record_changed(record, partner)`` for the info panel, ``level_shown(level)`` when the
    thumbnail, screen-size or full-resolution image (or a video frame) first reaches the
    screen."""

    index_changed = Signal(int)
    closed = Signal()
    record_changed = Signal(object, object)
    level_shown = Signal(str)

    def __init__(
        self,
        provider: ThumbnailImageProvider,
        root: Path,
        store: AssetStore,
        finder: AssetFinder,
        shader_dir: Path | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.provider = provider
        self.root = root
        self.store = store
        self.finder = finder
        self.decoder = DetailDecoder()
        self.rows: GalleryRows | None = None
        self.index = -1
        self.row: AssetRow | None = None
        self.error: str | None = None
        self._token = 0
        self._full_requested = False
        self._thumb_key: str | None = None
        self._player: VideoPlayer | None = None
        self._motion: Path | None = None
        self._announced: set[str] = set()
        self._frame_orientation = 1

        self.canvas = make_canvas(shader_dir, self)
        self.filmstrip = Filmstrip(provider, self)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("detailError")
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(
            "QLabel { color: #ffb0b0; background: rgba(60,20,24,200); padding: 24px;"
            " font-size: 15px; border-radius: 8px; }"
        )
        self.error_label.hide()
        self.play_button = QPushButton("▶ Play", self)
        self.play_button.setObjectName("detailPlay")
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.hide()
        self.play_button.clicked.connect(self.toggle_play)

        stage = QWidget(self)
        grid = QGridLayout(stage)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.canvas, 0, 0)
        grid.addWidget(self.error_label, 0, 0, Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(
            self.play_button, 0, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(stage, 1)
        layout.addWidget(self.filmstrip)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.canvas.frame_drawn.connect(self._on_frame)
        self.canvas.zoom_changed.connect(self._maybe_full_resolution)
        self.canvas.gl_failed.connect(self._show_error)
        self.decoder.decoded.connect(self._on_decoded)
        self.decoder.failed.connect(self._on_failed)
        self.provider.image_ready.connect(self._on_thumbnail)
        self.filmstrip.index_clicked.connect(lambda i: self.show_index(self.rows, i))

    # -- opening ------------------------------------------------------------------------------

    def _path(self, row: AssetRow) -> Path:
        return self.root / os.fsdecode(row.path)

    def _screen_box(self) -> tuple[int, int]:
        dpr = self.devicePixelRatioF()
        return (
            max(64, round(self.canvas.width() * dpr)),
            max(64, round(self.canvas.height() * dpr)),
        )

    def show_index(self, rows: GalleryRows | None, index: int) -> None:
        """Open item ``index`` of ``rows``."""
        if rows is None or not 0 <= index < rows.count:
            return
        row = rows.row(index)
        if row is None:
            return
        self.stop_playing()
        self.rows, self.index, self.row = rows, index, row
        self._token += 1
        self._full_requested = False
        self._announced = set()
        self.error = None
        self.error_label.hide()
        scene = self.canvas.with_context()
        size = (row.display_width or 1, row.display_height or 1)
        if scene is not None:
            scene.clear(self._token, size)
        self.canvas.done_current()
        record = self.store.get(row.path_bytes)
        self._motion = self._partner_path(record)
        self.record_changed.emit(record, None if self._motion is None else self._motion.name)
        self.filmstrip.show_index(rows, index)
        self.index_changed.emit(index)
        self.play_button.setVisible(row.kind == "video" or self._motion is not None)
        self.play_button.setText("▶ Play" if row.kind == "video" else "◉ Play motion")
        if row.has_error:
            message = (record or {}).get("error") or "this file could not be read"
            self._show_error(f"{row.name}\n\n{message}")
            return
        self._show_thumbnail(rows, index)
        if row.kind == "video":
            self._play(self._path(row))
        else:
            self.decoder.request(self._token, self._path(row), self._screen_box())
        self._preload_neighbours()
        self.canvas.request_frame()

    def _partner_path(self, record: dict[str, Any] | None) -> Path | None:
        if not record or record.get("live_partner") is None or record.get("kind") != "photo":
            return None
        partner = self.finder.thumbnail_sources([int(record["live_partner"])])
        entry = partner.get(int(record["live_partner"]))
        return None if entry is None else self.root / os.fsdecode(entry[0].path)

    def _show_thumbnail(self, rows: GalleryRows, index: int) -> None:
        source = rows.source(index)
        self._thumb_key = None
        if source is None:
            return
        image = self.provider.load_now(source[0], THUMB_BOX)
        if image is None:
            self._thumb_key = self.provider.key_of(source[0], THUMB_BOX)
            self.provider.request(source[0], THUMB_BOX)
            return
        self._add_level("thumbnail", qimage_pixels(image), 1)

    def _on_thumbnail(self, key: str) -> None:
        if key != self._thumb_key:
            return
        image = self.provider.image(key)
        self._thumb_key = None
        if image is not None:
            self._add_level("thumbnail", qimage_pixels(image), 1)

    def _add_level(self, level: str, pixels: Any, orientation: int) -> None:
        scene = self.canvas.with_context()
        if scene is None:
            return
        try:
            # a late thumbnail never replaces a better level
            if level != "thumbnail" or not (scene.has_level("screen") or scene.has_level("full")):
                scene.add_level(level, pixels, orientation)
        finally:
            self.canvas.done_current()
        self.canvas.request_frame()

    def _preload_neighbours(self) -> None:
        if self.rows is None:
            return
        box = self._screen_box()
        for index in (self.index + 1, self.index - 1):
            row = self.rows.row(index) if 0 <= index < self.rows.count else None
            if row is not None and row.kind == "photo" and not row.has_error:
                self.decoder.preload(self._path(row), box)

    # -- decodes ---------------------------------------------------------------------------------

    def _on_decoded(self, token: object, image: DecodedImage) -> None:
        if token != self._token:
            return
        self._add_level(image.level, image.pixels, image.orientation)
        if image.level == "screen":
            if image.size == image.full_size:
                self._full_requested = True  # draft mode could not reduce it: this is all
            self._maybe_full_resolution()

    def _on_failed(self, token: object, message: str) -> None:
        if token == self._token and self.row is not None:
            self._show_error(f"{self.row.name}\n\ncannot be decoded: {message}")

    def _show_error(self, message: str) -> None:
        self.error = message
        self.error_label.setText("⚠ " + message)
        self.error_label.show()
        self.error_label.raise_()

    def _maybe_full_resolution(self) -> None:
        """Decode at full resolution once the view shows more pixels than the screen-size
        image has."""
        scene = self.canvas.scene
        if scene is None or self.row is None or self._full_requested or self.row.kind != "photo":
            return
        scale = scene.screen_scale()
        if scale > 0 and scene.zoom > scale * 1.01:
            self._full_requested = True
            self.decoder.request(self._token, self._path(self.row), None)

    def _on_frame(self) -> None:
        scene = self.canvas.scene
        if scene is None:
            return
        for level in scene.level_shown_at:
            if level not in self._announced:
                self._announced.add(level)
                self.level_shown.emit(level)

    # -- navigation and view ---------------------------------------------------------------------

    def next(self) -> None:
        self.show_index(self.rows, self.index + 1)

    def previous(self) -> None:
        self.show_index(self.rows, self.index - 1)

    def fit(self) -> None:
        if self.canvas.scene is not None:
            self.canvas.scene.fit()
            self.canvas.request_frame()

    def actual_size(self) -> None:
        if self.canvas.scene is not None:
            self.canvas.scene.actual_size()
            self._maybe_full_resolution()
            self.canvas.request_frame()

    def zoom(self, steps: float) -> None:
        scene = self.canvas.scene
        if scene is None:
            return
        w, h = scene.viewport
        scene.zoom_about(ZOOM_KEY_STEP**steps, (w / 2, h / 2))
        self._maybe_full_resolution()
        self.canvas.request_frame()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
            self.next()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
            self.previous()
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.stop_playing()
            self.closed.emit()
        elif key == Qt.Key.Key_Space:
            self.toggle_play()
        elif key in (Qt.Key.Key_F, Qt.Key.Key_0):
            self.fit()
        elif key == Qt.Key.Key_1:
            self.actual_size()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1)
        elif key == Qt.Key.Key_Minus:
            self.zoom(-1)
        else:
            super().keyPressEvent(event)

    # -- video and Live Photo motion --------------------------------------------------------------

    def toggle_play(self) -> None:
        if self._player is not None and self._player.playing:
            self.stop_playing()
            return
        if self.row is None:
            return
        if self.row.kind == "video":
            self._play(self._path(self.row))
        elif self._motion is not None:
            self._play(self._motion)

    def _play(self, path: Path) -> None:
        self.stop_playing()
        player = VideoPlayer(path, parent=self)
        token = self._token
        self._frame_orientation = self._video_orientation(path)
        player.frame.connect(lambda pixels: self._on_video_frame(token, pixels))
        player.failed.connect(lambda message: self._on_failed(token, message))
        player.finished.connect(self._on_video_finished)
        self._player = player
        self.play_button.setText("■ Stop")
        player.start()

    def _on_video_frame(self, token: int, pixels: Any) -> None:
        if token == self._token:
            self._add_level("frame", pixels, self._frame_orientation)

    def _video_orientation(self, path: Path) -> int:
        # the index records a video's display rotation as the EXIF-equivalent orientation
        try:
            relative = os.fsencode(path.relative_to(self.root))
        except ValueError:
            return 1
        record = self.store.get(relative)
        value = (record or {}).get("orientation")
        return int(value) if isinstance(value, int) and 1 <= value <= 8 else 1

    def _on_video_finished(self) -> None:
        if self.row is not None:
            self.play_button.setText("▶ Play" if self.row.kind == "video" else "◉ Play motion")
        if self.row is not None and self.row.kind == "photo":
            scene = self.canvas.with_context()
            if scene is not None:
                scene.drop_level("frame")
            self.canvas.done_current()
            self.canvas.request_frame()

    def stop_playing(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player.deleteLater()
            self._player = None
            self._on_video_finished()

    @property
    def player(self) -> VideoPlayer | None:
        return self._player

    def shutdown(self) -> None:
        self.stop_playing()
        self.decoder.shutdown()
        self.canvas.release()
