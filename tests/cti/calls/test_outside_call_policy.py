"""The toll-fraud guard: the destination policy and the per-user rate, on a real CRM audit
trail (SQLite), and through the call-control routes (telephony offline: a refusal needs no
Asterisk, and none is asked)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm_core.staff.schemas import UserView
from crm_core.wiring import Crm
from cti.calls.policy import (
    AUDIT_ACTION,
    DestinationLengthError,
    DialRateError,
    InternationalRefusedError,
    OutsideCallGuard,
    OutsideCallRefusedError,
    PremiumRefusedError,
)
from cti.service import CtiService
from cti.settings import (
    OutsideCallSettings,
    RecordingsSettings,
    Settings,
    SettingsError,
    load_settings,
)
from tests.support.api import add_agent_and_supervisor, error_of, token_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def users(crm: Crm) -> tuple[UserView, UserView]:
    await add_agent_and_supervisor(crm)
    return await crm.users.get("agent7"), await crm.users.get("boss")


async def test_international_and_premium_need_a_role_that_may_call_them(crm: Crm) -> None:
    agent, boss = await users(crm)
    guard = OutsideCallGuard(
        OutsideCallSettings(premium_roles=["admin"]), audit=crm.supervisor_audit
    )
    for number in ("0044207946000", "+44207946000"):
        with pytest.raises(InternationalRefusedError):
            guard.check(agent, number)
        guard.check(boss, number)  # supervisors may (international_roles)
    for user in (agent, boss):
        with pytest.raises(PremiumRefusedError):
            guard.check(user, "9005551234")
    guard.check(agent, "13812345678")  # a national mobile number


async def test_lengths_and_allowed_prefixes(crm: Crm) -> None:
    agent, _ = await users(crm)
    guard = OutsideCallGuard(
        OutsideCallSettings(allowed_prefixes=["1", "6"], min_digits=4, max_digits=11),
        audit=crm.supervisor_audit,
    )
    for number in ("600", "138123456789"):
        with pytest.raises(DestinationLengthError):
            guard.check(agent, number)
    with pytest.raises(OutsideCallRefusedError) as refused:
        guard.check(agent, "21012345678")
    assert refused.value.error_id == "destination-not-allowed"
    assert refused.value.status == 403
    guard.check(agent, "6002")
    guard.check(agent, "13812345678")


async def test_each_user_has_a_rate_per_minute_and_refusals_do_not_count(crm: Crm) -> None:
    agent, boss = await users(crm)
    clock = Clock()
    guard = OutsideCallGuard(
        OutsideCallSettings(calls_per_minute=2), audit=crm.supervisor_audit, clock=clock
    )
    with pytest.raises(InternationalRefusedError):
        guard.check(agent, "0044207946000")  # refused: not counted
    guard.check(agent, "6002")
    clock.now += 30
    guard.check(agent, "6003")
    with pytest.raises(DialRateError):
        guard.check(agent, "6004")
    guard.check(boss, "6004")  # another user's rate is their own
    clock.now += 30  # the first call is a minute old
    guard.check(agent, "6004")
    with pytest.raises(DialRateError):
        guard.check(agent, "6005")


async def test_a_refusal_is_audited_with_who_what_and_why(crm: Crm) -> None:
    agent, _ = await users(crm)
    guard = OutsideCallGuard(OutsideCallSettings(), audit=crm.supervisor_audit)
    with pytest.raises(PremiumRefusedError):
        await guard.admit(agent, "9005551234", doing="transfer", call_id="1.5")
    await guard.admit(agent, "6002", doing="dial")  # admitted: nothing written
    [entry] = await crm.supervisor_audit.entries()
    assert (entry.supervisor, entry.action, entry.outcome) == ("agent7", AUDIT_ACTION, "refused")
    assert entry.call_id == "1.5"
    assert entry.detail == "destination-premium: transfer 9005551234"


def test_prefixes_must_be_digits_and_lengths_in_order() -> None:
    with pytest.raises(SettingsError, match=r"dialling\.allowed_prefixes"):
        load_settings(environ={"CTIDESK_DIALLING_ALLOWED_PREFIXES": '["1x"]'})
    with pytest.raises(SettingsError, match="min_digits must not be more than max_digits"):
        load_settings(environ={"CTIDESK_DIALLING_MIN_DIGITS": "12",
                               "CTIDESK_DIALLING_MAX_DIGITS": "11"})  # fmt: skip
    with pytest.raises(SettingsError, match=r"dialling\.premium_roles"):
        load_settings(environ={"CTIDESK_DIALLING_PREMIUM_ROLES": '["root"]'})


@pytest.fixture
async def api(crm: Crm, tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    await add_agent_and_supervisor(crm)
    settings = Settings(
        recordings=RecordingsSettings(directory=str(tmp_path / "spool")),
        dialling=OutsideCallSettings(calls_per_minute=1),
    )
    async with TestClient(TestServer(CtiService(settings, crm=crm).app)) as client:
        yield client


async def test_the_routes_answer_403_with_the_error_id_and_audit_it(
    api: TestClient[Any, Any], crm: Crm
) -> None:
    headers = await token_of(api, "agent7")
    refused = await api.post("/api/calls/dial", json={"number": "+12025550123"}, headers=headers)
    assert (await error_of(refused, 403))["error_id"] == "destination-international"
    allowed = await api.post("/api/calls/dial", json={"number": "6002"}, headers=headers)
    assert allowed.status == 503  # admitted; Asterisk is offline here
    again = await api.post("/api/calls/dial", json={"number": "6003"}, headers=headers)
    assert (await error_of(again, 403))["error_id"] == "dial-rate-limited"
    entries = await crm.supervisor_audit.entries()
    assert [(e.supervisor, e.action, e.outcome) for e in reversed(entries)] == [
        ("agent7", AUDIT_ACTION, "refused"),
        ("agent7", AUDIT_ACTION, "refused"),
    ]
