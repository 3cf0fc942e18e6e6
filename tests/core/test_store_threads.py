"""``core.store.threads.side_by_side``: results in order, calls at the same time, an
error raised once every call has ended, and no deadlock when the pool's own threads
call it (more outer calls than threads, each waiting on inner ones)."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from core.store import threads
from core.store.threads import side_by_side


def test_results_come_in_order_from_calls_run_at_once() -> None:
    started = threading.Barrier(3, timeout=5)  # breaks unless the 3 calls run together

    def call(value: int) -> int:
        started.wait()
        time.sleep(0.01 * (3 - value))  # the last call ends first
        return value * 10

    assert side_by_side([partial(call, n) for n in range(3)]) == [0, 10, 20]
    assert side_by_side([]) == []
    assert side_by_side([lambda: "alone"]) == ["alone"]


def test_an_error_is_raised_once_every_call_has_ended() -> None:
    ended: list[str] = []

    def fails() -> None:
        raise ValueError("the second call failed")

    def slow() -> str:
        time.sleep(0.1)
        ended.append("slow")
        return "slow"

    with pytest.raises(ValueError, match="second call"):
        side_by_side([lambda: "first", fails, slow])
    assert ended == ["slow"]


def test_calls_from_the_pools_own_threads_do_not_deadlock() -> None:
    outer = threads._MOST_THREADS * 3  # every thread busy with an outer call, more queued

    def inner(value: int) -> int:
        time.sleep(0.002)
        return value

    def outer_call(value: int) -> int:
        return sum(side_by_side([partial(inner, value) for _ in range(3)]))

    done: list[list[int]] = []
    runner = threading.Thread(
        target=lambda: done.append(side_by_side([partial(outer_call, n) for n in range(outer)]))
    )
    runner.start()
    runner.join(timeout=20)
    assert not runner.is_alive(), "side_by_side deadlocked on its own threads"
    assert done == [[3 * n for n in range(outer)]]
