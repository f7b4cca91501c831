"""`ctidesk cards watch`: it logs in before watching, says clearly why it cannot, and
keeps its connection to the service between taps."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from card_agent.api import CardApi
from crm_core.staff.audit import AccessAction
from cti.cli import app
from cti.cli.tui import PASSWORD_ENV
from tests.support.desk_api import PASSWORD, ThreadedApi


def watch(url: str, user: str, password: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["cards", "watch", "--url", url, "--user", user],
        env={PASSWORD_ENV: password, "COLUMNS": "200"}, catch_exceptions=False,
    )  # fmt: skip
    return result.exit_code, result.output


def test_a_wrong_password_stops_the_watcher_before_it_watches(desk_api: ThreadedApi) -> None:
    code, out = watch(desk_api.base, "agent1", "not the password")
    assert code != 0
    assert "cannot log in as agent1" in out and "401" in out, out
    assert "watching" not in out


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_service_is_named(closed_port: int) -> None:
    code, out = watch(f"http://127.0.0.1:{closed_port}", "agent1", "secret")
    assert code != 0 and "cannot be reached" in out, out


def test_a_tap_after_the_service_closed_the_watchers_connection_goes_once_on_a_new_one(
    desk_api: ThreadedApi,
) -> None:
    api = CardApi(desk_api.base, "agent1", PASSWORD)
    first = api.tap("04A1B2C3D4E5F6", "Desk reader 00 00")
    desk_api.run(desk_api.close_connections)
    second = api.tap("04A1B2C3D4E5F6", "Desk reader 00 00")
    api.close()
    assert first.status == second.status == "unknown"
    assert desk_api.crm is not None
    crm = desk_api.crm
    taps = desk_api.run(lambda: crm.access_audit.entries(action=AccessAction.CARD_TAPPED))
    assert len(taps) == 2, "each tap recorded once"
