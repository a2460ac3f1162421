"""Type stubs for albumen's Rust core (``albumen._core``).

Paths handed back by the core are ``str`` relative to the scan root; bytes that are not valid
UTF-8 come back as surrogate escapes, exactly as ``os.fsdecode`` would give them, so
``os.fsencode(path)`` recovers the original name. Long work releases the GIL and checks for
Ctrl-C (``KeyboardInterrupt``).
"""

from collections.abc import Iterator, Sequence
from os import PathLike
from typing import Any

__version__: str

def media_types() -> list[tuple[str, str, str]]:
    """The extension table: ``(extension, kind, mime)`` with lower-case extensions, no dot.

    ``kind`` is ``"photo"`` or ``"video"``.
    """

# --- scanning (contract; implemented by the scan issue) ------------------------------------

def walk(
    root: str | PathLike[str], *, skip: Sequence[str | PathLike[str]] = ()
) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]]]:
    """Find every supported media file below ``root``, in parallel.

    Returns ``(files, errors)``: ``files`` is ``[(relpath, size, mtime_ns)]`` sorted by path,
    ``errors`` is ``[(relpath, message)]`` for folders or files that could not be read.
    Hidden entries (leading ``.``) and the folders in ``skip`` are not entered; symlinks are
    not followed. Raises ``FileNotFoundError`` / ``NotADirectoryError`` / ``PermissionError``
    when ``root`` itself is unusable.
    """

class ProbeStream(Iterator[list[dict[str, Any]]]):
    """Batches of probe records, produced on the shared rayon pool while Python consumes them.

    Each record is a dict keyed like the ``assets`` table (see ``albumen.schema``):
    ``path`` (relative ``str``), ``id``, ``kind``, ``mime``, ``size``, ``mtime_ns``, ``width``,
    ``height``, ``display_width``, ``display_height``, ``orientation``, ``captured_at``,
    ``captured_offset``, ``captured_at_source``, ``make``, ``model``, ``lens``, ``iso``,
    ``f_number``, ``exposure_time``, ``focal_length``, ``gps_lat``, ``gps_lon``, ``gps_alt``,
    ``duration``, ``codec``, ``frame_rate``, ``content_id``, ``preview_offset``,
    ``preview_length``, ``error``. A file that could not be probed still yields a record, with
    ``error`` set.
    """

    @property
    def total(self) -> int:
        """Number of files this stream will probe."""
    @property
    def processed(self) -> int:
        """Number of records handed out so far."""
    def cancel(self) -> None:
        """Stop soon; callable from any thread. Iteration then ends after the batches in hand."""
    def __iter__(self) -> ProbeStream: ...
    def __next__(self) -> list[dict[str, Any]]: ...

def probe(
    root: str | PathLike[str],
    paths: Sequence[str],
    *,
    workers: int | None = None,
    batch_size: int = 100,
) -> ProbeStream:
    """Probe ``paths`` (relative to ``root``) in parallel and stream the records in batches."""

def probe_file(root: str | PathLike[str], path: str) -> dict[str, Any]:
    """Probe one file (``path`` relative to ``root``) and return its record."""
