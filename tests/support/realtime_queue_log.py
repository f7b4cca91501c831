"""A sandbox Asterisk of its own that writes queue_log to a PostgreSQL table (realtime)
as well as to its file, for the tests of the table's reader.

It runs from a third tree beside the session's (copied from it on first use, as the
multi-node tests' second one is), on free ports of its own, so the session's Asterisk is
untouched. After the sandbox wrote its usual configuration and started, Asterisk's own
realtime settings are added: extconfig.conf ``queue_log => pgsql,<db>,queue_log``,
res_pgsql.conf naming the session's PostgreSQL on loopback, and logger.conf
``queue_log_to_file`` and ``queue_log_realtime_use_gmt``; then res_config_pgsql (not
loaded by the sandbox's modules.conf) is loaded and the logger reloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg

from cti.sandbox.layout import SandboxLayout
from cti.sandbox.templates import FILE_MODE, chroot_ids
from tests.support.asterisk import AsteriskServer
from tests.support.asterisk_trees import copy_of_first
from tests.support.postgres import DB_USER

SERVER_NAME = "pbx-rt"
TABLE = "queue_log"
CONTRIB_TABLE = f"""
CREATE TABLE {TABLE} (
    id BIGSERIAL PRIMARY KEY,
    time TIMESTAMP WITHOUT TIME ZONE,
    callid VARCHAR(80),
    queuename VARCHAR(256),
    agent VARCHAR(80),
    event VARCHAR(32),
    data1 VARCHAR(100),
    data2 VARCHAR(100),
    data3 VARCHAR(100),
    data4 VARCHAR(100),
    data5 VARCHAR(100)
)
"""
"""Asterisk's contrib/ast-db-manage queue_log table as PostgreSQL has it."""


def realtime_layout() -> SandboxLayout:
    """The tree of this Asterisk, beside the session's (a copy of it made on first use)."""
    first = SandboxLayout.from_environ()
    return copy_of_first(SandboxLayout(first.root.with_name(first.root.name + "-realtime")))


async def create_contrib_table(dsn: str) -> None:
    """The queue_log table, empty, in the database of ``dsn``."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(CONTRIB_TABLE)
    finally:
        await connection.close()


def _write(layout: SandboxLayout, name: str, text: str) -> None:
    path = layout.etc_dir / name
    path.write_text(text)
    uid, gid = chroot_ids(layout.root)
    os.chown(path, uid, gid)
    path.chmod(FILE_MODE)


def write_realtime(server: AsteriskServer, *, port: int, database: str) -> None:
    """Make the running ``server`` write queue_log to ``database``'s table and its file."""
    layout = server.sandbox.layout
    _write(layout, "extconfig.conf", f"[settings]\nqueue_log => pgsql,{database},{TABLE}\n")
    _write(layout, "res_pgsql.conf",
           f"[general]\ndbhost = 127.0.0.1\ndbport = {port}\ndbname = {database}\n"
           f"dbuser = {DB_USER}\nrequirements = warn\n")  # fmt: skip
    logger = (layout.etc_dir / "logger.conf").read_text()
    _write(layout, "logger.conf", logger.replace(
        "[general]\n",
        "[general]\nqueue_log_to_file = yes\nqueue_log_realtime_use_gmt = yes\n", 1,
    ))  # fmt: skip
    server.cli("module load res_config_pgsql.so")
    server.cli("module reload extconfig")
    server.cli("logger reload")
    status = server.cli("realtime show pgsql status")
    if "Connected to" not in status:
        raise RuntimeError(f"Asterisk's res_config_pgsql is not connected: {status.strip()}")


def queue_log_file(server: AsteriskServer) -> Path:
    """The queue_log file ``server`` writes beside the table."""
    return server.sandbox.layout.root / "var" / "log" / "asterisk" / "queue_log"


__all__ = [
    "CONTRIB_TABLE",
    "SERVER_NAME",
    "TABLE",
    "create_contrib_table",
    "queue_log_file",
    "realtime_layout",
    "write_realtime",
]
