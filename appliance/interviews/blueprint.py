"""The ``interviews`` blueprint: the pages of interviewer-administered surveys (calls, the
interview screen, face-to-face interviews, and staff's setup of them)."""

from __future__ import annotations

from flask import Blueprint

from appliance.licence import gate as licence_gate

bp = Blueprint("interviews", __name__, url_prefix="/interviews")
licence_gate.guard(bp, "interviews")
