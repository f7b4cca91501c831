"""AMI ingest: panoramisk's parsing alone against parsing plus our state machine, in one run.

    .venv/bin/python bench/ami_ingest.py [--calls 1500] [--agents 20] [--chunk 4096] [--rounds 3]

Builds a synthetic stream in Asterisk 22's shape (per queue call about 70 events:
Newchannel, QueueCallerJoin, AgentCalled, DialBegin/End, AgentConnect, bridges, hold,
AgentComplete, Hangups, QueueMemberStatus, and the VarSet/Newexten/DeviceStateChange flood
that dominates a real stream), then feeds its bytes in ``--chunk`` pieces to panoramisk
1.4's ``AMIProtocol.data_received``:

- parse: panoramisk parses every frame into a ``Message`` and dispatches it to nothing;
- parse + model: each event ``Message`` goes to ``CallCentreModel.apply`` (time taken from
  the frame's ``Timestamp`` header, as ``timestampevents=yes`` sends it);
- model alone: the same ``Message`` objects, parsed beforehand, through a fresh model — the
  steadier figure, since (b) − (a) is the difference of two noisy timings.

Rounds alternate the two paths; the best round of each counts. Targets: the state machine
adds ≤ 30 % on top of parsing, and ≥ 20,000 events/s overall.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

from panoramisk.ami_protocol import AMIProtocol

from cti.model import CallCentreModel

EOL = "\r\n"


class _Transport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class _Factory:
    """What AMIProtocol expects of its manager: ``dispatch`` and a few attributes."""

    save_stream = None
    forgetable_actions: tuple[str, ...] = ()

    def __init__(self, dispatch: Callable[[Any], None]) -> None:
        self.dispatch = dispatch
        self.awaiting_actions: list[Any] = []

    def connection_lost(self, exc: object) -> None:
        pass


def _frame(at: float, event: str, fields: dict[str, str]) -> str:
    lines = [f"Event: {event}", "Privilege: call,all", f"Timestamp: {at:.6f}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return EOL.join(lines) + EOL + EOL


def _channel(
    name: str,
    uniqueid: str,
    linkedid: str,
    number: str,
    exten: str,
    prefix: str = "",
    state: int = 4,
) -> dict[str, str]:
    fields = {
        "Channel": name,
        "ChannelState": str(state),
        "ChannelStateDesc": "Ring",
        "CallerIDNum": number,
        "CallerIDName": "Caller " + number,
        "ConnectedLineNum": "<unknown>",
        "ConnectedLineName": "<unknown>",
        "Language": "en",
        "AccountCode": "",
        "Context": "from-trunk",
        "Exten": exten,
        "Priority": "1",
        "Uniqueid": uniqueid,
        "Linkedid": linkedid,
    }
    return {prefix + key: value for key, value in fields.items()}


def _member(queue: str, interface: str, name: str, status: int, calls: int) -> dict[str, str]:
    return {
        "Queue": queue,
        "MemberName": name,
        "Interface": interface,
        "StateInterface": interface,
        "Membership": "dynamic",
        "Penalty": "0",
        "CallsTaken": str(calls),
        "LastCall": "0",
        "LastPause": "0",
        "LoginTime": "0",
        "InCall": "0",
        "Status": str(status),
        "Paused": "0",
        "PausedReason": "",
        "Ringinuse": "0",
        "Wrapuptime": "0",
    }


def _flood(at: float, channel: dict[str, str], count: int) -> list[str]:
    frames = [
        _frame(at, "VarSet", {**channel, "Variable": f"__CTI_VAR_{i}", "Value": "v" * 24})
        for i in range(count)
    ]
    frames.append(
        _frame(
            at,
            "Newexten",
            {**channel, "Extension": channel["Exten"], "Application": "Set", "AppData": "X=1"},
        )
    )
    frames.append(_frame(at, "DeviceStateChange", {"Device": "PJSIP/trunk", "State": "INUSE"}))
    return frames


def build_stream(calls: int, agents: int) -> tuple[bytes, int]:
    """The stream's bytes and its number of events."""
    frames = [
        _frame(0.0, "QueueMemberAdded", _member("support", f"PJSIP/{6000 + a}", f"A{a}", 1, 0))
        for a in range(agents)
    ]
    for n in range(calls):
        t = 1.0 + n * 2.0
        interface = f"PJSIP/{6000 + n % agents}"
        uid, leg_uid = f"1700000000.{2 * n}", f"1700000000.{2 * n + 1}"
        caller = _channel(f"PJSIP/trunk-{n:08x}", uid, uid, f"138{n:08d}", "4008001234")
        leg = _channel(f"{interface}-{n:08x}", leg_uid, uid, interface[-4:], interface[-4:])
        dest = {"Dest" + key: value for key, value in leg.items()}
        queue = {"Queue": "support", "Interface": interface, "MemberName": "A"}
        bridge = {
            "BridgeUniqueid": f"b-{n}",
            "BridgeType": "basic",
            "BridgeTechnology": "simple_bridge",
            "BridgeNumChannels": "1",
        }
        frames.append(_frame(t, "Newchannel", caller))
        frames += _flood(t, caller, 14)
        frames.append(
            _frame(
                t, "QueueCallerJoin", {**caller, "Queue": "support", "Position": "1", "Count": "1"}
            )
        )
        frames.append(_frame(t, "MusicOnHoldStart", {**caller, "Class": "default"}))
        frames.append(_frame(t, "Newchannel", leg))
        frames += _flood(t, leg, 6)
        frames.append(_frame(t, "AgentCalled", {**caller, **dest, **queue}))
        frames.append(_frame(t, "DialBegin", {**caller, **dest, "DialString": interface}))
        frames.append(_frame(t, "QueueMemberStatus", _member("support", interface, "A", 6, n)))
        frames.append(_frame(t, "Newstate", {**leg, "ChannelState": "6"}))
        frames.append(_frame(t, "DialEnd", {**caller, **dest, "DialStatus": "ANSWER"}))
        frames.append(_frame(t, "MusicOnHoldStop", caller))
        frames.append(
            _frame(
                t, "QueueCallerLeave", {**caller, "Queue": "support", "Position": "1", "Count": "0"}
            )
        )
        frames.append(
            _frame(t, "AgentConnect", {**caller, **dest, **queue, "HoldTime": "3", "RingTime": "2"})
        )
        frames.append(_frame(t, "BridgeCreate", bridge))
        frames.append(_frame(t, "BridgeEnter", {**bridge, **caller}))
        frames.append(_frame(t, "BridgeEnter", {**bridge, **leg}))
        frames.append(_frame(t, "QueueMemberStatus", _member("support", interface, "A", 2, n)))
        frames += _flood(t + 0.5, caller, 12)
        frames.append(_frame(t + 0.6, "Hold", {**caller, "MusicClass": "default"}))
        frames.append(_frame(t + 0.7, "Unhold", caller))
        frames += _flood(t + 0.8, leg, 8)
        frames.append(_frame(t + 1.0, "BridgeLeave", {**bridge, **leg}))
        frames.append(
            _frame(
                t + 1.0,
                "AgentComplete",
                {**caller, **dest, **queue, "TalkTime": "1", "Reason": "agent"},
            )
        )
        frames.append(
            _frame(t + 1.0, "Hangup", {**leg, "Cause": "16", "Cause-txt": "Normal Clearing"})
        )
        frames.append(_frame(t + 1.0, "BridgeLeave", {**bridge, **caller}))
        frames.append(_frame(t + 1.0, "BridgeDestroy", bridge))
        frames.append(
            _frame(t + 1.0, "Hangup", {**caller, "Cause": "16", "Cause-txt": "Normal Clearing"})
        )
        frames.append(
            _frame(t + 1.0, "QueueMemberStatus", _member("support", interface, "A", 1, n + 1))
        )
    text = "Asterisk Call Manager/9.0.0" + EOL + "".join(frames)
    return text.encode("utf-8"), len(frames)


def run(data: bytes, chunk: int, dispatch: Callable[[Any], None]) -> float:
    """Seconds to feed ``data`` through AMIProtocol in ``chunk``-byte pieces."""
    protocol = AMIProtocol()
    protocol.connection_made(_Transport())  # type: ignore[arg-type]
    protocol.factory = _Factory(dispatch)
    protocol.encoding = "utf-8"  # type: ignore[attr-defined]
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    gc.collect()
    started = time.perf_counter()
    for piece in pieces:
        protocol.data_received(piece)
    return time.perf_counter() - started


def main() -> None:
    """Build the stream, time both paths, print rates, the ratio and PASS/MISS."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    data, events = build_stream(args.calls, args.agents)
    print(
        f"stream: {events:,} events, {len(data) / 1e6:.1f} MB, "
        f"{len(data) / events:.0f} bytes/event, {events / args.calls:.0f} events/call"
    )

    counted: list[int] = [0]

    def parse_only(message: Any) -> None:
        counted[0] += 1

    parse_times: list[float] = []
    model_times: list[float] = []
    domain_events = 0
    for _ in range(args.rounds):
        counted[0] = 0
        parse_times.append(run(data, args.chunk, parse_only))
        assert counted[0] == events, (counted[0], events)
        model = CallCentreModel(wrapup_seconds={"support": 0.0})
        produced: list[int] = [0]

        def parse_and_track(
            message: Any, model: CallCentreModel = model, produced: list[int] = produced
        ) -> None:
            produced[0] += len(model.apply(message, float(message["Timestamp"])))

        model_times.append(run(data, args.chunk, parse_and_track))
        domain_events = produced[0]
        assert model.snapshot(0.0).calls == (), "every synthetic call should have ended"

    messages: list[Any] = []
    run(data, args.chunk, messages.append)
    alone_times = []
    for _ in range(args.rounds):
        model = CallCentreModel(wrapup_seconds={"support": 0.0})
        apply = model.apply
        gc.collect()
        started = time.perf_counter()
        for message in messages:
            apply(message, float(message["Timestamp"]))
        alone_times.append(time.perf_counter() - started)

    parse_s, model_s, alone_s = min(parse_times), min(model_times), min(alone_times)
    parse_rate, model_rate = events / parse_s, events / model_s
    overhead = model_s / parse_s - 1.0
    print(f"domain events out: {domain_events:,}")
    print(f"(a) panoramisk parse only : {parse_rate:>10,.0f} events/s  ({parse_s:.3f} s)")
    print(f"(b) parse + state machine : {model_rate:>10,.0f} events/s  ({model_s:.3f} s)")
    alone_share = alone_s / parse_s
    print(f"(c) state machine alone   : {events / alone_s:>10,.0f} events/s  ({alone_s:.3f} s)")
    print(
        f"state machine on top of parsing: (b)/(a) {overhead * 100:+.1f} %, "
        f"(c)/(a) {alone_share * 100:.1f} %"
    )
    worst = max(overhead, alone_share)
    print(f"target ≤ 30 % on top of parsing: {'PASS' if worst <= 0.30 else 'MISS'} (larger figure)")
    print(f"target ≥ 20,000 events/s overall: {'PASS' if model_rate >= 20_000 else 'MISS'}")


if __name__ == "__main__":
    main()
