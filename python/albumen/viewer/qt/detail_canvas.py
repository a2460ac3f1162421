"""The surfaces the detail view draws on, both driving a ``DetailScene``:

* ``GlCanvas``, a ``QOpenGLWidget``: ``initializeGL`` makes a moderngl context on Qt's
  (``moderngl.create_context()``) and each ``paintGL`` draws into the widget's framebuffer.
  Used wherever Qt can make OpenGL windows (X11/Xvfb, Wayland, macOS, Windows).
* ``OffscreenCanvas``, a plain ``QWidget`` for Qt's ``offscreen`` platform, where
  QOpenGLWidget cannot exist: the same scene draws into a pooled framebuffer of a headless EGL
  context (``create_standalone_context``) and the pixels are painted with QPainter.

Both take the mouse and the keys the same way (``CanvasInput``): wheel to zoom about the
cursor, drag to pan, double-click to toggle fit / 1:1.
"""

from __future__ import annotations

import logging
from pathlib import Path

import moderngl
import numpy as np
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtOpenGLWidgets import QOpenGLWidget
from PySide6.QtWidgets import QWidget

from albumen.viewer.gpu import GpuError, Mode, create_standalone_context
from albumen.viewer.qt.detail_scene import DetailScene

__all__ = ["Canvas", "GlCanvas", "OffscreenCanvas", "make_canvas"]

log = logging.getLogger(__name__)

WHEEL_ZOOM = 1.0015  # per 1/8 degree of wheel rotation: one notch (120) zooms by ~20 %


class CanvasInput:
    """Mouse handling shared by both canvases (mixed into a QWidget subclass)."""

    scene: DetailScene | None
    _drag: QPointF | None

    def _request_frame(self) -> None:
        raise NotImplementedError

    def _zoom_changed(self) -> None:
        raise NotImplementedError

    def _dpr(self) -> float:
        raise NotImplementedError

    def handle_wheel(self, event: QWheelEvent) -> None:
        if self.scene is None:
            return
        dpr = self._dpr()
        pos = event.position()
        factor = WHEEL_ZOOM ** event.angleDelta().y()
        self.scene.zoom_about(factor, (pos.x() * dpr, pos.y() * dpr))
        self._zoom_changed()
        self._request_frame()
        event.accept()

    def handle_press(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()

    def handle_move(self, event: QMouseEvent) -> None:
        if self._drag is None or self.scene is None:
            return
        dpr = self._dpr()
        delta = event.position() - self._drag
        self._drag = event.position()
        if self.scene.view is not None and self.scene.view.mode is Mode.FIT:
            return
        self.scene.pan(delta.x() * dpr, delta.y() * dpr)
        self._request_frame()

    def handle_release(self, event: QMouseEvent) -> None:
        self._drag = None

    def handle_double_click(self, event: QMouseEvent) -> None:
        if self.scene is None or self.scene.view is None:
            return
        if self.scene.view.mode is Mode.FIT:
            dpr = self._dpr()
            pos = event.position()
            self.scene.zoom_about(1.0 / self.scene.zoom, (pos.x() * dpr, pos.y() * dpr))
        else:
            self.scene.fit()
        self._zoom_changed()
        self._request_frame()


class GlCanvas(QOpenGLWidget, CanvasInput):
    """The scene in a QOpenGLWidget (see the module docs)."""

    frame_drawn = Signal()
    zoom_changed = Signal()
    gl_failed = Signal(str)

    def __init__(self, shader_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shader_dir = shader_dir
        self.scene: DetailScene | None = None
        self.ctx: moderngl.Context | None = None
        self._drag = None
        self._next_frame = QTimer(self)
        self._next_frame.setSingleShot(True)
        self._next_frame.setInterval(0)
        self._next_frame.timeout.connect(self.update)

    def initializeGL(self) -> None:
        try:
            self.ctx = moderngl.create_context()
            self.scene = DetailScene(self.ctx, self.shader_dir)
            self.scene.resize((self.width(), self.height()))
        except Exception as exc:  # no usable OpenGL: say so instead of a blank view
            log.exception("the detail view cannot use OpenGL")
            self.scene = None
            self.gl_failed.emit(str(exc) or type(exc).__name__)

    def resizeGL(self, w: int, h: int) -> None:
        if self.scene is not None:
            self.scene.resize((w, h))

    def paintGL(self) -> None:
        if self.scene is None or self.ctx is None:
            return
        try:
            framebuffer = self.ctx.detect_framebuffer(self.defaultFramebufferObject())
            self.scene.render(framebuffer)
        except GpuError as exc:
            self.gl_failed.emit(str(exc))
            return
        self.frame_drawn.emit()
        if self.scene.busy:
            self._next_frame.start()  # uploads left: draw again as soon as the loop is free

    def request_frame(self) -> None:
        self.update()

    def _request_frame(self) -> None:
        self.update()

    def _zoom_changed(self) -> None:
        self.zoom_changed.emit()

    def _dpr(self) -> float:
        return self.devicePixelRatioF()

    def with_context(self) -> DetailScene | None:
        """Make the widget's context current (for uploads outside paintGL)."""
        if self.scene is None:
            return None
        self.makeCurrent()
        return self.scene

    def done_current(self) -> None:
        self.doneCurrent()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.handle_wheel(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.handle_press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.handle_move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.handle_release(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.handle_double_click(event)

    def release(self) -> None:
        if self.scene is not None:
            self.makeCurrent()
            self.scene.close()
            self.scene = None
            self.doneCurrent()


class OffscreenCanvas(QWidget, CanvasInput):
    """The scene drawn through a headless EGL context and painted as an image (for Qt's
    offscreen platform; see the module docs)."""

    frame_drawn = Signal()
    zoom_changed = Signal()
    gl_failed = Signal(str)

    def __init__(self, shader_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shader_dir = shader_dir
        self.scene: DetailScene | None = None
        self.ctx: moderngl.Context | None = None
        self._failed = False
        self._drag = None
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def _ensure_scene(self) -> DetailScene | None:
        """The context and the scene, made on first use (as QOpenGLWidget does), so a window
        that never opens a photo never pays for them."""
        if self.scene is None and not self._failed:
            try:
                self.ctx = create_standalone_context()
                self.scene = DetailScene(self.ctx, self.shader_dir)
                self.scene.resize((self.width(), self.height()))
            except Exception as exc:
                log.exception("the detail view cannot use OpenGL")
                self._failed = True
                self.ctx = None
                self.gl_failed.emit(str(exc) or type(exc).__name__)
        return self.scene

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._ensure_scene() is None or self.scene is None or self.ctx is None:
            return
        dpr = self.devicePixelRatioF()
        size = (max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
        self.ctx.__enter__()  # type: ignore[no-untyped-call]  # make it current
        self.scene.resize(size)
        framebuffer = self.scene.pool.acquire(size)
        try:
            self.scene.render(framebuffer)
            data = framebuffer.read(components=4)
        finally:
            self.scene.pool.release(framebuffer)
        # OpenGL rows run bottom to top
        rows = np.frombuffer(data, dtype=np.uint8).reshape(size[1], size[0] * 4)[::-1]
        flipped = np.ascontiguousarray(rows)
        image = QImage(flipped.data, size[0], size[1], size[0] * 4, QImage.Format.Format_RGBA8888)
        image.setDevicePixelRatio(dpr)
        p = QPainter(self)
        p.drawImage(0, 0, image)
        p.end()
        self.frame_drawn.emit()
        if self.scene.busy:
            self.update()

    def request_frame(self) -> None:
        self.update()

    def _request_frame(self) -> None:
        self.update()

    def _zoom_changed(self) -> None:
        self.zoom_changed.emit()

    def _dpr(self) -> float:
        return self.devicePixelRatioF()

    def with_context(self) -> DetailScene | None:
        if self._ensure_scene() is None or self.ctx is None:
            return None
        self.ctx.__enter__()  # type: ignore[no-untyped-call]  # make it current
        return self.scene

    def done_current(self) -> None:
        pass

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.handle_wheel(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.handle_press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.handle_move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.handle_release(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.handle_double_click(event)

    def release(self) -> None:
        if self.scene is not None and self.ctx is not None:
            self.ctx.__enter__()  # type: ignore[no-untyped-call]  # make it current
            self.scene.close()
            self.scene = None
            self.ctx.release()
            self.ctx = None


Canvas = GlCanvas | OffscreenCanvas


def make_canvas(shader_dir: Path | None, parent: QWidget | None = None) -> Canvas:
    """A ``GlCanvas`` where Qt makes OpenGL windows, else an ``OffscreenCanvas``."""
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return OffscreenCanvas(shader_dir, parent)
    return GlCanvas(shader_dir, parent)
