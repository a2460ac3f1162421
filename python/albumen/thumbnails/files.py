"""Opening a user's file without ever blocking.

A scan records a path as a photo; by the time its thumbnail is made the path may name a FIFO, a
device or a socket (swapped in by accident or on purpose). ``open()`` on a FIFO without a writer
blocks forever, and no signal (not even Ctrl-C, which Python retries the call after) ends it.
So every file albumen reads in Python is opened with ``O_NONBLOCK``, the *opened descriptor* is
checked with ``fstat`` (checking the path first and opening it after would race with the
swap), and anything that is not a regular file is refused. The descriptor is then switched
back to blocking reads and handed to the decoders (Pillow, pillow-heif, PyAV) as a file object.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from albumen.errors import ThumbnailError

__all__ = ["open_regular_file"]

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """``path`` opened for binary reading (buffered), never blocking in the open.

    Raises ``ThumbnailError`` when ``path`` is not a regular file (a FIFO, a device, a socket,
    a folder), and the ``OSError`` of the open otherwise (missing, no permission)."""
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ThumbnailError(
                f"{_kind(mode)}, not a regular file: albumen reads only regular files"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
