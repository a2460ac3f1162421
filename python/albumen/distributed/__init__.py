"""Scale-out: library scans and thumbnails on a Dask cluster, into the PostgreSQL store.

    albumen scan ROOT --store postgresql://... --cluster tcp://HOST:8786   (or local:N)
    albumen thumbs ROOT --store postgresql://... --cluster tcp://HOST:8786

or from Python::

    from albumen import Library
    from albumen.distributed import scan_on_cluster, thumbnails_on_cluster

    with Library.open(root, store="postgresql://user@host/db") as lib:
        report = scan_on_cluster(lib, "local:2")

Needs the ``cluster`` and ``postgres`` extras (``pip install 'albumen[cluster,postgres]'``) on
the driver and on every worker. Only this package imports Dask. See docs/guides/scale-out.md.
"""

from __future__ import annotations

from albumen.distributed.chunks import CHUNK_FILES, ScanChunk, plan_chunks
from albumen.distributed.cluster import open_cluster
from albumen.distributed.scan import ClusterScanReport, scan_on_cluster
from albumen.distributed.thumbs import THUMBS_PER_TASK, thumbnails_on_cluster

__all__ = [
    "CHUNK_FILES",
    "THUMBS_PER_TASK",
    "ClusterScanReport",
    "ScanChunk",
    "open_cluster",
    "plan_chunks",
    "scan_on_cluster",
    "thumbnails_on_cluster",
]
