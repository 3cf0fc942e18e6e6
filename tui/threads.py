"""The threads of the app's thread workers: asyncio's default executor, which the end
of the app waits for, except for reads.

Textual runs a thread worker with ``loop.run_in_executor(None, ...)``, and
``asyncio.run`` joins those threads before ``App.run`` returns. A read still running
when the user quits (the dashboard's 12-month series, the churn forecast's imports)
held the exit back ~1 s; nothing is lost by dropping it. So a worker that only reads
says so (``reading``), and when every thread still busy at the end is such a read,
the app ends without waiting for them (``cli.start.end_now``). A worker that writes
says nothing and is waited for, as before. Each run of the app sets a new pool
(``CxtuiApp.threads``): asyncio shuts it down at the end of the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class WorkerThreads(ThreadPoolExecutor):
    """A thread pool that knows which of its busy threads only read."""

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="asyncio")
        self._lock = threading.Lock()
        self._busy: set[int] = set()
        self._reads: set[int] = set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def run() -> Any:
            me = threading.get_ident()
            with self._lock:
                self._busy.add(me)
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self._busy.discard(me)
                    self._reads.discard(me)

        return super().submit(run)

    def reading(self) -> None:
        """(In a worker's thread.) What this worker does until it ends only reads."""
        with self._lock:
            self._reads.add(threading.get_ident())

    def only_reads(self) -> bool:
        """True when every busy thread is a read (or none is busy)."""
        with self._lock:
            return self._busy <= self._reads

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait and not self.only_reads(), cancel_futures=cancel_futures)
