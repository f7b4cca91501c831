"""Post-call survey: the caller answers the "Phone service evaluation" by keypad.

The dialplan runs it after ``Queue(…,c)`` returns; only a call an agent answered
(``MEMBERINTERFACE`` set by app_queue) is surveyed. It runs when the
queue's policy says ``always``, or ``opt-in`` and the agent opted the caller in
(channel variable ``CTIDESK_SURVEY=yes``). Each answer is stored as it is given, so a
caller who hangs up keeps the answers already given; an invalid key or silence repeats
the question once, then skips it.
"""

from __future__ import annotations

import contextlib
import logging

from crm_core.errors import CrmError
from crm_core.surveys.models import QuestionKind
from crm_core.surveys.rules import keypad_keys
from crm_core.surveys.views import QuestionnaireView, QuestionView
from ivr import prompts
from ivr.flows.common import MEMBER, FlowDeps
from ivr.session import AgiSession

log = logging.getLogger(__name__)
OPT_IN = "CTIDESK_SURVEY"


async def ask(session: AgiSession, question: QuestionView, wait: float) -> str | None:
    """One question: the key pressed, asked twice at most; ``None`` means skipped."""
    allowed = keypad_keys(question)
    if not allowed:
        return None
    for attempt in range(2):
        key = await session.read_key(prompts.QUESTION, wait=wait, allowed=allowed)
        if key is not None:
            return key
        if attempt == 0:
            await session.play(prompts.INVALID)
    return None


async def _who(
    session: AgiSession, deps: FlowDeps, interface: str
) -> tuple[str | None, str | None]:
    """(agent login, member number) of the call that just ended, where known."""
    user = await deps.crm.users.user_by_interface(interface)
    member = await session.variable(MEMBER)
    if member is None and session.env.caller:
        found = await deps.crm.directory.lookup(session.env.caller)
        member = found[0].number if len(found) == 1 else None
    return (user.login if user else None), member


async def survey_flow(session: AgiSession, deps: FlowDeps) -> None:
    """Run the post-call survey if the queue's policy (or the agent) asks for it."""
    config = deps.config
    queue = await session.variable("QUEUENAME")
    answered_by = await session.variable("MEMBERINTERFACE")  # set once an agent answered
    opted_in = (await session.variable(OPT_IN)) == "yes"
    if not queue or not answered_by or not config.survey_wanted(queue, opted_in):
        return
    try:
        questionnaire = await deps.crm.questionnaires.published(config.survey_questionnaire)
    except CrmError as error:
        log.warning("no survey: questionnaire %r: %s", config.survey_questionnaire, error)
        return
    agent, member = await _who(session, deps, answered_by)
    linked_id = await session.variable("CHANNEL(linkedid)")
    response = await deps.crm.survey_responses.start(
        {"questionnaire": questionnaire.code, "channel": "ivr", "member_number": member,
         "agent": agent, "queue": queue}
    )  # fmt: skip
    if linked_id:
        await deps.crm.selfservice.link_survey_call(response.id, linked_id)
        deps.survey_started(linked_id)
    await answer_questions(session, deps, questionnaire, response.id)


async def answer_questions(
    session: AgiSession, deps: FlowDeps, questionnaire: QuestionnaireView, response_id: int
) -> None:
    """Ask every question of ``questionnaire`` and store each answer as it is given, then
    complete the response and thank the caller."""
    for question in questionnaire.questions:
        key = await ask(session, question, deps.config.keypad_timeout)
        if key is None:
            continue
        answer = (
            {"question_id": question.id, "rating": int(key)}
            if question.kind is QuestionKind.RATING
            else {"question_id": question.id, "keypad": key}
        )
        await deps.crm.survey_responses.answer(response_id, answer)
    # A skipped required question leaves the response partial, with the answers given.
    with contextlib.suppress(CrmError):
        await deps.crm.survey_responses.complete(response_id)
    await session.play(prompts.THANKS)
