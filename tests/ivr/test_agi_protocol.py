"""The FastAGI wire format: environment lines, replies, hang-ups and command quoting."""

from __future__ import annotations

import pytest

from ivr.agi import (
    AgiEnvironment,
    AgiHangup,
    AgiProtocolError,
    command_line,
    parse_environment_line,
    parse_reply,
    quote,
)


def test_an_environment_line_splits_at_the_first_colon() -> None:
    assert parse_environment_line("agi_request: agi://127.0.0.1:4573/points") == (
        "agi_request",
        "agi://127.0.0.1:4573/points",
    )


@pytest.mark.parametrize("line", ["GET DATA beep", "agi_: x", "hello: world", "no colon"])
def test_anything_else_in_the_environment_is_refused(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_environment_line(line)


def test_the_route_is_the_script_path_without_query_or_slashes() -> None:
    env = AgiEnvironment({"agi_network_script": "points?x=1", "agi_arg_1": "s3", "agi_arg_2": "b"})
    assert env.script == "points"
    assert env.arguments == ["s3", "b"]
    assert AgiEnvironment({"agi_request": "agi://127.0.0.1:4573/survey/"}).script == "survey"


def test_withheld_callers_have_no_number_and_the_dnid_is_the_did() -> None:
    env = AgiEnvironment({"agi_callerid": "unknown", "agi_dnid": "4008009000"})
    assert env.caller == ""
    assert env.dialled == "4008009000"
    assert AgiEnvironment({"agi_dnid": "unknown", "agi_extension": "4008009001"}).dialled == (
        "4008009001"
    )


def test_a_keypad_read_reply_carries_the_digits_or_the_timeout() -> None:
    assert parse_reply("200 result=1234").result == "1234"
    timed_out = parse_reply("200 result= (timeout)")
    assert timed_out.result == ""
    assert timed_out.timed_out
    assert parse_reply("200 result=12 (timeout)").result == "12"
    assert parse_reply("200 result=12*4").result == "12*4"


def test_a_reply_keeps_its_data_and_extra_fields() -> None:
    reply = parse_reply("200 result=1 (I-00000001)")
    assert (reply.number, reply.data) == (1, "I-00000001")
    assert parse_reply("200 result=0 endpos=8000").extra == {"endpos": "8000"}


@pytest.mark.parametrize(
    "line", ["HANGUP", "200 result=-1", "511 Command Not Permitted on a dead channel"]
)
def test_a_hung_up_channel_ends_the_flow(line: str) -> None:
    with pytest.raises(AgiHangup):
        parse_reply(line)


@pytest.mark.parametrize(
    "line", ["510 Invalid or unknown command", "520 End of proper usage.", "hello", "200 ok"]
)
def test_errors_and_garbage_are_protocol_errors(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        parse_reply(line)


def test_arguments_are_quoted_for_asterisk() -> None:
    assert quote("beep") == "beep"
    assert quote("") == '""'
    assert quote("two words") == '"two words"'
    assert quote('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'
    assert command_line("GET DATA", "beep", "5000", "4") == b"GET DATA beep 5000 4\n"


@pytest.mark.parametrize("value", ["a\nHANGUP", "a\rb", "nul\x00"])
def test_control_characters_never_reach_asterisk(value: str) -> None:
    with pytest.raises(ValueError, match="control character"):
        command_line("SET VARIABLE", "X", value)
