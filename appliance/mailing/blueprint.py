"""The ``mailing`` blueprint: every staff page under ``/mailing``, the campaigns
(:mod:`.views`) and the mail templates under ``/mailing/templates`` (:mod:`.template_views`)
alike, so an endpoint's name says where its page lives."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("mailing", __name__, url_prefix="/mailing")
