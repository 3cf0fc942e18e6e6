"""The web server of ``cxtui serve``: textual-serve's Server (aiohttp) with the token
check of ``cli.serve_access`` in front of every request, page URLs that follow the
address the browser used, and a shutdown that ends every session's app process.
Imported only by that command (textual-serve and aiohttp are not light)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from cli.serve_access import TOKEN_COOKIE, TOKEN_PARAMETER, Access

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_STOP_SECONDS = 10.0


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
                TOKEN_COOKIE, access.token or "", httponly=True, samesite="Strict", path="/"
            )
        return response

    return check_token


class CxtuiServer(Server):
    """textual-serve's Server, guarded by ``access``; ``banner`` is printed once the
    address is bound."""

    def __init__(
        self, command: str, host: str, port: int, access: Access, banner: list[str]
    ) -> None:
        super().__init__(command, host=host, port=port, title="cxtui")
        self.access = access
        self.banner = banner
        self.sessions: dict[asyncio.Task[Any], web.WebSocketResponse] = {}

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

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: textual-serve prints its logo here, before the address is bound."""

    async def on_shutdown(self, app: web.Application) -> None:
        """End every session: its websocket is closed, so its handler tells its app to
        quit and waits for it (not cancelled: that would leave the app running)."""
        for websocket in list(self.sessions.values()):
            await websocket.close()
        ending = list(self.sessions)
        if ending:
            await asyncio.wait(ending, timeout=SESSION_STOP_SECONDS)

    async def handle_index(self, request: web.Request) -> Any:
        # the page's asset and websocket URLs follow the address the browser used
        # (the server may be bound to 0.0.0.0, which no browser can open); nothing
        # awaits between this and the page's rendering
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with each session known to the server so that
        stopping the server ends the session's app rather than abandon it."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        session = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
            debug=self.debug,
        )
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


async def end_session(session: AppService) -> None:
    """Tell the session's app to quit, and wait until its process has ended (killed
    if it has not after SESSION_STOP_SECONDS). ``AppService._process`` is a private
    name of textual-serve, hence its pin below the next minor version (pyproject)."""
    await session.stop()
    process = session._process
    if process is None or process.returncode is not None:
        return
    try:
        await asyncio.wait_for(process.wait(), SESSION_STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
