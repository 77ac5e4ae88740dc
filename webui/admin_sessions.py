"""Admin sessions kept on the server, so that logging out ends a session even where its cookie survives.

The signed cookie only names a session; the session itself is a row in a small SQLite file in the
data folder, shared by every worker process of `kb serve --workers N`. Logout deletes the row: a
cookie saved before the logout opens nothing afterwards.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from pathlib import Path

SESSIONS_FILE = "webui-sessions.sqlite"


class AdminSessions:
    def __init__(self, data_dir: Path, lifetime_seconds: float):
        self.path = data_dir / SESSIONS_FILE
        self.lifetime = lifetime_seconds
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, expires REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def open(self) -> str:
        """A new session's id; expired sessions are dropped on the way."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE expires < ?", [now])
            db.execute("INSERT INTO sessions VALUES (?, ?)", [session_id, now + self.lifetime])
        return session_id

    def is_open(self, session_id: str | None) -> bool:
        if not session_id:
            return False
        with self._connect() as db:
            row = db.execute("SELECT expires FROM sessions WHERE id = ?", [session_id]).fetchone()
        return row is not None and row[0] > time.time()

    def close(self, session_id: str | None) -> None:
        if session_id:
            with self._connect() as db:
                db.execute("DELETE FROM sessions WHERE id = ?", [session_id])
