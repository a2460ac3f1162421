"""L3 of the thumbnail cache: making thumbnails from the original files.

``ThumbnailGenerator`` is the protocol the :class:`~albumen.ThumbnailService` calls on its
worker threads. :class:`DefaultThumbnailGenerator` is the built-in implementation:

* an embedded preview the probe found (a JPEG Multi-Picture "large thumbnail" as cameras write
  one, the EXIF thumbnail, a HEIF thumbnail item, a raw file's JPEGs) is decoded instead of the
  image when one is at least the thumbnail's size and has the image's aspect ratio (within 1%,
  after orientation): the smallest such one. A preview that turns out corrupt or not what the
  record says falls back to the image, counted and noted in ``stats()``. ``use_previews=False``
  (``albumen thumbs --no-previews``) always decodes the image itself;
* JPEG is decoded at reduced scale (Pillow's draft mode: the DCT scales by 1/2, 1/4 or 1/8 while
  decoding), and the embedded EXIF thumbnail is used instead when it is at least as large as the
  requested size and has the image's aspect ratio;
* HEIC/HEIF through pillow-heif; RAW through the embedded JPEG preview (at the offset the probe
  recorded when known, else whatever Pillow can open); video through one frame decoded with PyAV,
  the stream's display rotation honoured; everything else Pillow opens;
* EXIF orientation is applied, so every thumbnail is upright;
* colours are converted from the embedded ICC profile (Display P3, Adobe RGB, a CMYK press
  profile, ...) to sRGB, and CIELAB images through a LAB profile; 16-bit, float, palette,
  transparent and CMYK pixels all come out as 8-bit RGB or grey (transparency on white);
* every file is opened without blocking and must be a regular file (``files.py``), and a decode
  is bounded before it starts (:class:`DecodeLimits`: the memory its pixels would take, read
  from the header after the JPEG draft reduction; the number of scans of a progressive JPEG).
  A refusal is a :class:`ThumbnailError` naming the limit. The time of a decode is bounded by
  the worker processes of :mod:`albumen.thumbnails.isolation`, which ``albumen thumbs`` uses;
* the output is a JPEG, quality 85, fitting the requested box with its aspect ratio kept (the
  longest side equals the box's side for a square box); images are never enlarged.

The generator knows assets only by id: an :class:`AssetResolver` maps an id to the file and the
little the library knows about it (:class:`AssetSource`). :class:`MappingResolver` keeps the
mapping in memory; :class:`StoreAssetResolver` asks a library's store (and
:class:`SQLiteAssetResolver` opens one from a database file).

Pillow, pillow-heif and PyAV are imported on first use, so importing this module is cheap.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from albumen.errors import ThumbnailError
from albumen.paths import AnyPath, fs_path
from albumen.store.protocols import AssetStore
from albumen.store.records import Preview, ThumbnailTarget, parse_previews
from albumen.thumbnails.files import open_regular_file

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "AssetResolver",
    "AssetSource",
    "DecodeLimits",
    "DefaultThumbnailGenerator",
    "MappingResolver",
    "SQLiteAssetResolver",
    "StoreAssetResolver",
    "ThumbnailError",
    "ThumbnailGenerator",
    "choose_preview",
    "micro_thumbnail",
    "parse_thumbnail_asset_id",
    "source_of_record",
    "thumbnail_asset_id",
]

JPEG_QUALITY = 85
MICRO_SIZE = 32
#: How far a preview's aspect ratio may differ from the image's (relative).
PREVIEW_ASPECT_TOLERANCE = 0.01
#: Previews whose coded bytes are a JPEG of their own (read at their offset).
_JPEG_PREVIEWS = ("mpf", "exif", "raw")
#: What a preview's entropy-coded data is followed by instead of its end-of-image marker.
_LOOKAHEAD_PADDING = bytes(16)
#: Fallback notes kept for ``stats()``.
_NOTES_KEPT = 20

_log = logging.getLogger(__name__)

#: Memory the decoded pixels of one file may take by default (``DecodeLimits.max_bytes``).
DEFAULT_DECODE_BYTES = 512 * 1024 * 1024
#: Scans a progressive JPEG may have by default: encoders write 2 to about 20; each scan costs
#: a pass over every coefficient of the image (thousands of empty scans in a few kilobytes
#: take minutes to decode).
DEFAULT_MAX_JPEG_SCANS = 100
#: Seconds one file may take to make into a thumbnail in a worker process.
DEFAULT_DEADLINE = 60.0


@dataclass(frozen=True)
class DecodeLimits:
    """Bounds on decoding one file. ``max_bytes`` and ``max_jpeg_scans`` are checked from the
    header before any pixel is decoded; ``deadline`` (seconds) is enforced where decoding runs
    in a worker process (:mod:`albumen.thumbnails.isolation`). A file over a limit is refused
    with a :class:`ThumbnailError` that names it, recorded as that file's error.

    ``max_bytes`` bounds the memory the decoded pixels take, so the pixel limit scales with the
    pixel format and the reduction the decoder applies: a 100-megapixel JPEG decoded at 1/8
    scale costs 6 MB and passes, a 13000 x 13000 PNG (676 MB of RGB) does not, while an 8-bit
    grey image may have four times the pixels of an RGB one. A progressive JPEG also counts its
    coefficient buffer at full size (2 bytes per sample), which draft mode does not reduce.
    """

    max_bytes: int = DEFAULT_DECODE_BYTES
    max_jpeg_scans: int = DEFAULT_MAX_JPEG_SCANS
    deadline: float = DEFAULT_DEADLINE

    @classmethod
    def for_workers(cls, workers: int, *, deadline: float = DEFAULT_DEADLINE) -> DecodeLimits:
        """Limits for ``workers`` decodes running at once: together they may take a quarter of
        the machine's memory, each between 128 MiB and ``DEFAULT_DECODE_BYTES`` (512 MiB: a
        130-megapixel RGB image, or a 500-megapixel grey one)."""
        total = _physical_memory()
        if total is None:
            per = DEFAULT_DECODE_BYTES
        else:
            per = min(DEFAULT_DECODE_BYTES, max(128 << 20, total // (4 * max(1, workers))))
        return cls(max_bytes=per, deadline=deadline)


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return None


# Bytes per pixel of Pillow's in-memory image formats (multi-band 8-bit images take 4).
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}

# EXIF orientation -> the Pillow transpose that makes the image upright
# (the same table as PIL.ImageOps.exif_transpose).
_TRANSPOSE: dict[int, int] = {
    2: 0,  # FLIP_LEFT_RIGHT
    3: 3,  # ROTATE_180
    4: 1,  # FLIP_TOP_BOTTOM
    5: 5,  # TRANSPOSE
    6: 4,  # ROTATE_270
    7: 6,  # TRANSVERSE
    8: 2,  # ROTATE_90
}


@runtime_checkable
class ThumbnailGenerator(Protocol):
    """Makes one thumbnail: JPEG bytes fitting ``size`` (width, height), or None."""

    def generate(self, asset_id: str, size: tuple[int, int]) -> bytes | None: ...


@dataclass(frozen=True)
class AssetSource:
    """What the generator needs to know about one asset (``path``: the file, given as
    ``str``, ``bytes`` or ``os.PathLike``; kept as a ``pathlib.Path``)."""

    path: Path
    kind: str = "photo"  # "photo" or "video"
    mime: str | None = None
    orientation: int | None = None  # EXIF orientation the probe read, if any
    preview_offset: int | None = None  # embedded JPEG preview of a RAW file
    preview_length: int | None = None
    width: int | None = None  # stored pixel size of the image, as the probe read it
    height: int | None = None
    previews: tuple[Preview, ...] = ()  # embedded previews the probe found

    def __post_init__(self) -> None:
        if not isinstance(self.path, Path):
            object.__setattr__(self, "path", fs_path(self.path))

    @property
    def extension(self) -> str:
        return self.path.suffix.lower().lstrip(".")

    @property
    def format(self) -> str:
        """The format family used for dispatch and statistics: the family of the extension in
        the one extension table (``albumen._core.media_types``), ``"video"`` for any video,
        else the extension itself."""
        if self.kind == "video" or (self.mime or "").startswith("video/"):
            return "video"
        ext = self.extension
        return _families().get(ext) or ext or "unknown"


@functools.cache
def _families() -> dict[str, str]:
    from albumen._core import media_types

    return {ext: family for ext, _kind, _mime, family in media_types()}


class AssetResolver(Protocol):
    """Maps a thumbnail asset id to the file it shows (None when unknown)."""

    def resolve(self, asset_id: str) -> AssetSource | None: ...


class MappingResolver:
    """An in-memory, thread-safe ``asset_id -> AssetSource`` map."""

    def __init__(self, sources: Mapping[str, AssetSource] | None = None) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, AssetSource] = dict(sources or {})

    def add(self, asset_id: str, source: AssetSource) -> None:
        with self._lock:
            self._sources[asset_id] = source

    def discard(self, asset_id: str) -> None:
        with self._lock:
            self._sources.pop(asset_id, None)

    def resolve(self, asset_id: str) -> AssetSource | None:
        with self._lock:
            return self._sources.get(asset_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sources)


def thumbnail_asset_id(content_id: str, mtime_ns: int) -> str:
    """The id thumbnails of a file are cached under: it changes whenever the file's content
    (its content hash ``id``) or its modification time changes, so an edited photo never shows
    a stale thumbnail. It is reversible (:func:`parse_thumbnail_asset_id`), so a resolver can
    find the file again from the id alone."""
    return f"{content_id}-{int(mtime_ns)}"


def parse_thumbnail_asset_id(asset_id: str) -> tuple[str, int] | None:
    """``(content_id, mtime_ns)`` of a :func:`thumbnail_asset_id`, or None."""
    content_id, sep, mtime = asset_id.rpartition("-")
    if not sep or not content_id or not mtime.lstrip("-").isdigit():
        return None
    return content_id, int(mtime)


class StoreAssetResolver:
    """Resolves :func:`thumbnail_asset_id` ids through a library's store (paths relative to
    ``root``)."""

    def __init__(self, store: AssetStore, root: AnyPath) -> None:
        self.store = store
        self.root = fs_path(root)

    def resolve(self, asset_id: str) -> AssetSource | None:
        parsed = parse_thumbnail_asset_id(asset_id)
        if parsed is None:
            return None
        target = self.store.thumbnail_target(*parsed)
        return None if target is None else source_of(self.root, target)


class SQLiteAssetResolver(StoreAssetResolver):
    """A :class:`StoreAssetResolver` on a library database file (``LIBRARY/library.db``),
    which it opens; ``close()`` closes it."""

    def __init__(self, db_path: AnyPath, root: AnyPath) -> None:
        from albumen.store.sqlite import SQLiteAssetRepository

        self._repository = SQLiteAssetRepository(db_path)
        super().__init__(self._repository, root)

    def close(self) -> None:
        self._repository.close()


def source_of(root: Path, target: ThumbnailTarget) -> AssetSource:
    """The :class:`AssetSource` of a stored asset."""
    return AssetSource(
        path=root / os.fsdecode(target.path),
        kind=target.kind,
        mime=target.mime,
        orientation=target.orientation,
        preview_offset=target.preview_offset,
        preview_length=target.preview_length,
        width=target.width,
        height=target.height,
        previews=parse_previews(target.previews),
    )


def source_of_record(root: str | os.PathLike[str], record: Mapping[str, Any]) -> AssetSource:
    """The :class:`AssetSource` of a probe record (a dict ``albumen._core.probe`` yields, its
    ``path`` relative to ``root``), previews included: thumbnails of files not in a store."""
    path = record["path"]
    return AssetSource(
        path=Path(root) / (os.fsdecode(path) if isinstance(path, bytes) else path),
        kind=record.get("kind") or "photo",
        mime=record.get("mime"),
        orientation=record.get("orientation"),
        preview_offset=record.get("preview_offset"),
        preview_length=record.get("preview_length"),
        width=record.get("width"),
        height=record.get("height"),
        previews=parse_previews(record.get("previews")),
    )


# --------------------------------------------------------------------------------------------
# image helpers (Pillow imported lazily)


def _orientation_of(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:
        return 1
    return value if 1 <= value <= 8 else 1


def _upright(im: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    if method is None:
        return im
    from PIL import Image

    return im.transpose(Image.Transpose(method))


def _box_for(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The box in stored (pre-rotation) pixels: swapped for the orientations that turn 90°."""
    w, h = size
    return (h, w) if orientation >= 5 else (w, h)


def _fitted(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The size ``width`` x ``height`` shrinks to in ``box`` (aspect kept, never enlarged)."""
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _same_aspect(a: tuple[int, int], b: tuple[int, int]) -> bool:
    aspect = b[0] / b[1]
    return abs(a[0] / a[1] - aspect) <= PREVIEW_ASPECT_TOLERANCE * aspect


def choose_preview(
    previews: Sequence[Preview],
    width: int | None,
    height: int | None,
    orientation: int | None,
    size: tuple[int, int],
) -> Preview | None:
    """The preview to make a ``size`` thumbnail from, or None (decode the image): the smallest
    of ``previews`` that has the image's aspect ratio (within 1%) and is at least as large as
    the thumbnail made from the image would be, and smaller than the image. Sizes are stored
    pixels (``width`` x ``height`` is the image's), which previews share the orientation of."""
    if not previews or not width or not height or width < 1 or height < 1:
        return None
    need = _fitted(width, height, _box_for(size, orientation or 1))
    best: Preview | None = None
    for p in previews:
        if p.width < 1 or p.height < 1 or (p.width >= width and p.height >= height):
            continue
        if p.width < need[0] or p.height < need[1]:
            continue
        if not _same_aspect((p.width, p.height), (width, height)):
            continue
        if best is None or p.width * p.height < best.width * best.height:
            best = p
    return best


class _PreviewUnusable(Exception):
    """A chosen preview cannot stand in for the image (the message says why)."""


def _shown(width: int, height: int, orientation: int) -> tuple[int, int]:
    """Size once upright."""
    return (height, width) if orientation >= 5 else (width, height)


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode in ("P", "L", "RGB") and "transparency" in im.info
    )


def _for_resizing(im: Image.Image) -> Image.Image:
    """An image Pillow resizes well: palette and 1-bit images (resized with nearest neighbour
    otherwise) become RGB(A) or grey first. Other modes pass unchanged."""
    if im.mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode == "PA":
        return im.convert("RGBA")
    if im.mode == "1":
        return im.convert("L")
    return im


def _to_grey8(im: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float grey as 8-bit: 16-bit by its top byte, floats in 0..1
    scaled to 0..255, anything else stretched over its range."""
    if im.mode.startswith("I;16"):
        return im.convert("I").point(lambda v: v / 256).convert("L")
    extrema: Any = im.getextrema()  # one band: (min, max)
    lo, hi = float(extrema[0]), float(extrema[1])
    if im.mode == "F" and lo >= 0.0 and hi <= 1.0:
        return im.point(lambda v: v * 255).convert("L")
    if im.mode == "I" and lo >= 0 and hi <= 65535:
        return im.point(lambda v: v / 256 if hi > 255 else v).convert("L")
    if hi <= lo:
        from PIL import Image

        return Image.new("L", im.size, 0)
    return im.point(lambda v: (v - lo) * 255.0 / (hi - lo)).convert("L")


@functools.lru_cache(maxsize=16)
def _srgb_transform(profile: bytes, mode: str) -> Any:
    """A cached LittleCMS transform from ``profile`` (ICC bytes, or ``b"LAB"`` for CIELAB) to
    sRGB for images of ``mode``; None when the profile cannot be used for that mode."""
    from PIL import ImageCms

    try:
        src: Any
        if profile == b"LAB":
            src = ImageCms.createProfile("LAB")
        else:
            src = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.buildTransform(
            src,
            ImageCms.createProfile("sRGB"),
            mode,
            "RGB",
            flags=ImageCms.Flags.NOCACHE,  # applied from many threads at once
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _to_srgb(im: Image.Image, profile: bytes | None) -> Image.Image:
    """8-bit sRGB (or 8-bit grey) pixels of ``im``: transparency flattened on white, the
    embedded ICC ``profile`` (when it fits the image's mode) converted to sRGB, CIELAB through
    a LAB profile, every other mode converted by Pillow."""
    from PIL import Image

    if _has_alpha(im):
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, (255, 255, 255))
        im.paste(rgba, mask=rgba.getchannel("A"))
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        return _to_grey8(im)
    if im.mode == "1":
        return im.convert("L")
    if im.mode == "LAB":
        transform = _srgb_transform(b"LAB", "LAB")
        return transform.apply(im) if transform is not None else im.convert("RGB")
    if profile and im.mode in ("RGB", "CMYK"):
        transform = _srgb_transform(profile, im.mode)
        if transform is not None:
            try:
                return transform.apply(im)  # type: ignore[no-any-return]
            except Exception:  # a profile LittleCMS accepted but cannot apply: keep Pillow's
                pass
    if im.mode in ("RGB", "L"):
        return im
    return im.convert("RGB")


def _to_rgb(im: Image.Image) -> Image.Image:
    """What a JPEG can hold: 8-bit RGB or grey (see :func:`_to_srgb`; no profile)."""
    if im.mode in ("RGB", "L"):
        return im
    return _to_srgb(im, None)


def encode_jpeg(im: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    _to_rgb(im).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _fit(im: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Shrink ``im`` to fit ``box`` keeping its aspect (never enlarges)."""
    from PIL import Image

    if im.width > box[0] or im.height > box[1]:
        # Pillow's reduce() (the first step of a reducing gap) has no 16-bit modes
        gap = None if im.mode.startswith("I;16") else 2.0
        im.thumbnail(box, Image.Resampling.BICUBIC, reducing_gap=gap)
    return im


def _jpeg_scans(fp: Any) -> int:
    """How many start-of-scan markers a JPEG file holds (read in chunks; an EXIF thumbnail or
    an appended preview adds one or a few). Inside entropy-coded data a 0xFF byte is always
    followed by 0x00 or a restart marker, so ``FF DA`` appears only as a marker."""
    pos = fp.tell()
    fp.seek(0)
    count = 0
    tail = b""
    try:
        while chunk := fp.read(1 << 20):
            data = tail + chunk
            count += data.count(b"\xff\xda")
            tail = data[-1:] if data[-1:] == b"\xff" else b""
    finally:
        fp.seek(pos)
    return count


def check_decode_cost(im: Image.Image, limits: DecodeLimits, full_size: tuple[int, int]) -> None:
    """Refuse (``ThumbnailError``) an opened, not yet decoded image whose decode would exceed
    ``limits``; ``im.size`` is what the decoder will produce (after a JPEG draft reduction),
    ``full_size`` the image's own size."""
    w, h = im.size
    mode = im.mode
    per_pixel = 4 if mode in ("P", "PA") else _PIXEL_BYTES.get(mode, 4)
    cost = w * h * per_pixel
    fw, fh = full_size
    if im.format == "JPEG" and (im.info.get("progressive") or im.info.get("progression")):
        # libjpeg keeps every coefficient of a progressive image (2 bytes per sample at full
        # size, whatever the draft scale) and makes one pass over them per scan
        cost += fw * fh * 2 * len(im.getbands())
        fp = getattr(im, "fp", None)
        if fp is not None:
            scans = _jpeg_scans(fp)
            if scans > limits.max_jpeg_scans:
                raise ThumbnailError(
                    f"progressive JPEG with {scans} scans (the limit is "
                    f"{limits.max_jpeg_scans}): refused before decoding, as each scan is a "
                    "pass over the whole image"
                )
    if cost > limits.max_bytes:
        raise ThumbnailError(
            f"a {fw}x{fh} {mode} image would take {cost / 2**20:.0f} MiB to decode (the limit "
            f"is {limits.max_bytes / 2**20:.0f} MiB): refused before decoding"
        )


def micro_thumbnail(jpeg: bytes, max_side: int = MICRO_SIZE, quality: int = 70) -> bytes:
    """A tiny JPEG (longest side ``max_side``) made from a thumbnail's bytes: the placeholder the
    library database keeps per asset."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as im:
        im.draft("RGB", (max_side, max_side))
        small = _fit(im, (max_side, max_side))
        return encode_jpeg(small, quality)


@dataclass
class _FormatStats:
    count: int = 0
    failed: int = 0
    seconds: float = 0.0


class DefaultThumbnailGenerator:
    """The built-in generator (see the module docs). Thread-safe: call ``generate`` from many
    worker threads at once (Pillow and PyAV release the GIL while decoding)."""

    def __init__(
        self,
        resolver: AssetResolver,
        *,
        quality: int = JPEG_QUALITY,
        use_embedded_thumbnail: bool = True,
        use_previews: bool = True,
        limits: DecodeLimits | None = None,
    ) -> None:
        """``use_previews=False`` never makes a thumbnail from an embedded preview (nor from the
        EXIF thumbnail, nor a HEIF thumbnail item): the image itself is decoded. Raw files are
        still read through their embedded JPEG, the one way to show them."""
        self.resolver = resolver
        self.quality = quality
        self.use_embedded_thumbnail = use_embedded_thumbnail
        self.use_previews = use_previews
        self.limits = limits if limits is not None else DecodeLimits()
        self._lock = threading.Lock()
        self._stats: dict[str, _FormatStats] = {}
        self._embedded_used = 0
        self._previews_used = 0
        self._preview_fallbacks = 0
        self._preview_notes: deque[str] = deque(maxlen=_NOTES_KEPT)
        _register_heif()
        _quiet_pillow()

    def generate(self, asset_id: str, size: tuple[int, int]) -> bytes | None:
        """JPEG bytes of the thumbnail, None when the resolver does not know the id. Raises
        :class:`ThumbnailError` (or the decoder's error) when the file cannot be made into a
        thumbnail."""
        source = self.resolver.resolve(asset_id)
        if source is None:
            return None
        return self.generate_from(source, size)

    def generate_from(self, source: AssetSource, size: tuple[int, int]) -> bytes:
        """The thumbnail of one file, without going through the resolver."""
        if size[0] < 1 or size[1] < 1:
            raise ValueError(f"thumbnail size must be positive, got {size!r}")
        fmt = source.format
        start = time.perf_counter()
        ok = False
        try:
            _quiet_pillow()
            if fmt == "video":
                im = self._video_frame(source, size)
            elif fmt == "raw":
                im = self._raw(source, size)
            else:
                im = self._still(source, size)
            data = encode_jpeg(im, self.quality)
            ok = True
            return data
        except ThumbnailError:
            raise
        except MemoryError as exc:
            raise ThumbnailError("not enough memory to decode this file") from exc
        except Exception as exc:
            from PIL import Image

            if isinstance(exc, Image.DecompressionBombError):
                raise ThumbnailError(
                    f"{exc} (Pillow's Image.MAX_IMAGE_PIXELS): refused before decoding"
                ) from exc
            raise ThumbnailError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            elapsed = time.perf_counter() - start
            with self._lock:
                st = self._stats.setdefault(fmt, _FormatStats())
                if ok:
                    st.count += 1
                    st.seconds += elapsed
                else:
                    st.failed += 1

    def stats(self) -> dict[str, Any]:
        """Per format: thumbnails made, failures, total and mean seconds; thumbnails made from
        embedded previews, previews that fell back to the image and the last notes saying why."""
        with self._lock:
            per = {
                fmt: {
                    "count": s.count,
                    "failed": s.failed,
                    "seconds": s.seconds,
                    "mean_ms": (s.seconds / s.count * 1000.0) if s.count else 0.0,
                }
                for fmt, s in sorted(self._stats.items())
            }
            return {
                "per_format": per,
                "embedded_thumbnails_used": self._embedded_used,
                "previews_used": self._previews_used,
                "preview_fallbacks": self._preview_fallbacks,
                "preview_notes": list(self._preview_notes),
            }

    # -- stills ---------------------------------------------------------------------------

    def _still(self, source: AssetSource, size: tuple[int, int]) -> Image.Image:
        from PIL import Image

        if self.use_previews:
            preview = self._from_preview(source, size)
            if preview is not None:
                return preview
        with open_regular_file(source.path) as fp, Image.open(fp) as im:
            return self._render(im, size, None)

    def _render(
        self, im: Image.Image, size: tuple[int, int], orientation: int | None
    ) -> Image.Image:
        """Reduce, fit, make upright and convert to sRGB an opened (not yet loaded) image,
        once :func:`check_decode_cost` passed it."""
        profile = im.info.get("icc_profile")
        if not isinstance(profile, bytes):
            profile = None
        full_size = im.size
        if im.format in ("HEIF", "AVIF"):
            # libheif applies the container's rotation/mirror while decoding and pillow-heif
            # resets the EXIF tag, so the decoded pixels are already upright.
            orientation = 1
            if not self.use_previews:
                im.load()  # the image itself: a later draft() cannot pick a thumbnail item
        elif orientation is None:
            orientation = _orientation_of(im)
        box = _box_for(size, orientation)
        # a JPEG carrying MPF images (cameras' previews) opens as "MPO": its first frame is
        # the main image, which draft mode reduces as any JPEG's
        if im.format in ("JPEG", "MPO"):
            if self.use_embedded_thumbnail and self.use_previews:
                embedded = _embedded_thumbnail(im, box)
                if embedded is not None:
                    with self._lock:
                        self._embedded_used += 1
                    # the preview is in the image's colour space: same profile
                    return _to_srgb(_upright(_fit(embedded, box), orientation), profile)
            im.draft(im.mode, box)
        elif getattr(im, "n_frames", 1) > 1:
            im.seek(0)
        check_decode_cost(im, self.limits, full_size)
        out = _fit(_for_resizing(im), box)
        out.load()
        return _to_srgb(_upright(out, orientation), profile)

    # -- embedded previews ------------------------------------------------------------------

    def _from_preview(self, source: AssetSource, size: tuple[int, int]) -> Image.Image | None:
        """The thumbnail made from the preview :func:`choose_preview` picks, or None: none fits,
        or the one that did is unusable (counted and noted; the caller decodes the image)."""
        # thumbnail items are read through pillow-heif, which this generator opens HEIF with
        usable = [p for p in source.previews if p.kind != "heif" or source.format == "heif"]
        p = choose_preview(usable, source.width, source.height, source.orientation, size)
        if p is None:
            return None
        blob = b""
        if p.kind in _JPEG_PREVIEWS:
            with open_regular_file(source.path) as f:  # an unreadable file is the file's error
                f.seek(p.offset)
                blob = f.read(p.length)
        try:
            if p.kind in _JPEG_PREVIEWS:
                im = self._jpeg_preview(source, p, blob, size)
            elif p.kind == "heif":
                im = self._heif_preview(source, p, size)
            else:
                return None  # a kind this generator does not know: the image it is
        except MemoryError:
            raise
        except Exception as exc:
            reason = (
                str(exc) if isinstance(exc, _PreviewUnusable) else f"{type(exc).__name__}: {exc}"
            )
            note = (
                f"{source.path.name}: {p.kind} preview {p.width}x{p.height} unusable ({reason}); "
                "decoded the image"
            )
            _log.info("%s", note)
            with self._lock:
                self._preview_fallbacks += 1
                self._preview_notes.append(note)
            return None
        with self._lock:
            self._previews_used += 1
        return im

    def _jpeg_preview(
        self, source: AssetSource, p: Preview, blob: bytes, size: tuple[int, int]
    ) -> Image.Image:
        from PIL import Image

        if len(blob) != p.length:
            raise _PreviewUnusable("it runs past the end of the file")
        with Image.open(io.BytesIO(blob), formats=["JPEG"]) as im:
            if im.size != (p.width, p.height):
                raise _PreviewUnusable(
                    f"it is {im.width}x{im.height}, not {p.width}x{p.height} as recorded"
                )
            own = _orientation_of(im) if 0x0112 in im.getexif() else None
            orientation = source.orientation or own or 1
            main = _shown(source.width or 0, source.height or 0, source.orientation or 1)
            if not _same_aspect(_shown(p.width, p.height, orientation), main):
                raise _PreviewUnusable("its aspect ratio once upright is not the image's")
            eoi = blob.rfind(b"\xff\xd9")
            if im.info.get("progressive") or eoi < 0:
                return self._render(im, size, orientation)
        # A sequential JPEG is decoded without its end-of-image marker, followed by a few zero
        # bytes for the decoder's look-ahead: one whose frame header claims more pixels than
        # its data holds then runs out of data and fails here, where libjpeg would otherwise
        # reach the marker early and pad the rest of the picture silently.
        with Image.open(io.BytesIO(blob[:eoi] + _LOOKAHEAD_PADDING), formats=["JPEG"]) as im:
            return self._render(im, size, orientation)

    def _heif_preview(self, source: AssetSource, p: Preview, size: tuple[int, int]) -> Image.Image:
        """A HEIF thumbnail item, decoded by pillow-heif: its ``draft`` picks the smallest
        thumbnail item at least ``need`` pixels large that is a scaled copy of the image."""
        from PIL import Image

        with open_regular_file(source.path) as fp, Image.open(fp) as im:
            if im.format != "HEIF":
                raise _PreviewUnusable(f"pillow-heif does not read it ({im.format})")
            need = _fitted(im.width, im.height, size)
            if im.draft(None, need) is None:
                raise _PreviewUnusable("pillow-heif finds no thumbnail item that is a scaled copy")
            if im.width < need[0] or im.height < need[1]:
                raise _PreviewUnusable(f"the thumbnail item is only {im.width}x{im.height}")
            return self._render(im, size, None)

    # -- RAW ------------------------------------------------------------------------------

    def _raw(self, source: AssetSource, size: tuple[int, int]) -> Image.Image:
        from PIL import Image

        if self.use_previews:
            preview = self._from_preview(source, size)
            if preview is not None:
                return preview
        if source.preview_offset is not None and source.preview_length:
            with open_regular_file(source.path) as f:
                f.seek(source.preview_offset)
                blob = f.read(source.preview_length)
            if len(blob) != source.preview_length:
                raise ThumbnailError("RAW preview extends past the end of the file")
            with Image.open(io.BytesIO(blob)) as im:
                orientation = source.orientation or _orientation_of(im)
                return self._render(im, size, orientation)
        try:
            with open_regular_file(source.path) as fp, Image.open(fp) as im:
                return self._render(im, size, source.orientation)
        except ThumbnailError:
            raise
        except Exception as exc:
            raise ThumbnailError(
                f"no embedded preview known and Pillow cannot read this RAW file ({exc})"
            ) from exc

    # -- video ----------------------------------------------------------------------------

    def _video_frame(self, source: AssetSource, size: tuple[int, int]) -> Image.Image:
        import av

        with open_regular_file(source.path) as fp, av.open(fp) as container:
            if not container.streams.video:
                raise ThumbnailError("no video stream")
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            if width * height * 4 > self.limits.max_bytes:
                raise ThumbnailError(
                    f"{width}x{height} video frames would take "
                    f"{width * height * 4 / 2**20:.0f} MiB each to decode (the limit is "
                    f"{self.limits.max_bytes / 2**20:.0f} MiB): refused before decoding"
                )
            stream.thread_type = "AUTO"
            # A frame about a second in (or a tenth of a short clip): past fade-ins.
            duration = container.duration  # microseconds (AV_TIME_BASE)
            if duration and duration > 0:
                target = min(1_000_000, duration // 10)
                if target > 0:
                    try:
                        container.seek(target, backward=True, any_frame=False)
                    except av.FFmpegError:
                        container.seek(0)
            frame = None
            for i, candidate in enumerate(container.decode(stream)):
                frame = candidate
                t = candidate.time
                if i >= 120 or t is None or duration is None or t * 1e6 >= target - 1e5:
                    break
            if frame is None:
                raise ThumbnailError("no decodable video frame")
            rotation = round(frame.rotation or 0) % 360
            fw, fh = frame.width, frame.height
            box = size if rotation in (0, 180) else (size[1], size[0])
            scale = min(1.0, 2 * box[0] / fw, 2 * box[1] / fh)
            im = frame.to_image(  # type: ignore[no-untyped-call, unused-ignore]
                width=max(1, round(fw * scale)), height=max(1, round(fh * scale))
            )
        im = _fit(im, box)
        if rotation:
            # `rotation` is the display matrix angle, counter-clockwise as PIL's rotate takes it
            im = im.rotate(rotation, expand=True)
        return im


def _embedded_thumbnail(im: Image.Image, box: tuple[int, int]) -> Image.Image | None:
    """The EXIF (IFD1) thumbnail of a JPEG when it covers ``box`` and has the image's aspect."""
    from PIL import ExifTags, Image

    raw = im.info.get("exif")
    if not isinstance(raw, bytes) or not raw.startswith(b"Exif\x00\x00"):
        return None
    try:
        ifd1 = im.getexif().get_ifd(ExifTags.IFD.IFD1)
        offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
        if not offset or not length:
            return None
        blob = raw[6 + offset : 6 + offset + length]
        thumb = Image.open(io.BytesIO(blob))
        tw, th = thumb.size
        if tw < min(box[0], im.width) and th < min(box[1], im.height):
            return None
        if abs(tw / th - im.width / im.height) > 0.01 * (im.width / im.height):
            return None  # letterboxed or cropped: not a faithful preview
        thumb.load()
        return thumb
    except Exception:
        return None


_heif_lock = threading.Lock()
_heif_registered = False


def _quiet_pillow() -> None:
    """Keep Pillow's warnings off stderr: the DecompressionBombWarning (the generator bounds
    every decode itself, :class:`DecodeLimits`; an image past Pillow's own hard limit is an
    error) and its notes on odd file metadata ("Truncated File Read", "Metadata Warning, tag
    ...", mostly from the TIFF reader), which concern the file, not the caller: a file that
    cannot be made into a thumbnail is an error with a reason instead. Called before every
    decode, as ``warnings.catch_warnings()`` blocks elsewhere restore the filters they found."""
    from PIL import Image

    wanted = ((UserWarning, r"PIL\."), (Image.DecompressionBombWarning, ""))
    if [_filter_of(f) for f in warnings.filters[:2]] != [("ignore", *w) for w in reversed(wanted)]:
        for category, module in wanted:  # each goes to the front (a duplicate is replaced)
            warnings.filterwarnings("ignore", category=category, module=module)


def _filter_of(f: tuple[Any, ...]) -> tuple[str, type[Warning], str]:
    """``(action, category, module pattern)`` of a ``warnings.filters`` entry."""
    return f[0], f[2], getattr(f[3], "pattern", "") or ""


def _register_heif() -> None:
    global _heif_registered
    with _heif_lock:
        if _heif_registered:
            return
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
        except ImportError:  # pragma: no cover - pillow-heif is a dependency
            pass
        _heif_registered = True
