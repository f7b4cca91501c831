"""A note, a service request and a survey made during a real call are on its record.

A real queue call on the sandbox Asterisk is answered by the agent's phone; while the
caller is still on the line the agent's API adds a note, opens a service request and
submits a survey with the call's id (the call log has no record of it yet: it is written
when the call ends). The caller hangs up, the service writes the call's record, and the
call log and the member's 360° view show the note and the request on that record; the
survey response names the call.
"""

from __future__ import annotations

from crm_core.surveys.seed import PHONE_SERVICE_EVALUATION_CODE, ensure_phone_service_evaluation
from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.control import answered_call
from tests.support.telephony import MEMBER_PHONE, seed_member


async def test_a_note_and_a_request_made_during_a_real_call_are_linked_to_its_record(
    service: CtiService, ami: AmiClient
) -> None:
    member = await seed_member(service)
    evaluation = await ensure_phone_service_evaluation(service.crm.questionnaires, actor="boss")
    answers = [{"question_id": q.id, "option_ids": [q.options[0].id]} for q in evaluation.questions]
    async with answered_call(service, ami, caller=f'"李娜" <{MEMBER_PHONE}>') as answered:
        console, call_id, connect = answered
        noted = await console.post(
            f"/api/members/{member}/notes",
            {"text": "GPS 无法充电, wants a call back", "call_id": call_id},
        )
        assert noted.status == 200, await noted.text()
        note = await noted.json()
        opened = await console.post(
            "/api/service-requests",
            {"subject": "GPS 无法充电", "request_type": "repair", "member_number": member,
             "call_id": call_id},
        )  # fmt: skip
        assert opened.status == 200, await opened.text()
        request = await opened.json()
        assert (note["call_linked_id"], note["pending_call_linked_id"]) == (None, call_id)
        assert (request["call_id"], request["pending_call_linked_id"]) == (None, call_id)
        surveyed = await console.post(
            "/api/survey-responses",
            {"questionnaire": PHONE_SERVICE_EVALUATION_CODE, "member_number": member,
             "call_id": call_id, "answers": answers},
        )  # fmt: skip
        assert surveyed.status == 200, await surveyed.text()
        survey = await surveyed.json()
        assert (survey["call_id"], survey["pending_call_linked_id"]) == (None, call_id)
        assert note["body"] == "GPS 无法充电, wants a call back"
        assert request["description"] is None
        live = await console.get(f"/api/call-records?member_no={member}")
        assert live["calls"] == [], "the call is still live: no record yet"

        await ami.action("Hangup", Channel=connect["Channel"])  # the caller hangs up
        record = await service.call_log.wait_for(call_id, within=20)
        assert record.member_number == member and record.answered_at is not None

        logged = await console.get(f"/api/call-records?member_no={member}")
        [call] = logged["calls"]
        assert call["linked_id"] == call_id
        assert [(a["id"], a["body"], a["created_by"]) for a in call["activities"]] == [
            (note["id"], note["body"], "agent1")
        ]
        assert [(r["number"], r["subject"]) for r in call["service_requests"]] == [
            (request["number"], "GPS 无法充电")
        ]
        pop = await console.get(f"/api/members/{member}")
        [last] = pop["last_calls"]
        assert [a["id"] for a in last["activities"]] == [note["id"]]
        assert [r["number"] for r in last["service_requests"]] == [request["number"]]
        linked = await service.crm.service_desk.requests.get(request["number"])
        assert (linked.call_linked_id, linked.pending_call_linked_id) == (call_id, None)
        [activity] = await service.crm.activities.activities_of(member)
        assert (activity.call_linked_id, activity.pending_call_linked_id) == (call_id, None)
        response = await service.crm.survey_responses.get(survey["id"])
        assert (response.call_id, response.call_linked_id) == (linked.call_id, call_id)
        assert response.call_id is not None and response.agent == "agent1"
