"""Staff users: accounts, queues, passwords, and the API tokens issued at login.

Passwords are argon2id hashes (:mod:`crm_core.staff.passwords`), hashed and verified on
the hashing's own threads, never inside a write unit of work. Logins and tokens are
:mod:`crm_core.staff.logins`' work; this service gives them the same clock.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import ConflictError, InvalidInputError
from crm_core.staff.audit import AccessAudit
from crm_core.staff.exceptions import (
    DuplicateInterfaceError,
    DuplicateLoginError,
    UnknownUserError,
)
from crm_core.staff.logins import Logins, TokenPolicy, revoke_tokens
from crm_core.staff.models import Role, User, UserQueue
from crm_core.staff.passwords import (
    PasswordHashing,
    check_password,
)
from crm_core.staff.schemas import (
    IssuedToken,
    QueueMembership,
    UserCreate,
    UserUpdate,
    UserView,
    interface_name,
    login_name,
    queue_name,
    user_view,
)
from crm_core.staff.throttle import ThrottlePolicy
from crm_core.validation import parse

Clock = Callable[[], datetime]
T = TypeVar("T")


def _load(session: Session, login: str) -> User:
    user = session.scalars(select(User).where(User.login == login).with_for_update()).one_or_none()
    if user is None:
        raise UnknownUserError(f"no user {login!r}", login=login)
    return user


def _check_interface_free(session: Session, interface: str, user_id: int | None) -> None:
    holder = session.scalar(
        select(User.login).where(User.interface == interface, User.id != user_id)
    )
    if holder is not None:
        raise DuplicateInterfaceError(
            f"interface {interface} is already {holder}'s", interface=interface, login=holder
        )


def _set_queues(user: User, wanted: list[QueueMembership]) -> None:
    """Make the user's memberships ``wanted``: changed in place, so no row is deleted and
    inserted again under the same (user, queue) key."""
    penalties = {membership.queue: membership.penalty for membership in wanted}
    for membership in list(user.queues):
        if membership.queue not in penalties:
            user.queues.remove(membership)
        else:
            membership.penalty = penalties.pop(membership.queue)
    user.queues.extend(
        UserQueue(queue=queue, penalty=penalty) for queue, penalty in penalties.items()
    )
    user.queues.sort(key=lambda membership: membership.queue)


def _with_queues(query: Select[User]) -> Select[User]:
    return query.options(selectinload(User.queues))


class UserService:
    """Staff accounts, their queues and passwords, login and API tokens."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock = utcnow,
        token_ttl: timedelta = timedelta(hours=12),
        idle_timeout: timedelta | None = None,
        hashing: PasswordHashing | None = None,
        throttle: ThrottlePolicy | None = None,
        audit: AccessAudit | None = None,
    ) -> None:
        self._db = db
        self.clock = clock
        self._hashing = hashing or PasswordHashing()
        self.logins = Logins(
            db=db,
            clock=lambda: self.clock(),
            hashing=self._hashing,
            audit=audit or AccessAudit(db=db, clock=lambda: self.clock()),
            tokens=TokenPolicy(ttl=token_ttl, idle_timeout=idle_timeout),
            throttle=throttle,
        )

    @property
    def token_ttl(self) -> timedelta:
        """How long a token issued now lives."""
        return self.logins.tokens.ttl

    def close(self) -> None:
        """Stop the password-hashing threads."""
        self._hashing.close()

    async def _write(self, work: Callable[[Session], T]) -> T:
        """Run ``work``; a unique key lost to a concurrent writer becomes a ConflictError."""
        try:
            return await self._db.run_write(work)
        except IntegrityError:
            raise ConflictError(
                "another change to the same login or interface came first: try again"
            ) from None

    async def add(
        self, data: UserCreate | Mapping[str, Any], *, password: str | None = None
    ) -> UserView:
        """Create a user; without ``password`` they cannot log in until one is set."""
        fields = parse(UserCreate, data)
        password_hash = None
        if password is not None:
            valid = check_password(password, login=fields.login)
            password_hash = await self._hashing.run(self._hashing.hash, valid)

        def work(session: Session) -> UserView:
            if session.scalar(select(User.id).where(User.login == fields.login)) is not None:
                raise DuplicateLoginError(
                    f"login {fields.login!r} is already taken", login=fields.login
                )
            if fields.interface is not None:
                _check_interface_free(session, fields.interface, None)
            now = self.clock()
            user = User(
                login=fields.login,
                display_name=fields.display_name,
                role=fields.role,
                password_hash=password_hash,
                extension=fields.extension,
                interface=fields.interface,
                active=True,
                created_at=now,
                updated_at=now,
                queues=[UserQueue(queue=m.queue, penalty=m.penalty) for m in fields.queues or []],
            )
            user.queues.sort(key=lambda membership: membership.queue)
            session.add(user)
            session.flush()
            return user_view(user)

        return await self._write(work)

    async def get(self, login: str) -> UserView:
        """One user by login."""
        name = login_name(login)
        async with self._db.read() as session:
            user = (
                await session.scalars(_with_queues(select(User).where(User.login == name)))
            ).one_or_none()
            if user is None:
                raise UnknownUserError(f"no user {name!r}", login=name)
            return user_view(user)

    async def update(self, login: str, data: UserUpdate | Mapping[str, Any]) -> UserView:
        """Change a user's display name, role, extension, interface or queues."""
        name, changes = login_name(login), parse(UserUpdate, data)
        given = changes.model_fields_set

        def work(session: Session) -> UserView:
            user = _load(session, name)
            if "interface" in given and changes.interface not in (None, user.interface):
                assert changes.interface is not None
                _check_interface_free(session, changes.interface, user.id)
            if "display_name" in given and changes.display_name is not None:
                user.display_name = changes.display_name
            if "role" in given and changes.role is not None:
                user.role = changes.role
            if "extension" in given:
                user.extension = changes.extension
            if "interface" in given:
                user.interface = changes.interface
            if "queues" in given and changes.queues is not None:
                _set_queues(user, changes.queues)
            if given:
                user.updated_at = self.clock()
            session.flush()
            return user_view(user)

        return await self._write(work)

    async def disable(self, login: str) -> UserView:
        """Stop a user from logging in and revoke every token they hold."""
        return await self._set_active(login, active=False)

    async def enable(self, login: str) -> UserView:
        """Let a disabled user log in again (their old tokens stay revoked)."""
        return await self._set_active(login, active=True)

    async def _set_active(self, login: str, *, active: bool) -> UserView:
        name = login_name(login)

        def work(session: Session) -> UserView:
            user = _load(session, name)
            now = self.clock()
            if not active:
                revoke_tokens(session, user.id, now)
            if user.active != active:
                user.active = active
                user.updated_at = now
            return user_view(user)

        return await self._write(work)

    async def set_password(self, login: str, password: str) -> UserView:
        """Set a user's password; tokens issued under the old one are revoked."""
        name = login_name(login)
        valid = check_password(password, login=name)
        password_hash = await self._hashing.run(self._hashing.hash, valid)

        def work(session: Session) -> UserView:
            user = _load(session, name)
            now = self.clock()
            user.password_hash = password_hash
            user.updated_at = now
            revoke_tokens(session, user.id, now)
            return user_view(user)

        return await self._write(work)

    async def login(self, login: str, password: str, *, address: str | None = None) -> IssuedToken:
        """Check a login and password and issue an API token (its plain text shown once).

        Unknown login, wrong password, no password set and disabled user all give the
        same :class:`InvalidCredentialsError`; too many failures of the login or from
        ``address`` give :class:`TooManyAttemptsError` without checking the password.
        """
        return await self.logins.login(login, password, address=address)

    async def authenticate(self, token: str) -> UserView:
        """The user a live token belongs to; unknown, expired, idle, revoked → ``invalid-token``."""
        return await self.logins.authenticate(token)

    async def revoke(self, token: str) -> None:
        """Revoke one token (logout); revoking it again changes nothing."""
        await self.logins.revoke(token)

    async def revoke_all(self, login: str) -> int:
        """Revoke every live token of a user; how many were revoked."""
        name = login_name(login)

        def work(session: Session) -> int:
            return revoke_tokens(session, _load(session, name).id, self.clock())

        return await self._db.run_write(work)

    async def users_for_queue(self, queue: str) -> builtins.list[UserView]:
        """Active members of ``queue``, lowest penalty first (then by login)."""
        name = queue_name(queue)
        query = _with_queues(
            select(User)
            .join(UserQueue, UserQueue.user_id == User.id)
            .where(UserQueue.queue == name, User.active.is_(True))
            .order_by(UserQueue.penalty, User.login)
        )
        async with self._db.read() as session:
            return [user_view(user) for user in await session.scalars(query)]

    async def user_by_interface(self, interface: str) -> UserView | None:
        """The user (active or not) on ``interface``, e.g. ``PJSIP/6001``; ``None`` if nobody.

        A malformed interface is an :class:`InvalidInputError`.
        """
        name = interface_name(interface)
        async with self._db.read() as session:
            user = (
                await session.scalars(_with_queues(select(User).where(User.interface == name)))
            ).one_or_none()
            return None if user is None else user_view(user)

    async def list(
        self,
        *,
        role: Role | str | None = None,
        active: bool | None = None,
        queue: str | None = None,
    ) -> builtins.list[UserView]:
        """Users by login, optionally only of one role, only (in)active, only in one queue."""
        query = _with_queues(select(User).order_by(User.login))
        if role is not None:
            try:
                query = query.where(User.role == Role(role))
            except ValueError:
                raise InvalidInputError(
                    f"{role!r} is not a role (agent, supervisor, admin)", role=role
                ) from None
        if active is not None:
            query = query.where(User.active.is_(active))
        if queue is not None:
            query = query.where(
                User.id.in_(select(UserQueue.user_id).where(UserQueue.queue == queue_name(queue)))
            )
        async with self._db.read() as session:
            return [user_view(user) for user in await session.scalars(query)]


__all__ = ["UserService"]
