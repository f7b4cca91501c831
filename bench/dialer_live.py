"""Outbound dialer, live: one progressive campaign through the real service on the sandbox.

    .venv/bin/python bench/dialer_live.py [--agents 20] [--leads 500] [--answer-rate 0.3]
                                          [--no-answer-rate 0.2] [--talk 3] [--ring 15]
                                          [--queue hotline] [--first-phone 6101] [--seed 1]
                                          [--json]

Runs as root: it starts the Asterisk sandbox (``CTIDESK_SANDBOX_DIR``) on free loopback
ports and the whole `CtiService` in this process over a fresh SQLite CRM. N agent users on
auto-answer phones (``Local/61NN@test-phones/n``) are signed in to the campaign's queue
the way the service does it (``AgentService.sign_in``: AMI QueueAdd). The leads are
mainland numbers whose last digit picks the loopback callee's behaviour: ``0`` a person
(the answer rate), ``6`` rings until the ring time (at least 15 s), the rest alternately
``2`` busy and ``4`` unallocated; shuffled. One attempt per lead (``max_attempts`` 1).

A second AMI session of the bench's own (``bench/dialer_stamps.py``) reads Asterisk's
timestamped events of every attempt channel (its ``Uniqueid`` is the attempt id) and hangs
up each connected callee after ``--talk`` seconds, so the agents come back. Figures:

- connect latency, from Asterisk's ``Timestamp`` fields: answer (``Newstate`` Up of the
  callee) → the callee's ``BridgeEnter`` into the agent's call; p50/p99/max; **target
  p99 ≤ 200 ms**;
- where that time goes: answer → the dialer's first write about it (attempt answered)
  starts (local clock, same machine), that write, its end → ``VarSet CTIDESK_TARGET``
  (the Setvar done), → ``UserEvent connecting`` (the Redirect done), → ``DialBegin`` of
  the agent, → ``BridgeEnter``; every CRM write the dialer awaits, timed on the running
  service's instance (queueing for the one writer thread included), and which of them
  ended while a slow answer (> 50 ms) waited;
- calls dialled (``Newchannel``), answered, connected, abandoned (``UserEvent`` Step
  abandoned: the dialplan's 2-s clock fired), the abandon rate (÷ answered by a person),
  calls in flight (peak, mean), the agents' connected share, wall time from the start
  action to the last call's end; and the results the dialer wrote to the CRM, whose
  counts must agree with Asterisk's. Exit 1 on a MISS, a stalled or inconsistent run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import secrets
import socket
import sys
import tempfile
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from crm_core.db.migrate import upgrade
from cti.bus import dialplan
from cti.dialer.tracker import Ended, Outcome
from cti.sandbox import Sandbox
from cti.service import CtiService
from cti.settings import (
    AgiSettings,
    AmiSettings,
    ApiSettings,
    DatabaseSettings,
    DialerSettings,
    Settings,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, not its parent
    sys.path.insert(0, str(ROOT))

from bench.dialer_stamps import (  # noqa: E402
    P99_TARGET_MS,
    AmiTarget,
    Figures,
    Observer,
    WriteTimes,
    console,
    figures,
    print_table,
)

ALL_WEEK = {day: [["00:00", "23:59"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
PASSWORD = "bench horse battery staple"


@dataclass(frozen=True)
class Options:
    """What one run does."""

    agents: int = 20
    leads: int = 500
    answer_rate: float = 0.30
    no_answer_rate: float = 0.20
    talk_seconds: float = 3.0
    ring_seconds: int = 15
    queue: str = "hotline"
    seed: int = 1
    first_phone: int = 6101
    """The agents' phones are test-phones from here on: 6NNN answer at once (the tests use
    6001…), 7NNN after 2 s, 8NNN never (every connect misses the 2 s: abandons)."""
    stall_seconds: float = 60.0
    """Give up when no call has ended for this long (reported as incomplete)."""


def lead_numbers(options: Options) -> list[str]:
    """The leads: persons, no-answers, then busy and unallocated alternately; shuffled."""
    persons = round(options.leads * options.answer_rate)
    silent = min(options.leads - persons, round(options.leads * options.no_answer_rate))
    rest = options.leads - persons - silent
    kinds = [dialplan.CALLEE_PERSON] * persons + [dialplan.CALLEE_NO_ANSWER] * silent
    kinds += [(dialplan.CALLEE_BUSY, dialplan.CALLEE_UNALLOCATED)[n % 2] for n in range(rest)]
    random.Random(options.seed).shuffle(kinds)
    return [f"+86138{serial:07d}{kind}" for serial, kind in enumerate(kinds)]


# -- the service's side ------------------------------------------------------------------


@dataclass
class Progress:
    """The dialer's outcomes as it records them: the run ends when every lead has ended."""

    expected: int
    ended: set[str] = field(default_factory=set)
    last_end: float = field(default_factory=time.monotonic)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, _campaign_id: int, outcome: Outcome) -> None:
        if isinstance(outcome, Ended):
            self.ended.add(outcome.attempt_id)
            self.last_end = time.monotonic()
            self.changed.set()

    async def finished(self, stall_seconds: float) -> bool:
        """Wait until every lead has ended (True) or nothing ended for ``stall_seconds``."""
        while len(self.ended) < self.expected:
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 1.0)
            if time.monotonic() - self.last_end > stall_seconds:
                return False
        return True


def time_writes(service: CtiService) -> WriteTimes:
    """Time the CRM writes the dialer awaits (wrapped on the running service's instance)."""
    campaigns, times = service.crm.campaigns, WriteTimes()
    for name in ("claim_next", "attempt_answered", "attempt_connected", "attempt_ended"):
        setattr(campaigns, name, _timed(times, name, getattr(campaigns, name)))
    return times


def _timed(
    times: WriteTimes, name: str, write: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.time()
        try:
            return await write(*args, **kwargs)
        finally:
            times.add(name, args[0] if args else None, started, time.time())

    return timed


@contextlib.asynccontextmanager
async def running(target: AmiTarget, options: Options, workdir: Path) -> AsyncIterator[CtiService]:
    """The whole service over a fresh CRM in ``workdir``, online to the sandbox."""
    url = f"sqlite+aiosqlite:///{workdir / 'crm.db'}"
    await upgrade(url)
    settings = Settings(
        ami=AmiSettings(host=target.host, port=target.port, username=target.username,
                        secret=SecretStr(target.secret), ping_interval=5.0),
        api=ApiSettings(port=0),
        agi=AgiSettings(port=0, secret=SecretStr(secrets.token_urlsafe(24))),
        database=DatabaseSettings(url=url),
        dialer=DialerSettings(ring_seconds=options.ring_seconds),
    )  # fmt: skip
    service = CtiService(settings)
    try:
        await service.start(online_within=15)
        yield service
    finally:
        await service.stop()


async def sign_in_agents(service: CtiService, observer: Observer, options: Options) -> list[str]:
    """N agent users on auto-answer phones, signed in to the queue; their interfaces."""
    users = []
    for n in range(options.agents):
        users.append(await service.crm.users.add(
            {"login": f"bench{n + 1:02d}", "display_name": f"Bench {n + 1}", "role": "agent",
             "interface": f"Local/{options.first_phone + n}@test-phones/n",
             "queues": [{"queue": options.queue}]},
            password=PASSWORD,
        ))  # fmt: skip
    for user in users:
        await service.agents.sign_in(user, [options.queue])
    interfaces = [user.interface or "" for user in users]
    await observer.until(lambda: observer.members.issuperset(interfaces), within=15)
    return interfaces


async def sign_out_agents(service: CtiService, options: Options) -> None:
    """Leave the queue as it was (a shared sandbox keeps its members)."""
    for n in range(options.agents):
        with contextlib.suppress(Exception):
            user = await service.crm.users.get(f"bench{n + 1:02d}")
            await service.agents.sign_out(user, [options.queue])


async def create_campaign(service: CtiService, options: Options, phones: list[str]) -> int:
    """A progressive campaign on the queue with the leads imported (not started); its id."""
    await service.crm.users.add({"login": "boss", "display_name": "Boss", "role": "supervisor"})
    created = await service.crm.campaigns.create(
        {"name": "bench", "mode": "progressive", "queue": options.queue, "time_zone": "UTC",
         "windows": ALL_WEEK, "max_attempts": 1, "caller_id": "4008001234"},
        by="boss",
    )  # fmt: skip
    rows = "".join(f"{phone},Lead {n}\n" for n, phone in enumerate(phones))
    report = await service.crm.campaigns.import_csv(
        created.id, f"phone,name\n{rows}".encode(), default_region="CN"
    )
    if report.accepted != len(phones):
        raise RuntimeError(f"import accepted {report.accepted} of {len(phones)} leads")
    return created.id


# -- the run -------------------------------------------------------------------------------


async def run(target: AmiTarget, options: Options) -> Figures:
    """One campaign through the service on the sandbox at ``target``; its figures."""
    phones = lead_numbers(options)
    observer = Observer(options.talk_seconds)
    progress = Progress(expected=len(phones))
    await observer.open(target)
    try:
        with tempfile.TemporaryDirectory(prefix="dialer-bench-") as workdir:
            async with running(target, options, Path(workdir)) as service:
                writes = time_writes(service)
                service.dialer.on_outcome(progress)
                await sign_in_agents(service, observer, options)
                campaign_id = await create_campaign(service, options, phones)
                started = progress.last_end = time.monotonic()
                await service.crm.campaigns.set_status(campaign_id, "start", by="boss")
                await service.dialer.scan()
                complete = await progress.finished(options.stall_seconds)
                wall = progress.last_end - started
                await service.crm.campaigns.set_status(campaign_id, "stop", by="boss")
                attempts = await service.crm.campaigns.attempts(campaign_id)
                await sign_out_agents(service, options)
    finally:
        await observer.close()
    return figures(options.agents, options.leads, observer, writes, attempts, complete, wall)


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A free port on loopback."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def with_sandbox(options: Options, quiet: bool) -> Figures:
    """Start the sandbox on free ports, run, stop it by pid."""
    if os.geteuid() != 0:
        raise SystemExit("the Asterisk sandbox needs root (chroot, mount): run this as root")

    def progress(line: str) -> None:
        if not quiet:
            console.print(f"[sandbox] {line}", markup=False)

    sandbox = Sandbox(ami_port=free_port(), ami_username="ctidesk-bench",
                      sip_port=free_port(socket.SOCK_DGRAM), progress=progress)  # fmt: skip
    if (already := sandbox.status()) is not None:
        raise SystemExit(f"a sandbox already runs from {already.root} (pid {already.pid})")
    state = sandbox.up().state
    try:
        with Path(state.secrets_file).open("rb") as stream:
            secret = tomllib.load(stream)["ami"]["secret"]
        target = AmiTarget(state.ami_host, state.ami_port, state.ami_username, secret)
        return asyncio.run(run(target, options))
    finally:
        sandbox.down()


def main() -> int:
    """Parse the options, run, print; exit 1 on a MISS or an inconsistent run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--agents", type=int, default=Options.agents)
    parser.add_argument("--leads", type=int, default=Options.leads)
    parser.add_argument("--answer-rate", type=float, default=Options.answer_rate,
                        help="share of leads who answer (persons, last digit 0)")  # fmt: skip
    parser.add_argument("--no-answer-rate", type=float, default=Options.no_answer_rate,
                        help="share of leads who ring until --ring (last digit 6)")  # fmt: skip
    parser.add_argument("--talk", type=float, default=Options.talk_seconds,
                        help="seconds before the bench hangs up a connected call")  # fmt: skip
    parser.add_argument("--ring", type=int, default=Options.ring_seconds,
                        help="seconds an unanswered callee rings (≥ 15)")  # fmt: skip
    parser.add_argument("--queue", default=Options.queue)
    parser.add_argument("--first-phone", type=int, default=Options.first_phone,
                        help="agents' phones from here: 6NNN answer at once, 7NNN after "
                             "2 s, 8NNN never")  # fmt: skip
    parser.add_argument("--seed", type=int, default=Options.seed)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not 1 <= args.agents <= 99:
        parser.error("--agents must be between 1 and 99")
    if args.leads < 1:
        parser.error("--leads must be positive")
    if not (0 <= args.answer_rate <= 1 and 0 <= args.no_answer_rate <= 1 - args.answer_rate):
        parser.error("--answer-rate and --no-answer-rate must be shares adding up to ≤ 1")
    if not 6000 <= args.first_phone <= 8999 - args.agents:
        parser.error("--first-phone must leave all agents within 6000–8999")
    if args.ring < 15 or args.talk < 0:
        parser.error("--ring must be at least 15 (the regulation's minimum), --talk ≥ 0")
    logging.basicConfig(level=logging.WARNING)
    options = Options(agents=args.agents, leads=args.leads, answer_rate=args.answer_rate,
                      no_answer_rate=args.no_answer_rate, talk_seconds=args.talk,
                      ring_seconds=args.ring, queue=args.queue, seed=args.seed,
                      first_phone=args.first_phone)  # fmt: skip
    found = with_sandbox(options, quiet=args.json)
    if args.json:
        verdicts = {"consistent": found.consistent, "p99_target_ms": P99_TARGET_MS,
                    "p99_met": found.connect_p99 <= P99_TARGET_MS}  # fmt: skip
        print(json.dumps({**asdict(found), **verdicts}, indent=2, allow_nan=False))
    else:
        print_table(found)
    met = found.connect_p99 <= P99_TARGET_MS
    return 0 if met and found.complete and found.consistent else 1


if __name__ == "__main__":
    sys.exit(main())
