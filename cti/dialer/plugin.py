"""Wiring of the outbound dialer: its runners follow the AMI stream and the agents' states."""

from __future__ import annotations

from cti.bus.wiring import Wiring
from cti.dialer.http import dialer_routes
from cti.dialer.notifier import DialerNotifier
from cti.dialer.preview import PreviewDesk
from cti.dialer.preview_http import preview_routes
from cti.dialer.runner import CampaignRecorder
from cti.dialer.services import Dialer


def load(wiring: Wiring, *, recorder: CampaignRecorder | None = None) -> Dialer:
    """Run the campaigns' dialers and the agents' preview desk; serve their routes; push
    campaign figures to supervisors and each campaign call to its agent."""
    telephony = wiring.settings.telephony
    dialer = Dialer(
        crm=wiring.crm,
        client=wiring.client,
        model=wiring.model,
        agents=wiring.agents,
        settings=wiring.settings.dialer,
        default_region=wiring.settings.phone.default_region,
        recorder=recorder,
        wrap_up_seconds=lambda queue: telephony.wrapup_seconds.get(
            queue, telephony.default_wrapup_seconds
        ),
    )
    wiring.listen(dialer)
    wiring.run(dialer)
    notifier = DialerNotifier(hub=wiring.hub, agents=wiring.agents, crm=wiring.crm, dialer=dialer)
    dialer.on_outcome(notifier.outcome_recorded)
    dialer.on_change(notifier.campaign_touched)
    wiring.run(notifier)
    wiring.add_routes(dialer_routes(dialer))
    desk = PreviewDesk(
        crm=wiring.crm,
        client=wiring.client,
        model=wiring.model,
        settings=wiring.settings.dialer,
        on_recorded=dialer.recorded,  # the outcome listeners hear preview calls too
    )
    wiring.run(desk)
    wiring.add_routes(preview_routes(desk))
    return dialer


__all__ = ["load"]
