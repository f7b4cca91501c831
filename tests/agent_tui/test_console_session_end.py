"""A console that ends without ``q`` (a closed browser tab, a signal) still logs out: its
token is revoked, not left alive until it idles out."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.support.console_app import at_desk, console_for
from tests.support.desk_api import PASSWORD, ThreadedApi


def status_with(api: ThreadedApi, token: str) -> int:
    """The HTTP status of ``GET /api/callbacks`` with ``token``."""
    request = urllib.request.Request(f"{api.base}/api/callbacks",
                                     headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


async def test_a_console_ended_without_q_revokes_its_token(desk_api: ThreadedApi) -> None:
    app = console_for(desk_api, "agent1", PASSWORD)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_desk(pilot)
        token = app.client.token
        assert token is not None and status_with(desk_api, token) == 200
        app.exit()  # as when textual-serve ends the session: no q, no logout key
    assert status_with(desk_api, token) == 401


async def test_a_console_ended_before_login_ends_quietly(desk_api: ThreadedApi) -> None:
    app = console_for(desk_api)
    async with app.run_test(size=(80, 24)):
        assert app.client.token is None
        app.exit()
    assert app.client.token is None
