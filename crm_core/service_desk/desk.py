"""The service desk's services wired together by keyword over one database and clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, tzinfo

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.loyalty.services import Clock
from crm_core.service_desk.assets import AssetService
from crm_core.service_desk.kpis import ServiceKpiService
from crm_core.service_desk.plans import PlanService
from crm_core.service_desk.queries import RequestQueries
from crm_core.service_desk.requests import RequestService
from crm_core.service_desk.setup import ServiceSetup
from crm_core.service_desk.work_orders import WorkOrderService


@dataclass(frozen=True)
class ServiceDesk:
    """Every service-desk service."""

    requests: RequestService
    work_orders: WorkOrderService
    queries: RequestQueries
    setup: ServiceSetup
    assets: AssetService
    plans: PlanService
    kpis: ServiceKpiService

    def set_clock(self, clock: Clock) -> None:
        """Make every service read time from ``clock``."""
        for service in (
            self.requests,
            self.work_orders,
            self.queries,
            self.setup,
            self.assets,
            self.plans,
            self.kpis,
        ):
            service.clock = clock


def build_service_desk(
    *,
    db: Database,
    default_region: str = "CN",
    clock: Clock = utcnow,
    timezone: tzinfo = UTC,
) -> ServiceDesk:
    """The service desk over ``db``; ``timezone`` decides what "today" is for plans."""
    return ServiceDesk(
        requests=RequestService(db=db, default_region=default_region, clock=clock),
        work_orders=WorkOrderService(db=db, clock=clock),
        queries=RequestQueries(db=db, clock=clock),
        setup=ServiceSetup(db=db, clock=clock),
        assets=AssetService(db=db, clock=clock),
        plans=PlanService(db=db, default_region=default_region, clock=clock, timezone=timezone),
        kpis=ServiceKpiService(db=db, clock=clock),
    )
