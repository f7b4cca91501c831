"""Idempotency keys: the ones the system derives, and the namespace of the clients' keys.

The system derives keys from what a posting is about: ``order:<order ref>``,
``registration:<member>``, ``referral:<member>``, ``new-organisation:<member>`` and
``expire:lot:<lot id>``. A key a person chooses (the console, the API, the command line)
is stored as ``client:<operator>:<key>``: it can never equal a derived key, so nobody can
post first under the key of a member, order or expiry yet to come and make it fail; and
two operators who happen to choose the same key post twice, as they meant to.
"""

from __future__ import annotations

from crm_core.loyalty.exceptions import InvalidPointsError

CLIENT_PREFIX = "client:"
MAX_CLIENT_KEY_LENGTH = 64


def client_key(operator: str, key: str) -> str:
    """The stored form of ``key`` chosen by ``operator``: ``client:<operator>:<key>``."""
    if not key or len(key) > MAX_CLIENT_KEY_LENGTH:
        raise InvalidPointsError(
            f"an idempotency key of 1 to {MAX_CLIENT_KEY_LENGTH} characters is required",
            field="idempotency_key",
        )
    if not operator.strip():
        raise InvalidPointsError("an operator is required", field="operator")
    return f"{CLIENT_PREFIX}{operator}:{key}"


def chosen_key(stored: str) -> str:
    """The key as its client chose it (a derived key is returned as it is)."""
    if not stored.startswith(CLIENT_PREFIX):
        return stored
    return stored[len(CLIENT_PREFIX) :].partition(":")[2]
