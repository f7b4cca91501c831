"""The bridge's pure helpers and the agent routes' body checks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cti.agents.schemas import PauseBody, QueuesBody, WrapUpBody
from cti.ami import AmiMessage
from cti.bus.bridge import event_time
from cti.call_log.services import seconds, utc
from cti.protocol import iso


def test_event_time_is_asterisks_timestamp_else_the_clock() -> None:
    stamped = AmiMessage((("Event", "Hangup"), ("Timestamp", "1700000000.250000")))
    assert event_time(stamped, lambda: 5.0) == 1700000000.25
    assert event_time(AmiMessage((("Event", "Hangup"),)), lambda: 5.0) == 5.0
    assert event_time(AmiMessage((("Timestamp", "junk"),)), lambda: 5.0) == 5.0


def test_times_and_durations_for_the_call_log_and_the_wire() -> None:
    assert iso(0.0) == "1970-01-01T00:00:00Z"
    assert utc(None) is None and utc(0.0) is not None
    assert seconds(2.6) == 3 and seconds(None) is None and seconds(-0.2) == 0


@pytest.mark.parametrize("reason", ["lunch\r\nAction: Hangup", "a\nb", "tab\there", ""])
def test_a_pause_reason_with_control_characters_or_empty_is_refused(reason: str) -> None:
    with pytest.raises(ValidationError):
        PauseBody.model_validate({"reason": reason})


def test_queue_names_and_wrap_up_bodies_are_checked() -> None:
    assert QueuesBody.model_validate({}).queues is None
    with pytest.raises(ValidationError):
        QueuesBody.model_validate({"queues": ["hot\r\nline"]})
    with pytest.raises(ValidationError):
        WrapUpBody.model_validate({"call_id": "1.2", "disposition": "OK", "note": "x\r\ny"})
    body = WrapUpBody.model_validate({"call_id": "1.2", "disposition": "SOLVED"})
    assert body.note is None
