"""CampaignService: campaigns, their lists, who may be called, the dial attempts, the
call-backs and the dialers' leases, each call one unit of work.

The telephony side (``cti/dialer``) drives a campaign through these calls: it holds the
campaign's lease (:func:`leases.lease_name`), claims a lead (which writes the attempt
before the Originate), reports answer, AMD verdict, connection and end, and reads the
abandon counts for its pacer. The rules themselves live beside this module.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.campaigns import callbacks, dialling, leases, surveys, tallies
from crm_core.campaigns.agent_leads import PreviewLeads
from crm_core.campaigns.compliance import record_consent, suppress, suppressed
from crm_core.campaigns.definitions import campaign_view, create, load, set_status
from crm_core.campaigns.exceptions import CampaignNotFoundError, LeadListError
from crm_core.campaigns.lists import Candidate, add_leads, parse_csv
from crm_core.campaigns.member_queries import MemberQuery, member_candidates
from crm_core.campaigns.models import Campaign, DialAttempt
from crm_core.campaigns.rates import AbandonCounts
from crm_core.campaigns.schemas import (
    AttemptResult,
    AttemptView,
    CallbackView,
    CampaignAction,
    CampaignCounters,
    CampaignSpec,
    CampaignView,
    Claim,
    ImportReport,
    Lease,
    RefusedRow,
    SuppressionView,
)
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError
from crm_core.loyalty.services import Clock
from crm_core.members.phones import normalise
from crm_core.validation import parse

Progress = Callable[[int, int], object]
"""``progress(done, total)``: rows handled so far of the list's rows."""
T = TypeVar("T")
CHUNK = 500
"""Rows checked and added per transaction while importing."""


def _by(by: str) -> str:
    value = by.strip()
    if not value or len(value) > 64 or not value.isprintable():
        raise InvalidInputError("by: 1–64 printable characters", field="by")
    return value


def _line_order(row: RefusedRow) -> tuple[int, int]:
    return (0, row.line_no) if row.line_no is not None else (1, 0)


class CampaignService:
    """Outbound campaigns over one database; ``clock`` gives the time of every change."""

    def __init__(self, *, db: Database, default_region: str = "CN", clock: Clock = utcnow) -> None:
        self._db = db
        self.default_region = default_region
        self.clock = clock
        self.preview = PreviewLeads(db=db)
        """Agents' preview claims, skips and call-backs (:mod:`agent_leads`)."""

    # -- definitions ------------------------------------------------------------------
    async def create(self, spec: CampaignSpec | Mapping[str, Any], by: str) -> CampaignView:
        """A new campaign, a draft; :class:`InvalidCampaignError` names the bad field."""
        data, who = parse(CampaignSpec, spec), _by(by)
        return await self._db.run_write(lambda session: create(session, data, who, self.clock()))

    async def get(self, campaign_id: int) -> CampaignView:
        """The campaign ``campaign_id``."""
        async with self._db.read() as session:
            return campaign_view(await session.run_sync(load, campaign_id))

    async def by_name(self, name: str) -> CampaignView:
        """The campaign called ``name``."""
        async with self._db.read() as session:
            row = (await session.scalars(select(Campaign).where(Campaign.name == name))).first()
        if row is None:
            raise CampaignNotFoundError(f"no campaign {name!r}", name=name)
        return campaign_view(row)

    async def list(self) -> builtins.list[CampaignView]:
        """Every campaign, by name."""
        async with self._db.read() as session:
            rows = (await session.scalars(select(Campaign).order_by(Campaign.name))).all()
        return [campaign_view(row) for row in rows]

    async def set_status(self, campaign_id: int, action: str, by: str) -> CampaignView:
        """Start, pause, resume or stop the campaign."""
        _by(by)
        try:
            step = CampaignAction(action)
        except ValueError:
            allowed = ", ".join(member.value for member in CampaignAction)
            raise InvalidInputError(
                f"action: {action!r} is not one of {allowed}", field="action"
            ) from None
        return await self._db.run_write(
            lambda session: set_status(session, campaign_id, step, self.clock())
        )

    # -- lists ------------------------------------------------------------------------
    async def import_csv(
        self,
        campaign_id: int,
        data: bytes,
        *,
        default_region: str,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Add a CSV list's rows as leads (see :mod:`crm_core.campaigns.lists` for the
        columns and the reasons a row is refused). Each chunk of rows is one transaction:
        an import cut short keeps the rows added, and importing the file again refuses
        them as duplicates. A list with no valid row is :class:`LeadListError`."""
        await self.get(campaign_id)
        parsed = parse_csv(data, default_region=default_region)
        return await self._add(
            campaign_id,
            parsed.candidates,
            parsed.refused,
            parsed.total_rows,
            progress,
            encoding=parsed.encoding,
            notes=parsed.notes,
        )

    async def build_from_query(
        self, campaign_id: int, query: str, *, progress: Progress | None = None
    ) -> ImportReport:
        """Add the members a query finds (see :mod:`crm_core.campaigns.member_queries`)."""
        try:
            which = MemberQuery(query)
        except ValueError:
            allowed = ", ".join(member.value for member in MemberQuery)
            raise InvalidInputError(
                f"query: {query!r} is not one of {allowed}", field="query"
            ) from None
        campaign, now = await self.get(campaign_id), self.clock()
        async with self._db.read() as session:
            candidates, refused = await session.run_sync(
                lambda sync: member_candidates(sync, which, now=now, zone_name=campaign.time_zone)
            )
        total = len(candidates) + len(refused)
        return await self._add(campaign_id, candidates, refused, total, progress)

    async def _add(
        self,
        campaign_id: int,
        candidates: builtins.list[Candidate],
        refused: builtins.list[RefusedRow],
        total: int,
        progress: Progress | None,
        *,
        encoding: str = "utf-8",
        notes: tuple[str, ...] = (),
    ) -> ImportReport:
        now, accepted, refused = self.clock(), 0, builtins.list(refused)
        done = len(refused)
        if progress is not None:
            progress(done, total)
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start : start + CHUNK]
            added, turned_down = await self._db.run_write(
                partial(add_leads, campaign_id=campaign_id, chunk=chunk, now=now)
            )
            accepted, done = accepted + added, done + len(chunk)
            refused.extend(turned_down)
            if progress is not None:
                progress(done, total)
        refused.sort(key=_line_order)
        report = ImportReport(
            campaign_id=campaign_id,
            total_rows=total,
            accepted=accepted,
            refused=tuple(refused),
            encoding=encoding,
            notes=notes,
        )
        if accepted == 0:
            raise LeadListError(
                f"rows: the list has no valid row ({total} rows, {len(refused)} refused)",
                field="rows",
                total_rows=total,
                encoding=encoding,
                notes=list(notes),
                refused=[{"line_no": r.line_no, "reason": r.reason, "raw": r.raw} for r in refused],
            )
        return report

    # -- who may be called ------------------------------------------------------------
    async def suppress(
        self,
        phone: str,
        *,
        campaign_id: int | None = None,
        source: str,
        reason: str,
        by: str,
        expires_at: datetime | None = None,
    ) -> SuppressionView:
        """Do not call ``phone`` (any form; normalised with the default region): in every
        campaign, or only in ``campaign_id``; for good, or until ``expires_at``."""
        e164, now = normalise(phone, self.default_region), self.clock()
        return await self._db.run_write(
            lambda session: suppress(
                session,
                phone=e164,
                campaign_id=campaign_id,
                source=source,
                reason=reason,
                by=by,
                at=now,
                expires_at=expires_at,
            )
        )

    async def is_suppressed(self, phone: str, campaign_id: int | None, at: datetime) -> bool:
        """Whether a do-not-call entry for ``phone`` holds at ``at`` (global, or the campaign's)."""
        e164 = normalise(phone, self.default_region)
        async with self._db.read() as session:
            return bool(await session.scalar(select(suppressed(e164, campaign_id or -1, at))))

    async def record_consent(
        self, member_id: int, channel: str, granted: bool, source: str, by: str
    ) -> None:
        """Record a member's consent (or refusal) on a channel; the newest record holds."""
        now = self.clock()
        await self._db.run_write(
            lambda session: record_consent(
                session,
                member_id=member_id,
                channel=channel,
                granted=granted,
                source=source,
                by=by,
                at=now,
            )
        )

    # -- dialling ---------------------------------------------------------------------
    async def claim_next(self, campaign_id: int, *, epoch: int, now: datetime) -> Claim | None:
        """The next lead to dial with its attempt written (see :mod:`dialling`);
        :class:`StaleLeaseError` when ``epoch`` is not the campaign lease's."""
        return await self._db.run_write(
            lambda session: dialling.claim_next(session, campaign_id, epoch, now)
        )

    async def claim_callback(
        self, campaign_id: int, *, owner: str | None, epoch: int, now: datetime
    ) -> Claim | None:
        """A due call-back of ``owner`` (anyone's when None), its attempt written."""
        return await self._db.run_write(
            lambda session: dialling.claim_callback(session, campaign_id, owner, epoch, now)
        )

    async def attempt_answered(self, attempt_id: str, at: datetime) -> None:
        """The dialled channel was answered at ``at``."""
        await self._db.run_write(lambda session: dialling.answered(session, attempt_id, at))

    async def attempt_amd(self, attempt_id: str, status: str) -> None:
        """The AMD verdict (``HUMAN``, ``MACHINE``, ``NOTSURE``, ``HANGUP``)."""
        await self._db.run_write(lambda session: dialling.amd(session, attempt_id, status))

    async def attempt_ivr(self, attempt_id: str, result: str) -> None:
        """An IVR message campaign's result for the attempt (``played``, ``key-<digit>``)."""
        await self._db.run_write(lambda session: dialling.ivr_result(session, attempt_id, result))

    async def start_survey(self, attempt_id: str) -> int | None:
        """Open the campaign's keypad survey for the attempt's callee, after the message:
        the response's id (answer it through the survey responses service), or ``None``
        when the campaign has no survey. A second start for one attempt is refused."""
        return await self._db.run_write(
            lambda session: surveys.start_survey(session, attempt_id, self.clock())
        )

    async def attempt_connected(self, attempt_id: str, agent_login: str, at: datetime) -> None:
        """The callee was connected to ``agent_login`` at ``at``."""
        await self._db.run_write(
            lambda session: dialling.connected(session, attempt_id, agent_login, at)
        )

    async def attempt_ended(
        self, attempt_id: str, *, cause: int | None, at: datetime, abandoned: bool
    ) -> AttemptResult:
        """Classify the ended attempt and apply the retry rules; idempotent."""
        return await self._db.run_write(
            lambda session: dialling.ended(session, attempt_id, cause, at, abandoned)
        )

    async def in_flight(self, campaign_id: int) -> builtins.list[AttemptView]:
        """The campaign's attempts not ended yet, oldest first (reconciled on takeover)."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(DialAttempt)
                .where(DialAttempt.campaign_id == campaign_id, DialAttempt.ended_at.is_(None))
                .order_by(DialAttempt.created_at, DialAttempt.id)
            )
            return [dialling.attempt_view(row) for row in rows]

    async def attempts(self, campaign_id: int) -> builtins.list[AttemptView]:
        """Every attempt of the campaign, oldest first (reports, audits)."""
        async with self._db.read() as session:
            rows = await session.scalars(
                select(DialAttempt)
                .where(DialAttempt.campaign_id == campaign_id)
                .order_by(DialAttempt.created_at, DialAttempt.id)
            )
            return [dialling.attempt_view(row) for row in rows]

    async def attempt(self, attempt_id: str) -> AttemptView:
        """One attempt as stored."""
        async with self._db.read() as session:
            row = await session.get(DialAttempt, attempt_id)
        if row is None:
            raise CampaignNotFoundError(f"no dial attempt {attempt_id!r}", attempt_id=attempt_id)
        return dialling.attempt_view(row)

    # -- figures ----------------------------------------------------------------------
    async def abandon_counts(self, campaign_id: int, since: datetime) -> AbandonCounts:
        """Calls a person answered since ``since`` and the abandoned ones (no machines)."""
        return await self._read(lambda session: tallies.abandon_counts(session, campaign_id, since))

    async def counters(self, campaign_id: int) -> CampaignCounters:
        """Dialled, ringing, answered, connected, abandoned, AMD mix, leads remaining…"""
        await self.get(campaign_id)
        return await self._read(lambda session: tallies.counters(session, campaign_id))

    # -- call-backs -------------------------------------------------------------------
    async def schedule_callback(
        self, lead_id: int, owner: str, due_at: datetime, note: str | None = None
    ) -> CallbackView:
        """A durable call-back of the lead for ``owner`` at ``due_at``."""
        now = self.clock()
        return await self._db.run_write(
            lambda session: callbacks.schedule(session, lead_id, owner, due_at, note, now)
        )

    async def due_callbacks(self, now: datetime) -> builtins.list[CallbackView]:
        """Scheduled call-backs due at ``now``, soonest first."""
        return await self._read(lambda session: callbacks.due(session, now))

    # -- leases -----------------------------------------------------------------------
    async def acquire_lease(
        self, name: str, holder: str, ttl: timedelta, now: datetime
    ) -> Lease | None:
        """Take (epoch + 1) or keep the lease, or None while another holder has it."""
        try:
            return await self._db.run_write(
                lambda session: leases.acquire(session, name, holder, ttl, now)
            )
        except IntegrityError:  # another process created the same lease at this instant
            return None

    async def renew_lease(
        self, name: str, holder: str, epoch: int, ttl: timedelta, now: datetime
    ) -> bool:
        """Extend the lease; False once another process has taken it over."""
        return await self._db.run_write(
            lambda session: leases.renew(session, name, holder, epoch, ttl, now)
        )

    async def release_lease(self, name: str, holder: str, epoch: int, now: datetime) -> bool:
        """Let the lease lapse now (a clean shutdown); False if not held."""
        return await self._db.run_write(
            lambda session: leases.release(session, name, holder, epoch, now)
        )

    async def _read(self, work: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(work)
