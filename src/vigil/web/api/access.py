"""Who is calling: the bearer token, its opened session, and the rate limits around both."""

from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vigil.bootstrap import InstanceMissing, Settings, Vigil, token_fingerprint
from vigil.services.tokens import TokenRefused
from vigil.services.workspace import Workspace
from vigil.web.api.limits import Limits, TokenSessions

bearer = HTTPBearer(auto_error=False, description="An API token: `vgt_…` (`vigil token create`).")


class Unauthorised(Exception):
    """No usable token: answered 401."""


class TooMany(Exception):
    """A rate limit was reached: answered 429 with Retry-After."""

    def __init__(self, seconds: int) -> None:
        super().__init__("too many requests: slow down")
        self.seconds = seconds


class Access:
    """Opens token sessions on first use and checks them, and the limits, at every request."""

    def __init__(
        self,
        settings: Settings,
        sessions: TokenSessions,
        limits: Limits,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.limits = limits
        self.clock = clock

    def workspace(
        self, request: Request, credentials: HTTPAuthorizationCredentials | None
    ) -> Iterator[Workspace]:
        """Yield the workspace of the caller's token session, holding its lock."""
        address = request.client.host if request.client else "unknown"
        for window in (self.limits.failures.retry_after, self.limits.per_address.hit):
            wait = window(address)
            if wait is not None:
                raise TooMany(wait)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorised("an API token is needed: Authorization: Bearer vgt_…")
        try:
            key = token_fingerprint(credentials.credentials)
            session = self.sessions.get(key)
            if session is None:
                vigil = Vigil.open_by_token(self.settings, credentials.credentials, self.clock)
                session = self.sessions.add(key, vigil)
        except (TokenRefused, InstanceMissing) as refused:
            self.limits.failures.hit(address)
            raise Unauthorised(str(refused)) from None
        with session.lock:
            problem: str | None = None
            try:
                session.vigil.check_token()
            except TokenRefused as error:
                problem = str(error)
            if problem is None:
                wait = self.limits.per_token.hit(key[0])
                if wait is not None:
                    raise TooMany(wait)
                yield session.vigil.workspace
                return
        self.sessions.drop(key)
        raise Unauthorised(problem)
