"""Demo callers: members' and unknown numbers ringing the hotline DIDs, through cti.ami."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from sqlalchemy import select

from crm_core.members.models import Member
from crm_core.wiring import Crm
from cti.ami import Action, AmiClient

HOTLINE_DID = "4008001234"
VIP_DID = "4008005678"
INBOUND_MEDIA = {HOTLINE_DID: "上海交通广播 Shanghai traffic radio", VIP_DID: "VIP hotline"}
UNKNOWN_NUMBERS = ("13900000001", "13900000002", "02161234567", "13700000003")


@dataclass(frozen=True)
class DemoNumber:
    """A caller of the demo: the number and the member it belongs to (None: unknown)."""

    number: str
    name: str
    member_number: str | None


def national(e164: str) -> str:
    """A Chinese E.164 number as a trunk delivers it (``+8613…`` → ``13…``)."""
    return e164.removeprefix("+86") if e164.startswith("+86") else e164.lstrip("+")


async def demo_numbers(crm: Crm, *, members: int = 20) -> list[DemoNumber]:
    """Some members' phones and some unknown numbers, in a fixed order."""
    async with crm.db.read() as session:
        numbers = list(await session.scalars(select(Member.number).order_by(Member.id).limit(200)))
    callers: list[DemoNumber] = []
    for number in numbers:
        member = await crm.members.get(number)
        phones = [phone.e164 for phone in member.phones]
        if phones and len(callers) < members:
            callers.append(DemoNumber(national(phones[0]), member.name, member.number))
    unknown = [DemoNumber(number, "Caller", None) for number in UNKNOWN_NUMBERS]
    mixed: list[DemoNumber] = []
    for index, caller in enumerate(callers):
        mixed.append(caller)
        if index % 2 == 1:  # every third caller is not a member
            mixed.append(unknown[(index // 2) % len(unknown)])
    return mixed or unknown


class DemoCaller:
    """Places demo calls with AMI ``Originate`` on the sandbox's ``test-caller`` context."""

    def __init__(self, client: AmiClient, *, seed: int = 6001) -> None:
        self._client = client
        self._rng = random.Random(seed)

    async def call(
        self, caller: DemoNumber, *, did: str = HOTLINE_DID, talk_seconds: int = 30
    ) -> None:
        """One caller dials ``did`` and hangs up ``talk_seconds`` after being answered."""
        name = caller.name.replace('"', "'")
        await self._client.send(Action(
            "Originate", Channel=f"Local/hangup{talk_seconds}@test-caller", Context="from-trunk",
            Exten=did, Priority="1", CallerID=f'"{name}" <{caller.number}>', Async="true",
        ))  # fmt: skip

    async def stream(self, callers: list[DemoNumber], *, every: float = 20.0) -> None:
        """A call every ``every`` seconds (± a third), for ever (cancel to stop)."""
        index = 0
        while True:
            caller = callers[index % len(callers)]
            did = VIP_DID if index % 5 == 4 else HOTLINE_DID
            await self.call(caller, did=did, talk_seconds=self._rng.randint(20, 60))
            index += 1
            await asyncio.sleep(every * self._rng.uniform(0.67, 1.33))


__all__ = ["INBOUND_MEDIA", "DemoCaller", "DemoNumber", "demo_numbers", "national"]
