"""The threads ``core`` reads on side by side: one pool for the process.

The SQLite and PostgreSQL drivers release the GIL while a query runs, so queries on
their own connections, each in a thread, use every core (the metrics book at M was
read in 0.45 s instead of 0.7 s); so does polars while it computes (a metrics
series' months, ``core.metrics.engine.series_frame``). ``side_by_side`` runs calls
together and returns their results; ``start`` starts one, for a pipeline that keeps
a few in flight (an import's checks, the bulk writer's staging files). Neither ever waits on a call
still queued behind busy threads (it takes it back and runs it itself), so calls
made from the pool's own threads cannot deadlock it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

Result = TypeVar("Result")

_MOST_THREADS = 16
"""More than any caller runs at once (a book's ~10 queries): threads that wait on a
driver cost little, and a call still queued when its result is needed runs in the
caller's thread."""

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_MOST_THREADS, thread_name_prefix="cxtui-core")
        return _pool


@dataclass(frozen=True)
class Started(Generic[Result]):
    """A call started on the pool (``start``)."""

    call: Callable[[], Result]
    future: Future[Result]

    def result(self) -> Result:
        """The call's result; run in this thread if it has not started yet, so that no
        thread ever waits on a call queued behind busy threads."""
        return self.call() if self.future.cancel() else self.future.result()

    def drop(self) -> None:
        """Not wanted any more: cancelled if it has not started, else waited for (its
        error, if any, is not raised)."""
        if not self.future.cancel():
            wait([self.future])


def start(call: Callable[[], Result]) -> Started[Result]:
    """``call`` started on the pool's threads; its ``result()`` when needed."""
    return Started(call, _threads().submit(call))


def side_by_side(calls: Sequence[Callable[[], Result]]) -> list[Result]:
    """The result of each of ``calls``, in order, the calls run at the same time: the
    first in this thread, the others on the pool's threads (``start``). An exception of
    a call is raised here once every call has ended."""
    if len(calls) <= 1:
        return [call() for call in calls]
    others = [start(call) for call in calls[1:]]
    results: list[Result] = []
    error: BaseException | None = None
    for run in [calls[0], *(started.result for started in others)]:
        try:
            results.append(run())
        except BaseException as raised:  # the others still end before it is raised
            error = error or raised
    if error is not None:
        raise error
    return results
