"""A library with no index: the viewer scans first and the gallery fills in as batches commit
(a gate holds the scan after its first batch, so the test sees the half-filled gallery without
depending on timing); a rescan picks up a new file."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

from albumen.library import Library
from albumen.scan.incremental import SCAN_BATCH_SIZE
from albumen.testing.corpus import generate_corpus
from albumen.viewer.qt.app import open_window
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot


def test_the_gallery_fills_while_the_first_scan_runs(
    qtbot: QtBot, tmp_path: Path, settings: QSettings, egl: None
) -> None:
    root = tmp_path / "photos"
    generate_corpus(root, SCAN_BATCH_SIZE * 2 + 20, seed=3, extras=False)
    lib = Library.open(root)
    written = [0]
    holding = threading.Event()
    release = threading.Event()
    write_batch = lib.store.write_batch

    def gated(upserts: Any, moves: Any) -> None:
        # once a batch's worth is committed (and its progress published, which happens after
        # the write), hold the scan before it writes more
        if written[0] >= SCAN_BATCH_SIZE and not release.is_set():
            holding.set()
            release.wait(60)
        write_batch(upserts, moves)
        written[0] += len(upserts) + len(moves)

    lib.store.write_batch = gated  # type: ignore[method-assign]
    win = open_window(lib, settings, rescan_on_focus=False)
    try:
        win.show()
        assert win.scanner.running
        # the first batch is committed and the scan holds: the gallery shows it
        qtbot.waitUntil(holding.is_set, timeout=20_000)
        qtbot.waitUntil(lambda: win.gallery.count == written[0], timeout=20_000)
        assert 0 < win.gallery.count < SCAN_BATCH_SIZE * 2 + 20
        assert "Scanning" in win.status.scan_label.text()
        with qtbot.waitSignal(win.scanner.finished, timeout=60_000):
            release.set()
        qtbot.waitUntil(lambda: win.gallery.count == SCAN_BATCH_SIZE * 2 + 20, timeout=20_000)
        assert "Scanned" in win.status.scan_label.text()

        # a file added while the viewer runs shows up after a rescan (as on focus)
        some = next(root.rglob("*.jpg"))
        shutil.copy(some, root / "new-photo.jpg")
        with qtbot.waitSignal(win.scanner.finished, timeout=60_000):
            assert win.scan()
        qtbot.waitUntil(lambda: win.gallery.count == SCAN_BATCH_SIZE * 2 + 21, timeout=20_000)
    finally:
        release.set()
        win.shutdown()
        win.close()
        lib.close()
