"""Refusing long queries cheaply while their path is full, before the app does any work for them.

Refused in the app, a long query still cost ~5 ms of the interpreter (session, language,
routing, the query's place analysis, the error page): 50 clients re-sending at once kept a
worker's interpreter busy with refusals alone, and normal searches waited for it. Here, in
front of the app, a request whose `q` is surely long (its encoded length above twelve times
`long_query_chars`: "%F0%9F%98%80" is one character) is answered 503 with Retry-After
at once while kb.long_queries has no slot and no waiting place free. Anything less certain goes
through the app, which refuses in the same words (webui/errors.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from kb import KnowledgeBase
from kb.long_queries import RETRY_AFTER_S
from webui.security import SECURITY_HEADERS

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
ENCODED_CHAR_MAX = 12  # a character is at most four UTF-8 bytes, each at most "%XX"


class LongQueryShedder:
    """WSGI middleware; `answers` makes the German 503 page and API message, once, on first use."""

    def __init__(self, app: WSGIApp, knowledge_base: KnowledgeBase, answers: Callable[[], tuple[str, str]]):
        self.app, self.kb, self._answers = app, knowledge_base, answers
        self._made: tuple[bytes, bytes] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        queries = self.kb.long_queries
        if queries.saturated() and _surely_long(environ.get("QUERY_STRING", ""), queries.long_chars):
            return self._refuse(environ.get("PATH_INFO", ""), start_response)
        return self.app(environ, start_response)

    def _refuse(self, path: str, start_response: Callable) -> list[bytes]:
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
        start_response("503 Service Unavailable", headers)
        return [body]


def _surely_long(query_string: str, long_chars: int) -> bool:
    """Whether the `q` parameter decodes to more than long_chars characters, whatever it holds."""
    if len(query_string) <= ENCODED_CHAR_MAX * long_chars:
        return False
    for part in query_string.split("&"):
        if part.startswith("q=") and len(part) - 2 > ENCODED_CHAR_MAX * long_chars:
            return True
    return False
