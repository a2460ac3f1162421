"""The Qt image provider: ``ThumbnailService`` thumbnails as ``QImage`` / ``QPixmap``.

Any Qt code (the gallery, the filmstrip, the detail view's first frame) asks it for a
thumbnail of a ``ThumbnailTarget`` at a box size. A decoded image is answered at once from a
byte-bounded LRU of QImages; otherwise the request joins a priority queue (visible cells
before the guard band) served by decoder threads: each looks in L1 and L2 through
``ThumbnailService.get_thumbnail`` (so the service's hit rates count the gallery), and on a
miss hands the job to ``ThumbnailService.request_thumbnail``, whose callback runs on a service
worker. Either way the JPEG is decoded to a QImage off the GUI thread, and ``image_ready(key)``
is emitted: a Qt signal, so a slot on the GUI thread runs there (queued). ``retain`` cancels
what is no longer wanted (cells scrolled away), in the provider's queue and in the service's.
"""

from __future__ import annotations

import heapq
import io
import itertools
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from albumen.store.records import ThumbnailTarget
from albumen.thumbnails.generator import AssetResolver, AssetSource, source_of, thumbnail_asset_id
from albumen.thumbnails.service import Priority, ThumbnailService, thumbnail_key

__all__ = ["ThumbnailImageProvider", "decode_image"]

log = logging.getLogger(__name__)


def decode_image(data: bytes) -> QImage | None:
    """A JPEG (or anything Pillow reads) as a QImage; None if it does not decode.

    Pillow rather than ``QImage.loadFromData``: Pillow lets go of the GIL while it decodes,
    so decoder threads do not hold up the GUI thread's painting."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            rgb = im.convert("RGBX") if im.mode != "RGBX" else im
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    raw = rgb.tobytes()
    w, h = rgb.size
    return QImage(raw, w, h, w * 4, QImage.Format.Format_RGBX8888).copy()


class HoldingResolver(AssetResolver, Protocol):
    """The generator's resolver as a library's thumbnail pipeline has it: ``hold`` tells it
    where a thumbnail id's file is while work needs it, ``release`` lets go."""

    def hold(self, thumb_id: str, source: AssetSource) -> None: ...
    def release(self, thumb_id: str) -> None: ...


class _Request:
    __slots__ = ("box", "key", "priority", "state", "target", "tid")

    def __init__(self, key: str, tid: str, target: ThumbnailTarget, box: int, priority: int):
        self.key = key
        self.tid = tid
        self.target = target
        self.box = box
        self.priority = priority
        self.state = "queued"  # queued -> looking -> generating -> done | cancelled


class ThumbnailImageProvider(QObject):
    """QImages of a library's thumbnails (see the module docs).

    ``service`` and ``resolver`` are a ``LibraryThumbnails``' (the resolver tells the
    generator where a thumbnail id's file is), ``root`` the library root. ``max_bytes`` bounds
    the decoded images kept; ``decoders`` threads decode.
    """

    image_ready = Signal(str)  # key
    image_failed = Signal(str, str)  # key, message

    def __init__(
        self,
        service: ThumbnailService,
        resolver: HoldingResolver,
        root: Path,
        *,
        max_bytes: int = 48 * 1024 * 1024,
        decoders: int = 2,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.resolver = resolver
        self.root = root
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._requests: dict[str, _Request] = {}
        self._heap: list[tuple[int, int, _Request]] = []
        self._seq = itertools.count()
        self._failures: dict[str, str] = {}
        self._closed = False
        self.decoded = 0
        self._threads = [
            threading.Thread(target=self._decoder, name=f"albumen-qt-decode-{i}", daemon=True)
            for i in range(decoders)
        ]
        for thread in self._threads:
            thread.start()

    # -- keys ------------------------------------------------------------------------------

    @staticmethod
    def key_of(target: ThumbnailTarget, box: int) -> str:
        return thumbnail_key(thumbnail_asset_id(target.id, target.mtime_ns), (box, box))

    # -- what the GUI thread asks ------------------------------------------------------------

    def image(self, key: str) -> QImage | None:
        """The decoded thumbnail of ``key`` if it is kept (no work started)."""
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
            return image

    def pixmap(self, key: str) -> QPixmap | None:
        """``image(key)`` as a QPixmap (GUI thread only)."""
        image = self.image(key)
        return None if image is None else QPixmap.fromImage(image)

    def failure(self, key: str) -> str | None:
        """Why the thumbnail of ``key`` could not be made, or None."""
        with self._lock:
            return self._failures.get(key)

    def request(
        self, target: ThumbnailTarget, box: int, priority: int = Priority.VISIBLE
    ) -> QImage | None:
        """The thumbnail if decoded already; otherwise queue it (once; a more urgent request
        raises the priority) and return None: ``image_ready(key)`` follows."""
        key = self.key_of(target, box)
        with self._lock:
            image = self._images.get(key)
            if image is not None:
                self._images.move_to_end(key)
                return image
            if self._closed or key in self._failures:
                return None
            request = self._requests.get(key)
            if request is not None:
                if request.state == "queued" and priority < request.priority:
                    request.priority = priority
                    heapq.heappush(self._heap, (priority, next(self._seq), request))
                return None
            tid = thumbnail_asset_id(target.id, target.mtime_ns)
            request = _Request(key, tid, target, box, int(priority))
            self._requests[key] = request
            heapq.heappush(self._heap, (request.priority, next(self._seq), request))
            self._wake.notify()
        return None

    def load_now(self, target: ThumbnailTarget, box: int) -> QImage | None:
        """The thumbnail from the decoded images, L1 or L2, decoded on this thread; None on a
        miss (nothing is generated). For the detail view's first frame."""
        key = self.key_of(target, box)
        image = self.image(key)
        if image is not None:
            return image
        data = self.service.get_thumbnail(
            thumbnail_asset_id(target.id, target.mtime_ns), (box, box)
        )
        if data is None:
            return None
        image = decode_image(data)
        if image is not None:
            self._keep(key, image)
        return image

    def retain(self, keys: set[str]) -> int:
        """Cancel every request whose key is not in ``keys`` (cells scrolled away); returns
        how many were cancelled."""
        cancelled = 0
        in_service: list[_Request] = []
        with self._lock:
            for key, request in list(self._requests.items()):
                if key in keys or request.state not in ("queued", "generating"):
                    continue
                if request.state == "generating":
                    in_service.append(request)
                del self._requests[key]
                request.state = "cancelled"
                cancelled += 1
        for request in in_service:
            self.service.cancel(request.tid, (request.box, request.box))
            self.resolver.release(request.tid)
        return cancelled

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._requests)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "images": len(self._images),
                "bytes": self._bytes,
                "pending": len(self._requests),
                "decoded": self.decoded,
                "failures": len(self._failures),
            }

    def clear(self) -> None:
        """Drop the decoded images (memory pressure)."""
        with self._lock:
            self._images.clear()
            self._bytes = 0

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            self._requests.clear()
            self._heap.clear()
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- worker side -----------------------------------------------------------------------------

    def _keep(self, key: str, image: QImage) -> None:
        with self._lock:
            old = self._images.pop(key, None)
            if old is not None:
                self._bytes -= old.sizeInBytes()
            self._images[key] = image
            self._bytes += image.sizeInBytes()
            while self._bytes > self.max_bytes and len(self._images) > 1:
                _, dropped = self._images.popitem(last=False)
                self._bytes -= dropped.sizeInBytes()

    def _next(self) -> _Request | None:
        with self._lock:
            while not self._closed:
                while self._heap:
                    priority, _, request = heapq.heappop(self._heap)
                    if request.state == "queued" and request.priority == priority:
                        request.state = "looking"
                        return request
                self._wake.wait()
            return None

    def _decoder(self) -> None:
        while (request := self._next()) is not None:
            try:
                self._serve(request)
            except Exception:  # never let a decoder thread die
                log.exception("thumbnail for %s failed", request.key)

    def _serve(self, request: _Request) -> None:
        size = (request.box, request.box)
        data = self.service.get_thumbnail(request.tid, size)
        if data is not None:
            self._deliver(request, data)
            return
        with self._lock:
            if request.state == "cancelled":
                return
            request.state = "generating"
        self.resolver.hold(request.tid, source_of(self.root, request.target))
        accepted = self.service.request_thumbnail(
            request.tid,
            size,
            lambda _tid, blob: self._deliver(request, blob),
            priority=request.priority,
            on_error=lambda _tid, message: self._fail(request, message),
        )
        if not accepted:
            self._fail(request, self.service.failure(request.tid) or "cannot be made")

    def _deliver(self, request: _Request, data: bytes) -> None:
        image = decode_image(data)
        if image is None:
            self._fail(request, "the thumbnail does not decode")
            return
        self._keep(request.key, image)
        self.resolver.release(request.tid)
        with self._lock:
            self.decoded += 1
            if self._requests.get(request.key) is request:
                del self._requests[request.key]
            request.state = "done"
        self.image_ready.emit(request.key)

    def _fail(self, request: _Request, message: str) -> None:
        with self._lock:
            self._failures[request.key] = message
            if self._requests.get(request.key) is request:
                del self._requests[request.key]
            request.state = "done"
        self.image_failed.emit(request.key, message)
