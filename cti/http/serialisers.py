"""One serialiser per resource, shared by REST responses and WebSocket messages.

Each is a pydantic ``TypeAdapter`` over the CRM's frozen data objects: ``dump`` gives
the JSON-ready form, ``schema`` the JSON Schema the OpenAPI document publishes, so the
two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from crm_core.member360.schemas import Member360
from cti.http.schemas import LoginResult, UserList

T = TypeVar("T")
REF_TEMPLATE = "#/components/schemas/{model}"


class Serialiser(Generic[T]):
    """Turns one resource type into JSON-ready data and describes it as a JSON Schema."""

    def __init__(self, resource: type[T], name: str) -> None:
        self.name = name
        self._adapter: TypeAdapter[T] = TypeAdapter(resource)
        self._schema: dict[str, Any] | None = None

    def dump(self, value: T) -> Any:
        """The JSON-ready form (times as ISO 8601, decimals as text, enums as values)."""
        return self._adapter.dump_python(value, mode="json")

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the resource; its ``$defs`` belong in the OpenAPI components."""
        if self._schema is None:
            self._schema = self._adapter.json_schema(ref_template=REF_TEMPLATE)
        return self._schema


LOGIN = Serialiser(LoginResult, "LoginResult")
MEMBER_360 = Serialiser(Member360, "Member360")
"""The member 360° view: the REST resource and the screen pop's member summary."""
USER_LIST = Serialiser(UserList, "UserList")
OPENAPI = Serialiser[dict[str, Any]](dict, "OpenApiDocument")

__all__ = [
    "LOGIN",
    "MEMBER_360",
    "OPENAPI",
    "USER_LIST",
    "Serialiser",
]
