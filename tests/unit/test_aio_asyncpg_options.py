"""The options the asyncio front gives its own asyncpg engines, and what a host's options keep."""

from __future__ import annotations

import pytest

pytest.importorskip("greenlet")

from sqlalchemy.engine import make_url

from customer_core.aio._asyncpg import asyncpg_options

pytestmark = pytest.mark.memory

ASYNCPG = make_url("postgresql+asyncpg://u@h/db")
BASE = {"hide_parameters": True, "pool_pre_ping": True}


def test_no_pre_ping_and_the_lock_timeout_in_every_session() -> None:
    options, session = asyncpg_options(ASYNCPG, 2.5, dict(BASE), {})
    assert options["pool_pre_ping"] is False
    assert options["connect_args"] == {"server_settings": {"lock_timeout": "2500ms"}}
    assert session == 2.5


def test_a_hosts_pre_ping_and_server_settings_win() -> None:
    host = {
        "pool_pre_ping": True,
        "connect_args": {"server_settings": {"lock_timeout": "1s", "jit": "off"}, "ssl": None},
    }
    options, session = asyncpg_options(ASYNCPG, 10.0, {**BASE, **host}, host)
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == host["connect_args"]
    assert session is None  # the storage keeps its SET LOCAL: the session has the host's value


def test_other_settings_of_the_host_are_kept_beside_the_lock_timeout() -> None:
    host = {"connect_args": {"server_settings": {"jit": "off"}}}
    options, session = asyncpg_options(ASYNCPG, 1.0, {**BASE, **host}, host)
    assert options["connect_args"]["server_settings"] == {"jit": "off", "lock_timeout": "1000ms"}
    assert session == 1.0


def test_psycopg_sessions_get_the_lock_timeout_through_libpq_options_and_keep_the_ping() -> None:
    url = make_url("postgresql+psycopg://u@h/db")
    host = {"connect_args": {"options": "-c jit=off"}}
    options, session = asyncpg_options(url, 0.25, {**BASE, **host}, host)
    assert options["pool_pre_ping"] is True  # psycopg does not read its socket in the pool
    assert options["connect_args"] == {"options": "-c jit=off -c lock_timeout=250ms"}
    assert session == 0.25
    mine = {"connect_args": {"options": "-c lock_timeout=1s"}}
    assert asyncpg_options(url, 0.25, {**BASE, **mine}, mine) == ({**BASE, **mine}, None)


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///x.db", "mysql+asyncmy://u@h/db"])
def test_other_drivers_and_no_lock_timeout_are_left_alone(url: str) -> None:
    assert asyncpg_options(make_url(url), 10.0, dict(BASE), {}) == (BASE, None)
    options, session = asyncpg_options(ASYNCPG, None, dict(BASE), {})
    assert session is None
    assert "connect_args" not in options
