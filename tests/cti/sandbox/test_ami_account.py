"""The service's AMI account from config/asterisk/manager.conf: it originates calls, and
Asterisk refuses it the CLI (Command), the shell (Originate of System), reading configs
with their secrets (GetConfig) and Asterisk's own MixMonitor action — checked on the
sandbox, which runs that very account (the rest of the suite runs the whole service,
recordings included, on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.telephony import hang_up_everything


@pytest.fixture
async def service_account(asterisk: AsteriskServer) -> AsyncIterator[AmiClient]:
    client = await AmiClient.connect(asterisk.ami_host, asterisk.ami_port)
    response = await client.login(asterisk.ami_username, asterisk.ami_secret)
    assert response["Response"] == "Success", response
    yield client
    await client.close()


async def test_cli_commands_are_refused(service_account: AmiClient) -> None:
    command = await service_account.action("Command", Command="core show version")
    assert (command["Response"], command["Message"]) == ("Error", "Permission denied")


@pytest.mark.parametrize(
    ("action", "refusal"),
    [
        ({"Action": "Originate", "Channel": "Local/s@test-caller", "Application": "System",
          "Data": "touch /tmp/ctidesk-ami-shell", "Async": "true"},
         "Originate Access Forbidden: app or data blacklisted"),
        ({"Action": "GetConfig", "Filename": "manager.conf"}, "Permission denied"),
        ({"Action": "MixMonitor", "Channel": "Local/s@test-caller-00000000;1",
          "File": "/tmp/ctidesk-ami-record.wav"}, "Permission denied"),
    ],
    ids=["originate-system", "getconfig", "mixmonitor"],
)  # fmt: skip
async def test_shell_config_and_raw_recording_actions_are_refused(
    service_account: AmiClient, asterisk: AsteriskServer, action: dict[str, str], refusal: str
) -> None:
    """No `system` and no `config` class: what reaches a shell or a secret is refused."""
    name = action.pop("Action")
    response = await service_account.action(name, **action)
    assert (response["Response"], response["Message"]) == ("Error", refusal)
    assert not (asterisk.sandbox.layout.root / "tmp" / "ctidesk-ami-shell").exists()


async def test_the_service_account_still_originates_a_call_into_the_dialplan(
    service_account: AmiClient, ami: AmiClient
) -> None:
    """Originate needs the ``originate`` write class (and ``call`` for what follows)."""
    response = await service_account.action(
        "Originate", Channel="Local/s@test-caller", Context="from-trunk", Exten="4008001234",
        Priority="1", CallerID='"Caller" <13900000009>', Async="true",
    )  # fmt: skip
    assert response["Response"] == "Success", response
    try:
        joined = await service_account.wait_for_event("QueueCallerJoin", CallerIDNum="13900000009")
        assert joined["Queue"] == "hotline"
    finally:
        await hang_up_everything(ami)
