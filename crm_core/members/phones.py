"""Phone numbers normalised to E.164, strictly for storing and leniently for caller lookup."""

from __future__ import annotations

import phonenumbers

from crm_core.errors import InvalidInputError


class InvalidPhoneError(InvalidInputError):
    """A phone number that is not a valid number for its region."""

    error_id = "invalid-phone"


def normalise(raw: str, default_region: str) -> str:
    """The E.164 form of ``raw`` (``+8613812345678``), or :class:`InvalidPhoneError`."""
    text = raw.strip()
    if not text or len(text) > 32:
        raise InvalidPhoneError(f"{raw!r} is not a phone number", phone=raw)
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneError(f"{raw!r} is not a phone number: {error}", phone=raw) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneError(
            f"{raw!r} is not a valid number in region {default_region}", phone=raw
        )
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def caller_number_to_e164(raw: str, default_region: str) -> str | None:
    """The E.164 form of a caller number as telephony delivers it, or None if unusable.

    Trunks present numbers as ``+86…``, ``0086…``, ``86…`` or with a national trunk
    prefix (``013…``); all of these find the same member.
    """
    digits = raw.strip()
    if not digits or len(digits) > 32:
        return None
    candidates = [digits]
    if digits.startswith("00"):
        candidates.append("+" + digits[2:])
    elif digits.isdigit():
        international = "+" + digits
        # A number that starts with the region's own country code (8613…) is most likely
        # international without the plus: try that reading first (one parse, not two).
        if digits.startswith(str(phonenumbers.country_code_for_region(default_region))):
            candidates.insert(0, international)
        else:
            candidates.append(international)
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return None
