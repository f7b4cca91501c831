"""The campaign routes the console uses: the wall-board's campaign list, the agents' preview
desk and "do not call" (every path in this one place; each answer decoded once)."""

from __future__ import annotations

from agent_tui.client import DeskClient
from cti.protocol import (
    CampaignCallback,
    CampaignFigures,
    CampaignFiguresList,
    DoNotCallEntry,
    JsonObject,
    PreviewDialled,
    PreviewLead,
    PreviewOffer,
    PreviewSkipped,
)


class CampaignClient:
    """Campaign, preview and do-not-call requests over the console's REST client."""

    def __init__(self, client: DeskClient) -> None:
        self._client = client

    async def campaigns(self) -> tuple[CampaignFigures, ...]:
        """Every campaign with its figures (supervisors)."""
        return (await self._client.read(CampaignFiguresList, "/api/campaigns")).campaigns

    async def do_not_call(
        self, phone: str, reason: str, campaign_id: int | None = None
    ) -> DoNotCallEntry:
        """Never call ``phone`` again (everywhere, or in one campaign): written at once."""
        body: JsonObject = {"phone": phone, "reason": reason}
        if campaign_id is not None:
            body["campaign_id"] = campaign_id
        return await self._client.send(DoNotCallEntry, "/api/do-not-call", body)

    async def next_lead(self, campaign_id: int) -> PreviewLead | None:
        """The next lead of a preview campaign, claimed for this agent (None: nothing due)."""
        offer = await self._client.send(
            PreviewOffer, "/api/preview/next", {"campaign_id": campaign_id}
        )
        return offer.lead

    async def dial(self, attempt_id: str) -> PreviewDialled:
        """Dial a lead: the agent's phone rings first, then the callee."""
        return await self._client.send(PreviewDialled, f"/api/preview/{attempt_id}/dial")

    async def skip(self, attempt_id: str, reason: str) -> PreviewSkipped:
        """Give a lead back undialled: ``later`` or ``not-needed``."""
        return await self._client.send(
            PreviewSkipped, f"/api/preview/{attempt_id}/skip", {"reason": reason}
        )

    async def call_back(self, attempt_id: str, due_at: str, note: str | None) -> CampaignCallback:
        """A call-back of the lead, owned by this agent, due at ``due_at`` (ISO 8601)."""
        body: JsonObject = {"due_at": due_at}
        if note:
            body["note"] = note
        return await self._client.send(
            CampaignCallback, f"/api/preview/{attempt_id}/callback", body
        )


__all__ = ["CampaignClient"]
