"""Which PostgreSQL engines the library gives a session lock timeout (``_session``)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.sql


def test_a_host_deadlock_timeout_is_not_taken_for_a_lock_timeout() -> None:
    """libpq options that set only deadlock_timeout still get the library's lock_timeout."""
    from sqlalchemy.engine import make_url

    from customer_core.adapters.sqlalchemy._session import session_lock_timeout

    url = make_url("postgresql+psycopg://u@localhost/db")
    options = {"connect_args": {"options": "-c deadlock_timeout=5s"}}
    changed, timeout = session_lock_timeout(url, 2.0, options)
    assert timeout == 2.0
    assert changed["connect_args"]["options"] == "-c deadlock_timeout=5s -c lock_timeout=2000ms"
    own = {"connect_args": {"options": "-c lock_timeout=3s"}}
    assert session_lock_timeout(url, 2.0, own) == (own, None)


def test_a_host_lock_timeout_in_capitals_is_the_hosts() -> None:
    """PostgreSQL's setting names ignore case: the host's LOCK_TIMEOUT wins."""
    from sqlalchemy.engine import make_url

    from customer_core.adapters.sqlalchemy._session import session_lock_timeout

    url = make_url("postgresql+psycopg://u@localhost/db")
    own = {"connect_args": {"options": "-c LOCK_TIMEOUT=3s"}}
    assert session_lock_timeout(url, 2.0, own) == (own, None)
