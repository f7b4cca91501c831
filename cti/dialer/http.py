"""The dialer's routes: campaigns (define, list, import leads, start/pause/resume/stop, live
figures) for supervisors, and the agent's one-key "do not call"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crm_core.campaigns.rates import DAY, MONTH, abandon_rate
from crm_core.campaigns.schemas import CampaignView, ImportReport
from cti.dialer.schemas import CampaignActionBody, CampaignBody, DoNotCallBody
from cti.dialer.seats import Seats
from cti.dialer.services import Dialer
from cti.http.auth import STAFF, SUPERVISORS
from cti.http.errors import ApiError
from cti.http.parsing import json_body, path_id
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.serialisers import Serialiser

MAX_LIST_BYTES = 20 * 1024 * 1024
"""The largest lead list one upload may carry (about 300,000 rows)."""


class ListTooLargeError(ApiError):
    """A lead list over :data:`MAX_LIST_BYTES`."""

    status = 413
    error_id = "list-too-large"


@dataclass(frozen=True)
class CampaignFigures:
    """A campaign and how it is going: the rolling abandon rates and this process's runner."""

    campaign: CampaignView
    abandon_rate_30d: float
    abandon_rate_24h: float
    dialling_here: bool
    dialled: int
    answered: int
    connected: int
    abandoned: int
    machines: int
    in_flight: int


@dataclass(frozen=True)
class CampaignList:
    """Every campaign with its figures."""

    campaigns: list[CampaignFigures]


@dataclass(frozen=True)
class DoNotCall:
    """A number suppressed: where, why, by whom, until when."""

    phone: str
    campaign_id: int | None
    reason: str
    created_by: str
    expires_at: datetime | None


@dataclass(frozen=True)
class AgentSeat:
    """An agent's room for predictive campaigns: seated while their phone is in it."""

    login: str
    room: str
    seated: bool


CAMPAIGN = Serialiser(CampaignView, "Campaign")
SEAT = Serialiser(AgentSeat, "AgentSeat")
FIGURES = Serialiser(CampaignFigures, "CampaignFigures")
CAMPAIGNS = Serialiser(CampaignList, "CampaignList")
IMPORT_REPORT = Serialiser(ImportReport, "LeadImportReport")
DO_NOT_CALL = Serialiser(DoNotCall, "DoNotCall")


def campaign_id_of(caller: Caller) -> int:
    """The ``{campaign_id}`` of the path (ASCII digits: ``\\d`` in the pattern takes others)."""
    return path_id(caller.request, "campaign_id")


def dialer_routes(dialer: Dialer) -> tuple[Route, ...]:
    """The routes over one dialer (its runners know the live figures)."""

    async def figures(services: Services, campaign: CampaignView) -> CampaignFigures:
        now = datetime.now(UTC)
        store = services.crm.campaigns
        month = await store.abandon_counts(campaign.id, since=now - MONTH)
        day = await store.abandon_counts(campaign.id, since=now - DAY)
        runner = dialer.runners.get(campaign.id)
        # The CRM's totals, as the pushes carry them: every process agrees on them.
        totals = await store.counters(campaign.id)
        return CampaignFigures(
            campaign=campaign,
            abandon_rate_30d=abandon_rate(month),
            abandon_rate_24h=abandon_rate(day),
            dialling_here=dialer.counters(campaign.id) is not None,
            dialled=totals.dialled,
            answered=totals.answered,
            connected=totals.connected,
            abandoned=totals.abandoned,
            machines=totals.machines,
            in_flight=runner.tracker.in_flight if runner else 0,
        )

    async def list_campaigns(services: Services, caller: Caller) -> CampaignList:
        """Every campaign with its figures."""
        campaigns = await services.crm.campaigns.list()
        return CampaignList([await figures(services, campaign) for campaign in campaigns])

    async def create(services: Services, caller: Caller) -> CampaignView:
        """Define a campaign (it starts in draft)."""
        body = await json_body(caller.request, CampaignBody)
        return await services.crm.campaigns.create(body.spec(), by=caller.staff.login)

    async def show(services: Services, caller: Caller) -> CampaignFigures:
        """One campaign with its figures."""
        campaign = await services.crm.campaigns.get(campaign_id_of(caller))
        return await figures(services, campaign)

    async def act(services: Services, caller: Caller) -> CampaignView:
        """Start, pause, resume or stop a campaign; the dialer follows at once."""
        body = await json_body(caller.request, CampaignActionBody)
        campaign = await services.crm.campaigns.set_status(
            campaign_id_of(caller), body.action, by=caller.staff.login
        )
        await dialer.scan()
        return campaign

    async def import_leads(services: Services, caller: Caller) -> ImportReport:
        """Add the leads of a CSV list (UTF-8, or GB18030 said so in the report)."""
        data = await caller.request.content.read(MAX_LIST_BYTES + 1)
        if len(data) > MAX_LIST_BYTES:
            raise ListTooLargeError(f"a lead list may hold at most {MAX_LIST_BYTES} bytes")
        return await services.crm.campaigns.import_csv(
            campaign_id_of(caller),
            data,
            default_region=dialer.default_region,
        )

    async def do_not_call(services: Services, caller: Caller) -> DoNotCall:
        """Never call this number again (everywhere, or in one campaign): written at once."""
        body = await json_body(caller.request, DoNotCallBody)
        now = datetime.now(UTC)
        expires = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
        entry = await services.crm.campaigns.suppress(
            body.phone,
            campaign_id=body.campaign_id,
            source="agent",
            reason=body.reason,
            by=caller.staff.login,
            expires_at=expires,
        )
        return DoNotCall(
            entry.phone, entry.campaign_id, entry.reason, entry.created_by, entry.expires_at
        )

    async def seat(services: Services, caller: Caller) -> AgentSeat:
        """Call my phone into my room: predictive campaign calls come to it with no ring."""
        user = caller.staff
        taken = await dialer.seat(user)
        return AgentSeat(user.login, Seats.room_of(user.login), taken.seated)

    async def unseat(services: Services, caller: Caller) -> AgentSeat:
        """Leave my room (my phone hangs up): no more predictive calls come to me."""
        user = caller.staff
        await dialer.unseat(user)
        return AgentSeat(user.login, Seats.room_of(user.login), seated=False)

    one = "/api/campaigns/{campaign_id:[0-9]{1,12}}"
    return (
        Route("GET", "/api/campaigns", list_campaigns, "Campaigns and their figures",
              roles=SUPERVISORS, response=CAMPAIGNS),
        Route("POST", "/api/campaigns", create, "Define an outbound campaign",
              roles=SUPERVISORS, body=CampaignBody, response=CAMPAIGN, errors=(*BAD, 409)),
        Route("GET", one, show, "A campaign and its figures",
              roles=SUPERVISORS, response=FIGURES, errors=(404,)),
        Route("POST", f"{one}/status", act, "Start, pause, resume or stop a campaign",
              roles=SUPERVISORS, body=CampaignActionBody, response=CAMPAIGN,
              errors=(*BAD, 404, 409)),
        Route("POST", f"{one}/leads", import_leads, "Import a CSV lead list",
              roles=SUPERVISORS, response=IMPORT_REPORT, errors=(*BAD, 404, 413)),
        Route("POST", "/api/dialer/seat", seat, "Seat me in my room for predictive calls",
              roles=STAFF, response=SEAT, errors=(409, 503)),
        Route("POST", "/api/dialer/unseat", unseat, "Leave my room",
              roles=STAFF, response=SEAT, errors=(503,)),
        Route("POST", "/api/do-not-call", do_not_call, "Never call a number again",
              roles=STAFF, body=DoNotCallBody, response=DO_NOT_CALL, errors=BAD),
    )  # fmt: skip


__all__ = ["AgentSeat", "CampaignFigures", "CampaignList", "DoNotCall", "dialer_routes"]
