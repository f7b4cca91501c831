"""Statistics routes: each queue's and each agent's figures per period (supervisors; an
agent reads only their own)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cti.http.auth import STAFF, SUPERVISORS
from cti.http.errors import ForbiddenError, InvalidQueryError
from cti.http.parsing import query_params
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.serialisers import Serialiser
from cti.kpi import QueueRules
from cti.settings import Settings
from cti.statistics.reports import (
    AgentReport,
    CallReport,
    QueueReport,
    ReportError,
    Window,
    agent_report,
    call_report,
    queue_report,
)
from cti.statistics.schemas import StatsQuery

QUEUE_REPORT = Serialiser(QueueReport, "QueueReport")
AGENT_REPORT = Serialiser(AgentReport, "AgentReport")
CALL_REPORT = Serialiser(CallReport, "CallReport")


def _window(query: StatsQuery, default_zone: str) -> Window:
    try:
        zone = ZoneInfo(query.zone or default_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidQueryError(f"zone: unknown time zone {query.zone!r}", field="zone") from None
    try:
        return Window(query.first, query.last or query.first, zone)
    except ReportError as error:
        raise InvalidQueryError(f"{error.field}: {error}", field=error.field) from None


def stats_routes(settings: Settings) -> tuple[Route, ...]:
    """``GET /api/stats/queues``, ``/api/stats/agents`` and ``/api/stats/calls`` over the
    stored queue_log."""
    telephony, default_zone = settings.telephony, settings.ivr.timezone

    async def queues(services: Services, caller: Caller) -> Any:
        query = query_params(caller.request, StatsQuery)
        window = _window(query, default_zone)

        def rules(name: str) -> QueueRules:
            level = telephony.service_level.get(name, telephony.service_level_seconds)
            return QueueRules(service_level=level, short_abandon=query.short_abandon)

        return await queue_report(services.crm, window, query.interval, rules, query.queue)

    async def agents(services: Services, caller: Caller) -> Any:
        query = query_params(caller.request, StatsQuery)
        window = _window(query, default_zone)
        agent = query.agent
        if caller.staff.role.value not in {role.value for role in SUPERVISORS}:
            own = caller.staff.display_name  # queue_log names a member by its member name
            if agent is not None and agent != own:
                raise ForbiddenError("an agent reads only their own figures", field="agent")
            agent = own
        return await agent_report(services.crm, window, query.interval, agent)

    async def callers(services: Services, caller: Caller) -> Any:
        query = query_params(caller.request, StatsQuery)
        window = _window(query, default_zone)
        return await call_report(services.crm, window, query.interval, query.queue)

    return (
        Route("GET", "/api/stats/queues", queues, "Each queue's figures per period",
              roles=SUPERVISORS, query=StatsQuery, response=QUEUE_REPORT, errors=BAD),
        Route("GET", "/api/stats/agents", agents, "Each agent's figures per period",
              roles=STAFF, query=StatsQuery, response=AGENT_REPORT, errors=BAD),
        Route("GET", "/api/stats/calls", callers, "The calls per period, across queues",
              roles=SUPERVISORS, query=StatsQuery, response=CALL_REPORT, errors=BAD),
    )  # fmt: skip


__all__ = ["stats_routes"]
