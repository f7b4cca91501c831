"""Wrap-up on the real sandbox: no queue call reaches an agent until its wrap-up ends.

The service holds the agent by pausing its queue membership with the reason
``wrap-up`` (cti/service/wrapup.py); Asterisk's own QueueStatus and events are the proof.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from cti.model import WRAPUP_PAUSE_REASON
from cti.service import CtiService
from cti.settings import TelephonySettings
from tests.support.asterisk import AmiClient, AmiMessage, AsteriskServer
from tests.support.telephony import (
    AGENT_PHONE,
    MEMBER_PHONE,
    Console,
    add_agent,
    agent_console,
    hang_up_everything,
    originate,
    running_service,
)


async def member_status(ami: AmiClient, queue: str, interface: str) -> AmiMessage:
    """What Asterisk reports of ``interface`` as a member of ``queue``."""
    entries = await ami.list_action("QueueStatus", Queue=queue)
    for entry in entries:
        if entry.get("Event") == "QueueMember" and entry.get("Location") == interface:
            return entry
    raise AssertionError(f"{interface} is not a member of {queue}")


async def answered_then_hung_up(ami: AmiClient, caller: str) -> str:
    """Place a call on the hotline, let the agent answer, hang the agent's leg up; its id."""
    await originate(ami, caller)
    joined = await ami.wait_for_event("QueueCallerJoin", CallerIDNum=caller.split("<")[1][:-1])
    connect = await ami.wait_for_event("AgentConnect", Linkedid=joined["Linkedid"])
    # Hanging up before both legs are in the bridge loses AgentComplete.
    await ami.wait_for_event("BridgeEnter", Channel=joined["Channel"])
    await ami.action("Hangup", Channel=connect["DestChannel"])
    # When the caller's leg goes first, AgentComplete carries no caller channel fields.
    await ami.wait_for_event("AgentComplete", Interface=AGENT_PHONE)
    return joined["Linkedid"]


@contextlib.asynccontextmanager
async def in_wrap_up(service: CtiService, ami: AmiClient) -> AsyncIterator[tuple[Console, str]]:
    """agent1 signed in, a hotline call answered and hung up, Asterisk holding the agent
    for wrap-up: (the agent's console, the call's id); hung up and signed out at the end."""
    await add_agent(service)
    async with agent_console(service, "agent1") as console:
        try:
            assert (await console.post("/api/agent/signin", {})).status == 200
            call_id = await answered_then_hung_up(ami, f'"李娜" <{MEMBER_PHONE}>')
            await console.next_matching("agent_state", state="wrap_up")
            await ami.wait_for_event("QueueMemberPause", Paused="1", Interface=AGENT_PHONE)
            yield console, call_id
        finally:
            await hang_up_everything(ami)
            await console.post("/api/agent/signout")


@pytest.fixture
async def long_wrapup(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The service with ten minutes of wrap-up after hotline calls."""
    settings = TelephonySettings(wrapup_seconds={"hotline": 600})
    async with running_service(asterisk, sqlite_url, telephony=settings) as running:
        await running.crm.dispositions.define({"code": "INFO", "label": "Information given"})
        yield running


@pytest.fixture
async def short_wrapup(asterisk: AsteriskServer, sqlite_url: str) -> AsyncIterator[CtiService]:
    """The service with two seconds of wrap-up after hotline calls."""
    settings = TelephonySettings(wrapup_seconds={"hotline": 2})
    async with running_service(asterisk, sqlite_url, telephony=settings) as running:
        yield running


async def test_the_next_caller_waits_until_the_agent_sends_the_disposition(
    long_wrapup: CtiService, ami: AmiClient
) -> None:
    service = long_wrapup
    async with in_wrap_up(service, ami) as (console, first):
        held = await member_status(ami, "hotline", AGENT_PHONE)
        assert (held["Paused"], held["PausedReason"]) == ("1", WRAPUP_PAUSE_REASON)

        refused = await console.post("/api/agent/unpause")
        assert refused.status == 409
        assert (await refused.json())["error_id"] == "in-wrap-up"

        await originate(ami, '"Stranger" <13900000003>')
        second = await ami.wait_for_event("QueueCallerJoin", CallerIDNum="13900000003")
        assert (await member_status(ami, "hotline", AGENT_PHONE))["Paused"] == "1"
        await service.call_log.wait_for(first, within=15)

        sent_at = time.time()
        response = await console.post(
            "/api/agent/wrapup", {"call_id": first, "disposition": "INFO", "note": "ok"}
        )
        assert response.status == 204, await response.text()
        offered = await ami.wait_for_event("AgentCalled", Linkedid=second["Linkedid"])
        assert offered["Interface"] == AGENT_PHONE
        assert float(offered["Timestamp"]) >= sent_at - 0.5
        record = await service.crm.calls.get(first)
        assert (record.disposition_code, record.disposition_note) == ("INFO", "ok")


async def test_the_agent_is_released_when_the_wrap_up_time_runs_out(
    short_wrapup: CtiService, ami: AmiClient
) -> None:
    async with in_wrap_up(short_wrapup, ami) as (console, _call_id):
        await ami.wait_for_event("QueueMemberPause", Paused="0", Interface=AGENT_PHONE)
        await console.next_matching("agent_state", state="ready")
        assert (await member_status(ami, "hotline", AGENT_PHONE))["Paused"] == "0"


async def test_a_pause_chosen_during_wrap_up_is_kept_after_it(
    short_wrapup: CtiService, ami: AmiClient
) -> None:
    async with in_wrap_up(short_wrapup, ami) as (console, _call_id):
        assert (await console.post("/api/agent/pause", {"reason": "coffee"})).status == 204
        paused = await console.next_matching("agent_state", state="paused")
        assert paused["reason"] == "coffee"
        status = await member_status(ami, "hotline", AGENT_PHONE)
        assert (status["Paused"], status["PausedReason"]) == ("1", "coffee")
