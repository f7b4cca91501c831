"""The member's 360° summary as text (member screen, preview) and the calls in context."""

from __future__ import annotations

from rich.text import Text

from agent_tui.desk_state import DeskState
from cti.protocol import MemberSummary, RecentCall, stars


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
    # Spaces end a run rather than start the next: SVG viewers drop a run's leading spaces.
    text.append("Points: ")
    text.append(f"{points.valid:,} valid", "bold green")
    text.append(f", {points.cumulative:,} cumulative\n")
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


__all__ = ["calls_text", "member_lines", "stars"]
