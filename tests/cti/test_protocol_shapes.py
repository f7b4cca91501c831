"""The REST shapes and the pop's member: typed JSON round trips and errors naming the field."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from cti import protocol
from cti.protocol import (
    AgentList,
    AgentState,
    ArticleHit,
    ArticleHits,
    ArticleText,
    AssetOwned,
    CallbackTask,
    CallbackTasks,
    CallList,
    CallNote,
    CallRequest,
    CallUpdate,
    CardHeld,
    ErrorBody,
    ExpiringPoints,
    FormChoice,
    FormQuestion,
    LastSurvey,
    LedgerEntry,
    LoggedCall,
    LoggedCallPage,
    LoginGrant,
    MemberHit,
    MemberHits,
    MemberRecord,
    MemberSummary,
    NoteTaken,
    OpenRequest,
    PointsBalance,
    PointsChange,
    PointsLedger,
    ProtocolError,
    QueueChange,
    QueueList,
    QueueUpdate,
    RecentCall,
    RequestOpened,
    StaffMember,
    StaffQueue,
    SurveyForm,
    SurveyResult,
    WrapUpCode,
    WrapUpCodes,
    decode,
    encode,
)
from cti.protocol import member as member_module
from cti.protocol import shapes as shapes_module
from tests.support.wire import member_summary

T0 = "2026-03-02T09:00:00Z"
SUMMARY = member_summary()
CALL = RecentCall(
    "1772443800.11", "inbound", "13812345678", "hotline", "agent1", T0, T0, T0, 95, False,
    "SALE", "wants the brochure", (CallNote(7, "note", None, "called back", "agent1", T0),),
    (CallRequest("SR-00000001", "Broken kettle", "repair", "open"),),
)  # fmt: skip
RECORD = MemberRecord(
    profile=SUMMARY.profile,
    cards=(CardHeld("C-1", "04A1", "gold", "active", "I-00000001", None, T0, T0),),
    points=PointsBalance("I-00000001", 1200, 3400, (ExpiringPoints(200, T0),)),
    open_requests=(
        OpenRequest(
            "SR-00000001",
            "Broken kettle",
            "repair",
            "I-00000001",
            2,
            "open",
            "hotline",
            None,
            T0,
            T0,
        ),
    ),
    last_calls=(CALL,),
    last_survey=LastSurvey("phone-service-evaluation", T0, "4.50"),
    assets=(AssetOwned(1, "I-00000001", "K-1", "Kettle", "SN1", "2025-01-02", None),),
)
FORM = SurveyForm(
    "phone-service-evaluation", "Service", 1,
    (FormQuestion(1, "single", "满意吗", "Satisfied?",
                  (FormChoice(1, "满意", "Yes"), FormChoice(2, "不满意", None))),),
)  # fmt: skip
LOGGED = LoggedCall("c1", "138", "hotline", "agent1", None, T0, T0, 12, False)

EXAMPLES: list[Any] = [
    ErrorBody("not-on-call", "call c1 is not yours", {"call_id": "c1"}),
    SUMMARY,
    RECORD.summary(["I-00000002"]),
    RECORD,
    LoginGrant("token", T0, "agent", StaffMember("agent1", "Alice", "agent", "6001",
                                                 (StaffQueue("hotline", 0),))),
    MemberHits((MemberHit("I-00000001", "李娜", 3, None),)),
    PointsLedger((LedgerEntry(1, T0, "gift", 100, 1300, 3500, "agent1", None, "goodwill", None),)),
    PointsChange("I-00000001", 100, 1300, 3500),
    RequestOpened("SR-00000002", "Call from 138", "enquiry", "I-00000001", "open"),
    NoteTaken(9, "I-00000001", "note", "called back", "agent1"),
    CallbackTasks((CallbackTask(3, "138", None, None, T0),)),
    WrapUpCodes((WrapUpCode("SALE", "Sale made"),)),
    ArticleHits((ArticleHit(4, "Descaling a kettle", "care", 0.75),)),
    ArticleText(4, "Descaling a kettle", "Use vinegar.", "care", 2),
    FORM,
    SurveyResult(11, "phone-service-evaluation", None),
    LoggedCallPage((LOGGED,), "cursor-2"),
    QueueChange(("hotline", "vip")),
    QueueList((QueueUpdate("hotline", 3, 42, 1, 4, 0, 20),)),
    AgentList((AgentState("agent1", "ready", T0, queues=["hotline"]),)),
    CallList((CallUpdate("c1", "answered", "138", T0, "hotline", "agent1"),)),
]  # fmt: skip


def _dataclasses_of(module: object) -> set[type]:
    return {
        value
        for name, value in vars(module).items()
        if name in getattr(module, "__all__", ()) and dataclasses.is_dataclass(value)
    }


def _nested(value: Any) -> set[type]:
    """The dataclass types inside ``value``, itself included."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = {type(value)}
        for spec in dataclasses.fields(value):
            found |= _nested(getattr(value, spec.name))
        return found
    if isinstance(value, list | tuple):
        return set().union(*(_nested(entry) for entry in value)) if value else set()
    return set()


@pytest.mark.parametrize("shape", EXAMPLES, ids=lambda shape: type(shape).__name__)
def test_every_shape_survives_a_json_round_trip(shape: Any) -> None:
    text = json.dumps(encode(shape), ensure_ascii=False)
    assert decode(type(shape), json.loads(text)) == shape


def test_every_shape_and_member_part_has_an_example() -> None:
    declared = _dataclasses_of(shapes_module) | _dataclasses_of(member_module)
    shown = set().union(*(_nested(example) for example in EXAMPLES))
    assert declared - shown == set()


def test_the_package_exports_every_shape() -> None:
    declared = _dataclasses_of(shapes_module) | _dataclasses_of(member_module)
    assert {kind.__name__ for kind in declared} <= set(protocol.__all__)


def test_the_summary_repeats_the_profile_at_its_top_and_keeps_the_other_matches() -> None:
    summary = RECORD.summary(["I-00000002"])
    assert (summary.number, summary.name, summary.level) == ("I-00000001", "李娜", 3)
    assert summary.other_matches == ("I-00000002",)
    assert summary.active_card is not None and summary.active_card.card_number == "C-1"
    assert "assets" not in encode(summary)


def test_unknown_keys_are_ignored_at_every_depth() -> None:
    data = encode(RECORD)
    data["loyalty_tier"] = "platinum"
    data["profile"]["nickname"] = "娜娜"
    data["last_calls"][0]["activities"][0]["mood"] = "happy"
    assert decode(MemberRecord, data) == RECORD


def _broken(shape: Any, change: Any) -> dict[str, Any]:
    data = encode(shape)
    change(data)
    return data


@pytest.mark.parametrize(
    ("shape", "data", "problem"),
    [
        (MemberRecord, _broken(RECORD, lambda d: d["last_calls"][0].update(started_at=5)),
         "MemberRecord: field 'last_calls[0].started_at' has the wrong type"),
        (MemberRecord, _broken(RECORD, lambda d: d["points"].pop("valid")),
         "MemberRecord: field 'points.valid' is missing"),
        (MemberRecord, _broken(RECORD, lambda d: d["profile"]["phones"][0].update(e164=None)),
         "field 'profile.phones[0].e164' has the wrong type"),
        (MemberRecord, _broken(RECORD, lambda d: d.update(cards={})),
         "field 'cards' has the wrong type"),
        (MemberRecord, _broken(RECORD, lambda d: d["profile"].update(custom_fields={"a": 1})),
         None),
        (MemberSummary, _broken(SUMMARY, lambda d: d.update(level=True)),
         "field 'level' has the wrong type"),
        (MemberSummary, _broken(SUMMARY, lambda d: d.update(last_survey=[])),
         "field 'last_survey' has the wrong type"),
        (SurveyForm, _broken(FORM, lambda d: d["questions"][0]["options"][1].pop("label")),
         "SurveyForm: field 'questions[0].options[1].label' is missing"),
        (LoggedCallPage, _broken(LoggedCallPage((LOGGED,), None),
                                 lambda d: d["calls"][0].update(wait_seconds="12")),
         "field 'calls[0].wait_seconds' has the wrong type"),
        (QueueChange, {"queues": "hotline"}, "field 'queues' has the wrong type"),
        (ArticleHit, {"id": 1, "title": "t", "category": "c", "rank": 2},
         None),
    ],
)  # fmt: skip
def test_a_wrong_or_missing_field_is_named_by_its_path(
    shape: type, data: dict[str, Any], problem: str | None
) -> None:
    if problem is None:  # fits: a whole number where a float goes, any custom field
        decode(shape, data)
        return
    with pytest.raises(ProtocolError) as raised:
        decode(shape, data)
    assert problem in str(raised.value)


def test_a_response_that_is_not_an_object_is_refused_by_name() -> None:
    with pytest.raises(ProtocolError, match="GET /api/queues: expected a JSON object"):
        decode(QueueList, [], what="GET /api/queues")
