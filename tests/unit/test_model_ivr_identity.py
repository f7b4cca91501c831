"""A caller the IVR verified joins the queue carrying the member number (``ChanVariable``)."""

from __future__ import annotations

from cti.model import CallCentreModel, CallerQueued

JOIN = {
    "Event": "QueueCallerJoin",
    "Channel": "Local/s@test-caller-00000000;1",
    "CallerIDNum": "13900000001",
    "CallerIDName": "X",
    "Context": "from-trunk",
    "Exten": "4008009000",
    "Uniqueid": "1795356088.0",
    "Linkedid": "1795356088.0",
    "Queue": "hotline",
    "Position": "1",
    "Count": "1",
}


def _queued(event: dict[str, str]) -> CallerQueued:
    [queued] = [e for e in CallCentreModel().apply(event, 1.0) if isinstance(e, CallerQueued)]
    return queued


def test_the_verified_member_comes_from_the_channel_variable() -> None:
    # As Asterisk 22 sends it with manager.conf `channelvars = CTIDESK_IVR_MEMBER`.
    queued = _queued({**JOIN, "ChanVariable": "CTIDESK_IVR_MEMBER=I-00000001"})
    assert queued.verified_member == "I-00000001"


def test_no_variable_or_another_one_verifies_nobody() -> None:
    assert _queued(JOIN).verified_member == ""
    assert _queued({**JOIN, "ChanVariable": "OTHER=I-00000001"}).verified_member == ""
    assert _queued({**JOIN, "ChanVariable": "CTIDESK_IVR_MEMBER="}).verified_member == ""
