"""What the supervisor's wall-board shows, built from pushes and today's call log (no I/O).

Live counters (waiting, longest wait, agents) and each queue's service-level threshold
come from ``queue_update`` and ``agent_state``; today's figures (answered, abandoned,
service level, calls taken, calls per interval, waits) start from the call log at
(re)connect and move on with every ``call_update``. A queue's service level is measured
against its own threshold when it is shown, so a threshold that arrives or changes later
applies to the whole day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cti.protocol import (
    AgentState,
    CallUpdate,
    CampaignFigures,
    CampaignUpdate,
    LoggedCall,
    Message,
    Notice,
    QueueUpdate,
    TelephonyStatus,
    parse_time,
)

INTERVAL_MINUTES = 30
WAIT_BUCKETS = (10, 20, 30, 60, 120, 300)  # upper bounds in seconds; one more for longer
ENDED = frozenset({"ended", "abandoned"})
DEFAULT_SERVICE_LEVEL_SECONDS = 20
"""The threshold a call is counted against while its queue's own is not known yet."""
UNKNOWN = -1
"""A count the wall-board has not been told yet (shown as ``-``)."""


def campaign_row(figures: CampaignFigures) -> CampaignUpdate:
    """A campaign from ``GET /api/campaigns`` as the panel's row until its first push.

    The list does not say how many leads remain, how many calls ring nor what the agents
    do: those are :data:`UNKNOWN` until the first ``campaign_update``.
    """
    campaign = figures.campaign
    return CampaignUpdate(
        campaign_id=campaign.id,
        name=campaign.name,
        mode=campaign.mode,
        status=campaign.status,
        dialled=figures.dialled,
        ringing=UNKNOWN,
        answered=figures.answered,
        connected=figures.connected,
        abandoned=figures.abandoned,
        machines=figures.machines,
        abandon_rate_30d=figures.abandon_rate_30d,
        abandon_rate_24h=figures.abandon_rate_24h,
        abandon_target=campaign.abandon_target,
        leads_remaining=UNKNOWN,
        agents_ready=UNKNOWN,
        agents_talking=UNKNOWN,
        agents_wrapping_up=UNKNOWN,
    )


@dataclass
class QueueToday:
    """A queue's calls today."""

    answered: int = 0
    abandoned: int = 0
    answer_waits: Counter[int] = field(default_factory=Counter)
    """Seconds an answered call waited → how many calls waited that long."""

    def service_level(self, threshold_seconds: int) -> float | None:
        """Share of offered calls answered within ``threshold_seconds`` (None: no calls)."""
        offered = self.answered + self.abandoned
        if not offered:
            return None
        within = sum(n for wait, n in self.answer_waits.items() if wait <= threshold_seconds)
        return within / offered


@dataclass(frozen=True)
class Abandoned:
    """A caller who hung up before an agent answered."""

    at: datetime
    number: str
    member: str | None
    wait_seconds: int
    queue: str | None


def wait_bucket(seconds: float) -> int:
    """The index of the wait-time bucket ``seconds`` falls in."""
    return next((i for i, bound in enumerate(WAIT_BUCKETS) if seconds <= bound), len(WAIT_BUCKETS))


@dataclass
class BoardState:
    """Queues, agents, calls and today's figures for the wall-board."""

    day_start: datetime
    queues: dict[str, QueueUpdate] = field(default_factory=dict)
    agents: dict[str, AgentState] = field(default_factory=dict)
    calls: dict[str, CallUpdate] = field(default_factory=dict)
    today: dict[str, QueueToday] = field(default_factory=dict)
    taken: Counter[str] = field(default_factory=Counter)
    abandoned: list[Abandoned] = field(default_factory=list)
    per_interval: Counter[int] = field(default_factory=Counter)
    answered_per_interval: Counter[int] = field(default_factory=Counter)
    abandoned_per_interval: Counter[int] = field(default_factory=Counter)
    within_per_interval: Counter[int] = field(default_factory=Counter)
    """Calls answered within their queue's service-level threshold, per interval."""
    waits: Counter[int] = field(default_factory=Counter)
    telephony_online: bool | None = None
    notice: str | None = None
    campaigns: dict[int, CampaignUpdate] = field(default_factory=dict)
    _counted: set[str] = field(default_factory=set)

    def load_campaigns(self, listed: Iterable[CampaignFigures]) -> None:
        """The campaigns as listed at (re)connect; a pushed row is newer and stays."""
        for figures in listed:
            self.campaigns.setdefault(figures.campaign.id, campaign_row(figures))

    def load_records(self, records: Iterable[LoggedCall]) -> None:
        """Add today's call-log records not counted yet (from an earlier load or a push)."""
        for record in sorted(records, key=lambda r: r.started_at):
            started = parse_time(record.started_at)
            linked_id = record.linked_id
            keys = (linked_id, f"{linked_id}:answered", f"{linked_id}:abandoned")
            if started < self.day_start or any(key in self._counted for key in keys):
                continue
            self._counted.add(linked_id)
            wait = record.wait_seconds
            self._count(
                started,
                record.queue,
                wait,
                answered=record.answered_at is not None,
                abandoned=record.abandoned,
                agent=record.agent_login,
            )
            if record.abandoned:
                self.abandoned.append(
                    Abandoned(started, record.caller, record.member_number, wait, record.queue)
                )

    def _count(
        self,
        started: datetime,
        queue: str | None,
        wait: int,
        *,
        answered: bool,
        abandoned: bool,
        agent: str | None,
    ) -> None:
        figures = self.today.setdefault(queue or "-", QueueToday())
        if answered:
            figures.answered += 1
            figures.answer_waits[wait] += 1
            if agent:
                self.taken[agent] += 1
        if abandoned:
            figures.abandoned += 1
        if answered or abandoned:
            self.waits[wait_bucket(wait)] += 1
        minutes = int((started - self.day_start).total_seconds() // 60)
        interval = minutes // INTERVAL_MINUTES
        self.per_interval[interval] += 1
        self.answered_per_interval[interval] += answered
        self.abandoned_per_interval[interval] += abandoned
        live = self.queues.get(queue or "")
        threshold = live.service_level_seconds if live else DEFAULT_SERVICE_LEVEL_SECONDS
        self.within_per_interval[interval] += answered and wait <= threshold

    def apply(self, message: Message, now: datetime) -> None:
        """Update from one pushed message received at ``now``."""
        if isinstance(message, QueueUpdate):
            self.queues[message.queue] = message
        elif isinstance(message, AgentState):
            self.agents[message.login] = message
        elif isinstance(message, CallUpdate):
            self._call_moved(message, now)
        elif isinstance(message, TelephonyStatus):
            self.telephony_online = message.online
        elif isinstance(message, Notice):
            self.notice = message.text
        elif isinstance(message, CampaignUpdate):
            self.campaigns[message.campaign_id] = message

    def _call_moved(self, update: CallUpdate, now: datetime) -> None:
        previous = self.calls.get(update.call_id)
        if update.state in ENDED:
            self.calls.pop(update.call_id, None)
        else:
            self.calls[update.call_id] = update
        started = parse_time(update.since)
        wait = int((now - started).total_seconds())
        key = f"{update.call_id}:{'answered' if update.state != 'abandoned' else 'abandoned'}"
        if update.call_id in self._counted or key in self._counted:
            return
        if update.state == "answered" and (previous is None or previous.state != "held"):
            self._counted.add(key)
            self._count(
                started, update.queue, wait, answered=True, abandoned=False, agent=update.agent
            )
        elif update.state == "abandoned":
            self._counted.add(key)
            self._count(started, update.queue, wait, answered=False, abandoned=True, agent=None)
            self.abandoned.append(Abandoned(now, update.caller, None, wait, update.queue))

    @property
    def calls_counted(self) -> int:
        """How many calls today's figures have counted (it moves when the charts would)."""
        return len(self._counted)

    def service_level(self, queue: str) -> float | None:
        """A queue's service level today against its own threshold (from ``queue_update``).

        None when the queue had no calls today or its threshold is not known yet.
        """
        live, figures = self.queues.get(queue), self.today.get(queue)
        if live is None or figures is None:
            return None
        return figures.service_level(live.service_level_seconds)

    def call_of(self, login: str) -> CallUpdate | None:
        """The live call an agent is on."""
        return next((call for call in self.calls.values() if call.agent == login), None)

    def interval_series(self, now: datetime) -> list[float]:
        """Calls per interval since the start of the day, up to ``now``."""
        last = int((now - self.day_start) / timedelta(minutes=INTERVAL_MINUTES))
        return [float(self.per_interval.get(i, 0)) for i in range(max(last, 0) + 1)]

    def intervals_today(self, now: datetime) -> list[int]:
        """The intervals from the first with a call (or the current one) up to ``now``."""
        last = max(int((now - self.day_start) / timedelta(minutes=INTERVAL_MINUTES)), 0)
        first = min([*self.per_interval, last])
        return list(range(first, last + 1))

    def service_level_series(self, intervals: list[int]) -> list[float | None]:
        """Share of offered calls answered within the threshold, per interval (None: no call)."""
        return [
            self.within_per_interval[i] / self.per_interval[i] if self.per_interval[i] else None
            for i in intervals
        ]

    def wait_series(self) -> list[float]:
        """Calls per wait-time bucket (answered or abandoned)."""
        return [float(self.waits.get(i, 0)) for i in range(len(WAIT_BUCKETS) + 1)]


__all__ = ["UNKNOWN", "Abandoned", "BoardState", "QueueToday", "campaign_row", "wait_bucket"]
