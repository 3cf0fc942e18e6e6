"""Who may open ``cxtui serve``, and what each browser session runs: plain functions
with no web framework, so that they are tested on their own.

- A server bound to loopback (127.0.0.0/8, ::1, localhost) is reachable from this
  machine only and needs no token; any other address needs one.
- With a token, every request carries it: the ``token`` query parameter (the URL
  printed at start), or the cookie set after the first good request, which is what
  the page's own asset and websocket requests send.
- Whatever the address, a request sent by a page of another site (its ``Origin`` is
  not the server's) is refused: a websocket is not bound by the browser's same-origin
  rule, and any page could otherwise drive the app. Without a token, the ``Host``
  the browser asked for must be loopback too, so that a name of another site made to
  point at 127.0.0.1 (DNS rebinding) does not reach the app.
"""

from __future__ import annotations

import ipaddress
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

TOKEN_PARAMETER = "token"
TOKEN_COOKIE = "cxtui_token"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this
    machine's loopback: 127.0.0.0/8, ::1 or localhost. Anything else, including
    0.0.0.0 and ``::`` (every interface), is not."""
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Access:
    """The token every request must carry, or None when the server is open to this
    machine only and was given no token."""

    token: str | None

    @classmethod
    def for_host(cls, host: str, token: str | None) -> Access:
        """A token given is always required; an address other than loopback without
        one gets a fresh token."""
        if token is not None:
            return cls(token)
        return cls(None if is_loopback(host) else new_token())

    def allows(self, query_token: str | None, cookie_token: str | None) -> bool:
        """Whether a request with this ``token`` parameter and cookie may pass
        (compared in constant time)."""
        if self.token is None:
            return True
        expected = self.token.encode()
        return any(
            given is not None and secrets.compare_digest(given.encode(), expected)
            for given in (query_token, cookie_token)
        )

    def refusal(
        self,
        host: str | None,
        origin: str | None,
        query_token: str | None,
        cookie_token: str | None,
    ) -> str | None:
        """Why a request with these ``Host`` and ``Origin`` headers, token parameter
        and cookie is refused, or None when it may pass."""
        if origin is not None and not same_origin(origin, host):
            return "a page of another site may not use this server"
        if self.token is None and not is_loopback(host_name(host or "")):
            return "this server is for this machine only (open it as 127.0.0.1 or localhost)"
        if not self.allows(query_token, cookie_token):
            return "this address needs the token in the URL printed when the server started"
        return None

    def needs_cookie(self, query_token: str | None, cookie_token: str | None) -> bool:
        """Whether the response to an allowed request should set the cookie: the
        token came in the URL and the browser does not hold it yet."""
        return self.token is not None and query_token is not None and cookie_token != self.token

    def url(self, base: str) -> str:
        """The address to open: ``base`` with the token, if any."""
        return f"{base}/?{TOKEN_PARAMETER}={self.token}" if self.token else f"{base}/"


def host_name(host: str) -> str:
    """The name or address of a ``Host`` header, without its port."""
    host = host.strip()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def same_origin(origin: str, host: str | None) -> bool:
    """Whether an ``Origin`` header names the server the request was sent to (its
    ``Host``). An ``Origin`` of "null" (a sandboxed page, a file) is another site."""
    netloc = urlsplit(origin.strip()).netloc
    return bool(netloc) and host is not None and netloc.lower() == host.strip().lower()


def base_url(host: str, port: int, hostname: str) -> str:
    """``http://host:port`` as a browser can open it: an address that means every
    interface (0.0.0.0, ``::``) is shown as this machine's ``hostname``; an IPv6
    address in brackets."""
    if host.strip("[]") in {"0.0.0.0", "::", ""}:
        host = hostname
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def session_command(cxtui: Path, db: Path | None) -> str:
    """The shell command each browser session runs: the installed ``cxtui`` on the
    server's database (``--db`` as an absolute path; without it the session finds the
    database as the server did, through ``CXTUI_DATABASE_URL`` or the default file).
    ``exec`` so that the session is the app process itself, not a shell around it."""
    words = [str(cxtui)]
    if db is not None:
        words += ["--db", str(db.expanduser().resolve())]
    return "exec " + shlex.join([*words, "--serve-session"])
