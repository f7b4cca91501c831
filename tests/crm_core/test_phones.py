"""Phone numbers: strict normalisation for storing, lenient for caller lookup."""

from __future__ import annotations

import pytest

from crm_core.members.phones import InvalidPhoneError, caller_number_to_e164, normalise


@pytest.mark.parametrize(
    "raw", ["13812345678", "138-1234-5678", "+86 138 1234 5678", "(+86) 13812345678"]
)
def test_mobile_numbers_normalise_to_e164(raw: str) -> None:
    assert normalise(raw, "CN") == "+8613812345678"


def test_landlines_keep_their_area_code() -> None:
    assert normalise("021-6123-4567", "CN") == "+862161234567"
    assert normalise("+1 415 555 2671", "CN") == "+14155552671"


@pytest.mark.parametrize("raw", ["", "12345", "abc", "1" * 40, "+86 138", "13812345678\r\n9"])
def test_invalid_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneError):
        normalise(raw, "CN")


@pytest.mark.parametrize(
    "caller", ["13812345678", "013812345678", "8613812345678", "008613812345678", "+8613812345678"]
)
def test_every_form_a_trunk_delivers_finds_the_same_number(caller: str) -> None:
    assert caller_number_to_e164(caller, "CN") == "+8613812345678"


@pytest.mark.parametrize("caller", ["", "anonymous", "123", "6001", "x" * 50])
def test_unusable_caller_numbers_find_nobody(caller: str) -> None:
    assert caller_number_to_e164(caller, "CN") is None
