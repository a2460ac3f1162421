"""Helpers shared by the scan tests (imported as ``scan_helpers``)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def jpeg_bytes(
    size: tuple[int, int] = (48, 32),
    color: tuple[int, int, int] = (200, 80, 40),
    exif: dict[int, Any] | None = None,
    exif_ifd: dict[int, Any] | None = None,
) -> bytes:
    """A small real JPEG, optionally with IFD0 tags and Exif-IFD tags."""
    from PIL import Image

    img = Image.new("RGB", size, color)
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif or exif_ifd:
        e = Image.Exif()
        for tag, value in (exif or {}).items():
            e[tag] = value
        if exif_ifd:
            sub = e.get_ifd(0x8769)
            sub.update(exif_ifd)
        kwargs["exif"] = e.tobytes()
    img.save(buf, "JPEG", quality=80, **kwargs)
    return buf.getvalue()


def write_file(path: Path | bytes, data: bytes) -> Path | bytes:
    """Write ``data`` at ``path`` (str/Path or raw bytes for non-UTF-8 names), parents too."""
    if isinstance(path, bytes):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def hold_scan_lock(library_dir: Path) -> subprocess.Popen[str]:
    """Another process holding the library's scan lock (as a running scan does)."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            "f = open(sys.argv[1], 'w')\n"
            "fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            str(library_dir / "scan.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def as_unprivileged_user() -> list[str]:
    """The command prefix that runs a process as an unprivileged user: none when the tests do
    not run as root; `nobody` through setpriv when they do (root reads every folder, so
    permission tests need another user); the test is skipped when that cannot be done."""
    import pytest

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv"):
        return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    pytest.skip("running as root without setpriv: cannot test permissions")
