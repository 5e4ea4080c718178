"""The open link's QR code for staff: SVG and PNG downloads and a printable A4 poster. Made
locally with segno; the link comes from base_url (never from the request's Host). Pages of the
``surveys`` blueprint (:mod:`appliance.surveys.blueprint`)."""

from __future__ import annotations

import io
import re

import segno
from flask import Response, render_template

from appliance.auth.guard import requires
from appliance.surveys.blueprint import bp
from appliance.surveys.views import public_link, survey_or_404
from appliance.web import ID

ERROR_LEVEL = "m"  # 15% of the code may be damaged or covered and it still reads
PNG_SCALE = 10  # pixels per module: about 5 cm at 300 dpi for a short link
POSTER_SCALE = 8


def qr_code(survey_id: int) -> tuple[segno.QRCode, dict]:
    row = survey_or_404(survey_id)
    return segno.make(public_link(row), error=ERROR_LEVEL), row


def _download(data: bytes, mimetype: str, row, suffix: str) -> Response:
    slug = re.sub(r"[^a-z0-9]+", "-", row["title"].lower()).strip("-")[:40] or "survey"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="qr-{slug}-{row["id"]}.{suffix}"'},
    )


@bp.route(f"/<{ID}:survey_id>/qr.svg")
@requires("surveys.manage")
def download_svg(survey_id: int):
    code, row = qr_code(survey_id)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=PNG_SCALE, border=4, xmldecl=True, title=row["title"])
    return _download(out.getvalue(), "image/svg+xml", row, "svg")


@bp.route(f"/<{ID}:survey_id>/qr.png")
@requires("surveys.manage")
def download_png(survey_id: int):
    code, row = qr_code(survey_id)
    out = io.BytesIO()
    code.save(out, kind="png", scale=PNG_SCALE, border=4)
    return _download(out.getvalue(), "image/png", row, "png")


@bp.route(f"/<{ID}:survey_id>/poster")
@requires("surveys.manage")
def show_poster(survey_id: int):
    """An A4 page to print and hang up: the title, a large QR code and the link in letters."""
    code, row = qr_code(survey_id)
    return render_template(
        "surveys/poster.html",
        survey=row,
        link=public_link(row),
        qr=code.svg_data_uri(scale=POSTER_SCALE, border=4),
    )
