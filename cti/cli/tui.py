"""``ctidesk console``: the Textual agent and supervisor console, a client of the API."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Annotated

import typer

from cti.cli.common import app_context
from cti.protocol import BoardThresholds, QueueThresholds
from cti.settings import Settings

PASSWORD_ENV = "CTIDESK_CONSOLE_PASSWORD"  # noqa: S105 (a variable name)


def console(
    ctx: typer.Context,
    url: Annotated[
        str | None,
        typer.Option("--url", help="The service's address (default: from the settings)."),
    ] = None,
    user: Annotated[str | None, typer.Option("--user", "-u", help="Login to fill in.")] = None,
) -> None:
    """Open the agent desk (or the supervisor's wall-board) over the service's API.

    The password is typed on the login screen (never echoed). For scripted runs it may
    come from the CTIDESK_CONSOLE_PASSWORD environment variable instead.
    """
    from agent_tui.app import ConsoleApp

    settings = app_context(ctx).settings
    api = settings.api
    address = url or f"http://{api.host}:{api.port}"
    password = os.environ.pop(PASSWORD_ENV, None)
    ConsoleApp(
        address,
        user=user,
        password=password,
        card_readers=settings.cards.readers,
        thresholds=thresholds_of(settings),
    ).run()


def thresholds_of(settings: Settings) -> BoardThresholds:
    """The wall-board's thresholds from the ``[wallboard]`` settings (a queue's own limits
    over the default)."""
    board = settings.wallboard
    default = QueueThresholds(
        board.service_level_target, board.longest_wait_seconds, board.agent_state_seconds
    )
    queues = {
        name: replace(default, **{k: v for k, v in limits.model_dump().items() if v is not None})
        for name, limits in board.queues.items()
    }
    return BoardThresholds(default, queues)
