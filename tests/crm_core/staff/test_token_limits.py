"""Token limits: a bounded lifetime, an idle timeout, expired tokens purged; on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from crm_core.staff.exceptions import InvalidTokenError
from crm_core.staff.models import ApiToken
from crm_core.staff.passwords import PasswordHashing
from crm_core.staff.services import UserService
from crm_core.wiring import Crm, build_crm
from cti.settings import ApiSettings, LoginSettings
from tests.conftest import Clock

PASSWORD = "correct horse battery"


@pytest.fixture
async def idle_crm(any_url: str, clock: Clock) -> AsyncIterator[Crm]:
    """A CRM whose tokens end after 30 minutes unused (cheap argon2), with user li.na."""
    crm = build_crm(
        database_url=any_url, clock=clock, token_idle_timeout=timedelta(minutes=30),
        hashing=PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)),
    )  # fmt: skip
    await crm.users.add(
        {"login": "li.na", "display_name": "Li Na", "role": "agent"}, password=PASSWORD
    )
    yield crm
    await crm.close()


async def tokens_stored(crm: Crm) -> int:
    async with crm.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(ApiToken)) or 0)


def test_a_token_lifetime_over_a_week_is_refused(crm: Crm) -> None:
    with pytest.raises(ValueError, match="at most 7 days"):
        UserService(db=crm.db, token_ttl=timedelta(hours=169))
    with pytest.raises(ValueError, match="168"):
        ApiSettings(token_ttl_hours=169)


def test_an_idle_timeout_shorter_than_the_last_use_resolution_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        LoginSettings(token_idle_minutes=1)
    assert LoginSettings(token_idle_minutes=0).idle_timeout() is None


async def test_a_token_in_use_lives_on_and_an_idle_one_ends(idle_crm: Crm, clock: Clock) -> None:
    token = (await idle_crm.users.login("li.na", PASSWORD)).token
    for _ in range(4):  # used every 29 minutes: two hours, still alive
        clock.advance(minutes=29)
        assert (await idle_crm.users.authenticate(token)).login == "li.na"
    clock.advance(minutes=30)
    with pytest.raises(InvalidTokenError, match="idle"):
        await idle_crm.users.authenticate(token)


async def test_expired_tokens_are_purged_at_the_next_login(idle_crm: Crm, clock: Clock) -> None:
    first = (await idle_crm.users.login("li.na", PASSWORD)).token
    await idle_crm.users.login("li.na", PASSWORD)
    clock.advance(hours=12)
    assert await tokens_stored(idle_crm) == 2
    await idle_crm.users.login("li.na", PASSWORD)
    assert await tokens_stored(idle_crm) == 1
    with pytest.raises(InvalidTokenError, match="not a valid"):
        await idle_crm.users.authenticate(first)


async def test_purging_keeps_live_and_revoked_unexpired_tokens(idle_crm: Crm, clock: Clock) -> None:
    revoked = (await idle_crm.users.login("li.na", PASSWORD)).token
    await idle_crm.users.revoke(revoked)
    clock.advance(hours=11)
    await idle_crm.users.login("li.na", PASSWORD)
    assert await idle_crm.users.logins.purge_expired() == 0
    with pytest.raises(InvalidTokenError, match="revoked"):  # still says why
        await idle_crm.users.authenticate(revoked)
    clock.advance(hours=1)
    assert await idle_crm.users.logins.purge_expired() == 1
    assert await tokens_stored(idle_crm) == 1
