"""``ctidesk console --web`` in a real browser on the real sandbox Asterisk and service.

The command serves the console on a free loopback port; headless Chromium (Debian's
package) opens the page, an agent logs in by typing on the page as in a terminal, and a
real queue call from a member pops on that page while a supervisor's page, a console of
its own in a second tab, shows the call on the wall-board. The page's text is read from
xterm.js's buffer (tests/support/devtools.py says how); screenshots of both are kept.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cti.service import CtiService
from tests.support.asterisk import AmiClient
from tests.support.chromium import Chromium
from tests.support.devtools import DevToolsPage
from tests.support.nats import free_port
from tests.support.telephony import (
    MEMBER_PHONE,
    PASSWORD,
    RINGING_PHONE,
    add_agent,
    hang_up_everything,
    originate,
    seed_member,
)
from tests.support.web_console import WebConsole

#: The page asks Google for its web font; the test runs offline, so that fails at once.
WEB_FONTS = ["*://fonts.googleapis.com/*", "*://fonts.gstatic.com/*"]


@pytest.fixture
async def web_console(service: CtiService, tmp_path: Path) -> AsyncIterator[WebConsole]:
    """``ctidesk console --web`` for the test's service, listening on a free loopback port."""
    web = WebConsole(f"http://127.0.0.1:{service.port}", tmp_path / "console-web.log")
    try:
        await web.listening()
        yield web
    finally:
        await web.stop()


@pytest.fixture
async def login_only_console(tmp_path: Path) -> AsyncIterator[WebConsole]:
    """``ctidesk console --web`` for a service address where nothing listens: enough for
    pages that go no further than the login screen (no Asterisk needed)."""
    web = WebConsole(f"http://127.0.0.1:{free_port()}", tmp_path / "console-web.log")
    try:
        await web.listening()
        yield web
    finally:
        await web.stop()


@pytest.fixture
async def pages(chromium: Chromium) -> AsyncIterator[list[DevToolsPage]]:
    """Tabs of the browser opened by the test (``await DevToolsPage.open``), closed at the end."""
    opened: list[DevToolsPage] = []
    yield opened
    for page in opened:
        await page.close()


async def log_in(page: DevToolsPage, login: str) -> None:
    """Type ``login`` and the password on the page's login screen, as a user would."""
    await page.wait_for_text("ctidesk — log in", "Password")
    await page.focus_terminal()
    await page.type_text(login)
    await page.wait_for_text(login)
    # Enter moves the focus to the password field after the key is handled: keys typed
    # before it lands would go to the user field, so wait for its border to light up.
    lit = (await page.field_tops())[0]
    await page.press("enter")
    await page.wait_until(f"ctideskScreen.tops()[1] === {json.dumps(lit)}")
    await page.type_text(PASSWORD)
    shown = await page.wait_for_text("•" * len(PASSWORD))
    assert PASSWORD not in shown, "the password is not echoed on the page"
    await page.press("enter")


async def test_a_call_pops_in_the_browser_on_the_page_the_agent_logged_in_on(
    service: CtiService,
    ami: AmiClient,
    web_console: WebConsole,
    chromium: Chromium,
    pages: list[DevToolsPage],
    tmp_path: Path,
) -> None:
    await add_agent(service, interface=RINGING_PHONE)
    member_number = await seed_member(service)  # also adds the supervisor "boss"
    agent = await DevToolsPage.open(chromium.endpoint(""))
    pages.append(agent)
    board = await DevToolsPage.open(chromium.endpoint(""))
    pages.append(board)
    try:
        await agent.open_console(web_console.url, blocked=WEB_FONTS)
        await log_in(agent, "agent1")
        await agent.wait_for_text("Signed out")
        await board.open_console(web_console.url, blocked=WEB_FONTS)
        await log_in(board, "boss")

        await agent.focus_terminal()
        await agent.press("i")
        await agent.wait_for_text("Ready")
        await ami.wait_for_event("QueueMemberAdded", Queue="hotline", Interface=RINGING_PHONE)

        await originate(ami, f'"李娜" <{MEMBER_PHONE}>')
        pop = await agent.wait_for_text("李娜", member_number, within=30)
        assert "1,200" in pop
        screenshot = await agent.screenshot(tmp_path / "console-web-pop.png")
        print(f"screenshots of the pages: {tmp_path}/console-web-*.png")
        assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        await board.wait_for_text(MEMBER_PHONE, "agent1", within=30)
        await board.screenshot(tmp_path / "console-web-board.png")
    finally:
        await hang_up_everything(ami)
        await ami.action("QueueRemove", Queue="hotline", Interface=RINGING_PHONE)


def descendants(pid: int) -> set[int]:
    """The processes started by ``pid`` and by them, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


async def exited(pidfd: int) -> None:
    """Return when the process of ``pidfd`` has ended (the descriptor becomes readable)."""
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()
    loop.add_reader(pidfd, lambda: ended.done() or ended.set_result(None))
    try:
        await ended
    finally:
        loop.remove_reader(pidfd)


#: A promise of the page's "Session ended" (textual-serve marks the body ``-closed``).
SESSION_ENDED = """new Promise((done) => {
  const ended = () => document.body.classList.contains("-closed");
  if (ended()) { done(true); return; }
  new MutationObserver((_, observer) => {
    if (ended()) { observer.disconnect(); done(true); }
  }).observe(document.body, { attributes: true, attributeFilter: ["class"] });
})"""


async def console_processes(page: DevToolsPage, web: WebConsole) -> list[int]:
    """Open the console's page and wait for its login screen; pidfds of the processes the
    server started for the session (held open, so their ids go to no other process)."""
    await page.open_console(web.url, blocked=WEB_FONTS)
    await page.wait_for_text("ctidesk — log in")
    consoles = [os.pidfd_open(pid) for pid in descendants(web.process.pid)]
    assert consoles, "the session's console runs under the server"
    return consoles


async def test_stopping_the_server_ends_its_browser_sessions_and_their_consoles(
    login_only_console: WebConsole,
    chromium: Chromium,
    pages: list[DevToolsPage],
) -> None:
    page = await DevToolsPage.open(chromium.endpoint(""))
    pages.append(page)
    consoles = await console_processes(page, login_only_console)
    try:
        assert await login_only_console.stop() == 0
        assert await page.evaluate(SESSION_ENDED, within=15) is True
        async with asyncio.timeout(15):  # no session's console outlives the server
            await asyncio.gather(*(exited(pidfd) for pidfd in consoles))
    finally:
        for pidfd in consoles:
            os.close(pidfd)


async def test_a_session_console_ends_when_its_server_is_killed(
    login_only_console: WebConsole,
    chromium: Chromium,
    pages: list[DevToolsPage],
) -> None:
    page = await DevToolsPage.open(chromium.endpoint(""))
    pages.append(page)
    consoles = await console_processes(page, login_only_console)
    try:
        assert await login_only_console.kill() == -signal.SIGKILL
        async with asyncio.timeout(15):  # not left running with nobody at it
            await asyncio.gather(*(exited(pidfd) for pidfd in consoles))
    finally:
        for pidfd in consoles:
            os.close(pidfd)
