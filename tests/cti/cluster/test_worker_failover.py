"""Worker singletons across processes (issue 18, scenario 3 for the workers): SIGKILL the
worker holding the SLA scan and another takes it over within the lease's life and a
second, noting nothing twice; SIGSTOP a holder past its expiry and SIGCONT it after
another took over: it stops running the job (its renewal is refused, or its write is, by
epoch) and nothing is noted twice."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.service_desk.breaches import breaches_noted
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.crm import new_member
from tests.support.nats import NatsServer
from tests.support.nodes import NodeProcess, holder_node, lease_named, taken_by, until
from tests.support.service_desk import desk_with_queues

LEASE_SECONDS = 3.0
JOB_LEASE = "singleton-sla-scan"


@pytest.fixture
def workers(postgres_url: str, nats: NatsServer, tmp_path: Path) -> Iterator[list[NodeProcess]]:
    """Three worker nodes (not started), stopped by pid at the end."""
    env = {
        "CTIDESK_DATABASE_URL": postgres_url, "CTIDESK_NATS_URL": nats.url,
        "CTIDESK_NODE_LEASE_SECONDS": str(LEASE_SECONDS),
        "CTIDESK_NODE_HEARTBEAT_SECONDS": "0.5", "CTIDESK_NODE_SLA_SCAN_SECONDS": "0.2",
    }  # fmt: skip
    nodes = [NodeProcess(name=f"worker-{n}", roles="worker", log_dir=tmp_path, env=env)
             for n in "abc"]  # fmt: skip
    try:
        yield nodes
    finally:
        for node in nodes:
            node.stop()


async def open_overdue_requests(crm: Crm, count: int) -> set[tuple[int, str]]:
    """``count`` repair requests logged months ago (both deadlines long missed); the
    breaches a scan must note for them."""
    desk = crm.service_desk
    member = await new_member(crm, phone=f"1381234{len(await noted(crm)):04d}")
    opened = set()
    for _ in range(count):
        request = await desk.requests.open(
            {"subject": "GPS 无法充电", "request_type": "repair", "member_number": member,
             "queue": "pc-digital"}, actor="agent1",
        )  # fmt: skip
        request_id = int(request.number.split("-")[1])
        opened |= {(request_id, "response"), (request_id, "resolution")}
    return opened


async def noted(crm: Crm) -> list[tuple[int, str]]:
    """Every breach noted so far, in order."""
    async with crm.db.read() as session:
        return await session.run_sync(breaches_noted)


async def test_a_killed_or_paused_worker_hands_its_singleton_over_without_double_work(
    postgres_url: str, workers: list[NodeProcess]
) -> None:
    clock = Clock()  # months ago: every request opened on it is overdue now
    crm = build_crm(database_url=postgres_url, clock=clock)
    try:
        await desk_with_queues(crm, clock)
        expected = await open_overdue_requests(crm, 3)
        first_pair = workers[:2]
        for node in first_pair:
            node.start()

        async def all_noted() -> bool:
            return set(await noted(crm)) == expected

        await until(all_noted, within=60)
        lease = await lease_named(crm, JOB_LEASE)
        holder = holder_node(lease, first_pair)
        assert lease is not None and holder is not None
        other = next(node for node in first_pair if node is not holder)

        holder.signal(signal.SIGKILL)
        holder.wait_gone()
        expected |= await open_overdue_requests(crm, 2)

        taken_over = taken_by(crm, JOB_LEASE, lease, [other])

        # Time-boxed as the issue asks: the lease's life, its renewal third, and a second.
        await until(taken_over, within=LEASE_SECONDS + LEASE_SECONDS / 3 + 1)
        await until(all_noted, within=30)

        # SIGSTOP the new holder past its expiry; a third worker takes over meanwhile.
        paused = other
        before = await lease_named(crm, JOB_LEASE)
        assert before is not None
        paused.signal(signal.SIGSTOP)
        third = workers[2].start()

        third_holds = taken_by(crm, JOB_LEASE, before, [third])

        await until(third_holds, within=60)
        expected |= await open_overdue_requests(crm, 2)
        await until(all_noted, within=30)
        paused.signal(signal.SIGCONT)

        async def paused_stopped() -> bool:
            return "stopped running singleton sla-scan" in paused.log_text()

        await until(paused_stopped, within=30)
        woke = paused.log_text()
        assert "was refused" in woke or f"lease {JOB_LEASE} lost" in woke
        expected |= await open_overdue_requests(crm, 1)
        await until(all_noted, within=30)
        everything = await noted(crm)
        assert len(everything) == len(set(everything)) == len(expected)  # nothing twice
        after = await lease_named(crm, JOB_LEASE)
        assert holder_node(after, [third]) is not None
    finally:
        await crm.close()
