"""Slowing down password guessing: a pause between attempts, a lock-out after several wrong ones.

An attempt is counted before its password is compared, so parallel guesses cannot slip in
while one is being checked; a success forgets the count. The pause is no sleep (which would hold
a server thread per guess): an attempt inside it is refused at once.

The counts live in a small SQLite file in the data folder (the one the admin sessions use), so
the limit holds across the worker processes of `kb serve --workers N` (each worker counted on
its own before: N workers allowed N times the guesses) and across a restart. Each step is one
`BEGIN IMMEDIATE` transaction: two workers cannot both read a count and both let a guess through.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MAX_CLIENTS = 10_000  # above this many remembered clients, those with nothing pending are dropped
SCHEMA = """
CREATE TABLE IF NOT EXISTS login_clients (
    client TEXT PRIMARY KEY, next_attempt REAL NOT NULL, locked_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failures (client TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_by_client ON login_failures (client, at);
"""


class LoginThrottle:
    """Failed logins per client (by address), in `path` (shared by processes) or, without one, in
    this process's memory (tests)."""

    def __init__(
        self,
        path: Path | None = None,
        max_failures: int = 5,
        lockout_seconds: float = 900.0,
        pause_seconds: float = 1.0,
        clock: Callable[[], float] = time.time,
    ):
        self.path = path
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.pause_seconds = pause_seconds  # between two attempts of one client
        self.clock = clock  # wall time: the same in every process, and after a restart
        self._lock = threading.Lock()
        self._memory = (
            None if path else sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        )
        db = self._memory or sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.executescript(SCHEMA)  # commits by itself: not inside a transaction of ours
        finally:
            if db is not self._memory:
                db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock if self._memory else _nothing():
            db = self._memory or sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                if db is not self._memory:
                    db.close()

    def begin_attempt(self, client: str) -> tuple[str, float]:
        """Count an attempt before its password is compared.

        Returns ("go", 0) when the password may be compared, ("locked", seconds) during a
        lock-out, ("pause", seconds) when the client tried again too soon.
        """
        with self._transaction() as db:
            now = self.clock()  # read inside: another process may have held the lock meanwhile
            self._forget_old(db, now)
            row = db.execute(
                "SELECT next_attempt, locked_until FROM login_clients WHERE client = ?", [client]
            ).fetchone()
            next_attempt, locked_until = row or (0.0, 0.0)
            if locked_until > now:
                return "locked", locked_until - now
            if next_attempt > now:
                return "pause", next_attempt - now
            failures = self._count_failure(db, client, now)
            if failures >= self.max_failures:  # this attempt may still succeed; a failure stays locked
                locked_until = now + self.lockout_seconds
            db.execute(
                "INSERT OR REPLACE INTO login_clients VALUES (?, ?, ?)",
                [client, now + self.pause_seconds, locked_until],
            )
            return "go", 0.0

    def _count_failure(self, db: sqlite3.Connection, client: str, now: float) -> int:
        """Record one failure (or attempt) of the client; its failures inside the lock-out window."""
        db.execute("INSERT INTO login_failures VALUES (?, ?)", [client, now])
        return db.execute(
            "SELECT count(*) FROM login_failures WHERE client = ? AND at > ?",
            [client, now - self.lockout_seconds],
        ).fetchone()[0]

    def _forget_old(self, db: sqlite3.Connection, now: float) -> None:
        """Drop failures older than the window; above MAX_CLIENTS, clients with nothing pending."""
        db.execute("DELETE FROM login_failures WHERE at <= ?", [now - self.lockout_seconds])
        if db.execute("SELECT count(*) FROM login_clients").fetchone()[0] > MAX_CLIENTS:
            db.execute("DELETE FROM login_clients WHERE next_attempt < ? AND locked_until < ?", [now, now])

    def seconds_locked(self, client: str) -> float:
        """How long this client must still wait; 0 when it may try."""
        now = self.clock()
        with self._transaction() as db:
            row = db.execute("SELECT locked_until FROM login_clients WHERE client = ?", [client]).fetchone()
        return max(0.0, row[0] - now) if row else 0.0

    def record_failure(self, client: str) -> bool:
        """Count a wrong password; True when this failure locks the client out."""
        with self._transaction() as db:
            now = self.clock()
            if self._count_failure(db, client, now) < self.max_failures:
                return False
            db.execute("DELETE FROM login_failures WHERE client = ?", [client])
            db.execute(
                "INSERT INTO login_clients VALUES (?, ?, ?) ON CONFLICT (client) DO UPDATE SET locked_until = ?",
                [client, now, now + self.lockout_seconds, now + self.lockout_seconds],
            )
            return True

    def record_success(self, client: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM login_failures WHERE client = ?", [client])
            db.execute("DELETE FROM login_clients WHERE client = ?", [client])


@contextmanager
def _nothing() -> Iterator[None]:
    yield
