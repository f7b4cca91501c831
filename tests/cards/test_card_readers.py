"""Card readers on the real PC/SC stack: pcscd with the vpcd virtual reader, virtual cards
written in the tests, pyscard reading them, the real service popping them.

Every wait is on an event the watcher reports (or the console shows), never a sleep.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator

import pytest

from agent_tui.app import ConsoleApp
from agent_tui.screens.card_pop import CardPopScreen
from agent_tui.screens.desk import DeskScreen
from card_agent.api import CardApi
from card_agent.events import (
    CardGone,
    CardRead,
    CardUnsupported,
    ReaderAdded,
    ReaderRemoved,
    ServiceLost,
    ServiceReady,
    WatchEvent,
)
from card_agent.pcsc import ReaderWatcher
from card_agent.watch import watcher_for
from crm_core.staff.audit import AccessAction
from crm_core.wiring import Crm
from tests.support.console_app import frozen, wait_for
from tests.support.desk_api import PASSWORD, ThreadedApi
from tests.support.pcsc import COUNTER_READERS, READERS, PcscDaemon

UID, OTHER_UID, NEW_UID = "04A1B2C3D4E5F6", "04FFEEDDCCBBAA", "0411223344556677"
WITHIN = 30.0


class Heard:
    """What a watcher reported, in order; ``next`` waits for the next one of a kind."""

    def __init__(self) -> None:
        self.queue: queue.Queue[object] = queue.Queue()

    def __call__(self, item: object) -> None:
        self.queue.put(item)

    def next(self, kind: type[object] | None = None) -> object:
        """The next item (of ``kind``), skipping others; fails after WITHIN seconds."""
        while True:
            item = self.queue.get(timeout=WITHIN)
            if kind is None or isinstance(item, kind):
                return item

    def next_line(self, containing: str) -> str:
        """The next line of text holding ``containing``."""
        while True:
            line = self.queue.get(timeout=WITHIN)
            if isinstance(line, str) and containing in line:
                return line


@pytest.fixture
def heard(pcscd: PcscDaemon) -> Iterator[Heard]:
    """A watcher of every reader reporting into a :class:`Heard`, ready (pcscd reached)."""
    events = Heard()
    watcher = ReaderWatcher(events, retry_seconds=0.1, wait_seconds=0.5).start()
    try:
        assert isinstance(events.next(ServiceReady), ServiceReady)
        yield events
    finally:
        watcher.stop()


@pytest.fixture
def counter_readers(pcscd: PcscDaemon) -> Iterator[PcscDaemon]:
    """The session's pcscd, given back with its own readers only whatever the test did."""
    try:
        yield pcscd
    finally:
        if pcscd.readers != READERS:
            pcscd.restart(counter_readers=False)


@pytest.fixture
def tapping(pcscd: PcscDaemon, desk_api: ThreadedApi) -> Iterator[Heard]:
    """``ctidesk cards watch`` as agent1 against the API: its lines, once pcscd is reached."""
    lines = Heard()
    api = CardApi(desk_api.base, "agent1", PASSWORD)
    watcher = watcher_for(api, lines, retry_seconds=0.1, wait_seconds=0.5).start()
    try:
        lines.next_line("connected to pcscd")
        yield lines
    finally:
        watcher.stop()
        api.close()


def crm_of(api: ThreadedApi) -> Crm:
    assert api.crm is not None
    return api.crm


def bind_card(api: ThreadedApi, uid: str = UID, number: str = "C-0001") -> None:
    crm = crm_of(api)
    api.run(lambda: crm.cards.issue(number, uid, actor="t"))
    api.run(lambda: crm.cards.bind(number, api.member_number, actor="t"))


def pop_screens(app: ConsoleApp) -> list[CardPopScreen]:
    return [screen for screen in app.screen_stack if isinstance(screen, CardPopScreen)]


async def test_a_card_on_the_desks_reader_pops_its_member_on_that_agents_console_each_time(
    pcscd: PcscDaemon, desk_api: ThreadedApi
) -> None:
    bind_card(desk_api)
    agent = ConsoleApp(desk_api.base, user="agent1", password=PASSWORD, clock=frozen,
                       tick_seconds=0, card_readers="auto")  # fmt: skip
    board = ConsoleApp(desk_api.base, user="boss", password=PASSWORD, clock=frozen, tick_seconds=0)
    card = pcscd.card(0, UID)
    async with agent.run_test(size=(100, 30)) as pilot, board.run_test(size=(160, 48)) as boss:
        await wait_for(pilot, lambda: isinstance(agent.screen, DeskScreen) and agent.desk.connected)
        await wait_for(pilot, lambda: (agent.last_info or "").startswith("connected to pcscd"))
        card.insert()
        await wait_for(pilot, lambda: isinstance(agent.screen, CardPopScreen), within=WITHIN)
        first = agent.screen
        assert isinstance(first, CardPopScreen) and first.pop.member is not None
        assert first.pop.member.number == desk_api.member_number
        assert first.pop.card is not None and first.pop.card.reader == READERS[0]
        assert first.pop.card.card_number == "C-0001" and first.pop.card.warning is None
        await pilot.press("escape")
        card.remove()
        await wait_for(pilot, lambda: (agent.last_info or "").startswith("card removed"))
        card.insert()
        await wait_for(pilot, lambda: isinstance(agent.screen, CardPopScreen), within=WITHIN)
        assert agent.screen is not first, "the second tap is a second pop"
        await boss.pause()
        assert pop_screens(board) == [], "another user's console gets nothing"
        card.remove()
    taps = desk_api.run(lambda: crm_of(desk_api).access_audit.entries(
        action=AccessAction.CARD_TAPPED))  # fmt: skip
    assert [(tap.actor, tap.subject) for tap in taps] == [("agent1", UID)] * 2


async def test_from_a_card_pop_the_agent_issues_reports_lost_and_replaces_in_a_key_each(
    pcscd: PcscDaemon, desk_api: ThreadedApi
) -> None:
    agent = ConsoleApp(desk_api.base, user="agent1", password=PASSWORD, clock=frozen,
                       tick_seconds=0, card_readers="auto")  # fmt: skip
    card, new = pcscd.card(0, UID), pcscd.card(1, NEW_UID)
    crm = crm_of(desk_api)
    async with agent.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: (agent.last_info or "").startswith("connected to pcscd"))
        agent.cards.member_on_screen = desk_api.member_number  # the member the agent has open
        card.insert()
        await wait_for(pilot, lambda: isinstance(agent.screen, CardPopScreen), within=WITHIN)
        await pilot.press("i")
        await wait_for(pilot, lambda: "issued to" in (agent.last_info or ""))
        card.remove()
        await wait_for(pilot, lambda: (agent.last_info or "").startswith("card removed"))
        card.insert()
        await wait_for(pilot, lambda: isinstance(agent.screen, CardPopScreen)
                       and agent.screen.pop.card is not None
                       and agent.screen.pop.card.status == "active", within=WITHIN)  # fmt: skip
        await pilot.press("r")
        new.insert()
        await wait_for(pilot, lambda: "replaced by" in (agent.last_info or ""), within=WITHIN)
        card.remove()
        new.remove()
    [current, old] = desk_api.run(lambda: crm.cards.cards_of(desk_api.member_number))
    assert (current.chip_uid, current.status.value) == (NEW_UID, "active")
    assert (old.chip_uid, old.status.value, old.replaced_by) == (
        UID,
        "replaced",
        current.card_number,
    )


def test_an_unknown_card_and_a_lost_card_pop_as_such(
    pcscd: PcscDaemon, desk_api: ThreadedApi, tapping: Heard
) -> None:
    unknown = pcscd.card(0, OTHER_UID).insert()
    assert "unknown, no member, popped on 0 console(s)" in tapping.next_line(OTHER_UID)
    unknown.remove()
    bind_card(desk_api)
    desk_api.run(lambda: crm_of(desk_api).cards.report_lost("C-0001", actor="t"))
    lost = pcscd.card(0, UID).insert()
    assert f"lost, member {desk_api.member_number}" in tapping.next_line(UID)
    lost.remove()


def test_a_card_answering_6a81_is_reported_as_not_supporting_uid_and_not_popped(
    pcscd: PcscDaemon, desk_api: ThreadedApi, tapping: Heard
) -> None:
    card = pcscd.card(0, status="6A81").insert()
    line = tapping.next_line("does not support UID")
    card.remove()
    assert "6A 81" in line and "nothing popped" in line
    audited = desk_api.run(lambda: crm_of(desk_api).access_audit.entries(
        action=AccessAction.CARD_TAPPED))  # fmt: skip
    assert audited == []


def test_a_card_removed_while_it_is_read_pops_nothing(pcscd: PcscDaemon, heard: Heard) -> None:
    card = pcscd.card(0, UID, vanish=True).insert()
    gone = heard.next((CardGone, CardRead, CardUnsupported))
    card.remove()
    assert isinstance(gone, CardGone) and gone.reader == READERS[0]
    assert "removed before it could be read" in gone.text


def test_two_readers_with_a_card_each_report_both(pcscd: PcscDaemon, heard: Heard) -> None:
    first = pcscd.card(0, UID).insert()
    second = pcscd.card(1, OTHER_UID).insert()
    reads = {heard.next(CardRead), heard.next(CardRead)}
    first.remove()
    second.remove()
    assert reads == {CardRead(READERS[0], UID), CardRead(READERS[1], OTHER_UID)}


def test_pcscd_stopped_and_restarted_while_watching_is_said_and_reconnected(
    pcscd: PcscDaemon, heard: Heard
) -> None:
    pcscd.stop()
    lost = heard.next(ServiceLost)
    assert isinstance(lost, ServiceLost) and "pcscd stopped" in lost.text
    pcscd.start()
    ready = heard.next(ServiceReady)
    assert isinstance(ready, ServiceReady) and set(READERS) <= set(ready.readers)
    card = pcscd.card(0, UID).insert()
    read: WatchEvent = heard.next(CardRead)  # type: ignore[assignment]
    card.remove()
    assert read == CardRead(READERS[0], UID)


# A reader cannot be plugged into a running pcscd on these machines (no USB in their
# kernel; pcscd reads reader.conf.d only at start): the nearest real thing is pcscd
# restarted with one more vpcd driver, whose readers the watcher must take up.


async def test_a_reader_that_comes_with_pcscd_back_pops_its_cards_on_the_console(
    counter_readers: PcscDaemon, desk_api: ThreadedApi
) -> None:
    bind_card(desk_api)
    agent = ConsoleApp(desk_api.base, user="agent1", password=PASSWORD, clock=frozen,
                       tick_seconds=0, card_readers="auto")  # fmt: skip
    card = counter_readers.counter_card(0, UID)
    async with agent.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: (agent.last_info or "").startswith("connected to pcscd"))
        counter_readers.restart(counter_readers=True)
        last_added = f"reader {COUNTER_READERS[-1]} connected"
        await wait_for(pilot, lambda: agent.last_info == last_added, within=WITHIN)
        card.insert()
        await wait_for(pilot, lambda: isinstance(agent.screen, CardPopScreen), within=WITHIN)
        pop = agent.screen
        assert isinstance(pop, CardPopScreen) and pop.pop.member is not None
        assert pop.pop.member.number == desk_api.member_number
        assert pop.pop.card is not None and pop.pop.card.reader == COUNTER_READERS[0]
        card.remove()


def test_readers_gained_and_lost_while_pcscd_was_away_are_said_and_the_others_keep_working(
    counter_readers: PcscDaemon, heard: Heard
) -> None:
    counter_readers.restart(counter_readers=True)
    ready = heard.next(ServiceReady)  # after "pcscd stopped", if it was away long enough
    assert isinstance(ready, ServiceReady)
    assert set(ready.readers) == {*READERS, *COUNTER_READERS}  # reader.conf.d is read unsorted
    added = [heard.next(), heard.next()]
    assert added == [ReaderAdded(reader) for reader in COUNTER_READERS]
    assert added[0].text == f"reader {COUNTER_READERS[0]} connected"  # type: ignore[attr-defined]
    card = counter_readers.counter_card(1, UID).insert()
    assert heard.next(CardRead) == CardRead(COUNTER_READERS[1], UID)
    card.remove()

    counter_readers.restart(counter_readers=False)
    ready = heard.next(ServiceReady)
    assert isinstance(ready, ServiceReady) and set(ready.readers) == set(READERS)
    removed = [heard.next(), heard.next()]
    assert removed == [ReaderRemoved(reader) for reader in COUNTER_READERS]
    assert removed[0].text == f"reader {COUNTER_READERS[0]} removed"  # type: ignore[attr-defined]
    first, second = counter_readers.card(0, UID).insert(), counter_readers.card(1, OTHER_UID)
    second.insert()
    assert {heard.next(CardRead), heard.next(CardRead)} == {
        CardRead(READERS[0], UID),
        CardRead(READERS[1], OTHER_UID),
    }
    first.remove()
    second.remove()
