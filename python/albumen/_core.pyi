"""Type stubs for albumen's Rust core (``albumen._core``).

Paths handed back by the core are ``str`` relative to the scan root; bytes that are not valid
UTF-8 come back as surrogate escapes, exactly as ``os.fsdecode`` would give them, so
``os.fsencode(path)`` recovers the original name. Long work releases the GIL and checks for
Ctrl-C (``KeyboardInterrupt``).
"""

from collections.abc import Iterator, Sequence
from os import PathLike
from typing import Any, final

__all__ = ["ProbeStream", "__version__", "media_types", "probe", "probe_file", "walk"]

__version__: str

def media_types() -> list[tuple[str, str, str]]:
    """The extension table: ``(extension, kind, mime)`` with lower-case extensions, no dot.

    ``kind`` is ``"photo"`` or ``"video"``.
    """

# --- scanning ------------------------------------------------------------------------------

def walk(
    root: str | PathLike[str], *, skip: Sequence[str | PathLike[str]] = ()
) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]]]:
    """Find every supported media file below ``root``, in parallel.

    Returns ``(files, errors)``: ``files`` is ``[(relpath, size, mtime_ns)]`` sorted by the raw
    bytes of the path, ``errors`` is ``[(relpath, message)]`` (same order) for folders or files
    that could not be read. Only files whose extension is in ``media_types()`` (any case) are
    listed. Hidden entries (leading ``.``) and the folders in ``skip`` (recognised by identity,
    however they are spelled) are not entered; symlinks are not followed, so they never loop;
    ``.gitignore`` and similar files are not consulted. A symlinked ``root`` is resolved.
    Raises ``FileNotFoundError`` / ``NotADirectoryError`` / ``PermissionError`` when ``root``
    itself is unusable. Ctrl-C stops the walk and raises ``KeyboardInterrupt``.
    """

@final
class ProbeStream(Iterator[list[dict[str, Any]]]):
    """Batches of probe records, produced on the shared rayon pool while Python consumes them.

    Each record is a dict keyed like the ``assets`` table (see ``albumen.schema``):
    ``path`` (relative ``str``), ``id``, ``kind``, ``mime``, ``size``, ``mtime_ns``, ``width``,
    ``height``, ``display_width``, ``display_height``, ``orientation``, ``captured_at``,
    ``captured_offset``, ``captured_at_source``, ``make``, ``model``, ``lens``, ``iso``,
    ``f_number``, ``exposure_time``, ``focal_length``, ``gps_lat``, ``gps_lon``, ``gps_alt``,
    ``duration``, ``codec``, ``frame_rate``, ``content_id``, ``preview_offset``,
    ``preview_length``, ``error``. A file that could not be probed still yields a record, with
    ``error`` set (a zero-byte file, a truncated JPEG, unreadable EXIF, a vanished file, a
    panic inside the probe); what could be read is kept. ``captured_at`` is always set: it
    falls back to the file's mtime (``captured_at_source == "file:mtime"``, recorded as UTC
    with ``captured_offset == 0``). A path whose extension is not in ``media_types()`` gets
    ``kind == "other"``, ``mime == "application/octet-stream"`` and an error.

    Records come in batches of at most ``batch_size``, not in the order of ``paths``. A
    ``KeyboardInterrupt`` while ``__next__`` waits cancels the stream before it propagates.
    Dropping the stream cancels it too.
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
    """Probe ``paths`` (relative to ``root``) in parallel and stream the records in batches.

    Work runs on one shared thread pool of ``workers`` threads (default: one per core; a pool
    of another size is built once and reused). Raises ``ValueError`` when ``workers`` or
    ``batch_size`` is below 1.
    """

def probe_file(root: str | PathLike[str], path: str) -> dict[str, Any]:
    """Probe one file (``path`` relative to ``root``) and return its record (see
    ``ProbeStream``); never raises for a bad file."""
