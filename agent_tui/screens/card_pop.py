"""The card pop: a member card tapped at this desk, and the card actions in one key each.

An active card shows its member; a lost, replaced or cancelled one a warning with the
member; an unknown chip its UID. ``i`` binds the chip to the member on screen, ``l``
reports the card lost, ``r`` waits for the next card tapped and makes it the replacement.
"""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from cti.protocol import ScreenPop, stars


class CardActions(Protocol):
    """What the card pop's keys ask the app for (:class:`agent_tui.card_desk.CardDesk`)."""

    def issue(self, pop: ScreenPop) -> None:
        """Bind the pop's chip to the member on screen."""
        ...

    def report_lost(self, pop: ScreenPop) -> None:
        """Report the pop's card lost."""
        ...

    def replace_next(self, pop: ScreenPop) -> None:
        """Make the next card tapped the replacement of the pop's card."""
        ...


def card_pop_text(pop: ScreenPop, member_on_screen: str | None) -> Text:
    """The card pop in words: reader, card, member, warning, and the keys that apply."""
    card = pop.card
    assert card is not None, "a card pop names its card"
    text = Text()
    text.append("CARD ", style="bold reverse")
    text.append(f" on {card.reader}\n")
    text.append(f"card {card.card_number or '—'}  chip {card.uid}  {card.status}\n")
    if card.warning:
        text.append(f"⚠ {card.warning}\n", style="bold red" if card.status != "issued" else "bold")
    member = pop.member
    if member is not None:
        text.append(f"{member.name}  {member.number}  {stars(member.level)}  ", style="bold")
        text.append(f"{member.points.valid:,} points\n")
    elif card.status in ("unknown", "issued"):
        target = member_on_screen or "no member on screen"
        text.append(f"i: issue this card to {target}\n")
    if card.status in ("active",):
        text.append("l: report lost   r: replace (tap the new card)\n")
    elif card.status == "lost":
        text.append("r: replace (tap the new card)\n")
    return text


class CardPopScreen(ModalScreen[None]):
    """One card pop over the desk; Esc closes it."""

    BINDINGS = [  # noqa: RUF012 (Textual's own class attribute)
        Binding("escape", "dismiss", "Close"),
        Binding("i", "issue", "Issue to member"),
        Binding("l", "report_lost", "Lost"),
        Binding("r", "replace", "Replace"),
    ]

    def __init__(self, pop: ScreenPop, actions: CardActions, member_on_screen: str | None) -> None:
        super().__init__()
        self.pop = pop
        self._actions = actions
        self._member_on_screen = member_on_screen

    def compose(self) -> ComposeResult:
        yield Static(card_pop_text(self.pop, self._member_on_screen), id="card-pop")
        yield Footer()

    def _status(self) -> str:
        return self.pop.card.status if self.pop.card is not None else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that fit the card's status."""
        allowed = {
            "issue": self._status() in ("unknown", "issued"),
            "report_lost": self._status() == "active",
            "replace": self._status() in ("active", "lost"),
        }
        return allowed.get(action, True) or None

    def action_issue(self) -> None:
        """``i``: bind the chip to the member on screen."""
        self._actions.issue(self.pop)
        self.dismiss()

    def action_report_lost(self) -> None:
        """``l``: report the card lost."""
        self._actions.report_lost(self.pop)
        self.dismiss()

    def action_replace(self) -> None:
        """``r``: the next card tapped replaces this one."""
        self._actions.replace_next(self.pop)
        self.dismiss()


__all__ = ["CardActions", "CardPopScreen", "card_pop_text"]
