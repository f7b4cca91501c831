"""The wall-board's rows: queues, agents, calls and abandoned callers, marked past the
thresholds, sorted and filtered (no Textual, no I/O).

A figure past its threshold gets a word as well as a colour (``LOW``, ``LONG``): nothing
is said by colour alone. A selected queue filters the agents (those in it), the calls and
the abandoned callers (of it).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from agent_tui.board_state import UNKNOWN, Abandoned, BoardState
from agent_tui.widgets.status_bar import clock_text
from cti.protocol import (
    AgentState,
    BoardThresholds,
    CallUpdate,
    CampaignUpdate,
    QueueUpdate,
    parse_time,
)

Row = tuple[str, list[Text]]
"""A table row: its key and its cells."""
SORTS = ("name", "state", "time")
"""The orders the agents and calls cycle through (``o``): by name, by state, longest first."""
PAST = "bold red"
CALM_STATES = frozenset({"ready", "signed_out"})


PACER_MODES = {
    "predictive": "predictive",
    "progressive_at_cap": "prog: at cap",
    "progressive_small_team": "prog: team",
    "progressive_few_samples": "prog: samples",
    "nobody_soon_free": "none free",
}
"""The pacer's last decision as the campaign panel names it (its guard, shortened)."""


def _count(value: int) -> str:
    return "-" if value == UNKNOWN else str(value)


def campaign_cells(campaign: CampaignUpdate) -> list[str]:
    """A campaign's row: status, mode, counts, abandon rates against the target, pacer."""
    rates = (
        f"{campaign.abandon_rate_30d:.1%}/{campaign.abandon_rate_24h:.1%}"
        f" ≤{campaign.abandon_target:.0%}"
    )
    over = campaign.abandon_rate_30d > campaign.abandon_target
    return [
        campaign.name,
        campaign.status,
        campaign.mode.replace("_", " "),
        str(campaign.dialled),
        str(campaign.answered),
        str(campaign.connected),
        str(campaign.abandoned),
        f"{rates}{' !' if over else ''}",
        _count(campaign.leads_remaining),
        "/".join(
            _count(n)
            for n in (campaign.agents_ready, campaign.agents_talking, campaign.agents_wrapping_up)
        ),
        PACER_MODES.get(campaign.pacer_mode or "", campaign.pacer_mode or ""),
    ]


def _marked(text: str, past: bool, word: str) -> Text:
    """``text``, or ``text WORD`` in red when past its threshold."""
    return Text(f"{text} {word}", PAST) if past else Text(text)


def queue_row(board: BoardState, queue: QueueUpdate, thresholds: BoardThresholds) -> Row:
    """A queue's live counters and today's figures, marked past the queue's limits."""
    limits = thresholds.of(queue.queue)
    figures = board.today.get(queue.queue)
    level = board.service_level(queue.queue)
    shown = f"{'-' if level is None else f'{level:.0%}'} ≤{queue.service_level_seconds}s"
    low = level is not None and level < limits.service_level_target
    long_wait = queue.longest_wait_seconds > limits.longest_wait_seconds
    return queue.queue, [
        Text(queue.queue),
        Text(str(queue.waiting)),
        _marked(clock_text(queue.longest_wait_seconds), long_wait, "LONG"),
        Text(str(queue.agents_ready)),
        Text(str(queue.agents_busy)),
        Text(str(queue.agents_paused)),
        Text(str(figures.answered if figures else 0)),
        Text(str(figures.abandoned if figures else 0)),
        _marked(shown, low, "LOW"),
    ]


def agent_row(
    board: BoardState, agent: AgentState, now: datetime, thresholds: BoardThresholds
) -> Row:
    """An agent's state (and pause reason), time in it (LONG past the limit of the agent's
    first queue), call and calls taken today."""
    seconds = (now - parse_time(agent.since)).total_seconds()
    limit = thresholds.of(agent.queues[0] if agent.queues else None).agent_state_seconds
    long_in_state = agent.state not in CALM_STATES and seconds > limit
    call = board.call_of(agent.login)
    return agent.login, [
        Text(agent.login),
        Text(agent.state + (f" ({agent.reason})" if agent.reason else "")),
        _marked(clock_text(seconds), long_in_state, "LONG"),
        Text(call.caller if call else ""),
        Text(str(board.taken.get(agent.login, 0))),
    ]


def call_row(call: CallUpdate, now: datetime, thresholds: BoardThresholds) -> Row:
    """A live call; a caller still queued past the queue's longest-wait limit is LONG."""
    seconds = (now - parse_time(call.since)).total_seconds()
    waiting = call.state in ("queued", "ringing")
    long_wait = waiting and seconds > thresholds.of(call.queue).longest_wait_seconds
    return call.call_id, [
        Text(call.caller),
        Text(call.state),
        Text(call.queue or ""),
        Text(call.agent or ""),
        _marked(clock_text(seconds), long_wait, "LONG"),
    ]


def abandoned_row(index: int, abandoned: Abandoned) -> Row:
    """A caller who hung up before an answer, to call back."""
    return str(index), [
        Text(abandoned.at.astimezone().strftime("%H:%M")),
        Text(abandoned.number),
        Text(abandoned.member or "-"),
        Text(clock_text(abandoned.wait_seconds)),
        Text(abandoned.queue or ""),
    ]


def agent_order(agent: AgentState, sort: str) -> tuple[str, ...]:
    """Where an agent's row goes in ``sort`` order (``time``: longest in state first)."""
    return _order(sort, agent.login, agent.state, agent.since, agent.login)


def call_order(call: CallUpdate, sort: str) -> tuple[str, ...]:
    """Where a call's row goes in ``sort`` order (``name``: by the caller)."""
    return _order(sort, call.caller, call.state, call.since, call.call_id)


def _order(sort: str, name: str, state: str, since: str, key: str) -> tuple[str, ...]:
    """The sort's fields, then the name and the row's key so that no two rows tie."""
    first = {"name": (), "state": (state,), "time": (since,)}[sort]
    return (*first, name, key)


def shows_agent(agent: AgentState, queue: str | None) -> bool:
    """Whether the agents table shows ``agent`` with ``queue`` selected (all for ``None``)."""
    return queue is None or queue in agent.queues


def shows_call(call: CallUpdate, queue: str | None) -> bool:
    """Whether the calls table shows ``call`` with ``queue`` selected (all for ``None``)."""
    return queue is None or call.queue == queue


def shows_abandoned(abandoned: Abandoned, queue: str | None) -> bool:
    """Whether the abandoned table shows ``abandoned`` with ``queue`` selected."""
    return queue is None or abandoned.queue == queue


def agents_shown(board: BoardState, queue: str | None, sort: str) -> list[AgentState]:
    """The agents in ``queue`` (all for ``None``), in ``sort`` order (``time``: longest first)."""
    agents = [a for a in board.agents.values() if shows_agent(a, queue)]
    return sorted(agents, key=lambda a: agent_order(a, sort))


def calls_shown(board: BoardState, queue: str | None, sort: str) -> list[CallUpdate]:
    """The live calls of ``queue`` (all for ``None``), in ``sort`` order (name: the caller)."""
    calls = [c for c in board.calls.values() if shows_call(c, queue)]
    return sorted(calls, key=lambda c: call_order(c, sort))


def abandoned_order(index: int) -> tuple[str, ...]:
    """Where an abandoned caller's row goes: newest first (``index`` in the day's list)."""
    return (f"{999_999_999 - index:09d}",)


def abandoned_shown(board: BoardState, queue: str | None) -> list[tuple[int, Abandoned]]:
    """Today's abandoned callers of ``queue``, newest first, with their index in the day's list."""
    listed = list(enumerate(board.abandoned))
    return [(i, a) for i, a in reversed(listed) if shows_abandoned(a, queue)]


__all__ = [
    "SORTS",
    "Row",
    "abandoned_order",
    "abandoned_row",
    "abandoned_shown",
    "agent_order",
    "agent_row",
    "agents_shown",
    "call_order",
    "call_row",
    "calls_shown",
    "campaign_cells",
    "queue_row",
    "shows_abandoned",
    "shows_agent",
    "shows_call",
]
