"""Admin page for the organisation's editable settings; every change is audited old -> new."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from appliance.admin import store
from appliance.admin.forms import SettingsForm, TestMailForm
from appliance.auth.guard import requires
from appliance.contacts import fields
from appliance.db import transaction
from appliance.mailing import testmail, transport
from appliance.settings import BY_NAME, SETTINGS, coerce
from appliance.web import actor, get_db, setting, state

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")
EDITABLE = [s.name for s in SETTINGS if s.editable]


def _page(form: SettingsForm, status: int = 200, mail_form: TestMailForm | None = None):
    fixed = [(s, state().settings[s.name]) for s in SETTINGS if not s.editable]
    return render_template(
        "admin/settings.html",
        form=form,
        fixed=fixed,
        mail_form=mail_form or TestMailForm(),
        transport=transport.from_settings(state().settings).describe(),
    ), status


@bp.route("/mail-test", methods=["POST"])
@requires("settings.manage")
def send_test_mail():
    """One message through the configured transport; the outcome, or what failed, is shown."""
    form = TestMailForm()
    if not form.validate_on_submit():
        return _page(SettingsForm(data={n: setting(n) for n in EDITABLE}), 400, form)
    sender = setting("mail_from")
    if not sender:
        flash(_("Set the sender of invitations first."), "error")
        return redirect(url_for("settings.edit_settings"))
    try:
        testmail.send(
            transport.from_settings(state().settings),
            sender,
            fields.email(form.recipient.data),
            setting("organisation_name"),
        )
    except (transport.MailError, fields.Invalid) as exc:
        actor().log(get_db(), "mail.test_failed", "mail", reason=str(exc))
        flash(_("The test message could not be sent: %(reason)s", reason=str(exc)), "error")
    else:
        actor().log(get_db(), "mail.test_sent", "mail")
        flash(_("Test message handed over; check the inbox (or the mail folder)."), "success")
    return redirect(url_for("settings.edit_settings"))


@bp.route("/", methods=["GET", "POST"])
@requires("settings.manage")
def edit_settings():
    form = SettingsForm(data={name: setting(name) for name in EDITABLE})
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    conn = get_db()
    changes = {}
    for name in EDITABLE:
        new = coerce(BY_NAME[name], getattr(form, name).data, "settings page")
        old = setting(name)
        if new != old:
            changes[name] = (old, new)
    if changes:
        with transaction(conn):
            for name, (_old, new) in changes.items():
                store.set_override(conn, name, new, actor().id)
            actor().log(
                conn,
                "settings.changed",
                "settings",
                changes={k: [old, new] for k, (old, new) in changes.items()},
            )
        flash(_("Settings saved."), "success")
    return redirect(url_for("settings.edit_settings"))
