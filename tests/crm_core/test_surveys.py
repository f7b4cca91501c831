"""Surveys on real databases: the seed questionnaire, answering by phone, keypad and link,
versions once answered, analysis; bad input changes nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from crm_core.calls.models import CallRecord, Direction
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.members.models import Member
from crm_core.staff.models import Role, User
from crm_core.surveys.analysis import SurveyReports
from crm_core.surveys.exceptions import (
    AgentNotFoundError,
    AlreadySurveyedError,
    DuplicateQuestionnaireError,
    IncompleteResponseError,
    InvalidAnswerError,
    InvalidQuestionnaireError,
    QuestionnaireNotFoundError,
    ResponseClosedError,
    ResponseNotFoundError,
    SurveyNotOpenError,
    UnknownCallError,
)
from crm_core.surveys.models import QuestionKind, SurveyChannel, SurveyKind, VersionStatus
from crm_core.surveys.responses import ResponseService
from crm_core.surveys.seed import PHONE_SERVICE_EVALUATION_CODE, ensure_phone_service_evaluation
from crm_core.surveys.services import QuestionnaireService
from crm_core.surveys.views import QuestionnaireView
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import new_member, snapshot

PSE = PHONE_SERVICE_EVALUATION_CODE


@dataclass(frozen=True)
class Surveys:
    """The survey services over the test's CRM database (the lead wires them into Crm)."""

    questionnaires: QuestionnaireService
    responses: ResponseService
    reports: SurveyReports


@pytest.fixture
def surveys(any_crm: Crm, clock: Clock) -> Surveys:
    return Surveys(
        questionnaires=QuestionnaireService(db=any_crm.db, clock=clock),
        responses=ResponseService(db=any_crm.db, clock=clock),
        reports=SurveyReports(db=any_crm.db),
    )


async def add_agent(crm: Crm, login: str, name: str) -> None:
    async with crm.db.write() as session:
        session.add(User(login=login, display_name=name, role=Role.AGENT))


async def add_call(
    crm: Crm,
    linked_id: str,
    at: datetime,
    *,
    agent: str | None = None,
    member: str | None = None,
    queue: str | None = None,
    answered: bool = True,
) -> int:
    async with crm.db.write() as session:
        agent_id = await session.scalar(select(User.id).where(User.login == agent))
        member_id = await session.scalar(select(Member.id).where(Member.number == member))
        call = CallRecord(
            linked_id=linked_id,
            direction=Direction.INBOUND,
            caller="13812345678",
            queue=queue,
            agent_id=agent_id,
            member_id=member_id,
            started_at=at,
            answered_at=at + timedelta(seconds=20) if answered else None,
            abandoned=not answered,
        )
        session.add(call)
        await session.flush()
        return call.id


def picks(questionnaire: QuestionnaireView, *positions: int) -> list[dict[str, Any]]:
    """Answers choosing option ``positions[i]`` for question i+1."""
    return [
        {
            "question_id": questionnaire.question_at(number).id,
            "option_ids": [questionnaire.question_at(number).options[choice - 1].id],
        }
        for number, choice in enumerate(positions, start=1)
    ]


MARKET_RESEARCH: dict[str, Any] = {
    "code": "gps-interest",
    "title": "车载导航需求调查",
    "title_en": "Car navigation interest",
    "kind": "market_research",
    "questions": [
        {
            "kind": "multiple",
            "text": "您使用哪些功能？",
            "options": [
                {"label": "导航", "score": 2},
                {"label": "电子狗", "score": 1},
                {"label": "音乐"},
            ],
        },
        {"kind": "rating", "text": "总体满意度", "rating_min": 1, "rating_max": 5},
        {"kind": "text", "text": "其他建议", "required": False},
    ],
}


async def test_the_seed_questionnaire_is_created_once(surveys: Surveys) -> None:
    first = await ensure_phone_service_evaluation(surveys.questionnaires)
    again = await ensure_phone_service_evaluation(surveys.questionnaires, actor="someone-else")
    assert again == first
    assert (first.code, first.title, first.title_en) == (
        PSE,
        "电话服务评价",
        "Phone service evaluation",
    )
    assert (first.kind, first.version, first.status) == (
        SurveyKind.PHONE_SURVEY,
        1,
        VersionStatus.PUBLISHED,
    )
    assert [len(q.options) for q in first.questions] == [3, 6, 3, 3, 3]
    assert all(q.kind is QuestionKind.SINGLE and q.required for q in first.questions)
    waiting = first.question_at(2)
    assert [o.keypad for o in waiting.options] == [1, 2, 3, 4, 5, 6]
    assert (waiting.options[-1].label, waiting.options[-1].score) == ("不确定", None)
    courtesy = first.question_at(3)
    assert [(o.label, o.label_en, o.score) for o in courtesy.options] == [
        ("优秀", "Excellent", 5),
        ("良好", "Good", 3),
        ("差", "Poor", 1),
    ]
    assert courtesy.text_en == "Courtesy of the representative"
    [summary] = await surveys.questionnaires.catalogue()
    assert (summary.code, summary.version, summary.responses) == (PSE, 1, 0)


async def test_an_agent_surveys_the_caller_of_a_call(
    any_crm: Crm, surveys: Surveys, clock: Clock
) -> None:
    pse = await ensure_phone_service_evaluation(surveys.questionnaires)
    member = await new_member(any_crm)
    await add_agent(any_crm, "agent7", "王芳")
    await add_call(any_crm, "1700000000.1", clock(), agent="agent7", member=member, queue="vip")

    started = await surveys.responses.start(
        {"questionnaire": PSE, "channel": "agent", "call_linked_id": "1700000000.1"}
    )
    # member, agent and queue come from the call record
    assert (started.member_number, started.agent, started.queue) == (member, "agent7", "vip")
    assert (started.version, started.completed, started.score) == (1, False, None)
    clock.advance(seconds=40)
    answered = await surveys.responses.answer(started.id, picks(pse, 1, 2, 1, 1, 2))
    assert [a.options[0].label for a in answered.answers] == [
        "第一位接听人员",
        "少于30秒",
        "优秀",
        "优秀",
        "良好",
    ]
    done = await surveys.responses.complete(started.id)
    assert done.completed_at == clock()
    assert done.score == Decimal("4.40")  # (5 + 4 + 5 + 5 + 3) / 5
    assert await surveys.responses.complete(started.id) == done  # completing again: unchanged
    assert await surveys.responses.get(started.id) == done
    assert await surveys.responses.last_completed(member) == done
    assert [r.id for r in await surveys.responses.of_member(member)] == [started.id]
    with pytest.raises(AlreadySurveyedError):  # one response per call and questionnaire
        await surveys.responses.start(
            {"questionnaire": PSE, "channel": "ivr", "call_linked_id": "1700000000.1"}
        )


async def test_a_caller_answers_by_keypad_and_hangs_up_half_way(
    any_crm: Crm, surveys: Surveys, clock: Clock
) -> None:
    pse = await ensure_phone_service_evaluation(surveys.questionnaires)
    call_id = await add_call(any_crm, "1700000000.2", clock(), queue="general")
    response = await surveys.responses.start(
        {"questionnaire": PSE, "channel": "ivr", "call_id": call_id}
    )
    for position, digit in ((1, "2"), (2, "6"), (3, "1")):
        clock.advance(seconds=5)
        await surveys.responses.answer(
            response.id, {"question_id": pse.question_at(position).id, "keypad": digit}
        )
    # the caller presses again on question 1: the new answer replaces the first
    again = await surveys.responses.answer(
        response.id, {"question_id": pse.question_at(1).id, "keypad": "3"}
    )
    assert [a.options[0].keypad for a in again.answers] == [3, 6, 1]
    assert again.score == Decimal("3.00")  # (1 + 5) / 2: "not sure" has no score
    # hang-up: the partial response keeps what was given and cannot be completed
    with pytest.raises(IncompleteResponseError) as refused:
        await surveys.responses.complete(response.id)
    assert refused.value.details["missing"] == [4, 5]
    kept = await surveys.responses.get(response.id)
    assert (kept.completed, len(kept.answers), kept.queue, kept.call_linked_id) == (
        False,
        3,
        "general",
        "1700000000.2",
    )


async def test_choice_rating_and_text_questions_by_link(any_crm: Crm, surveys: Surveys) -> None:
    survey = await surveys.questionnaires.create(MARKET_RESEARCH, actor="mgr", publish=True)
    member = await new_member(any_crm)
    await any_crm.users.add({"login": "agent9", "display_name": "Agent 9", "role": "agent"})
    request = await any_crm.service_desk.requests.open(
        {"subject": "GPS 地图", "request_type": "suggestion", "member_number": member},
        actor="agent9",
    )
    request_id = int(request.number.removeprefix("SR-"))
    functions, rating, remarks = survey.questions
    assert [o.keypad for o in functions.options] == [1, 2, 3]
    with pytest.raises(NotFoundError):  # a service request that does not exist
        await surveys.responses.submit(
            {"questionnaire": "gps-interest", "channel": "link", "service_request_id": 4242,
             "answers": [{"question_id": rating.id, "rating": 4}]}
        )  # fmt: skip
    submitted = await surveys.responses.submit(
        {
            "questionnaire": "gps-interest",
            "channel": "link",
            "member_number": member.lower(),
            "service_request_id": request_id,
            "answers": [
                {"question_id": functions.id, "keypad": "13"},
                {"question_id": rating.id, "rating": 4},
                {"question_id": remarks.id, "text": "希望支持离线地图\n谢谢"},
            ],
        }
    )
    assert submitted.completed and submitted.service_request_id == request_id
    chosen, remark = submitted.answer_to(functions.id), submitted.answer_to(remarks.id)
    assert chosen is not None and [o.label for o in chosen.options] == ["导航", "音乐"]
    assert remark is not None and remark.text == "希望支持离线地图\n谢谢"
    assert submitted.score == Decimal("3.00")  # (2 + 4) / 2: music unscored, text not scored
    # the optional text question may stay unanswered
    short = await surveys.responses.submit(
        {
            "questionnaire": "gps-interest",
            "channel": "link",
            "answers": [
                {"question_id": functions.id, "option_ids": [functions.options[2].id]},
                {"question_id": rating.id, "keypad": "5"},
            ],
        }
    )
    assert short.completed and short.score == Decimal("5.00") and short.member_number is None


async def test_editing_an_answered_questionnaire_makes_a_new_version(surveys: Surveys) -> None:
    draft = await surveys.questionnaires.create(MARKET_RESEARCH, actor="mgr")
    assert (draft.version, draft.status) == (1, VersionStatus.DRAFT)
    with pytest.raises(SurveyNotOpenError):
        await surveys.responses.start({"questionnaire": "gps-interest", "channel": "link"})
    # no responses yet: edited in place
    questions = [*MARKET_RESEARCH["questions"][:2]]
    edited = await surveys.questionnaires.edit(
        "gps-interest", {"questions": questions, "title": "导航需求"}, actor="mgr"
    )
    assert (edited.version, edited.title, len(edited.questions)) == (1, "导航需求", 2)
    published = await surveys.questionnaires.publish("gps-interest", actor="mgr")
    assert published.status is VersionStatus.PUBLISHED and published.published_at is not None
    first = await surveys.responses.start({"questionnaire": "gps-interest", "channel": "link"})
    old_rating = published.question_at(2)
    await surveys.responses.answer(first.id, {"question_id": old_rating.id, "rating": 2})

    # answered now: the edit makes version 2, published, and retires version 1
    wider = {**questions[1], "rating_min": 0, "rating_max": 10}
    second = await surveys.questionnaires.edit(
        "gps-interest", {"questions": [questions[0], wider]}, actor="mgr"
    )
    assert (second.version, second.status) == (2, VersionStatus.PUBLISHED)
    old = await surveys.questionnaires.get("gps-interest", version=1)
    assert old.status is VersionStatus.RETIRED and old.question_at(2).rating_max == 5
    # the response started on version 1 goes on with version 1's questions
    with pytest.raises(InvalidAnswerError):
        await surveys.responses.answer(first.id, {"question_id": old_rating.id, "rating": 9})
    with pytest.raises(InvalidAnswerError):  # version 2's question is not in that response
        await surveys.responses.answer(
            first.id, {"question_id": second.question_at(2).id, "rating": 2}
        )
    await surveys.responses.answer(
        first.id,
        {"question_id": old.question_at(1).id, "option_ids": [old.question_at(1).options[0].id]},
    )
    assert (await surveys.responses.complete(first.id)).version == 1
    later = await surveys.responses.start({"questionnaire": "gps-interest", "channel": "link"})
    assert later.version == 2
    [summary] = await surveys.questionnaires.catalogue()
    assert (summary.version, summary.status, summary.responses) == (2, VersionStatus.PUBLISHED, 2)
    # retired: no new responses, until published again
    await surveys.questionnaires.retire("gps-interest", actor="mgr")
    with pytest.raises(SurveyNotOpenError):
        await surveys.questionnaires.published("gps-interest")
    with pytest.raises(SurveyNotOpenError):
        await surveys.responses.start({"questionnaire": "gps-interest", "channel": "link"})
    assert (await surveys.questionnaires.publish("gps-interest", actor="mgr")).version == 2


async def test_bad_answers_change_nothing(any_crm: Crm, surveys: Surveys, clock: Clock) -> None:
    pse = await ensure_phone_service_evaluation(surveys.questionnaires)
    other = await surveys.questionnaires.create(MARKET_RESEARCH, actor="mgr", publish=True)
    member = await new_member(any_crm)
    await add_agent(any_crm, "agent7", "王芳")
    await add_call(any_crm, "1700000000.3", clock(), agent="agent7")
    response = await surveys.responses.start(
        {"questionnaire": PSE, "channel": "agent", "member_number": member, "agent": "agent7"}
    )
    await surveys.responses.answer(response.id, picks(pse, 1))
    q1, q2 = pse.question_at(1), pse.question_at(2)
    before = await snapshot(any_crm.db)

    bad_answers: list[Any] = [
        {"question_id": q1.id, "option_ids": [q2.options[0].id]},  # another question's option
        {"question_id": q1.id, "option_ids": [other.question_at(1).options[0].id]},
        {"question_id": other.question_at(2).id, "rating": 3},  # another questionnaire's question
        {"question_id": 999_999, "option_ids": [q1.options[0].id]},
        {"question_id": q1.id, "option_ids": [q1.options[0].id, q1.options[1].id]},  # single
        {"question_id": q1.id, "keypad": "7"},  # no option 7
        {"question_id": q1.id, "keypad": "12"},  # two digits for a single choice
        {"question_id": q1.id, "rating": 3},
        {"question_id": q1.id, "text": "good"},
        [picks(pse, 2)[0], picks(pse, 3)[0]],  # the same question twice
        [picks(pse, 1, 1)[1], {"question_id": q1.id, "keypad": "9"}],  # one bad: none kept
    ]
    for bad in bad_answers:
        with pytest.raises(InvalidAnswerError):
            await surveys.responses.answer(response.id, bad)
    for malformed in (
        {"question_id": q1.id},  # no answer at all
        {"question_id": q1.id, "keypad": "1", "rating": 1},  # two kinds of answer
        {"question_id": q1.id, "keypad": "#"},
        {"question_id": q1.id, "option_ids": []},
        {"question_id": q1.id, "text": "bad\x00byte"},
        {"question_id": q1.id, "keypad": "1", "extra": True},
        [],
    ):
        with pytest.raises(InvalidInputError):
            await surveys.responses.answer(response.id, malformed)
    with pytest.raises(ResponseNotFoundError):
        await surveys.responses.answer(999_999, picks(pse, 1))
    with pytest.raises(IncompleteResponseError):
        await surveys.responses.complete(response.id)

    starts: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"member_number": "I-99999999"}, NotFoundError),
        ({"agent": "nobody"}, AgentNotFoundError),
        ({"call_id": 999_999}, UnknownCallError),
        ({"questionnaire": "no-such-survey"}, QuestionnaireNotFoundError),
        ({"channel": "fax"}, InvalidInputError),
        ({"queue": "vip\r\nAction: Hangup"}, InvalidInputError),
        ({"call_id": 1, "call_linked_id": "1700000000.3"}, InvalidInputError),
        ({"service_request_id": 0}, InvalidInputError),
    ]
    for change, error in starts:
        with pytest.raises(error):
            await surveys.responses.start({"questionnaire": PSE, "channel": "agent", **change})
    with pytest.raises(IncompleteResponseError):  # submit is all or nothing
        await surveys.responses.submit(
            {"questionnaire": PSE, "channel": "link", "answers": picks(pse, 1, 1, 1)}
        )
    with pytest.raises(InvalidAnswerError):
        await surveys.responses.submit(
            {
                "questionnaire": PSE,
                "channel": "link",
                "call_linked_id": "1700000000.3",
                "answers": [*picks(pse, 1, 1, 1, 1), {"question_id": q1.id, "keypad": "8"}],
            }
        )
    assert await snapshot(any_crm.db) == before

    await surveys.responses.answer(response.id, picks(pse, 1, 1, 1, 1, 1))
    await surveys.responses.complete(response.id)
    closed = await snapshot(any_crm.db)
    with pytest.raises(ResponseClosedError):
        await surveys.responses.answer(response.id, picks(pse, 3))
    assert await snapshot(any_crm.db) == closed


async def test_bad_questionnaires_change_nothing(any_crm: Crm, surveys: Surveys) -> None:
    await surveys.questionnaires.create(MARKET_RESEARCH, actor="mgr")
    before = await snapshot(any_crm.db)
    choice = {"kind": "single", "text": "Q", "options": [{"label": "a"}, {"label": "b"}]}
    broken_questions: list[dict[str, Any]] = [
        {"kind": "text", "text": "Q", "options": [{"label": "a"}]},
        {"kind": "rating", "text": "Q"},
        {"kind": "rating", "text": "Q", "rating_min": 5, "rating_max": 5},
        {"kind": "single", "text": "Q", "options": [{"label": "a"}]},
        {**choice, "rating_min": 1, "rating_max": 5},
        {**choice, "options": [{"label": "a"}, {"label": "a"}]},
        {**choice, "options": [{"label": "a", "keypad": 1}, {"label": "b"}]},
        {**choice, "options": [{"label": "a", "keypad": 2}, {"label": "b", "keypad": 2}]},
    ]
    for question in broken_questions:
        body = {**MARKET_RESEARCH, "code": "broken", "questions": [question]}
        with pytest.raises(InvalidQuestionnaireError):
            await surveys.questionnaires.create(body, actor="mgr")
        with pytest.raises(InvalidQuestionnaireError):
            await surveys.questionnaires.edit("gps-interest", {"questions": [question]}, actor="m")
    for malformed in (
        {**MARKET_RESEARCH, "code": "Bad Code"},
        {**MARKET_RESEARCH, "code": "ok-code", "kind": "poll"},
        {**MARKET_RESEARCH, "code": "ok-code", "questions": []},
        {**MARKET_RESEARCH, "code": "ok-code", "colour": "red"},
        {**MARKET_RESEARCH, "code": "ok-code", "title": "a\nb"},
        {**MARKET_RESEARCH, "code": "ok-code", "questions": [{**choice, "kind": "ranking"}]},
        {
            **MARKET_RESEARCH,
            "code": "ok-code",
            "questions": [{**choice, "options": [{"label": "a", "keypad": 0}, {"label": "b"}]}],
        },
    ):
        with pytest.raises(InvalidInputError):
            await surveys.questionnaires.create(malformed, actor="mgr")
    with pytest.raises(InvalidInputError):
        await surveys.questionnaires.create({**MARKET_RESEARCH, "code": "ok-code"}, actor=" ")
    with pytest.raises(DuplicateQuestionnaireError):
        await surveys.questionnaires.create(MARKET_RESEARCH, actor="mgr")
    with pytest.raises(QuestionnaireNotFoundError):
        await surveys.questionnaires.edit("nope", {"title": "x"}, actor="mgr")
    with pytest.raises(QuestionnaireNotFoundError):
        await surveys.questionnaires.get("gps-interest", version=7)
    assert await snapshot(any_crm.db) == before


async def test_analysis_of_a_phone_survey(any_crm: Crm, surveys: Surveys, clock: Clock) -> None:
    pse = await ensure_phone_service_evaluation(surveys.questionnaires)
    await add_agent(any_crm, "agent7", "王芳")
    await add_agent(any_crm, "agent8", "李强")
    since = clock()
    plan = [  # (agent, queue, choices; None = hung up after 3 answers)
        ("agent7", "vip", (1, 1, 1, 1, 1)),  # 5 5 5 5 5 → 5
        ("agent7", "general", (2, 6, 2, 2, 3)),  # 3 - 3 3 1 → 2.5
        ("agent8", "general", (3, 5, 3, 3, 3)),  # 1 1 1 1 1 → 1
        ("agent8", "general", None),  # partial: counted in distributions only
    ]
    for index, (agent, queue, choices) in enumerate(plan):
        linked_id = f"1700000100.{index}"
        await add_call(any_crm, linked_id, clock(), agent=agent, queue=queue)
        start = {"questionnaire": PSE, "channel": "ivr", "call_linked_id": linked_id}
        if choices is None:
            response = await surveys.responses.start(start)
            await surveys.responses.answer(response.id, picks(pse, 1, 2, 1))
        else:
            await surveys.responses.submit({**start, "answers": picks(pse, *choices)})
        clock.advance(minutes=10)
    await add_call(any_crm, "1700000100.9", clock())  # answered, not surveyed
    await add_call(any_crm, "1700000100.10", clock(), answered=False)
    until = clock.advance(minutes=1)
    # outside the period: not counted
    clock.advance(days=1)
    await surveys.responses.submit(
        {"questionnaire": PSE, "channel": "link", "answers": picks(pse, 1, 1, 1, 1, 1)}
    )

    figures = await surveys.reports.analyse(PSE, since=since, until=until)
    assert (figures.offered, figures.completed, figures.response_rate) == (4, 3, Decimal("0.7500"))
    assert (figures.answered_calls, figures.call_response_rate) == (5, Decimal("0.6000"))
    assert (figures.scored_responses, figures.mean_score) == (3, Decimal("2.83"))  # 8.5 / 3
    assert [(g.key, g.name, g.responses, g.mean_score) for g in figures.by_agent] == [
        ("agent7", "王芳", 2, Decimal("3.75")),
        ("agent8", "李强", 1, Decimal("1.00")),
    ]
    assert [(g.key, g.responses, g.mean_score) for g in figures.by_queue] == [
        ("general", 2, Decimal("1.75")),
        ("vip", 1, Decimal("5.00")),
    ]
    [version] = figures.versions
    assert (version.version, version.responses) == (1, 4)
    handled, waiting, courtesy, _, knowledge = version.questions
    assert [o.count for o in handled.options] == [2, 1, 1]  # the partial one counts here
    assert [o.count for o in waiting.options] == [1, 1, 0, 0, 1, 1]
    assert waiting.mean_score == Decimal("3.33")  # (5 + 4 + 1) / 3, "not sure" left out
    assert (courtesy.answered, knowledge.answered) == (4, 3)
    assert [o.count for o in knowledge.options] == [1, 0, 2]
    assert knowledge.mean_score == Decimal("2.33")

    later = await surveys.reports.analyse(PSE, since=until, until=until + timedelta(days=2))
    assert (later.offered, later.completed, later.answered_calls) == (1, 1, 0)
    assert later.call_response_rate is None and later.by_agent[0].key is None
    empty = await surveys.reports.analyse(PSE, since=until - timedelta(days=9), until=since)
    assert (empty.offered, empty.response_rate, empty.mean_score, empty.versions) == (
        0,
        None,
        None,
        (),
    )
    with pytest.raises(InvalidInputError):
        await surveys.reports.analyse(PSE, since=until, until=since)
    with pytest.raises(QuestionnaireNotFoundError):
        await surveys.reports.analyse("nope", since=since, until=until)


async def test_analysis_of_ratings_and_versions(surveys: Surveys, clock: Clock) -> None:
    survey = await surveys.questionnaires.create(MARKET_RESEARCH, actor="mgr", publish=True)
    since = clock()
    functions, rating, _ = survey.questions
    for value in (4, 4, 2):
        await surveys.responses.submit(
            {
                "questionnaire": "gps-interest",
                "channel": "link",
                "answers": [
                    {"question_id": functions.id, "keypad": "12"},
                    {"question_id": rating.id, "rating": value},
                ],
            }
        )
    edited = await surveys.questionnaires.edit(
        "gps-interest", {"questions": MARKET_RESEARCH["questions"][1:]}, actor="mgr"
    )
    await surveys.responses.submit(
        {
            "questionnaire": "gps-interest",
            "channel": "agent",
            "answers": [{"question_id": edited.question_at(1).id, "rating": 5}],
        }
    )
    figures = await surveys.reports.analyse(
        "gps-interest", since=since, until=clock.advance(hours=1)
    )
    assert figures.answered_calls is None  # not a phone survey
    first, second = figures.versions
    assert (first.version, first.responses, second.version, second.responses) == (1, 3, 2, 1)
    assert [o.count for o in first.questions[0].options] == [3, 3, 0]
    assert [(r.value, r.count) for r in first.questions[1].ratings] == [(2, 1), (4, 2)]
    assert first.questions[1].mean_score == Decimal("3.33")
    assert first.questions[2].answered == 0
    assert [(r.value, r.count) for r in second.questions[0].ratings] == [(5, 1)]
    # scores per response: (2+1+4)/3, (2+1+4)/3, (2+1+2)/3, 5 → (19/3 + 5) / 4 = 2.8333…
    assert figures.mean_score == Decimal("2.83")
    assert [(g.key, g.responses) for g in figures.by_queue] == [(None, 4)]


async def test_concurrent_starts_on_one_call_give_one_response(
    any_crm: Crm, surveys: Surveys, clock: Clock
) -> None:
    await ensure_phone_service_evaluation(surveys.questionnaires)
    await add_call(any_crm, "1700000200.1", clock())
    start = {"questionnaire": PSE, "channel": "ivr", "call_linked_id": "1700000200.1"}
    outcomes = await asyncio.gather(
        *(surveys.responses.start(start) for _ in range(4)), return_exceptions=True
    )
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, AlreadySurveyedError) for o in outcomes if isinstance(o, Exception))
    assert any(r.channel is SurveyChannel.IVR for r in outcomes if not isinstance(r, Exception))


async def test_concurrent_seeding_creates_one_questionnaire(surveys: Surveys) -> None:
    # return_exceptions: a failing seed must not leave the others running past the test
    seeded = await asyncio.gather(
        *(ensure_phone_service_evaluation(surveys.questionnaires) for _ in range(3)),
        return_exceptions=True,
    )
    assert not [s for s in seeded if isinstance(s, BaseException)], seeded
    assert seeded[0] == seeded[1] == seeded[2]
    assert [s.code for s in await surveys.questionnaires.catalogue()] == [PSE]
