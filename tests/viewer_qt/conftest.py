"""Fixtures of the viewer's widget tests: Qt's offscreen platform (set before pytest-qt makes
the QApplication), a small scanned library with thumbnails, windows over it, and an Xvfb
server for the tests that need a real OpenGL window."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6", reason="the viewer extra (PySide6) is not installed")
pytest.importorskip("moderngl", reason="the viewer extra (moderngl) is not installed")

from albumen.library import Library
from albumen.testing.corpus import generate_corpus
from albumen.testing.motion import add_motion_media
from albumen.viewer.gpu import GpuError, create_standalone_context
from albumen.viewer.qt.app import open_window
from albumen.viewer.qt.main_window import MainWindow
from PySide6.QtCore import QSettings

from viewer_qt.media import BREAKS, write_known


@pytest.fixture(scope="session")
def egl() -> None:
    """Skip when no headless OpenGL context can be made (make test installs Mesa's)."""
    try:
        create_standalone_context().release()
    except GpuError as error:
        pytest.skip(f"no headless OpenGL context: {error}")


@pytest.fixture(scope="session")
def library_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scanned library with its thumbnails: 60 corpus photos (some broken) and a 12 MP one,
    the known photo, a photo that no longer decodes, one video and one Live Photo pair."""
    root = tmp_path_factory.mktemp("viewer-library")
    generate_corpus(root, 60, seed=7, large=1)  # one 12 MP photo, for full resolution
    write_known(root)
    add_motion_media(root, videos=1, live=1)
    with Library.open(root) as lib:
        lib.scan()
        lib.thumbnail_pipeline.generate_all()
    (root / BREAKS).write_bytes(b"\xff\xd8\xff\xe0 this is no longer a JPEG")
    return root


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(
    qtbot: object, library_root: Path, settings: QSettings, egl: None
) -> Iterator[MainWindow]:
    """A main window over the test library, shown at 1400x900, All Photos fully painted."""
    lib = Library.open(library_root)
    win = open_window(lib, settings, rescan_on_focus=False)
    win.resize(1400, 900)
    with qtbot.waitSignal(win.gallery.fully_painted, timeout=30_000):  # type: ignore[attr-defined]
        win.show()
    yield win
    win.shutdown()
    win.close()
    lib.close()


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """An X server for this session (the display, e.g. ``:5``); skipped without Xvfb."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (make test installs it)")
    read, write = os.pipe()
    proc = subprocess.Popen(
        [binary, "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    # Xvfb writes its display number once it accepts clients: no polling, no sleeps
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
