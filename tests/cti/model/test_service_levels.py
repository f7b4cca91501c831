"""Service level per queue: the model's threshold from ``QueueParams`` (with the settings'
override and fallback), and the wall-board's share of calls answered within it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_tui.board_state import BoardState
from cti.model import DEFAULT_SERVICE_LEVEL_SECONDS, CallCentreModel
from cti.protocol import CallUpdate, LoggedCall, QueueUpdate
from tests.support.frames import frame

AT = 1700000000.0


def queue_params(queue: str, **fields: str) -> dict[str, str]:
    """A ``QueueParams`` entry as Asterisk 22 sends it in answer to ``QueueStatus``."""
    entry = {
        "Event": "QueueParams", "Queue": queue, "Max": "0", "Strategy": "rrmemory",
        "Calls": "0", "Holdtime": "0", "TalkTime": "0", "Completed": "3", "Abandoned": "1",
        "ServiceLevel": "0", "ServicelevelPerf": "0.0", "ServicelevelPerf2": "0.0",
        "Weight": "0",
    }  # fmt: skip
    entry.update(fields)
    return entry


def thresholds(model: CallCentreModel) -> dict[str, int]:
    return {q.name: q.service_level_seconds for q in model.snapshot(AT).queues}


def test_resync_keeps_each_queues_service_level_from_asterisk() -> None:
    model = CallCentreModel()
    model.resync(
        [
            frame(queue_params("hotline", ServiceLevel="20")),
            frame(queue_params("vip", ServiceLevel="10")),
        ],
        AT,
    )
    assert thresholds(model) == {"hotline": 20, "vip": 10}
    vip = model.queue("vip", AT)
    assert vip is not None and (vip.completed, vip.abandoned) == (3, 1)


@pytest.mark.parametrize(
    "reported",
    [{"ServiceLevel": "0"}, {}, {"ServiceLevel": ""}, {"ServiceLevel": "soon"},
     {"ServiceLevel": "-5"}, {"ServiceLevel": "12.5"}],
    ids=["zero", "missing", "empty", "garbage", "negative", "fraction"],
)  # fmt: skip
def test_no_usable_service_level_from_asterisk_falls_back_to_the_default(
    reported: dict[str, str],
) -> None:
    entry = queue_params("hotline")
    entry.pop("ServiceLevel")
    model = CallCentreModel(default_service_level=25)
    model.resync([frame({**entry, **reported})], AT)
    assert thresholds(model) == {"hotline": 25}


def test_the_default_without_settings_is_twenty_seconds() -> None:
    model = CallCentreModel()
    model.resync([frame(queue_params("hotline"))], AT)
    assert thresholds(model) == {"hotline": DEFAULT_SERVICE_LEVEL_SECONDS} == {"hotline": 20}


def test_an_override_wins_over_asterisk_and_over_the_default() -> None:
    model = CallCentreModel(service_levels={"vip": 15, "pc-digital": 40}, default_service_level=30)
    model.resync(
        [
            frame(queue_params("hotline", ServiceLevel="20")),
            frame(queue_params("vip", ServiceLevel="10")),
            frame(queue_params("pc-digital")),
            frame(queue_params("large-equipment")),
        ],
        AT,
    )
    assert thresholds(model) == {
        "hotline": 20,  # Asterisk's
        "vip": 15,  # the override, not Asterisk's 10
        "pc-digital": 40,  # the override, Asterisk has none
        "large-equipment": 30,  # the default
    }


def test_queue_params_read_outside_a_resync_update_the_threshold() -> None:
    model = CallCentreModel()
    model.resync([frame(queue_params("hotline", ServiceLevel="20"))], AT)
    model.apply(frame(queue_params("hotline", ServiceLevel="45")), AT + 1)
    assert thresholds(model) == {"hotline": 45}
    model.apply(frame(queue_params("hotline", ServiceLevel="rubbish")), AT + 2)
    assert thresholds(model) == {"hotline": 20}, "garbage falls back to the default"


def test_a_queue_seen_only_through_its_callers_has_the_default_threshold() -> None:
    model = CallCentreModel(default_service_level=35)
    model.apply(
        frame({"Event": "QueueMemberAdded", "Queue": "hotline", "Interface": "PJSIP/6001",
               "MemberName": "Alice", "Status": "1", "Paused": "0"}),
        AT,
    )  # fmt: skip
    assert thresholds(model) == {"hotline": 35}


# -- the wall-board -------------------------------------------------------------------------
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def board_with_thresholds(**seconds: int) -> BoardState:
    board = BoardState(day_start=NOW.replace(hour=0, minute=0))
    for queue, threshold in seconds.items():
        board.apply(QueueUpdate(queue, 0, 0, 1, 0, 0, threshold), NOW)
    return board


def record(call_id: str, queue: str, wait: int, *, answered: bool = True) -> LoggedCall:
    return LoggedCall(
        linked_id=call_id, caller="138", queue=queue,
        agent_login="agent1" if answered else None, member_number=None,
        started_at="2026-03-02T09:00:00Z",
        answered_at="2026-03-02T09:00:15Z" if answered else None,
        wait_seconds=wait, abandoned=not answered,
    )  # fmt: skip


def test_a_call_answered_after_15_s_meets_a_20_s_level_but_not_a_10_s_one() -> None:
    board = board_with_thresholds(hotline=20, vip=10)
    board.load_records([record("c1", "hotline", 15), record("c2", "vip", 15)])
    assert board.service_level("hotline") == 1.0
    assert board.service_level("vip") == 0.0


def test_pushed_calls_are_measured_against_their_own_queues_threshold() -> None:
    board = board_with_thresholds(hotline=20, vip=10)
    since = "2026-03-02T09:29:45Z"  # answered at NOW: a 15 s wait
    board.apply(CallUpdate("c1", "answered", "138", since, "hotline", "agent1"), NOW)
    board.apply(CallUpdate("c2", "answered", "139", since, "vip", "agent2"), NOW)
    board.apply(CallUpdate("c3", "answered", "137", "2026-03-02T09:29:55Z", "vip", "agent2"), NOW)
    board.apply(CallUpdate("c4", "abandoned", "136", "2026-03-02T09:29:58Z", "vip"), NOW)
    assert board.service_level("hotline") == 1.0
    assert board.service_level("vip") == pytest.approx(1 / 3), "c3 only, of c2, c3 and c4"


def test_a_threshold_that_arrives_or_changes_later_applies_to_the_whole_day() -> None:
    board = BoardState(day_start=NOW.replace(hour=0, minute=0))
    board.load_records([record("c1", "vip", 15), record("c2", "vip", 5)])
    assert board.service_level("vip") is None, "no threshold known yet"
    board.apply(QueueUpdate("vip", 0, 0, 1, 0, 0, 10), NOW)
    assert board.service_level("vip") == 0.5
    board.apply(QueueUpdate("vip", 0, 0, 1, 0, 0, 30), NOW)
    assert board.service_level("vip") == 1.0


def test_a_queue_without_calls_today_has_no_service_level() -> None:
    board = board_with_thresholds(hotline=20)
    assert board.service_level("hotline") is None
    board.load_records([record("c1", "hotline", 30, answered=False)])
    assert board.service_level("hotline") == 0.0
