"""One path convention for everything albumen hands out or takes in.

**Out**: a path albumen returns is a ``str`` relative to the library root, decoded like
``os.fsdecode`` (bytes that are not valid in the file-system encoding become surrogate
escapes), so ``os.fsencode(path)`` gives the file's raw name back; the objects that carry a
path also offer those raw bytes as ``path_bytes``.

**In**: every API that takes a path accepts ``str``, ``bytes`` and ``os.PathLike``. Paths of
files and folders inside a library are relative to its root (a ``Library`` also accepts an
absolute path inside its root).

Internally the storage seam keys rows by the raw OS bytes (``albumen.store.records``): the
conversion happens here, at the public surface.
"""

from __future__ import annotations

import base64
import os
import posixpath
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "AnyPath",
    "FailedPath",
    "fs_path",
    "json_path",
    "relative_bytes",
    "to_str",
]

#: What every API that takes a path accepts.
AnyPath = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def fs_path(path: AnyPath) -> Path:
    """A path given in any accepted form as a ``pathlib.Path`` (``~`` not expanded)."""
    return Path(os.fsdecode(path))


def to_str(raw: bytes) -> str:
    """Raw OS bytes of a relative path as albumen returns it (like ``os.fsdecode``)."""
    return os.fsdecode(raw)


def relative_bytes(path: AnyPath, root: AnyPath | None = None) -> bytes:
    """The OS bytes of a path relative to a library root, normalised (``./a//b/`` is
    ``a/b``; the root itself is ``b""``).

    An absolute path is accepted when ``root`` is given and the path lies inside it. Raises
    ``ValueError`` for a path outside the root (absolute elsewhere, or climbing out with
    ``..``)."""
    raw = os.fsencode(path)
    if raw.startswith(b"/"):
        if root is None:
            raise ValueError(
                f"{os.fsdecode(raw)!r} is absolute: give a path relative to the library root"
            )
        base = posixpath.normpath(os.fsencode(os.path.abspath(os.fsdecode(root))))
        norm = posixpath.normpath(raw)
        if norm != base and not norm.startswith(base.rstrip(b"/") + b"/"):
            raise ValueError(
                f"{os.fsdecode(raw)!r} is outside the library root {os.fsdecode(base)!r}"
            )
        raw = norm[len(base) :]
    norm = posixpath.normpath(raw.strip(b"/") or b".")
    if norm == b".." or norm.startswith(b"../"):
        raise ValueError(f"{os.fsdecode(raw)!r} is outside the library root")
    return b"" if norm == b"." else norm


class FailedPath(NamedTuple):
    """A file or folder that could not be read: ``path`` (relative to the root, see the module
    docs) and ``message``. A tuple, so ``for path, message in errors`` works."""

    path: str
    message: str

    @property
    def path_bytes(self) -> bytes:
        """The raw OS bytes of ``path``."""
        return os.fsencode(self.path)


def json_path(raw: bytes | str, key: str = "path") -> dict[str, str]:
    """A path for JSON output: ``{key: text}``, and when the name is not UTF-8 also
    ``{key + "_bytes": base64 of the raw bytes}`` (the text then shows U+FFFD where the bytes
    were), so every JSON line is valid UTF-8 and the exact name can still be recovered."""
    data = os.fsencode(raw) if isinstance(raw, str) else bytes(raw)
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {
            key: data.decode("utf-8", "replace"),
            f"{key}_bytes": base64.b64encode(data).decode("ascii"),
        }
