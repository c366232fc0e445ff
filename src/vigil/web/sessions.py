"""Server-side web sessions: a random id in a cookie, the signed-in Vigil object in memory.

A session that stays unused longer than its idle timeout is closed, which makes the Vigil
object forget its keys; nothing about a session is ever written to disk.
"""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from vigil.bootstrap import Vigil

MAX_SESSIONS = 10_000


class Closable(Protocol):
    last_used: float

    def close(self) -> None: ...


Key = TypeVar("Key")
Held = TypeVar("Held", bound=Closable)


class IdleSessions(Generic[Key, Held]):
    """Sessions by key, each closed (its keys forgotten) after ``idle_seconds`` unused, at most
    ``limit`` at once (the longest unused goes first)."""

    def __init__(
        self,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        limit: int = MAX_SESSIONS,
    ) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.limit = limit
        self._sessions: dict[Key, Held] = {}
        self._lock = threading.Lock()

    def _keep(self, key: Key, session: Held) -> Held:
        """Keep a session under a key; when one is already there, keep that one and close this."""
        gone: list[Held] = []
        with self._lock:
            existing = self._sessions.get(key)
            if existing is not None:
                gone.append(session)
                session = existing
            else:
                if len(self._sessions) >= self.limit:
                    oldest = min(self._sessions, key=lambda k: self._sessions[k].last_used)
                    gone.append(self._sessions.pop(oldest))
                self._sessions[key] = session
        for old in gone:
            old.close()
        return session

    def _touch(self, key: Key) -> Held | None:
        self.expire()
        with self._lock:
            session = self._sessions.get(key)
            if session is not None:
                session.last_used = self.clock()
            return session

    def _end_where(self, chosen: Callable[[Held], bool]) -> int:
        with self._lock:
            keys = [k for k, s in self._sessions.items() if chosen(s)]
            gone = [self._sessions.pop(k) for k in keys]
        for session in gone:
            session.close()
        return len(gone)

    def drop(self, key: Key) -> None:
        """Close one session now."""
        with self._lock:
            session = self._sessions.pop(key, None)
        if session is not None:
            session.close()

    def expire(self) -> None:
        """Close every session idle for longer than the timeout."""
        limit = self.clock() - self.idle_seconds
        self._end_where(lambda s: s.last_used < limit)

    def close_all(self) -> None:
        self._end_where(lambda _: True)

    def __len__(self) -> int:
        return len(self._sessions)


@dataclass(slots=True)
class WebSession:
    """One browser's session: its CSRF token and, once signed in, its opened instance."""

    csrf: str
    last_used: float
    vigil: Vigil | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # what pages read often and the store rarely changes (public fields only), by a key that
    # names the store's last change; dropped with the session
    kept: dict[tuple[object, ...], object] = field(default_factory=dict)

    def close(self) -> None:
        self.kept.clear()
        if self.vigil is not None:
            with self.lock:
                self.vigil.close()
                self.vigil = None


class SessionStore(IdleSessions[str, WebSession]):
    """Browser sessions by the random id of their cookie."""

    def new(self, vigil: Vigil | None = None) -> tuple[str, WebSession]:
        """Start a session with a fresh id and CSRF token; the oldest goes when there are many."""
        self.expire()
        session_id = secrets.token_urlsafe(32)
        session = WebSession(secrets.token_urlsafe(32), self.clock(), vigil)
        return session_id, self._keep(session_id, session)

    def get(self, session_id: str | None) -> WebSession | None:
        """Return a live session and mark it used, or None."""
        return self._touch(session_id) if session_id else None

    def end(self, session_id: str | None) -> None:
        """Close a session now (sign-out)."""
        if session_id:
            self.drop(session_id)

    def end_user(self, name: str) -> int:
        """Close every session signed in as this user (a disabled account, a removed member, a
        changed role), so keys it held in memory go at once; return how many were closed."""
        return self._end_where(
            lambda s: (
                s.vigil is not None
                and s.vigil.session is not None
                and s.vigil.session.user.name == name
            )
        )
