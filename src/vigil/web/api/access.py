"""Who is calling: the bearer token, its opened session, and the rate limits around both."""

import math
from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vigil.bootstrap import InstanceMissing, Settings, Vigil, token_fingerprint
from vigil.services.tokens import TokenRefused
from vigil.services.workspace import Workspace
from vigil.web.api.limits import Limits, TokenSession, TokenSessions

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
        for window in (self.limits.failures.waiting, self.limits.per_address.hit):
            wait = window(address)
            if wait:
                raise TooMany(math.ceil(wait))
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthorised("an API token is needed: Authorization: Bearer vgt_…")
        for _ in range(2):
            key, session = self._session(credentials.credentials, address)
            with session.lock:
                if session.vigil.token_id is None:
                    continue  # closed for idleness between finding and locking it: reopen
                problem: str | None = None
                try:
                    session.vigil.check_token()
                except TokenRefused as error:
                    problem = str(error)
                if problem is None:
                    wait = self.limits.per_token.hit(key[0])
                    if wait:
                        raise TooMany(math.ceil(wait))
                    yield session.vigil.workspace
                    return
            self.sessions.drop(key)
            raise Unauthorised(problem)
        raise Unauthorised("the token's session closed while opening: try again")

    def _session(self, text: str, address: str) -> tuple[tuple[str, str], TokenSession]:
        """The opened session of a presented token, opening the instance on first use."""
        try:
            key = token_fingerprint(text)
            session = self.sessions.get(key)
            if session is None:
                vigil = Vigil.open_by_token(self.settings, text, self.clock)
                session = self.sessions.add(key, vigil)
        except (TokenRefused, InstanceMissing) as refused:
            self.limits.failures.hit(address)
            raise Unauthorised(str(refused)) from None
        return key, session
