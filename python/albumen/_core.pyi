"""Type stubs for albumen's Rust core (``albumen._core``).

Paths handed back by the core are ``str`` relative to the scan root; bytes that are not valid
UTF-8 come back as surrogate escapes, exactly as ``os.fsdecode`` would give them, so
``os.fsencode(path)`` recovers the original name. Paths passed in may be ``str``, ``bytes``
(the OS's own) or ``os.PathLike`` of either. Long work releases the GIL and checks for
Ctrl-C (``KeyboardInterrupt``).

Errors: an operating-system error raises the ``OSError`` subclass Python's own ``open()`` or
``os.rename()`` would raise for it (``FileNotFoundError``, ``PermissionError``,
``NotADirectoryError``, ``FileExistsError``, ``IsADirectoryError``, ...), with ``errno``,
``strerror`` (``os.strerror(errno)``) and ``filename`` set to the path concerned (and
``filename2`` to the destination of a failed rename). A bad argument raises ``ValueError``, an
index out of range ``IndexError``. A bug inside the core (a caught Rust panic) raises
``SystemError``; no function raises a bare ``RuntimeError``.
"""

from collections.abc import Iterator, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, final

from typing_extensions import Buffer, Self

__all__ = [
    "DiskThumbnailCache",
    "JustifiedLayout",
    "MemoryThumbnailCache",
    "ProbeStream",
    "VirtualAssetGrid",
    "__version__",
    "media_types",
    "probe",
    "probe_file",
    "walk",
]

__version__: str

def media_types() -> list[tuple[str, str, str, str]]:
    """The one extension table: ``(extension, kind, mime, family)``, sorted by extension, with
    lower-case extensions without the dot.

    ``kind`` is ``"photo"`` or ``"video"``. ``family`` says how the file is decoded, the key a
    thumbnail generator dispatches on: ``"jpeg"``, ``"heif"``, ``"avif"``, ``"raw"`` (camera
    raw files; most carry an embedded JPEG preview whose range the probe reports),
    ``"tiff"``, ``"png"``, ``"webp"``, ``"gif"`` or ``"video"`` (every video).
    """

# --- scanning ------------------------------------------------------------------------------

def walk(
    root: str | bytes | PathLike[str] | PathLike[bytes],
    *,
    skip: Sequence[str | bytes | PathLike[str] | PathLike[bytes]] = (),
) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]]]:
    """Find every supported media file below ``root``, in parallel.

    Returns ``(files, errors)``: ``files`` is ``[(relpath, size, mtime_ns)]`` sorted by the raw
    bytes of the path, ``errors`` is ``[(relpath, message)]`` (same order) for folders or files
    that could not be read. Only files whose extension is in ``media_types()`` (any case) are
    listed. Hidden entries (leading ``.``) and the folders in ``skip`` (recognised by identity,
    however they are spelled) are not entered; symlinks are not followed, so they never loop;
    ``.gitignore`` and similar files are not consulted. A symlinked ``root`` is resolved.
    Raises the ``OSError`` of listing ``root`` when it is unusable (``FileNotFoundError``,
    ``NotADirectoryError``, ``PermissionError``; ``filename`` is ``root``). Ctrl-C stops the
    walk and raises ``KeyboardInterrupt``.
    """

@final
class ProbeStream(Iterator[list[dict[str, Any]]]):
    """Batches of probe records, produced on the shared rayon pool while Python consumes them.

    Each record is a dict keyed like ``albumen.store.records.RECORD_FIELDS``:
    ``path`` (relative ``str``), ``id``, ``kind``, ``mime``, ``size``, ``mtime_ns``, ``width``,
    ``height``, ``display_width``, ``display_height``, ``orientation``, ``captured_at``,
    ``captured_offset``, ``captured_at_source``, ``make``, ``model``, ``lens``, ``iso``,
    ``f_number``, ``exposure_time``, ``focal_length``, ``gps_lat``, ``gps_lon``, ``gps_alt``,
    ``duration``, ``codec``, ``frame_rate``, ``content_id``, ``preview_offset``,
    ``preview_length``, ``previews``, ``error``, ``warnings``. ``previews`` lists the embedded
    previews the file carries, each with its pixel size as stored (before orientation) and its
    coded bytes' range: ``kind:WxH@offset+length`` entries joined by ``;`` (``kind`` is
    ``mpf``, a JPEG Multi-Picture "large thumbnail"; ``exif``, the IFD1 thumbnail; ``heif``, a
    thumbnail item; ``raw``, a JPEG inside a raw file), or None;
    ``albumen.store.records.parse_previews`` reads it. A file that could not be probed still
    yields a record, with ``error`` set (a zero-byte file, a truncated JPEG, a vanished file, a
    file that is not a regular file, a panic inside the probe); what could be read is kept.
    ``warnings`` names metadata a sound file carries that could not be read (an unreadable
    EXIF block or date, a compressed text over the size limit, stray bytes between JPEG
    segments), ``; ``-separated, else ``None``.
    ``captured_at`` is always set: it falls back to the file's mtime (``captured_at_source ==
    "file:mtime"``, recorded as UTC with ``captured_offset == 0``). A path whose extension is
    not in ``media_types()`` gets ``kind == "other"``, ``mime == "application/octet-stream"``
    and an error.

    Records come in batches of at most ``batch_size``, not in the order of ``paths``. A
    ``KeyboardInterrupt`` during ``__next__`` (also when a batch is ready) cancels the stream
    before it propagates. Dropping the stream cancels it too.
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
    def _wait_for_consumer(self, timeout: float | None = None) -> bool:
        """Test only (private, not part of the API): wait, GIL released, until a thread is
        inside ``__next__``; False if ``timeout`` seconds pass first."""

def probe(
    root: str | bytes | PathLike[str] | PathLike[bytes],
    paths: Sequence[str | bytes | PathLike[str] | PathLike[bytes]],
    *,
    workers: int | None = None,
    batch_size: int = 100,
) -> ProbeStream:
    """Probe ``paths`` (relative to ``root``) in parallel and stream the records in batches.

    Work runs on one shared thread pool of ``workers`` threads (default: one per core; a pool
    of another size is built once and reused). Raises ``ValueError`` when ``workers`` or
    ``batch_size`` is below 1, and ``OSError`` (with ``errno``) when the system refuses to
    start the pool's threads.
    """

def probe_file(
    root: str | bytes | PathLike[str] | PathLike[bytes],
    path: str | bytes | PathLike[str] | PathLike[bytes],
) -> dict[str, Any]:
    """Probe one file (``path`` relative to ``root``) and return its record (see
    ``ProbeStream``); never raises for a bad file."""

# --- grid layouts (issue 5) -------------------------------------------------------------------
# Geometry is in content coordinates: y grows downwards from the top of the content, x from
# its left edge. A "visible range" is the half-open range ``(first, last_exclusive)`` of the
# items whose rectangle intersects ``[scroll_y, scroll_y + viewport_height)`` vertically:
# exactly those, no extra rows (add your own overscan). An empty intersection gives
# ``(i, i)``; an empty layout gives ``(0, 0)``; ``last`` never exceeds the count.
#
# Sections: ``section_starts`` are the first item index of each section (unsorted and
# duplicate values are fine; values past the end are ignored until the count reaches them;
# section 0 always starts at item 0). Each section starts on a new row below a header row of
# ``header_height`` pixels; with no sections there are no headers.

@final
class VirtualAssetGrid:
    """Uniform grid math (the plan's VirtualAssetGrid), in Rust; well under 1 µs per call.

    Columns are ``max(1, viewport_width // (item_width + spacing))``; without sections item
    ``i`` sits at column ``i % cols``, row ``i // cols``, at
    ``(col * (item_width + spacing), row * (item_height + spacing))`` and the content height
    is ``rows * (item_height + spacing)``. With sections, each section is laid out the same way
    below its header, and adds ``header_height + rows * (item_height + spacing)``.
    Raises ``ValueError`` for a non-positive item size or a negative spacing.
    """

    def __new__(cls, item_width: int = 200, item_height: int = 200, spacing: int = 4) -> Self: ...
    @property
    def item_width(self) -> int: ...
    @property
    def item_height(self) -> int: ...
    @property
    def spacing(self) -> int: ...
    @property
    def total_count(self) -> int:
        """Number of items (0 until set)."""
    @property
    def header_height(self) -> int:
        """Height of section headers (0 without sections)."""
    @property
    def section_starts(self) -> list[int]:
        """Normalised first item of each section (``[0]`` without sections)."""
    @property
    def section_count(self) -> int: ...
    def set_total_count(self, count: int) -> None:
        """Set the item count; a negative count becomes 0."""
    def set_sections(self, starts: Sequence[int], header_height: int = 32) -> None:
        """Group items into sections starting at these indices; ``[]`` removes sections."""
    def columns(self, viewport_width: float) -> int:
        """``max(1, viewport_width // (item_width + spacing))``."""
    def calculate_visible_range(
        self, scroll_y: float, viewport_width: float, viewport_height: float
    ) -> tuple[int, int]:
        """``(first, last_exclusive)`` of the items intersecting the viewport."""
    def content_height(self, viewport_width: float) -> int:
        """Total scrollable height (0 for an empty grid)."""
    def item_rect(self, index: int, viewport_width: float) -> tuple[int, int, int, int]:
        """``(x, y, w, h)`` of item ``index`` (indices past the count get the place they would
        have). Raises ``IndexError`` for a negative index."""
    def index_at(self, x: float, y: float, viewport_width: float) -> int | None:
        """Item under the content point ``(x, y)``, or None (spacing, header, past the end)."""
    def section_of(self, index: int) -> int:
        """Section containing item ``index``."""
    def header_rect(self, section: int, viewport_width: float) -> tuple[int, int, int, int]:
        """``(x, y, w, h)`` of the header of ``section`` (full viewport width). ``IndexError``
        for a section that does not exist or an empty grid."""
    def visible_sections(
        self, scroll_y: float, viewport_width: float, viewport_height: float
    ) -> tuple[int, int]:
        """``(first, last_exclusive)`` of the sections intersecting the viewport (for headers)."""

@final
class JustifiedLayout:
    """Justified layout (Flickr / Google Photos): rows of items at their aspect ratios.

    Each row is scaled so it fills ``viewport_width`` exactly; row heights stay close to
    ``target_row_height`` (a row closed early grows at most 1.5 times, otherwise it takes one more
    item and shrinks); the last row of each section keeps the target height and is not
    stretched. ``aspect_ratios`` (width / height) is a buffer of f64 or f32
    (``array.array('d')``, a numpy array: copied once) or any sequence of numbers;
    non-finite or non-positive ratios become 1.0 and the rest are clamped to [0.001, 1000].
    Building 1,000,000 items takes a few milliseconds and releases the GIL. Items are stored
    flat (8 bytes per item, 16 per row); lookups are binary searches over rows (O(log rows)).
    ``ValueError`` for a non-positive width or row height, or a negative spacing.
    """

    def __new__(
        cls,
        aspect_ratios: Sequence[float] | Buffer,
        viewport_width: float,
        *,
        target_row_height: float = 200.0,
        spacing: float = 4.0,
        section_starts: Sequence[int] = ...,
        header_height: float = 32.0,
    ) -> Self: ...
    @property
    def total_count(self) -> int: ...
    @property
    def viewport_width(self) -> float: ...
    @property
    def target_row_height(self) -> float: ...
    @property
    def spacing(self) -> float: ...
    @property
    def header_height(self) -> float:
        """Height of section headers (0 without sections)."""
    @property
    def row_count(self) -> int: ...
    @property
    def section_count(self) -> int: ...
    @property
    def section_starts(self) -> list[int]: ...
    def set_viewport_width(self, viewport_width: float) -> bool:
        """Relayout for a new width; False (nothing done) when the width is unchanged.

        Reuses the normalised aspect ratios, the normalised sections and every buffer's
        allocation; recomputes the rows in one pass (GIL released).
        """
    def set_geometry(
        self,
        *,
        target_row_height: float | None = None,
        spacing: float | None = None,
        header_height: float | None = None,
    ) -> None:
        """Change row height, spacing or header height and relayout (same reuse as above)."""
    def set_sections(self, starts: Sequence[int], header_height: float = 32.0) -> None:
        """Replace the sections, keeping the aspect ratios, and relayout."""
    def content_height(self) -> float: ...
    def calculate_visible_range(self, scroll_y: float, viewport_height: float) -> tuple[int, int]:
        """``(first, last_exclusive)`` of the items intersecting the viewport."""
    def item_rect(self, index: int) -> tuple[float, float, float, float]:
        """``(x, y, w, h)`` of item ``index``; ``IndexError`` outside ``0..total_count``."""
    def index_at(self, x: float, y: float) -> int | None:
        """Item under the content point ``(x, y)``, or None."""
    def row_of(self, index: int) -> int: ...
    def section_of(self, index: int) -> int: ...
    def header_rect(self, section: int) -> tuple[float, float, float, float]:
        """``(x, y, w, h)`` of the header of ``section``; ``IndexError`` if none."""
    def visible_sections(self, scroll_y: float, viewport_height: float) -> tuple[int, int]:
        """``(first, last_exclusive)`` of the sections intersecting the viewport."""
    def __len__(self) -> int: ...

# --- thumbnail caches (issue 4) ------------------------------------------------------------

@final
class MemoryThumbnailCache:
    """L1: an LRU of ``bytes`` bounded by entry count and by total value length.

    Thread-safe (one inner lock, held only for an in-memory map operation by a thread holding
    the GIL, so no call waits for it while holding the GIL). The cached objects are the
    caller's own ``bytes`` (nothing is copied in or out). ``get`` and re-``put`` make a key the
    most recently used; ``put`` of an existing key replaces its value; a value longer than
    ``max_bytes`` is not stored.
    """

    def __new__(
        cls, max_size: int = 500, max_bytes: int = 200 * 1024 * 1024
    ) -> MemoryThumbnailCache: ...
    def get(self, key: str) -> bytes | None:
        """The value, or None on a miss (counted as a hit or a miss)."""
    def put(self, key: str, data: bytes) -> None:
        """Insert or replace, then evict least recently used entries until both bounds hold."""
    def invalidate(self, key: str) -> None:
        """Remove ``key``; a missing key is fine."""
    def clear(self) -> None:
        """Remove every entry (counters are kept)."""
    def keys(self) -> list[str]:
        """Keys from most to least recently used."""
    def __contains__(self, key: str, /) -> bool: ...
    def __len__(self) -> int: ...
    @property
    def size(self) -> int:
        """Number of entries."""
    @property
    def memory_usage_bytes(self) -> int:
        """Sum of the cached values' lengths."""
    @property
    def max_size(self) -> int: ...
    @property
    def max_bytes(self) -> int: ...
    def stats(self) -> dict[str, int | float]:
        """``hits``, ``misses``, ``hit_rate``, ``evictions``, ``puts``, ``rejected``,
        ``entries``, ``bytes``, ``max_entries``, ``max_bytes``."""
    def reset_stats(self) -> None:
        """Zero the counters."""

@final
class DiskThumbnailCache:
    """L2: one file per value at ``cache_dir/<md5(key)[:2]>/<md5(key)>.jpg``.

    The constructor creates ``cache_dir`` (parents included) and rebuilds its LRU index from the
    files present, oldest modification first. Writes go to a temporary file in the same
    directory, renamed into place; each file ends with a 16-byte trailer (xxh3-64 checksum,
    length, magic) that ``get`` verifies, so a reader never sees half a value: a damaged or
    truncated file is a miss and is removed. ``put`` evicts least recently used files until the
    total size (values + trailers) fits ``max_bytes``. ``fsync=True`` syncs each file before the
    rename (durability across power loss; slower, see the benchmarks). The cache never fills its
    disk: a ``put`` that would leave less than ``min_free_bytes`` (default 256 MiB) available on
    the file system writes nothing and raises ``OSError(ENOSPC)`` (counted in the stats as
    ``refused_low_space``); 0 leaves only what the file system itself refuses.

    Never stalls the caller: every method runs with the GIL released, and no file I/O happens
    under the index lock (a write renames its file before taking the lock to update the
    index; eviction and ``clear`` choose files under the lock and delete them after), so a
    slow write holds up only other writes of the same key. I/O errors raise the ``OSError``
    subclass for their ``errno``, with ``filename`` naming the file or directory concerned
    (for a failed rename, ``filename`` is the temporary file and ``filename2`` the cache file).
    """

    def __new__(
        cls,
        cache_dir: str | bytes | PathLike[str] | PathLike[bytes],
        max_bytes: int = 2 * 1024 * 1024 * 1024,
        *,
        fsync: bool = False,
        min_free_bytes: int = 256 * 1024 * 1024,
    ) -> DiskThumbnailCache: ...
    def get(self, key: str) -> bytes | None:
        """The stored value, or None on a miss; a hit makes the key most recently used."""
    def put(self, key: str, data: bytes) -> None:
        """Store atomically, replacing any previous value (``ValueError`` from 4 GiB up)."""
    def invalidate(self, key: str) -> None:
        """Remove the value of ``key``; a missing key is fine."""
    def clear(self) -> None:
        """Remove every cached file (a value being written at that moment may stay)."""
    def path_for(self, key: str) -> Path:
        """The file that holds (or would hold) ``key``'s value."""
    def __contains__(self, key: str, /) -> bool:
        """Whether a file exists for ``key`` (not verified, no counters)."""
    def __len__(self) -> int: ...
    @property
    def cache_dir(self) -> Path: ...
    @property
    def size(self) -> int:
        """Number of files in the index."""
    @property
    def disk_usage_bytes(self) -> int:
        """Bytes of the indexed files (values + trailers)."""
    @property
    def max_bytes(self) -> int: ...
    @property
    def min_free_bytes(self) -> int:
        """Free space the cache leaves on its file system."""
    def stats(self) -> dict[str, int | float]:
        """``hits``, ``misses``, ``hit_rate``, ``evictions``, ``puts``, ``corrupt`` (damaged
        files found and removed), ``refused_low_space`` (puts refused for the free-space
        margin), ``entries``, ``bytes``, ``max_bytes``."""
    def reset_stats(self) -> None:
        """Zero the counters."""
    # Private test hooks (for tests only; not part of the API): they simulate a slow file
    # system by holding writes of one key inside their file I/O.
    def _pause_writes(self, key: str) -> None:
        """Test only: hold every ``put`` of ``key`` right before it renames its file into
        place (temporary file written, key claimed, no lock and no GIL held)."""
    def _resume_writes(self) -> None:
        """Test only: let the held ``put`` calls go on."""
    def _wait_for_paused_writes(self, count: int = 1, timeout: float | None = None) -> bool:
        """Test only: wait (GIL released) until ``count`` ``put`` calls are held; False if
        ``timeout`` seconds pass first."""
