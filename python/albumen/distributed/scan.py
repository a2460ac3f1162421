"""A library scan on a Dask cluster, into the PostgreSQL store.

The driver (this module, where ``albumen scan --cluster`` runs) holds the scan lock, walks the
root with the Rust walker and compares ``(path, size, mtime)`` with the store exactly as the
single-process scan does (``albumen.scan.incremental.IncrementalScan``). Only new and changed
files go out, as chunks of one folder's files (``chunks``); each task probes its chunk on a
worker and commits the records together with the chunk's ledger row in one transaction
(``worker.scan_chunk``). At most ``window`` tasks are in flight. After the last chunk the
driver settles what only the whole picture shows, as the single-process scan does: moves (a
new path whose content hash is a vanished row's keeps that row), removals, and Live Photo
pairs; then it clears the ledger.

Faults: a worker that dies has its task run again elsewhere (the scheduler does it); an
attempt at a chunk that an earlier attempt committed writes nothing. A driver killed mid-scan
leaves every committed chunk in the store and its id in the ledger, and the next scan skips
those chunks. A lost database ends the scan with one ``DatabaseUnavailableError``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from albumen.distributed.chunks import CHUNK_FILES, ScanChunk, plan_chunks
from albumen.distributed.cluster import open_cluster, threads_by_host
from albumen.distributed.tasks import run_bounded
from albumen.distributed.worker import ChunkHook, ProbeFile, ScanJob, scan_chunk
from albumen.errors import LibraryError
from albumen.paths import FailedPath
from albumen.scan.incremental import IncrementalScan, RemovalGuard, ScanReport, removal_guard
from albumen.scan.live_photos import update_live_pairs
from albumen.scan.scanner import ParallelScanner
from albumen.store.postgres import PostgresAssetStore

if TYPE_CHECKING:
    from distributed import Client

    from albumen.library import Library

__all__ = ["ClusterScanReport", "postgres_store_of", "scan_on_cluster"]

ProgressCallback = Callable[[int, int], object]


@dataclass
class ClusterScanReport(ScanReport):
    """A ``ScanReport`` with what the cluster did: ``chunks`` sent holding ``files_sent``
    files, ``chunks_resumed`` (committed by an earlier, interrupted scan and skipped),
    ``chunks_retried`` (found committed by an earlier attempt of the same task), the seconds
    the tasks took on the workers, in all and probing, and the driver's wall-clock seconds
    per phase (``walk``: walking and comparing with the store; ``chunks``: from the first
    chunk sent to the last one back; ``settle``: moves, removals, Live Photos)."""

    chunks: int = 0
    files_sent: int = 0
    chunks_resumed: int = 0
    chunks_retried: int = 0
    task_seconds: float = 0.0
    probe_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["cluster"] = {
            "chunks": self.chunks,
            "files_sent": self.files_sent,
            "chunks_resumed": self.chunks_resumed,
            "chunks_retried": self.chunks_retried,
            "task_seconds": round(self.task_seconds, 4),
            "probe_seconds": round(self.probe_seconds, 4),
            "phases": {k: round(v, 4) for k, v in self.phases.items()},
        }
        return data


def postgres_store_of(library: Library) -> PostgresAssetStore:
    """The library's PostgreSQL store, or a ``LibraryError`` saying one is needed."""
    store = library.store
    if not isinstance(store, PostgresAssetStore):
        raise LibraryError(
            "--cluster writes from many machines into one index: open the library with a "
            "PostgreSQL store (--store postgresql://...)"
        )
    return store


def scan_on_cluster(
    library: Library,
    cluster: str | Client,
    *,
    progress: ProgressCallback | None = None,
    chunk_files: int = CHUNK_FILES,
    window: int | None = None,
    probe_file: ProbeFile | None = None,
    hook: ChunkHook | None = None,
    allow_mass_removal: bool | RemovalGuard = False,
) -> ClusterScanReport:
    """Bring the library's index up to date on ``cluster`` (``"local:N"``, a scheduler
    address, or a ``distributed.Client``); returns what changed, as ``Library.scan`` does.

    ``progress(processed, total)`` follows the files sent out; ``window`` bounds the tasks in
    flight (default: twice the cluster's threads); ``probe_file`` and ``hook`` are for tests
    (see ``albumen.distributed.worker``). A scan that would remove most of the library
    removes nothing and raises ``MassRemovalError`` unless ``allow_mass_removal`` allows it,
    as ``Library.scan`` does. Raises ``LibraryBusyError`` while another scan of the library
    runs, ``ClusterUnavailableError`` / ``DatabaseUnavailableError`` when the
    scheduler or the database cannot be reached or goes away."""
    store = postgres_store_of(library)
    with store.lock(), open_cluster(cluster) as client:
        hosts = threads_by_host(client)
        job = ScanJob(
            store_url=store.url,
            library=store.root,
            root=os.fspath(library.root),
            threads_by_host=hosts,
            probe_file=probe_file,
            hook=hook,
        )
        threads = sum(hosts.values()) or 1
        return _DistributedScan(
            library,
            store,
            client,
            job,
            chunk_files,
            window or 2 * threads,
            progress,
            removal_guard(allow_mass_removal),
        ).run()


class _DistributedScan:
    def __init__(
        self,
        library: Library,
        store: PostgresAssetStore,
        client: Client,
        job: ScanJob,
        chunk_files: int,
        window: int,
        progress: ProgressCallback | None,
        confirm_removal: RemovalGuard,
    ) -> None:
        self.library = library
        self.store = store
        self.client = client
        self.job = job
        self.chunk_files = chunk_files
        self.window = window
        self.progress = progress
        self.confirm_removal = confirm_removal

    def run(self) -> ClusterScanReport:
        started = time.perf_counter()
        root = self.library.root
        report = ClusterScanReport(root=root)
        plan = IncrementalScan(self.store, report, confirm_removal=self.confirm_removal)
        scanner = ParallelScanner(skip=[self.library.library_dir])  # however it is spelled
        files, walk_errors = scanner.discover(root)
        chunks = plan_chunks(files, plan.select(files, walk_errors), self.chunk_files)
        committed = self.store.ledger()
        todo = [c for c in chunks if c.id not in committed]
        for chunk in chunks:
            if chunk.id in committed:  # indexed by an interrupted scan: nothing to do
                report.chunks_resumed += 1
                report.unchanged += len(chunk)
        report.chunks = len(todo)
        report.files_sent = sum(len(c) for c in todo)
        report.phases["walk"] = time.perf_counter() - started
        landed = self._send(todo, report)
        report.phases["chunks"] = time.perf_counter() - started - report.phases["walk"]
        # Moves: a new path whose content hash is a vanished row's keeps that row, as in the
        # single-process scan (the records are placed in path order, so the pairing is the
        # same whatever order the chunks finished in).
        moves: list[tuple[int, bytes]] = []
        for path, ident in sorted(landed):
            rowid = plan.place({"path": path, "id": ident})
            if rowid is not None:
                moves.append((rowid, path))
        self.store.move_rows(moves)
        gone = plan.settle()
        # after an interrupted scan the rows it wrote are "unchanged" now, and a bulk plan does
        # not list what it wrote: pair everything
        full = bool(committed) or plan.bulk
        report.live = update_live_pairs(self.store, plan.changed, gone, full=full)
        self.store.clear_ledger()
        report.errors = [FailedPath(os.fsdecode(p), m) for p, m in self.store.scan_errors()]
        report.seconds = time.perf_counter() - started
        report.phases["settle"] = report.seconds - report.phases["walk"] - report.phases["chunks"]
        return report

    def _send(
        self, chunks: list[ScanChunk], report: ClusterScanReport
    ) -> list[tuple[bytes, str | None]]:
        total = sum(len(c) for c in chunks)
        processed = 0
        if self.progress is not None:
            self.progress(0, total)
        landed: list[tuple[bytes, str | None]] = []
        # task keys unique to this run, so a long-lived scheduler never hands back a result
        # of an earlier run (the ledger, not the key, says what is committed)
        prefix = f"albumen-scan-{self.store.library_id}-{time.time_ns()}-"
        for chunk, result in run_bounded(
            self.client,
            scan_chunk,
            self.job,
            chunks,
            key=lambda c: prefix + c.id,
            describe=lambda c: f"the chunk of {len(c)} files in {os.fsdecode(c.folder) or '.'}",
            window=self.window,
        ):
            landed += result.landed
            report.task_seconds += result.seconds
            report.probe_seconds += result.probe_seconds
            report.chunks_retried += result.committed_before
            processed += len(chunk)
            if self.progress is not None:
                self.progress(processed, total)
        return landed
