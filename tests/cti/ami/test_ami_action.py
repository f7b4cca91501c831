"""The `Action` builder: what reaches the AMI socket is exactly what was meant (defect 1)."""

from __future__ import annotations

import pytest

from cti.ami import Action, AmiValueError


def test_defect_crlf_injection_is_refused_before_anything_is_built() -> None:
    # panoramisk 1.4 writes this verbatim: the blank line ends the action and
    # "Action: Hangup" becomes a second action that Asterisk runs.
    injected = "Jo\r\n\r\nAction: Hangup\r\nChannel: PJSIP/6001-00000001"
    with pytest.raises(AmiValueError) as caught:
        Action("Originate", Channel="Local/s@test-caller", CallerID=injected)
    assert caught.value.key == "CallerID"
    assert "CallerID" in str(caught.value)
    assert "nothing was sent" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "named"),
    [("a\rb", "carriage return"), ("a\nb", "line feed"), ("a\0b", "NUL")],
)
def test_every_line_breaking_character_is_refused(value: str, named: str) -> None:
    with pytest.raises(AmiValueError, match=named):
        Action("Setvar", Variable=value)


def test_line_breaks_inside_repeated_values_are_refused() -> None:
    with pytest.raises(AmiValueError, match="'Variable'"):
        Action("Originate", {"Variable": ["A=1", "B=2\r\nAction: Logoff"]})


@pytest.mark.parametrize("key", ["Caller ID", "Chan:nel", "Name\r\n", "", "Ünicode"])
def test_keys_outside_letters_digits_and_dash_are_refused(key: str) -> None:
    with pytest.raises(AmiValueError, match="not a valid AMI key"):
        Action("Originate", {key: "x"})


def test_the_action_name_is_a_key_too() -> None:
    with pytest.raises(AmiValueError):
        Action("Ping\r\nAction: Logoff")


@pytest.mark.parametrize("key", ["ActionID", "actionid", "Action"])
def test_action_and_action_id_belong_to_the_client(key: str) -> None:
    with pytest.raises(AmiValueError, match="set by the client"):
        Action("Ping", {key: "x"})


def test_encoding_keeps_order_repeats_keys_and_spells_booleans() -> None:
    action = Action(
        "Originate",
        {"Channel": "Local/s@test-caller", "Variable": ["A=1", "NAME=张伟"]},
        Async=True,
        Timeout=30000,
        CallerID='"José" <8613800138000>',
    )
    assert (
        action.encode("ctidesk-1-7")
        == (
            "Action: Originate\r\nActionID: ctidesk-1-7\r\nChannel: Local/s@test-caller\r\n"
            "Variable: A=1\r\nVariable: NAME=张伟\r\nAsync: true\r\nTimeout: 30000\r\n"
            'CallerID: "José" <8613800138000>\r\n\r\n'
        ).encode()
    )
    assert action.get("callerid") == '"José" <8613800138000>'


def test_values_of_other_types_are_refused() -> None:
    with pytest.raises(AmiValueError, match="float"):
        Action("QueuePause", Paused=1.5)  # type: ignore[arg-type]


def test_the_secret_never_shows_in_repr() -> None:
    action = Action("Login", Username="ctidesk", Secret="s3cret")
    assert "s3cret" not in repr(action)
    assert "ctidesk" in repr(action)
