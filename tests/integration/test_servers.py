"""The test suite's own server helper names databases right, on sockets too."""

from __future__ import annotations

import pytest

from servers import Server

pytestmark = pytest.mark.sql


@pytest.mark.parametrize(
    ("admin_url", "expected"),
    [
        (
            "postgresql+psycopg://postgres:p%40ss@/postgres?host=/tmp/x",
            "postgresql+psycopg://postgres:p%40ss@/cc_1?host=%2Ftmp%2Fx",
        ),
        (
            "postgresql+psycopg://u:pw@db.example:5432/postgres",
            "postgresql+psycopg://u:pw@db.example:5432/cc_1",
        ),
        (
            "mysql+pymysql://root@localhost/mysql?unix_socket=/tmp/s",
            "mysql+pymysql://root@localhost/cc_1?unix_socket=%2Ftmp%2Fs",
        ),
    ],
)
def test_a_database_url_keeps_the_servers_host_socket_and_password(
    admin_url: str, expected: str
) -> None:
    assert Server("postgres", admin_url).url("cc_1") == expected
