"""Decoding a photo for the detail view, off the GUI thread: at screen size first (JPEG through
Pillow's draft mode, which scales the DCT by 1/2, 1/4 or 1/8 while decoding), at full
resolution when the user zooms past that. The pixels stay as stored; the EXIF orientation is
handed to the GPU, which turns the image while drawing (no re-encoding, no copy).

``DetailDecoder`` runs the decodes on two threads, keeps the last few results (so the
neighbours preloaded by next/previous are there at once), and reports on the GUI thread
through Qt signals.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from PIL import Image

__all__ = ["DecodedImage", "DetailDecoder", "decode_photo"]

log = logging.getLogger(__name__)

HEIF_SUFFIXES = frozenset({".heic", ".heif", ".hif", ".avif"})


@dataclass(frozen=True)
class DecodedImage:
    """Stored pixels (h, w, 3 or 4, uint8), the EXIF orientation to show them with, the
    stored size of the full image, and the ``level`` (``"screen"`` or ``"full"``)."""

    pixels: npt.NDArray[np.uint8]
    orientation: int
    full_size: tuple[int, int]
    level: str

    @property
    def size(self) -> tuple[int, int]:
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


def _orientation(im: Image.Image) -> int:
    if im.format in ("HEIF", "AVIF"):
        return 1  # libheif applied the container's transforms while decoding
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:
        return 1
    return value if 1 <= value <= 8 else 1


def decode_photo(path: Path, box: tuple[int, int] | None) -> DecodedImage:
    """Decode ``path``: reduced to about ``box`` (width, height as displayed) by draft mode
    where the format allows, or at full resolution (``box`` None). Raises on a file that
    does not decode (the message is what the view shows)."""
    import numpy as np
    from PIL import Image

    from albumen.thumbnails.files import open_regular_file

    if path.suffix.lower() in HEIF_SUFFIXES:
        from albumen.thumbnails.generator import _register_heif

        _register_heif()
    with open_regular_file(path) as fp, Image.open(fp) as im:  # never blocks on a FIFO
        orientation = _orientation(im)
        full_size = im.size
        if box is not None and im.format in ("JPEG", "MPO"):  # MPO: a JPEG with MPF images
            w, h = box
            if orientation in (5, 6, 7, 8):
                w, h = h, w  # the box is as displayed; draft works on stored pixels
            im.draft("RGB", (w, h))
        if getattr(im, "n_frames", 1) > 1:
            im.seek(0)
        im.load()
        rgb = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    pixels = np.asarray(rgb, dtype=np.uint8)
    return DecodedImage(pixels, orientation, full_size, "screen" if box is not None else "full")


class DetailDecoder(QObject):
    """Decodes on two threads; ``decoded(token, DecodedImage)`` or ``failed(token, message)``
    arrive on the GUI thread. A token is whatever the caller uses to tell requests apart."""

    decoded = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, keep: int = 6) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="albumen-detail")
        self._lock = threading.Lock()
        self._done: OrderedDict[tuple[Path, tuple[int, int] | None], DecodedImage] = OrderedDict()
        self._running: dict[tuple[Path, tuple[int, int] | None], Future[DecodedImage]] = {}
        self.keep = keep

    def cached(self, path: Path, box: tuple[int, int] | None) -> DecodedImage | None:
        with self._lock:
            return self._done.get((path, box))

    def request(self, token: object, path: Path, box: tuple[int, int] | None) -> None:
        """Decode ``path`` (at ``box``, or full size); the result is signalled with
        ``token`` (at once if it was decoded before)."""
        key = (path, box)
        with self._lock:
            done = self._done.get(key)
            future = self._running.get(key)
            if future is None and done is None:
                future = self._pool.submit(decode_photo, path, box)
                self._running[key] = future
        if done is not None:
            self.decoded.emit(token, done)
            return
        assert future is not None
        future.add_done_callback(lambda f: self._finished(token, key, f))

    def preload(self, path: Path, box: tuple[int, int] | None) -> None:
        """Decode ahead (a neighbour), keeping the result for a later ``request``."""
        key = (path, box)
        with self._lock:
            if key in self._done or key in self._running:
                return
            future = self._pool.submit(decode_photo, path, box)
            self._running[key] = future
        future.add_done_callback(lambda f: self._finished(None, key, f))

    def _finished(
        self,
        token: object,
        key: tuple[Path, tuple[int, int] | None],
        future: Future[DecodedImage],
    ) -> None:
        with self._lock:
            self._running.pop(key, None)
        try:
            image = future.result()
        except Exception as exc:
            if token is not None:
                self.failed.emit(token, f"{type(exc).__name__}: {exc}")
            return
        with self._lock:
            self._done[key] = image
            self._done.move_to_end(key)
            while len(self._done) > self.keep:
                self._done.popitem(last=False)
        if token is not None:
            self.decoded.emit(token, image)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
