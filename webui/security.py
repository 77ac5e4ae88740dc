"""Security the whole app shares: the secret key, response headers, CSRF tokens, request size."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, Response, abort, current_app, request, session

SECRET_KEY_FILE = "webui-secret-key"
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def load_or_create_secret_key(data_dir: Path) -> bytes:
    """The session signing key: made once with `secrets`, kept in the data dir readable by the owner only.

    Worker processes of `kb serve --workers N` start together: the key is written whole to a file
    of its own and then linked into place, which fails if another process got there first, so no
    process ever reads a half-written key (an O_EXCL create followed by a write let a second
    worker read an empty file and end)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        _create_whole(path, secrets.token_hex(32).encode())
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path}: secret key file is too short; delete it to make a new one")
    return key


def _create_whole(path: Path, content: bytes) -> None:
    """Create `path` holding `content`, unless it exists (then leave it as it is)."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
    finally:
        draft.unlink(missing_ok=True)


def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse (400) a form POST whose token does not match the session's."""
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, description="csrf")


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _refuse_oversized_body() -> None:
    # Refuse before any view reads the body, so every route (API included) answers 413 the same way.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413)


def init_app(app: Flask) -> None:
    app.after_request(_add_security_headers)
    app.before_request(_refuse_oversized_body)
    app.jinja_env.globals["csrf_token"] = csrf_token
