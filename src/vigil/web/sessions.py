"""Server-side web sessions: a random id in a cookie, the signed-in Vigil object in memory.

A session that stays unused longer than its idle timeout is closed, which makes the Vigil
object forget its keys; nothing about a session is ever written to disk.
"""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from vigil.bootstrap import Vigil

MAX_SESSIONS = 10_000


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


class SessionStore:
    """Sessions by id, expired after ``idle_seconds`` without a request."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self.clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    def new(self, vigil: Vigil | None = None) -> tuple[str, WebSession]:
        """Start a session with a fresh id and CSRF token; the oldest goes when there are many."""
        self.expire()
        session_id = secrets.token_urlsafe(32)
        session = WebSession(secrets.token_urlsafe(32), self.clock(), vigil)
        with self._lock:
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda k: self._sessions[k].last_used)
                self._sessions.pop(oldest).close()
            self._sessions[session_id] = session
        return session_id, session

    def get(self, session_id: str | None) -> WebSession | None:
        """Return a live session and mark it used, or None."""
        self.expire()
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                session.last_used = self.clock()
            return session

    def end(self, session_id: str | None) -> None:
        """Close a session now (sign-out)."""
        with self._lock:
            session = self._sessions.pop(session_id or "", None)
        if session is not None:
            session.close()

    def end_user(self, name: str) -> int:
        """Close every session signed in as this user (a disabled account, a removed member),
        so keys it held in memory go at once; return how many were closed."""
        with self._lock:
            theirs = [
                k
                for k, s in self._sessions.items()
                if s.vigil is not None
                and s.vigil.session is not None
                and s.vigil.session.user.name == name
            ]
            gone = [self._sessions.pop(k) for k in theirs]
        for session in gone:
            session.close()
        return len(gone)

    def expire(self) -> None:
        """Close every session idle for longer than the timeout."""
        limit = self.clock() - self.idle_seconds
        with self._lock:
            stale = [k for k, s in self._sessions.items() if s.last_used < limit]
            gone = [self._sessions.pop(k) for k in stale]
        for session in gone:
            session.close()

    def close_all(self) -> None:
        with self._lock:
            gone = list(self._sessions.values())
            self._sessions.clear()
        for session in gone:
            session.close()
