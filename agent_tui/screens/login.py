"""The login screen: user name and a password that is never echoed.

A successful login posts :class:`LoginScreen.LoggedIn`; the app opens the user's screen.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from agent_tui.client import ApiFailure, Session
from agent_tui.plain import plain
from agent_tui.screens.base import ConsoleScreen


class LoginScreen(ConsoleScreen):
    """Log in to the service the console was started for."""

    class LoggedIn(Message):
        """The service accepted the login (``resume``: again, after the session ended)."""

        def __init__(self, session: Session, *, resume: bool) -> None:
            super().__init__()
            self.session = session
            self.resume = resume

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > Vertical { width: 50; height: auto; border: thick $accent; padding: 0 1; }
    LoginScreen #login-error { color: $error; }
    """

    def __init__(
        self, user: str | None = None, password: str | None = None, *, resume: bool = False
    ) -> None:
        super().__init__()
        # Logging in again after the session ended: the screens below are kept.
        self.resume = resume
        self.initial_user = user
        self.initial_password = password

    def compose(self) -> ComposeResult:
        with Vertical():
            title = "Session ended — log in again" if self.resume else "ctidesk — log in"
            yield Label(title, classes="title")
            yield Static(plain(self.console.client.base_url), id="login-url", markup=False)
            yield Label("User")
            yield Input(self.initial_user or "", id="user", placeholder="login")
            yield Label("Password")
            yield Input(id="password", password=True, placeholder="password")
            yield Button("Log in", id="login", variant="primary")
            yield Static("", id="login-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#password" if self.initial_user else "#user", Input).focus()
        if self.initial_user and self.initial_password:
            self.log_in(self.initial_user, self.initial_password)

    @on(Input.Submitted, "#user")
    def _user_done(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        user = self.query_one("#user", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not user or not password:
            self.query_one("#login-error", Static).update("Enter a user and a password.")
            return
        self.log_in(user, password)

    @work(exclusive=True, group="login")
    async def log_in(self, user: str, password: str) -> None:
        """Log in; the token stays in the client's memory; then the app opens the desk."""
        error = self.query_one("#login-error", Static)
        error.update("Logging in…")
        try:
            session = await self.console.client.login(user, password)
        except ApiFailure as failure:
            error.update(plain(failure.message if failure.status else failure))
            self.query_one("#password", Input).value = ""
            return
        self.initial_password = None
        self.post_message(self.LoggedIn(session, resume=self.resume))


__all__ = ["LoginScreen"]
