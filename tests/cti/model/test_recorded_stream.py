"""A stream recorded from the sandbox Asterisk replays through the model to the right story.

One answered queue call: a Local-channel caller dials the hotline DID in ``from-trunk``,
the auto-answer phone 6001 (added to ``hotline`` for the test) takes it, the caller hangs
up. The recorder keeps the raw AMI bytes, exactly as ``ctidesk ami record`` would.

Which leg hangs up first is a race: when the caller's hangup wins, Asterisk sends
``AgentComplete`` without the caller's ``Channel``/``Linkedid``. Set
``CTIDESK_SAVE_RECORDING=1`` to write the recording over the committed fixture for the
order it got (``recorded-answered-call.ami`` or ``recorded-caller-hangs-up-first.ami``,
both replayed offline by ``tests/cti/model/test_model_real_asterisk.py``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from pydantic import SecretStr

from cti.ami import AmiClient as CtiAmiClient
from cti.ami import AmiMessage, StreamRecorder, read_recording
from cti.model import AgentRinging, CallAnswered, CallCentreModel, CallEnded, CallerQueued
from cti.settings import AmiSettings
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.paths import AMI_FIXTURES

AGENT_PHONE = "Local/6001@test-phones/n"
HOTLINE_DID = "4008001234"
CALLER = "13800138000"
FIXTURES = AMI_FIXTURES
STORY = (CallerQueued, AgentRinging, CallAnswered, CallEnded)


async def record_answered_call(asterisk: AsteriskServer, ami: AmiClient, path: Path) -> str:
    """Record the AMI stream of one answered hotline call into ``path``; its Linkedid."""
    settings = AmiSettings(
        host=asterisk.ami_host,
        port=asterisk.ami_port,
        username=asterisk.ami_username,
        secret=SecretStr(asterisk.ami_secret),
    )
    seen: list[AmiMessage] = []
    arrived = asyncio.Event()

    def keep(message: AmiMessage) -> None:
        seen.append(message)
        arrived.set()

    async def until_all_seen_hung_up() -> None:
        # Woken by the recording connection's own events: the test connection may already
        # have gone quiet when the recording's last Hangup arrives.
        while not _all_hung_up(seen, linkedid):
            arrived.clear()
            await arrived.wait()

    with StreamRecorder(path) as recorder:
        recording = CtiAmiClient(settings, on_raw=recorder.write)
        recording.subscribe(keep, name="test-recording")
        await recording.start()
        try:
            await recording.wait_online(within=15)
            added = await ami.action(
                "QueueAdd", Queue="hotline", Interface=AGENT_PHONE, MemberName="Agent One",
                StateInterface=AGENT_PHONE,
            )  # fmt: skip
            assert added["Response"] == "Success", added
            originated = await ami.action(
                "Originate", Channel="Local/s@test-caller", Context="from-trunk",
                Exten=HOTLINE_DID, Priority="1", CallerID=f'"Test Caller" <{CALLER}>',
                Async="true",
            )  # fmt: skip
            assert originated["Response"] == "Success", originated
            connect = await ami.wait_for_event("AgentConnect", Queue="hotline")
            linkedid = connect["Linkedid"]
            await ami.action("Hangup", Channel=connect["Channel"])
            await ami.wait_for(lambda: _all_hung_up(ami.events, linkedid))
            # Linkedid is missing when the caller's hangup wins the race: match the member.
            await ami.wait_for_event("AgentComplete", Interface=AGENT_PHONE)
            # The recording connection sees the same events on its own socket: wait for it.
            await asyncio.wait_for(until_all_seen_hung_up(), 10)
        finally:
            await recording.stop()
            await ami.action("QueueRemove", Queue="hotline", Interface=AGENT_PHONE)
    return linkedid


def _all_hung_up(events: list[AmiMessage], linkedid: str) -> bool:
    """Every channel of the call that was created has hung up."""
    created = {
        e["Uniqueid"]
        for e in events
        if e.get("Event") == "Newchannel" and e.get("Linkedid") == linkedid
    }
    gone = {e.get("Uniqueid") for e in events if e.get("Event") == "Hangup"}
    return bool(created) and created <= gone


def replay(path: Path) -> list[object]:
    """The domain events a fresh model emits for a recording, in order."""
    model = CallCentreModel()
    out: list[object] = []
    for message in read_recording(path):
        if message.is_event:
            out.extend(model.apply(message, float(message.get("Timestamp") or 0.0)))
    return out


async def test_a_recorded_answered_call_replays_to_its_story(
    asterisk: AsteriskServer, ami: AmiClient, tmp_path: Path
) -> None:
    path = tmp_path / "answered.ami"
    linkedid = await record_answered_call(asterisk, ami, path)
    assert path.read_bytes().startswith(b"Asterisk Call Manager/")

    story = [e for e in replay(path) if isinstance(e, STORY)]

    assert [type(e) for e in story] == list(STORY)
    queued, ringing, answered, ended = story
    assert isinstance(queued, CallerQueued) and isinstance(ended, CallEnded)
    assert isinstance(ringing, AgentRinging) and isinstance(answered, CallAnswered)
    assert {e.call_id for e in (queued, ringing, answered, ended)} == {linkedid}
    assert (queued.did, ringing.did, ended.did) == (HOTLINE_DID,) * 3
    assert (queued.queue, queued.caller_number) == ("hotline", CALLER)
    assert (ringing.agent, answered.agent, ended.agent) == (AGENT_PHONE,) * 3
    assert (ended.outcome, ended.queue) == ("answered", "hotline")
    if os.environ.get("CTIDESK_SAVE_RECORDING") == "1":
        complete = next(m for m in read_recording(path) if m.event == "AgentComplete")
        name = (
            "recorded-answered-call" if "Linkedid" in complete else "recorded-caller-hangs-up-first"
        )
        shutil.copyfile(path, FIXTURES / f"{name}.ami")
