"""Lead lists: reading a CSV into candidate rows, and adding candidates to a campaign.

A CSV has a header row naming its columns: ``phone`` (required), ``member_number`` (or
``member``), ``name``, ``time_zone``; every other column is a custom field kept on the
lead. Phones are normalised to E.164 with :mod:`phonenumbers` and the default region.
A row is refused, with its line number and one reason, when:

- ``bad-number``: the phone is empty, not a number, or not a valid number;
- ``bad-zone``: its time zone is not an IANA zone; ``malformed-row``: more fields than
  the header has;
- ``unknown-member``: its member number is not a member's;
- ``invalid-number``: a call found the number does not exist (no campaign dials it);
- ``suppressed``: a do-not-call entry, global or of this campaign, holds now;
- ``duplicate``: the number is already a lead of the campaign (or earlier in the file);
- ``no-consent``: the campaign requires consent and the row's member (named, or the one
  member with that phone) has none recorded on the phone channel.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_core.campaigns.compliance import consented_members
from crm_core.campaigns.definitions import load
from crm_core.campaigns.exceptions import CampaignStateError, LeadListError
from crm_core.campaigns.models import (
    Campaign,
    CampaignLead,
    CampaignStatus,
    InvalidNumber,
    LeadStatus,
    Suppression,
)
from crm_core.campaigns.schemas import RefusedRow
from crm_core.campaigns.windows import WindowError, next_open, parse_windows, plan_for, zone
from crm_core.members.models import Member, MemberPhone
from crm_core.members.phones import InvalidPhoneError, normalise

ALIASES = {
    "phone": "phone",
    "number": "phone",
    "phone_number": "phone",
    "mobile": "phone",
    "电话": "phone",
    "手机": "phone",
    "member_number": "member_number",
    "member": "member_number",
    "member_no": "member_number",
    "会员号": "member_number",
    "name": "name",
    "姓名": "name",
    "time_zone": "time_zone",
    "timezone": "time_zone",
    "tz": "time_zone",
}
"""Header (lower case, spaces and dashes as ``_``) → the field it fills."""
GB18030_NOTE = "the file is not UTF-8: it was read as GB18030"


@dataclass
class Candidate:
    """A row that may become a lead: its phone is E.164 already."""

    line_no: int | None
    raw: str
    phone: str
    member_number: str | None = None
    member_id: int | None = None
    name: str | None = None
    time_zone: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedList:
    """A CSV read into candidates and rows refused without the database."""

    candidates: list[Candidate]
    refused: list[RefusedRow]
    total_rows: int
    encoding: str
    notes: tuple[str, ...]


def decode(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """The text, the encoding used, and notes: UTF-8 (BOM or not), else GB18030."""
    try:
        return data.decode("utf-8-sig"), "utf-8", ()
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030", (GB18030_NOTE,)
    except UnicodeDecodeError as error:
        raise LeadListError(
            f"file: neither UTF-8 nor GB18030 (byte {error.start})", field="file"
        ) from None


def _columns(header: Sequence[str]) -> list[str]:
    names = []
    for title in header:
        key = re.sub(r"[\s\-]+", "_", title.strip().lower())
        names.append(ALIASES.get(key, title.strip()))
    if "phone" not in names:
        raise LeadListError("phone: the file has no phone column", field="phone", header=header)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LeadListError(f"header: repeated columns {repeated}", field="header")
    return names


def _candidate(
    line_no: int, row: list[str], columns: list[str], region: str
) -> Candidate | RefusedRow:
    raw = ",".join(row)
    if len(row) > len(columns):
        return RefusedRow(line_no, "malformed-row", raw)
    values = dict(zip(columns, [cell.strip() for cell in row], strict=False))
    try:
        phone = normalise(values.get("phone", ""), region)
    except InvalidPhoneError:
        return RefusedRow(line_no, "bad-number", raw)
    time_zone = values.get("time_zone") or None
    if time_zone is not None:
        try:
            zone(time_zone)
        except WindowError:
            return RefusedRow(line_no, "bad-zone", raw)
    known = {"phone", "member_number", "name", "time_zone"}
    return Candidate(
        line_no=line_no,
        raw=raw,
        phone=phone,
        member_number=values.get("member_number") or None,
        name=values.get("name") or None,
        time_zone=time_zone,
        custom={key: value for key, value in values.items() if key not in known and value},
    )


def parse_csv(data: bytes, *, default_region: str) -> ParsedList:
    """Read a CSV list; refuses the file (naming the field) when it cannot be read."""
    text, encoding, notes = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise LeadListError("file: the file is empty", field="file") from None
    except csv.Error as error:
        raise LeadListError(f"file: not a CSV file ({error})", field="file") from None
    columns = _columns(header)
    candidates: list[Candidate] = []
    refused: list[RefusedRow] = []
    total = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            total += 1
            outcome = _candidate(reader.line_num, row, columns, default_region)
            if isinstance(outcome, RefusedRow):
                refused.append(outcome)
            else:
                candidates.append(outcome)
    except csv.Error as error:
        raise LeadListError(
            f"file: line {reader.line_num} is not CSV ({error})", field="file"
        ) from None
    return ParsedList(candidates, refused, total, encoding, notes)


@dataclass
class _Known:
    """What the database says of a chunk's phones and members."""

    members: dict[str, tuple[int, str, str | None]]  # number → id, name, time zone
    by_phone: dict[str, int]  # phone of exactly one member → that member
    member_rows: dict[int, tuple[str, str | None]]  # id → name, time zone
    taken: set[str]
    blocked: set[str]
    invalid: set[str]
    consented: set[int]


def _known(session: Session, campaign: Campaign, chunk: list[Candidate], now: datetime) -> _Known:
    phones = {candidate.phone for candidate in chunk}
    numbers = {c.member_number for c in chunk if c.member_number}
    members = {
        number: (member_id, name, time_zone)
        for member_id, number, name, time_zone in session.execute(
            select(Member.id, Member.number, Member.name, Member.time_zone).where(
                Member.number.in_(numbers)
            )
        )
    }
    by_phone = {
        key: value
        for key, value in session.execute(
            select(MemberPhone.e164, func.min(MemberPhone.member_id))
            .where(MemberPhone.e164.in_(phones))
            .group_by(MemberPhone.e164)
            .having(func.count(func.distinct(MemberPhone.member_id)) == 1)
        )
    }
    ids = {c.member_id for c in chunk if c.member_id} | set(by_phone.values())
    member_rows = {
        member_id: (name, time_zone)
        for member_id, name, time_zone in session.execute(
            select(Member.id, Member.name, Member.time_zone).where(Member.id.in_(ids))
        )
    }
    taken = set(
        session.scalars(
            select(CampaignLead.phone).where(
                CampaignLead.campaign_id == campaign.id, CampaignLead.phone.in_(phones)
            )
        )
    )
    blocked = set(
        session.scalars(
            select(Suppression.phone).where(
                Suppression.phone.in_(phones),
                or_(Suppression.campaign_id.is_(None), Suppression.campaign_id == campaign.id),
                or_(Suppression.expires_at.is_(None), Suppression.expires_at > now),
            )
        )
    )
    invalid = set(
        session.scalars(select(InvalidNumber.phone).where(InvalidNumber.phone.in_(phones)))
    )
    every_member = ids | {member_id for member_id, _, _ in members.values()}
    consented = (
        consented_members(session, every_member, "phone") if campaign.require_consent else set()
    )
    return _Known(members, by_phone, member_rows, taken, blocked, invalid, consented)


def _refusal(candidate: Candidate, known: _Known, campaign: Campaign) -> str | None:
    if candidate.member_number and candidate.member_number not in known.members:
        return "unknown-member"
    if candidate.phone in known.invalid:
        return "invalid-number"
    if candidate.phone in known.blocked:
        return "suppressed"
    if candidate.phone in known.taken:
        return "duplicate"
    if campaign.require_consent and candidate.member_id not in known.consented:
        return "no-consent"
    return None


def _resolve_member(candidate: Candidate, known: _Known) -> None:
    """Fill the candidate's member, name and zone from the member it names or matches."""
    if candidate.member_number and candidate.member_number in known.members:
        member_id, name, time_zone = known.members[candidate.member_number]
    else:
        found = candidate.member_id or known.by_phone.get(candidate.phone)
        if found is None or found not in known.member_rows:
            return
        member_id, (name, time_zone) = found, known.member_rows[found]
    candidate.member_id = member_id
    candidate.name = candidate.name or name
    candidate.time_zone = candidate.time_zone or time_zone


def add_leads(
    session: Session, campaign_id: int, chunk: list[Candidate], now: datetime
) -> tuple[int, list[RefusedRow]]:
    """Add the chunk's acceptable candidates as pending leads, each with its next
    callable time; returns how many were added and the rows refused."""
    campaign = load(session, campaign_id)
    if campaign.status is CampaignStatus.STOPPED:
        raise CampaignStateError("a stopped campaign takes no more leads", campaign_id=campaign_id)
    known = _known(session, campaign, chunk, now)
    windows = parse_windows(campaign.windows)
    accepted, refused = 0, []
    for candidate in chunk:
        _resolve_member(candidate, known)
        reason = _refusal(candidate, known, campaign)
        if reason is not None:
            refused.append(RefusedRow(candidate.line_no, reason, candidate.raw))
            continue
        known.taken.add(candidate.phone)
        plan = plan_for(
            lead_zone=candidate.time_zone,
            phone=candidate.phone,
            campaign_zone=campaign.time_zone,
            windows=windows,
        )
        session.add(
            CampaignLead(
                campaign_id=campaign.id,
                phone=candidate.phone,
                member_id=candidate.member_id,
                name=candidate.name,
                time_zone=candidate.time_zone,
                custom=candidate.custom,
                line_no=candidate.line_no,
                status=LeadStatus.PENDING,
                attempts=0,
                next_callable_at=next_open(plan, now),
                created_at=now,
            )
        )
        accepted += 1
    session.flush()
    return accepted, refused
