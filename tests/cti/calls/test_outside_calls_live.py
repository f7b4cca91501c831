"""The toll-fraud guard on live sandbox calls: a refused number never reaches Asterisk
(no Originate, no Redirect), an allowed one is placed, and each refusal is audited."""

from __future__ import annotations

from cti.calls.policy import AUDIT_ACTION
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.control import add_user, answered_call, bridged_with, events
from tests.support.telephony import agent_console, hang_up_everything


async def _refusals(service: CtiService) -> list[tuple[str, str, str | None]]:
    entries = await service.crm.supervisor_audit.entries()
    return [(e.supervisor, e.outcome, e.detail) for e in entries if e.action == AUDIT_ACTION]


async def test_click_to_dial_refuses_an_international_number_and_places_a_national_one(
    service: CtiService, ami: AmiClient
) -> None:
    await add_user(service, "agent1", "agent", "Local/6001@test-phones/n", ("hotline",))
    async with agent_console(service, "agent1") as console:
        try:
            refused = await console.post("/api/calls/dial", {"number": "0044207946000"})
            assert refused.status == 403
            assert (await refused.json())["error_id"] == "destination-international"
            allowed = await console.post("/api/calls/dial", {"number": "6002"})
            assert allowed.status == 200, await allowed.text()
            call_id = (await allowed.json())["call_id"]
            await ami.wait_for_event("DialEnd", Uniqueid=call_id, DialStatus="ANSWER")
            # Only the allowed call rang the agent's phone.
            assert len(events(ami, "Newchannel", Exten="0044207946000")) == 0
            assert len([e for e in events(ami, "Newchannel")
                        if e["Channel"].startswith("Local/6001@test-phones")
                        and e["Channel"].endswith(";1")]) == 1  # fmt: skip
        finally:
            await hang_up_everything(ami)
    assert await _refusals(service) == [
        ("agent1", "refused", "destination-international: dial 0044207946000")
    ]


async def test_a_transfer_to_a_premium_number_is_refused_and_the_call_stays(
    service: CtiService, ami: AmiClient
) -> None:
    async with answered_call(service, ami) as (console, call_id, connect):
        for mode in ("blind", "attended"):
            response = await console.post(
                f"/api/calls/{call_id}/transfer", {"target": "number:9005551234", "mode": mode}
            )
            assert response.status == 403
            assert (await response.json())["error_id"] == "destination-premium"
        conference = await console.post(
            f"/api/calls/{call_id}/conference", {"target": "+12025550123"}
        )
        assert (await conference.json())["error_id"] == "destination-international"
        assert await bridged_with(ami, connect["DestChannel"]) == {connect["Channel"]}
        assert events(ami, "ConfbridgeJoin") == []
    assert [detail for _, _, detail in reversed(await _refusals(service))] == [
        "destination-premium: transfer 9005551234",
        "destination-premium: transfer 9005551234",
        "destination-international: conference +12025550123",
    ]
