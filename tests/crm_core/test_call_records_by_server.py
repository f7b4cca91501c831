"""Call records are keyed by their Asterisk (``server``, its systemname) and linked id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.calls.exceptions import AmbiguousCallError, CallNotFoundError
from crm_core.calls.models import CallRecord
from crm_core.calls.services import CallLogService
from crm_core.db.engine import create_engine
from crm_core.db.metadata import metadata
from crm_core.db.migrate import upgrade
from crm_core.errors import InvalidInputError
from crm_core.wiring import Crm, build_crm
from tests.conftest import START, Clock

CALL = {"linked_id": "1765000000.12", "direction": "inbound", "caller": "13812345678",
        "started_at": START}  # fmt: skip


@pytest.fixture
def calls(any_crm: Crm, clock: Clock) -> CallLogService:
    """The call-log service over the test's database and clock."""
    return CallLogService(db=any_crm.db, clock=clock, default_region="CN")


async def test_the_same_linked_id_on_two_servers_is_two_calls(calls: CallLogService) -> None:
    on_pbx1 = await calls.record({**CALL, "server": "pbx1"})
    on_pbx2 = await calls.record({**CALL, "server": "pbx2"})
    again = await calls.record({**CALL, "server": "pbx1", "queue": "hotline"})
    assert (on_pbx1.server, on_pbx2.server) == ("pbx1", "pbx2")
    assert again.queue == "hotline" and again.server == "pbx1"  # merged into pbx1's record
    page = await calls.search()
    assert sorted(call.server for call in page.calls) == ["pbx1", "pbx2"]


async def test_a_single_nodes_calls_have_no_server(calls: CallLogService) -> None:
    assert (await calls.record(CALL)).server == ""
    assert (await calls.get(CALL["linked_id"])).server == ""


async def test_a_linked_id_on_two_servers_is_never_guessed_when_read_or_closed(
    any_crm: Crm, calls: CallLogService
) -> None:
    await any_crm.users.add({"login": "agent7", "display_name": "A7", "role": "agent"},
                            password="correct horse battery")  # fmt: skip
    await any_crm.dispositions.define({"code": "SOLD", "label": "Sold"})
    await calls.record({**CALL, "server": "pbx1"})
    await calls.record({**CALL, "server": "pbx2"})
    with pytest.raises(AmbiguousCallError, match=r"several Asterisks \['pbx1', 'pbx2'\]"):
        await calls.get(CALL["linked_id"])
    with pytest.raises(AmbiguousCallError):
        await calls.set_disposition(CALL["linked_id"], "SOLD", agent_login="agent7")
    with pytest.raises(CallNotFoundError):
        await calls.get("1765000000.99")


async def test_a_server_that_could_not_name_an_asterisk_is_refused(
    calls: CallLogService,
) -> None:
    with pytest.raises(InvalidInputError, match="server"):
        await calls.record({**CALL, "server": "pbx.1"})


async def test_the_migration_keeps_every_call_and_what_points_at_it(
    empty_url: str, clock: Clock
) -> None:
    await upgrade(empty_url, "0018_node_leases")
    crm = build_crm(database_url=empty_url, clock=clock)
    try:  # written through the services of the schema before the server column, by SQL
        member = await crm.members.create({"name": "李娜", "phones": ["13812345678"]}, actor="t")
    finally:
        await crm.close()
    tables = metadata.tables
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:
            columns = {c.name: c for c in tables["call_records"].c if c.name != "server"}
            call_id = (
                await connection.execute(
                    tables["call_records"].insert().values(
                        linked_id=CALL["linked_id"], direction="inbound", caller="13812345678",
                        started_at=START, wait_seconds=0, talk_seconds=0, hold_seconds=0,
                        wrapup_seconds=0, abandoned=False, created_at=START,
                    ).returning(columns["id"])
                )
            ).scalar_one()  # fmt: skip
            member_id = (
                await connection.execute(
                    select(tables["members"].c.id).where(
                        tables["members"].c.number == member.number
                    )
                )
            ).scalar_one()
            await connection.execute(tables["activities"].insert().values(
                member_id=member_id, kind="note", body="on the call", call_id=call_id,
                call_linked_id=CALL["linked_id"], created_by="agent7", created_at=START,
            ))  # fmt: skip
    finally:
        await engine.dispose()
    await upgrade(empty_url)
    crm = build_crm(database_url=empty_url, clock=clock)
    try:
        call = await crm.calls.get(CALL["linked_id"])
        assert call.server == ""
        assert [activity.body for activity in call.activities] == ["on the call"]
        async with crm.db.read() as session:
            assert (await session.scalars(select(CallRecord.id))).all() == [call_id]
    finally:
        await crm.close()
