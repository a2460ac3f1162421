"""What runs on a Dask worker: probing a chunk and committing it, and making a chunk's
thumbnails. Plain functions of picklable arguments; each worker process keeps its store
connections (one per thread, checked before each use) and its thumbnail cache between tasks.

A worker may see the photos at another path than the driver: ``ALBUMEN_PATH_MAP`` in the
worker's environment maps the driver's prefixes to its own (``/srv/photos=/mnt/photos``,
several separated by ``;``). ``ALBUMEN_PROBE_THREADS`` fixes the probe threads per task
(default: the host's cores shared among the worker threads on it).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from albumen import _core
from albumen._core import DiskThumbnailCache
from albumen.distributed.chunks import ScanChunk
from albumen.store.postgres import PostgresAssetStore
from albumen.store.records import ThumbnailTarget

__all__ = [
    "ChunkHook",
    "ProbeFile",
    "ScanChunkResult",
    "ScanJob",
    "ThumbsChunkResult",
    "ThumbsJob",
    "local_path",
    "scan_chunk",
    "thumbnail_chunk",
]

#: ``probe_file(root, relpath) -> record``: replaces the Rust probe (tests inject faults with
#: it); an exception it raises becomes the file's stored error.
ProbeFile = Callable[[Path, str], dict[str, Any]]


class ChunkHook(Protocol):
    """Called by a scan task at each stage of a chunk (``"probed"``: records in hand, nothing
    written; ``"written"``: committed). Tests inject faults with it."""

    def __call__(self, stage: str, chunk: ScanChunk) -> None: ...


@dataclass(frozen=True)
class ScanJob:
    """What every scan task of one scan shares."""

    store_url: str
    library: bytes  # the store's key of the library (its root path as the driver sees it)
    root: str  # the root as the driver sees it (``local_path`` maps it on a worker)
    threads_by_host: dict[str, int] = field(default_factory=dict)
    probe_file: ProbeFile | None = None
    hook: ChunkHook | None = None


@dataclass(frozen=True)
class ScanChunkResult:
    """What a scan task did: ``landed`` holds ``(path, content id)`` of every file of the
    chunk as stored (what the driver needs to settle moves)."""

    chunk_id: str
    landed: list[tuple[bytes, str | None]]
    errors: int
    probe_seconds: float
    seconds: float
    committed_before: bool  # an earlier attempt had committed it (nothing probed now)


# -- worker-process state -------------------------------------------------------------------

_state_lock = threading.Lock()
_stores: dict[int, tuple[tuple[str, bytes], PostgresAssetStore]] = {}  # by thread
_thumb_caches: dict[str, DiskThumbnailCache] = {}


def worker_store(url: str, library: bytes) -> PostgresAssetStore:
    """This thread's connection to the library: kept between tasks, opened again when it no
    longer answers (the server restarted since) and replaced when a task names another
    library or database."""
    thread = threading.get_ident()
    with _state_lock:
        held = _stores.pop(thread, None)
    store: PostgresAssetStore | None = None
    if held is not None:
        key, store = held
        if key != (url, library) or not store.ping():
            store.close()
            store = None
    if store is None:
        store = PostgresAssetStore(url, library, create=False)
    with _state_lock:
        _stores[thread] = ((url, library), store)
    return store


def local_path(path: str) -> Path:
    """``path`` as the driver spells it, seen from this worker (``ALBUMEN_PATH_MAP``)."""
    for pair in filter(None, os.environ.get("ALBUMEN_PATH_MAP", "").split(";")):
        theirs, _sep, ours = pair.partition("=")
        theirs = theirs.rstrip("/")
        if ours and (path == theirs or path.startswith(theirs + "/")):
            return Path(ours.rstrip("/") + path[len(theirs) :])
    return Path(path)


def _probe_threads(threads_by_host: dict[str, int]) -> int:
    named = os.environ.get("ALBUMEN_PROBE_THREADS")
    if named:
        return max(1, int(named))
    try:
        from distributed import get_worker
        from distributed.comm.addressing import get_address_host

        sharing = threads_by_host.get(get_address_host(get_worker().address), 1)
    except (ImportError, ValueError):  # not on a worker (called directly)
        sharing = 1
    return max(1, (os.cpu_count() or 1) // max(1, sharing))


def _worker_name() -> str | None:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except ValueError:
        return None


# -- scanning ---------------------------------------------------------------------------------


def _error_record(rel: str, size: int, mtime_ns: int, exc: BaseException) -> dict[str, Any]:
    """The record of a file whose probe raised: what the walk knows, and the error."""
    ext = rel.rpartition(".")[2].lower() if "." in rel.rpartition("/")[2] else ""
    kinds = {e: (kind, mime) for e, kind, mime, _family in _core.media_types()}
    kind, mime = kinds.get(ext, ("other", "application/octet-stream"))
    message = f"probe failed: {str(exc) or type(exc).__name__}"
    return {
        "path": rel,
        "kind": kind,
        "mime": mime,
        "size": size,
        "mtime_ns": mtime_ns,
        "error": message.encode("utf-8", "replace").decode("utf-8"),
    }


def probe_chunk(
    root: Path, chunk: ScanChunk, threads: int, probe_file: ProbeFile | None = None
) -> list[dict[str, Any]]:
    """One record per file of ``chunk``, sorted by path: the Rust probe (``threads`` rayon
    threads), or ``probe_file`` file by file. Never raises for a file: a probe that raises
    leaves the file an error record (and the Rust probe failing as a whole is retried file by
    file)."""
    records: dict[str, dict[str, Any]] = {}
    if probe_file is None:
        try:
            stream = _core.probe(root, chunk.paths, workers=threads, batch_size=len(chunk))
            for batch in stream:
                for record in batch:
                    records[record["path"]] = record
        except Exception:  # it never raises for a bad file; should it fail, go file by file
            pass
    one_file = probe_file or _core.probe_file
    for rel, size, mtime_ns in chunk.files:
        if rel not in records:
            try:
                records[rel] = one_file(root, rel)
            except Exception as exc:
                records[rel] = _error_record(rel, size, mtime_ns, exc)
    return [records[rel] for rel in sorted(records, key=os.fsencode)]


def scan_chunk(job: ScanJob, chunk: ScanChunk) -> ScanChunkResult:
    """Probe ``chunk`` and commit its records with its ledger row, in one transaction. An
    attempt at a chunk some earlier attempt committed writes nothing and reports what is
    stored. Raises ``DatabaseUnavailableError`` when the database is gone."""
    started = time.perf_counter()
    store = worker_store(job.store_url, job.library)
    paths = [os.fsencode(rel) for rel in chunk.paths]
    if store.chunk_committed(chunk.id):
        return _stored_result(store, chunk, paths, started)
    probe_started = time.perf_counter()
    records = probe_chunk(
        local_path(job.root), chunk, _probe_threads(job.threads_by_host), job.probe_file
    )
    probe_seconds = time.perf_counter() - probe_started
    if job.hook is not None:
        job.hook("probed", chunk)
    if not store.write_chunk(chunk.id, records, probe_seconds=probe_seconds, worker=_worker_name()):
        return _stored_result(store, chunk, paths, started)
    if job.hook is not None:
        job.hook("written", chunk)
    return ScanChunkResult(
        chunk.id,
        [(os.fsencode(r["path"]), r.get("id")) for r in records],
        sum(1 for r in records if r.get("error")),
        probe_seconds,
        time.perf_counter() - started,
        committed_before=False,
    )


def _stored_result(
    store: PostgresAssetStore, chunk: ScanChunk, paths: list[bytes], started: float
) -> ScanChunkResult:
    ids = store.content_ids(paths)
    landed = [(p, ids.get(p)) for p in paths if p in ids]
    return ScanChunkResult(
        chunk.id, landed, 0, 0.0, time.perf_counter() - started, committed_before=True
    )


# -- thumbnails -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThumbsJob:
    """What every thumbnail task of one run shares."""

    store_url: str
    library: bytes
    root: str  # as the driver sees it
    thumbs_dir: str  # the shared thumbnail folder, as the driver sees it
    max_bytes: int
    size: int


@dataclass(frozen=True)
class ThumbsChunkResult:
    generated: int
    cached: int
    micro_written: int
    errors: list[tuple[bytes, str]]  # (path, message) of the thumbnails that failed
    seconds: float


def _thumb_cache(folder: Path, max_bytes: int) -> DiskThumbnailCache:
    """One cache object per folder per process (opening one scans the folder)."""
    with _state_lock:
        cache = _thumb_caches.get(str(folder))
        if cache is None:
            cache = DiskThumbnailCache(folder, max_bytes)
            _thumb_caches[str(folder)] = cache
        return cache


def thumbnail_chunk(job: ThumbsJob, targets: list[ThumbnailTarget]) -> ThumbsChunkResult:
    """Make the missing thumbnails of ``targets`` into the shared folder (keyed by content
    hash and mtime; atomic writes, so a retried task rewrites the same files), then store
    their micro thumbnails and failures in one transaction."""
    from albumen.thumbnails.batch import error_tag
    from albumen.thumbnails.generator import (
        DefaultThumbnailGenerator,
        MappingResolver,
        micro_thumbnail,
        source_of,
        thumbnail_asset_id,
    )
    from albumen.thumbnails.service import thumbnail_key

    started = time.perf_counter()
    store = worker_store(job.store_url, job.library)
    cache = _thumb_cache(local_path(job.thumbs_dir), job.max_bytes)
    generator = DefaultThumbnailGenerator(MappingResolver())
    root = local_path(job.root)
    box = (job.size, job.size)
    generated = cached = 0
    micro: list[tuple[int, bytes]] = []
    failures: list[tuple[int, str]] = []
    errors: list[tuple[bytes, str]] = []
    for target in targets:
        tid = thumbnail_asset_id(target.id, target.mtime_ns)
        key = thumbnail_key(tid, box)
        data = cache.get(key)
        if data is not None:
            cached += 1
            if not target.has_micro:
                micro.append((target.rowid, micro_thumbnail(data)))
            continue
        try:
            data = generator.generate_from(source_of(root, target), box)
            cache.put(key, data)
            micro.append((target.rowid, micro_thumbnail(data)))
            generated += 1
        except Exception as exc:
            message = str(exc) or type(exc).__name__
            failures.append((target.rowid, error_tag(tid) + message))
            errors.append((target.path, message))
    store.set_thumbnail_state(micro, failures)
    return ThumbsChunkResult(generated, cached, len(micro), errors, time.perf_counter() - started)
