"""Throwaway PostgreSQL and MariaDB servers for the test suite.

Each server gets a fresh data directory under a temporary directory, listens
only on a Unix socket inside it (no TCP port, so parallel runs never clash),
runs with durability off (``fsync=off`` and friends: the data dies with the
test run anyway), and is stopped and removed by :meth:`stop`. The fault tests
``kill`` one (``kill -9``) and ``start_again`` on the same data directory and
socket.

``CUSTOMER_CORE_POSTGRES_URL`` / ``CUSTOMER_CORE_MARIADB_URL`` point the suite
at servers someone else runs instead (their databases get created and dropped).

:func:`start_postgres_pair` starts a primary and a hot standby that streams from
it (``pg_basebackup -R``), each on its own socket directory in one temporary
directory, for the read-replica tests.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import attrs
import sqlalchemy as sa

__all__ = [
    "Server",
    "ServerUnavailable",
    "start_mariadb",
    "start_postgres",
    "start_postgres_pair",
]

START_TIMEOUT = 60.0


class ServerUnavailable(RuntimeError):
    """The server cannot be started here (binary missing, start failed): the reason says why."""


@attrs.define
class Server:
    """A running database server and how to reach it; :meth:`stop` removes all its traces."""

    kind: str
    admin_url: str
    workdir: Path | None = None
    stop_command: list[str] | None = None
    process: subprocess.Popen[bytes] | None = None
    start_command: list[str] | None = None
    pid_file: Path | None = None
    log: Path | None = None

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database on this server (the admin URL's, renamed).

        SQLAlchemy's URL object swaps the database, so socket URLs
        (``postgresql+psycopg://u@/db?host=/tmp/x``) keep their query.
        """
        return sa.make_url(self.admin_url).set(database=database).render_as_string(False)

    def create_database(self, prefix: str = "t") -> str:
        """Create a fresh, empty database and return its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                if self.kind == "mariadb":
                    connection.exec_driver_sql(
                        f"create database `{name}` character set utf8mb4 collate utf8mb4_unicode_ci"
                    )
                else:
                    connection.exec_driver_sql(f'create database "{name}"')
        finally:
            engine.dispose()
        return self.url(name)

    def kill(self) -> None:
        """``kill -9`` the server's main process and wait until it is gone (data stays)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            return
        if self.pid_file is None:
            raise ServerUnavailable(f"{self.kind}: an external server cannot be killed")
        pid = int(self.pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def start_again(self) -> None:
        """Start the killed server on the same data directory and socket; wait until it serves."""
        if self.start_command is None:
            raise ServerUnavailable(f"{self.kind}: an external server cannot be restarted")
        log = self.log or Path(os.devnull)
        if self.process is not None:
            self.process = subprocess.Popen(
                self.start_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        else:
            # PostgreSQL refuses to start while a killed postmaster's backends still hold its
            # shared memory; they exit within moments of noticing, so try again until then.
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                try:
                    _run(self.start_command, "pg_ctl start")
                    break
                except ServerUnavailable:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        _wait_until_ready(self.admin_url, self.kind, log)

    def halt(self) -> None:
        """Stop the server at once (``pg_ctl -m immediate``); its data stays for ``start_again``."""
        if self.stop_command is None or self.start_command is None:
            raise ServerUnavailable(f"{self.kind}: only a server the suite started can be halted")
        _run(self.stop_command, "pg_ctl stop")

    def stop(self) -> None:
        """Stop the server and delete its directory."""
        try:
            if self.stop_command is not None:
                subprocess.run(self.stop_command, capture_output=True, timeout=60, check=False)
            if self.process is not None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            if self.workdir is not None:
                shutil.rmtree(self.workdir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours (pg_ctl's daemon is not) would linger here; the server is not one.
    return True


def _as_server_user(command: list[str], user: str) -> list[str]:
    """Run as ``user`` when we are root (initdb and postgres refuse to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *command]
    return command


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode(errors="replace")[-2000:]
        raise ServerUnavailable(f"{what} failed ({result.returncode}): {output}")


def _wait_until_ready(url: str, what: str, log: Path) -> None:
    engine = sa.create_engine(url)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            try:
                with engine.connect():
                    return
            except sa.exc.OperationalError as error:
                if time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise ServerUnavailable(f"{what} did not start: {error}\n{tail}") from error
                time.sleep(0.1)
    finally:
        engine.dispose()


def _postgres_bin() -> Path:
    configured = os.environ.get("CUSTOMER_CORE_PG_BIN")
    if configured:
        if not (Path(configured) / "initdb").exists():
            raise ServerUnavailable(f"CUSTOMER_CORE_PG_BIN={configured} has no initdb")
        return Path(configured)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    for candidate in reversed(candidates):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerUnavailable("PostgreSQL's initdb was not found (install postgresql)")


def start_postgres() -> Server:
    """Start a PostgreSQL server in a new temporary directory (or use the configured one)."""
    external = os.environ.get("CUSTOMER_CORE_POSTGRES_URL")
    if external:
        return Server("postgres", external)
    bindir = _postgres_bin()
    workdir, user = _postgres_workdir()
    server = _postgres_server(bindir, workdir, workdir, workdir / "data", user)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(workdir / "data"), "-U", "postgres"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        _run(_as_server_user(initdb, user), "initdb")
        _start(server, "PostgreSQL")
    except BaseException:
        server.stop()
        raise
    return server


def start_postgres_pair() -> tuple[Server, Server]:
    """Start a PostgreSQL primary and a hot standby streaming from it (``pg_basebackup -R``).

    Both listen on their own socket directory inside one temporary directory. The
    primary names every standby synchronous (``synchronous_standby_names = '*'``)
    but keeps ``synchronous_commit = off`` by default, so a connection waits for
    the standby only when it asks to (``-c synchronous_commit=remote_apply``, for
    read-your-writes through the replica); stopping the standby blocks no one else.
    The second server's :meth:`Server.stop` leaves the directory to the first's.
    """
    bindir = _postgres_bin()
    workdir, user = _postgres_workdir()
    sockets = [workdir / "primary", workdir / "standby"]
    for directory in sockets:
        directory.mkdir()
        if os.geteuid() == 0:
            shutil.chown(directory, user="postgres")
    primary = _postgres_server(
        bindir, workdir, sockets[0], workdir / "primary-data", user,
        extra=" -c synchronous_standby_names='*' -c wal_level=replica",
    )  # fmt: skip
    standby = _postgres_server(bindir, None, sockets[1], workdir / "standby-data", user)
    try:
        initdb = [str(bindir / "initdb"), "-D", str(workdir / "primary-data"), "-U", "postgres"]
        initdb += ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        _run(_as_server_user(initdb, user), "initdb")
        _start(primary, "PostgreSQL primary")
        backup = [
            str(bindir / "pg_basebackup"), "-h", str(sockets[0]), "-U", "postgres",
            "-D", str(workdir / "standby-data"), "-R", "-X", "stream", "--no-sync",
            "--checkpoint=fast",
        ]  # fmt: skip
        _run(_as_server_user(backup, user), "pg_basebackup")
        _start(standby, "PostgreSQL standby")
    except BaseException:
        standby.stop()
        primary.stop()
        raise
    return primary, standby


def _postgres_workdir() -> tuple[Path, str]:
    """A new temporary directory the server's user owns, and that user."""
    workdir = Path(tempfile.mkdtemp(prefix="cc-pg-"))
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    return workdir, user


def _postgres_server(
    bindir: Path, workdir: Path | None, sockets: Path, data: Path, user: str, extra: str = ""
) -> Server:
    """The Server for a data directory (not started; ``workdir`` is deleted by ``stop``)."""
    options = (
        f"-c listen_addresses='' -c unix_socket_directories={sockets} -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        " -c shared_buffers=32MB" + extra
    )
    log = data.parent / f"{data.name}.log"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log)]
    return Server(
        "postgres",
        f"postgresql+psycopg://postgres@/postgres?host={sockets}",
        workdir=workdir,
        stop_command=_as_server_user(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user
        ),
        start_command=_as_server_user([*start, "-w", "start"], user),
        pid_file=data / "postmaster.pid",
        log=log,
    )


def _start(server: Server, what: str) -> None:
    assert server.start_command is not None
    assert server.log is not None
    _run(server.start_command, "pg_ctl start")
    _wait_until_ready(server.admin_url, what, server.log)


def _mariadb_binaries() -> tuple[str, str]:
    daemon = shutil.which("mariadbd") or shutil.which("mysqld") or "/usr/sbin/mariadbd"
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if not Path(daemon).exists() or install is None:
        raise ServerUnavailable("MariaDB was not found (install mariadb-server)")
    return daemon, install


def start_mariadb() -> Server:
    """Start a MariaDB server in a new temporary directory (or use the configured one)."""
    external = os.environ.get("CUSTOMER_CORE_MARIADB_URL")
    if external:
        return Server("mariadb", external)
    daemon, install = _mariadb_binaries()
    workdir = Path(tempfile.mkdtemp(prefix="cc-mariadb-"))
    data, socket, log = workdir / "data", workdir / "mysqld.sock", workdir / "server.log"
    user = ["--user=root"] if os.geteuid() == 0 else []
    query = f"unix_socket={socket}&charset=utf8mb4"
    server = Server(
        "mariadb",
        f"mysql+pymysql://root@localhost/mysql?{query}",
        workdir=workdir,
    )
    try:
        _run(
            [install, "--no-defaults", f"--datadir={data}", *user, "--skip-test-db",
             "--auth-root-authentication-method=normal", f"--tmpdir={workdir}"],
            "mariadb-install-db",
        )  # fmt: skip
        command = [
            daemon, "--no-defaults", f"--datadir={data}", f"--socket={socket}", *user,
            f"--tmpdir={workdir}",
            "--skip-networking", f"--pid-file={workdir / 'mysqld.pid'}", f"--log-error={log}",
            "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0", "--skip-log-bin", "--innodb-lock-wait-timeout=20",
            "--max-connections=200", "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
        ]  # fmt: skip
        server.start_command, server.log = command, log
        server.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_until_ready(server.admin_url, "MariaDB", log)
    except BaseException:
        server.stop()
        raise
    return server
