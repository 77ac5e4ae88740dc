"""Slowing down password guessing: a pause between attempts, a lock-out after several wrong ones.

An attempt is counted before its password is compared, so parallel guesses cannot slip in
while one is being checked; a success forgets the count. The pause is no sleep (which would hold
a server thread per guess): an attempt inside it is refused at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_CLIENTS = 10_000  # above this many remembered clients, those with nothing pending are dropped


@dataclass
class LoginThrottle:
    """Failed logins per client (by address), kept in memory for this process."""

    max_failures: int = 5
    lockout_seconds: float = 900.0
    pause_seconds: float = 1.0  # between two attempts of one client
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _next_attempt: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def begin_attempt(self, client: str) -> tuple[str, float]:
        """Count an attempt before its password is compared.

        Returns ("go", 0) when the password may be compared, ("locked", seconds) during a
        lock-out, ("pause", seconds) when the client tried again too soon.
        """
        now = self.clock()
        with self._lock:
            if len(self._next_attempt) > MAX_CLIENTS:
                self._forget_old(now)
            locked = self._locked_until.get(client, 0.0) - now
            if locked > 0:
                return "locked", locked
            wait = self._next_attempt.get(client, 0.0) - now
            if wait > 0:
                return "pause", wait
            self._next_attempt[client] = now + self.pause_seconds
            recent = [t for t in self._failures.get(client, []) if now - t < self.lockout_seconds]
            recent.append(now)
            self._failures[client] = recent
            if len(recent) >= self.max_failures:  # this attempt may still succeed; a failure stays locked
                self._locked_until[client] = now + self.lockout_seconds
            return "go", 0.0

    def _forget_old(self, now: float) -> None:
        """Drop clients whose pauses, failures and lock-outs are over (bounds memory per client)."""
        for client in [c for c, t in self._next_attempt.items() if t < now]:
            self._next_attempt.pop(client, None)
            if self._locked_until.get(client, 0.0) < now:
                self._locked_until.pop(client, None)
                self._failures.pop(client, None)

    def seconds_locked(self, client: str) -> float:
        """How long this client must still wait; 0 when it may try."""
        with self._lock:
            remaining = self._locked_until.get(client, 0.0) - self.clock()
            if remaining <= 0:
                self._locked_until.pop(client, None)
                return 0.0
            return remaining

    def record_failure(self, client: str) -> bool:
        """Count a wrong password; True when this failure locks the client out."""
        now = self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(client, []) if now - t < self.lockout_seconds]
            recent.append(now)
            if len(recent) >= self.max_failures:
                self._locked_until[client] = now + self.lockout_seconds
                self._failures.pop(client, None)
                return True
            self._failures[client] = recent
            return False

    def record_success(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
            self._locked_until.pop(client, None)
            self._next_attempt.pop(client, None)
