"""The AMI actions the dialer sends: the callee's Originate and the connect to an agent."""

from __future__ import annotations

from crm_core.campaigns.schemas import CampaignView, Claim
from cti.ami import Action
from cti.bus import dialplan
from cti.settings import DialerSettings

IVR_MESSAGE = "ivr_message"
"""The campaign mode that plays a message and needs no agent."""


def entry(campaign: CampaignView) -> tuple[str, list[str]]:
    """Where an answered callee enters the dialplan, and the channel variables it reads.

    The values come from the campaign's checked definition (sound file names, a queue
    name, AMD's integer parameters): nothing a caller typed reaches the dialplan.
    """
    if campaign.mode == IVR_MESSAGE:
        variables = [f"{dialplan.IVR_MESSAGE_VARIABLE}={campaign.message or ''}"]
        if campaign.queue:
            variables.append(f"{dialplan.IVR_QUEUE_VARIABLE}={campaign.queue}")
        if campaign.survey:
            variables.append(f"{dialplan.IVR_SURVEY_VARIABLE}=yes")
        return dialplan.DIALER_IVR_CONTEXT, variables
    variables = []
    if campaign.message:
        variables.append(f"{dialplan.MACHINE_MESSAGE_VARIABLE}={campaign.message}")
    if campaign.amd and campaign.amd_params:
        params = ",".join(str(int(value)) for value in campaign.amd_params.values())
        variables.append(f"{dialplan.AMD_PARAMS_VARIABLE}={params}")
    return (dialplan.DIALER_AMD_CONTEXT if campaign.amd else dialplan.DIALER_CONTEXT), variables


def originate(campaign: CampaignView, claim: Claim, settings: DialerSettings) -> Action:
    """Dial the lead through the trunk; the callee's channel takes the attempt's id."""
    context, variables = entry(campaign)
    return Action(
        "Originate",
        {
            "Channel": settings.trunk.format(number=claim.phone.lstrip("+")),
            "ChannelId": claim.attempt_id,
            "Context": context,
            "Exten": dialplan.DIALER_START_EXTEN,
            "Priority": "1",
            "CallerID": campaign.caller_id or "",
            "Timeout": str(settings.ring_seconds * 1000),
            "Async": "true",
            "Variable": variables,
        },
    )


def connect_by_dial(channel: str, interface: str) -> tuple[Action, Action]:
    """Hand an answered callee to an agent's phone: set the target, then move the callee
    into the connect context, which dials it within what is left of the 2 s."""
    return (
        Action("Setvar", Channel=channel, Variable=dialplan.TARGET_VARIABLE, Value=interface),
        Action(
            "Redirect",
            Channel=channel,
            Context=dialplan.DIALER_CONNECT_CONTEXT,
            Exten=dialplan.CONNECT_DIAL_EXTEN,
            Priority=1,
        ),
    )


def connect_to_room(channel: str, room: str) -> Action:
    """Move an answered callee into a seated agent's room (a bridge move, no ringing)."""
    return Action(
        "Redirect", Channel=channel, Context=dialplan.DIALER_CONNECT_CONTEXT, Exten=room, Priority=1
    )


def seat_agent(interface: str, room: str, channel_id: str) -> Action:
    """Call the agent's phone into their own room, where they stay between calls."""
    return Action(
        "Originate",
        {
            "Channel": interface,
            "ChannelId": channel_id,
            "Context": dialplan.DIALER_AGENT_CONTEXT,
            "Exten": room,
            "Priority": "1",
            "Timeout": "30000",
            "Async": "true",
        },
    )


__all__ = [
    "IVR_MESSAGE",
    "connect_by_dial",
    "connect_to_room",
    "entry",
    "originate",
    "seat_agent",
]
