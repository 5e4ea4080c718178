"""The licence page: what is licensed, the days left, and the upload of a new licence."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from appliance.admin.forms import LicenceForm
from appliance.auth.guard import requires
from appliance.licence import service as licence_service
from appliance.licence.document import MAX_BYTES, MODULES, LicenceError
from appliance.licence.labels import MODULE_LABELS, STATE_LABELS
from appliance.web import actor, get_db, state

bp = Blueprint("licence", __name__, url_prefix="/admin/licence")


def _page(form: LicenceForm, status=None, code: int = 200):
    conn = get_db()
    today = licence_service.today()
    status = status or licence_service.status(conn, today)
    return (
        render_template(
            "admin/licence.html",
            form=form,
            status=status,
            modules=MODULES,
            module_labels=MODULE_LABELS,
            state_labels=STATE_LABELS,
            usage=licence_service.usage(conn, status),
        ),
        code,
    )


def _reason(exc: LicenceError) -> str:
    """The refusal in the admin's language."""
    if exc.code == "bad_signature":
        return _(
            "This licence is not signed by the supplier of this appliance, or it was changed "
            "after signing. Ask your supplier for a new licence file."
        )
    if exc.code == "ended":
        return _(
            "This licence ended on %(day)s. Ask your supplier for a current licence.",
            day=format_date(date.fromisoformat(exc.params["last_day"]), "long"),
        )
    if exc.code == "starts_later":
        return _(
            "This licence starts on %(first)s, while the installed licence runs until %(last)s. "
            "Install it on or after %(first)s.",
            first=format_date(date.fromisoformat(exc.params["first_day"]), "long"),
            last=format_date(date.fromisoformat(exc.params["current_last_day"]), "long"),
        )
    if exc.code == "too_large":
        return _("This file is too large to be a licence.")
    return _("This file is not a licence of this appliance, or it is damaged.")


@bp.route("/")
@requires("settings.manage")
def show():
    return _page(LicenceForm())


@bp.route("/", methods=["POST"])
@requires("settings.manage")
def upload():
    form = LicenceForm()
    if not form.validate_on_submit():
        return _page(form, code=400)
    data = form.file.data.read(MAX_BYTES + 1)
    who = actor()
    try:
        licence = licence_service.install(
            get_db(),
            data,
            licence_service.trusted_key(state().settings),
            licence_service.today(),
            actor_id=who.id,
            actor=who.name,
            address=who.address,
        )
    except LicenceError as exc:
        form.file.errors = [_reason(exc)]
        return _page(form, code=400)
    flash(
        _(
            "Licence %(id)s for %(licensee)s is installed.",
            id=licence.licence_id,
            licensee=licence.licensee,
        ),
        "ok",
    )
    return redirect(url_for("licence.show"))
