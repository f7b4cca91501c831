"""Members to and from CSV files: checked row by row, written in batches, safe to re-run.

A row names its member by ``number`` (which must exist), else by ``external_ref``, else by
name plus first phone; a member found that way is updated through the service (so the
change history records it), otherwise one is created. A member whose given fields already
hold the row's values is left alone, so importing the same file twice changes nothing.

Member numbers belong to one database: to move members to another database, export them
and import with ``match_number=False`` — rows are then matched by ``external_ref`` or
name and phone, and new members get new numbers.
"""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm_core.errors import CrmError, InvalidInputError
from crm_core.io.formulas import as_stored
from crm_core.members.models import Member, MemberKind, MemberPhone, MemberType
from crm_core.members.phones import normalise
from crm_core.members.schemas import MemberCreate, MemberUpdate, MemberView
from crm_core.members.services import load_member, member_view
from crm_core.validation import parse

if TYPE_CHECKING:
    from crm_core.wiring import Crm

PROFILE_COLUMNS = (
    "name", "gender", "birthday", "email", "address", "province", "city", "region",
    "education", "income_band", "job_title", "employer", "language", "level",
    "member_type", "owner", "customer_category", "purchase_intent", "product_interest",
)  # fmt: skip
COLUMNS = ("number", "external_ref", "kind", *PROFILE_COLUMNS[:3], "phones", *PROFILE_COLUMNS[3:])
CUSTOM_PREFIX = "custom."
PHONE_SEPARATOR = ";"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ModelT = TypeVar("ModelT", bound=BaseModel)
Outcome = Literal["created", "updated", "unchanged"]
Progress = Callable[[int, int], None]
"""Called as ``progress(done_rows, total_rows)`` while a file is imported or exported."""


@dataclass(frozen=True)
class BadRow:
    """A row that was not imported: its line in the file (header = line 1) and why."""

    line: int
    message: str


@dataclass
class ImportReport:
    """What an import did: members created, updated and already up to date, rows refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Data rows read from the file."""
        return self.created + self.updated + self.unchanged + len(self.bad)


class _RowError(Exception):
    """Why one row cannot be imported."""


@dataclass
class _Row:
    """One parsed, validated row."""

    line: int
    number: str | None
    external_ref: str | None
    kind: MemberKind | None
    profile: dict[str, Any]
    phones: list[str] | None
    custom: dict[str, str]
    update: MemberUpdate

    def keys(self, match_number: bool) -> list[tuple[str, ...]]:
        """Identities of the row, the one it is matched by first."""
        found: list[tuple[str, ...]] = []
        if match_number and self.number:
            found.append(("number", self.number))
        if self.external_ref:
            found.append(("ref", self.external_ref))
        name = self.profile.get("name")
        if name and self.phones:
            found.append(("phone", name, self.phones[0]))
        return found


@dataclass
class _Plan:
    """A write to make: create the row's member, or update member ``number``."""

    row: _Row
    number: str | None = None
    create: MemberCreate | None = None


def cell_text(value: Any) -> str:
    """A stored value as an export cell (and as an import compares it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _merge_custom(stored: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """Stored custom fields with the given ones on top; a cell equal to its export keeps the
    stored value (and its type)."""
    merged = dict(stored)
    for name, text in given.items():
        if name not in stored or cell_text(stored[name]).strip() != text:
            merged[name] = text
    return merged


def _validated(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    try:
        return parse(model, data)
    except InvalidInputError as error:
        raise _RowError(error.message) from None


def _parse_row(
    line: int, header: Sequence[str], cells: list[str], *, region: str, member_types: set[str]
) -> _Row:
    """A row checked on its own (every problem of the row in one message)."""
    if len(cells) != len(header):
        raise _RowError(f"{len(cells)} cells but the header has {len(header)} columns")
    given = {name: cell.strip() for name, cell in zip(header, cells, strict=True) if cell.strip()}
    profile: dict[str, Any] = {name: given[name] for name in PROFILE_COLUMNS if name in given}
    problems: list[str] = []
    if "birthday" in profile:
        text = profile.pop("birthday")
        try:
            if not ISO_DATE.match(text):
                raise ValueError(text)
            profile["birthday"] = date.fromisoformat(text)
        except ValueError:
            problems.append(f"birthday: {text!r} is not a date (YYYY-MM-DD)")
    kind = None
    if "kind" in given:
        try:
            kind = MemberKind(given["kind"])
        except ValueError:
            problems.append(f"kind: {given['kind']!r} is not individual or organisation")
    raw_phones = [p.strip() for p in given.get("phones", "").split(PHONE_SEPARATOR) if p.strip()]
    phones: list[str] = []
    for raw in raw_phones:
        try:
            e164 = normalise(raw, region)
        except CrmError as error:
            problems.append(f"phones: {error.message}")
            continue
        if e164 not in phones:
            phones.append(e164)
    try:
        update = _validated(MemberUpdate, {**profile, "phones": raw_phones or None})
    except _RowError as error:
        problems.append(str(error))
    if profile.get("member_type", "") not in member_types | {""}:
        problems.append(f"member_type: unknown member type {profile['member_type']!r}")
    if problems:
        raise _RowError("; ".join(problems))
    return _Row(
        line=line,
        number=given.get("number"),
        external_ref=given.get("external_ref"),
        kind=kind,
        profile=profile,
        phones=phones or None,
        custom={
            name.removeprefix(CUSTOM_PREFIX): value
            for name, value in given.items()
            if name.startswith(CUSTOM_PREFIX)
        },
        update=update,
    )


def _changes_anything(view: MemberView, row: _Row) -> bool:
    for name in row.profile:
        if getattr(view, name) != getattr(row.update, name):
            return True
    if row.phones is not None and row.phones != [p.e164 for p in view.phones]:
        return True
    return bool(row.custom) and _merge_custom(view.custom_fields, row.custom) != view.custom_fields


def _read_table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-blank data rows with the line each starts on."""
    start = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as source:
            reader = csv.reader(source)
            header = [name.strip() for name in next(reader, [])]
            rows: list[tuple[int, list[str]]] = []
            start = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    rows.append((start, [as_stored(cell) for cell in cells]))
                start = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise InvalidInputError(f"{path} is not UTF-8 text: {error}", path=str(path)) from None
    except csv.Error as error:
        raise InvalidInputError(f"{path}: line {start}: {error}", path=str(path)) from None
    _check_header(path, header)
    return header, rows


def _check_header(path: Path, header: list[str]) -> None:
    if not any(header):
        raise InvalidInputError(f"{path} has no header line naming the columns", path=str(path))
    unknown = [
        name
        for name in header
        if name not in COLUMNS
        and not (name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX))
    ]
    if unknown:
        raise InvalidInputError(
            f"unknown columns: {', '.join(repr(n) for n in unknown)}; known columns are "
            f"{', '.join(COLUMNS)} and custom.<name>",
            columns=unknown,
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InvalidInputError(f"columns given twice: {', '.join(repeated)}", columns=repeated)


class _Importer:
    """One run of :func:`import_members`."""

    def __init__(self, crm: Crm, *, actor: str, match_number: bool, member_types: set[str]):
        self.crm = crm
        self.actor = actor
        self.match_number = match_number
        self.member_types = member_types
        self.report = ImportReport()
        self.seen: dict[tuple[str, ...], int] = {}

    def bad(self, line: int, message: str) -> None:
        """Report the row on ``line`` as not imported."""
        self.report.bad.append(BadRow(line, message))

    async def run_batch(self, header: list[str], batch: list[tuple[int, list[str]]]) -> None:
        """Parse, check, match and write one batch of rows."""
        rows: list[_Row] = []
        region, member_types = self.crm.members.default_region, self.member_types
        for line, cells in batch:
            try:
                rows.append(
                    _parse_row(line, header, cells, region=region, member_types=member_types)
                )
            except _RowError as error:
                self.bad(line, str(error))
        plans = self.plan(rows, await self.lookup(rows))
        await self.write(plans)

    async def lookup(self, rows: list[_Row]) -> dict[tuple[str, ...], list[MemberView]]:
        """Existing members by every identity the rows carry."""
        numbers = {row.number for row in rows if row.number and self.match_number}
        refs = {row.external_ref for row in rows if row.external_ref}
        e164s = {row.phones[0] for row in rows if row.phones}
        found: dict[tuple[str, ...], list[MemberView]] = {}
        if not (numbers or refs or e164s):
            return found
        query = select(Member).options(selectinload(Member.phones)).order_by(Member.id)
        async with self.crm.db.read() as session:
            by_phone = select(MemberPhone.member_id).where(MemberPhone.e164.in_(e164s))
            for member in await session.scalars(
                query.where(
                    Member.number.in_(numbers)
                    | Member.external_ref.in_(refs)
                    | Member.id.in_(by_phone)
                )
            ):
                view = member_view(member)
                found.setdefault(("number", view.number), []).append(view)
                if view.external_ref:
                    found.setdefault(("ref", view.external_ref), []).append(view)
                for phone in view.phones:
                    found.setdefault(("phone", view.name, phone.e164), []).append(view)
        return found

    def plan(self, rows: list[_Row], found: dict[tuple[str, ...], list[MemberView]]) -> list[_Plan]:
        """Refuse duplicate and unmatched rows, count unchanged ones, plan the writes."""
        plans: list[_Plan] = []
        for row in rows:
            keys = row.keys(self.match_number)
            try:
                if keys and keys[0] in self.seen:
                    raise _RowError(f"duplicate of line {self.seen[keys[0]]}")
                matches = found.get(keys[0], []) if keys else []
                if keys and keys[0][0] == "number" and not matches:
                    raise _RowError(f"unknown member {row.number!r}")
                if len(matches) > 1:
                    numbers = ", ".join(m.number for m in matches)
                    raise _RowError(f"name and phone match several members: {numbers}")
                plan = self.plan_update(row, matches[0]) if matches else self.plan_create(row)
            except _RowError as error:
                self.bad(row.line, str(error))
                continue
            for key in keys:
                self.seen.setdefault(key, row.line)
            if plan is None:
                self.report.unchanged += 1
            else:
                plans.append(plan)
        return plans

    def plan_update(self, row: _Row, view: MemberView) -> _Plan | None:
        """The update the row makes to ``view``'s member, or None if it changes nothing."""
        member_key = ("member", view.number)
        if member_key in self.seen:
            raise _RowError(f"duplicate of line {self.seen[member_key]}")
        if row.kind is not None and row.kind is not view.kind:
            raise _RowError(f"kind: member {view.number} is {view.kind}; import cannot change it")
        if row.external_ref and row.external_ref != view.external_ref:
            raise _RowError(
                f"external_ref: member {view.number} has {view.external_ref!r}; "
                "import cannot change it"
            )
        self.seen[member_key] = row.line
        return _Plan(row, number=view.number) if _changes_anything(view, row) else None

    def plan_create(self, row: _Row) -> _Plan:
        """The member the row creates, validated as a new member."""
        data: dict[str, Any] = {**row.profile, "phones": row.update.phones}
        data |= {"kind": row.kind or MemberKind.INDIVIDUAL, "external_ref": row.external_ref}
        create = _validated(MemberCreate, data | {"custom_fields": row.custom or None})
        if not row.keys(self.match_number):
            raise _RowError(
                "a new member needs an external_ref or a phone, so that the row finds it "
                "again when the file is imported again"
            )
        return _Plan(row, create=create)

    def apply(self, session: Session, plan: _Plan) -> tuple[Outcome, str]:
        """Make one planned write inside the caller's transaction."""
        row = plan.row
        if plan.create is not None:
            view = self.crm.members.create_in(
                session, fields=plan.create, phones=row.phones or [], actor=self.actor
            )
            return "created", view.number
        assert plan.number is not None
        member = load_member(session, plan.number)
        before = member_view(member)
        changes: dict[str, Any] = dict(row.profile)
        if row.custom:
            changes["custom_fields"] = _merge_custom(before.custom_fields, row.custom)
        after = self.crm.members.update_in(
            session,
            number=plan.number,
            fields=parse(MemberUpdate, changes),
            phones=row.phones,
            actor=self.actor,
        )
        return ("unchanged" if after == before else "updated"), plan.number

    def apply_all(self, session: Session, plans: list[_Plan]) -> list[tuple[Outcome, str]]:
        """Make every planned write of a batch inside one transaction."""
        return [self.apply(session, plan) for plan in plans]

    async def write(self, plans: list[_Plan]) -> None:
        """One transaction for the batch; if it fails, one per row so good rows still land."""
        if not plans:
            return
        try:
            outcomes = await self.crm.db.run_write(partial(self.apply_all, plans=plans))
            written = list(zip(plans, outcomes, strict=True))
        except (CrmError, IntegrityError):
            written = []
            for plan in plans:
                try:
                    result = await self.crm.db.run_write(partial(self.apply, plan=plan))
                except CrmError as error:
                    self.bad(plan.row.line, error.message)
                except IntegrityError as error:
                    self.bad(plan.row.line, f"conflicts with stored data: {error.orig}")
                else:
                    written.append((plan, result))
        for plan, (outcome, number) in written:
            self.seen.setdefault(("member", number), plan.row.line)
            if outcome == "created":
                self.report.created += 1
            elif outcome == "updated":
                self.report.updated += 1
            else:
                self.report.unchanged += 1


async def import_members(
    crm: Crm,
    path: Path | str,
    *,
    actor: str = "import",
    progress: Progress | None = None,
    batch_size: int = 500,
    match_number: bool = True,
) -> ImportReport:
    """Create and update members from the CSV file at ``path``; bad rows are reported.

    A file that cannot be read as a whole (not UTF-8, no header, unknown columns) raises
    :class:`InvalidInputError` and changes nothing. ``match_number=False`` ignores the
    ``number`` column, for moving members from another database.
    """
    if batch_size < 1:
        raise InvalidInputError("batch_size must be at least 1", batch_size=batch_size)
    header, rows = await asyncio.to_thread(_read_table, Path(path))
    async with crm.db.read() as session:
        member_types = set(await session.scalars(select(MemberType.code)))
    importer = _Importer(crm, actor=actor, match_number=match_number, member_types=member_types)
    if progress is not None:
        progress(0, len(rows))
    for start in range(0, len(rows), batch_size):
        await importer.run_batch(header, rows[start : start + batch_size])
        if progress is not None:
            progress(min(start + batch_size, len(rows)), len(rows))
    importer.report.bad.sort(key=lambda bad: bad.line)
    return importer.report
