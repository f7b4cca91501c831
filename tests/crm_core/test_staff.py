"""Staff users: accounts, queues, passwords, login and API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from crm_core.db.engine import Database
from crm_core.errors import InvalidInputError
from crm_core.staff.exceptions import (
    DuplicateInterfaceError,
    DuplicateLoginError,
    InvalidCredentialsError,
    InvalidTokenError,
    UnknownUserError,
    WeakPasswordError,
)
from crm_core.staff.models import ApiToken, Role, User
from crm_core.staff.passwords import PasswordHashing
from crm_core.staff.schemas import QueueMembership, interface_name, queues_from_text
from crm_core.staff.services import UserService
from crm_core.wiring import Crm
from tests.conftest import Clock
from tests.support.crm import snapshot

CHEAP = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
TTL = timedelta(hours=8)
PASSWORD = "correct horse battery"


@pytest.fixture
def users(any_crm: Crm, clock: Clock) -> UserService:
    """The user service over SQLite, then PostgreSQL, with cheap argon2 parameters."""
    return UserService(db=any_crm.db, clock=clock, token_ttl=TTL, hashing=CHEAP)


def agent(login: str = "li.na", **fields: Any) -> dict[str, Any]:
    return {
        "login": login,
        "display_name": "李娜",
        "role": "agent",
        "extension": "6001",
        "interface": "PJSIP/6001",
        "queues": [{"queue": "sales", "penalty": 0}, {"queue": "support", "penalty": 2}],
        **fields,
    }


async def stored_user(db: Database, login: str) -> User:
    async with db.read() as session:
        return (await session.scalars(select(User).where(User.login == login))).one()


async def stored_tokens(db: Database) -> list[ApiToken]:
    async with db.read() as session:
        return list(await session.scalars(select(ApiToken).order_by(ApiToken.id)))


async def test_a_user_from_creation_to_logout(
    users: UserService, any_crm: Crm, clock: Clock
) -> None:
    created = await users.add(agent(), password=PASSWORD)
    assert (created.login, created.role, created.interface, created.active) == (
        "li.na",
        Role.AGENT,
        "PJSIP/6001",
        True,
    )
    assert [(q.queue, q.penalty) for q in created.queues] == [("sales", 0), ("support", 2)]
    assert created.has_password and created.penalty_in("support") == 2
    assert await users.get("LI.NA") == created

    row = await stored_user(any_crm.db, "li.na")
    assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash

    issued = await users.login("li.na", PASSWORD)
    assert issued.expires_at == clock.now + TTL and issued.user == created
    assert issued.token not in repr(issued)
    [token] = await stored_tokens(any_crm.db)
    assert token.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in str(await snapshot(any_crm.db))

    assert await users.authenticate(issued.token) == created
    await users.revoke(issued.token)
    with pytest.raises(InvalidTokenError, match="revoked"):
        await users.authenticate(issued.token)
    await users.revoke(issued.token)  # logging out twice is harmless
    with pytest.raises(InvalidTokenError):
        await users.revoke("A" * 43)


async def test_tokens_expire_and_record_their_last_use(
    users: UserService, any_crm: Crm, clock: Clock
) -> None:
    await users.add(agent(), password=PASSWORD)
    issued = await users.login("li.na", PASSWORD)
    start = clock.now
    await users.authenticate(issued.token)
    assert (await stored_tokens(any_crm.db))[0].last_used_at == start
    clock.advance(seconds=59)
    await users.authenticate(issued.token)
    assert (await stored_tokens(any_crm.db))[0].last_used_at == start  # at most once a minute
    used = clock.advance(seconds=1)
    await users.authenticate(issued.token)
    assert (await stored_tokens(any_crm.db))[0].last_used_at == used

    clock.now = issued.expires_at - timedelta(seconds=1)
    await users.authenticate(issued.token)
    clock.now = issued.expires_at
    with pytest.raises(InvalidTokenError, match="expired") as caught:
        await users.authenticate(issued.token)
    assert caught.value.error_id == "invalid-token" and caught.value.status == 401


async def test_failed_logins_look_alike_and_change_nothing(
    users: UserService, any_crm: Crm
) -> None:
    await users.add(agent(), password=PASSWORD)
    await users.add(agent("no.pass", interface="PJSIP/6002"))
    await users.add(agent("gone", interface="PJSIP/6003"), password=PASSWORD)
    await users.disable("gone")
    before = await snapshot(any_crm.db)
    messages = set()
    for login, password in (
        ("li.na", "wrong password"),
        ("li.na", ""),
        ("nobody", PASSWORD),
        ("no.pass", ""),
        ("no.pass", PASSWORD),
        ("gone", PASSWORD),
        ("Not A Login\r\n", PASSWORD),
        ("li.na", "x" * 10_000),
    ):
        with pytest.raises(InvalidCredentialsError) as caught:
            await users.login(login, password)
        assert caught.value.error_id == "invalid-credentials" and caught.value.status == 401
        messages.add((caught.value.message, tuple(caught.value.details)))
    assert messages == {("wrong login or password", ())}  # nothing tells the cases apart
    after = await snapshot(any_crm.db)
    audited = after.pop("access_events")
    before.pop("access_events")
    assert after == before  # only the audit grew: one login-failed entry per attempt
    assert [row.action for row in audited] == ["login-failed"] * 8


async def test_disabling_a_user_revokes_their_tokens(users: UserService) -> None:
    await users.add(agent(), password=PASSWORD)
    first, second = await users.login("li.na", PASSWORD), await users.login("li.na", PASSWORD)
    assert first.token != second.token
    disabled = await users.disable("li.na")
    assert not disabled.active
    for issued in (first, second):
        with pytest.raises(InvalidTokenError):
            await users.authenticate(issued.token)
    with pytest.raises(InvalidCredentialsError):
        await users.login("li.na", PASSWORD)
    assert (await users.disable("li.na")) == disabled  # already disabled: nothing changes

    assert (await users.enable("li.na")).active
    with pytest.raises(InvalidTokenError):  # old tokens stay revoked
        await users.authenticate(first.token)
    third = await users.login("li.na", PASSWORD)
    assert (await users.authenticate(third.token)).login == "li.na"
    assert await users.revoke_all("li.na") == 1
    assert await users.revoke_all("li.na") == 0
    with pytest.raises(InvalidTokenError):
        await users.authenticate(third.token)


async def test_a_new_password_replaces_the_old_and_its_tokens(
    users: UserService, clock: Clock
) -> None:
    added = await users.add(agent())
    assert not added.has_password
    with pytest.raises(InvalidCredentialsError):
        await users.login("li.na", PASSWORD)
    clock.advance(hours=1)
    changed = await users.set_password("li.na", PASSWORD)
    assert changed.has_password and changed.updated_at == clock.now
    old = await users.login("li.na", PASSWORD)
    await users.set_password("li.na", "another good one")
    with pytest.raises(InvalidTokenError):
        await users.authenticate(old.token)
    with pytest.raises(InvalidCredentialsError):
        await users.login("li.na", PASSWORD)
    assert (await users.login("li.na", "another good one")).user.login == "li.na"


async def test_old_hashes_are_upgraded_at_login(users: UserService, any_crm: Crm) -> None:
    await users.add(agent(), password=PASSWORD)
    old_hash = (await stored_user(any_crm.db, "li.na")).password_hash
    assert old_hash is not None and "m=1024,t=1,p=1" in old_hash
    stronger = UserService(
        db=any_crm.db,
        token_ttl=TTL,
        hashing=PasswordHashing(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)),
    )
    await stronger.login("li.na", PASSWORD)
    new_hash = (await stored_user(any_crm.db, "li.na")).password_hash
    assert new_hash is not None and "m=2048,t=2,p=1" in new_hash
    await stronger.login("li.na", PASSWORD)  # verifies against the new hash
    assert (await stored_user(any_crm.db, "li.na")).password_hash == new_hash


async def test_duplicate_logins_and_interfaces_are_refused(
    users: UserService, any_crm: Crm
) -> None:
    await users.add(agent(), password=PASSWORD)
    await users.add(agent("wang.wei", interface="PJSIP/6002", queues=[]))
    before = await snapshot(any_crm.db)
    with pytest.raises(DuplicateLoginError) as login_taken:
        await users.add(agent("Li.Na", interface="PJSIP/6009"))
    assert login_taken.value.error_id == "duplicate-login"
    with pytest.raises(DuplicateInterfaceError) as interface_taken:
        await users.add(agent("zhang.min", interface="pjsip/6001"))
    assert interface_taken.value.error_id == "duplicate-interface"
    assert interface_taken.value.details["login"] == "li.na"
    with pytest.raises(DuplicateInterfaceError):
        await users.update("wang.wei", {"interface": "PJSIP/6001"})
    assert await snapshot(any_crm.db) == before


BAD_USERS: list[dict[str, Any]] = [
    agent("ab"),
    agent("1abc"),
    agent("li na"),
    agent("a" * 33),
    agent("li.na", interface="PJSIP/6001\r\nAction: Originate"),
    agent("li.na", interface="PJSIP/6001,PJSIP/6002"),
    agent("li.na", interface="PJSIP/6001;x"),
    agent("li.na", interface="Console/dsp"),
    agent("li.na", interface="PJSIP/"),
    agent("li.na", extension="60 01"),
    agent("li.na", display_name=""),
    agent("li.na", display_name="Li\nNa"),
    agent("li.na", role="owner"),
    agent("li.na", queues=[{"queue": "sales", "penalty": 101}]),
    agent("li.na", queues=[{"queue": "sales", "penalty": -1}]),
    agent("li.na", queues=[{"queue": "sa les"}]),
    agent("li.na", queues=[{"queue": "sales\r\n"}]),
    agent("li.na", queues=[{"queue": "sales"}, {"queue": "sales", "penalty": 3}]),
    agent("li.na", password_hash="$argon2id$forged"),
    {"login": "li.na", "role": "agent"},
]


async def test_bad_input_is_refused_and_changes_nothing(users: UserService, any_crm: Crm) -> None:
    await users.add(agent("wang.wei", interface=None))
    before = await snapshot(any_crm.db)
    for body in BAD_USERS:
        with pytest.raises(InvalidInputError):
            await users.add(body, password=PASSWORD)
    for password in ("short", "li.na", "        ", "new\nline1"):
        with pytest.raises(WeakPasswordError):
            await users.add(agent(), password=password)
        with pytest.raises(WeakPasswordError):
            await users.set_password("wang.wei", password if password != "li.na" else "wang.wei")
    for change in (
        {"display_name": None},
        {"role": None},
        {"queues": None},
        {"interface": "SIP/1,2"},
        {"login": "renamed"},
    ):
        with pytest.raises(InvalidInputError):
            await users.update("wang.wei", change)
    with pytest.raises(UnknownUserError):
        await users.update("nobody", {"display_name": "x"})
    for call in (users.disable, users.enable, users.revoke_all, users.get):
        with pytest.raises(UnknownUserError):
            await call("nobody")
    with pytest.raises(InvalidInputError):
        await users.get("../etc/passwd")
    with pytest.raises(InvalidTokenError):
        await users.authenticate("not a token\r\n")
    with pytest.raises(InvalidInputError):
        await users.list(role="owner")
    with pytest.raises(InvalidInputError):
        await users.users_for_queue("sales,support")
    with pytest.raises(InvalidInputError):
        await users.user_by_interface("PJSIP/6001\r\n")
    assert await snapshot(any_crm.db) == before


async def test_changes_queues_and_lookups(users: UserService, clock: Clock) -> None:
    await users.add(agent(), password=PASSWORD)
    await users.add(
        agent(
            "wang.wei",
            role="supervisor",
            interface="SIP/6002",
            queues=[{"queue": "support", "penalty": 0}],
        )
    )
    await users.add(agent("old.hand", interface="Local/6003@agents", queues=[{"queue": "sales"}]))
    await users.disable("old.hand")

    clock.advance(minutes=5)
    changed = await users.update(
        "li.na",
        {
            "display_name": "李娜 (Lina)",
            "role": "supervisor",
            "extension": None,
            "interface": "iax2/6001",
            "queues": [{"queue": "support", "penalty": 5}, {"queue": "vip", "penalty": 1}],
        },
    )
    assert (changed.display_name, changed.role, changed.extension, changed.interface) == (
        "李娜 (Lina)",
        Role.SUPERVISOR,
        None,
        "IAX2/6001",
    )
    assert [(q.queue, q.penalty) for q in changed.queues] == [("support", 5), ("vip", 1)]
    assert changed.updated_at == clock.now and changed.created_at < changed.updated_at
    assert await users.get("li.na") == changed
    assert (await users.update("li.na", {})).updated_at == changed.updated_at

    assert [u.login for u in await users.users_for_queue("support")] == ["wang.wei", "li.na"]
    assert [u.login for u in await users.users_for_queue("sales")] == []  # old.hand is disabled
    assert await users.user_by_interface("IAX2/6001") == changed
    assert (await users.user_by_interface("local/6003@agents")) is not None
    assert await users.user_by_interface("PJSIP/6001") is None

    assert [u.login for u in await users.list()] == ["li.na", "old.hand", "wang.wei"]
    assert [u.login for u in await users.list(active=True)] == ["li.na", "wang.wei"]
    assert [u.login for u in await users.list(active=False)] == ["old.hand"]
    assert [u.login for u in await users.list(role=Role.AGENT)] == ["old.hand"]
    assert [u.login for u in await users.list(role="supervisor", queue="vip")] == ["li.na"]


def test_queues_written_as_text() -> None:
    assert queues_from_text("sales:0, support:2,vip") == [
        QueueMembership(queue="sales", penalty=0),
        QueueMembership(queue="support", penalty=2),
        QueueMembership(queue="vip", penalty=0),
    ]
    assert queues_from_text("") == []
    for text in ("sales:x", "sales:-1", "sales:101", "sales:²", "sa;les", "a:1,a:2", "sales:"):
        with pytest.raises(InvalidInputError):
            queues_from_text(text)


@given(st.text(alphabet=st.sampled_from("PJSIP/6001abc@._-,;\r\n \t:|"), max_size=30))
def test_no_interface_accepted_carries_ami_separators(raw: str) -> None:
    try:
        interface = interface_name(raw)
    except InvalidInputError:
        return
    assert not set(interface) & set(",;\r\n \t:|")
    assert interface.split("/", 1)[0] in {"PJSIP", "SIP", "IAX2", "Local", "DAHDI"}
