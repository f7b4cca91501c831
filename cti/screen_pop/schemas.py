"""The screen pop's REST result: the same :class:`~cti.protocol.ScreenPop` the WebSocket carries."""

from __future__ import annotations

from cti.http.serialisers import Serialiser
from cti.protocol import ScreenPop

SCREEN_POP = Serialiser(ScreenPop, "ScreenPop")
"""A call's pop as ``GET /api/calls/{id}/pop`` returns it (the push's fields, no ``type``)."""

__all__ = ["SCREEN_POP"]
