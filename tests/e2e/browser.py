"""The installed ``cxtui serve`` in a real browser: Debian's chromium driven by
Playwright (no browser is downloaded), for tests/e2e/test_serve.py and
benchmarks/serve.py.

textual-serve draws the app with xterm.js on a canvas, so the screen has no text in
the page. The page's script is served to this browser with one assignment added
that keeps its xterm.js terminal at ``window.cxtuiTerminal``; the screen is then read
from the terminal's own buffer, which is exactly what it shows."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

from tests.e2e.polling import TIMEOUT, wait_for_screen
from tests.e2e.terminal import CXTUI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright, Route

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 900}  # about 150 x 50 cells

# where textual.js opens its terminal, and what the page keeps of it
TERMINAL_OPENED = "this.terminal.open(e),"
KEEP_TERMINAL = "this.terminal.open(e),window.cxtuiTerminal=this.terminal,"
SCREEN_JS = """() => {
    const terminal = window.cxtuiTerminal;
    if (!terminal) return "";
    const buffer = terminal.buffer.active, lines = [];
    for (let row = 0; row < terminal.rows; row++) {
        const line = buffer.getLine(buffer.viewportY + row);
        lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\\n");
}"""
# what a failed wait says of the terminal besides its text: its size and where its
# viewport is (an app drawing more rows than the terminal has scrolls it)
GEOMETRY_JS = """() => {
    const terminal = window.cxtuiTerminal;
    if (!terminal) return "no terminal in the page";
    const buffer = terminal.buffer.active;
    return `${terminal.cols} x ${terminal.rows} cells, viewportY ${buffer.viewportY}, `
        + `baseY ${buffer.baseY}, ${buffer.length} lines, `
        + `cursor at ${buffer.cursorX},${buffer.cursorY}`;
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_environment(home: Path, **extra: str) -> dict[str, str]:
    """An environment set explicitly (nothing of the test process's cxtui settings):
    config and data under ``home``, and ``extra``."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        **extra,
    }


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    lines: list[str]

    @property
    def output(self) -> str:
        """What the server has printed so far (stdout and stderr)."""
        return "".join(self.lines)


@contextmanager
def served(arguments: list[str], env: dict[str, str]) -> Iterator[Served]:
    """``cxtui serve ARGUMENTS`` until its URL is printed; stopped with ctrl+c
    (SIGINT) at the end, as a user stops it. Its output is read all along by a
    thread, so that the server never waits on a full pipe."""
    process = subprocess.Popen(
        [str(CXTUI), "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines: list[str] = []
    url: list[str] = []
    printed = threading.Event()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.append(line)
            if not url and (match := re.search(r"open (http\S+)", line)):
                url.append(match.group(1))
                printed.set()
        printed.set()  # the server has ended

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        printed.wait(TIMEOUT)
        if not url:
            raise AssertionError(f"cxtui serve printed no URL: {''.join(lines)}")
        yield Served(url[0], process, lines)
    except BaseException:
        print(f"cxtui serve's output so far:\n{''.join(lines)}")  # shown with the failure
        raise
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


class BrowserTerminal:
    """One browser tab on the served app: its screen as text, keys typed into it."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def screen(self) -> str:
        return self.page.evaluate(SCREEN_JS)

    def wait_for(self, check: Callable[[str], bool], what: str) -> str:
        """Poll the screen until ``check`` holds, or fail after TIMEOUT seconds, saying
        the terminal's geometry and where a screenshot of the page was saved."""
        try:
            return wait_for_screen(self.screen, check, what, interval=0.05, timeout=TIMEOUT)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.evidence()}") from None

    def evidence(self) -> str:
        """The terminal's geometry and a screenshot of the page (in a temporary file)."""
        try:
            geometry = self.page.evaluate(GEOMETRY_JS)
            shot = Path(tempfile.mkstemp(prefix="cxtui-serve-", suffix=".png")[1])
            self.page.screenshot(path=str(shot))
        except Exception as error:  # the page is gone: say so rather than hide the failure
            return f"(no evidence from the page: {error!r})"
        return f"the terminal: {geometry}; a screenshot: {shot}"

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


@cache
def _script_keeping_the_terminal() -> str:
    """textual-serve's textual.js with the assignment added (read from the installed
    package once, so that serving it to the tab costs no round trip)."""
    import textual_serve

    script = (Path(textual_serve.__file__).parent / "static/js/textual.js").read_text()
    if TERMINAL_OPENED not in script:
        raise AssertionError(f"textual.js no longer has {TERMINAL_OPENED!r}: update browser.py")
    return script.replace(TERMINAL_OPENED, KEEP_TERMINAL, 1)


def _keep_terminal(route: Route) -> None:
    route.fulfill(body=_script_keeping_the_terminal(), content_type="application/javascript")


def new_tab(browser: Browser) -> Page:
    """A new tab (its own cookies) that keeps the page's terminal and reaches no other
    site than this machine."""
    page = browser.new_context(viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
    page.route("**/static/js/textual.js", _keep_terminal)
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort())
    return page


def open_app(page: Page, url: str) -> BrowserTerminal:
    """``url`` opened in the tab, with the terminal focused for keys."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator(".xterm-helper-textarea").focus()
    return BrowserTerminal(page)
