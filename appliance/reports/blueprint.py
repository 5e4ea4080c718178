"""The ``reports`` blueprint: every page under ``/reports``, the reports themselves
(:mod:`.views`) and the staff's report settings (:mod:`.manage_views`) alike, so an endpoint's
name says where its page lives."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
