"""The ``compliance`` blueprint: every staff page under ``/compliance``, the data-subject requests
(:mod:`.request_views`) and retention (:mod:`.retention_views`) alike, so an endpoint's name says
where its page lives."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("compliance", __name__, url_prefix="/compliance")
