"""Call recording on live sandbox calls: the service's recorder channel (MixMonitor and
ChanSpy in the dialplan), the WAV on disk with both sides' audio, the index, PCI pauses,
playback with range requests, and requests that try to reach other files."""

from __future__ import annotations

import array
import wave
from pathlib import Path

from crm_core.recording_index.schemas import RecordingView
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.control import (
    SECOND_AGENT_PHONE,
    TALKING_AGENT_PHONE,
    add_user,
    answered_call,
    events,
    recorder_started,
    wait_model,
)
from tests.support.telephony import agent_console

VIP_DID = "4008005678"
PC_DIGITAL_DID = "4008002001"


async def test_an_on_demand_recording_with_a_pci_pause_is_indexed_from_the_wav(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami, phone=TALKING_AGENT_PHONE) as (
        console,
        call_id,
        connect,
    ):
        response = await console.post(f"/api/calls/{call_id}/recording/start")
        assert response.status == 200, await response.text()
        started = await recorder_started(ami, connect["DestChannel"])
        recording_id = (await response.json())["id"]
        await _until_written(service, await service.crm.recordings.get(recording_id), seconds=1)

        response = await console.post(f"/api/calls/{call_id}/recording/pause")
        assert response.status == 200, await response.text()
        muted = await ami.wait_for_event("MixMonitorMute", Uniqueid=started["Uniqueid"])
        assert muted["State"] == "1"
        response = await console.post(f"/api/calls/{call_id}/recording/resume")
        assert response.status == 200, await response.text()
        await ami.wait_for(lambda: any(e["State"] == "0" for e in events(ami, "MixMonitorMute")))
        assert (await console.post(f"/api/calls/{call_id}/hangup")).status == 200
        hangup = await ami.wait_for_event("Hangup", Channel=connect["DestChannel"])
        recording = await service.recorder.wait_finished(call_id)
        record = await service.call_log.wait_for(call_id)
        assert record.recording_ref == str(recording_id)

    assert recording.id == recording_id
    assert recording.status.value == "complete", recording.problem
    assert recording.agent_login == "agent1" and recording.queue == "hotline"
    path = service.archive.path_of(recording)
    assert path.read_bytes()[:4] == b"RIFF"
    assert _loudest_sample(path) > 1000, "the recorder heard the talking agent's leg"
    assert recording.size_bytes == path.stat().st_size
    assert recording.sha256 is not None and len(recording.sha256) == 64
    call_seconds = float(hangup["Timestamp"]) - float(started["Timestamp"])
    assert recording.duration_seconds is not None
    assert 1.0 <= recording.duration_seconds <= call_seconds + 0.5
    (pause,) = recording.pauses
    assert pause.resumed_at is not None and pause.by == "agent1"
    assert recording.file_name.endswith(".wav") and call_id not in recording.file_name


async def test_policy_all_records_every_answered_vip_call(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami, queue_did=VIP_DID, queues=("vip",)) as (
        console,
        call_id,
        connect,
    ):
        await recorder_started(ami, connect["DestChannel"])
        stop = await console.post(f"/api/calls/{call_id}/recording/stop")
        assert stop.status == 409, "policy all: the agent may pause, not stop"
        assert (await console.post(f"/api/calls/{call_id}/hangup")).status == 200
        recording = await service.recorder.wait_finished(call_id)
    assert recording.queue == "vip"
    assert recording.status.value == "complete"


async def test_policy_none_refuses_to_record(service: CtiService, ami: AmiClient) -> None:
    await add_user(service, "pcagent", "agent", "Local/6005@test-phones/n", ("pc-digital",))
    async with agent_console(service, "pcagent") as console:
        assert (await console.post("/api/agent/signin")).status == 200
        response = await ami.action(
            "Originate", Channel="Local/s@test-caller", Context="from-trunk", Exten=PC_DIGITAL_DID,
            Priority="1", CallerID='"Caller" <13900000004>', Async="true",
        )  # fmt: skip
        assert response["Response"] == "Success"
        connect = await ami.wait_for_event("AgentConnect")
        try:
            response = await console.post(f"/api/calls/{connect['Linkedid']}/recording/start")
            assert response.status == 409
            assert (await response.json())["error_id"] == "recording-refused"
            assert not events(ami, "MixMonitorStart")
        finally:
            for channel in await ami.list_action("CoreShowChannels"):
                await ami.action("Hangup", Channel=channel["Channel"])
            await console.post("/api/agent/signout")


async def test_playback_for_supervisor_and_own_agent_with_ranges_others_403(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "boss", "supervisor", None)
    await add_user(service, "agent2", "agent", SECOND_AGENT_PHONE)
    async with answered_call(service, ami) as (console, call_id, _connect):
        assert (await console.post(f"/api/calls/{call_id}/recording/start")).status == 200
        start = await recorder_started(ami, _connect["DestChannel"])
        stop = await console.post(f"/api/calls/{call_id}/recording/stop")
        assert stop.status == 200, await stop.text()
        await ami.wait_for_event("MixMonitorStop", Uniqueid=start["Uniqueid"])
        recording = await service.recorder.wait_finished(call_id)
        assert recording.status.value == "complete"
        audio = f"/api/recordings/{recording.id}/audio"
        whole = service.archive.path_of(recording).read_bytes()

        mine = await console.http.get(console.base + audio, headers=_auth(console.token))
        assert mine.status == 200 and await mine.read() == whole
        assert mine.headers["Content-Type"] == "audio/wav"
        part = await console.http.get(
            console.base + audio, headers={**_auth(console.token), "Range": "bytes=0-43"}
        )
        assert part.status == 206
        assert await part.read() == whole[:44]
        assert part.headers["Content-Range"] == f"bytes 0-43/{len(whole)}"

        async with (
            agent_console(service, "boss") as boss,
            agent_console(service, "agent2") as other,
        ):
            ok = await boss.http.get(boss.base + audio, headers=_auth(boss.token))
            assert ok.status == 200
            listed = await boss.http.get(
                boss.base + f"/api/recordings?call_id={call_id}", headers=_auth(boss.token)
            )
            assert [r["id"] for r in (await listed.json())["recordings"]] == [recording.id]
            denied = await other.http.get(other.base + audio, headers=_auth(other.token))
            assert denied.status == 403
            own = await other.http.get(other.base + "/api/recordings", headers=_auth(other.token))
            assert (await own.json())["recordings"] == []


async def test_paths_in_requests_never_reach_the_file_system(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "boss", "supervisor", None)
    secret = Path(service.archive.directory).parent / "outside.wav"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(b"RIFF-not-for-you")
    async with agent_console(service, "boss") as boss:
        for tricky in (
            "..%2Foutside.wav", "../outside.wav", "%2e%2e%2foutside.wav", "1%2F..%2F..",
            "-1", "1.0", "0x1", "99999999999999999999", "1;2", "%00",
        ):  # fmt: skip
            response = await boss.http.get(
                f"{boss.base}/api/recordings/{tricky}/audio", headers=_auth(boss.token)
            )
            body = await response.read()
            assert response.status in (400, 404), (tricky, response.status)
            assert b"not-for-you" not in body
        missing = await boss.http.get(
            f"{boss.base}/api/recordings/424242/audio", headers=_auth(boss.token)
        )
        assert missing.status == 404
    secret.unlink()


async def _until_written(service: CtiService, recording: RecordingView, seconds: float) -> None:
    """Wait until Asterisk has written ``seconds`` of 8 kHz 16-bit audio to the file."""
    path = service.archive.path_of(recording)
    wanted = 44 + int(seconds * 16000)

    def grown() -> bool:
        return path.is_file() and path.stat().st_size >= wanted

    await wait_model(service, grown, within=15)


def _loudest_sample(path: Path) -> int:
    """The largest absolute sample of a 16-bit WAV file (0 for silence)."""
    with wave.open(str(path), "rb") as audio:
        assert audio.getsampwidth() == 2
        samples = array.array("h", audio.readframes(audio.getnframes()))
    return max((abs(sample) for sample in samples), default=0)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
