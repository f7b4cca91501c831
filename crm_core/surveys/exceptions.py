"""Errors of the survey services; nothing in the database changed when one is raised."""

from __future__ import annotations

from crm_core.errors import ConflictError, InvalidInputError, NotFoundError


class QuestionnaireNotFoundError(NotFoundError):
    """No questionnaire (or no such version of it) by that code."""

    error_id = "questionnaire-not-found"


class DuplicateQuestionnaireError(ConflictError):
    """A questionnaire code that is already taken."""

    error_id = "duplicate-questionnaire"


class InvalidQuestionnaireError(InvalidInputError):
    """A questionnaire definition that breaks a rule (options of a text question, …)."""

    error_id = "invalid-questionnaire"


class SurveyNotOpenError(ConflictError):
    """The questionnaire has no published version: it cannot be answered now."""

    error_id = "survey-not-open"


class ResponseNotFoundError(NotFoundError):
    """No survey response with that id."""

    error_id = "survey-response-not-found"


class ResponseClosedError(ConflictError):
    """The response is completed: its answers can no longer change."""

    error_id = "survey-response-closed"


class AlreadySurveyedError(ConflictError):
    """The call already has a response to this questionnaire."""

    error_id = "call-already-surveyed"


class InvalidAnswerError(InvalidInputError):
    """An answer that does not fit its question (another question's option, out of range…)."""

    error_id = "invalid-answer"


class IncompleteResponseError(InvalidInputError):
    """Required questions are still unanswered, so the response cannot be completed."""

    error_id = "survey-incomplete"


class AgentNotFoundError(NotFoundError):
    """No staff user with that login."""

    error_id = "agent-not-found"


class UnknownCallError(NotFoundError):
    """No call record with that id or linked id."""

    error_id = "call-not-found"
