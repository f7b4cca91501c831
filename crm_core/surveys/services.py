"""Questionnaires: define, edit (versioned once answered), publish, retire, read.

Versions. Only a questionnaire's newest version may be draft or published; every older
one is retired. Responses always start on the published version. Editing the questions
of a version that has no responses yet changes it in place; once a version has
responses, an edit makes version N+1 with the new questions (published if N was, a
draft otherwise) and retires N, so old responses keep the questions they answered.
Title and kind belong to the questionnaire, not to a version: changing them alone
changes no version.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.surveys.exceptions import (
    DuplicateQuestionnaireError,
    InvalidQuestionnaireError,
    SurveyNotOpenError,
)
from crm_core.surveys.models import (
    Questionnaire,
    QuestionnaireVersion,
    SurveyResponse,
    VersionStatus,
)
from crm_core.surveys.repository import (
    add_questions,
    load_questionnaire,
    load_version,
    questionnaire_view,
    remove_questions,
    violates,
)
from crm_core.surveys.rules import definition_problems
from crm_core.surveys.schemas import QuestionInput, QuestionnaireCreate, QuestionnaireEdit
from crm_core.surveys.views import QuestionnaireSummary, QuestionnaireView
from crm_core.validation import parse

MAX_ACTOR = 64


def _actor(actor: str) -> str:
    value = actor.strip()
    if not value or len(value) > MAX_ACTOR or not value.isprintable():
        raise InvalidInputError(f"actor must be 1–{MAX_ACTOR} printable characters", actor=actor)
    return value


def _check(questions: list[QuestionInput] | None) -> None:
    problems = definition_problems(questions or [])
    if problems:
        raise InvalidQuestionnaireError("; ".join(problems), problems=problems)


def _has_responses(session: Session, version: QuestionnaireVersion) -> bool:
    answered = session.scalar(select(exists().where(SurveyResponse.version_id == version.id)))
    return bool(answered)


def _create(
    session: Session, data: QuestionnaireCreate, actor: str, publish: bool, now: datetime
) -> QuestionnaireView:
    if session.scalar(select(Questionnaire.id).where(Questionnaire.code == data.code)):
        raise DuplicateQuestionnaireError(
            f"questionnaire {data.code!r} already exists", questionnaire=data.code
        )
    questionnaire = Questionnaire(
        code=data.code, title=data.title, title_en=data.title_en, kind=data.kind, created_at=now
    )
    session.add(questionnaire)
    session.flush()
    version = QuestionnaireVersion(
        questionnaire_id=questionnaire.id,
        number=1,
        status=VersionStatus.PUBLISHED if publish else VersionStatus.DRAFT,
        created_by=actor,
        created_at=now,
        published_at=now if publish else None,
    )
    session.add(version)
    session.flush()
    add_questions(session, version.id, data.questions)
    return questionnaire_view(session, questionnaire, version)


class QuestionnaireService:
    """Questionnaire definitions and their versions."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def create(
        self,
        data: QuestionnaireCreate | Mapping[str, Any],
        *,
        actor: str,
        publish: bool = False,
    ) -> QuestionnaireView:
        """A new questionnaire; its version 1 is a draft unless ``publish``."""
        definition, who = parse(QuestionnaireCreate, data), _actor(actor)
        _check(definition.questions)
        try:
            return await self._db.run_write(
                lambda session: _create(session, definition, who, publish, self.clock())
            )
        except IntegrityError as error:  # the same code created at the same moment elsewhere
            if not violates(error, "uq_questionnaires_code", "questionnaires.code"):
                raise
            raise DuplicateQuestionnaireError(
                f"questionnaire {definition.code!r} already exists", questionnaire=definition.code
            ) from None

    async def ensure(
        self, data: QuestionnaireCreate | Mapping[str, Any], *, actor: str
    ) -> QuestionnaireView:
        """Create and publish a questionnaire unless its code exists; either way return it.

        An existing questionnaire is returned as its newest version reads, unchanged.
        """
        definition, who = parse(QuestionnaireCreate, data), _actor(actor)
        _check(definition.questions)

        def work(session: Session) -> QuestionnaireView:
            existing = session.scalars(
                select(Questionnaire).where(Questionnaire.code == definition.code)
            ).one_or_none()
            if existing is not None:
                return questionnaire_view(session, existing, load_version(session, existing))
            return _create(session, definition, who, True, self.clock())

        try:
            return await self._db.run_write(work)
        except DuplicateQuestionnaireError:
            # Created and committed concurrently between this transaction's first look
            # and _create's own check (READ COMMITTED sees it then): it exists now.
            return await self.get(definition.code)
        except IntegrityError as error:  # created concurrently, committed after our insert
            if not violates(error, "uq_questionnaires_code", "questionnaires.code"):
                raise
            return await self.get(definition.code)

    async def edit(
        self, code: str, data: QuestionnaireEdit | Mapping[str, Any], *, actor: str
    ) -> QuestionnaireView:
        """Change title, kind or questions; returns the version the questions are now in."""
        changes, who = parse(QuestionnaireEdit, data), _actor(actor)
        if changes.questions is not None:
            _check(changes.questions)

        def work(session: Session) -> QuestionnaireView:
            questionnaire = load_questionnaire(session, code, lock=True)
            version = load_version(session, questionnaire, lock=True)
            fields = changes.model_dump(exclude_unset=True, exclude={"questions"})
            for name, value in fields.items():
                if value is not None or name == "title_en":
                    setattr(questionnaire, name, value)
            if changes.questions is None:
                return questionnaire_view(session, questionnaire, version)
            if not _has_responses(session, version):
                remove_questions(session, version.id)
                add_questions(session, version.id, changes.questions)
                return questionnaire_view(session, questionnaire, version)
            now = self.clock()
            published = version.status is VersionStatus.PUBLISHED
            if version.status is not VersionStatus.RETIRED:
                version.status, version.retired_at = VersionStatus.RETIRED, now
            successor = QuestionnaireVersion(
                questionnaire_id=questionnaire.id,
                number=version.number + 1,
                status=VersionStatus.PUBLISHED if published else VersionStatus.DRAFT,
                created_by=who,
                created_at=now,
                published_at=now if published else None,
            )
            session.add(successor)
            session.flush()
            add_questions(session, successor.id, changes.questions)
            return questionnaire_view(session, questionnaire, successor)

        return await self._db.run_write(work)

    async def publish(self, code: str, *, actor: str) -> QuestionnaireView:
        """Open the newest version for answers (a draft, or a retired one again)."""
        _actor(actor)
        return await self._db.run_write(
            lambda session: self._set_status(session, code, VersionStatus.PUBLISHED)
        )

    async def retire(self, code: str, *, actor: str) -> QuestionnaireView:
        """Stop offering the questionnaire: its newest version is retired."""
        _actor(actor)
        return await self._db.run_write(
            lambda session: self._set_status(session, code, VersionStatus.RETIRED)
        )

    def _set_status(self, session: Session, code: str, status: VersionStatus) -> QuestionnaireView:
        questionnaire = load_questionnaire(session, code, lock=True)
        version = load_version(session, questionnaire, lock=True)
        if version.status is not status:
            now = self.clock()
            version.status = status
            if status is VersionStatus.PUBLISHED:
                version.published_at, version.retired_at = now, None
            else:
                version.retired_at = now
        return questionnaire_view(session, questionnaire, version)

    async def get(self, code: str, *, version: int | None = None) -> QuestionnaireView:
        """A questionnaire as version ``version`` reads (the newest when None)."""
        async with self._db.read() as session:
            return await session.run_sync(_read, code, version)

    async def published(self, code: str) -> QuestionnaireView:
        """The version that is answerable now (what the IVR and the console read)."""
        view = await self.get(code)
        if view.status is not VersionStatus.PUBLISHED:
            raise SurveyNotOpenError(f"questionnaire {code!r} is not published", questionnaire=code)
        return view

    async def catalogue(self) -> list[QuestionnaireSummary]:
        """Every questionnaire with its newest version and its response count, by code."""
        newest = (
            select(
                QuestionnaireVersion.questionnaire_id,
                func.max(QuestionnaireVersion.number).label("number"),
            )
            .group_by(QuestionnaireVersion.questionnaire_id)
            .subquery()
        )
        responses = (
            select(SurveyResponse.questionnaire_id, func.count().label("count"))
            .group_by(SurveyResponse.questionnaire_id)
            .subquery()
        )
        query = (
            select(
                Questionnaire,
                QuestionnaireVersion.number,
                QuestionnaireVersion.status,
                func.coalesce(responses.c.count, 0),
            )
            .join(newest, newest.c.questionnaire_id == Questionnaire.id)
            .join(
                QuestionnaireVersion,
                (QuestionnaireVersion.questionnaire_id == Questionnaire.id)
                & (QuestionnaireVersion.number == newest.c.number),
            )
            .outerjoin(responses, responses.c.questionnaire_id == Questionnaire.id)
            .order_by(Questionnaire.code)
        )
        async with self._db.read() as session:
            rows = (await session.execute(query)).all()
        return [
            QuestionnaireSummary(
                code=questionnaire.code,
                title=questionnaire.title,
                kind=questionnaire.kind,
                version=number,
                status=status,
                responses=count,
            )
            for questionnaire, number, status, count in rows
        ]


def _read(session: Session, code: str, number: int | None) -> QuestionnaireView:
    questionnaire = load_questionnaire(session, code)
    return questionnaire_view(session, questionnaire, load_version(session, questionnaire, number))
