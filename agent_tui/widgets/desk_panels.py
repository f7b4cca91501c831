"""The agent desk's call card, member card and panels (requests, calls, ledger, script).

Each ``*_card``/``*_table`` function turns the desk's state into a Rich renderable (no
Textual, no I/O), so the same text is what snapshots, Pilot tests and the tmux run read.
Everything from the service is a :class:`~rich.text.Text` cell: never read as markup.
Rich measures cells, so double-width (Chinese) names stay aligned in the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Static

from agent_tui.desk_state import CallContext
from agent_tui.widgets.status_bar import clock_text
from cti.protocol import CampaignCall, LedgerEntry, MemberSummary, RecentCall, stars

STATE_BADGES = {
    "ringing": ("RINGING", "bold black on yellow"),
    "answered": ("TALKING", "bold white on red"),
    "held": ("ON HOLD", "bold black on cyan"),
    "transferred": ("TRANSFERRED", "bold reverse"),
    "ended": ("ENDED", "bold reverse"),
    "abandoned": ("ABANDONED", "bold reverse"),
    "queued": ("QUEUED", "bold reverse"),
}
TOP_LEVEL = 5


@dataclass(frozen=True)
class PanelSpec:
    """One of the desk's panels: its id, its title and the key that shows it (narrow desk)."""

    panel_id: str
    title: str
    key: str


PANELS = (
    PanelSpec("requests", "Open requests", "1"),
    PanelSpec("history", "Last calls", "2"),
    PanelSpec("ledger", "Points ledger", "3"),
    PanelSpec("script", "Script", "4"),
)


def _day(text: str | None) -> str:
    return (text or "")[:10]


def _when(text: str | None) -> str:
    """``MM-DD HH:MM`` of an ISO time (what fits a table cell)."""
    return (text or "")[5:16].replace("T", " ")


def _timer(value: timedelta | None) -> str:
    return "--:--" if value is None else clock_text(value.total_seconds())


def call_card(call: CallContext | None, now: datetime) -> Text:
    """The call: state badge, number, DID and media, queue, timers and the IVR badge."""
    if call is None:
        return Text("No call. i: sign in, P: ready; the next call pops here.", "dim")
    label, style = STATE_BADGES.get(call.state, (call.state.upper(), "bold reverse"))
    # Spaces end a run rather than start the next: SVG viewers drop a run's leading spaces.
    text = Text()
    text.append(f" {label} ", style)
    text.append(" ")
    text.append(call.caller, "bold")
    if call.did:
        text.append(f" → {call.did}")
    if call.inbound_media:
        text.append(" ")
        text.append(f"({call.inbound_media})", "italic")
    wait, talk, hold = call.timers(now)
    text.append(f"\nqueue {call.queue}  " if call.queue else "\n")
    text.append(f"wait {_timer(wait)}  talk {_timer(talk)}  hold {_timer(hold)}  ")
    if call.verified_in_ivr:
        text.append("✔ VERIFIED (PIN in IVR)", "bold green")
    elif call.identified_in_ivr:
        text.append("? IDENTIFIED by number only: not verified", "bold yellow")
    if call.campaign is not None:
        text.append("\n")
        text.append(" CAMPAIGN ", "bold black on magenta")
        text.append(" ")
        text.append(call.campaign.campaign_name, "bold magenta")
        text.append(f"  lead {call.campaign.lead_name or call.campaign.phone}  (4: script)")
    if call.transferred_by:
        text.append("\n")
        text.append(f"Transferred by {call.transferred_by}", "bold magenta")
        text.append(f": {call.note}" if call.note else "")
    return text


def member_card(call: CallContext | None) -> Text:
    """Who the caller is: name, number, level, points and the next expiry, tags, survey."""
    if call is None:
        return Text()
    if not call.popped:
        return Text("Looking the caller up…", "italic")
    member = call.member
    if member is None:
        text = Text("Not a member: " if call.campaign is not None else "Unknown caller: ")
        text.stylize("bold yellow")
        return text.append("N opens the new-member form with this number.")
    return member_text(member)


def member_text(member: MemberSummary) -> Text:
    """A member's card (the pop's and the member screen's)."""
    profile, points = member.profile, member.points
    text = Text()
    text.append(profile.name, "bold")
    text.append("\n" if len(profile.name) > 24 else "  ")
    text.append(f"{profile.number}  {stars(profile.level)} level {profile.level}")
    text.append(" (top)" if profile.level >= TOP_LEVEL else f" of {TOP_LEVEL}")
    card = member.active_card
    if card is not None:
        text.append(f"  card {card.card_number}")
    text.append("\nPoints ")
    text.append(f"{points.valid:,} valid", "bold green")
    text.append(f", {points.cumulative:,} cumulative")
    if points.expiring_soon:
        first = min(points.expiring_soon, key=lambda lot: lot.expires_at)
        text.append("; ")
        text.append(f"{first.points:,} expire {_day(first.expires_at)}", "bold yellow")
    tags = member_tags(member)
    if tags:
        text.append("\n")
        for tag in tags:
            text.append(f" {tag} ", "reverse")
            text.append(" ")
    survey = member.last_survey
    text.append("\nLast survey: ")
    if survey is None:
        text.append("none", "dim")
    else:
        text.append(f"{survey.score or '-'} ({survey.questionnaire}, {_day(survey.completed_at)})")
    return text


def member_tags(member: MemberSummary) -> list[str]:
    """What the CRM says of the member in a word each: type, category, intent, interest, city."""
    profile = member.profile
    found = (
        profile.member_type,
        profile.customer_category,
        profile.purchase_intent,
        profile.product_interest,
        profile.city,
    )
    return [tag for tag in dict.fromkeys(found) if tag]


def _table(*columns: tuple[str, dict[str, object]]) -> Table:
    table = Table(box=None, expand=True, pad_edge=False, show_edge=False, header_style="bold")
    for header, options in columns:
        table.add_column(header, no_wrap=True, overflow="ellipsis", **options)  # type: ignore[arg-type]
    return table


def _none(what: str) -> Text:
    return Text(f"No {what}.", "dim")


def requests_table(member: MemberSummary | None) -> RenderableType:
    """Open service requests: number, subject, status, due date."""
    if member is None or not member.open_requests:
        return _none("open service request")
    table = _table(("Request", {}), ("Subject", {"ratio": 1}), ("Status", {}), ("Due", {}))
    for request in member.open_requests:
        table.add_row(
            Text(request.number), Text(request.subject), Text(request.status),
            Text(_day(request.resolution_due)),
        )  # fmt: skip
    return table


def _outcome(call: RecentCall) -> str:
    return "abandoned" if call.abandoned else call.disposition_code or "-"


def _note(call: RecentCall) -> str:
    notes = [call.disposition_note or "", *(note.body for note in call.activities)]
    notes += [f"{request.number} {request.subject}" for request in call.service_requests]
    return " · ".join(note for note in notes if note)


def history_table(member: MemberSummary | None) -> RenderableType:
    """The member's last calls: when, who took it, the disposition and the notes."""
    if member is None or not member.last_calls:
        return _none("earlier call")
    table = _table(("When", {}), ("Agent", {}), ("Code", {}), ("Note", {"ratio": 1}))
    for call in member.last_calls:
        table.add_row(
            Text(_when(call.started_at)), Text(call.agent or "-"), Text(_outcome(call)),
            Text(_note(call)),
        )  # fmt: skip
    return table


def ledger_table(lines: Sequence[LedgerEntry] | None) -> RenderableType:
    """The last ledger lines: when, operation, points, valid after, why."""
    if lines is None:
        return Text("Reading the ledger…", "dim italic")
    if not lines:
        return _none("ledger line")
    table = _table(
        ("When", {}), ("Operation", {}), ("Points", {"justify": "right"}),
        ("Valid", {"justify": "right"}), ("Why", {"ratio": 1}),
    )  # fmt: skip
    for line in lines:
        table.add_row(
            Text(_when(line.created_at)), Text(line.operation), Text(f"{line.points:+,}"),
            Text(f"{line.valid_after:,}"), Text(line.why),
        )  # fmt: skip
    return table


def script_text(campaign: CampaignCall | None) -> RenderableType:
    """A campaign call's script and its disposition codes."""
    if campaign is None:
        return _none("campaign on this call")
    parts: list[RenderableType] = [Text(campaign.script or "(no script)", "italic")]
    if campaign.dispositions:
        codes = Text("Codes: ", "bold")
        codes.append(" · ".join(f"{code.code} {code.label}" for code in campaign.dispositions))
        parts.append(codes)
    return Group(*parts)


def tab_strip(current: str, counts: dict[str, int | None]) -> Text:
    """The narrow desk's panel keys: ``1 Open requests (2)``, the shown one highlighted."""
    text = Text()
    for spec in PANELS:
        count = counts.get(spec.panel_id)
        label = f"{spec.title}{'' if count is None else f' ({count})'}"
        shown = spec.panel_id == current
        text.append(f" {spec.key} ", "bold reverse")
        text.append(label, "bold underline" if shown else "dim")
        text.append("  ")
    return text


class DeskPanels(Vertical):
    """The panels around the call: all on screen, or (narrow desk) the chosen one and the
    tab strip that names the keys of the others."""

    DEFAULT_CSS = """
    DeskPanels #panel-tabs { height: 1; display: none; }
    DeskPanels.-narrow #panel-tabs { display: block; }
    """
    chosen = "requests"
    """The panel a narrow desk shows."""

    def compose(self) -> ComposeResult:
        yield Static("", id="panel-tabs", markup=False)
        with Grid(id="desk-panels"):
            for spec in PANELS:
                panel = Static("", id=f"panel-{spec.panel_id}", classes="desk-panel")
                panel.border_title = f"{spec.key} {spec.title}"
                yield panel

    def show(self, call: CallContext | None, ledger: Sequence[LedgerEntry] | None) -> None:
        """Fill the panels for ``call`` (its member's ``ledger`` lines, ``None``: reading)."""
        member = call.member if call is not None else None
        campaign = call.campaign if call is not None else None
        self.query_one("#panel-requests", Static).update(requests_table(member))
        self.query_one("#panel-history", Static).update(history_table(member))
        self.query_one("#panel-ledger", Static).update(ledger_table(ledger))
        self.query_one("#panel-script", Static).update(script_text(campaign))
        self.counts = {
            "requests": len(member.open_requests) if member else None,
            "history": len(member.last_calls) if member else None,
        }
        self.campaign = campaign is not None
        self.place_panels()

    counts: dict[str, int | None] = {}  # noqa: RUF012 - replaced, never changed in place
    campaign = False

    def choose(self, panel: str) -> None:
        """Show ``panel`` (on a narrow desk; a wide one shows them all)."""
        self.chosen = panel
        self.place_panels()

    def place_panels(self, narrow: bool | None = None) -> None:
        """Which panels show: the chosen one when narrow, all (the script on a campaign) else."""
        if narrow is not None:
            self.set_class(narrow, "-narrow")
        narrow = self.has_class("-narrow")
        self.query_one("#panel-tabs", Static).update(tab_strip(self.chosen, self.counts))
        for spec in PANELS:
            wanted = spec.panel_id != "script" or self.campaign
            shown = spec.panel_id == self.chosen if narrow else wanted
            self.query_one(f"#panel-{spec.panel_id}", Static).display = shown


__all__ = [
    "PANELS",
    "DeskPanels",
    "PanelSpec",
    "call_card",
    "history_table",
    "ledger_table",
    "member_card",
    "member_tags",
    "member_text",
    "requests_table",
    "script_text",
    "tab_strip",
]
