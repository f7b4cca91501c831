"""What the agent desk knows, built from the service's messages (no Textual, no I/O).

Each screen pop opens a :class:`CallContext` that stays until the agent wraps it up or
closes it, so a second call (a consult, a transfer back) never wipes the first one's
member. :meth:`DeskState.allowed` asks the key table (:mod:`agent_tui.keys`) which keys
are live.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from agent_tui.keys import desk_allows
from cti.protocol import (
    AgentState,
    CallbackTask,
    CallUpdate,
    CampaignCall,
    LedgerEntry,
    MemberSummary,
    Message,
    Notice,
    QueueUpdate,
    ScreenPop,
    TelephonyStatus,
    parse_time,
)

LIVE = frozenset({"ringing", "answered", "held", "queued"})
TALKING = frozenset({"answered", "held"})


@dataclass(frozen=True)
class CallContext:
    """One call at this desk: who called, the member found, and where the call is."""

    call_id: str
    caller: str
    did: str | None
    inbound_media: str | None
    queue: str | None
    member: MemberSummary | None
    state: str = "ringing"
    answered: bool = False
    consulting: bool = False
    popped: bool = True
    verified_in_ivr: bool = False
    identified_in_ivr: bool = False
    transferred_by: str | None = None
    note: str | None = None
    campaign: CampaignCall | None = None
    """The campaign this call is for (an outbound campaign's callee), if any."""
    started_at: datetime | None = None
    """When the call was first seen (queued or ringing), from its first update."""
    answered_at: datetime | None = None
    held_since: datetime | None = None
    """While on hold: since when."""
    held_before: timedelta = timedelta()
    """Time on hold before the current hold (or in all, when not on hold now)."""
    ended_at: datetime | None = None

    @property
    def live(self) -> bool:
        """Whether the call is still up."""
        return self.state in LIVE

    @property
    def talking(self) -> bool:
        """Whether the call is up and answered (talking or on hold)."""
        return self.state in TALKING

    def timers(self, now: datetime) -> tuple[timedelta | None, timedelta | None, timedelta]:
        """Wait (until answered), talk (answered, less hold) and hold time at ``now``."""
        end = self.ended_at or now
        answered = self.answered_at
        wait = (answered or end) - self.started_at if self.started_at is not None else None
        hold = self.held_before + (end - self.held_since if self.held_since else timedelta())
        talk = end - answered - hold if answered is not None else None
        return wait, talk, hold

    def moved(self, state: str, at: datetime) -> CallContext:
        """The call in ``state`` since ``at``: its timers follow (hold adds up, talk starts)."""
        held_before, held_since = self.held_before, self.held_since
        if held_since is not None and state != "held":
            held_before, held_since = held_before + (at - held_since), None
        elif state == "held" and held_since is None:
            held_since = at
        answered_at = self.answered_at
        if answered_at is None and state in TALKING:
            answered_at = at
        return replace(
            self, state=state, answered=self.answered or state in TALKING,
            started_at=self.started_at or at, answered_at=answered_at,
            held_since=held_since, held_before=held_before,
            ended_at=None if state in LIVE else (self.ended_at or at),
        )  # fmt: skip

    @property
    def member_number(self) -> str | None:
        """The member's number, if the caller is a member."""
        return self.member.profile.number if self.member is not None else None

    @property
    def member_name(self) -> str:
        """The member's name, or "unknown caller"."""
        return self.member.profile.name if self.member is not None else "unknown caller"


@dataclass
class DeskState:
    """The agent's state, calls in context, queue counters, connection and notice."""

    login: str
    my_queues: tuple[str, ...] = ()
    agent_state: str = "signed_out"
    since: datetime | None = None
    reason: str | None = None
    calls: dict[str, CallContext] = field(default_factory=dict)
    current: str | None = None
    queues: dict[str, QueueUpdate] = field(default_factory=dict)
    telephony_online: bool | None = None
    connected: bool = False
    session_ended: bool = False
    notice: str | None = None
    ledgers: dict[str, tuple[LedgerEntry, ...]] = field(default_factory=dict)
    """The last points ledger lines read for each member in context, newest first."""
    ledgers_asked: set[str] = field(default_factory=set)
    """Members whose ledger lines are being read."""
    callbacks: tuple[CallbackTask, ...] = ()
    """The agent's open call-back tasks, as last read."""
    alerts: list[str] = field(default_factory=list)
    """What happened to the agent since the app last took them (shown as notifications)."""
    _alerted_callbacks: set[int] = field(default_factory=set)

    # -- applying messages ----------------------------------------------------------------
    def apply(self, message: Message) -> None:
        """Update from one pushed message."""
        if isinstance(message, ScreenPop):
            self.pop(message)
        elif isinstance(message, CallUpdate):
            self.call_moved(message)
        elif isinstance(message, AgentState):
            if message.login == self.login:
                self.set_agent(message)
        elif isinstance(message, QueueUpdate):
            self.queues[message.queue] = message
        elif isinstance(message, TelephonyStatus):
            if self.telephony_online is not None and message.online != self.telephony_online:
                self.alerts.append("Telephony back online" if message.online else
                                   "Telephony offline: calls cannot be controlled")  # fmt: skip
            self.telephony_online = message.online
        elif isinstance(message, Notice):
            self.notice = message.text
        elif isinstance(message, CampaignCall):
            self.campaign_call(message)

    def campaign_call(self, call: CampaignCall) -> None:
        """A campaign's callee is connected here: the call's context gets the campaign (and
        the lead's member), and becomes the current call."""
        known = self.calls.get(call.call_id)
        if known is None:
            known = CallContext(call.call_id, call.phone, None, None, None, call.member,
                                state="answered", answered=True)  # fmt: skip
        member = known.member if known.member is not None else call.member
        self.calls[call.call_id] = replace(known, campaign=call, member=member, popped=True)
        self.current = call.call_id

    def pop(self, pop: ScreenPop) -> None:
        """A call rings here: open its context and make it the current one."""
        self._take(pop)
        self.current = pop.call_id

    def _take(self, pop: ScreenPop) -> None:
        """The call's context from its pop, keeping where a known call already is."""
        known = self.calls.get(pop.call_id)
        context = CallContext(
            pop.call_id, pop.caller, pop.did, pop.inbound_media, pop.queue, pop.member,
            verified_in_ivr=pop.verified_in_ivr, identified_in_ivr=pop.identified_in_ivr,
            transferred_by=pop.transferred_by, note=pop.note,
        )  # fmt: skip
        if known is not None:
            context = replace(
                known, did=context.did, inbound_media=context.inbound_media, queue=context.queue,
                member=context.member, popped=True, verified_in_ivr=context.verified_in_ivr,
                identified_in_ivr=context.identified_in_ivr,
                transferred_by=context.transferred_by, note=context.note,
            )  # fmt: skip
        self.calls[pop.call_id] = context

    def unpopped(self) -> list[CallContext]:
        """Calls of this desk known without a pop (the console opened after the ring)."""
        return [call for call in self.calls.values() if not call.popped]

    def found(self, pop: ScreenPop) -> None:
        """The service gave the pop of a call known without one; the current call stays."""
        context = self.calls.get(pop.call_id)
        if context is not None and not context.popped:
            self._take(pop)

    def call_moved(self, update: CallUpdate) -> None:
        """A call of this desk changed state."""
        context = self.calls.get(update.call_id)
        if context is None:
            if update.agent != self.login or update.state not in LIVE:
                return
            context = CallContext(
                update.call_id, update.caller, None, None, update.queue, None, popped=False
            )
            self.current = self.current or update.call_id
        taker = update.agent
        if context.live and update.state in LIVE and taker not in (None, self.login):
            self.alerts.append(f"Call from {context.caller} taken by {taker}")
        self.calls[update.call_id] = context.moved(update.state, parse_time(update.since))

    def set_agent(self, state: AgentState) -> None:
        """The agent's own state changed."""
        self.agent_state = state.state
        self.since = parse_time(state.since)
        self.reason = state.reason

    def consulting(self, call_id: str, on: bool) -> None:
        """An attended transfer of ``call_id`` started (or ended)."""
        context = self.calls.get(call_id)
        if context is not None:
            self.calls[call_id] = replace(context, consulting=on)

    def close(self, call_id: str) -> None:
        """Forget a call's context (after wrap-up); the next one becomes current."""
        self.calls.pop(call_id, None)
        if self.current == call_id:
            self.current = next(reversed(self.calls), None) if self.calls else None

    def cycle(self) -> None:
        """Make the next call in context the current one."""
        ids = list(self.calls)
        if len(ids) > 1 and self.current in ids:
            self.current = ids[(ids.index(self.current) + 1) % len(ids)]

    def callbacks_due(self, now: datetime) -> list[CallbackTask]:
        """Open call-backs due by ``now`` not announced yet (each is announced once)."""
        due = [
            task for task in self.callbacks
            if task.done_at is None and task.id not in self._alerted_callbacks
            and parse_time(task.due_at) <= now
        ]  # fmt: skip
        self._alerted_callbacks.update(task.id for task in due)
        return due

    def take_alerts(self) -> list[str]:
        """The alerts not shown yet (they are then forgotten)."""
        alerts, self.alerts = self.alerts, []
        return alerts

    # -- reading --------------------------------------------------------------------------
    @property
    def call(self) -> CallContext | None:
        """The call in front of the agent."""
        return self.calls.get(self.current) if self.current else None

    @property
    def waiting(self) -> int:
        """Callers waiting in the agent's queues."""
        return sum(q.waiting for name, q in self.queues.items() if name in self.my_queues)

    @property
    def wrap_up_call(self) -> CallContext | None:
        """The answered call that ended and still needs a disposition."""
        call = self.call
        if call is not None and not call.live and call.answered:
            return call
        for context in self.calls.values():
            if not context.live and context.answered:
                return context
        return None

    def allowed(self, action: str) -> bool:
        """Whether the desk key running ``action`` makes sense now (see :mod:`agent_tui.keys`)."""
        return desk_allows(self, action)


__all__ = ["CallContext", "DeskState"]
