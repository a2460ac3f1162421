"""Running many tasks on a cluster with a bounded number in flight (backpressure), and turning
a failed task into one clear ``LibraryError``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from distributed import Client, Future, as_completed

from albumen.errors import LibraryError

__all__ = ["run_bounded"]

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_bounded(
    client: Client,
    function: Callable[..., Result],
    job: Any,
    items: Iterable[Item],
    *,
    key: Callable[[Item], str],
    describe: Callable[[Item], str],
    window: int,
) -> Iterator[tuple[Item, Result]]:
    """Run ``function(job, item)`` for every item, at most ``window`` tasks submitted and not
    yet collected, yielding ``(item, result)`` as tasks finish (in no set order). A task
    that raised stops everything: the tasks in flight are cancelled and a ``LibraryError``
    says which item failed (a ``LibraryError`` from the task itself is raised as it is)."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    todo = iter(items)
    in_flight: dict[Future[Result], Item] = {}
    finished: as_completed = as_completed(loop=client.loop)

    def submit_next() -> None:
        for item in todo:
            future = client.submit(function, job, item, key=key(item), retries=0)
            in_flight[future] = item
            finished.add(future)
            return

    for _ in range(window):
        submit_next()
    if not in_flight:  # nothing to do
        return
    try:
        for future in finished:
            item = in_flight.pop(future)
            yield item, _result(future, describe(item))
            submit_next()
    finally:
        if in_flight:  # stopped early (an error, a KeyboardInterrupt, the consumer left)
            client.cancel(list(in_flight))


def _result(future: Future[Result], what: str) -> Result:
    try:
        return future.result()
    except LibraryError:
        raise
    except Exception as exc:
        name = type(exc).__name__
        if name == "KilledWorker":  # the task's workers died again and again
            raise LibraryError(
                f"the workers running {what} died each time it was tried (a file there may "
                "crash the probe, or the workers run out of memory): what was committed is "
                "kept; see the workers' logs"
            ) from exc
        raise LibraryError(
            f"{what} failed on a worker ({name}: {exc}): what was committed is kept; run "
            "the command again to finish"
        ) from exc
