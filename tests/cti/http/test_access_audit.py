"""Reads of member records are rate-limited per user; playing a recording and setting or
releasing a legal hold are audited with the user."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.recording_index.schemas import RecordingView
from crm_core.staff.audit import AccessAction
from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.recordings.http import recording_routes
from cti.service import make_app
from recordings.archive import RecordingArchive
from tests.conftest import Clock
from tests.support.api import add_agent_and_supervisor, error_of, token_of
from tests.support.crm import new_member


class NoLiveCalls:
    """The live-call recorder: these tests use only the archive's routes, never these."""

    async def start(self, user: UserView, call_id: str) -> RecordingView:
        raise AssertionError("not a live-call test")

    stop = pause = resume = start


@pytest.fixture
async def archive(crm: Crm, clock: Clock, tmp_path: Path) -> RecordingArchive:
    """The recordings archive over a spool directory with one finished recording of agent7."""
    archive = RecordingArchive(index=crm.recordings, directory=tmp_path / "spool", clock=clock)
    opened = await archive.open(call_id="1772442000.9", queue="sales", agent_login="agent7")
    path = archive.path_of(opened.recording)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000)
    await archive.finish(opened.recording.id)
    return archive


@pytest.fixture
async def api(crm: Crm, archive: RecordingArchive) -> AsyncIterator[TestClient[Any, Any]]:
    """The API with the recording routes; member reads limited to 3 a minute."""
    await add_agent_and_supervisor(crm)
    routes = recording_routes(NoLiveCalls(), archive)
    app = make_app(crm=crm, routes=routes, member_reads_per_minute=3)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_member_reads_over_the_limit_get_a_429_until_the_minute_has_passed(
    api: TestClient[Any, Any], crm: Crm, clock: Clock
) -> None:
    number = await new_member(crm)
    agent, boss = await token_of(api, "agent7"), await token_of(api, "boss")
    reads = [f"/api/members/{number}", "/api/members?q=13812345678", f"/api/members/{number}"]
    for path in reads:
        assert (await api.get(path, headers=agent)).status == 200
    refused = await api.get(f"/api/members/{number}", headers=agent)
    assert (await error_of(refused, 429))["error_id"] == "too-many-reads"
    assert refused.headers["Retry-After"] == "60"
    assert (await api.get(f"/api/members/{number}", headers=boss)).status == 200  # per user
    clock.advance(seconds=60)
    assert (await api.get(f"/api/members/{number}", headers=agent)).status == 200


async def test_playing_a_recording_is_audited_with_the_user_and_address(
    api: TestClient[Any, Any], crm: Crm
) -> None:
    recording = (await crm.recordings.search({}))[0]
    for login, extra in (("agent7", {}), ("boss", {"Range": "bytes=0-99"})):
        headers = {**await token_of(api, login), **extra}
        response = await api.get(f"/api/recordings/{recording.id}/audio", headers=headers)
        assert response.status in (200, 206)
    played = await crm.access_audit.entries(action=AccessAction.RECORDING_PLAYED)
    assert [(e.actor, e.subject, e.detail) for e in played] == [
        ("boss", str(recording.id), "bytes=0-99"),
        ("agent7", str(recording.id), None),
    ]
    assert {entry.address for entry in played} == {"127.0.0.1"}


async def test_a_refused_playback_is_not_audited_as_played(
    api: TestClient[Any, Any], crm: Crm
) -> None:
    await crm.users.add({"login": "agent9", "display_name": "A9", "role": "agent"},
                        password="correct horse battery")  # fmt: skip
    recording = (await crm.recordings.search({}))[0]
    headers = await token_of(api, "agent9")
    response = await api.get(f"/api/recordings/{recording.id}/audio", headers=headers)
    assert response.status == 403
    assert await crm.access_audit.entries(action=AccessAction.RECORDING_PLAYED) == []


async def test_setting_and_releasing_a_legal_hold_are_audited_with_the_supervisor(
    api: TestClient[Any, Any], crm: Crm
) -> None:
    recording = (await crm.recordings.search({}))[0]
    path, headers = f"/api/recordings/{recording.id}/legal-hold", await token_of(api, "boss")
    held = await api.post(path, json={"hold": True, "reason": "case 42"}, headers=headers)
    assert held.status == 200, await held.text()
    assert (await api.post(path, json={"hold": False}, headers=headers)).status == 200
    audit = await crm.access_audit.entries(actor="boss")
    assert [(e.action, e.subject, e.detail) for e in audit if e.subject] == [
        (AccessAction.LEGAL_HOLD_RELEASED, str(recording.id), None),
        (AccessAction.LEGAL_HOLD_SET, str(recording.id), "case 42"),
    ]
