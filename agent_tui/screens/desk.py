"""The agent desk: status line, the call and the member, panels around them, the key bar.

The call card and the member card (``#pop``) sit beside the panels (open requests, last
calls, the points ledger, a campaign's script): all of them on screen from 120 columns,
one at a time below that, switched with ``1``-``4``. Every key comes from
:data:`agent_tui.keys.DESK_KEYS`: its binding, its place on the key bar and
:meth:`DeskScreen.check_action`, which disables it when the desk's state makes it
pointless (no hold without a call...). The feed's messages redraw the parts they change.
Actions are workers: the screen never waits on the network.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from agent_tui.desk_state import CallContext
from agent_tui.feed import LiveFeed
from agent_tui.keys import DESK_KEYS, DeskView, desk_allows
from agent_tui.screens.base import bindings_of
from agent_tui.screens.dialogs import ChoiceScreen, DtmfPad, Field, FormScreen
from agent_tui.screens.preview import PreviewScreen
from agent_tui.screens.record_actions import RecordActions
from agent_tui.screens.wrapup import WrapUpScreen
from agent_tui.widgets.desk_panels import DeskPanels, call_card, member_card
from agent_tui.widgets.pop import calls_text
from agent_tui.widgets.softphone import SoftPhoneBar
from agent_tui.widgets.status_bar import status_text

DTMF = re.compile(r"[0-9*#]{1,32}")
OTHER = "other"
PAUSE_REASONS = ("break", "lunch", "training", "meeting", "after-call work")
NARROW = 120
"""Below this many columns the desk stacks and shows one panel at a time."""
WIDE = 180
"""From this many columns the panels sit two by two."""
LEDGER_LINES = 20
"""How many of the member's last ledger lines the ledger panel shows."""


def numbers_on_screen(call: CallContext | None) -> list[str]:
    """The numbers the desk shows for ``call``: the caller's, then the member's phones."""
    if call is None:
        return []
    phones = call.member.profile.phones if call.member is not None else ()
    found = [call.caller, *(phone.e164 for phone in phones)]
    return [number for number in dict.fromkeys(found) if number]


class DeskScreen(RecordActions):
    """The screen an agent works in all day."""

    KEYS = DESK_KEYS
    BINDINGS = bindings_of(DESK_KEYS, show=False)
    preview_campaign: int | None = None
    """The campaign whose leads the agent previews (asked the first time)."""

    def compose(self) -> ComposeResult:
        yield from self.frame("status")
        with Horizontal(id="desk-main"):
            with Vertical(id="desk-left"):
                yield Static("", id="pop", markup=False)
                yield Static("", id="calls", markup=False)
            yield DeskPanels(id="desk-right")
        yield SoftPhoneBar(id="softphone")

    def on_resize(self, event: events.Resize) -> None:
        """Stack below 120 columns (one panel at a time), panels two by two from 180."""
        narrow = event.size.width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(event.size.width >= WIDE, "-wide")
        if self.drawable:
            self.query_one(DeskPanels).place_panels(narrow)
            self.draw_keys()

    def keys_live_at(self) -> DeskView | None:
        """The desk decides which keys are live."""
        return self.console.desk

    def status_line(self) -> Text:
        """The agent's state and timer, extension, waiting callers, telephony, notice."""
        console = self.console
        extension = console.client.session.extension if console.client.session else None
        return status_text(console.desk, extension=extension, now=console.clock())

    def redraw(self) -> None:
        """Draw the whole desk from its state."""
        self.draw_frame()
        self.draw_call()

    def redraw_timers(self) -> None:
        """The clock ticked: the status line and the call's timers."""
        self.draw_frame()
        if self.drawable:
            self.query_one("#pop", Static).update(self._pop_text())

    def _pop_text(self) -> Text:
        call = self.console.desk.call
        card, member = call_card(call, self.console.clock()), member_card(call)
        return card + Text("\n") + member if member else card

    def draw_call(self) -> None:
        """The call and member cards, the panels, the calls in context and the keys."""
        if not self.drawable:
            return
        desk = self.console.desk
        call = desk.call
        self.query_one("#pop", Static).update(self._pop_text())
        calls = self.query_one("#calls", Static)
        calls.display = len(desk.calls) > 1
        calls.update(calls_text(desk))
        number = call.member_number if call is not None else None
        panels = self.query_one(DeskPanels)
        if call is not None and call.campaign is not None and call.call_id != self._opened:
            panels.chosen = "script"  # a campaign call opens on its script
        self._opened = call.call_id if call is not None else None
        panels.show(call, desk.ledgers.get(number) if number is not None else ())
        if number is not None and number not in desk.ledgers and number not in self._asked:
            self._asked.add(number)
            self.read_ledger(number)
        self.draw_keys()

    _opened: str | None = None
    """The call the panels were last drawn for."""

    @property
    def _asked(self) -> set[str]:
        """Members whose ledger this desk asked for (re-asked once their lines are dropped)."""
        return self.console.desk.ledgers_asked

    @work(group="ledger")
    async def read_ledger(self, member_no: str) -> None:
        """Read a member's last ledger lines for the ledger panel."""
        desk = self.console.desk
        with self.console.reporting("points ledger"):
            desk.ledgers[member_no] = (await self.console.client.ledger(member_no))[:LEDGER_LINES]
        desk.ledgers_asked.discard(member_no)
        self.draw_call()

    def action_panel(self, panel: str) -> None:
        """Show one panel on a narrow desk (they are all on screen when wide)."""
        if self.drawable:
            self.query_one(DeskPanels).choose(panel)

    def draw_keys(self) -> None:
        """The key bar and the bindings, live or not for the desk's state."""
        if not self.drawable:
            return
        self.query_one(SoftPhoneBar).show(self.console.desk)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Live keys only: ``None`` (shown, disabled) when the state rules the action out."""
        return True if desk_allows(self.console.desk, action) else None

    # -- live messages ----------------------------------------------------------------------
    def on_live_feed_pop_received(self, event: LiveFeed.PopReceived) -> None:
        """The call pops; an unknown caller's opens the new-member form with the number."""
        self.draw_call()
        if event.pop.member is None and self.app.screen is self:
            self.action_new_member()

    def on_live_feed_campaign_call_received(self, _: LiveFeed.CampaignCallReceived) -> None:
        """A campaign's callee is connected here: its campaign, script and codes."""
        self.draw_call()

    def on_live_feed_call_updated(self, _: LiveFeed.CallUpdated) -> None:
        """A call moved on: its badge, the calls in context and the keys."""
        self.draw_call()

    def on_live_feed_agent_state_changed(self, _: LiveFeed.AgentStateChanged) -> None:
        """The agent's state is on the status line and decides the agent keys."""
        self.draw_frame()
        self.draw_keys()

    def on_live_feed_queue_updated(self, _: LiveFeed.QueueUpdated) -> None:
        """The status line counts the callers waiting in the agent's queues."""
        self.draw_frame()

    # -- agent ------------------------------------------------------------------------------
    @work(group="phone")
    async def action_sign_in(self) -> None:
        with self.console.reporting("sign in"):
            queues = await self.console.client.sign_in()
            self.console.show_info(f"Signed in to {', '.join(queues)}")

    @work(group="phone")
    async def action_sign_out(self) -> None:
        with self.console.reporting("sign out"):
            await self.console.client.sign_out()
            self.console.show_info("Signed out")

    @work(group="phone")
    async def action_pause(self) -> None:
        """Pause with a reason from the list (or one typed in)."""
        choices = [(reason, reason) for reason in PAUSE_REASONS] + [(OTHER, "other…")]
        reason = await self.app.push_screen_wait(ChoiceScreen("Pause: why?", choices))
        if reason == OTHER:
            form = await self.app.push_screen_wait(FormScreen("Pause", [Field("reason", "Reason")]))
            reason = form["reason"] if form is not None else None
        if not reason:
            return
        with self.console.reporting("pause"):
            await self.console.client.pause(reason)
            self.console.show_info(f"Paused: {reason}")

    @work(group="phone")
    async def action_unpause(self) -> None:
        with self.console.reporting("ready"):
            await self.console.client.unpause()
            self.console.show_info("Ready")

    # -- call control (issue 5's routes) -----------------------------------------------------
    @work(group="phone")
    async def action_dial(self) -> None:
        """Click-to-dial: a number on screen (the caller's, the member's phones) or another."""
        numbers = numbers_on_screen(self.console.desk.call)
        number: str | None = ""
        if numbers:
            choices = [(n, n) for n in numbers] + [(OTHER, "another number…")]
            number = await self.app.push_screen_wait(ChoiceScreen("Dial", choices))
        if number == OTHER or number == "":
            form = await self.app.push_screen_wait(FormScreen("Dial", [Field("number", "Number")]))
            number = form["number"] if form is not None else None
        if not number:
            return
        with self.console.reporting("dial"):
            await self.console.calls.dial(number)
            self.console.show_info(f"Dialling {number}")

    def _call_id(self) -> str | None:
        call = self.console.desk.call
        return call.call_id if call is not None else None

    async def _on_call(self, what: str, act: Callable[[str], Awaitable[object]]) -> bool:
        """Run ``act(call_id)`` on the current call; whether it went through."""
        call_id = self._call_id()
        if call_id is None:
            return False
        with self.console.reporting(what):
            await act(call_id)
            return True
        return False

    @work(group="phone")
    async def action_hold(self) -> None:
        await self._on_call("hold", self.console.calls.hold)

    @work(group="phone")
    async def action_retrieve(self) -> None:
        await self._on_call("retrieve", self.console.calls.retrieve)

    @work(group="phone")
    async def action_hang_up(self) -> None:
        await self._on_call("hang up", self.console.calls.hang_up)

    @work(group="phone")
    async def action_transfer(self) -> None:
        call_id = self._call_id()
        form = await self.app.push_screen_wait(
            FormScreen(
                "Transfer",
                [
                    Field("target", "To (agent login, queue or number)"),
                    Field("mode", "Mode: blind or attended", "blind"),
                ],
            )
        )
        if call_id is None or form is None:
            return
        if form["mode"] not in ("blind", "attended"):
            self.console.show_error("transfer: the mode is blind or attended")
            return
        with self.console.reporting("transfer"):
            await self.console.calls.transfer(call_id, form["target"], form["mode"])
            if form["mode"] == "attended":
                self.console.desk.consulting(call_id, True)
            self.console.show_info(f"Transfer ({form['mode']}) to {form['target']}")
        self.redraw()

    async def _end_consult(self, what: str, act: Callable[[str], Awaitable[object]]) -> None:
        if await self._on_call(what, act) and (call_id := self._call_id()) is not None:
            self.console.desk.consulting(call_id, False)
        self.redraw()

    @work(group="phone")
    async def action_transfer_complete(self) -> None:
        await self._end_consult("complete transfer", self.console.calls.transfer_complete)

    @work(group="phone")
    async def action_transfer_cancel(self) -> None:
        await self._end_consult("cancel transfer", self.console.calls.transfer_cancel)

    @work(group="phone")
    async def action_conference(self) -> None:
        call_id = self._call_id()
        form = await self.app.push_screen_wait(FormScreen("Conference", [Field("target", "Add")]))
        if call_id is not None and form is not None and form["target"]:
            with self.console.reporting("conference"):
                await self.console.calls.conference(call_id, form["target"])

    @work(group="phone")
    async def action_dtmf(self) -> None:
        """Second-stage dialling from the keypad."""
        call_id = self._call_id()
        digits = await self.app.push_screen_wait(DtmfPad())
        if call_id is None or digits is None:
            return
        if not DTMF.fullmatch(digits):
            self.console.show_error("DTMF: only 0-9, * and # (up to 32)")
            return
        with self.console.reporting("DTMF"):
            await self.console.calls.dtmf(call_id, digits)
            self.console.show_info(f"Sent {digits}")

    # -- wrap-up ------------------------------------------------------------------------------
    @work(group="phone")
    async def action_wrap_up(self) -> None:
        call = self.console.desk.wrap_up_call
        if call is None:
            return
        with self.console.reporting("wrap-up"):
            campaign = call.campaign
            if campaign is not None and campaign.dispositions:
                codes = campaign.dispositions
            else:
                codes = await self.console.client.dispositions(call.queue)
            result = await self.app.push_screen_wait(WrapUpScreen(call, codes))
            if result is None:
                return
            code, note = result
            await self.console.client.wrap_up(call.call_id, code, note or None)
            self.console.desk.close(call.call_id)
            self.console.show_info(f"Wrapped up {call.caller}: {code}")
        self.redraw()

    # -- campaigns ----------------------------------------------------------------------------
    @work(group="phone")
    async def action_do_not_call(self) -> None:
        """Never call this number again, everywhere: written at once, with the reason."""
        call = self.console.desk.call
        if call is None:
            return
        form = await self.app.push_screen_wait(
            FormScreen(
                f"Do not call {call.caller}",
                [Field("reason", "Reason", "asked not to be called")],
                hint="Every campaign leaves this number out from now on.",
            )
        )
        if form is None or not form["reason"].strip():
            return
        with self.console.reporting("do not call"):
            entry = await self.console.campaigns.do_not_call(call.caller, form["reason"].strip())
            self.console.show_info(f"{entry.phone} will not be called again")

    @work(group="phone")
    async def action_preview(self) -> None:
        """Preview a campaign's leads (the campaign number is asked once per desk)."""
        if self.preview_campaign is None:
            form = await self.app.push_screen_wait(
                FormScreen("Preview leads", [Field("campaign", "Campaign number")])
            )
            number = form["campaign"].strip() if form is not None else ""
            if not number.isdigit() or int(number) < 1:
                if number:
                    self.console.show_error("preview: the campaign number is a whole number")
                return
            self.preview_campaign = int(number)
        self.app.push_screen(PreviewScreen(self.preview_campaign))

    def action_next_call(self) -> None:
        self.console.desk.cycle()
        self.redraw()


__all__ = ["DeskScreen"]
