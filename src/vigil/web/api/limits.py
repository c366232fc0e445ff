"""The API's rate limits (sliding windows in memory) and its short-lived token sessions.

Nothing here is written to disk: a restart forgets every window and closes every session,
which makes each opened instance forget its keys.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vigil.bootstrap import Vigil
from vigil.web.limits import SlidingWindow
from vigil.web.sessions import IdleSessions

MAX_SESSIONS = 1_000


@dataclass(frozen=True, slots=True)
class Limits:
    """The API's rate limits: requests per token and per address, failed tokens per address."""

    per_token: SlidingWindow
    per_address: SlidingWindow
    failures: SlidingWindow

    @classmethod
    def default(cls) -> "Limits":
        return cls(
            per_token=SlidingWindow(120, 60.0),
            per_address=SlidingWindow(300, 60.0),
            failures=SlidingWindow(10, 600.0),
        )


@dataclass(slots=True)
class TokenSession:
    """An instance opened with one token, kept for a short idle time."""

    vigil: Vigil
    last_used: float
    lock: threading.Lock = field(default_factory=threading.Lock)

    def close(self) -> None:
        with self.lock:
            self.vigil.close()


class TokenSessions(IdleSessions[tuple[str, str], TokenSession]):
    """Opened token sessions by (token id, hash of the presented secret)."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(idle_seconds, clock, MAX_SESSIONS)

    def get(self, key: tuple[str, str]) -> TokenSession | None:
        return self._touch(key)

    def add(self, key: tuple[str, str], vigil: Vigil) -> TokenSession:
        """Keep a newly opened instance; if another request opened the same token meanwhile,
        keep that one and close this."""
        return self._keep(key, TokenSession(vigil, self.clock()))
