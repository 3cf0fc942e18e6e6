"""The web server of ``cxtui serve``: textual-serve's Server (aiohttp) with the token
check of ``cli.serve_access`` in front of every request, page URLs that follow the
address the browser used, and a shutdown that ends every session's app process.
Imported only by that command (textual-serve and aiohttp are not light)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from textual_serve.server import Server

from cli.serve_access import TOKEN_COOKIE, TOKEN_PARAMETER, Access

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FORBIDDEN = "cxtui serve: this address needs the token in the URL printed when it started.\n"
SESSION_STOP_SECONDS = 10.0


def token_middleware(access: Access) -> Any:
    """An aiohttp middleware: a request without the token (parameter or cookie) gets
    403 and nothing else; a good one with the token in its URL sets the cookie, so
    that the page's own assets and websocket pass too."""

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        query_token = request.query.get(TOKEN_PARAMETER)
        cookie_token = request.cookies.get(TOKEN_COOKIE)
        if not access.allows(query_token, cookie_token):
            return web.Response(status=403, text=FORBIDDEN)
        response = await handler(request)
        if access.needs_cookie(query_token, cookie_token) and not response.prepared:
            response.set_cookie(
                TOKEN_COOKIE, access.token or "", httponly=True, samesite="Strict", path="/"
            )
        return response

    return check_token


class CxtuiServer(Server):
    """textual-serve's Server, guarded by ``access``; ``url`` is printed at start."""

    def __init__(self, command: str, host: str, port: int, access: Access, url: str) -> None:
        super().__init__(command, host=host, port=port, title="cxtui")
        self.access = access
        self.url = url
        self.sessions: set[asyncio.Task[Any]] = set()

    def initialize_logging(self) -> None:
        super().initialize_logging()
        # the access log would repeat the token of every request that carries it
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(token_middleware(self.access))
        return app

    async def on_startup(self, app: web.Application) -> None:
        print(f"cxtui serve: open {self.url}", flush=True)
        print("Each browser tab runs its own cxtui. Press ctrl+c to stop.", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """End every session: its websocket is closed and its app told to quit, which
        the session's handler waits for."""
        sessions = list(self.sessions)
        for task in sessions:
            task.cancel()
        if sessions:
            await asyncio.wait(sessions, timeout=SESSION_STOP_SECONDS)

    async def handle_index(self, request: web.Request) -> Any:
        # the page's asset and websocket URLs follow the address the browser used
        # (the server may be bound to 0.0.0.0, which no browser can open); nothing
        # awaits between this and the page's rendering
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        assert task is not None
        self.sessions.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions.discard(task)
