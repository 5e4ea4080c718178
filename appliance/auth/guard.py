"""Deny by default: every view declares the action it needs; a view that declares none is refused.

The check runs in ``before_request`` for every endpoint, so a route added later without
``@requires`` answers 403 instead of being open. The route x role test walks ``app.url_map`` and
fails on any endpoint missing from its table of expected outcomes.

Every refusal of a watched role's request (403 here, a 404 from a view or from routing) is
recorded by ``after_request``, which sees every response, so no route can forget it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from appliance.auth import refusals
from appliance.auth.roles import (
    ACTIONS,
    AUTHENTICATED,
    GATE_ACTION,
    GATE_BLUEPRINTS,
    PUBLIC,
    WATCHED_ROLES,
    allows,
)
from appliance.web import actor, get_db

F = TypeVar("F", bound=Callable)
log = logging.getLogger(__name__)
# Flask registers 'static' itself; it serves only vendored CSS/JS/images.
_FRAMEWORK_PUBLIC = frozenset({"static"})
# While an account still has the password an admin gave it, only these pages answer: the page
# that replaces it, and signing out. Every other page leads there.
FIRST_PASSWORD_PAGE = "account.first_password"  # noqa: S105 - an endpoint
_FIRST_PASSWORD_OPEN = frozenset({FIRST_PASSWORD_PAGE, "auth.logout"})
# Bearer tokens are taken here and only here (``appliance.auth.sessions.load_token_user``).
API_PATHS = "/api/"


def requires(action: str) -> Callable[[F], F]:
    """Declare the action a view needs. Unknown actions fail at import, not at request time."""
    if action not in ACTIONS and action not in (PUBLIC, AUTHENTICATED):
        raise ValueError(f"unknown action {action!r}")

    def mark(view: F) -> F:
        view.required_action = action  # type: ignore[attr-defined]
        return view

    return mark


public = requires(PUBLIC)


def required_action(app: Flask, endpoint: str) -> str | None:
    if endpoint in _FRAMEWORK_PUBLIC:
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "required_action", None)


def api_actions(app: Flask) -> frozenset[str]:
    """The actions the API's operations need: the scopes a token can usefully carry."""
    return frozenset(
        required_action(app, rule.endpoint) or ""
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PATHS + "v1/")
    ) - {""}


def check_request():
    """before_request hook: 403 for undeclared views, wrong roles and tokens without the scope,
    login redirect for guests, 401 on the API for anything but a live token."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404/405 itself
    action = required_action(current_app, request.endpoint)
    if action is None:
        log.error("refused: endpoint %s declares no action", request.endpoint)
        abort(403)
    if action == PUBLIC:
        return None
    via_token = getattr(current_user, "via_token", False)
    if request.path.startswith(API_PATHS):
        # A program, not a person: no login page, and never the session cookie (a page of
        # another site could make the browser send it; a bearer token it cannot).
        if not via_token:
            abort(401)
    elif not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=safe_next(request.full_path)))
    if (
        current_user.must_change_password
        and not current_user.via_token
        and request.endpoint not in _FIRST_PASSWORD_OPEN
    ):
        return redirect(url_for(FIRST_PASSWORD_PAGE))
    if not allows(current_user.role, action):
        abort(403)
    if via_token and action not in current_user.scopes and action != AUTHENTICATED:
        abort(403)  # a token narrows its owner's role to the scopes it was given
    return None


def record_refusal(response):
    """after_request hook: a refused request of a signed-in watched account (the researcher)
    leaves an entry for the Researcher activity page; see ``appliance.auth.refusals``."""
    if response.status_code not in refusals.STATUSES:
        return response
    if not current_user.is_authenticated or current_user.role not in WATCHED_ROLES:
        return response
    args = request.view_args or {}
    rule = request.url_rule.rule if request.url_rule is not None else None
    survey_id = args.get("survey_id")
    try:
        refusals.record(
            get_db(),
            actor(),
            request.method,
            refusals.shown_path(rule, args, request.path),
            response.status_code,
            survey_id if isinstance(survey_id, int) else None,
        )
    except sqlite3.OperationalError:
        # A busy database must not turn the refusal into a server error.
        log.warning("could not record a refused request (database busy)")
    return response


def install(app: Flask) -> None:
    app.before_request(check_request)
    app.after_request(record_refusal)


def check_gate_routes(app: Flask) -> None:
    """Refuse to start when a route outside the report blueprints needs the researcher's
    report action: a new route cannot open a way around the aggregate gate."""
    for endpoint in app.view_functions:
        if required_action(app, endpoint) == GATE_ACTION and (
            endpoint.partition(".")[0] not in GATE_BLUEPRINTS
        ):
            raise RuntimeError(
                f"route {endpoint} needs {GATE_ACTION} outside the blueprints "
                f"{', '.join(GATE_BLUEPRINTS)}"
            )


def safe_next(target: str | None) -> str | None:
    """Return ``target`` when it is a local path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if target.endswith("?"):
        target = target[:-1]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target
