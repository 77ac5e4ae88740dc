"""Long queries turned away by the server's network loop while their path is full, slowly.

Refusing a surely long query in front of the app (webui/long_query_shedding.py) is cheap for the
app, not for the server: 50 clients sending 100 KB queries back to back each got their 503 within
a few milliseconds and sent the next at once, ~300 a second, and waitress still received, parsed
and turned every one of them into a WSGI call on the same two cores. Normal searches' p95 went
from 20 ms to 55-58 ms.

So while kb.long_queries is refusing (full now or lately), a connection whose request line is
surely long in the bytes received so far (a `q` longer than the shedder's bound, usually in the
first 8 KB read) is judged by its channel in the network loop:
- it is read no further, never parsed, never handed to a worker thread;
- its 503 (the same German page or API message, Retry-After, the security headers) is written by
  the loop itself TARPIT_S later (writable() turns true at the deadline; the loop looks at least
  every `asyncore_loop_timeout`, 1 s), then the connection is closed. A client sending back to back
  thus sends about one long query a second instead of one every few milliseconds;
- at most `limit` connections are held so; beyond it the 503 goes at once. The server's limit
  is HELD_BY_DEFAULT, none (why: below), so by default the refusal is written at once.
Short requests and anything uncertain (the path free, the line not yet long enough to be sure,
a request already under way on the connection) take waitress's normal way.

Measured (bench/hardening.py, the same 50 clients, load ~1): refused in front of the app only,
normal p95 2.6-2.9x alone; held here, 3.35-3.4x; answered at once from the channel, 1.45x (the
server's CPU per normal search +1%). At load 3-11 holding measured 0.94-1.43x: there the p95
followed the other work.
"""

from __future__ import annotations

import contextlib
import time

from waitress.channel import HTTPChannel

from webui.long_query_shedding import LongQueryShedder

TARPIT_S = 1.0
# How many refused connections a server holds by default: none. Holding paced the flood's clients
# (about one query a second each instead of ~30) but cost more than it saved on a quiet machine:
# each wake of the network loop asks every held channel whether it is readable or writable, and
# normal traffic wakes it hundreds of times a second. bench/hardening.py at load ~1: normal p95
# with 50 long-query clients 3.35-3.4x alone with them held (server CPU per normal search 3.8 ->
# 7.4 ms), 1.45x with each answered at once from the channel (4.2 -> 4.3 ms, ~670 refused a second).
HELD_BY_DEFAULT = 0
DRAIN_BYTES = 256 * 1024  # read and dropped before closing, so the client gets a FIN, not a reset


class LongRequestTarpit:
    """What the channels of one server share: the judge, the answer, and the count of held ones."""

    def __init__(self, shedder: LongQueryShedder, server_ident: str, limit: int, delay_s: float = TARPIT_S):
        self.shedder, self.server_ident = shedder, server_ident
        self.limit, self.delay_s = max(0, limit), delay_s
        self.held = 0  # only the network loop's thread changes it

    def active(self) -> bool:
        """Whether long queries are being refused now (a cheap test before looking at bytes)."""
        return self.shedder.kb.long_queries.refusing()

    def refusal(self, head: bytes) -> bytes | None:
        """The whole 503 answer for a request beginning with `head`, if it is to be turned away now."""
        path = self.shedder.refused_path(head)
        return None if path is None else self.shedder.answer.http_response(path, self.server_ident)


class TarpitChannel(HTTPChannel):
    """An HTTPChannel that holds surely long queries back while their path is full (module docstring).
    The server it belongs to carries a LongRequestTarpit as `long_request_tarpit`, or None."""

    _refusal: bytes | None = None  # the 503 still to write
    _since = 0.0  # time.monotonic() when the request was turned away
    _held = False  # counted in the tarpit's `held`; else answered at once

    def received(self, data: bytes) -> bool:
        tarpit: LongRequestTarpit | None = getattr(self.server, "long_request_tarpit", None)
        request = self.request
        starting = request is None or not request.headers_finished  # still in the request's head
        if tarpit is not None and tarpit.active() and starting and not self.requests and data:
            refusal = tarpit.refusal((request.header_plus if request is not None else b"") + data)
            if refusal is not None:
                self.request = None  # what was received of it is dropped unparsed
                self._refusal, self._since = refusal, time.monotonic()
                self._held = tarpit.held < tarpit.limit
                tarpit.held += self._held
                return True
        return super().received(data)

    def readable(self) -> bool:
        return not self._turned_away() and super().readable()

    def writable(self) -> bool:
        if self._refusal is not None:
            return self._due()
        return bool(super().writable())

    def handle_write(self) -> None:
        if self._refusal is not None and self._due():
            refusal, self._refusal = self._refusal, None
            with self.outbuf_lock:
                self.outbufs[-1].append(refusal)
                self.total_outbufs_len += len(refusal)
            self.close_when_flushed = True
        super().handle_write()

    def handle_close(self) -> None:
        if self._turned_away() and self.socket is not None:
            # Unread request bytes make close() send a reset, which may cost the client the answer.
            with contextlib.suppress(OSError):
                for _ in range(DRAIN_BYTES // self.adj.recv_bytes):
                    if not self.socket.recv(self.adj.recv_bytes):
                        break
        super().handle_close()

    def del_channel(self, map=None) -> None:  # noqa: A002 (waitress's name)
        if self._held:
            self._held = False
            self.server.long_request_tarpit.held -= 1
        super().del_channel(map)

    def _turned_away(self) -> bool:
        return self._since > 0.0

    def _due(self) -> bool:
        """Whether the held 503 is to be written now (the delay read each time: a test can shorten it)."""
        return not self._held or time.monotonic() >= self._since + self.server.long_request_tarpit.delay_s
