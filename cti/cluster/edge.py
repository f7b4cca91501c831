"""The edge's claim on its Asterisk: the Asterisk's ``systemname``, and a lease on it.

Several nodes need every Asterisk to have its own ``systemname`` (in asterisk.conf's
``[options]``): it prefixes unique and linked ids, so two servers' calls never share an id
and a call's id names the edge that owns it. Before an edge acts on its Asterisk it asks
for the name (AMI ``CoreSettings``) and takes the lease ``asterisk-<systemname>``, so
a second edge on the same Asterisk refuses to start with a clear error.
"""

from __future__ import annotations

import re

from cti.ami import Action, AmiClient, AmiError
from cti.settings import AmiSettings

SYSTEM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class EdgeClaimError(Exception):
    """This node cannot be the edge of its Asterisk; the message says why and what to do."""


def lease_name(system: str) -> str:
    """The lease an Asterisk's edge holds."""
    return f"asterisk-{system}"


async def system_name_of(settings: AmiSettings, *, within: float) -> str:
    """The ``systemname`` of the Asterisk ``settings`` point at (one short AMI session).

    :class:`EdgeClaimError` when it cannot be reached, has none, or has one that cannot
    name subjects and ids (letters, digits, ``_`` and ``-``)."""
    probe = AmiClient(settings)
    where = f"{settings.host}:{settings.port}"
    try:
        await probe.start()
        await probe.wait_online(within=within)
        answer = await probe.send(Action("CoreSettings"))
    except AmiError as error:
        raise EdgeClaimError(f"the edge cannot reach its Asterisk at {where}: {error}") from None
    finally:
        await probe.stop()
    name = answer.get("SystemName")
    if not name:
        raise EdgeClaimError(
            f"the Asterisk at {where} has no systemname: several nodes need each Asterisk to "
            "have its own (asterisk.conf, [options] systemname = ...), so call ids never collide"
        )
    if not SYSTEM_NAME.match(name):
        raise EdgeClaimError(
            f"the Asterisk at {where} has systemname {name!r}: use only letters, digits, _ and -"
        )
    return name


__all__ = ["SYSTEM_NAME", "EdgeClaimError", "lease_name", "system_name_of"]
