"""The card routes the console uses: a tap read by its own watcher, and the card actions
taken from a card pop (every path in this one place; each answer decoded once)."""

from __future__ import annotations

from urllib.parse import quote

from agent_tui.client import DeskClient
from cti.protocol import CardOfUid, CardTapped, JsonObject


def _path(uid: str, action: str) -> str:
    return f"/api/cards/{quote(uid, safe='')}/{action}"


class CardClient:
    """Card requests over the console's REST client."""

    def __init__(self, client: DeskClient) -> None:
        self._client = client

    async def tap(self, uid: str, reader: str) -> CardTapped:
        """A card read on this desk's ``reader``: recorded, and popped on our consoles."""
        return await self._client.send(CardTapped, _path(uid, "tap"), {"reader": reader})

    async def issue(self, uid: str, member_number: str) -> CardOfUid:
        """Bind the tapped chip to ``member_number`` (issued first when it is new)."""
        body: JsonObject = {"member_number": member_number}
        return await self._client.send(CardOfUid, _path(uid, "issue"), body)

    async def report_lost(self, uid: str) -> CardOfUid:
        """Report the tapped card lost."""
        return await self._client.send(CardOfUid, _path(uid, "lost"), {})

    async def replace(self, uid: str, new_uid: str) -> CardOfUid:
        """Replace the card by the chip tapped after it (same member, same points)."""
        return await self._client.send(CardOfUid, _path(uid, "replace"), {"new_uid": new_uid})


__all__ = ["CardClient"]
