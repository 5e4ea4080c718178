"""The OpenAPI 3.1 document of the HTTP API, served at ``/api/openapi.json``.

Built from the routes themselves: every rule under ``/api/v1/`` contributes its declared
:class:`~appliance.api.declare.Operation`, the action the guard demands of it (as the
operation's security scope, with the roles that hold it) and its path parameters as the URL
converter types them. A route without a declaration stops the document with an error, so the
document cannot miss one and describes nothing that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask

from appliance.api.declare import API_PREFIX, ERROR, Operation, Param, Schema
from appliance.auth.guard import required_action
from appliance.auth.roles import ACTIONS, ROLES
from appliance.web import ID

_RULE_PART = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_SHARED = {
    401: "No token, or a token that is revoked, expired or outside its owner's access period",
    403: "The token's owner or the token's scopes do not allow this",
}


def spec(app: Flask, base_url: str) -> dict[str, Any]:
    """The document for ``app``, served from ``base_url``."""
    return {**_document(app), "servers": [{"url": base_url.rstrip("/")}]}


def _document(app: Flask) -> dict[str, Any]:
    """Built once per app: the routes do not change while it runs."""
    built = app.extensions.get("appliance.openapi")
    if built is None:
        built = app.extensions["appliance.openapi"] = _build(app)
    return built


def _build(app: Flask) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX):
            continue
        op = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        if op is None:
            raise RuntimeError(f"API route {rule.endpoint} declares no operation")
        path, path_params = _path(rule.rule)
        action = required_action(app, rule.endpoint) or ""
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                op, rule.endpoint, action, path_params, schemas
            )
    schemas[ERROR.name] = _refs(ERROR.body, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Survey appliance API",
            "version": "1",
            "description": (
                "Contacts stay inside the organisation: staff calls reach the identity plane "
                "only to take data in and to answer data-subject requests; reports are "
                "aggregates through the same gate as the report pages. Authenticate with a "
                "personal API token (My account > API tokens): it acts as you, for the scopes "
                "you gave it, until it expires or is revoked. Every call is in the audit log."
            ),
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (apl_...). An operation's scope is "
                    "the role action it needs; the token must hold it.",
                }
            },
            "schemas": dict(sorted(schemas.items())),
        },
    }


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params: list[dict[str, Any]] = []

    def one(match: re.Match) -> str:
        schema: dict[str, Any] = {"type": "string"}
        if match["converter"] == ID:
            schema = {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
        elif match["converter"] == "int":
            schema = {"type": "integer", "minimum": 0}
            limit = re.search(r"max=(\d+)", match["args"] or "")
            if limit:
                schema["maximum"] = int(limit.group(1))
        params.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
        return "{" + match["name"] + "}"

    return _RULE_PART.sub(one, rule), params


def _operation(
    op: Operation, endpoint: str, action: str, path_params: list, schemas: dict
) -> dict[str, Any]:
    roles = sorted(role for role, actions in ROLES.items() if action in actions)
    out: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": op.summary,
        "tags": [op.tag],
        "security": [{"token": [action]}],
        "x-action": action,
        "x-roles": roles,
    }
    who = f"Needs the scope `{action}` ({ACTIONS.get(action, action)}); roles: {', '.join(roles)}."
    out["description"] = f"{op.description}\n\n{who}" if op.description else who
    parameters = path_params + [_param(p) for p in op.params]
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _refs(op.body, schemas)}},
        }
    elif op.upload:
        binary = {"schema": {"type": "string", "format": "binary"}}
        out["requestBody"] = {"required": True, "content": {t: binary for t in op.upload}}
    responses: dict[int, tuple[str, Any]] = {s: (text, ERROR) for s, text in _SHARED.items()}
    if parameters or op.body is not None or op.upload:
        responses[400] = ("Input that does not match this description", ERROR)
    if path_params:
        responses[404] = ("Nothing with that id that you may see", ERROR)
    if op.body is not None or op.upload:
        responses[413] = ("The body is too large", ERROR)
    responses.update(op.responses)
    out["responses"] = {
        str(status): _response(description, schema, schemas)
        for status, (description, schema) in sorted(responses.items())
    }
    return out


def _param(param: Param) -> dict[str, Any]:
    schema: Any = dict(param.schema)
    if param.many:
        schema = {"type": "array", "items": schema}
    out = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": schema,
    }
    if param.many:
        out["explode"] = True
    return out


def _response(description: str, schema: Any, schemas: dict) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": _refs(schema, schemas)}}
    return out


def _refs(schema: Any, schemas: dict[str, Any]) -> Any:
    """``schema`` with each named :class:`Schema` moved to ``components`` and referred to."""
    if isinstance(schema, Schema):
        if schema.name not in schemas:
            schemas[schema.name] = None  # a recursive schema refers to itself while built
            schemas[schema.name] = _refs(schema.body, schemas)
        return {"$ref": f"#/components/schemas/{schema.name}"}
    if isinstance(schema, Mapping):
        return {k: _refs(v, schemas) for k, v in schema.items()}
    if isinstance(schema, list | tuple):
        return [_refs(v, schemas) for v in schema]
    return schema
