"""In-memory sliding-window rate limits and the short-lived token sessions of the API.

Nothing here is written to disk: a restart forgets every window and closes every session,
which makes each opened instance forget its keys.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from vigil.bootstrap import Vigil
from vigil.web.sessions import IdleSessions

MAX_KEYS = 10_000
MAX_SESSIONS = 1_000


class SlidingWindow:
    """At most ``limit`` events per key within any ``seconds``-long window."""

    def __init__(
        self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            if len(self._events) >= MAX_KEYS:
                self._purge(now)
            events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.seconds:
            events.popleft()
        return events

    def _purge(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or v[-1] <= now - self.seconds]:
            del self._events[key]
        while len(self._events) >= MAX_KEYS:
            self._events.pop(next(iter(self._events)))

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait if the key is over its limit now, else None (nothing counted)."""
        with self._lock:
            now = self.clock()
            events = self._window(key, now)
            if len(events) < self.limit:
                return None
            return max(1, math.ceil(events[0] + self.seconds - now))

    def hit(self, key: str) -> int | None:
        """Count one event; return seconds to wait if it went over the limit, else None."""
        with self._lock:
            now = self.clock()
            events = self._window(key, now)
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.seconds - now))
            events.append(now)
            return None


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
