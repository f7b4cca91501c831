"""Wiring of statistics: the report routes, the queue_log read continuously when the
settings name it, today's live figures from it, and ``/metrics`` when a token is set."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from crm_core.queue_log.services import QueueLogStore
from cti.bus.wiring import Wiring
from cti.kpi import QueueRules
from cti.model import CallCentreModel
from cti.settings import StatsSettings
from cti.statistics.http import stats_routes
from cti.statistics.metrics import LiveCollector, metrics_routes
from cti.statistics.reconcile import CallLogReconciler
from cti.statistics.table import QueueLogTableSource
from cti.statistics.tailer import QueueLogTailer
from cti.statistics.today import TodayBook


@dataclass(frozen=True)
class StatisticsDomain:
    """The queue_log reader (of the file or of the table; None when neither is set),
    today's live figures it feeds and the reconciling of the call log at start (None
    without a reader)."""

    tailer: QueueLogTailer | QueueLogTableSource | None
    today: TodayBook
    reconciler: CallLogReconciler | None = None


@dataclass(frozen=True)
class _TodayLoader:
    """Fills today's book from the stored lines before the reader's first read."""

    today: TodayBook
    store: QueueLogStore
    server: str

    async def start(self) -> None:
        await self.today.load(self.store, self.server)

    async def stop(self) -> None:
        return None


def live_rules(model: CallCentreModel, default: int) -> Callable[[str], QueueRules]:
    """A queue's rules live: the threshold the wall-board shows for it (the settings'
    override, else Asterisk's ``servicelevel``, else ``default``)."""

    def rules(queue: str) -> QueueRules:
        view = model.queue(queue, time.time())
        return QueueRules(service_level=view.service_level_seconds if view else default)

    return rules


def _reader(
    settings: StatsSettings, store: QueueLogStore, today: TodayBook
) -> QueueLogTailer | QueueLogTableSource:
    """The reader of the file the settings name, else of the table."""
    if settings.queue_log:
        return QueueLogTailer(path=Path(settings.queue_log), server=settings.server,
                              store=store, poll_seconds=settings.poll_seconds,
                              on_lines=today.feed)  # fmt: skip
    url = settings.queue_log_table_url
    password = settings.queue_log_table_password

    async def connect() -> asyncpg.Connection:
        secret = password.get_secret_value() if password is not None else None
        connection: asyncpg.Connection = await asyncpg.connect(url, password=secret)
        return connection

    return QueueLogTableSource(
        connect=connect, table=settings.queue_log_table, server=settings.server, store=store,
        zone=ZoneInfo(settings.queue_log_table_timezone), poll_seconds=settings.poll_seconds,
        on_lines=today.feed,
    )  # fmt: skip


def load(wiring: Wiring, server: Callable[[], str] = lambda: "") -> StatisticsDomain:
    """Serve the statistics routes (and ``/metrics`` with ``[stats] metrics_token``); read
    ``[stats] queue_log`` (or ``queue_log_table_url``) into the store and today's figures
    while the service runs, and give the calls that ended while it was down their call
    records, under ``server()`` as the call log's live records are (the edge's systemname;
    "" on a single node)."""
    wiring.add_routes(stats_routes(wiring.settings))
    settings = wiring.settings.stats
    zone = ZoneInfo(wiring.settings.ivr.timezone)
    default_level = wiring.settings.telephony.service_level_seconds
    today = TodayBook(zone=zone, rules=live_rules(wiring.model, default_level))
    if settings.metrics_token is not None:
        collector = LiveCollector(model=wiring.model, today=today)
        token = settings.metrics_token.get_secret_value()
        wiring.add_routes(
            metrics_routes(token=token, collector=collector, others=wiring.collectors)
        )
    if not settings.queue_log and not settings.queue_log_table_url:
        return StatisticsDomain(tailer=None, today=today)
    wiring.run(_TodayLoader(today=today, store=wiring.crm.queue_log, server=settings.server))
    tailer = _reader(settings, wiring.crm.queue_log, today)
    reconciler = CallLogReconciler(crm=wiring.crm, tailer=tailer, server=server)
    wiring.run(reconciler)  # before the reader: it notes where the last service stopped
    wiring.run(tailer)
    return StatisticsDomain(tailer=tailer, today=today, reconciler=reconciler)


__all__ = ["StatisticsDomain", "live_rules", "load"]
