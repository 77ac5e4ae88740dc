"""Serving the web UI through waitress, a production WSGI server, in one process or several.

With --workers N, N worker processes are forked, each running its own app (its own model and
vector index) on a listening socket of its own bound to the one port with SO_REUSEPORT, so the
kernel spreads new connections evenly over them. (One socket shared by all workers went to
whichever worker woke first: 18 of 20 keep-alive connections ended on one worker, and two workers
served no more than one.) The supervisor keeps the port bound, not listening, so another program
cannot take it while a worker is restarted. Each worker follows the store's generation on every search, so an
upload through one worker is searchable through all. The model is loaded only after the fork,
so no worker inherits another's OpenMP threads.

Shutdown must leave nothing behind: an orphaned worker keeps answering on the port and holds the
supervisor's console open. So each worker runs in a process group of its own (the supervisor stops
it with whatever it started, such as a parsing child), asks the kernel to end it when the
supervisor ends, however that happens (PR_SET_PDEATHSIG), and one that has not ended a few seconds
after SIGTERM is killed. The supervisor's signal handlers only note the request; its loop does the
work, so a signal arriving mid-fork cannot miss the worker being started.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import sys
import time
import traceback

import click

from kb.settings import Settings

RESTART_PAUSE_S = 1.0  # a worker that dies is started again after this pause
STOP_GRACE_S = 10.0  # after SIGTERM, a worker still running this long after is killed
POLL_S = 0.1  # the supervisor looks for ended workers and stop requests this often
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def serve_app(settings: Settings, host: str, port: int, threads: int = 4, workers: int = 1) -> None:
    if workers <= 1:
        server = _server(settings, host, port, threads, sockets=None)
        click.echo(f"Praxisfinder on http://{host}:{port}/  (Ctrl+C to stop)")
        server.run()
        return
    listener = _port_socket(host, port, listen=False)  # holds the port; the workers listen
    click.echo(f"Praxisfinder on http://{host}:{port}/ with {workers} worker processes  (Ctrl+C to stop)")
    _Supervisor(settings, listener, threads, workers).run()


def _server(settings: Settings, host: str, port: int, threads: int, sockets: list | None):
    from webui import create_app
    from webui.wsgi_server import make_server

    app = create_app({"KB_SETTINGS": settings})
    refused = app.config.get("ADMIN_PASSWORD_REFUSED")
    if refused:
        click.echo(f"Warning: {refused}", err=True)
    return make_server(app, host, port, threads, sockets=sockets)


def _port_socket(host: str, port: int, listen: bool) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT; listening and non-blocking if asked."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(1024)
            sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _worker_main(settings: Settings, held: socket.socket, threads: int, supervisor: int) -> None:
    """Runs in the forked child and never returns; whatever ends it is told on the console."""
    code = 1
    try:
        os.setpgid(0, 0)
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        _end_with_parent()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked by the supervisor for the fork
        if os.getppid() != supervisor:  # the supervisor ended before the request above took effect
            return
        host, port = held.getsockname()[:2]
        listener = _port_socket(host, port, listen=True)
        held.close()
        _server(settings, "", 0, threads, sockets=[listener]).run()
        code = 0
    except BaseException:  # a worker's end is reported, whatever the reason
        click.echo(f"worker {os.getpid()} failed:", err=True)
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _end_with_parent() -> None:
    """Ask Linux to send SIGTERM when the supervisor ends, even by SIGKILL (elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) != 0:
        reason = os.strerror(ctypes.get_errno())
        click.echo(f"worker {os.getpid()}: cannot follow the supervisor's end: {reason}", err=True)


class _Supervisor:
    """Start the workers, start again any that dies, stop them all on Ctrl+C or SIGTERM."""

    def __init__(self, settings: Settings, listener: socket.socket, threads: int, workers: int):
        self.settings, self.listener, self.threads, self.workers = settings, listener, threads, workers
        self.running: set[int] = set()
        self.stop_requested: int | None = None  # the signal that asked for it
        self.stop_deadline: float | None = None
        self.restarts_due: list[float] = []

    def run(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._note_stop)
        try:
            for _ in range(self.workers):
                self._start()
            while self.running or (self.restarts_due and self.stop_requested is None):
                self._reap()
                if self.stop_requested is not None:
                    self._stop_step()
                else:
                    self._restart_due()
                time.sleep(POLL_S)
        finally:
            for pid in self.running:  # the supervisor itself failed: leave nothing behind
                _signal_group(pid, signal.SIGKILL)
        sys.exit(0)

    def _note_stop(self, signum, frame) -> None:
        if self.stop_requested is None:
            self.stop_requested = signum

    def _start(self) -> None:
        # Stop signals wait until the new worker is in `running`, so a stop cannot miss it.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:
                _worker_main(self.settings, self.listener, self.threads, os.getppid())
            with contextlib.suppress(OSError):  # the child does the same: whichever runs first
                os.setpgid(pid, pid)
            self.running.add(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

    def _reap(self) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.running.clear()
                return
            if pid == 0:
                return
            self.running.discard(pid)
            _signal_group(pid, signal.SIGKILL, reaped=True)  # what the worker started dies with it
            if self.stop_requested is None:
                click.echo(f"worker {pid} ended ({_describe(status)}); starting another", err=True)
                self.restarts_due.append(time.monotonic() + RESTART_PAUSE_S)
            elif status != 0 and not _ended_by(status, signal.SIGTERM):
                click.echo(f"worker {pid} ended while stopping ({_describe(status)})", err=True)

    def _restart_due(self) -> None:
        now = time.monotonic()
        for due in [due for due in self.restarts_due if due <= now]:
            self.restarts_due.remove(due)
            self._start()

    def _stop_step(self) -> None:
        if self.stop_deadline is None:
            self.stop_deadline = time.monotonic() + STOP_GRACE_S
            self.restarts_due.clear()
            for pid in self.running:
                _signal_group(pid, signal.SIGTERM)
        elif time.monotonic() > self.stop_deadline:
            for pid in self.running:
                click.echo(f"worker {pid} did not stop within {STOP_GRACE_S:.0f} s; killing it", err=True)
                _signal_group(pid, signal.SIGKILL)
            self.stop_deadline = float("inf")


def _signal_group(pid: int, signum: int, reaped: bool = False) -> None:
    """Signal a worker's process group: the worker and whatever it started. The worker itself is
    signalled too while it is ours (not yet reaped, so its pid cannot belong to anyone else)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
    if not reaped:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _ended_by(status: int, signum: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signum


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        hint = " (killed: by the kernel if memory ran out, or by someone)" if number == signal.SIGKILL else ""
        return f"signal {number}, {signal.Signals(number).name}{hint}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
