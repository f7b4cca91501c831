"""The screen pop: the caller, the call's state and the member's 360° summary."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from agent_tui.desk_state import CallContext, DeskState
from cti.protocol import CampaignCall, MemberSummary, RecentCall, stars

STATE_BADGES = {
    "ringing": ("RINGING", "bold black on yellow blink"),
    "answered": ("TALKING", "bold white on red"),
    "held": ("ON HOLD", "bold black on cyan"),
    "transferred": ("TRANSFERRED", "bold"),
    "ended": ("ENDED", "bold reverse"),
    "abandoned": ("ABANDONED", "bold reverse"),
    "queued": ("QUEUED", "bold"),
}


def _day(text: str | None) -> str:
    return (text or "")[:10]


def _recorded_on(call: RecentCall) -> str:
    """What agents recorded on a logged call: how many notes, which requests."""
    notes = len(call.activities)
    parts = [f"{notes} note{'s' if notes != 1 else ''}"] if notes else []
    parts += [request.number for request in call.service_requests]
    return "".join(f" · {part}" for part in parts)


def member_lines(member: MemberSummary) -> Text:
    """The 360° summary of a member as the pop shows it."""
    profile, points, card = member.profile, member.points, member.active_card
    text = Text()
    text.append(profile.name, "bold")
    text.append(f"  {profile.number}  {stars(profile.level)}")
    if profile.member_type:
        text.append(f"  {profile.member_type}")
    text.append("\n")
    if card is not None:
        text.append(f"Card {card.card_number} {card.card_type or ''}\n")
    text.append("Points: valid ")
    text.append(f"{points.valid:,}", "bold green")
    text.append(f"  cumulative {points.cumulative:,}\n")
    where = " ".join(p for p in (profile.province, profile.city) if p)
    facts = [
        ("Category", profile.customer_category),
        ("Intent", profile.purchase_intent),
        ("Interest", profile.product_interest),
        ("Region", where or None),
    ]
    shown = [f"{label}: {value}" for label, value in facts if value]
    if shown:
        text.append("  ".join(shown) + "\n")
    requests = member.open_requests
    text.append(f"Open requests ({len(requests)})\n", "underline")
    for request in requests[:3]:
        text.append(f"  {request.number} {request.status} {request.subject}\n")
    calls = member.last_calls
    text.append(f"Last calls ({len(calls)})\n", "underline")
    for call in calls[:3]:
        outcome = "abandoned" if call.abandoned else call.disposition_code or ""
        text.append(
            f"  {_day(call.started_at)} {call.queue or ''} "
            f"{call.agent or ''} {outcome}{_recorded_on(call)}\n"
        )
    survey = member.last_survey
    if survey is not None:
        text.append(f"Last survey: {survey.score or '-'} ({_day(survey.completed_at)})")
    else:
        text.append("Last survey: none")
    return text


def campaign_lines(campaign: CampaignCall) -> Text:
    """What an outbound campaign's call asks of the agent: campaign, lead, script, codes."""
    text = Text()
    text.append(" CAMPAIGN ", "bold black on magenta")
    text.append(f" {campaign.campaign_name}", "bold magenta")
    text.append(f"  lead {campaign.lead_name or campaign.phone}\n")
    if campaign.script:
        text.append("Script: ", "bold")
        text.append(f"{campaign.script}\n", "italic")
    if campaign.dispositions:
        codes = " · ".join(f"{code.code} {code.label}" for code in campaign.dispositions)
        text.append(f"Codes: {codes}\n", "dim")
    return text


def pop_text(call: CallContext | None) -> Text:
    """The whole pop panel for the current call (or a hint when there is none)."""
    if call is None:
        return Text("No call. Press i to sign in; the next call pops here.", "dim")
    label, style = STATE_BADGES.get(call.state, (call.state.upper(), "bold"))
    text = Text()
    text.append(f" {label} ", style)
    text.append(f" {call.caller}", "bold")
    if call.did:
        text.append(f" → {call.did}")
    if call.inbound_media:
        text.append(f" ({call.inbound_media})", "italic")
    if call.queue:
        text.append(f"  queue {call.queue}")
    text.append("\n")
    if call.transferred_by:
        text.append(f"Transferred by {call.transferred_by}", "bold magenta")
        text.append(f": {call.note}\n" if call.note else "\n")
    if call.campaign is not None:
        text.append_text(campaign_lines(call.campaign))
    if call.verified_in_ivr:
        text.append("✔ verified in IVR (the member's PIN)\n", "bold green")
    elif call.identified_in_ivr:
        text.append("? identified in IVR by phone number only: not verified\n", "bold yellow")
    if not call.popped:
        text.append("Looking the caller up…", "italic")
        return text
    if call.member is None and call.campaign is not None:
        text.append("Not a member: ", "bold yellow")
        text.append("N opens the new-member form with this number.\n")
        return text
    if call.member is None:
        text.append("Unknown caller: ", "bold yellow")
        text.append("N opens the new-member form with this number.\n")
        return text
    return text + member_lines(call.member)


def calls_text(state: DeskState) -> Text:
    """The calls in context, the current one marked."""
    text = Text("Calls\n", "bold underline")
    if not state.calls:
        text.append("none", "dim")
    for call in state.calls.values():
        mark = "▶ " if call.call_id == state.current else "  "
        text.append(
            f"{mark}{call.caller} {call.state}\n  {call.member_name}\n",
            "bold" if mark.strip() else "",
        )
    return text


class PopPanel(Static):
    """The member in front of the agent."""

    DEFAULT_CSS = "PopPanel { width: 3fr; height: 1fr; padding: 0 1; overflow-y: auto; }"


class CallsPanel(Static):
    """Every call in context (a consult does not lose the first caller)."""

    DEFAULT_CSS = (
        "CallsPanel { width: 1fr; min-width: 18; height: 1fr; border-left: solid $panel; }"
    )


__all__ = [
    "CallsPanel",
    "PopPanel",
    "calls_text",
    "campaign_lines",
    "member_lines",
    "pop_text",
    "stars",
]
