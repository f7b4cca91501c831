"""Preview dialling: the next lead of a campaign with its member and the script, then dial,
skip (later / not needed) or schedule a call-back.

The lead is claimed for this agent when it is shown (the service's preview desk); a
skipped lead or a call-back gives it back, and the next one is shown at once. Dialling
rings the agent's own phone first, then the callee; the call then pops on the desk.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from agent_tui.plain import plain
from agent_tui.screens.base import ConsoleScreen
from agent_tui.screens.dialogs import Field, FormScreen
from agent_tui.widgets.pop import member_lines
from cti.protocol import PreviewLead

KEYS = "n next · d dial · s later · S not needed · c call-back · Esc back"


def lead_text(lead: PreviewLead | None, campaign_id: int) -> Text:
    """The lead as the agent sees it before dialling (or why there is none)."""
    if lead is None:
        return Text(f"No lead of campaign {campaign_id} is due now. n looks again.", "dim")
    text = Text()
    text.append(" PREVIEW ", "bold black on magenta")
    text.append(f" {lead.campaign_name}", "bold magenta")
    text.append(f"  {lead.name or 'lead'}  {lead.phone}\n", "bold")
    callback = lead.callback
    if callback is not None:
        text.append(f"Call-back for {callback.owner_login}, due {callback.due_at[:16]}", "bold")
        text.append(f": {callback.note}\n" if callback.note else "\n")
    if lead.script:
        text.append("Script: ", "bold")
        text.append(f"{lead.script}\n", "italic")
    if lead.dispositions:
        text.append(f"Codes: {' · '.join(lead.dispositions)}\n", "dim")
    if lead.member is None:
        text.append("Not a member.\n", "bold yellow")
        return text
    return text + member_lines(lead.member.summary())


class PreviewScreen(ConsoleScreen):
    """One preview lead at a time, claimed for this agent."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "app.pop_screen", "Back"),
        Binding("n", "next", "Next lead"),
        Binding("d", "dial", "Dial"),
        Binding("s", "skip('later')", "Later"),
        Binding("S", "skip('not-needed')", "Not needed"),
        Binding("c", "call_back", "Call-back"),
    ]

    def __init__(self, campaign_id: int) -> None:
        super().__init__()
        self.campaign_id = campaign_id
        self.lead: PreviewLead | None = None

    def compose(self) -> ComposeResult:
        yield Static(plain(f"Preview · campaign {self.campaign_id}   {KEYS}"), id="preview-keys")
        with VerticalScroll(id="preview-body"):
            yield Static("Taking the next lead…", id="preview-lead")
        yield Static("", id="message", markup=False)

    def on_mount(self) -> None:
        self.action_next()

    def show(self, lead: PreviewLead | None) -> None:
        """Draw ``lead`` (or that none is due)."""
        self.lead = lead
        if self.app.is_running:
            self.query_one("#preview-lead", Static).update(lead_text(lead, self.campaign_id))

    def said(self, text: str) -> None:
        """Put what an action did on the message line (and in a notification)."""
        self.console.show_info(text)
        if self.app.is_running:
            self.query_one("#message", Static).update(plain(text))

    @work(group="preview", exclusive=True)
    async def action_next(self) -> None:
        """Take the next lead (an own due call-back first)."""
        with self.console.reporting("next lead"):
            self.show(await self.console.campaigns.next_lead(self.campaign_id))

    @work(group="preview")
    async def action_dial(self) -> None:
        """Dial the lead: the agent's phone rings first."""
        lead = self.lead
        if lead is None:
            return
        with self.console.reporting("dial"):
            dialled = await self.console.campaigns.dial(lead.attempt_id)
            self.said(f"Dialling {dialled.phone}: your phone rings first")

    @work(group="preview")
    async def action_skip(self, reason: str) -> None:
        """Give the lead back (later, or not needed) and show the next."""
        lead = self.lead
        if lead is None:
            return
        with self.console.reporting("skip"):
            await self.console.campaigns.skip(lead.attempt_id, reason)
            self.said(f"Skipped {lead.phone} ({reason})")
            self.show(await self.console.campaigns.next_lead(self.campaign_id))

    @work(group="preview")
    async def action_call_back(self) -> None:
        """Schedule a call-back of the lead (due time with its offset, a note)."""
        lead = self.lead
        if lead is None:
            return
        due = (self.console.clock() + timedelta(hours=1)).isoformat(timespec="minutes")
        form = await self.app.push_screen_wait(
            FormScreen(
                f"Call back {lead.phone}",
                [Field("due_at", "Due (ISO 8601 with offset)", due), Field("note", "Note")],
            )
        )
        if form is None:
            return
        with self.console.reporting("call-back"):
            booked = await self.console.campaigns.call_back(
                lead.attempt_id, form["due_at"].strip(), form["note"].strip() or None
            )
            self.said(f"Call-back of {booked.phone} due {booked.due_at[:16]}")
            self.show(await self.console.campaigns.next_lead(self.campaign_id))


__all__ = ["KEYS", "PreviewScreen", "lead_text"]
