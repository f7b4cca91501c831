"""The OpenAPI 3.1 document, generated from the route table and the serialisers' schemas."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from cti.http.errors import error_body
from cti.http.routes import Route
from cti.http.serialisers import REF_TEMPLATE

PATH_PARAMETER = re.compile(r"{([^}]+)}")
REASONS = {400: "Bad request", 401: "Missing, wrong or expired token", 403: "Role not allowed",
           404: "Not found", 409: "Conflict", 422: "Invalid input",
           429: "Too many attempts (see Retry-After)", 503: "Busy (see Retry-After)"}  # fmt: skip
ERROR_SCHEMA = {
    "type": "object",
    "required": list(error_body("", "", {})),
    "properties": {
        "error_id": {"type": "string", "description": "kebab-case error id"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF_TEMPLATE)
    components.update(schema.pop("$defs", {}))
    return schema


def _parameters(route: Route, components: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAMETER.findall(route.path)
    ]
    if route.query is not None:
        schema = _schema(route.query, components)
        required = set(schema.get("required", ()))
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": field}
            for name, field in schema.get("properties", {}).items()
        ]
    return parameters


def _operation(route: Route, components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if route.media_type is not None:
        responses["200"] = {
            "description": "The file (206 with Content-Range for a Range request)",
            "content": {route.media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    elif route.response is None:
        responses["204"] = {"description": "Done"}
    else:
        schema = dict(route.response.schema())
        components.update(schema.pop("$defs", {}))
        components[route.response.name] = schema
        responses["200"] = {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(
                model=route.response.name)}}},
        }  # fmt: skip
    statuses = set(route.errors) | (set() if route.public else {401, 403})
    error_ref = {"$ref": REF_TEMPLATE.format(model="Error")}
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": REASONS.get(status, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": route.handler.__name__,
        "parameters": _parameters(route, components),
        "responses": responses,
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(route.body, components)}},
        }
    if route.public:
        operation["security"] = []
    else:
        operation["x-roles"] = sorted(role.value for role in route.roles or ())
    return operation


def _websocket() -> dict[str, Any]:
    return {
        "summary": "Console WebSocket: send {type: authenticate, token} first",
        "description": "Server pushes JSON objects with a type (see cti.protocol).",
        "operationId": "websocket",
        "security": [],
        "responses": {"101": {"description": "Switching to the WebSocket protocol"}},
    }


def openapi_document(
    routes: Iterable[Route], *, title: str, version: str, websocket_path: str
) -> dict[str, Any]:
    """The OpenAPI document describing ``routes`` and the WebSocket's path."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, components)
    paths[websocket_path] = {"get": _websocket()}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


__all__ = ["openapi_document"]
