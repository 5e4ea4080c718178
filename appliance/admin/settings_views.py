"""Admin page for the organisation's editable settings; every change is audited old -> new.
The mail relay has its own form: its settings apply to the next message sent, no restart."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from appliance.admin import service
from appliance.admin.forms import SENDER_EXAMPLE, RelayForm, SettingsForm, TestMailForm
from appliance.auth.guard import requires
from appliance.contacts import fields
from appliance.mailing import problems, transport
from appliance.settings import BY_NAME, SETTINGS, coerce
from appliance.web import actor, get_db, setting, state

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")
RELAY = ("mail_transport", "smtp_host", "smtp_port", "smtp_security", "smtp_username")
EDITABLE = [s.name for s in SETTINGS if s.editable and s.name not in RELAY and not s.secret]


def _mail_settings() -> dict:
    """The effective settings with the stored password unsealed: what the mailer uses."""
    return service.effective_settings(get_db(), state().settings, state().keys.cipher())


def _relay_form() -> RelayForm:
    return RelayForm(data={name: setting(name) for name in RELAY})


def _page(
    form: SettingsForm,
    status: int = 200,
    mail_form: TestMailForm | None = None,
    relay_form: RelayForm | None = None,
):
    fixed = [(s, state().settings[s.name]) for s in SETTINGS if not s.editable]
    values = _mail_settings()
    return render_template(
        "admin/settings.html",
        form=form,
        fixed=fixed,
        mail_form=mail_form or TestMailForm(),
        relay_form=relay_form or _relay_form(),
        password_set=bool(values["smtp_password"]),
        transport=transport.from_settings(values).describe(),
        sender_example=SENDER_EXAMPLE,
    ), status


def _settings_form() -> SettingsForm:
    return SettingsForm(data={n: setting(n) for n in EDITABLE})


@bp.route("/mail-test", methods=["POST"])
@requires("settings.manage")
def send_test_mail():
    """One message through the transport in effect now; the outcome, or what failed, is shown."""
    form = TestMailForm()
    if not form.validate_on_submit():
        return _page(_settings_form(), 400, form)
    sender = setting("mail_from")
    if not sender:
        flash(_("Set the sender of invitations first."), "error")
        return redirect(url_for("settings.edit_settings"))
    try:
        service.send_test_mail(
            get_db(),
            actor(),
            transport.from_settings(_mail_settings()),
            sender,
            form.recipient.data,
            setting("organisation_name"),
        )
    except transport.MailError as exc:
        flash(
            _("The test message could not be sent: %(reason)s", reason=problems.explain(exc)),
            "error",
        )
    except fields.Invalid as exc:
        flash(_("The test message could not be sent: %(reason)s", reason=_(str(exc))), "error")
    else:
        flash(_("Test message handed over; check the inbox (or the mail folder)."), "success")
    return redirect(url_for("settings.edit_settings") + "#mail-test")


@bp.route("/mail-relay", methods=["POST"])
@requires("settings.manage")
def save_relay():
    """Host, port, security, login and password of the relay (the password stored sealed)."""
    form = RelayForm()
    if not form.validate_on_submit():
        return _page(_settings_form(), 400, relay_form=form)
    present = _mail_settings()
    new_password = form.smtp_password.data or ""
    if form.clear_password.data:
        password = "" if present["smtp_password"] else None
    elif new_password:
        password = new_password
    else:
        password = None  # kept as it is
    username = (form.smtp_username.data or "").strip()
    resulting = present["smtp_password"] if password is None else password
    if username and not resulting:
        form.smtp_password.errors = [_("Give the password for this login name.")]
    elif resulting and not username:
        form.smtp_username.errors = [_("A password needs a login name.")]
    if form.smtp_password.errors or form.smtp_username.errors:
        return _page(_settings_form(), 400, relay_form=form)
    changes = {}
    for name in RELAY:
        new = coerce(BY_NAME[name], getattr(form, name).data, "settings page")
        old = setting(name)
        if new != old:
            changes[name] = (old, new)
    if not changes and password is None:
        flash(_("Nothing changed."), "success")
    else:
        service.change_relay(get_db(), actor(), state().keys.cipher(), changes, password)
        flash(_("Mail settings saved; they apply to the next message."), "success")
    return redirect(url_for("settings.edit_settings") + "#mail-relay")


@bp.route("/", methods=["GET", "POST"])
@requires("settings.manage")
def edit_settings():
    form = _settings_form()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    changes = {}
    for name in EDITABLE:
        new = coerce(BY_NAME[name], getattr(form, name).data, "settings page")
        old = setting(name)
        if new != old:
            changes[name] = (old, new)
    if changes:
        service.change_settings(get_db(), actor(), changes)
        flash(_("Settings saved."), "success")
    return redirect(url_for("settings.edit_settings"))
