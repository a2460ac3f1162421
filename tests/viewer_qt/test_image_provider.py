"""The image provider: thumbnails from L2 decoded off the GUI thread and announced by a
signal, generation on a miss, failures, priorities, and cancelling what scrolled away."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from albumen._core import DiskThumbnailCache, MemoryThumbnailCache
from albumen.store.records import ThumbnailTarget
from albumen.thumbnails.generator import AssetSource, MappingResolver, thumbnail_asset_id
from albumen.thumbnails.service import Priority, ThumbnailService
from albumen.viewer.qt.image_provider import ThumbnailImageProvider
from PIL import Image
from pytestqt.qtbot import QtBot


def jpeg(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


class GatedGenerator:
    """Makes a red JPEG once ``gate`` opens; ``fail`` ids raise."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.calls: list[str] = []
        self.fail: set[str] = set()

    def generate(self, asset_id: str, size: tuple[int, int]) -> bytes | None:
        self.calls.append(asset_id)
        self.gate.wait(30)
        if asset_id in self.fail:
            raise ValueError("not an image")
        return jpeg((255, 0, 0))


class Sources(MappingResolver):
    """A resolver with the pipeline's hold/release."""

    def hold(self, thumb_id: str, source: AssetSource) -> None:
        self.add(thumb_id, source)

    def release(self, thumb_id: str) -> None:
        self.discard(thumb_id)


def target(n: int) -> ThumbnailTarget:
    return ThumbnailTarget(n, f"id{n}", f"p{n}.jpg".encode(), "photo", "image/jpeg", 1000 + n,
                           None, None, None, False, None)  # fmt: skip


def make(
    tmp_path: Path, generator: GatedGenerator
) -> tuple[ThumbnailService, ThumbnailImageProvider]:
    service = ThumbnailService(
        MemoryThumbnailCache(), DiskThumbnailCache(tmp_path / "l2"), generator, max_workers=1
    )
    provider = ThumbnailImageProvider(service, Sources(), tmp_path, decoders=1)
    return service, provider


def test_l2_hits_are_decoded_and_signalled(qtbot: QtBot, tmp_path: Path) -> None:
    generator = GatedGenerator()
    service, provider = make(tmp_path, generator)
    t = target(1)
    key = provider.key_of(t, 256)
    service.disk_cache.put(key, jpeg((0, 0, 255)))
    try:
        with qtbot.waitSignal(provider.image_ready, timeout=5000) as blocker:
            assert provider.request(t, 256) is None
        assert blocker.args == [key]
        image = provider.image(key)
        assert image is not None and image.width() == 64
        assert image.pixelColor(10, 10).blue() > 200
        assert provider.request(t, 256) is image  # answered at once from now on
        assert generator.calls == [] and service.stats()["hit_rate"]["disk"] > 0
    finally:
        provider.shutdown()
        service.shutdown()


def test_misses_are_generated_and_failures_reported(qtbot: QtBot, tmp_path: Path) -> None:
    generator = GatedGenerator()
    generator.gate.set()
    service, provider = make(tmp_path, generator)
    good, bad = target(1), target(2)
    generator.fail.add(thumbnail_asset_id(bad.id, bad.mtime_ns))
    try:
        with qtbot.waitSignal(provider.image_ready, timeout=10_000):
            provider.request(good, 128)
        with qtbot.waitSignal(provider.image_failed, timeout=10_000) as failed:
            provider.request(bad, 128)
        assert failed.args[0] == provider.key_of(bad, 128) and "not an image" in failed.args[1]
        assert provider.failure(provider.key_of(bad, 128)) is not None
        assert provider.request(bad, 128) is None and provider.pending == 0  # not retried
    finally:
        provider.shutdown()
        service.shutdown()


def test_retain_cancels_requests_scrolled_away(qtbot: QtBot, tmp_path: Path) -> None:
    generator = GatedGenerator()  # the gate stays shut: everything waits
    service, provider = make(tmp_path, generator)
    try:
        first = target(1)
        provider.request(first, 256, Priority.VISIBLE)
        # the one service worker is busy with the first; the others queue behind it
        qtbot.waitUntil(lambda: len(generator.calls) == 1, timeout=5000)
        others = [target(n) for n in range(2, 6)]
        for t in others:
            provider.request(t, 256, Priority.NEAR)
        qtbot.waitUntil(lambda: service.pending_count == 5, timeout=5000)
        keep = {provider.key_of(first, 256), provider.key_of(others[0], 256)}
        assert provider.retain(keep) == 3
        assert service.pending_count == 2  # cancelled in the service too
        with qtbot.waitSignals([provider.image_ready, provider.image_ready], timeout=10_000):
            generator.gate.set()
        assert provider.image(provider.key_of(others[0], 256)) is not None
        assert provider.image(provider.key_of(others[1], 256)) is None
        assert thumbnail_asset_id(others[1].id, others[1].mtime_ns) not in generator.calls
    finally:
        generator.gate.set()
        provider.shutdown()
        service.shutdown()
