"""Rows as a gallery holds them: ``AssetRow`` (one asset, ``__slots__``) and ``AssetPage``
(a page packed column-wise: about 120 bytes per row instead of ~500 for a tuple of Python
objects, materialising an ``AssetRow`` on access), and ``LayoutData`` for the layouts.

Every store builds pages from tuples in ``PAGE_COLUMNS`` order.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, overload

__all__ = ["PAGE_COLUMNS", "AssetPage", "AssetRow", "LayoutData", "RowCache"]

#: What a page row holds, in this order (``flags`` is a bit set of the ``FLAG_`` values below);
#: a store may append its keyset key after these.
PAGE_COLUMNS = (
    "rowid",
    "id",
    "path",
    "kind",
    "size",
    "sort_time",
    "display_width",
    "display_height",
    "duration",
    "flags",
)


class RowCache(Protocol):
    """Keeps one ``AssetRow`` object per row id while anyone holds it
    (``albumen.browse.memory.WeakAssetCache``)."""

    def get_or_add(self, key: int, value: AssetRow) -> AssetRow: ...
    def put(self, key: int, value: AssetRow) -> None: ...


#: bits of ``AssetRow.flags``
FLAG_LIVE = 1
FLAG_HIDDEN = 2
FLAG_ERROR = 4
FLAG_GPS = 8
FLAG_NO_ID = 16
FLAG_NO_DURATION = 32
FLAG_NO_SIZE = 64  # display size unknown

_KINDS = ("photo", "video")
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}


class AssetRow:
    """One asset as the gallery sees it. ``__slots__``, no dict: about 130 bytes plus values.

    ``rowid`` is the database row (stable while the file stays), ``id`` the content hash that
    keys thumbnails, ``path`` the path relative to the root (a ``str`` decoded like
    ``os.fsdecode``; ``path_bytes`` holds the raw OS bytes), ``sort_time`` milliseconds.
    ``Library.asset(row)`` gives the full record.
    """

    __slots__ = (
        "__weakref__",
        "display_height",
        "display_width",
        "duration",
        "flags",
        "id",
        "kind",
        "path_bytes",
        "rowid",
        "size",
        "sort_time",
    )

    def __init__(
        self,
        rowid: int,
        id: str | None,
        path: bytes | str,
        kind: str,
        size: int,
        sort_time: int | None,
        display_width: int | None,
        display_height: int | None,
        duration: float | None,
        flags: int,
    ) -> None:
        self.rowid = rowid
        self.id = id
        self.path_bytes = path if isinstance(path, bytes) else os.fsencode(path)
        self.kind = kind
        self.size = size
        self.sort_time = sort_time
        self.display_width = display_width
        self.display_height = display_height
        self.duration = duration
        self.flags = flags

    @property
    def path(self) -> str:
        """Path relative to the root (decoded like ``os.fsdecode``)."""
        return os.fsdecode(self.path_bytes)

    @property
    def name(self) -> str:
        """File name (decoded like ``os.fsdecode``)."""
        return os.fsdecode(self.path_bytes.rpartition(b"/")[2])

    @property
    def folder(self) -> str:
        """Folder relative to the root (``""`` for the root itself)."""
        return os.fsdecode(self.path_bytes.rpartition(b"/")[0])

    @property
    def aspect_ratio(self) -> float:
        """Display width / height; 1.0 when unknown."""
        w, h = self.display_width, self.display_height
        return w / h if w and h else 1.0

    @property
    def is_live(self) -> bool:
        return bool(self.flags & FLAG_LIVE)

    @property
    def hidden(self) -> bool:
        return bool(self.flags & FLAG_HIDDEN)

    @property
    def has_error(self) -> bool:
        return bool(self.flags & FLAG_ERROR)

    @property
    def has_gps(self) -> bool:
        return bool(self.flags & FLAG_GPS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssetRow):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in _ROW_FIELDS)

    def __hash__(self) -> int:
        return hash((self.rowid, self.path_bytes))

    def __repr__(self) -> str:
        return f"AssetRow(rowid={self.rowid}, path={self.path!r}, kind={self.kind!r})"


# what two rows must share to be equal (``path`` is compared as its bytes)
_ROW_FIELDS = tuple("path_bytes" if c == "path" else c for c in PAGE_COLUMNS)


class AssetPage(Sequence[AssetRow]):
    """A page of rows packed column-wise: int columns in ``array('q')``, sizes in
    ``array('i')``, strings and paths concatenated with offsets. Indexing materialises an
    ``AssetRow`` (through a ``RowCache`` when given, so that one asset is one object
    while anyone holds it)."""

    __slots__ = ("_cache", "_dims", "_dur", "_flags", "_ids", "_ints", "_kinds", "_paths")

    def __init__(self, rows: Sequence[Sequence[Any]], cache: RowCache | None = None) -> None:
        n = len(rows)
        ints = array("q", bytes(8 * 3 * n))  # rowid, size, sort_time
        dims = array("i", bytes(4 * 2 * n))
        dur = array("d", bytes(8 * n))
        flags = bytearray(n)
        kinds = bytearray(n)
        ids: list[str] = []
        paths: list[bytes] = []
        for i, (rowid, aid, path, kind, size, st, dw, dh, du, fl, *_key) in enumerate(rows):
            f = fl
            ints[3 * i] = rowid
            ints[3 * i + 1] = size
            ints[3 * i + 2] = st if st is not None else 0
            if dw is None or dh is None:
                f |= FLAG_NO_SIZE
            else:
                dims[2 * i] = dw
                dims[2 * i + 1] = dh
            if du is None:
                f |= FLAG_NO_DURATION
            else:
                dur[i] = du
            if aid is None:
                f |= FLAG_NO_ID
                aid = ""
            flags[i] = f
            kinds[i] = _KIND_CODE.get(kind, 0)
            ids.append(aid)
            paths.append(path)
        self._ints = ints
        self._dims = dims
        self._dur = dur
        self._flags = bytes(flags)
        self._kinds = bytes(kinds)
        self._ids = _Packed.of_str(ids)
        self._paths = _Packed.of_bytes(paths)
        self._cache = cache

    def __len__(self) -> int:
        return len(self._flags)

    def _row(self, i: int) -> AssetRow:
        f = self._flags[i]
        no_size = f & FLAG_NO_SIZE
        row = AssetRow(
            self._ints[3 * i],
            None if f & FLAG_NO_ID else self._ids.str_at(i),
            self._paths.bytes_at(i),
            _KINDS[self._kinds[i]],
            self._ints[3 * i + 1],
            self._ints[3 * i + 2],
            None if no_size else self._dims[2 * i],
            None if no_size else self._dims[2 * i + 1],
            None if f & FLAG_NO_DURATION else self._dur[i],
            f & 0x0F,
        )
        if self._cache is not None:
            live = self._cache.get_or_add(row.rowid, row)
            if live is not row and live != row:
                # the row changed in the database: the fresh values win from now on
                self._cache.put(row.rowid, row)
                return row
            return live
        return row

    @overload
    def __getitem__(self, index: int) -> AssetRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[AssetRow]: ...
    def __getitem__(self, index: int | slice) -> AssetRow | list[AssetRow]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("page index out of range")
        return self._row(index)

    def __iter__(self) -> Iterator[AssetRow]:
        return (self._row(i) for i in range(len(self)))

    def rowid(self, i: int) -> int:
        """Row id of item ``i`` without materialising the row."""
        return self._ints[3 * i]

    def nbytes(self) -> int:
        """Bytes held by the packed columns (not counting the object headers)."""
        return (
            self._ints.itemsize * len(self._ints)
            + self._dims.itemsize * len(self._dims)
            + self._dur.itemsize * len(self._dur)
            + 2 * len(self._flags)
            + self._ids.nbytes()
            + self._paths.nbytes()
        )

    def __repr__(self) -> str:
        return f"AssetPage({len(self)} rows)"


class _Packed:
    """Variable-length strings or bytes concatenated, with an ``array('I')`` of end offsets."""

    __slots__ = ("_blob", "_ends")

    def __init__(self, blob: str | bytes, ends: array[int]) -> None:
        self._blob = blob
        self._ends = ends

    @classmethod
    def of_str(cls, items: list[str]) -> _Packed:
        return cls("".join(items), _ends(items))

    @classmethod
    def of_bytes(cls, items: list[bytes]) -> _Packed:
        return cls(b"".join(items), _ends(items))

    def _span(self, i: int) -> tuple[int, int]:
        return (self._ends[i - 1] if i else 0), self._ends[i]

    def str_at(self, i: int) -> str:
        a, b = self._span(i)
        value = self._blob[a:b]
        assert isinstance(value, str)
        return value

    def bytes_at(self, i: int) -> bytes:
        a, b = self._span(i)
        value = self._blob[a:b]
        assert isinstance(value, bytes)
        return value

    def nbytes(self) -> int:
        return len(self._blob) + 4 * len(self._ends)


def _ends(items: Sequence[str | bytes]) -> array[int]:
    ends = array("I")
    total = 0
    for item in items:
        total += len(item)
        ends.append(total)
    return ends


@dataclass(frozen=True)
class LayoutData:
    """What the layouts need for a query, in page order: aspect ratios (``array('d')``) and
    section starts with their labels."""

    aspect_ratios: array[float]
    section_starts: list[int]
    section_labels: list[str]
