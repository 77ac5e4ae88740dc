"""The production WSGI server (waitress) configured for this app: bodies bounded while they are
received, the security headers on waitress's own answers too, and surely long queries turned away
in the network loop while their path is full (webui/long_request_refusal.py).

Waitress answers some requests itself, before the app sees them: a malformed request (400),
headers too large (431), a body over the limit (413), an unknown transfer coding (501), and a
500 when the app raises past Flask. Those answers get the same security headers as the app's.
"""

from __future__ import annotations

import socket
from typing import Any

from flask import Flask
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask

from webui.long_query_shedding import SHEDDER_EXTENSION
from webui.long_request_refusal import LongRequestRefusal, RefusingChannel
from webui.security import SECURITY_HEADERS

SERVER_IDENT = "praxisfinder"


class _HeadedErrorTask(ErrorTask):
    def execute(self) -> None:
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class _HeadedChannel(RefusingChannel):
    error_task_class = _HeadedErrorTask


def max_body_bytes(app: Flask) -> int:
    """The largest request body waitress receives: the app's limit (an upload of the largest
    allowed size and its form framing). A larger body is refused while it arrives, never stored."""
    return int(app.config["MAX_CONTENT_LENGTH"])


def make_server(
    app: Flask,
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: int = 4,
    sockets: list[socket.socket] | None = None,
) -> Any:
    """A waitress server for the app (call .run()); listening on `sockets` when given, else host:port."""
    where: dict[str, Any] = {"sockets": sockets} if sockets else {"host": host, "port": port}
    server = create_server(
        app,
        threads=threads,
        ident=SERVER_IDENT,
        max_request_body_size=max_body_bytes(app),
        **where,
    )
    shedder = app.extensions.get(SHEDDER_EXTENSION)
    refusal = LongRequestRefusal(shedder, SERVER_IDENT) if shedder else None
    # One listening server, or several (a host name with an IPv4 and an IPv6 address) in its map.
    for listener in [server, *getattr(server, "map", {}).values()]:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _HeadedChannel
            listener.long_request_refusal = refusal
    return server
