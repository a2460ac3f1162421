"""Getting a Dask cluster to run on: ``local:N`` (a ``LocalCluster`` of N worker processes on
this machine) or the address of a running scheduler (``tcp://HOST:8786``). A scheduler that
cannot be reached, or a local cluster that cannot start, is one ``ClusterUnavailableError``."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from distributed import Client, LocalCluster
from distributed.comm.addressing import get_address_host

from albumen.errors import ClusterUnavailableError

__all__ = ["CONNECT_TIMEOUT", "open_cluster", "threads_by_host"]

#: Seconds to wait for a scheduler (``ALBUMEN_CLUSTER_TIMEOUT`` overrides it).
CONNECT_TIMEOUT = 20.0

_LOCAL = "local"


def _local_workers(spec: str) -> int:
    _name, _sep, count = spec.partition(":")
    if not count:
        return max(1, os.cpu_count() or 1)
    try:
        n = int(count)
    except ValueError:
        n = 0
    if n < 1:
        raise ClusterUnavailableError(
            f"--cluster {spec}: say how many worker processes, e.g. local:2"
        )
    return n


@contextlib.contextmanager
def open_cluster(cluster: str | Client, *, timeout: float | None = None) -> Iterator[Client]:
    """A client of ``cluster``: a ``Client`` as given (left open), ``"local:N"`` (a local
    cluster of N single-threaded worker processes, shut down afterwards) or a scheduler
    address (the client is closed afterwards, the cluster left running)."""
    if isinstance(cluster, Client):
        yield cluster
        return
    if timeout is None:
        timeout = float(os.environ.get("ALBUMEN_CLUSTER_TIMEOUT", CONNECT_TIMEOUT))
    if cluster == _LOCAL or cluster.startswith(_LOCAL + ":"):
        n = _local_workers(cluster)
        try:
            local = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        except Exception as exc:
            raise ClusterUnavailableError(
                f"cannot start a local cluster of {n} workers ({exc})"
            ) from exc
        with local, Client(local) as client:
            yield client
        return
    try:
        client = Client(cluster, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise ClusterUnavailableError(
            f"cannot reach the Dask scheduler at {cluster} ({reason}): "
            "check that `dask scheduler` runs there and the address (--cluster) is right"
        ) from exc
    with client:
        yield client


def threads_by_host(client: Client) -> dict[str, int]:
    """Worker threads per host: a task's probe gets its host's cores divided by these."""
    hosts: dict[str, int] = {}
    for address, info in client.scheduler_info()["workers"].items():
        host = get_address_host(address)
        hosts[host] = hosts.get(host, 0) + int(info.get("nthreads", 1))
    return hosts
