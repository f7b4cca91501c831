"""The FastAGI secret and session cap on the sandbox Asterisk.

The sandbox generates the secret for each run and writes it where Asterisk reads it
(``ctidesk_agi.conf``) and into the secrets file the service reads. Asterisk proves it
knows it by answering the server's challenge; what must never happen is the secret itself
showing up in what Asterisk tells the world: the AMI stream (recorded raw, as ``ctidesk
ami record`` does) and Asterisk's own log files.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from cti.ami import Action
from cti.ami.connection import AmiConnection
from cti.ivr.services import AgiSecretMissing
from cti.service import CtiService
from cti.settings import Settings
from tests.cti.ivr.test_ivr_asterisk import (
    POINTS_LINE,
    STRANGER,
    IvrCall,
    ivr_service,
    ivr_settings,
    originate_on,
)
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.telephony import hang_up_everything


def with_agi(settings: Settings, **agi: object) -> Settings:
    return settings.model_copy(update={"agi": settings.agi.model_copy(update=agi)})


def asterisk_logs(asterisk: AsteriskServer) -> bytes:
    """Everything Asterisk logged: its log directory and its console output."""
    logs = asterisk.sandbox.layout.root / "var/log/asterisk"
    found = [path.read_bytes() for path in sorted(logs.rglob("*")) if path.is_file()]
    return b"\n".join([*found, asterisk.sandbox.layout.output_log.read_bytes()])


async def test_the_secret_shows_in_no_ami_event_capture_or_asterisk_log(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    secret = asterisk.agi_secret.encode()
    # The raw AMI bytes, as `ctidesk ami record` writes them, on the widest account (every
    # event class, the AGI commands included: more than the service's own account sees).
    captured: list[bytes] = []
    capture = await AmiConnection.open(
        asterisk.ami_host, asterisk.ami_port, on_event=lambda _: None, on_raw=captured.append
    )
    try:
        login = Action(
            "Login", Username=asterisk.observer_username, Secret=asterisk.observer_secret
        )
        await capture.send(login, answer_within=10)
        async with ivr_service(ivr_settings(asterisk, sqlite_url), ami) as service:
            call = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
            assert "vm-enter-num-to-call" in await call.next_read()  # the IVR runs
            await call.hang_up()
            await call.ended()
            await service.ivr.wait_idle()
            assert service.ivr.refused == 0
        [challenge] = [c for c in call.commands() if c.startswith("GET FULL VARIABLE ${SHA1(")]
        await capture.send(Action("Ping"), answer_within=10)  # what came before is captured
    finally:
        capture.close()
        await capture.wait_closed()
    raw = b"".join(captured)
    assert challenge.encode() in raw  # the capture saw the IVR's session...
    assert b"Newexten" in raw and b"AGI" in raw
    assert secret not in raw  # ...and never the secret
    shown = [e for e in ami.events if any(secret.decode() in v for _, v in e.headers)]
    assert shown == []
    log = asterisk_logs(asterisk)
    assert b"agi://127.0.0.1:" in log  # the log has the AGI() lines the secret was in
    assert secret not in log


async def test_a_service_with_another_secret_is_refused_and_the_line_queues(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    wrong = with_agi(ivr_settings(asterisk, sqlite_url), secret=SecretStr("not-the-secret"))
    async with ivr_service(wrong, ami) as service:
        await originate_on(ami, POINTS_LINE, STRANGER)
        joined = await ami.wait_for_event("QueueCallerJoin", Exten=POINTS_LINE)
        assert joined["Queue"] == "hotline"  # refused: straight to an agent
        assert (service.ivr.refused, service.ivr.completed) == (1, 0)


async def test_a_call_over_the_session_cap_goes_to_the_queue(
    asterisk: AsteriskServer, sqlite_url: str, ami: AmiClient
) -> None:
    capped = with_agi(ivr_settings(asterisk, sqlite_url), max_sessions=1)
    async with ivr_service(capped, ami) as service:
        first = await IvrCall.dial(ami, POINTS_LINE, STRANGER)
        await first.next_read()  # in the IVR: the one session allowed
        await originate_on(ami, POINTS_LINE, "13900000003")
        joined = await ami.wait_for_event("QueueCallerJoin", CallerIDNum="13900000003")
        assert joined["Queue"] == "hotline"
        assert (service.ivr.over_capacity, service.ivr.refused) == (1, 1)
        assert service.ivr.active == 1  # the first caller is still served
        await hang_up_everything(ami)


async def test_the_service_will_not_serve_fastagi_without_a_secret(
    asterisk: AsteriskServer, sqlite_url: str
) -> None:
    service = CtiService(with_agi(ivr_settings(asterisk, sqlite_url), secret=None))
    try:
        with pytest.raises(AgiSecretMissing, match="CTIDESK_AGI_SECRET"):
            await service.start()
    finally:
        await service.stop()
