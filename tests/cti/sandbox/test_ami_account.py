"""The service's AMI account from config/asterisk/manager.conf is least-privileged: it
originates calls, but Asterisk refuses it the shell (Originate of System), the CLI
(Command) and the configuration files (GetConfig) — checked on the sandbox, which runs
that very account (the rest of the suite runs the whole service on it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.telephony import hang_up_everything

PROOF = "/tmp/ctidesk-ami-system-proof"  # inside the chroot; a shell command would create it


@pytest.fixture
async def service_account(asterisk: AsteriskServer) -> AsyncIterator[AmiClient]:
    client = await AmiClient.connect(asterisk.ami_host, asterisk.ami_port)
    response = await client.login(asterisk.ami_username, asterisk.ami_secret)
    assert response["Response"] == "Success", response
    yield client
    await client.close()


async def test_originate_of_the_system_application_is_refused(
    asterisk: AsteriskServer, service_account: AmiClient
) -> None:
    proof = asterisk.sandbox.layout.root / PROOF.lstrip("/")
    proof.unlink(missing_ok=True)  # the shared tree may keep one from a wider account's run
    for application, data in (("System", f"touch {PROOF}"), ("TrySystem", f"touch {PROOF}"),
                              ("Exec", f"System(touch {PROOF})"),
                              ("NoOp", f"${{SHELL(touch {PROOF})}}")):  # fmt: skip
        response = await service_account.action(
            "Originate", Channel="Local/s@test-caller", Application=application, Data=data,
            Async="true",
        )  # fmt: skip
        assert response["Response"] == "Error", (application, response)
        assert "Forbidden" in response["Message"], response  # "app or data blacklisted"
    assert not proof.exists()


async def test_cli_commands_and_config_files_are_refused(service_account: AmiClient) -> None:
    command = await service_account.action("Command", Command="core show version")
    assert (command["Response"], command["Message"]) == ("Error", "Permission denied")
    config = await service_account.action("GetConfig", Filename="manager.conf")
    assert (config["Response"], config["Message"]) == ("Error", "Permission denied")
    agi = await service_account.action("GetConfig", Filename="ctidesk_agi.conf")
    assert agi["Response"] == "Error"


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
