"""Campaign definitions: checking a spec field by field, storing it, reading it, moving
its status (start, pause, resume, stop)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.calls.models import DispositionCode, DispositionScope
from crm_core.campaigns.exceptions import (
    CampaignNotFoundError,
    CampaignStateError,
    DuplicateCampaignError,
    InvalidCampaignError,
)
from crm_core.campaigns.models import Campaign, CampaignMode, CampaignStatus, RecordingPolicy
from crm_core.campaigns.outcomes import retry_rules
from crm_core.campaigns.rates import ABANDON_CAP
from crm_core.campaigns.schemas import CampaignAction, CampaignSpec, CampaignView
from crm_core.campaigns.windows import WindowError, parse_windows, windows_json, zone
from crm_core.surveys.exceptions import QuestionnaireNotFoundError
from crm_core.surveys.models import VersionStatus
from crm_core.surveys.repository import load_questionnaire, load_version, question_views
from crm_core.surveys.rules import keypad_keys

TRANSITIONS: Mapping[CampaignAction, tuple[frozenset[CampaignStatus], CampaignStatus]] = {
    CampaignAction.START: (frozenset({CampaignStatus.DRAFT}), CampaignStatus.RUNNING),
    CampaignAction.PAUSE: (frozenset({CampaignStatus.RUNNING}), CampaignStatus.PAUSED),
    CampaignAction.RESUME: (frozenset({CampaignStatus.PAUSED}), CampaignStatus.RUNNING),
    CampaignAction.STOP: (
        frozenset({CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED}),
        CampaignStatus.STOPPED,
    ),
}
"""Action → (the statuses it may start from, the status it leads to)."""


SOUND_FILES = r"[A-Za-z0-9_/-]{1,60}(&[A-Za-z0-9_/-]{1,60}){0,9}"
"""Asterisk sound files (no extension) joined by ``&``: what Playback and Background take."""


def _refuse(field: str, message: str, **details: Any) -> InvalidCampaignError:
    return InvalidCampaignError(f"{field}: {message}", field=field, **details)


def _choice(enum_type: type[CampaignMode] | type[RecordingPolicy], value: str, field: str) -> str:
    allowed = [member.value for member in enum_type]
    if value not in allowed:
        raise _refuse(field, f"{value!r} is not one of {', '.join(allowed)}", allowed=allowed)
    return value


def checked_windows(spec: CampaignSpec) -> dict[str, list[list[str]]]:
    """The spec's windows in their stored form, or the error naming the day and span."""
    try:
        parsed = parse_windows(spec.windows)
    except WindowError as error:
        raise _refuse(error.field, str(error).split(": ", 1)[1]) from None
    if not any(parsed.values()):
        raise _refuse("windows", "no calling hours on any day")
    return windows_json(parsed)


def check_spec(spec: CampaignSpec) -> dict[str, list[list[str]]]:
    """Every rule a definition must keep that needs no database; returns the windows."""
    _choice(CampaignMode, spec.mode, "mode")
    _choice(RecordingPolicy, spec.recording, "recording")
    try:
        zone(spec.time_zone)
    except WindowError as error:
        raise _refuse("time_zone", str(error).split(": ", 1)[1]) from None
    if not 0 <= spec.abandon_target <= ABANDON_CAP:
        raise _refuse(
            "abandon_target",
            f"{spec.abandon_target} is outside 0..{ABANDON_CAP} (never above 3 %)",
            cap=ABANDON_CAP,
        )
    try:
        retry_rules(spec.retry_rules)
    except ValueError as error:
        where, _, problem = str(error).partition(": ")
        raise _refuse(where, problem) from None
    if spec.mode == CampaignMode.IVR_MESSAGE:
        if not spec.message:
            raise _refuse("message", "an IVR message campaign needs the message to play")
    elif spec.mode != CampaignMode.PREVIEW and not (spec.queue or spec.agents):
        raise _refuse("agents", "a dialling campaign needs agents or a queue")
    if spec.message is not None and not re.fullmatch(SOUND_FILES, spec.message):
        raise _refuse("message", "sound file names (letters, digits, _ / -) joined by &")
    if spec.survey is not None and spec.mode != CampaignMode.IVR_MESSAGE:
        raise _refuse("survey", "only an IVR message campaign runs a keypad survey")
    return checked_windows(spec)


def check_dispositions(session: Session, spec: CampaignSpec) -> None:
    """Every disposition code must be active for all calls, this campaign or its queue."""
    scopes = (DispositionCode.scope_kind == DispositionScope.ALL) | (
        (DispositionCode.scope_kind == DispositionScope.CAMPAIGN)
        & (DispositionCode.scope == spec.name)
    )
    if spec.queue:
        scopes = scopes | (
            (DispositionCode.scope_kind == DispositionScope.QUEUE)
            & (DispositionCode.scope == spec.queue)
        )
    known = set(session.scalars(select(DispositionCode.code).where(DispositionCode.active, scopes)))
    for index, code in enumerate(spec.dispositions):
        if code not in known:
            raise _refuse(
                f"dispositions[{index}]", f"unknown disposition code {code!r}", valid=sorted(known)
            )


def check_survey(session: Session, spec: CampaignSpec) -> None:
    """The survey must be a published questionnaire a caller can answer by keypad."""
    if spec.survey is None:
        return
    try:
        questionnaire = load_questionnaire(session, spec.survey)
    except QuestionnaireNotFoundError:
        raise _refuse("survey", f"no questionnaire {spec.survey!r}") from None
    version = load_version(session, questionnaire)
    if version.status is not VersionStatus.PUBLISHED:
        raise _refuse("survey", f"questionnaire {spec.survey!r} is not published")
    if not any(keypad_keys(question) for question in question_views(session, version.id)):
        raise _refuse("survey", f"no question of {spec.survey!r} can be answered by keypad")


def campaign_view(row: Campaign) -> CampaignView:
    """The data object of a stored campaign."""
    return CampaignView(
        id=row.id,
        name=row.name,
        mode=row.mode.value,
        queue=row.queue,
        agents=tuple(row.agents),
        caller_id=row.caller_id,
        time_zone=row.time_zone,
        windows=row.windows,
        max_attempts=row.max_attempts,
        retry_rules=row.retry_rules,
        dispositions=tuple(row.dispositions),
        abandon_target=row.abandon_target,
        amd=row.amd,
        amd_params=row.amd_params,
        recording=row.recording.value,
        script=row.script,
        message=row.message,
        survey=row.survey,
        require_consent=row.require_consent,
        status=row.status.value,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def create(session: Session, spec: CampaignSpec, by: str, now: datetime) -> CampaignView:
    """Store a checked campaign as a draft."""
    windows = check_spec(spec)
    check_dispositions(session, spec)
    check_survey(session, spec)
    if session.scalar(select(Campaign.id).where(Campaign.name == spec.name)) is not None:
        raise DuplicateCampaignError(f"campaign {spec.name!r} already exists", field="name")
    row = Campaign(
        name=spec.name,
        mode=CampaignMode(spec.mode),
        queue=spec.queue,
        agents=list(spec.agents),
        caller_id=spec.caller_id,
        time_zone=spec.time_zone,
        windows=windows,
        max_attempts=spec.max_attempts,
        retry_rules=dict(spec.retry_rules),
        dispositions=list(spec.dispositions),
        abandon_target=spec.abandon_target,
        amd=spec.amd,
        amd_params=dict(spec.amd_params),
        recording=RecordingPolicy(spec.recording),
        script=spec.script,
        message=spec.message,
        survey=spec.survey,
        require_consent=spec.require_consent,
        status=CampaignStatus.DRAFT,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return campaign_view(row)


def load(session: Session, campaign_id: int, *, lock: bool = False) -> Campaign:
    """The campaign ``campaign_id`` or :class:`CampaignNotFoundError`."""
    query = select(Campaign).where(Campaign.id == campaign_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise CampaignNotFoundError(f"no campaign {campaign_id}", campaign_id=campaign_id)
    return row


def set_status(
    session: Session, campaign_id: int, action: CampaignAction, now: datetime
) -> CampaignView:
    """Move the campaign's status by ``action``, or :class:`CampaignStateError`."""
    row = load(session, campaign_id, lock=True)
    sources, target = TRANSITIONS[action]
    if row.status not in sources:
        raise CampaignStateError(
            f"cannot {action.value} a {row.status.value} campaign",
            campaign_id=campaign_id,
            status=row.status.value,
            action=action.value,
        )
    row.status, row.updated_at = target, now
    return campaign_view(row)
