"""The judge of the API fuzzing (:mod:`tests.api.fuzzing`): what makes one answer a finding.

A case is a finding when its answer

- is a server error, has a status its operation does not document, a body that does not
  conform to the documented schema or another content type (schemathesis' own checks);
- is a 400 to input that matches the document (the 400 the document promises is for input that
  does not), or a 2xx/3xx to input that does not (schemathesis' ``negative_data_rejection``);
- breaks the role table: a caller whose role lacks the operation's ``x-action`` gets anything
  but 403 (401 without a token; 404 only for a path no route matches), and a role that holds
  it gets a 401 or 403 (its token carries the scope);
- contains any of the tokens in play, or is an error that is not JSON ``{"error": "..."}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from appliance.auth.tokens import grantable

CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)
SHOWN = 1500  # characters of a reproduction in the text of a finding


@dataclass(frozen=True)
class Caller:
    """Who calls: a role's name and its token, or ``fuzzing.NO_TOKEN`` and None."""

    name: str
    token: str | None

    def holds(self, action: str) -> bool:
        """True when the role holds ``action`` and so the token carries it as a scope."""
        return self.token is not None and action in grantable(self.name)


@dataclass
class Finding:
    """What one case's answer got wrong (every problem of it, joined); cases with the same
    operation, caller, status and problems are one finding, reproduced by the first of them."""

    operation: str
    caller: str
    status: int | None
    problem: str
    reproduction: str
    seen: int = 1

    def __str__(self) -> str:
        status = self.status if self.status is not None else "no answer"
        curl = self.reproduction
        if len(curl) > SHOWN:
            curl = f"{curl[:SHOWN]}... ({len(curl) - SHOWN} more characters)"
        said = f"{self.operation} as {self.caller} -> {status}: {self.problem} ({self.seen}x)"
        return f"{said}\n    {curl}"


def problems(op, caller: Caller, case, response, tokens: list[str]) -> list[str]:
    """Every problem of one answer: :func:`judge`'s, then schemathesis' checks (with
    ``negative_data_rejection`` for input that does not match the document)."""
    checks = list(CHECKS)
    if case.meta is not None and case.meta.generation.mode.is_negative:
        checks.append(negative_data_rejection)
    found = judge(op, caller, case, response, tokens)
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        found += [failure.title for failure in group.exceptions]
    return found


def judge(op, caller: Caller, case, response, tokens: list[str]) -> list[str]:
    """The problems of one answer beyond schemathesis' checks: the role table, a token in the
    answer, an error that is not JSON ``{"error": ...}``, a 400 to input the document allows."""
    found = []
    action = op.definition.raw.get("x-action", "")
    status = response.status_code
    if caller.holds(action):
        if status in (401, 403):
            found.append(f"the role holds {action} and its token has the scope")
    else:
        allowed = {403} if caller.token else {401}
        if not _routed(op, case):
            allowed.add(404)  # no route matched: answered before the guard, nothing to see
        if status not in allowed:
            found.append(f"the role lacks {action}: expected {sorted(allowed)}")
    raw = response.content + repr(sorted(response.headers.items())).encode()
    if any(token.encode() in raw for token in tokens):
        found.append("the answer contains an API token")
    if status >= 400:
        try:
            error = json.loads(response.content)
        except ValueError:
            error = None
        media = response.headers.get("content-type", [""])[0].split(";")[0].strip()
        if (
            media != "application/json"
            or not isinstance(error, dict)
            or not isinstance(error.get("error"), str)
        ):
            found.append('an error answer that is not JSON {"error": "..."}')
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if status == 400 and positive and caller.holds(action):
        found.append("input that matches the document refused with 400")
    return found


def _routed(op, case) -> bool:
    """True when the case's path parameters fit their declared schemas and make one path
    segment each (the route matches)."""
    for param in op.definition.raw.get("parameters", []):
        if param.get("in") != "path":
            continue
        value = (case.path_parameters or {}).get(param["name"])
        if isinstance(value, bool) or not Draft202012Validator(param["schema"]).is_valid(value):
            return False
        if isinstance(value, str) and (value in ("", ".", "..") or "/" in value):
            return False
    return True
