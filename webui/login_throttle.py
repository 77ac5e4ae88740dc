"""Slowing down password guessing: a delay after each wrong password, a lock-out after several."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginThrottle:
    """Failed logins per client (by address), kept in memory for this process."""

    max_failures: int = 5
    lockout_seconds: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
