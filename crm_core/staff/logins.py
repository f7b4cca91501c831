"""Logins and API tokens: checking a password under throttling, issuing, checking,
revoking and purging tokens.

Tokens are random (``secrets.token_urlsafe(32)``); only their SHA-256 is stored, so a
copy of the database gives no usable token. A token ends at the first of: its lifetime
(``token_ttl``, at most :data:`MAX_TOKEN_TTL`), ``idle_timeout`` without use, logout,
the user's password change or disabling. Expired tokens are deleted at each login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from crm_core.db.engine import Database
from crm_core.errors import InvalidInputError
from crm_core.staff.audit import AccessAction, AccessAudit
from crm_core.staff.exceptions import (
    InvalidCredentialsError,
    InvalidTokenError,
    TooManyAttemptsError,
)
from crm_core.staff.models import ApiToken, User
from crm_core.staff.passwords import PasswordHashing, new_token, token_digest, token_well_formed
from crm_core.staff.schemas import IssuedToken, UserView, login_name, user_view
from crm_core.staff.throttle import LoginThrottle, ThrottlePolicy

Clock = Callable[[], datetime]
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""How often a token's last use is written (the idle timeout is this coarse)."""
MAX_TOKEN_TTL = timedelta(days=7)
"""The longest lifetime a token may be given."""


@dataclass(frozen=True)
class TokenPolicy:
    """How long tokens live: ``ttl`` from login, ``idle_timeout`` unused (None: no limit)."""

    ttl: timedelta = timedelta(hours=12)
    idle_timeout: timedelta | None = None

    def __post_init__(self) -> None:
        if not timedelta(0) < self.ttl <= MAX_TOKEN_TTL:
            raise ValueError(f"token_ttl must be positive and at most {MAX_TOKEN_TTL}")
        if self.idle_timeout is not None and self.idle_timeout < 2 * LAST_USED_RESOLUTION:
            raise ValueError(f"idle_timeout must be at least {2 * LAST_USED_RESOLUTION}")


def revoke_tokens(session: Session, user_id: int, at: datetime) -> int:
    """Revoke every live token of a user; how many."""
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > at)
        .values(revoked_at=at)
    )
    return int(getattr(revoked, "rowcount", 0) or 0)


class Logins:
    """Password checks under throttling, and the life of API tokens."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        hashing: PasswordHashing,
        audit: AccessAudit,
        tokens: TokenPolicy,
        throttle: ThrottlePolicy | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._hashing = hashing
        self._audit = audit
        self.tokens = tokens
        self.throttle = LoginThrottle(throttle)

    async def login(self, login: str, password: str, *, address: str | None) -> IssuedToken:
        """Check a login and password (throttled, audited) and issue a token."""
        try:
            name: str | None = login_name(login)
        except InvalidInputError:
            name = None
        wait = self.throttle.retry_after(name, address, self._clock())
        if wait:
            raise TooManyAttemptsError(
                f"too many failed logins: try again in {wait} s", retry_after=wait
            )
        try:
            issued = await self._check_and_issue(name, password)
        except InvalidCredentialsError:
            await self._failed(login if name is None else name, name, address)
            raise
        self.throttle.succeeded(issued.user.login)
        await self._audit.record(issued.user.login, AccessAction.LOGIN_SUCCEEDED, address=address)
        return issued

    async def _failed(self, actor: str, name: str | None, address: str | None) -> None:
        verdict = self.throttle.failed(name, address, self._clock())
        await self._audit.record(actor, AccessAction.LOGIN_FAILED, address=address)
        for key in verdict.locked:
            await self._audit.record(
                actor, AccessAction.LOGIN_LOCKED, address=address, subject=key,
                detail=f"locked out for {self.throttle.policy.lockout}",
            )  # fmt: skip

    async def _check_and_issue(self, name: str | None, password: str) -> IssuedToken:
        """Unknown login, wrong password, no password set and disabled user all give the
        same :class:`InvalidCredentialsError`, after the same argon2 work. A hash made
        with older parameters is replaced by a fresh one on success."""
        row = None
        if name is not None:
            async with self._db.read() as session:
                query = select(User.id, User.password_hash, User.active).where(User.login == name)
                row = (await session.execute(query)).one_or_none()
        stored = row.password_hash if row is not None else None
        matches = await self._hashing.run(self._hashing.verify, stored, password)
        if row is None or stored is None or not matches or not row.active:
            raise InvalidCredentialsError("wrong login or password")
        rehashed = None
        if self._hashing.needs_rehash(stored):
            rehashed = await self._hashing.run(self._hashing.hash, password)
        token = new_token()
        digest, user_id = token_digest(token), row.id

        def work(session: Session) -> IssuedToken:
            user = session.get(User, user_id, with_for_update=True)
            # Changed since the check (disabled, password reset): refuse as if wrong.
            if user is None or not user.active or user.password_hash != stored:
                raise InvalidCredentialsError("wrong login or password")
            if rehashed is not None:
                user.password_hash = rehashed
            now = self._clock()
            session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
            expires_at = now + self.tokens.ttl
            session.add(
                ApiToken(user_id=user.id, token_hash=digest, created_at=now, expires_at=expires_at)
            )
            session.flush()
            return IssuedToken(token=token, expires_at=expires_at, user=user_view(user))

        return await self._db.run_write(work)

    async def authenticate(self, token: str) -> UserView:
        """The user a live token belongs to; unknown, expired, idle, revoked or of a
        disabled user → ``invalid-token``. Records the last use, at most once a minute."""
        if not token_well_formed(token):
            raise InvalidTokenError("not a valid API token")
        digest, now = token_digest(token), self._clock()
        async with self._db.read() as session:
            found = (
                await session.execute(
                    select(ApiToken, User)
                    .join(User, User.id == ApiToken.user_id)
                    .where(ApiToken.token_hash == digest)
                    .options(selectinload(User.queues))
                )
            ).one_or_none()
            if found is None:
                raise InvalidTokenError("not a valid API token")
            api_token, user = found
            view = user_view(user)
        self._check_live(api_token, now)
        if not user.active:
            raise InvalidTokenError("this API token's user is disabled")
        last_used = api_token.last_used_at
        if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
            await self._touch(api_token.id, now)
        return view

    def _check_live(self, api_token: ApiToken, now: datetime) -> None:
        if api_token.revoked_at is not None:
            raise InvalidTokenError("this API token was revoked", revoked_at=api_token.revoked_at)
        if api_token.expires_at <= now:
            raise InvalidTokenError("this API token has expired", expired_at=api_token.expires_at)
        idle = self.tokens.idle_timeout
        last_used = api_token.last_used_at or api_token.created_at
        if idle is not None and now - last_used >= idle:
            raise InvalidTokenError(
                f"this API token was idle for over {idle}", last_used_at=last_used
            )

    async def _touch(self, token_id: int, now: datetime) -> None:
        def work(session: Session) -> None:
            session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    (ApiToken.last_used_at.is_(None))
                    | (ApiToken.last_used_at <= now - LAST_USED_RESOLUTION),
                )
                .values(last_used_at=now)
            )

        await self._db.run_write(work)

    async def revoke(self, token: str) -> None:
        """Revoke one token (logout); revoking it again changes nothing."""
        if not token_well_formed(token):
            raise InvalidTokenError("not a valid API token")
        digest = token_digest(token)

        def work(session: Session) -> None:
            api_token = session.scalars(
                select(ApiToken).where(ApiToken.token_hash == digest).with_for_update()
            ).one_or_none()
            if api_token is None:
                raise InvalidTokenError("not a valid API token")
            if api_token.revoked_at is None:
                api_token.revoked_at = self._clock()

        await self._db.run_write(work)

    async def purge_expired(self) -> int:
        """Delete the tokens past their lifetime; how many."""
        now = self._clock()

        def work(session: Session) -> int:
            purged = session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
            return int(getattr(purged, "rowcount", 0) or 0)

        return await self._db.run_write(work)


__all__ = ["LAST_USED_RESOLUTION", "MAX_TOKEN_TTL", "Logins", "TokenPolicy", "revoke_tokens"]
