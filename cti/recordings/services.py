"""Call recording by the queue's or campaign's policy, through a recorder channel.

Policy ``all`` starts a recording when an agent answers; ``on_demand`` lets the agent
start and stop it; ``none`` refuses. A recording is a *recorder*: a Local channel pair the
service originates into the ``ctidesk-record`` dialplan context, which runs MixMonitor on
itself and listens quietly (ChanSpy) to the agent's leg, so the file has both directions
mixed and the service's AMI account needs no ``system`` class (Asterisk's own
``MixMonitor`` action needs it). The recorder's channels carry ids of
:data:`~cti.model.SERVICE_CALL_PREFIX`, which the model ignores. A PCI pause mutes the
recorder (``MixMonitorMute``) and is marked in the index; stopping hangs it up.
When the call ends, the file is read (duration, size, checksum) into the index; a file
that is missing or cut short is marked so, never crashed on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from crm_core.recording_index.schemas import RecordingView
from crm_core.staff.schemas import UserView
from cti.ami import Action, AmiClient
from cti.bus.actions import TelephonyUnavailableError, send_action
from cti.bus.bounded import remember
from cti.bus.callers import Callers
from cti.bus.dialplan import (
    RECORD_CONTEXT,
    RECORD_FILE_VARIABLE,
    RECORD_HOLD_EXTEN,
    RECORD_LEG_VARIABLE,
)
from cti.bus.directory import AgentDirectory
from cti.bus.legs import CallLegs, CallStateError
from cti.model import (
    SERVICE_CALL_PREFIX,
    CallAnswered,
    CallEnded,
    DomainEvent,
    OutboundAnswered,
)
from cti.recordings.errors import RecordingRefusedError
from recordings import retention
from recordings.archive import RecordingArchive
from recordings.policy import Policy, RecordingPolicies
from recordings.wav import inspect

log = logging.getLogger(__name__)
KEPT_FINISHED = 1000
"""How many finished recordings the service keeps in memory for :meth:`wait_finished`."""
SETTLE_SECONDS = 5.0
"""How long to wait after the call for Asterisk to close the file before judging it."""
_DIALPLAN_SAFE = re.compile(r"[A-Za-z0-9/_.@;:+-]+")
"""What a file or channel name handed to the recorder's dialplan may contain: nothing that
ends an application argument (``,``, ``)``) or expands (``$``, ``[``)."""


@dataclass
class _Running:
    recording_id: int
    recorder: str
    """The Uniqueid of the recorder's first half (it waits while the second records)."""
    paused: bool = False

    @property
    def recording_half(self) -> str:
        """The Uniqueid of the recorder's second half, the one running MixMonitor."""
        return f"{self.recorder}-2"


class RecordingService:
    """Starts, pauses and stops recordings of live calls and indexes the files."""

    def __init__(
        self,
        *,
        client: AmiClient,
        legs: CallLegs,
        archive: RecordingArchive,
        policies: RecordingPolicies,
        agents: AgentDirectory,
        callers: Callers,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._archive = archive
        self._policies = policies
        self._agents = agents
        self._callers = callers
        self._clock = clock
        self.legs = legs
        self._running: dict[str, _Running] = {}
        self._first: dict[str, int] = {}
        self._tasks: set[asyncio.Task[object]] = set()
        self.finished: OrderedDict[str, RecordingView] = OrderedDict()
        """The last :data:`KEPT_FINISHED` recordings indexed, by call id (for tests)."""
        self._changed = asyncio.Event()
        self._tidied_files = False

    def __call__(self, event: DomainEvent) -> None:
        """The bus listener: record answered calls under policy ``all``; index at the end."""
        if isinstance(event, CallAnswered | OutboundAnswered) and event.agent is not None:
            queue = event.queue if isinstance(event, CallAnswered) else None
            if self._policies.for_call(queue=queue) is Policy.ALL:
                self._spawn(self._auto_start(event.call_id, event.agent))
        elif isinstance(event, CallEnded) and event.call_id in self._running:
            self._spawn(self._finish(event.call_id))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self, user: UserView, call_id: str) -> RecordingView:
        """Start recording the user's call (policy ``on_demand`` or ``all``)."""
        call = self.legs.live(call_id)
        leg = self.legs.agent_leg(call, user.interface)
        if self._policies.for_call(queue=call.queue) is Policy.NONE:
            raise RecordingRefusedError(
                f"calls of {call.queue or 'this kind'} are not recorded", call_id=call_id
            )
        if call_id in self._running:
            raise CallStateError(f"call {call_id} is being recorded already", call_id=call_id)
        return await self._begin(call_id, leg.name, call.queue, user.login)

    async def stop(self, user: UserView, call_id: str) -> RecordingView:
        """Stop recording the user's call and index the file."""
        running = self._mine(user, call_id)
        call = self.legs.live(call_id)
        if self._policies.for_call(queue=call.queue) is Policy.ALL:
            raise RecordingRefusedError(
                f"every call of {call.queue} is recorded: only a PCI pause is possible",
                call_id=call_id,
            )
        stop = Action("StopMixMonitor", Channel=running.recording_half)
        await self.legs.act(call_id, stop)
        return await self._finish(call_id)

    async def pause(self, user: UserView, call_id: str) -> RecordingView:
        """PCI pause: mute the recording while card details are read out."""
        running = self._mine(user, call_id)
        if running.paused:
            raise CallStateError("the recording is paused already", call_id=call_id)
        await self._mute(call_id, running, True)
        return await self._archive.index.pause(running.recording_id, by=user.login)

    async def resume(self, user: UserView, call_id: str) -> RecordingView:
        """End the PCI pause."""
        running = self._mine(user, call_id)
        if not running.paused:
            raise CallStateError("the recording is not paused", call_id=call_id)
        await self._mute(call_id, running, False)
        return await self._archive.index.resume(running.recording_id)

    def campaign_call_connected(
        self, call_id: str, channel: str, *, agent_login: str | None, campaign: str, wanted: bool
    ) -> None:
        """A campaign call was connected to an agent: record it on the callee's ``channel``
        when the campaign asks for it (``wanted``) or the settings' policy for the campaign
        is ``all``, unless the settings say ``none`` for it."""
        policy = self._policies.campaigns.get(campaign)
        if policy is Policy.NONE or not (wanted or policy is Policy.ALL):
            return
        if call_id not in self._running:
            self._spawn(self._begin_quietly(call_id, channel, agent_login, campaign))

    async def _begin_quietly(
        self, call_id: str, channel: str, login: str | None, campaign: str
    ) -> None:
        try:
            await self._begin(call_id, channel, None, login, campaign=campaign)
        except Exception:
            log.exception("recording of campaign call %s did not start", call_id)

    def reference(self, call_id: str) -> str | None:
        """The id of the call's (first) recording for its call record, once; None if none."""
        recording_id = self._first.pop(call_id, None)
        return None if recording_id is None else str(recording_id)

    async def wait_finished(self, call_id: str, within: float = 15.0) -> RecordingView:
        """The indexed recording of ``call_id`` once finished (tests)."""
        async with asyncio.timeout(within):
            while call_id not in self.finished:
                self._changed.clear()
                await self._changed.wait()
        return self.finished[call_id]

    def tidy_soon(self) -> None:
        """Close, in the background, the recordings a crash or restart left open."""
        self._spawn(self.tidy())

    async def tidy(self) -> list[RecordingView]:
        """Close every recording left ``recording`` that is neither running here nor on a
        live call (after a resync the model knows which calls are live); the first time,
        also finish the purges a crash interrupted. The recordings closed."""
        try:
            if not self._tidied_files:
                self._tidied_files = True
                await retention.recover_set_aside(self._archive)
            owned = {running.recording_id for running in self._running.values()}
            now = self._clock()

            def live(recording: RecordingView) -> bool:
                return (
                    recording.id in owned
                    or self.legs.model.call(recording.call_id, now) is not None
                )

            closed = await retention.close_interrupted(self._archive, skip=live)
        except Exception:
            log.exception("recordings left open were not closed")
            return []
        self._changed.set()
        return closed

    async def drain(self) -> None:
        """Wait for indexing in flight (shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- helpers ---------------------------------------------------------------------
    def _mine(self, user: UserView, call_id: str) -> _Running:
        call = self.legs.live(call_id)
        self.legs.agent_leg(call, user.interface)
        running = self._running.get(call_id)
        if running is None:
            raise CallStateError(f"call {call_id} is not being recorded", call_id=call_id)
        return running

    async def _auto_start(self, call_id: str, agent: str) -> None:
        call = self.legs.model.call(call_id, self._clock())
        if call is None or call_id in self._running:
            return
        leg = self.legs.agent_leg(call, agent)
        user = await self._agents.by_interface(agent)
        try:
            await self._begin(call_id, leg.name, call.queue, user.login if user else None)
        except Exception:
            log.exception("recording of call %s did not start", call_id)

    async def _begin(
        self,
        call_id: str,
        channel: str,
        queue: str | None,
        login: str | None,
        *,
        campaign: str | None = None,
    ) -> RecordingView:
        if not _DIALPLAN_SAFE.fullmatch(channel):
            raise RecordingRefusedError(f"channel {channel!r} cannot be recorded", call_id=call_id)
        match = self._callers.known(call_id)
        opened = await self._archive.open(
            call_id=call_id,
            queue=queue,
            campaign=campaign,
            agent_login=login,
            member_number=match.member_number if match is not None else None,
        )
        recorder = f"{SERVICE_CALL_PREFIX}{secrets.token_hex(8)}"
        self._running[call_id] = _Running(opened.recording.id, recorder)
        self._first.setdefault(call_id, opened.recording.id)
        try:
            if not _DIALPLAN_SAFE.fullmatch(opened.asterisk_file):
                raise RecordingRefusedError(
                    "the recordings directory as Asterisk sees it has characters the dialplan "
                    f"cannot pass on: {opened.asterisk_file!r}",
                    call_id=call_id,
                )
            await self.legs.act(call_id, _recorder(recorder, channel, opened.asterisk_file))
        except Exception:
            self._running.pop(call_id, None)
            await self._archive.finish(opened.recording.id)
            raise
        return opened.recording

    async def _mute(self, call_id: str, running: _Running, mute: bool) -> None:
        action = Action(
            "MixMonitorMute",
            Channel=running.recording_half,
            Direction="both",
            State=1 if mute else 0,
        )
        await self.legs.act(call_id, action)
        running.paused = mute

    async def _finish(self, call_id: str) -> RecordingView:
        running = self._running.pop(call_id, None)
        if running is None:
            raise CallStateError(f"call {call_id} is not being recorded", call_id=call_id)
        # The recorder ends with the leg it listens to; one whose leg never appeared (the
        # call ended as it started) would wait on, so it is hung up here. Gone is fine.
        with contextlib.suppress(TelephonyUnavailableError):
            await send_action(self._client, _hangup(running))
        recording = await self._archive.index.get(running.recording_id)
        path = self._archive.path_of(recording)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        while loop.time() < deadline:
            facts = await asyncio.to_thread(inspect, path)
            if facts.complete:
                break
            await asyncio.sleep(0.2)
        view = await self._archive.finish(running.recording_id)
        remember(self.finished, call_id, view, KEPT_FINISHED)
        self._changed.set()
        return view


def _hangup(running: _Running) -> Action:
    """Hang a recorder up (its recording half; the waiting half goes with it). ChanSpy
    may notice only when the leg it listens to ends, so a recording is stopped with
    ``StopMixMonitor`` first, which closes the file at once."""
    return Action("Hangup", Channel=running.recording_half, Cause=16)


def _recorder(recorder: str, leg: str, file: str) -> Action:
    """The Originate of a recorder with Uniqueids ``recorder`` and ``recorder-2`` that
    records ``leg`` into ``file``."""
    return Action(
        "Originate",
        Channel=f"Local/s@{RECORD_CONTEXT}/n",
        Context=RECORD_CONTEXT,
        Exten=RECORD_HOLD_EXTEN,
        Priority=1,
        Variable=[f"{RECORD_LEG_VARIABLE}={leg}", f"{RECORD_FILE_VARIABLE}={file}"],
        ChannelId=recorder,
        OtherChannelId=f"{recorder}-2",
        CallerID="Recorder <recorder>",
        Timeout=10000,
        Async=True,
    )


__all__ = ["RecordingService"]
