"""Our FastAGI server, including regression tests for panoramisk 1.4's two FastAGI defects:
the busy loop when Asterisk disconnects early, and ``add_route`` needing the
``asyncio.coroutine`` that Python 3.11 removed."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import pytest

from ivr.agi import AgiHangup
from ivr.server import AgiServer
from ivr.session import AgiSession
from ivr.simulator import HANG_UP, environment, simulate_call


@contextlib.contextmanager
def server_in_thread(server: AgiServer) -> Iterator[asyncio.AbstractEventLoop]:
    """Run ``server`` on an event loop of its own in a thread, so a loop that spins shows
    up as that loop not answering, instead of freezing the test."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(5)
    try:
        yield loop
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def _loop_answers(loop: asyncio.AbstractEventLoop) -> bool:
    async def ping() -> bool:
        await asyncio.sleep(0)
        return True

    future = asyncio.run_coroutine_threadsafe(ping(), loop)
    return await asyncio.wait_for(asyncio.wrap_future(future), 5)


async def _sessions_ended(server: AgiServer, loop: asyncio.AbstractEventLoop, count: int) -> None:
    future = asyncio.run_coroutine_threadsafe(server.wait_ended(count), loop)
    await asyncio.wait_for(asyncio.wrap_future(future), 5)


async def _noop(session: AgiSession) -> None:
    await session.answer()


@pytest.mark.parametrize("sent", [b"", b"agi_network: yes\n", b"agi_network: yes\nagi_requ"])
async def test_a_client_that_disconnects_early_ends_the_session_and_the_loop_runs_on(
    sent: bytes,
) -> None:
    server = AgiServer(port=0, routes={"points": _noop})
    with server_in_thread(server) as loop:
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(sent)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        await _sessions_ended(server, loop, 1)
        assert server.refused == 1
        assert await _loop_answers(loop)
        # …and the server still serves the next caller.
        call = await simulate_call("127.0.0.1", server.port, environment("points"))
        assert call.commands == ["ANSWER"]
        assert server.completed == 1


async def test_a_caller_who_hangs_up_mid_flow_ends_it_cleanly() -> None:
    reached_the_end = asyncio.Event()

    async def flow(session: AgiSession) -> None:
        await session.read_digits("beep", max_digits=4, wait=5)
        reached_the_end.set()

    server = AgiServer(port=0, routes={"points": flow})
    with server_in_thread(server) as loop:
        call = await simulate_call("127.0.0.1", server.port, environment("points"), keys=[HANG_UP])
        await _sessions_ended(server, loop, 1)
        assert server.hung_up == 1
        assert call.hung_up
        assert not reached_the_end.is_set()
        assert await _loop_answers(loop)


async def test_routes_register_async_flows_on_this_python() -> None:
    server = AgiServer(port=0)
    server.add_route("/survey/", _noop)
    assert server.routes == ["survey"]
    await server.start()
    try:
        call = await simulate_call("127.0.0.1", server.port, environment("survey"))
        assert call.commands == ["ANSWER"]
    finally:
        await server.stop()


def test_a_plain_function_is_refused_as_a_flow() -> None:
    def not_async(session: AgiSession) -> None:
        return None

    with pytest.raises(TypeError, match="async"):
        AgiServer(routes={"points": not_async})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="plain name"):
        AgiServer(routes={"../etc": _noop})


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_the_server_binds_to_loopback_only(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        AgiServer(host=host)


async def test_with_a_secret_only_an_asterisk_answering_the_challenge_runs_a_flow() -> None:
    ran: list[str] = []

    async def flow(session: AgiSession) -> None:
        ran.append(session.env.script)

    server = AgiServer(port=0, secret="s3cret-value", routes={"points": flow})
    await server.start()
    try:
        for held in ("wrong", None, "s3cret-value"):  # what Asterisk's ctidesk_agi.conf holds
            call = await simulate_call("127.0.0.1", server.port, environment("points"), secret=held)
            [challenge] = call.commands
            assert "s3cret-value" not in challenge  # the secret never goes to the peer
            assert challenge.startswith("GET FULL VARIABLE ${SHA1(")
        await asyncio.wait_for(server.wait_ended(3), 5)
        assert ran == ["points"]
        assert (server.refused, server.completed) == (2, 1)
    finally:
        await server.stop()


async def test_each_session_gets_a_fresh_challenge() -> None:
    server = AgiServer(port=0, secret="s3cret-value", routes={"points": _noop})
    await server.start()
    try:
        calls = [
            await simulate_call("127.0.0.1", server.port, environment("points"), secret="x")
            for _ in range(3)
        ]
        assert len({call.commands[0] for call in calls}) == 3
    finally:
        await server.stop()


async def test_sessions_over_the_cap_are_refused_before_any_command() -> None:
    release = asyncio.Event()
    both_started = asyncio.Event()
    started: list[str] = []

    async def waits(session: AgiSession) -> None:
        started.append(session.env.script)
        if len(started) == 2:
            both_started.set()
        await release.wait()

    server = AgiServer(port=0, routes={"points": waits}, max_sessions=2)
    await server.start()
    try:
        held = [
            asyncio.create_task(simulate_call("127.0.0.1", server.port, environment("points")))
            for _ in range(2)
        ]
        await asyncio.wait_for(both_started.wait(), 5)  # both running: the cap is reached
        over = await simulate_call("127.0.0.1", server.port, environment("points"))
        assert over.commands == []  # closed at once: the dialplan goes on without the IVR
        assert (server.over_capacity, server.refused) == (1, 1)
        release.set()
        await asyncio.gather(*held)
        again = await simulate_call("127.0.0.1", server.port, environment("points"))
        assert again.commands == []  # the flow ran (it sends nothing) once a place was free
        await asyncio.wait_for(server.wait_ended(4), 5)
        assert (server.completed, server.refused) == (3, 1)
    finally:
        await server.stop()


def test_a_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_sessions"):
        AgiServer(max_sessions=0)


async def test_an_unknown_route_is_refused() -> None:
    server = AgiServer(port=0, routes={"points": _noop})
    await server.start()
    try:
        call = await simulate_call("127.0.0.1", server.port, environment("admin"))
        assert call.commands == []
        assert server.refused == 1
    finally:
        await server.stop()


async def test_an_asterisk_that_stops_answering_stops_the_flow() -> None:
    server = AgiServer(port=0, routes={"points": _noop}, command_timeout=0.2)
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network_script: points\n\n")
        await writer.drain()
        assert await reader.readline() == b"ANSWER\n"
        await asyncio.wait_for(server.wait_ended(1), 5)  # no reply: the read times out
        assert server.failed == 1
        writer.close()
        await writer.wait_closed()
    finally:
        await server.stop()


async def test_keys_outside_the_allowed_set_are_no_input() -> None:
    got: list[str | None] = []

    async def flow(session: AgiSession) -> None:
        for _ in range(4):
            got.append(await session.read_digits("beep", max_digits=8, wait=1))

    server = AgiServer(port=0, routes={"points": flow})
    await server.start()
    try:
        await simulate_call(
            "127.0.0.1", server.port, environment("points"), keys=["12*4", "", "1234", "12#"]
        )
        await asyncio.wait_for(server.wait_ended(1), 5)
        assert got == [None, None, "1234", None]
    finally:
        await server.stop()


async def test_a_hang_up_is_an_exception_the_flow_cannot_miss() -> None:
    async def flow(session: AgiSession) -> None:
        with pytest.raises(AgiHangup):
            await session.read_digits("beep", max_digits=1, wait=1)
        raise AgiHangup("again")

    server = AgiServer(port=0, routes={"points": flow})
    await server.start()
    try:
        await simulate_call("127.0.0.1", server.port, environment("points"), keys=[HANG_UP])
        await asyncio.wait_for(server.wait_ended(1), 5)
        assert server.hung_up == 1
    finally:
        await server.stop()
