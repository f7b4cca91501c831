"""The fixture frame reader: CR LF frames, split reads, multi-byte characters."""

from __future__ import annotations

from cti.model import FrameReader, parse_frame, parse_stream


def test_a_stream_splits_into_frames_after_the_greeting() -> None:
    data = b"Asterisk Call Manager/9.0.0\r\nEvent: A\r\nX: 1\r\n\r\nEvent: B\r\nEmpty:\r\n\r\n"
    assert parse_stream(data) == [{"Event": "A", "X": "1"}, {"Event": "B", "Empty": ""}]


def test_a_character_split_across_reads_is_kept_whole() -> None:
    data = "Event: Newchannel\r\nCallerIDName: José 张\r\n\r\n".encode()
    cut = data.index("é".encode()) + 1
    reader = FrameReader()
    assert reader.feed(data[:cut]) == []
    assert reader.feed(data[cut:]) == [{"Event": "Newchannel", "CallerIDName": "José 张"}]


def test_values_keep_their_colons() -> None:
    assert parse_frame("Event: X\r\nAppData: a: b") == {"Event": "X", "AppData": "a: b"}
