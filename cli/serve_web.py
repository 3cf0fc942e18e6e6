"""The web server of ``cxtui serve``: textual-serve's Server (aiohttp) with the token
check of ``cli.serve_access`` in front of every request, page URLs that follow the
address the browser used, and a shutdown that ends every session's app process.
Imported only by that command (textual-serve and aiohttp are not light)."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from asyncio.subprocess import PIPE, Process
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from cli.serve_access import TOKEN_COOKIE, TOKEN_PARAMETER, Access
from cli.serve_session import handshake

LINK = re.compile(r"<link\b[^>]*\bhref=\"(https?://[^\"]*)\"[^>]*>", re.DOTALL)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_STOP_SECONDS = 10.0
KILL_SECONDS = 5.0  # for a process killed after SESSION_STOP_SECONDS to be gone
AHEAD_DELAY_SECONDS = 5.0  # a tab's app starting is not slowed by the next one's


def token_middleware(access: Access) -> Any:
    """An aiohttp middleware: a request that ``access`` refuses (from another site,
    without the token...) gets 403 with the reason and nothing else; a good one with
    the token in its URL sets the cookie, so that the page's own assets and websocket
    pass too."""

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        query_token = request.query.get(TOKEN_PARAMETER)
        cookie_token = request.cookies.get(TOKEN_COOKIE)
        refusal = access.refusal(
            request.headers.get("Host"), request.headers.get("Origin"), query_token, cookie_token
        )
        if refusal is not None:
            return web.Response(status=403, text=f"cxtui serve: {refusal}.\n")
        response = await handler(request)
        if access.needs_cookie(query_token, cookie_token) and not response.prepared:
            response.set_cookie(
                TOKEN_COOKIE,
                access.token or "",
                httponly=True,
                samesite="Strict",
                path="/",
                secure=browser_scheme(request) == "https",  # never sent over plain HTTP
            )
        return response

    return check_token


class TabSession(AppService):
    """textual-serve's app service for one tab. Its process is the one the server
    started ahead of the tab (``ahead``), when that one is still waiting, or else a
    new one; either is handed the tab by the handshake line (``cli.serve_session``).
    ``_open_app_process``, ``_build_environment`` and ``_stdin`` are private names of
    textual-serve, hence its pin below the next minor version (pyproject)."""

    def __init__(
        self, command: str, websocket: web.WebSocketResponse, ahead: Process | None, **options: Any
    ) -> None:
        super().__init__(
            command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            **options,
        )
        self.ahead = ahead

    async def open_ahead(self, delay: float) -> Process:
        """A process for a later tab, started after ``delay`` seconds in
        textual-serve's environment of an app process (at its default size until the
        handshake gives the tab's)."""
        await asyncio.sleep(delay)
        return await asyncio.create_subprocess_shell(
            self.command, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=self._build_environment()
        )

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        process = self.ahead
        if process is None or process.returncode is not None:
            process = await super()._open_app_process(width, height)
        else:
            self._process, self._stdin = process, process.stdin
        self.stdin.write(handshake(width, height))
        await self.stdin.drain()
        return process


class CxtuiServer(Server):
    """textual-serve's Server, guarded by ``access``; ``banner`` is printed once the
    address is bound. One app process is kept started ahead of the next tab, so that
    opening a tab does not wait for Python to load the app."""

    def __init__(
        self, command: str, host: str, port: int, access: Access, banner: list[str]
    ) -> None:
        super().__init__(command, host=host, port=port, title="cxtui")
        self.access = access
        self.banner = banner
        self.sessions: dict[asyncio.Task[Any], web.WebSocketResponse] = {}
        self.ahead: asyncio.Task[Process] | None = None

    def initialize_logging(self) -> None:
        super().initialize_logging()
        # the access log would repeat the token of every request that carries it
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(token_middleware(self.access))
        return app

    def serve(self, debug: bool = False) -> None:
        """textual-serve's ``serve``, with the banner printed once the address is
        bound (not before: the address may be taken) rather than textual-serve's."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda _running_on: print("\n".join(self.banner), flush=True),
        )

    def tab_session(self, websocket: web.WebSocketResponse, ahead: Process | None) -> TabSession:
        return TabSession(
            self.command,
            websocket,
            ahead,
            download_manager=self.download_manager,
            debug=self.debug,
        )

    def start_ahead(self, delay: float = 0.0) -> None:
        """Start the process for the next tab after ``delay`` seconds."""
        unused = web.WebSocketResponse()  # the process has no tab yet
        self.ahead = asyncio.create_task(self.tab_session(unused, None).open_ahead(delay))

    def take_ahead(self) -> Process | None:
        """The process started for this tab, if it has been, and the next one to
        start once this tab's app has had the machine to itself for its start."""
        ahead, self.ahead = self.ahead, None
        self.start_ahead(delay=AHEAD_DELAY_SECONDS)
        if ahead is None or not ahead.done() or ahead.exception() is not None:
            if ahead is not None:
                ahead.cancel()
            return None
        return ahead.result()

    async def on_startup(self, app: web.Application) -> None:
        """The process for the first tab (textual-serve prints its logo here, before
        the address is bound: not this server)."""
        self.start_ahead()

    async def on_shutdown(self, app: web.Application) -> None:
        """End every session: its websocket is closed, so its handler tells its app to
        quit and waits for it (not cancelled: that would leave the app running)."""
        ahead, self.ahead = self.ahead, None
        for websocket in list(self.sessions.values()):
            await websocket.close()
        ending = list(self.sessions)
        if ahead is not None:
            ending.append(asyncio.create_task(end_ahead(ahead)))
        if ending:
            # Each ending kills its process after SESSION_STOP_SECONDS: waited for a
            # little longer, so that the server never exits before that kill.
            await asyncio.wait(ending, timeout=SESSION_STOP_SECONDS + KILL_SECONDS)

    async def handle_index(self, request: web.Request) -> web.Response:
        """textual-serve's page, whose asset and websocket URLs follow the address the
        browser used (the server may be bound to 0.0.0.0, which no browser can open;
        nothing awaits between this and the page's rendering), without its one request
        to another site: a web font, whose wait would hold the page on a machine off
        the internet (the terminal falls back to the browser's monospace font). Behind
        a reverse proxy that terminates HTTPS, the page's URLs are https and wss (a page
        of https asking http or ws is blocked by the browser)."""
        self.public_url = f"{browser_scheme(request)}://{request.host}"
        page: web.Response = await super().handle_index(request)
        page.text = without_other_sites(page.text or "", self.public_url)
        return page

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with each session known to the server so that
        stopping the server ends the session's app rather than abandon it."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        session = self.tab_session(websocket, self.take_ahead())
        task = asyncio.current_task()
        assert task is not None
        self.sessions[task] = websocket
        try:
            await session.start(width, height)
            await self._process_messages(websocket, session)
        finally:
            try:
                # shielded: a cancelled handler still waits for its app to end
                await asyncio.shield(end_session(session))
            finally:
                del self.sessions[task]
        return websocket


def browser_scheme(request: web.BaseRequest) -> str:
    """The scheme the browser used: the request's own, or the one a reverse proxy
    that terminates HTTPS says it received (``Forwarded: proto=``, else
    ``X-Forwarded-Proto``). Only the page sent back to this request follows it."""
    said = [item["proto"] for item in request.forwarded if "proto" in item]
    said.append(request.headers.get("X-Forwarded-Proto", "").split(",")[0])
    for proto in said:
        if proto.strip().lower() in ("http", "https"):
            return proto.strip().lower()
    return request.scheme


def without_other_sites(page: str, own: str) -> str:
    """``page`` without its ``<link>`` tags to another site than ``own`` (the font);
    the page's own stylesheet (xterm.css: it hides the terminal's input box and sizes
    the terminal to the window) is kept."""

    def kept(link: re.Match[str]) -> str:
        return link.group(0) if link.group(1).startswith(f"{own}/") else ""

    return LINK.sub(kept, page)


async def end_ahead(ahead: asyncio.Task[Process]) -> None:
    """End the process started for a tab that never came: its input ends, so it
    stops without starting the app (killed if it has not after SESSION_STOP_SECONDS).
    One still waiting to start is not started."""
    if not ahead.done():
        ahead.cancel()
    try:
        process = await ahead
    except asyncio.CancelledError:
        return
    assert process.stdin is not None
    process.stdin.close()
    await end_process(process)


async def end_session(session: AppService) -> None:
    """Tell the session's app to quit, and wait until its process has ended (killed
    if it has not after SESSION_STOP_SECONDS). ``AppService._process`` is a private
    name of textual-serve, hence its pin below the next minor version (pyproject)."""
    await session.stop()
    if session._process is not None:
        await end_process(session._process)


async def end_process(process: Process) -> None:
    """Wait until ``process`` has ended, killed if it has not after
    SESSION_STOP_SECONDS."""
    if process.returncode is not None:
        return
    try:
        await asyncio.wait_for(process.wait(), SESSION_STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
