"""The wire messages: JSON round trips, strict checks, and no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cti.protocol import (
    MESSAGE_TYPES,
    AgentState,
    Authenticate,
    CallUpdate,
    CampaignCall,
    CampaignUpdate,
    Message,
    Notice,
    PopCard,
    ProtocolError,
    QueueUpdate,
    Resync,
    ScreenPop,
    SessionReady,
    TelephonyStatus,
    WrapUpCode,
    from_json,
    to_json,
)
from tests.support.wire import member_summary

EXAMPLES: list[Message] = [
    ScreenPop("1700000000.1", "13812345678", "4008001234", "电台", "sales",
              member_summary(valid_points=1200)),
    ScreenPop("1700000000.2", "+14155550100", None, None, None, None),
    ScreenPop("", "", None, None, None, member_summary(valid_points=80), direction="counter",
              source="card", card=PopCard("04A1B2C3D4E5F6", "Virtual PCD 00 00", "lost",
                                          "C-1", warning="card C-1 is lost: do not accept it")),
    AgentState("agent7", "paused", "2026-03-02T09:00:00Z", reason="lunch", queues=["sales"]),
    AgentState("agent8", "ready", "2026-03-02T09:00:00Z"),
    CallUpdate("1700000000.1", "answered", "13812345678", "2026-03-02T09:00:05Z", "sales",
               "agent7"),
    QueueUpdate("sales", waiting=3, longest_wait_seconds=42, agents_ready=1, agents_busy=4,
                agents_paused=0, service_level_seconds=20),
    CampaignUpdate(4, "积分到期", "predictive", "running", dialled=120, ringing=3, answered=40,
                   connected=39, abandoned=1, machines=6, abandon_rate_30d=0.025,
                   abandon_rate_24h=0.0, abandon_target=0.03, leads_remaining=880,
                   pacer_mode="predictive", pacer_detail="predictive"),
    CampaignUpdate(5, "birthdays", "progressive", "paused", 0, 0, 0, 0, 0, 0, 0.0, 0.0, 0.03, 12),
    CampaignCall("a" * 32, 4, "积分到期", "+8613812345678", "李娜",
                 member_summary(valid_points=1200), "您好，您的积分即将到期…",
                 (WrapUpCode("SALE", "Sale"), WrapUpCode("NOINT", "Not interested"))),
    CampaignCall("b" * 32, 4, "积分到期", "+8613800000000", None, None, None),
    Notice("warning", "队列已满"),
    TelephonyStatus(online=False, detail="AMI connection lost"),
    Resync("lost on ctidesk.user.agent7"),
    SessionReady("agent7", "agent"),
    Authenticate("token-text"),
]  # fmt: skip


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda message: message.type)
def test_every_message_survives_a_json_round_trip(message: Message) -> None:
    text = to_json(message)
    assert json.loads(text)["type"] == message.type
    assert from_json(text) == message
    assert from_json(text.encode()) == message


def test_every_type_has_an_example() -> None:
    assert {message.type for message in EXAMPLES} == set(MESSAGE_TYPES)


def test_the_screen_pop_carries_the_fields_consoles_read() -> None:
    data = json.loads(to_json(EXAMPLES[0]))
    assert list(data) == [
        "type", "call_id", "caller", "did", "inbound_media", "queue", "member",
        "direction", "transferred_by", "note", "verified_in_ivr", "identified_in_ivr",
        "source", "card",
    ]  # fmt: skip
    assert (data["source"], data["card"]) == ("call", None)
    assert "李娜" in to_json(EXAMPLES[0])


def test_a_pop_from_an_older_service_without_source_is_a_call_pop() -> None:
    data = json.loads(to_json(EXAMPLES[0]))
    del data["source"], data["card"]
    pop = from_json(json.dumps(data))
    assert isinstance(pop, ScreenPop) and (pop.source, pop.card) == ("call", None)


def test_unknown_keys_are_ignored_for_newer_services() -> None:
    text = '{"type": "notice", "level": "info", "text": "hi", "colour": "red"}'
    assert from_json(text) == Notice("info", "hi")


def test_the_token_is_not_in_the_repr() -> None:
    assert "secret" not in repr(Authenticate("secret"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not JSON"),
        (b"\xff", "not JSON"),
        ("[]", "JSON object"),
        ('{"level": "info"}', "unknown message type"),
        ('{"type": "shout"}', "unknown message type"),
        ('{"type": "notice", "level": "info"}', "'text' is missing"),
        ('{"type": "notice", "level": "info", "text": 5}', "'text' has the wrong type"),
        ('{"type": "telephony_status", "online": "yes"}', "'online'"),
        (
            '{"type": "queue_update", "queue": "q", "waiting": true, "longest_wait_seconds": 0,'
            ' "agents_ready": 0, "agents_busy": 0, "agents_paused": 0,'
            ' "service_level_seconds": 20}',
            "'waiting'",
        ),
        (
            '{"type": "queue_update", "queue": "q", "waiting": 0, "longest_wait_seconds": 0,'
            ' "agents_ready": 0, "agents_busy": 0, "agents_paused": 0}',
            "'service_level_seconds' is missing",
        ),
        (
            '{"type": "agent_state", "login": "a", "state": "ready", "since": "t",'
            ' "queues": ["sales", 3]}',
            "'queues\\[1\\]' has the wrong type",
        ),
        (
            '{"type": "screen_pop", "call_id": "1", "caller": "1", "did": null,'
            ' "inbound_media": null, "queue": null, "member": []}',
            "'member' has the wrong type",
        ),
        (
            '{"type": "screen_pop", "call_id": "1", "caller": "1", "did": null,'
            ' "inbound_media": null, "queue": null, "member": {"number": "I-00000001"}}',
            "screen_pop: field 'member.name' is missing",
        ),
    ],
)
def test_malformed_messages_are_a_protocol_error(text: str | bytes, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem):
        from_json(text)


def test_the_protocol_imports_only_the_standard_library() -> None:
    probe = (
        "import sys, cti.protocol;"
        "ours = sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('aiohttp', 'pydantic', 'sqlalchemy', 'crm_core', 'panoramisk', 'textual'));"
        "print(ours)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
