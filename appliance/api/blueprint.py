"""The ``api`` blueprint: every staff and admin operation under ``/api/v1`` and the document at
``/api/openapi.json``. Its view modules each add their operations to it. (The researcher's
reports are in ``appliance.reports.api_views``, behind the aggregate gate.)

Calls authenticate by bearer token only, never by the session cookie (the guard refuses a
cookie on these paths), so the blueprint needs no CSRF token.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
