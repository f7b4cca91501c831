"""A service desk with its staff and queues, for the service-desk tests."""

from __future__ import annotations

from crm_core.db.engine import Database
from crm_core.service_desk.desk import ServiceDesk, build_service_desk
from crm_core.staff.models import Role, User
from crm_core.wiring import Crm
from tests.conftest import Clock

STAFF = (
    ("agent1", Role.AGENT, True),
    ("agent2", Role.AGENT, True),
    ("eng1", Role.AGENT, True),
    ("sup1", Role.SUPERVISOR, True),
    ("gone", Role.AGENT, False),
)


async def add_staff(db: Database, clock: Clock) -> None:
    """The users the service-desk tests act as ("gone" is disabled)."""
    async with db.write() as session:
        for login, role, active in STAFF:
            session.add(
                User(
                    login=login,
                    display_name=login.title(),
                    role=role,
                    active=active,
                    created_at=clock(),
                    updated_at=clock(),
                )
            )


async def desk_with_queues(crm: Crm, clock: Clock) -> ServiceDesk:
    """A service desk on the test's database and clock, with staff and two queues."""
    desk = build_service_desk(db=crm.db, clock=clock)
    await add_staff(crm.db, clock)
    await desk.setup.add_queue(
        {"name": "pc-digital", "display_name": "PC & digital engineers", "owner": "sup1"},
        actor="sup1",
    )
    await desk.setup.add_queue({"name": "general", "display_name": "General agents"}, actor="sup1")
    return desk
