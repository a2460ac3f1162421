"""A library's thumbnails made on a Dask cluster, into the shared thumbnail folder.

The driver reads the readable assets from the PostgreSQL store in rowid order and sends them
out in chunks; a task (``worker.thumbnail_chunk``) makes the missing thumbnails into the
library's thumbnail folder (``LIBRARY/thumbs``, on storage every worker mounts), keyed by
content hash and mtime with atomic writes, so a retried task rewrites the same files, and
stores the chunk's micro thumbnails and failures in one transaction. Failures are recorded as
``albumen thumbs`` records them, so a file that failed is not tried again until it changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from albumen.distributed.cluster import open_cluster
from albumen.distributed.scan import postgres_store_of
from albumen.distributed.tasks import run_bounded
from albumen.distributed.worker import ThumbsJob, thumbnail_chunk
from albumen.store.protocols import AssetStore
from albumen.store.records import ThumbnailTarget
from albumen.thumbnails.batch import ThumbsReport, error_tag
from albumen.thumbnails.disk import DEFAULT_DISK_BYTES, THUMBS_DIRNAME
from albumen.thumbnails.generator import thumbnail_asset_id
from albumen.thumbnails.stats import add_counts

if TYPE_CHECKING:
    from distributed import Client

    from albumen.library import Library

__all__ = ["THUMBS_PER_TASK", "thumbnails_on_cluster"]

#: Assets per thumbnail task (a few seconds of work each).
THUMBS_PER_TASK = 100

ProgressCallback = Callable[[int, int], object]


def thumbnails_on_cluster(
    library: Library,
    cluster: str | Client,
    *,
    size: int = 256,
    progress: ProgressCallback | None = None,
    per_task: int = THUMBS_PER_TASK,
    window: int | None = None,
    max_bytes: int = DEFAULT_DISK_BYTES,
) -> ThumbsReport:
    """Make every missing ``size`` px thumbnail of the library on ``cluster`` (``"local:N"``,
    a scheduler address or a ``distributed.Client``); returns what happened, as
    ``LibraryThumbnails.generate_all`` does (its statistics hold the cluster's counts)."""
    started = time.perf_counter()
    store = postgres_store_of(library)
    counts = store.thumbnail_counts()
    report = ThumbsReport(size=size, unreadable=counts.unreadable)
    report.assets = counts.readable + counts.unreadable
    job = ThumbsJob(
        store_url=store.url,
        library=store.root,
        root=os.fspath(library.root),
        thumbs_dir=os.fspath(library.library_dir / THUMBS_DIRNAME),
        max_bytes=max_bytes,
        size=size,
    )
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, counts.readable)

    def chunks() -> Iterator[list[ThumbnailTarget]]:
        for targets in _batches(store, per_task):
            todo = []
            for target in targets:
                tid = thumbnail_asset_id(target.id, target.mtime_ns)
                if target.thumb_error is not None and target.thumb_error.startswith(error_tag(tid)):
                    report.skipped_failed += 1  # failed before and unchanged since
                    advance(1)
                else:
                    todo.append(target)
            if todo:
                yield todo

    tasks = 0
    with open_cluster(cluster) as client:
        threads = sum(n for n in client.nthreads().values()) or 1
        prefix = f"albumen-thumbs-{store.library_id}-{size}-{time.time_ns()}-"
        for chunk, result in run_bounded(
            client,
            thumbnail_chunk,
            job,
            chunks(),
            key=lambda c: f"{prefix}{c[0].rowid}",
            describe=lambda c: f"the thumbnails of {len(c)} assets from row {c[0].rowid}",
            window=window or 2 * threads,
        ):
            tasks += 1
            report.generated += result.generated
            report.cached += result.cached
            report.failed += len(result.errors)
            report.micro_written += result.micro_written
            report.errors += [(p.decode("utf-8", "replace"), m) for p, m in result.errors]
            advance(len(chunk))
    report.seconds = time.perf_counter() - started
    report.stats = {"cluster": {"tasks": tasks, "per_task": per_task}}
    add_counts(library.library_dir, {}, report.to_json())  # the run, not cache counters
    return report


def _batches(store: AssetStore, size: int) -> Iterator[list[ThumbnailTarget]]:
    after = 0
    while targets := store.thumbnail_targets(after, size):
        after = targets[-1].rowid
        yield targets
