"""Refusing long queries cheaply while their path is full, before the app does any work for them.

Refused in the app, a long query still cost ~5 ms of the interpreter (session, language,
routing, the query's place analysis, the error page): 50 clients re-sending at once kept a
worker's interpreter busy with refusals alone, and normal searches waited for it. Here, in
front of the app, a request whose `q` is surely long (its encoded length above twelve times
`long_query_chars`: "%F0%9F%98%80" is one character) is answered 503 with Retry-After
at once while kb.long_queries is refusing (no slot and no waiting place free, now or within the
last few seconds). Anything less certain goes
through the app, which refuses in the same words (webui/errors.py).

The same judgement on the first bytes of a request line lets the server's network loop turn
such a request away before it is even received whole (webui/long_request_refusal.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from kb import KnowledgeBase
from kb.long_queries import RETRY_AFTER_S
from webui.security import SECURITY_HEADERS

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
SHEDDER_EXTENSION = "long_query_shedder"  # the app's LongQueryShedder, for the server in front of it
ENCODED_CHAR_MAX = 12  # a character is at most four UTF-8 bytes, each at most "%XX"


class BusyAnswer:
    """The 503 for a refused long query: the German page, or the API's JSON message under /api/.
    `answers` makes the page and the message, once, on first use (it needs the app's templates)."""

    def __init__(self, answers: Callable[[], tuple[str, str]]):
        self._answers = answers
        self._made: tuple[bytes, bytes] | None = None

    def headers(self, path: str) -> tuple[list[tuple[str, str]], bytes]:
        """The headers (with the app's security headers) and the body for a request to `path`."""
        if self._made is None:
            page, message = self._answers()
            self._made = page.encode(), json.dumps({"error": {"status": 503, "message": message}}).encode()
        if path.startswith("/api/"):
            body, kind = self._made[1], "application/json"
        else:
            body, kind = self._made[0], "text/html; charset=utf-8"
        headers = [
            ("Content-Type", kind),
            ("Content-Length", str(len(body))),
            ("Retry-After", str(RETRY_AFTER_S)),
            *SECURITY_HEADERS.items(),
        ]
        return headers, body

    def http_response(self, path: str, server_ident: str) -> bytes:
        """The whole HTTP answer, for a server that answers without the app; it closes the connection."""
        headers, body = self.headers(path)
        lines = [
            "HTTP/1.1 503 Service Unavailable",
            "Connection: close",
            f"Date: {formatdate(usegmt=True)}",
            f"Server: {server_ident}",
            *(f"{name}: {value}" for name, value in headers),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class LongQueryShedder:
    """WSGI middleware refusing a surely long query while kb.long_queries is refusing."""

    def __init__(self, app: WSGIApp, knowledge_base: KnowledgeBase, answers: Callable[[], tuple[str, str]]):
        self.app, self.kb = app, knowledge_base
        self.answer = BusyAnswer(answers)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        queries = self.kb.long_queries
        if queries.refusing() and _surely_long(environ.get("QUERY_STRING", ""), queries.long_chars):
            headers, body = self.answer.headers(environ.get("PATH_INFO", ""))
            start_response("503 Service Unavailable", headers)
            return [body]
        return self.app(environ, start_response)

    def refused_path(self, head: bytes) -> str | None:
        """For the first bytes of a request (all of it or not): its path, if it is to be refused now
        (the path refusing and the request line's `q` already surely long); else None."""
        queries = self.kb.long_queries
        if not queries.refusing():
            return None
        return _surely_long_target(head, queries.long_chars)


def _surely_long(query_string: str, long_chars: int) -> bool:
    """Whether the `q` parameter decodes to more than long_chars characters, whatever it holds.
    On the beginning of a query string, True is as sure: the rest can only make `q` longer."""
    if len(query_string) <= ENCODED_CHAR_MAX * long_chars:
        return False
    for part in query_string.split("&"):
        if part.startswith("q=") and len(part) - 2 > ENCODED_CHAR_MAX * long_chars:
            return True
    return False


def _surely_long_target(head: bytes, long_chars: int) -> str | None:
    """The path of the request line at the start of `head` (complete or not) if its `q` is surely long."""
    head = head.lstrip(b"\r\n")  # blank lines before a request are allowed (RFC 9112 2.2)
    if len(head) <= ENCODED_CHAR_MAX * long_chars:
        return None
    line = head.split(b"\n", 1)[0]
    parts = line.split(b" ", 2)  # method, target, version (the last two perhaps not here yet)
    if len(parts) < 2:
        return None
    target = parts[1].split(b"#", 1)[0].decode("latin-1")
    path, _, query = target.partition("?")
    if not _surely_long(query, long_chars):
        return None
    return path if path.startswith("/") else urlsplit(path).path  # or the absolute form
