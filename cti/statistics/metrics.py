"""``GET /metrics``: live per-queue and per-agent figures in Prometheus' text format.

Written with the official client library (``prometheus_client``) from a collector of
our own over a registry of our own (not the library's process-wide one): each scrape
reads the live model (callers waiting, agents by state) and the statistics' live stint
book (today's stints by outcome, SL, ASA, each agent's calls and talk), so Grafana shows
the wall-board's figures on the reports' definitions. The "today" counters start again
at the site's midnight (a counter reset, which ``rate()`` and ``increase()`` handle).

Who may read it: only a scraper that sends ``Authorization: Bearer <[stats]
metrics_token>`` (a secret of 24 characters or more, compared in constant time); without
that setting the route is not served at all. The figures name queues and agents, so
they are not left open to whoever reaches the API's port.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cti.http.errors import ApiError
from cti.http.routes import Caller, Route, Services
from cti.kpi import Outcome
from cti.model import AgentStatus, CallCentreModel
from cti.statistics.today import TodayBook


class MetricsTokenError(ApiError):
    """``/metrics`` without the scraper's token, or with another one."""

    status = 401
    error_id = "invalid-metrics-token"


def _queue_metrics(model: CallCentreModel, at: float) -> Iterable[Metric]:
    waiting = GaugeMetricFamily("ctidesk_queue_waiting", "Callers waiting now.", labels=["queue"])
    longest = GaugeMetricFamily(
        "ctidesk_queue_longest_wait_seconds", "Longest wait of a caller waiting now.",
        labels=["queue"],
    )  # fmt: skip
    members = GaugeMetricFamily(
        "ctidesk_queue_agents", "The queue's members by state now.", labels=["queue", "state"]
    )
    for name in model.queue_names():
        queue = model.queue(name, at)
        if queue is None:
            continue
        waiting.add_metric([name], len(queue.callers))
        longest.add_metric([name], max((c.wait_time for c in queue.callers), default=0.0))
        states = [model.agent(m.interface, at) for m in queue.members]
        for status in AgentStatus:
            count = sum(1 for a in states if a is not None and a.state is status)
            members.add_metric([name, status.value], count)
    return (waiting, longest, members)


def _today_metrics(today: TodayBook) -> Iterable[Metric]:
    help_today = "since the site's midnight (cti.kpi definitions)"
    stints = CounterMetricFamily(
        "ctidesk_queue_stints", f"Stints that entered the queue, by outcome, {help_today}.",
        labels=["queue", "outcome"],
    )  # fmt: skip
    blocked = CounterMetricFamily(
        "ctidesk_queue_blocked", f"Calls that never got in, by reason, {help_today}.",
        labels=["queue", "reason"],
    )  # fmt: skip
    level = GaugeMetricFamily(
        "ctidesk_queue_service_level_ratio",
        f"Answered within the threshold ÷ (offered − waiting − short abandons), {help_today}.",
        labels=["queue"],
    )
    asa = GaugeMetricFamily(
        "ctidesk_queue_asa_seconds", f"Mean wait of the answered, {help_today}.", labels=["queue"]
    )
    longest = GaugeMetricFamily(
        "ctidesk_queue_max_wait_seconds", f"Longest wait of a stint, {help_today}.",
        labels=["queue"],
    )  # fmt: skip
    for name in today.queues():
        figures = today.figures(name)
        by_outcome = {
            Outcome.ANSWERED: figures.answered, Outcome.ABANDONED: figures.abandoned,
            Outcome.TIMED_OUT: figures.timed_out, Outcome.KEY_EXIT: figures.key_exits,
            Outcome.EXIT_EMPTY: figures.exit_empty, Outcome.WITHDRAWN: figures.withdrawn,
            Outcome.FAILED: figures.failed,
        }  # fmt: skip
        for outcome, count in by_outcome.items():
            stints.add_metric([name, outcome.value], count)
        stints.add_metric([name, "waiting"], figures.waiting)
        for reason, count in figures.blocked.items():
            blocked.add_metric([name, reason], count)
        for family, value in ((level, figures.sl_pct), (asa, figures.asa_s),
                              (longest, figures.max_wait_s)):  # fmt: skip
            if value is not None:  # no value, never 0: nothing counts yet
                family.add_metric([name], value / 100 if family is level else value)
    return (stints, blocked, level, asa, longest)


def _agent_metrics(model: CallCentreModel, today: TodayBook, at: float) -> Iterable[Metric]:
    state = GaugeMetricFamily(
        "ctidesk_agent_state", "1 for the state each agent is in now.", labels=["agent", "state"]
    )
    for agent in model.snapshot(at).agents:
        for status in AgentStatus:
            state.add_metric([agent.name or agent.interface, status.value],
                             1 if agent.state is status else 0)  # fmt: skip
    answered = CounterMetricFamily(
        "ctidesk_agent_answered", "Queue calls the agent answered since the site's midnight.",
        labels=["agent"],
    )  # fmt: skip
    talk = CounterMetricFamily(
        "ctidesk_agent_talk_seconds",
        "Talk of the agent's ended queue calls since the site's midnight.", labels=["agent"],
    )  # fmt: skip
    calls: dict[str, int] = {}
    talked: dict[str, int] = {}
    for stint in today.stints():
        if stint.outcome is Outcome.ANSWERED and stint.agent:
            calls[stint.agent] = calls.get(stint.agent, 0) + 1
            talked[stint.agent] = talked.get(stint.agent, 0) + (stint.talk or 0)
    for member in sorted(calls):
        answered.add_metric([member], calls[member])
        talk.add_metric([member], talked[member])
    return (state, answered, talk)


class LiveCollector(Collector):
    """The live model's and today's figures, read at each scrape."""

    def __init__(
        self, *, model: CallCentreModel, today: TodayBook, clock: Callable[[], float] = time.time
    ) -> None:
        self._model = model
        self._today = today
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        """Every metric family, read now."""
        at = self._clock()
        yield from _queue_metrics(self._model, at)
        yield from _today_metrics(self._today)
        yield from _agent_metrics(self._model, self._today, at)


def metrics_routes(
    *, token: str, collector: Collector, others: Iterable[Collector] = ()
) -> tuple[Route, ...]:
    """``GET /metrics`` for a scraper that sends ``token`` as its bearer token: the live
    figures, and ``others`` (a node's own figures when it is one of several)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    for other in others:
        registry.register(other)
    expected = f"Bearer {token}".encode()

    async def metrics(_services: Services, caller: Caller) -> Any:
        sent = caller.request.headers.get("Authorization", "").encode()
        if not hmac.compare_digest(sent, expected):
            raise MetricsTokenError("send 'Authorization: Bearer <[stats] metrics_token>'")
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})  # fmt: skip

    return (
        Route("GET", "/metrics", metrics, "Live figures in Prometheus' text format (scrapers)",
              roles=None, errors=(401,), media_type="text/plain"),
    )  # fmt: skip


__all__ = ["LiveCollector", "MetricsTokenError", "metrics_routes"]
