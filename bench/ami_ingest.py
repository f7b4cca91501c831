"""AMI ingest: our framing, and our framing + state machine (the production path), on the
same bytes in one run, with panoramisk's parser beside them as the baseline.

    .venv/bin/python bench/ami_ingest.py [--calls 1500] [--agents 20] [--chunk 4096] [--rounds 3]

panoramisk is only the baseline: install it with the bench extra, ``pip install -e '.[bench]'``.

Builds a synthetic stream in Asterisk 22's shape (per queue call about 70 events:
Newchannel, QueueCallerJoin, AgentCalled, DialBegin/End, AgentConnect, bridges, hold,
AgentComplete, Hangups, QueueMemberStatus, and the VarSet/Newexten/DeviceStateChange flood
that dominates a real stream), then feeds its bytes in ``--chunk`` pieces (the socket reads)
to each path:

- (a) baseline: panoramisk 1.4's ``AMIProtocol.data_received`` parses every frame into a
  ``Message`` and dispatches it to nothing;
- (b) our framing: ``cti.ami.FrameParser.feed``, which ``AmiConnection``'s reader runs on
  every read, turns the bytes into ``AmiMessage`` frames;
- (c) the production path: (b), and each event frame goes as it is to
  ``CallCentreModel.apply`` at its ``Timestamp`` header (``timestampevents=yes``), as the
  telephony bridge does; the socket and the subscription queue between them are left out;
- (d) state machine alone: the same frames, parsed beforehand, through a fresh model — the
  steadier figure, since (c) − (b) is the difference of two noisy timings.

Rounds alternate the paths; the best round of each counts. Targets: the production path
(c) ≥ 20,000 events/s, and the state machine adds ≤ 30 % on top of our framing (the larger
of (c)/(b) − 1 and (d)/(b)).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from cti.ami import AmiMessage, FrameParser, parse_stream
from cti.model import CallCentreModel

try:
    from panoramisk.ami_protocol import AMIProtocol
except ModuleNotFoundError:
    sys.exit("bench/ami_ingest.py needs panoramisk, its parse baseline: pip install -e '.[bench]'")

EOL = "\r\n"


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


def _pieces(data: bytes, chunk: int) -> list[bytes]:
    return [data[i : i + chunk] for i in range(0, len(data), chunk)]


def run_panoramisk(pieces: list[bytes]) -> tuple[float, int]:
    """(a): seconds for panoramisk to parse ``pieces``, and the messages it dispatched."""
    dispatched: list[int] = [0]

    def dispatch(message: Any) -> None:
        dispatched[0] += 1

    protocol = AMIProtocol()
    protocol.connection_made(_Transport())  # type: ignore[arg-type]
    protocol.factory = _Factory(dispatch)
    protocol.encoding = "utf-8"  # type: ignore[attr-defined]
    data_received = protocol.data_received
    gc.collect()
    started = time.perf_counter()
    for piece in pieces:
        data_received(piece)
    return time.perf_counter() - started, dispatched[0]


def run_framing(pieces: list[bytes]) -> tuple[float, int]:
    """(b): seconds for our `FrameParser` to frame ``pieces``, and the frames it returned."""
    feed = FrameParser().feed
    frames = 0
    gc.collect()
    started = time.perf_counter()
    for piece in pieces:
        frames += len(feed(piece))
    return time.perf_counter() - started, frames


def run_production(pieces: list[bytes], model: CallCentreModel) -> tuple[float, int]:
    """(c): seconds to frame ``pieces`` and apply every event, and the domain events out."""
    feed, apply = FrameParser().feed, model.apply
    produced = 0
    gc.collect()
    started = time.perf_counter()
    for piece in pieces:
        for message in feed(piece):
            if message.is_event:
                produced += len(apply(message, float(message.get("Timestamp") or 0.0)))
    return time.perf_counter() - started, produced


def run_model(messages: list[AmiMessage], model: CallCentreModel) -> float:
    """(d): seconds to apply frames parsed beforehand."""
    apply = model.apply
    gc.collect()
    started = time.perf_counter()
    for message in messages:
        if message.is_event:
            apply(message, float(message.get("Timestamp") or 0.0))
    return time.perf_counter() - started


def _new_model() -> CallCentreModel:
    return CallCentreModel(wrapup_seconds={"support": 0.0})


def main() -> None:
    """Build the stream, time the four paths, print rates, ratios and PASS/MISS."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    data, events = build_stream(args.calls, args.agents)
    pieces = _pieces(data, args.chunk)
    print(
        f"stream: {events:,} events, {len(data) / 1e6:.1f} MB, "
        f"{len(data) / events:.0f} bytes/event, {events / args.calls:.0f} events/call, "
        f"{len(pieces):,} reads of {args.chunk:,} bytes"
    )

    messages = list(parse_stream(pieces))
    assert len(messages) == events, (len(messages), events)
    times: dict[str, list[float]] = {"a": [], "b": [], "c": [], "d": []}
    domain_events = 0
    for _ in range(args.rounds):
        seconds, dispatched = run_panoramisk(pieces)
        assert dispatched == events, (dispatched, events)
        times["a"].append(seconds)
        seconds, frames = run_framing(pieces)
        assert frames == events, (frames, events)
        times["b"].append(seconds)
        model = _new_model()
        seconds, domain_events = run_production(pieces, model)
        assert model.snapshot(0.0).calls == (), "every synthetic call should have ended"
        times["c"].append(seconds)
        times["d"].append(run_model(messages, _new_model()))

    best = {path: min(seconds) for path, seconds in times.items()}
    rate = {path: events / seconds for path, seconds in best.items()}
    labels = {
        "a": "panoramisk parse (baseline)",
        "b": "our framing",
        "c": "our framing + state machine",
        "d": "state machine alone",
    }
    print(f"domain events out: {domain_events:,}")
    for path, label in labels.items():
        print(f"({path}) {label:<28}: {rate[path]:>10,.0f} events/s  ({best[path]:.3f} s)")
    on_top = best["c"] / best["b"] - 1.0
    alone_share = best["d"] / best["b"]
    print(f"our framing against panoramisk's parse: (a)/(b) {best['a'] / best['b']:.2f}× as fast")
    print(f"production path against panoramisk's parse alone: (c)/(a) {best['c'] / best['a']:.2f}×")
    print(
        f"state machine on top of our framing: (c)/(b) {on_top * 100:+.1f} %, "
        f"(d)/(b) {alone_share * 100:.1f} %"
    )
    worst = max(on_top, alone_share)
    fast_enough = "PASS" if rate["c"] >= 20_000 else "MISS"
    print(f"target ≥ 20,000 events/s on the production path (c): {fast_enough}")
    light_enough = "PASS" if worst <= 0.30 else "MISS"
    print(f"target ≤ 30 % on top of our framing: {light_enough} (larger figure)")


if __name__ == "__main__":
    main()
