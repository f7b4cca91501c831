"""The CRM's services wired together by keyword; the service's composition root builds one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crm_core.activities.services import ActivityService
from crm_core.activities.template_service import TemplateService
from crm_core.calls.dispositions import DispositionService
from crm_core.calls.services import CallLogService
from crm_core.campaigns.services import CampaignService
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.knowledge.services import KnowledgeService
from crm_core.leases.services import NodeLeases
from crm_core.loyalty.approvals import PointsApprovals
from crm_core.loyalty.limits import PointsLimits
from crm_core.loyalty.reports import PointsReports
from crm_core.loyalty.rule_service import RuleService
from crm_core.loyalty.services import Clock, PointsService
from crm_core.member360.service import Member360Service
from crm_core.members.cards import CardService
from crm_core.members.directory import PhoneDirectory
from crm_core.members.services import MemberService
from crm_core.members.taps import CardTaps
from crm_core.orders.services import OrderService
from crm_core.queue_log.services import QueueLogStore
from crm_core.recording_index.services import RecordingIndex
from crm_core.selfservice.services import SelfService
from crm_core.service_desk.desk import ServiceDesk, build_service_desk
from crm_core.staff.audit import AccessAudit
from crm_core.staff.passwords import PasswordHashing
from crm_core.staff.services import UserService
from crm_core.staff.throttle import ThrottlePolicy
from crm_core.supervision.services import SupervisorAudit
from crm_core.surveys.analysis import SurveyReports
from crm_core.surveys.responses import ResponseService
from crm_core.surveys.services import QuestionnaireService


@dataclass(frozen=True)
class Crm:
    """Every CRM service over one database."""

    db: Database
    members: MemberService
    directory: PhoneDirectory
    cards: CardService
    points: PointsService
    reports: PointsReports
    rules: RuleService
    orders: OrderService
    users: UserService
    calls: CallLogService
    dispositions: DispositionService
    templates: TemplateService
    activities: ActivityService
    knowledge: KnowledgeService
    member360: Member360Service
    service_desk: ServiceDesk
    questionnaires: QuestionnaireService
    survey_responses: ResponseService
    survey_reports: SurveyReports
    supervisor_audit: SupervisorAudit
    recordings: RecordingIndex
    selfservice: SelfService
    campaigns: CampaignService
    queue_log: QueueLogStore
    approvals: PointsApprovals
    access_audit: AccessAudit
    leases: NodeLeases
    taps: CardTaps

    def set_clock(self, clock: Clock) -> Clock:
        """Make every service read time from ``clock``; returns the clock it replaces."""
        previous = self.points.clock
        for service in (
            self.points, self.cards, self.rules, self.users, self.calls, self.templates,
            self.activities, self.knowledge, self.member360, self.questionnaires,
            self.survey_responses, self.supervisor_audit, self.recordings, self.selfservice,
            self.campaigns, self.queue_log, self.approvals, self.access_audit, self.leases,
            self.taps,
        ):  # fmt: skip
            service.clock = clock
        self.service_desk.set_clock(clock)
        return previous

    async def close(self) -> None:
        """Release the database and the password-hashing threads."""
        self.users.close()
        await self.directory.close()
        await self.db.dispose()


def build_crm(
    *,
    database_url: str,
    default_region: str = "CN",
    points_validity_days: int = 730,
    token_ttl: timedelta = timedelta(hours=12),
    token_idle_timeout: timedelta | None = None,
    login_throttle: ThrottlePolicy | None = None,
    hashing: PasswordHashing | None = None,
    clock: Clock = utcnow,
    echo: bool = False,
    points_limits: PointsLimits | None = None,
    card_tap_window: timedelta = timedelta(minutes=5),
) -> Crm:
    """All CRM services over the database at ``database_url``."""
    db = Database(database_url, echo=echo)
    points = PointsService(db=db, validity_days=points_validity_days, clock=clock)
    service_desk = build_service_desk(db=db, default_region=default_region, clock=clock)
    activities = ActivityService(db=db, points=points, clock=clock)
    access_audit = AccessAudit(db=db, clock=clock)
    users = UserService(
        db=db, clock=clock, token_ttl=token_ttl, idle_timeout=token_idle_timeout,
        throttle=login_throttle, audit=access_audit, hashing=hashing,
    )  # fmt: skip
    return Crm(
        db=db,
        members=MemberService(db=db, points=points, default_region=default_region),
        directory=PhoneDirectory(db=db, default_region=default_region),
        cards=CardService(db=db, clock=clock),
        points=points,
        reports=PointsReports(db=db),
        rules=RuleService(db=db, clock=clock),
        orders=OrderService(db=db, points=points),
        users=users,
        calls=CallLogService(db=db, clock=clock, default_region=default_region),
        dispositions=DispositionService(db=db),
        templates=TemplateService(db=db, clock=clock),
        activities=activities,
        knowledge=KnowledgeService(db=db, clock=clock),
        member360=Member360Service(db=db, clock=clock),
        service_desk=service_desk,
        questionnaires=QuestionnaireService(db=db, clock=clock),
        survey_responses=ResponseService(db=db, clock=clock),
        survey_reports=SurveyReports(db=db),
        supervisor_audit=SupervisorAudit(db=db, clock=clock),
        recordings=RecordingIndex(db=db, clock=clock),
        selfservice=SelfService(
            db=db, activities=activities, default_region=default_region, clock=clock
        ),
        campaigns=CampaignService(db=db, default_region=default_region, clock=clock),
        queue_log=QueueLogStore(db=db, clock=clock),
        approvals=PointsApprovals(
            db=db,
            points=points,
            limits=points_limits,
            card_tap_window=card_tap_window,
            clock=clock,
        ),
        access_audit=access_audit,
        leases=NodeLeases(db=db, clock=clock),
        taps=CardTaps(db=db, clock=clock),
    )
