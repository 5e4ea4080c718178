"""What an API operation takes and gives, declared once on its view.

The declaration does two jobs, so they cannot drift apart:

- the route checks its input against it before the view runs (query parameters are parsed to
  their declared types, a JSON body is validated with its JSON Schema; anything else answers 400
  with ``{"error": ...}`` naming the field);
- :mod:`appliance.api.openapi` builds the OpenAPI 3.1 document from it, walking the URL map, so
  the document describes exactly the routes that exist, with the action each one needs.

Views read the checked input with :func:`query` and :func:`body`. No database here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import g, jsonify, request
from jsonschema import Draft202012Validator

MAX_JSON_BYTES = 8 * 1024 * 1024  # a JSON body is parsed whole: keep its memory bounded
API_PREFIX = "/api/v1/"


@dataclass(frozen=True)
class Schema:
    """A named JSON Schema: the document lists it once under ``components`` and refers to it."""

    name: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class Param:
    """A query parameter. ``schema`` is a JSON Schema for one value; ``many`` makes it
    repeatable (``?map=a&map=b``), read as a list."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    many: bool = False


@dataclass(frozen=True)
class Operation:
    """One API operation: its summary, its input and its answers.

    ``responses`` maps a status to (description, schema or None); the answers every operation
    shares (401, 403, and 400/404/413 where they apply) are added by the document itself.
    ``body`` is the JSON Schema of an ``application/json`` request body; ``upload`` lists the
    media types of a body that is a file (the view reads the stream itself).
    """

    summary: str
    responses: Mapping[int, tuple[str, Any]]
    tag: str
    description: str = ""
    params: tuple[Param, ...] = ()
    body: Any = None
    upload: tuple[str, ...] = ()


# Something besides white space, alike in the document's regular expressions (ECMA-262) and in
# Python's, which also counts U+0085 and U+001C-U+001F as space (and ECMA U+FEFF): a pattern
# for text that ``str.strip()`` must not leave empty.
NOT_BLANK = "[^\\s\\u0085\\u001c-\\u001f\\ufeff]"
# An id in a body or a query: bounded like the URL converter's ids, so no number reaches SQLite
# that its integers cannot hold.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}
ERROR = Schema(
    "Error",
    {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
)


class BadInput(ValueError):
    """Input that does not match the declaration; the message names the field."""


def problem(status: int, message: str):
    """The API's error answer: ``{"error": message}`` with ``status``."""
    response = jsonify({"error": message})
    response.status_code = status
    return response


def operation(op: Operation) -> Callable:
    """Declare a view's operation and check its input against it on every call."""
    body_check = Draft202012Validator(resolve(op.body)) if op.body is not None else None

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args, **kwargs):
            try:
                g.api_query = _parse_query(op.params)
                if body_check is not None:
                    g.api_body = _parse_body(body_check)
            except BadInput as exc:
                return problem(400, str(exc))
            except _TooLarge:
                return problem(413, f"send at most {MAX_JSON_BYTES // (1024 * 1024)} MB of JSON")
            return view(*args, **kwargs)

        checked.api_operation = op  # type: ignore[attr-defined]
        return checked

    return wrap


# Every collection pages alike. Bounded, so that an offset stays far inside SQLite's integers.
PAGING = (
    Param("page", "Page number, from 1", {"type": "integer", "minimum": 1, "maximum": 10**6}),
    Param(
        "per_page", "Items per page (default 50)", {"type": "integer", "minimum": 1, "maximum": 500}
    ),
)


def page_of(items: Any) -> dict[str, Any]:
    """The JSON Schema of one page of a collection of ``items`` (the schema of one item)."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": items},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
        },
    }


def window() -> tuple[int, int, int]:
    """(page, per_page, offset) of this call's :data:`PAGING` parameters."""
    args = query()
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    return page, per_page, (page - 1) * per_page


def page_answer(items: list, total: int) -> dict[str, Any]:
    """The answer of a collection: ``items`` (this page's, JSON already) of ``total``."""
    page, per_page, _offset = window()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def paged(rows: list, shape: Callable[[Any], Any]) -> dict[str, Any]:
    """One page of ``rows`` (all of them, in order), each made JSON by ``shape``."""
    _page, per_page, offset = window()
    return page_answer([shape(r) for r in rows[offset : offset + per_page]], len(rows))


def query() -> dict[str, Any]:
    """The checked query parameters of this call (absent optional ones are left out)."""
    return g.api_query


def body() -> Any:
    """The checked JSON body of this call."""
    return g.api_body


def resolve(schema: Any) -> Any:
    """``schema`` with every :class:`Schema` replaced by its body (for validating)."""
    if isinstance(schema, Schema):
        return resolve(schema.body)
    if isinstance(schema, Mapping):
        return {k: resolve(v) for k, v in schema.items()}
    if isinstance(schema, list | tuple):
        return [resolve(v) for v in schema]
    return schema


class _TooLarge(Exception):
    pass


def _parse_query(params: tuple[Param, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for param in params:
        raw = request.args.getlist(param.name)
        if not raw:
            if param.required:
                raise BadInput(f"'{param.name}' is required")
            continue
        if param.many:
            values[param.name] = [_value(param, one) for one in raw]
        else:
            values[param.name] = _value(param, raw[-1])
    return values


def _value(param: Param, raw: str) -> Any:
    schema = param.schema
    kind = schema.get("type", "string")
    if kind == "integer":
        try:
            value: Any = int(raw)
        except ValueError:
            raise BadInput(f"'{param.name}' must be a whole number") from None
    elif kind == "boolean":
        if raw not in ("true", "false"):
            raise BadInput(f"'{param.name}' must be true or false")
        value = raw == "true"
    else:
        value = raw
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=str)
    if errors:
        raise BadInput(f"'{param.name}': {errors[0].message}"[:300])
    return value


def _parse_body(check: Draft202012Validator) -> Any:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise _TooLarge
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        raise _TooLarge
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadInput("the body must be JSON (Content-Type: application/json)") from None
    try:
        # JSON may escape a lone surrogate ("\ud800"), which no UTF-8 text can hold: refuse it
        # here rather than fail where it would be stored.
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise BadInput("the body holds text that is not valid Unicode") from None
    error = next(iter(sorted(check.iter_errors(value), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "body"
        raise BadInput(f"{where}: {error.message}"[:300])
    return value
