"""Rate limits for sign-in: a sliding window per client address and per user name, in memory.

They come before the services' own growing delay for a user's failed sign-ins, which stays:
the window slows one address trying many names, and many addresses trying one name, without
opening the instance or spending a key derivation on each try. Nothing is written anywhere;
a restart forgets every window.
"""

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from vigil.web.i18n import N_ as _

ATTEMPTS_PER_ADDRESS = 10
ATTEMPTS_PER_USER = 10
WINDOW_SECONDS = 5 * 60.0
MAX_KEYS = 10_000


TOO_MANY = _("Too many sign-in attempts: try again in %(minutes)s min.")


class SlidingWindow:
    """At most ``limit`` hits per key in any ``window`` seconds.

    Keys are kept in the order they were last hit, and the oldest are forgotten past
    ``max_keys``, so a flood of made-up names cannot grow memory without bound.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one attempt for ``key``; return 0 if allowed, else the seconds to wait.

        A refused attempt is not counted, so waiting the time said is always enough.
        """
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
            self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
            return 0.0

    def waiting(self, key: str) -> float:
        """The seconds ``key`` must wait before its next attempt (0 when none), counting
        nothing."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            live = [t for t in hits or () if t > now - self.window]
            if len(live) < self.limit:
                return 0.0
            return max(live[0] + self.window - now, 0.001)

    def forget(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class SignInLimits:
    """The two windows of sign-in: per client address and per user name."""

    def __init__(
        self,
        per_address: int = ATTEMPTS_PER_ADDRESS,
        per_user: int = ATTEMPTS_PER_USER,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.addresses = SlidingWindow(per_address, window, clock)
        self.users = SlidingWindow(per_user, window, clock)

    def attempt(self, address: str, user: str) -> int:
        """Count one sign-in attempt; return 0 if allowed, else whole seconds to wait."""
        wait = self.addresses.hit(address)
        if not wait and user:
            wait = self.users.hit(user.casefold())
        return math.ceil(wait)

    def succeeded(self, user: str) -> None:
        """A user who got in starts a new window: their own sign-ins never lock them out."""
        self.users.forget(user.casefold())
