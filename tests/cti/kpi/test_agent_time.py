"""queue_log member lines → each agent's logged-in, paused and measured wrap-up time, and
their figures per period: pause overlaps, repeated pauses, open intervals clipped at the
window's end, a session split at a period edge, occupancy."""

from __future__ import annotations

import pytest

from cti.kpi import Interval, QueueLogError, StintBook, parse_line
from cti.kpi.agent_time import AgentBook, agent_figures
from tests.support.stats import SHANGHAI, T0

AGENT = "Agent One"


def books(*lines: str) -> tuple[AgentBook, StintBook]:
    parsed = [parse_line(line) for line in lines]
    return AgentBook().feed_all(parsed), StintBook().feed_all(parsed)


def member(at: int, verb: str, queue: str = "hotline", data: str = "") -> str:
    return f"{T0 + at}|NONE|{queue}|{AGENT}|{verb}|{data}"


def test_a_pause_counts_only_while_the_agent_is_paused_in_every_queue_they_are_in() -> None:
    agents, _ = books(
        member(0, "ADDMEMBER"),
        member(0, "ADDMEMBER", "vip"),
        member(600, "PAUSE", "hotline", "lunch"),  # still taking vip calls: not paused
        member(900, "PAUSE", "vip", "lunch"),  # now paused everywhere
        member(950, "PAUSE", "vip", "lunch"),  # the same pause again changes nothing
        member(1000, "PAUSE", "vip", "meeting"),  # switched: a stretch of another reason
        member(1500, "UNPAUSE", "vip"),
        member(1800, "UNPAUSE", "hotline"),
    )
    (row,) = agent_figures(agents, [], interval=Interval.HOUR, zone=SHANGHAI, until=T0 + 3600)
    assert (row.login_s, row.pause_s) == (3600, 600)
    assert row.pause_by_reason == {"lunch": 100, "meeting": 500}
    paused = [s for s in agents.segments(AGENT, T0 + 3600) if s.paused]
    assert [(s.start - T0, s.end - T0, s.reason) for s in paused] == [
        (900, 1000, "lunch"), (1000, 1500, "meeting"),
    ]  # fmt: skip


def test_pauseall_pauses_every_queue_and_unpauseall_ends_every_pause() -> None:
    agents, _ = books(
        member(0, "ADDMEMBER"),
        member(0, "ADDMEMBER", "vip"),
        f"{T0 + 100}|NONE|NONE|{AGENT}|PAUSEALL|break",
        member(150, "PAUSE", "hotline", "other"),
        f"{T0 + 400}|NONE|NONE|{AGENT}|UNPAUSEALL|",
        member(500, "REMOVEMEMBER"),
        member(500, "REMOVEMEMBER", "vip"),
    )
    (row,) = agent_figures(agents, [], interval=Interval.HOUR, zone=SHANGHAI, until=T0 + 3600)
    assert (row.login_s, row.pause_s, row.pause_by_reason) == (500, 300, {"break": 300})


def test_an_open_session_is_clipped_at_the_window_end_and_split_at_the_period_edge() -> None:
    agents, _ = books(member(3000, "ADDMEMBER"), member(3300, "PAUSE", data="toilet"))
    first, second = agent_figures(
        agents, [], interval=Interval.HOUR, zone=SHANGHAI, until=T0 + 3900
    )
    assert (first.start.hour, first.login_s, first.pause_s) == (9, 600, 300)
    assert (second.start.hour, second.login_s, second.pause_s) == (10, 300, 300)
    assert second.occupancy_pct is None  # paused all along: no time to be occupied


def test_occupancy_is_talk_plus_measured_wrap_up_over_available_time() -> None:
    agents, stints = books(
        member(0, "ADDMEMBER"),
        f"{T0 + 100}|7.1|hotline|NONE|ENTERQUEUE||138|1",
        f"{T0 + 104}|7.1|hotline|{AGENT}|CONNECT|4|x|1",
        f"{T0 + 1004}|7.1|hotline|{AGENT}|COMPLETECALLER|4|900|1",
        f"{T0 + 1004}|7.1|hotline|{AGENT}|WRAPUPSTART|",
        f"{T0 + 1094}|7.1|hotline|{AGENT}|WRAPUPEND|90.5",
        member(1800, "PAUSE", data="lunch"),
    )
    (row,) = agent_figures(
        agents, stints.stints, interval=Interval.HOUR, zone=SHANGHAI, until=T0 + 3600
    )
    assert (row.answered, row.talk_s, row.wrapup_s) == (1, 900, 90.5)
    assert (row.login_s, row.pause_s) == (3600, 1800)
    assert row.occupancy_pct == round(100 * 990.5 / 1800, 2)


def test_a_wrap_up_end_that_is_not_seconds_is_refused() -> None:
    with pytest.raises(QueueLogError, match="WRAPUPEND data1 is not seconds"):
        books(f"{T0}|7.1|hotline|{AGENT}|WRAPUPEND|soon")


def test_lines_as_the_sandbox_s_asterisk_22_wrote_them() -> None:
    # A QueuePause without a queue writes PAUSEALL and a PAUSE per queue; sign-ins by AMI
    # carry MANAGER in the call column (lines copied from the sandbox's queue_log).
    agents, stints = books(
        "1796649951|MANAGER|hotline|Agent One|ADDMEMBER|",
        "1796649951|1796649951.58|hotline|NONE|ENTERQUEUE||13812345678|1",
        "1796649951|1796649951.58|hotline|Agent One|CONNECT|0|1796649951.60|0",
        "1796649951|1796649951.58|hotline|Agent One|COMPLETECALLER|0|0|1",
        "1796649951|NONE|NONE|Agent One|PAUSEALL|wrap-up",
        "1796649951|NONE|hotline|Agent One|PAUSE|wrap-up",
        "1796649954|NONE|NONE|Agent One|UNPAUSEALL|",
        "1796649954|NONE|hotline|Agent One|UNPAUSE|",
        "1796649958|MANAGER|hotline|Agent One|REMOVEMEMBER|",
    )
    (row,) = agent_figures(
        agents, stints.stints, interval=Interval.DAY, zone=SHANGHAI, until=1796650000
    )
    assert (row.agent, row.answered, row.login_s, row.pause_s) == ("Agent One", 1, 7, 0)
    assert (row.wrapup_s, row.pause_by_reason) == (3, {})  # the service's wrap-up hold


def test_the_services_wrap_up_pause_is_wrap_up_time_not_a_pause() -> None:
    agents, stints = books(
        member(0, "ADDMEMBER"),
        f"{T0 + 100}|7.1|hotline|NONE|ENTERQUEUE||138|1",
        f"{T0 + 100}|7.1|hotline|{AGENT}|CONNECT|0|x|1",
        f"{T0 + 700}|7.1|hotline|{AGENT}|COMPLETECALLER|0|600|1",
        member(700, "PAUSE", data="wrap-up"),  # the service holds the agent for wrap-up
        member(760, "UNPAUSE"),
        member(1800, "PAUSE", data="lunch"),
    )
    (row,) = agent_figures(
        agents, stints.stints, interval=Interval.HOUR, zone=SHANGHAI, until=T0 + 3600
    )
    assert (row.wrapup_s, row.pause_s, row.pause_by_reason) == (60, 1800, {"lunch": 1800})
    assert row.occupancy_pct == round(100 * (600 + 60) / (3600 - 1800), 2)


def test_the_wrap_up_reason_is_the_services_own() -> None:
    from cti.kpi.agent_time import WRAPUP_REASON
    from cti.model import WRAPUP_PAUSE_REASON

    assert WRAPUP_REASON == WRAPUP_PAUSE_REASON
