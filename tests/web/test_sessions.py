"""Web sessions expire after their idle time, and expiring closes the signed-in instance."""

from typing import Any, cast

from vigil.web.sessions import SessionStore


class FakeVigil:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_an_idle_session_is_closed_and_its_keys_dropped() -> None:
    now = [0.0]
    store = SessionStore(60, clock=lambda: now[0])
    vigil = FakeVigil()
    session_id, session = store.new(cast(Any, vigil))
    now[0] = 59
    assert store.get(session_id) is session
    now[0] = 118
    assert store.get(session_id) is session and not vigil.closed
    now[0] = 179
    assert store.get(session_id) is None
    assert vigil.closed and session.vigil is None


def test_sign_out_closes_at_once() -> None:
    store = SessionStore(60)
    vigil = FakeVigil()
    session_id, _ = store.new(cast(Any, vigil))
    store.end(session_id)
    assert vigil.closed and store.get(session_id) is None
