"""``cxtui serve``: who may open it (unit tests of cli.serve_access), and the
installed command end to end: the app in a real browser (Debian's chromium through
Playwright) on a demo book, and the token required off loopback (plain HTTP)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cli.serve_access import Access, base_url, is_loopback, session_command
from cli.serve_session import handshake, read_handshake
from core.store.db import open_engine, sqlite_url
from sample_data import load_demo
from tests.e2e.browser import (
    CHROMIUM,
    CXTUI,
    free_port,
    launch,
    new_tab,
    open_app,
    serve_environment,
    served,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

no_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (Debian's chromium package)"
)

# ---------------------------------------------------------------- who may open it


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LocalHost", " 127.0.0.1 "]
)
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "128.0.0.1", "example.com", ""]
)
def test_other_addresses_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_loopback_needs_no_token_unless_one_is_given() -> None:
    assert Access.for_host("127.0.0.1", None).token is None
    assert Access.for_host("127.0.0.1", None).allows(None, None)
    assert Access.for_host("localhost", "given").token == "given"


def test_any_other_address_gets_a_fresh_token() -> None:
    first, second = Access.for_host("0.0.0.0", None), Access.for_host("0.0.0.0", None)
    assert first.token and second.token and first.token != second.token
    assert len(first.token) >= 32
    assert Access.for_host("192.168.1.20", "given").token == "given"


def test_a_request_passes_with_the_token_in_its_url_or_its_cookie() -> None:
    access = Access("s3cret")
    assert access.allows("s3cret", None)
    assert access.allows(None, "s3cret")
    assert access.allows("wrong", "s3cret")  # the cookie of an earlier good request
    for query, cookie in [
        (None, None),
        ("", None),
        ("wrong", None),
        (None, "s3cre"),
        ("S3CRET", ""),
    ]:
        assert not access.allows(query, cookie), (query, cookie)


def test_the_cookie_is_set_when_the_token_came_in_the_url() -> None:
    access = Access("s3cret")
    assert access.needs_cookie("s3cret", None)
    assert not access.needs_cookie("s3cret", "s3cret")
    assert not access.needs_cookie(None, "s3cret")
    assert not Access(None).needs_cookie("anything", None)


def test_a_page_of_another_site_is_refused_whatever_the_token() -> None:
    access = Access.for_host("0.0.0.0", "secret")
    assert access.refusal("10.0.0.5:8000", None, "secret", None) is None
    assert access.refusal("10.0.0.5:8000", "http://10.0.0.5:8000", None, "secret") is None
    for origin in ("http://evil.example", "http://10.0.0.5:9999", "null"):
        refusal = access.refusal("10.0.0.5:8000", origin, "secret", "secret")
        assert refusal == "a page of another site may not use this server"


def test_without_a_token_the_address_asked_for_must_be_loopback() -> None:
    """A name of another site made to point at 127.0.0.1 (DNS rebinding) is refused."""
    access = Access.for_host("127.0.0.1", None)
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000"):
        assert access.refusal(host, None, None, None) is None
    refusal = access.refusal("rebind.example:8000", "http://rebind.example:8000", None, None)
    assert refusal is not None and "this machine only" in refusal


def test_the_url_printed() -> None:
    assert Access(None).url(base_url("127.0.0.1", 8000, "box")) == "http://127.0.0.1:8000/"
    assert Access("t").url(base_url("0.0.0.0", 80, "box")) == "http://box:80/?token=t"
    assert base_url("::1", 8000, "box") == "http://[::1]:8000"
    assert base_url("::", 8000, "box") == "http://box:8000"


def test_the_handshake_hands_a_waiting_process_its_tab() -> None:
    reading, writing = os.pipe()
    os.write(writing, handshake(151, 47) + b"keys that follow")
    assert read_handshake(reading) == (151, 47)
    assert os.read(reading, 100) == b"keys that follow"  # left for the app's driver
    os.close(writing)
    assert read_handshake(reading) is None  # the end of input: the server stopped
    os.close(reading)


def test_a_process_started_ahead_ends_at_the_end_of_its_input(tmp_path: Path) -> None:
    """What the server does with the process it started for a tab that never came."""
    result = subprocess.run(
        [str(CXTUI), "--db", str(tmp_path / "book.db"), "--serve-session"],
        input=b"",
        capture_output=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert not (tmp_path / "book.db").exists()  # the app never started


def test_a_process_started_ahead_has_loaded_what_the_app_needs(tmp_path: Path) -> None:
    """After load_the_app, opening the app on a book up to its accounts list loads
    nothing of weight: no module of the app, Textual, polars or SQLAlchemy."""
    database = tmp_path / "book.db"
    engine = open_engine(sqlite_url(database))
    load_demo(engine, as_of=date.today())
    engine.dispose()
    script = f"""
import asyncio, sys
from contextlib import suppress
from pathlib import Path
from cli.serve_session import load_the_app
load_the_app()
before = set(sys.modules)
from textual.worker import WorkerCancelled
from core.store.db import sqlite_url
from tui.app import make_app

async def settle(app, pilot):
    for _ in range(40):
        with suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause(0.05)

async def main():
    app = make_app(sqlite_url(Path({str(database)!r})))
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert "of 250 accounts" in str(app.screen.query_one("#filter-bar").render())

asyncio.run(main())
print(" ".join(sorted(set(sys.modules) - before)))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    heavy = ("core", "tui", "textual", "polars", "sqlalchemy", "sqlmodel", "pyarrow")
    harness = ("textual.pilot", "textual.drivers.")  # run_test's, not the browser's
    loaded = [
        name
        for name in result.stdout.split()
        if name.split(".")[0] in heavy and not name.startswith(harness)
    ]
    assert not loaded, " ".join(loaded)


def test_the_command_of_a_session(tmp_path: Path) -> None:
    command = session_command(Path("/opt/my env/bin/cxtui"), tmp_path / "a b.db")
    db = tmp_path / "a b.db"
    assert command == f"exec '/opt/my env/bin/cxtui' --db '{db}' --serve-session"
    assert session_command(Path("/usr/bin/cxtui"), None) == "exec /usr/bin/cxtui --serve-session"


# ---------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="module")
def demo_db(home: Path) -> Path:
    database = home / "demo book.db"  # a space: the session command quotes it
    engine = open_engine(sqlite_url(database))
    load_demo(engine, as_of=date.today())
    engine.dispose()
    return database


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def _processes_on(database: Path, *wanted: str) -> list[str]:
    """The command lines of the processes that have ``database`` in theirs (and
    ``words``)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if all(word.encode() in words for word in (str(database), *wanted)):
            found.append(" ".join(word.decode(errors="replace") for word in words))
    return found


def _logged(database: Path, summary: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT account.name, interaction.kind, interaction.logged_by FROM interaction "
            "JOIN account ON account.id = interaction.account_id WHERE interaction.summary = ?",
            (summary,),
        ).fetchall()


@pytest.mark.browser
@no_chromium
def test_the_app_in_the_browser_searches_logs_and_stops(
    browser: Browser, demo_db: Path, home: Path
) -> None:
    """On 127.0.0.1 (no token): the dashboard, `2` the accounts list, `/` narrows it,
    `l` + a summary + ctrl+s logs an interaction in the database, recorded as the
    --user; ctrl+c stops the server and its sessions' apps, without a traceback."""
    env = serve_environment(home, CXTUI_USER="")
    arguments = ["--db", str(demo_db), "--port", str(free_port()), "--user", "Web Tester"]
    with served(arguments, env) as server:
        assert server.url.startswith("http://127.0.0.1:") and "token" not in server.url
        terminal = open_app(new_tab(browser), server.url)
        terminal.wait_for(lambda s: "Dashboard" in s and "NRR" in s, "the dashboard")
        assert "cxtui · Web Tester" in terminal.screen()  # the user, and no "Who are you?"
        assert _terminal_fits_the_window(terminal.page)
        terminal.press("2")
        terminal.wait_for(lambda s: "of 250 accounts" in s, "the accounts list")
        terminal.press("/")
        terminal.type("harbor")
        screen = terminal.wait_for(
            lambda s: 'search "harbor"' in s and "of 250 accounts" in s, "the search to narrow"
        )
        name = _first_row_name(screen, "Harbor")
        terminal.press("Tab")  # from the search to the list, the match highlighted
        terminal.press("l")
        terminal.wait_for(lambda s: f"Log interaction: {name}" in s, "the log form")
        terminal.press("c")  # a call: on to the summary
        summary = f"Browser call {time.time_ns()}"
        terminal.type(summary)
        terminal.press("Control+s")
        terminal.wait_for(lambda s: "Log interaction" not in s, "the form to close")
        assert _logged(demo_db, summary) == [(name, "call", "Web Tester")]
        terminal.page.context.close()
    assert server.process.returncode == 0, server.output
    assert "Traceback" not in server.output, server.output
    assert "writes are recorded as Web Tester" in server.output
    assert not _processes_on(demo_db)


def _terminal_fits_the_window(page: Page) -> bool:
    """The terminal's last row (the app's key bar) is in the window, and the box that
    takes the keys is not drawn over the page: what xterm.css does."""
    return page.evaluate(
        """() => {
        const screen = document.querySelector('.xterm-screen').getBoundingClientRect();
        const input = document.querySelector('.xterm-helper-textarea');
        return screen.top >= 0 && screen.bottom <= window.innerHeight
            && getComputedStyle(input).opacity === '0';
    }"""
    )


def _first_row_name(screen: str, prefix: str) -> str:
    row = next(line for line in screen.splitlines() if line.strip().startswith(prefix))
    return row.strip().split("  ")[0]


def _get(url: str, cookie: str | None = None, **headers: str) -> tuple[int, str, str]:
    """Status, body and Set-Cookie of a GET with these ``headers`` (``host``,
    ``origin``...); an error status is an answer too."""
    sent = {name.title(): value for name, value in headers.items()}
    if cookie:
        sent["Cookie"] = cookie
    request = urllib.request.Request(url, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            body = response.read().decode(errors="replace")
            return response.status, body, response.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), ""


def test_off_loopback_every_request_needs_the_token(demo_db: Path, home: Path) -> None:
    """Bound to 0.0.0.0, the URL printed holds a fresh token, printed once; a request
    without it (page, script, websocket) gets 403 and nothing of the app; with it in
    the URL, 200 and a cookie that lets the page's other requests pass."""
    port = free_port()
    env = serve_environment(home, CXTUI_USER="Web Tester")
    with served(["--host", "0.0.0.0", "--port", str(port), "--db", str(demo_db)], env) as server:
        token = server.url.partition("?token=")[2]
        assert len(token) >= 32, server.url
        local = f"http://127.0.0.1:{port}"
        for path in ("/", "/static/js/textual.js", "/ws", f"/?token={token[:-1]}"):
            status, body, _ = _get(local + path)
            assert status == 403, path
            assert "textual" not in body.lower() and token not in body, path
        status, body, set_cookie = _get(f"{local}/?token={token}")
        assert status == 200 and "textual.js" in body
        cookie = set_cookie.split(";")[0]
        assert cookie == f"cxtui_token={token}" and "HttpOnly" in set_cookie
        status, body, _ = _get(f"{local}/static/js/textual.js", cookie=cookie)
        assert status == 200 and "xterm" in body
    assert server.process.returncode == 0, server.output
    assert server.output.count(token) == 1, server.output  # not in a log of the requests


def test_a_given_token_is_required_on_loopback_too(demo_db: Path, home: Path) -> None:
    port = free_port()
    arguments = ["--port", str(port), "--db", str(demo_db), "--token", "team-token"]
    with served(arguments, serve_environment(home)) as server:
        assert server.url == f"http://127.0.0.1:{port}/?token=team-token"
        assert _get(f"http://127.0.0.1:{port}/")[0] == 403
        assert _get(server.url)[0] == 200


def test_stopping_the_server_ends_the_process_it_started_ahead(demo_db: Path, home: Path) -> None:
    with served(["--port", str(free_port()), "--db", str(demo_db)], serve_environment(home)):
        deadline = time.monotonic() + 30
        while not _processes_on(demo_db, "--serve-session") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _processes_on(demo_db, "--serve-session"), "no process was started ahead"
    assert not _processes_on(demo_db)


def test_a_request_from_another_site_gets_403(demo_db: Path, home: Path) -> None:
    port = free_port()
    with served(["--port", str(port), "--db", str(demo_db)], serve_environment(home)) as server:
        status, page, _ = _get(server.url)
        assert status == 200 and "terminal" in page
        assert "https://" not in page and "googleapis" not in page  # no other site's font
        assert f'href="http://127.0.0.1:{port}/static/css/xterm.css"' in page  # its own kept
        assert _get(server.url, origin="http://evil.example")[0] == 403
        status, body, _ = _get(server.url, host=f"rebind.example:{port}")
        assert status == 403 and "this machine only" in body


def test_behind_a_proxy_that_terminates_https_the_page_asks_https(
    demo_db: Path, home: Path
) -> None:
    """A reverse proxy (Caddy's reverse_proxy by default) passes the Host and says the
    browser's scheme; a page of https whose script and websocket are http and ws is
    blocked by the browser (chromium through such a proxy showed a blank page)."""
    port = free_port()
    with served(["--port", str(port), "--db", str(demo_db)], serve_environment(home)) as server:
        own = f"127.0.0.1:{port}"
        for header in ({"x-forwarded-proto": "https"}, {"forwarded": "for=10.0.0.9;proto=https"}):
            status, page, _ = _get(server.url, **header)
            assert status == 200
            assert f'src="https://{own}/static/js/textual.js"' in page, header
            assert f'href="https://{own}/static/css/xterm.css"' in page, header
            assert f'data-session-websocket-url="wss://{own}/ws"' in page, header
        page = _get(server.url)[1]
        assert f'data-session-websocket-url="ws://{own}/ws"' in page  # plain HTTP stays


def test_behind_https_the_token_cookie_is_never_sent_over_plain_http(
    demo_db: Path, home: Path
) -> None:
    """A cookie is not bound to a port: without Secure, the browser would send the
    token in clear to the same host's plain HTTP (the proxy's redirect on port 80)."""
    port = free_port()
    arguments = ["--port", str(port), "--db", str(demo_db), "--token", "team-token"]
    with served(arguments, serve_environment(home)) as server:
        _, _, behind_https = _get(server.url, **{"x-forwarded-proto": "https"})
        _, _, plain = _get(server.url)
    assert "cxtui_token=team-token" in behind_https and "Secure" in behind_https
    assert "cxtui_token=team-token" in plain and "Secure" not in plain


def test_an_address_in_use_is_an_error_in_words(demo_db: Path, home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(CXTUI), "serve", "--port", str(port), "--db", str(demo_db)],
            capture_output=True,
            text=True,
            env=serve_environment(home),
            timeout=60,
        )
    assert result.returncode == 2
    assert f"cxtui: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "address already in use" in result.stderr
    assert "open http" not in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("user", "words"),
    [
        ("x" * 81, "is 81 characters; at most 80"),
        ("Ana\x1b[2J", '"Ana\\x1b[2J" holds control characters'),
    ],
)
def test_a_user_no_column_takes_is_refused_before_serving(
    tmp_path: Path, user: str, words: str
) -> None:
    """As the app's "Who are you?" and `cxtui mcp --user`: every tab's writes would be
    recorded as this name, in columns of 80 characters."""
    from typer.testing import CliRunner

    from cli.main import app

    database = tmp_path / "book.db"
    result = CliRunner().invoke(app, ["serve", "--db", str(database), "--user", user])
    assert result.exit_code == 2, result.output
    assert "--user: " in result.output and words in result.output
    assert "\x1b" not in result.output
    assert not database.exists()  # nothing opened, nothing served
