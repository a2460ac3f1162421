"""Cutting a scan into chunks: the units a Dask task probes and commits.

A chunk is a slice of one folder's walked files (at most ``CHUNK_FILES``, in byte order of
their paths), of which it carries the ones the scan selected for probing. Its id is a hash of
the whole slice as walked (every path, size and mtime), so it is the same in every run that
walks the same files: a retried task redoes exactly the same set, and a resumed scan recognises
the chunks its killed predecessor committed (the ledger holds their ids) as long as nothing in
them changed since.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from albumen.scan.scanner import WalkedFile
from albumen.store.records import derive_folder

__all__ = ["CHUNK_FILES", "ScanChunk", "plan_chunks"]

#: Files per chunk at most: big enough that a task's fixed cost (scheduling, a transaction)
#: is small beside its probing, small enough that a retry redoes little.
CHUNK_FILES = 500


@dataclass(frozen=True)
class ScanChunk:
    """Files of one folder for one task: ``files`` are the ``(relative path, size,
    mtime_ns)`` to probe, sorted; ``id`` names the walked slice they came from."""

    id: str
    folder: bytes
    files: tuple[WalkedFile, ...]

    @property
    def paths(self) -> list[str]:
        return [rel for rel, _size, _mtime in self.files]

    def __len__(self) -> int:
        return len(self.files)


def _slice_id(folder: bytes, files: Sequence[WalkedFile]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(folder + b"\0")
    for rel, size, mtime_ns in files:
        digest.update(b"%s\0%d\0%d\0" % (os.fsencode(rel), size, mtime_ns))
    return digest.hexdigest()


def plan_chunks(
    walked: Iterable[WalkedFile], to_probe: Iterable[str], max_files: int = CHUNK_FILES
) -> list[ScanChunk]:
    """The chunks holding the ``to_probe`` paths (relative, as the walk spells them), in
    folder order; ``walked`` is everything the walk found."""
    if max_files < 1:
        raise ValueError(f"max_files must be at least 1, got {max_files}")
    selected = set(to_probe)
    by_folder: dict[bytes, list[WalkedFile]] = {}
    for file in walked:
        by_folder.setdefault(derive_folder(os.fsencode(file[0])), []).append(file)
    chunks: list[ScanChunk] = []
    for folder in sorted(by_folder):
        files = sorted(by_folder[folder], key=lambda f: os.fsencode(f[0]))
        for start in range(0, len(files), max_files):
            part = files[start : start + max_files]
            picked = tuple(f for f in part if f[0] in selected)
            if picked:
                chunks.append(ScanChunk(_slice_id(folder, part), folder, picked))
    return chunks
