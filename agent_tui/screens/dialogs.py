"""Small modal dialogs: a form of text fields, a choice from a list, a confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from agent_tui.plain import plain

DIALOG_CSS = """
ModalScreen { align: center middle; }
ModalScreen > Vertical {
    width: 70; max-width: 95%; height: auto; max-height: 95%;
    border: thick $accent; background: $surface; padding: 0 1;
}
ModalScreen .title { text-style: bold; width: 1fr; }
ModalScreen .error { color: $error; }
ModalScreen Input { margin: 0; }
"""


@dataclass(frozen=True)
class Field:
    """One text field of a form: name, label, initial value, secret?"""

    name: str
    label: str
    value: str = ""
    password: bool = False


class FormScreen(ModalScreen[dict[str, str] | None]):
    """Text fields; Enter on the last one submits, Escape cancels (``None``)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012

    def __init__(self, title: str, fields: Sequence[Field], *, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            for spec in self.fields:
                yield Label(plain(spec.label))
                yield Input(spec.value, id=f"field-{spec.name}", password=spec.password)
            yield Static(
                plain(self.hint or "Enter: OK   Esc: cancel"), classes="hint", markup=False
            )

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
            return
        self.dismiss({spec.name: inputs[i].value.strip() for i, spec in enumerate(self.fields)})

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of ``choices`` (value, label); Escape cancels."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield OptionList(
                *(Option(plain(label), id=value) for value, label in self.choices), markup=False
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or Enter confirms, n or Escape declines."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [  # noqa: RUF012
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.question), classes="title")
            yield Button("Yes (y)", id="yes", variant="primary")
            yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")


class DtmfPad(ModalScreen[str | None]):
    """A phone keypad: digits by key or click, Backspace deletes, Enter sends, Esc cancels."""

    DEFAULT_CSS = (
        DIALOG_CSS
        + """
    DtmfPad Grid { grid-size: 3; grid-gutter: 0 1; height: auto; width: 30; }
    DtmfPad Button { min-width: 8; width: 1fr; }
    DtmfPad #dtmf-digits { text-style: bold; height: 1; }
    """
    )
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Cancel"), Binding("enter", "send", "Send"),
        Binding("backspace", "erase", "Erase"),
    ]  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self.digits = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("DTMF pad (Enter: send, Esc: cancel)", classes="title")
            yield Static("", id="dtmf-digits", markup=False)
            with Grid():
                for index, key in enumerate(KEYPAD):
                    button = Button(key, id=f"key-{index}")
                    button.can_focus = False  # Enter sends; it never presses a key twice
                    yield button

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character in KEYPAD:
            event.stop()
            self._add(event.character)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self._add(str(event.button.label))

    def _add(self, digit: str) -> None:
        if len(self.digits) < 32:
            self.digits += digit
        self.query_one("#dtmf-digits", Static).update(plain(self.digits))

    def action_erase(self) -> None:
        self.digits = self.digits[:-1]
        self.query_one("#dtmf-digits", Static).update(plain(self.digits))

    def action_send(self) -> None:
        self.dismiss(self.digits or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen[None]):
    """A read-only text (an article, a result); any of Escape, Enter or q closes it."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close"),
        Binding("q", "close", "Close"),
    ]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            yield Static(plain(self.body), id="body", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["ChoiceScreen", "ConfirmScreen", "DtmfPad", "Field", "FormScreen", "TextScreen"]
