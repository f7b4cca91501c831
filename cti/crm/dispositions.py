"""Disposition routes: the codes an agent may close a call of a queue with."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from crm_core.calls.schemas import DispositionView
from cti.http.auth import STAFF
from cti.http.parsing import query_params
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import QUEUE_NAME, RequestBody
from cti.http.serialisers import Serialiser


class DispositionQuery(RequestBody):
    """``?queue=…``: the codes for a call of that queue (all global codes without it)."""

    queue: str | None = Field(None, pattern=QUEUE_NAME)


@dataclass(frozen=True)
class Dispositions:
    """Disposition codes an agent may pick."""

    codes: list[DispositionView]


DISPOSITIONS = Serialiser(Dispositions, "Dispositions")


async def dispositions(services: Services, caller: Caller) -> Dispositions:
    """The disposition codes for a call of the queue."""
    query = query_params(caller.request, DispositionQuery)
    return Dispositions(await services.crm.dispositions.for_queue(query.queue))


DISPOSITION_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/dispositions", dispositions, "Disposition codes for a queue",
          roles=STAFF, query=DispositionQuery, response=DISPOSITIONS, errors=BAD),
)  # fmt: skip

__all__ = ["DISPOSITION_ROUTES", "DispositionQuery", "Dispositions"]
