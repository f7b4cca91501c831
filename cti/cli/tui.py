"""``ctidesk console``: the Textual agent and supervisor console, a client of the API."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Annotated

import typer

from cti.cli.common import app_context, fail
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
    web: Annotated[
        bool,
        typer.Option(
            "--web", help="Serve the console in a browser: each browser session is a console."
        ),
    ] = False,
    host: Annotated[
        str | None,
        typer.Option("--host", help="With --web: the address to listen on (default 127.0.0.1)."),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="With --web: the port to listen on (default 8281)."
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="With --web behind a reverse proxy: the https://… address browsers use.",
        ),
    ] = None,
) -> None:
    """Open the agent desk (or the supervisor's wall-board) over the service's API.

    The password is typed on the login screen (never echoed). For scripted runs it may
    come from the CTIDESK_CONSOLE_PASSWORD environment variable instead. With --web the
    console is served to browsers instead (docs/console-web.md).
    """
    settings = app_context(ctx).settings
    api = settings.api
    address = url or f"http://{api.host}:{api.port}"
    if web:
        _serve_web(ctx, address, user=user, host=host, port=port, public_url=public_url)
        return
    for name, value in (("--host", host), ("--port", port), ("--public-url", public_url)):
        if value is not None:
            fail(f"{name} is an option of --web (serving the console in a browser)")

    from agent_tui.app import ConsoleApp

    password = os.environ.pop(PASSWORD_ENV, None)
    ConsoleApp(
        address,
        user=user,
        password=password,
        card_readers=settings.cards.readers,
        thresholds=thresholds_of(settings),
    ).run()


def _serve_web(
    ctx: typer.Context,
    address: str,
    *,
    user: str | None,
    host: str | None,
    port: int | None,
    public_url: str | None,
) -> None:
    from cti.cli import console_web

    config_file = ctx.find_root().params.get("config_file")
    try:
        web = console_web.web_console(
            address=address,
            host=host or console_web.DEFAULT_HOST,
            port=port or console_web.DEFAULT_PORT,
            public_url=public_url,
            config_file=config_file,
            user=user,
            environment=dict(os.environ),
        )
    except console_web.WebOptionError as error:
        fail(str(error))
    console_web.serve(web)


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
