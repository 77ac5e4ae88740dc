"""Long queries turned away by the server's network loop while their path is full.

Refusing a surely long query in front of the app (webui/long_query_shedding.py) is cheap for the
app, not for the server: 50 clients sending 100 KB queries back to back got their 503s, and
waitress still received, parsed and turned every one of them into a WSGI call on the same two
cores. Normal searches' p95 went from 20 ms to 55-58 ms (2.6-2.9x alone).

So while kb.long_queries is refusing (full now or lately), a connection whose request line is
surely long in the bytes received so far (a `q` longer than the shedder's bound, usually in the
first 8 KB read) is judged by its channel in the network loop: it is read no further, never
parsed, never handed to a request thread; the loop writes its 503 (the same German page or API
message, Retry-After, the security headers) and closes the connection. Short requests and
anything uncertain (the path free, the line not yet long enough to be sure, a request already
under way on the connection) take waitress's normal way.

Holding such connections for a second before answering, to pace clients that re-send at once,
was built and measured, and left out: each wake of the network loop asks every held channel
whether it is readable or writable, and normal traffic wakes it hundreds of times a second.
bench/hardening.py at load ~1, the same 50 clients: normal p95 3.35-3.4x alone with them held
(server CPU per normal search 3.8 -> 7.4 ms); answered at once, 1.45x and 1.72x (+1% and +25%).
"""

from __future__ import annotations

import contextlib

from waitress.channel import HTTPChannel

from webui.long_query_shedding import LongQueryShedder

DRAIN_BYTES = 256 * 1024  # read and dropped before closing, so the client gets a FIN, not a reset


class LongRequestRefusal:
    """What the channels of one server share: the judge and the answer."""

    def __init__(self, shedder: LongQueryShedder, server_ident: str):
        self.shedder, self.server_ident = shedder, server_ident

    def active(self) -> bool:
        """Whether long queries are being refused now (a cheap test before looking at bytes)."""
        return self.shedder.kb.long_queries.refusing()

    def refusal(self, head: bytes) -> bytes | None:
        """The whole 503 answer for a request beginning with `head`, if it is to be turned away now."""
        path = self.shedder.refused_path(head)
        return None if path is None else self.shedder.answer.http_response(path, self.server_ident)


class RefusingChannel(HTTPChannel):
    """An HTTPChannel that turns surely long queries away while their path is full (module
    docstring). The server it belongs to carries a LongRequestRefusal as `long_request_refusal`,
    or None."""

    _turned_away = False

    def received(self, data: bytes) -> bool:
        refusal_of: LongRequestRefusal | None = getattr(self.server, "long_request_refusal", None)
        request = self.request
        starting = request is None or not request.headers_finished  # still in the request's head
        if refusal_of is not None and refusal_of.active() and starting and not self.requests and data:
            refusal = refusal_of.refusal((request.header_plus if request is not None else b"") + data)
            if refusal is not None:
                self.request = None  # what was received of it is dropped unparsed
                self._turned_away = True
                with self.outbuf_lock:
                    self.outbufs[-1].append(refusal)
                    self.total_outbufs_len += len(refusal)
                self.close_when_flushed = True  # writable() now: the loop writes it and closes
                return True
        return super().received(data)

    def readable(self) -> bool:
        return not self._turned_away and super().readable()

    def handle_close(self) -> None:
        if self._turned_away and self.socket is not None:
            # Unread request bytes make close() send a reset, which may cost the client the answer.
            with contextlib.suppress(OSError):
                for _ in range(DRAIN_BYTES // self.adj.recv_bytes):
                    if not self.socket.recv(self.adj.recv_bytes):
                        break
        super().handle_close()
