"""Merging one queue's counters over the Asterisks it exists on (pure)."""

from __future__ import annotations

from cti.cluster.views import EdgeSnapshot, MergedViews, merge_queue
from cti.protocol import AgentState, CallUpdate, QueueUpdate


def hotline(**fields: object) -> QueueUpdate:
    """The hotline's counters on one Asterisk."""
    base: dict[str, object] = {"queue": "hotline", "waiting": 0, "longest_wait_seconds": 0,
                               "agents_ready": 0, "agents_busy": 0, "agents_paused": 0,
                               "service_level_seconds": 20}  # fmt: skip
    return QueueUpdate(**{**base, **fields})  # type: ignore[arg-type]


def test_counts_add_up_waits_are_the_longest_and_means_are_weighted() -> None:
    one = hotline(waiting=2, longest_wait_seconds=30, agents_ready=1, offered=10, answered=8,
                  abandoned=2, sl_pct=0.5, asa_seconds=10.0, max_wait_seconds=90)  # fmt: skip
    two = hotline(waiting=1, longest_wait_seconds=70, agents_busy=3, offered=30, answered=24,
                  sl_pct=0.9, asa_seconds=20.0, max_wait_seconds=40)  # fmt: skip
    merged = merge_queue([one, two])
    assert (merged.waiting, merged.longest_wait_seconds) == (3, 70)
    assert (merged.agents_ready, merged.agents_busy, merged.offered) == (1, 3, 40)
    assert (merged.answered, merged.abandoned, merged.max_wait_seconds) == (32, 2, 90)
    assert merged.asa_seconds == (10.0 * 8 + 20.0 * 24) / 32  # exact: by answered calls
    assert merged.sl_pct == (0.5 * 10 + 0.9 * 30) / 40  # by offered: approximate


def test_unknown_figures_stay_unknown() -> None:
    merged = merge_queue([hotline(), hotline()])
    assert (merged.sl_pct, merged.asa_seconds, merged.max_wait_seconds) == (None, None, None)


def test_snapshots_travel_whole_and_merge_by_queue_name() -> None:
    agent = AgentState(login="li.na", state="ready", since="2026-03-02T09:00:00Z",
                       queues=["hotline"])  # fmt: skip
    call = CallUpdate(call_id="pbx2-1765000000.1", state="queued", caller="138",
                      since="2026-03-02T09:00:00Z", queue="vip")  # fmt: skip
    first = EdgeSnapshot("pbx1", (hotline(waiting=1),), (agent,), ())
    second = EdgeSnapshot("pbx2", (hotline(waiting=2), hotline(queue="vip")), (), (call,))
    assert EdgeSnapshot.decode(second.encode()) == second
    views = MergedViews.of([second, first])
    assert [(q.queue, q.waiting) for q in views.queues] == [("hotline", 3), ("vip", 0)]
    mine = views.visible(["hotline"])
    assert (mine.agents, mine.calls) == ((agent,), ())
    assert [q.queue for q in mine.queues] == ["hotline"]
