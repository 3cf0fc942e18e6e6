"""Stopping ``cxtui serve`` ends the app process it started ahead of the next tab, even
one slow to stop (a loaded machine still importing the app when its input ends)."""

from __future__ import annotations

import asyncio

import pytest

from cli import serve_web
from cli.serve_access import Access
from cli.serve_web import CxtuiServer


async def test_the_process_started_ahead_is_gone_when_the_server_has_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server's stop waited SESSION_STOP_SECONDS for each ending, the very time
    after which an ending kills its process: a process that had not stopped by then
    was left running once the server exited (seen in the e2e test under a load of 16
    on 2 CPUs). The process here ignores its input ending, as one still loading does."""
    monkeypatch.setattr(serve_web, "SESSION_STOP_SECONDS", 0.5)
    server = CxtuiServer("sleep 60", "127.0.0.1", 0, Access(None), [])
    started = asyncio.get_running_loop().create_future()

    async def ahead() -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec("sleep", "60", stdin=asyncio.subprocess.PIPE)
        started.set_result(process)
        return process

    server.ahead = asyncio.create_task(ahead())
    process = await started
    await server.on_shutdown(None)  # type: ignore[arg-type]
    assert process.returncode is not None, "the process started ahead is still running"
