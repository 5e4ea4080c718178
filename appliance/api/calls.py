"""Every call made with an API token leaves an audit entry (``api.called``), whatever its
outcome: refused, failed or answered. Installed on the app, so the researcher's report calls
(another blueprint) are recorded alike.

The entry names the route, never the path as typed: numeric ids are kept, any other part (a
response id, or whatever a caller put in a URL no route matches, an address among it) is left
as its name, since the audit log is kept whole and no erasure reaches it."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, request
from flask_login import current_user

from appliance.api import service
from appliance.auth import refusals
from appliance.web import actor, get_db

log = logging.getLogger(__name__)


def record(response):
    """after_request: the call's entry (a busy database must not turn an answer into an
    error, so that case is logged and the answer stands)."""
    if getattr(current_user, "via_token", False):
        try:
            rule = request.url_rule.rule if request.url_rule is not None else None
            service.record_call(
                get_db(),
                actor(),
                current_user.token_id,
                request.method,
                refusals.shown_path(rule, request.view_args or {}, request.path),
                response.status_code,
            )
        except sqlite3.OperationalError:
            log.warning("could not record an API call (database busy)")
    return response


def install(app: Flask) -> None:
    app.after_request(record)
