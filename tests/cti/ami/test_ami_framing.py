"""The frame parser: whole characters, tolerant of bad frames (defect 2 and bad input)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cti.ami import FrameParser, StreamRecorder, parse_stream, read_recording

EVENT = (
    "Event: Newchannel\r\nChannel: PJSIP/6001-00000001\r\nCallerIDNum: 8613800138000\r\n"
    "CallerIDName: José 张伟\r\nUniqueid: 1700000000.1\r\nLinkedid: 1700000000.1\r\n\r\n"
).encode()


def test_defect_utf8_character_split_across_reads_is_kept() -> None:
    # panoramisk 1.4 decodes each read on its own with errors='ignore': "José" → "Jos".
    split_at = EVENT.index("é".encode()) + 1
    parser = FrameParser()
    assert parser.feed(EVENT[:split_at]) == []
    [message] = parser.feed(EVENT[split_at:])
    assert message.get("CallerIDName") == "José 张伟"
    assert parser.undecodable == 0


def test_a_stream_fed_one_byte_at_a_time_parses_like_one_read() -> None:
    stream = b"Asterisk Call Manager/9.0.0\r\n" + EVENT * 3
    byte_by_byte = list(parse_stream(stream[i : i + 1] for i in range(len(stream))))
    assert byte_by_byte == list(parse_stream([stream]))
    assert [m.get("CallerIDName") for m in byte_by_byte] == ["José 张伟"] * 3


def test_headers_are_case_insensitive_and_repeated_keys_kept() -> None:
    frame = b"Response: Success\r\nActionID: a-1\r\nChanVariable: A=1\r\nChanVariable: B=\r\n\r\n"
    [message] = FrameParser().feed(frame)
    assert message.response == "Success"
    assert message.action_id == "a-1"
    assert message.get("chanvariable") == "A=1"
    assert message.get_all("ChanVariable") == ["A=1", "B="]
    assert not message.is_event
    assert message["actionid"] == "a-1"
    with pytest.raises(KeyError):
        message["Event"]


def test_empty_values_and_colons_in_values_survive() -> None:
    [message] = FrameParser().feed(b"Event: VarSet\r\nValue:\r\nVariable: URL: http://x\r\n\r\n")
    assert message.get("Value") == ""
    assert message.get("Variable") == "URL: http://x"


def test_malformed_frames_are_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    parser = FrameParser()
    garbage = b"this is not ami\r\nat all\r\n\r\nKey: but no event\r\n\r\n\x00\xff\r\n\r\n"
    with caplog.at_level(logging.WARNING, logger="cti.ami.framing"):
        messages = parser.feed(garbage + EVENT)
    assert [m.event for m in messages] == ["Newchannel"]
    assert parser.malformed == 3
    assert "malformed AMI frame skipped" in caplog.text


def test_lines_that_are_not_key_value_are_ignored_inside_a_good_frame() -> None:
    frame = b"Response: Follows\r\nPrivilege: Command\r\nsome output\r\n--END COMMAND--\r\n\r\n"
    [message] = FrameParser().feed(frame)
    assert message.response == "Follows"
    assert message.get("Privilege") == "Command"


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    parser = FrameParser()
    [message] = parser.feed(b"Event: Newchannel\r\nCallerIDName: Jos\xe9\r\n\r\n")
    assert message.get("CallerIDName") == "Jos\ufffd"
    assert parser.undecodable == 1


def test_an_endless_frame_is_discarded_without_losing_the_next_one() -> None:
    parser = FrameParser(max_frame_bytes=1000)
    assert parser.feed(b"Event: Flood\r\nX: " + b"y" * 5000) == []
    assert parser.pending_bytes < 10
    assert parser.feed(b"still the flood\r\n\r\n") == []
    [message] = parser.feed(EVENT)
    assert message.event == "Newchannel"
    assert parser.malformed == 1


def test_stray_blank_lines_between_frames_are_harmless() -> None:
    messages = FrameParser().feed(b"\r\n\r\n" + EVENT + b"\r\n\r\n" + EVENT)
    assert len(messages) == 2


def test_a_recording_replays_to_the_same_messages(tmp_path: Path) -> None:
    stream = b"Asterisk Call Manager/9.0.0\r\nResponse: Success\r\n\r\n" + EVENT * 50
    path = tmp_path / "stream.ami"
    with StreamRecorder(path) as recorder:
        for start in range(0, len(stream), 7):
            recorder.write(stream[start : start + 7])
    assert path.read_bytes() == stream
    replayed = list(read_recording(path, chunk_size=13))
    assert len(replayed) == 51
    assert replayed[1:] == list(parse_stream([EVENT * 50]))
