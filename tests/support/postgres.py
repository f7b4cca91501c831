"""A throwaway PostgreSQL server for the test session.

The server lives in a fresh directory under /tmp, listens on 127.0.0.1 on a free port,
trusts every local connection and is stopped by pid. It never touches the default
cluster the Debian package may have started on port 5432.

When the process runs as root, ``initdb`` and ``pg_ctl`` run as the ``postgres`` OS user
(PostgreSQL refuses to run as root); otherwise they run as the current user.

Usage::

    server = PostgresServer().start()
    try:
        url = server.url                         # postgresql+asyncpg://postgres@127.0.0.1:PORT/postgres
        other = server.create_database("crm")    # same, for database "crm"
    finally:
        server.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from cti.sandbox.process import process_exists

__all__ = [
    "SETUP_HINT",
    "PostgresServer",
    "find_postgres_bin",
]

SETUP_HINT = "run `scripts/setup.sh --with-postgres` (as root) to install it"
PG_LIB_DIR = Path("/usr/lib/postgresql")
#: Overrides the search for the PostgreSQL binaries (a directory holding initdb, pg_ctl…).
BIN_ENV_VAR = "CTIDESK_PG_BIN"
OS_USER = "postgres"
DB_USER = "postgres"

_START_TIMEOUT_S = 60
_STOP_TIMEOUT_S = 30
_DB_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def find_postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that holds ``initdb``, or None.

    The environment variable ``CTIDESK_PG_BIN`` overrides the search.
    """
    override = os.environ.get(BIN_ENV_VAR)
    if override:
        path = Path(override)
        return path if (path / "initdb").is_file() else None

    def version_key(bin_dir: Path) -> tuple[int, ...]:
        parts = re.findall(r"\d+", bin_dir.parent.name)
        return tuple(int(p) for p in parts)

    candidates = [p for p in PG_LIB_DIR.glob("*/bin") if (p / "initdb").is_file()]
    if not candidates:
        return None
    return max(candidates, key=version_key)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _clean_env() -> dict[str, str]:
    """The environment without PG* variables that could redirect the tools."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


class PostgresServer:
    """A throwaway PostgreSQL server; see the module docstring."""

    def __init__(self, bin_dir: Path | None = None, *, tmp_root: str = "/tmp") -> None:
        self._bin_dir = bin_dir
        self._tmp_root = tmp_root
        self._dir: Path | None = None
        self._port: int | None = None
        self._pid: int | None = None
        self._as_postgres = os.geteuid() == 0

    # ----------------------------------------------------------------- properties
    @property
    def bin_dir(self) -> Path:
        if self._bin_dir is None:
            raise RuntimeError("PostgresServer is not started")
        return self._bin_dir

    @property
    def base_dir(self) -> Path:
        """The temporary directory: ``data/`` (the cluster), ``log`` and the socket."""
        if self._dir is None:
            raise RuntimeError("PostgresServer is not started")
        return self._dir

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "log"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PostgresServer is not started")
        return self._port

    @property
    def pid(self) -> int:
        """The postmaster's pid (first line of ``data/postmaster.pid``)."""
        if self._pid is None:
            raise RuntimeError("PostgresServer is not started")
        return self._pid

    @property
    def running(self) -> bool:
        return self._pid is not None and process_exists(self._pid)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``postgres`` database."""
        return self.url_for("postgres")

    @property
    def dsn(self) -> str:
        """Plain libpq/asyncpg DSN of the ``postgres`` database."""
        return self.dsn_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql+asyncpg://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def dsn_for(self, database: str) -> str:
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{database}"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Create the cluster and start the server; returns self. Idempotent."""
        if self._pid is not None:
            return self
        if self._bin_dir is None:
            self._bin_dir = find_postgres_bin()
        if self._bin_dir is None or not (self._bin_dir / "initdb").is_file():
            raise RuntimeError(
                f"PostgreSQL server binaries not found (looked for "
                f"{PG_LIB_DIR}/*/bin/initdb, or ${BIN_ENV_VAR}); {SETUP_HINT}"
            )
        if self._as_postgres:
            try:
                pwd.getpwnam(OS_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root but there is no {OS_USER!r} OS user to run "
                    f"PostgreSQL as; {SETUP_HINT}"
                ) from None

        self._dir = Path(tempfile.mkdtemp(prefix="ctidesk-pg-", dir=self._tmp_root))
        atexit.register(self.stop)
        try:
            if self._as_postgres:
                shutil.chown(self._dir, user=OS_USER, group=OS_USER)
            self._initdb()
            self._start_postmaster()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown, then SIGKILL if needed) and remove its files.

        Idempotent; safe to call on a server that failed to start.
        """
        atexit.unregister(self.stop)
        pid = self._pid
        if pid is None and self._dir is not None:
            pid = self._read_pid()
        try:
            if pid is not None and process_exists(pid):
                with contextlib.suppress(subprocess.SubprocessError, OSError):
                    self._run_pg(
                        [
                            "pg_ctl",
                            "-D",
                            str(self.data_dir),
                            "-m",
                            "fast",
                            "-w",
                            "-t",
                            str(_STOP_TIMEOUT_S),
                            "stop",
                        ],
                        check=False,
                        timeout=_STOP_TIMEOUT_S + 10,
                    )
                if not self._wait_gone(pid, 5.0):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    if not self._wait_gone(pid, 10.0):
                        raise RuntimeError(f"PostgreSQL postmaster {pid} would not stop")
        finally:
            self._pid = None
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None

    def halt(self) -> None:
        """Stop the server (fast shutdown: clients are cut off) keeping its data and port."""
        self._run_pg(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t",
                      str(_STOP_TIMEOUT_S), "stop"], timeout=_STOP_TIMEOUT_S + 10)  # fmt: skip
        self._pid = None

    def resume(self) -> None:
        """Start a halted server again on the same port, with the same data."""
        options = f"-p {self.port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run_pg(["pg_ctl", "-D", str(self.data_dir), "-o", options, "-l",
                      str(self.log_path), "-w", "-t", str(_START_TIMEOUT_S), "start"],
                     timeout=_START_TIMEOUT_S + 10)  # fmt: skip
        self._pid = self._read_pid()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ databases
    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` if given); returns its URL."""
        if not _DB_NAME_RE.match(name) or (template and not _DB_NAME_RE.match(template)):
            raise ValueError(f"unsupported database name {name!r}")
        copy = ["-T", template] if template else []
        result = subprocess.run(
            [
                str(self.bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                DB_USER,
                "-w",
                *copy,
                name,
            ],
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"createdb {name} failed ({result.returncode}): {result.stderr.strip()}"
            )
        return self.url_for(name)

    # ------------------------------------------------------------------ internals
    def _command(self, args: Sequence[str]) -> list[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if not self._as_postgres:
            return cmd
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", OS_USER, "--", *cmd]
        return ["su", OS_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]

    def _run_pg(
        self, args: Sequence[str], *, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self._command(args),
            cwd=self.base_dir,  # readable by the postgres user, unlike /root
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:1])} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )
        return result

    def _initdb(self) -> None:
        base = [
            "initdb",
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            DB_USER,
            "--no-sync",
            "-E",
            "UTF8",
        ]
        result = self._run_pg([*base, "--locale=C.UTF-8"], check=False)
        if result.returncode != 0:
            # No C.UTF-8 locale on this system: fall back to the plain C locale.
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._run_pg([*base, "--no-locale"])

    def _start_postmaster(self) -> None:
        last_error = ""
        for _attempt in range(3):
            port = _free_port()
            options = f"-p {port} -k {self.base_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            result = self._run_pg(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-o",
                    options,
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    str(_START_TIMEOUT_S),
                    "start",
                ],
                check=False,
                timeout=_START_TIMEOUT_S + 10,
            )
            pid = self._read_pid()
            if result.returncode == 0 and pid is not None:
                self._port = port
                self._pid = pid
                return
            last_error = f"{result.stdout}{result.stderr}{self._log_tail()}"
            if pid is not None and process_exists(pid):
                self._pid = pid  # half-started: let stop() deal with it
                break
            if "already in use" not in last_error:
                break  # not a port race: retrying will not help
        raise RuntimeError(f"PostgreSQL failed to start:\n{last_error}")

    def _read_pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first.strip())
        except (OSError, IndexError, ValueError):
            return None

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n--- server log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    @staticmethod
    def _wait_gone(pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while process_exists(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True
