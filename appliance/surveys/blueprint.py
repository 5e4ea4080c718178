"""The ``surveys`` blueprint: every staff page under ``/surveys`` that is about the survey itself
(:mod:`.views`), its questionnaire (:mod:`.builder_views`) and its QR code (:mod:`.qr_views`),
so an endpoint's name says where its page lives. A survey's responses, under
``/surveys/<id>/responses``, are the response plane's own blueprint (``responses``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
