"""The threads ``core`` reads on side by side: one pool for the process.

The SQLite and PostgreSQL drivers release the GIL while a query runs, so queries on
their own connections, each in a thread, use every core (the metrics book at M was
read in 0.45 s instead of 0.7 s). ``side_by_side`` is the one way to do that: it
never waits on a call still queued behind busy threads (it takes it back and runs
it itself), so calls made from the pool's own threads cannot deadlock it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Result = TypeVar("Result")

_MOST_THREADS = 16
"""More than any caller runs at once (a book's ~10 queries): threads that wait on a
driver cost little, and a call that finds none free runs in its caller's thread."""

_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_MOST_THREADS, thread_name_prefix="cxtui-read")
        return _pool


def side_by_side(calls: Sequence[Callable[[], Result]]) -> list[Result]:
    """The result of each of ``calls``, in order, the calls run at the same time: the
    first in this thread, the others on the pool's threads. A call not started by the
    time this thread needs its result is run here instead; an exception of a call is
    raised here once every call has ended."""
    if len(calls) <= 1:
        return [call() for call in calls]
    futures = [_threads().submit(call) for call in calls[1:]]
    results: list[Result] = []
    error: BaseException | None = None
    for index, call in enumerate(calls):
        try:
            if index == 0 or futures[index - 1].cancel():
                results.append(call())
            else:
                results.append(futures[index - 1].result())
        except BaseException as raised:  # the others still end before it is raised
            error = error or raised
    if error is not None:
        raise error
    return results
