"""Serving the web UI through waitress, a production WSGI server, in one process or several.

With --workers N the listening socket is opened once and N worker processes are forked, each
running its own app (its own model and vector index) on that socket; the kernel hands each new
connection to one of them. Each worker follows the store's generation on every search, so an
upload through one worker is searchable through all. The model is loaded only after the fork,
so no worker inherits another's OpenMP threads.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

import click

from kb.settings import Settings

RESTART_PAUSE_S = 1.0  # a worker that dies is started again after this pause


def serve_app(settings: Settings, host: str, port: int, threads: int = 4, workers: int = 1) -> None:
    if workers <= 1:
        server = _server(settings, host, port, threads, sockets=None)
        click.echo(f"Praxisfinder on http://{host}:{port}/  (Ctrl+C to stop)")
        server.run()
        return
    listener = socket.create_server((host, port), backlog=1024, reuse_port=False)
    listener.setblocking(False)
    click.echo(f"Praxisfinder on http://{host}:{port}/ with {workers} worker processes  (Ctrl+C to stop)")
    _supervise(settings, listener, threads, workers)


def _server(settings: Settings, host: str, port: int, threads: int, sockets: list | None):
    from webui import create_app
    from webui.wsgi_server import make_server

    app = create_app({"KB_SETTINGS": settings})
    refused = app.config.get("ADMIN_PASSWORD_REFUSED")
    if refused:
        click.echo(f"Warning: {refused}", err=True)
    return make_server(app, host, port, threads, sockets=sockets)


def _start_worker(settings: Settings, listener: socket.socket, threads: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _server(settings, "", 0, threads, sockets=[listener]).run()
    finally:
        os._exit(0)
    return 0  # not reached


def _supervise(settings: Settings, listener: socket.socket, threads: int, workers: int) -> None:
    """Start the workers, start again any that dies, stop them all on Ctrl+C or SIGTERM."""
    running = {_start_worker(settings, listener, threads) for _ in range(workers)}
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        for pid in running:
            _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while running:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        running.discard(pid)
        if not stopping:
            click.echo(f"worker {pid} ended ({_describe(status)}); starting another", err=True)
            time.sleep(RESTART_PAUSE_S)
            if not stopping:  # a stop that came during the pause must not leave a new worker behind
                running.add(_start_worker(settings, listener, threads))
    sys.exit(0)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
