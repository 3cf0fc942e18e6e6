"""``cxtui serve``: the app in the browser, one app process per browser tab."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.common import DbOption, fail, open_db
from cli.options import user_option

Host = Annotated[
    str,
    typer.Option(
        "--host",
        help="Address to listen on. Loopback (127.0.0.1, ::1, localhost) is this machine "
        "only; any other address (0.0.0.0: every interface) requires a token.",
    ),
]
Port = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        metavar="TOKEN",
        help="The token every request must carry (default: a fresh one when the address "
        "is not loopback, none on loopback). It is printed once, inside the URL.",
    ),
]
USER_MAX = 80  # the columns that record who wrote (logged_by, checked_by...)
User = user_option(
    "Whom the sessions' writes are recorded as, and whose book `m` shows "
    "(default: CXTUI_USER, the config's user, or your login name)."
)


def serve_commands(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    db: DbOption = None,
    token: Token = None,
    user: User = None,
) -> None:
    """Serve the app in the browser: each browser tab runs its own cxtui on the same
    database, until ctrl+c. Prints the URL to open. Bound to another address than
    loopback, every request must carry the token printed in that URL (a request
    without it gets 403). Team use is meant with PostgreSQL (CXTUI_DATABASE_URL):
    several people writing at once to one SQLite file works, but it is a single file
    on the server's disk."""
    from cli.serve_access import Access, base_url, session_command
    from core.config.settings import USER_ENV, load_settings
    from core.text import shortened

    if token is not None and not token.strip():
        fail("--token must not be empty")
    name = (user if user is not None else load_settings().author).strip()
    if not name:
        fail("--user must not be empty")
    if problem := user_problem(name):
        fail(f'--user: "{shortened(name)}" {problem}')
    open_db(db).dispose()  # migrated once here, not by the first sessions at the same time
    cxtui = Path(sys.executable).with_name("cxtui")
    if not cxtui.exists():
        fail(f"the cxtui command is not installed next to {sys.executable}")
    access = Access.for_host(host, token)
    os.environ[USER_ENV] = name  # every session's app inherits the environment

    from cli.serve_web import CxtuiServer

    banner = [
        f"cxtui serve: open {access.url(base_url(host, port, socket.gethostname()))}",
        f"Each browser tab runs its own cxtui; their writes are recorded as {name}. "
        "Press ctrl+c to stop.",
    ]
    server = CxtuiServer(session_command(cxtui, db), host, port, access, banner)
    try:
        server.serve()
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")


def user_problem(name: str) -> str | None:
    """Why the sessions cannot record their writes as ``name`` (as the app's "Who are
    you?" refuses it), or None."""
    from core.text import has_control, text_problem

    if has_control(name):
        return "holds control characters"
    problem = text_problem(name, USER_MAX)
    return None if problem is None else f"is {problem}"
