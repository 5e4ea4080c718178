"""Admin page for the organisation's editable settings; every change is audited old -> new.
The mail relay has its own form: its settings apply to the next message sent, no restart."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from appliance import formats
from appliance.admin import service
from appliance.admin.forms import (
    SENDER_EXAMPLE,
    ActionForm,
    RelayForm,
    ReturnMailboxForm,
    SettingsForm,
    TestMailForm,
)
from appliance.auth.guard import requires
from appliance.contacts import fields
from appliance.mailing import problems, transport
from appliance.settings import BY_NAME, SETTINGS, coerce
from appliance.web import actor, get_db, setting, state

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")
RELAY = ("mail_transport", "smtp_host", "smtp_port", "smtp_security", "smtp_username")
RETURN_MAILBOX = (
    "bounce_address",
    "bounce_mailbox",
    "bounce_imap_host",
    "bounce_imap_port",
    "bounce_imap_username",
    "bounce_imap_folder",
    "bounce_imap_verify_certificate",
    "bounce_check_minutes",
)
MAILBOX_PASSWORD = "bounce_imap_password"  # noqa: S105 - the name of the setting
EDITABLE = [
    s.name
    for s in SETTINGS
    if s.editable and s.name not in RELAY and s.name not in RETURN_MAILBOX and not s.secret
]


def _mail_settings() -> dict:
    """The effective settings with the stored password unsealed: what the mailer uses."""
    return service.effective_settings(get_db(), state().settings, state().keys.cipher())


def _relay_form() -> RelayForm:
    return RelayForm(data={name: setting(name) for name in RELAY})


def _mailbox_form() -> ReturnMailboxForm:
    return ReturnMailboxForm(data={name: setting(name) for name in RETURN_MAILBOX})


def _page(
    form: SettingsForm,
    status: int = 200,
    mail_form: TestMailForm | None = None,
    relay_form: RelayForm | None = None,
    mailbox_form: ReturnMailboxForm | None = None,
):
    fixed = [(s, state().settings[s.name]) for s in SETTINGS if not s.editable]
    values = _mail_settings()
    last = service.last_mailbox_check(get_db())
    return render_template(
        "admin/settings.html",
        form=form,
        fixed=fixed,
        mail_form=mail_form or TestMailForm(),
        relay_form=relay_form or _relay_form(),
        password_set=bool(values["smtp_password"]),
        mailbox_form=mailbox_form or _mailbox_form(),
        mailbox_password_set=bool(values[MAILBOX_PASSWORD]),
        maildir=values["bounce_maildir"],
        last_check_at=formats.epoch(last["at"]) if last else "",
        last_check_problem=problems.explain(last["problem"]) if last else "",
        transport=transport.from_settings(values).describe(),
        sender_example=SENDER_EXAMPLE,
    ), status


def _password_change(new: str | None, clear: bool, present: str) -> str | None:
    """What a form's password fields ask for: the new password, '' to clear the stored one,
    or None to keep it as it is (nothing typed, or "clear" with nothing stored)."""
    if clear:
        return "" if present else None
    return new or None


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


def _changes(form, names) -> dict[str, tuple]:
    """Setting -> (old, new) for the form's fields ``names`` whose value would change."""
    changes = {}
    for name in names:
        new = coerce(BY_NAME[name], getattr(form, name).data, "settings page")
        old = setting(name)
        if new != old:
            changes[name] = (old, new)
    return changes


@bp.route("/mail-relay", methods=["POST"])
@requires("settings.manage")
def save_relay():
    """Host, port, security, login and password of the relay (the password stored sealed)."""
    form = RelayForm()
    if not form.validate_on_submit():
        return _page(_settings_form(), 400, relay_form=form)
    present = _mail_settings()
    password = _password_change(
        form.smtp_password.data, form.clear_password.data, present["smtp_password"]
    )
    username = (form.smtp_username.data or "").strip()
    resulting = present["smtp_password"] if password is None else password
    if username and not resulting:
        form.smtp_password.errors = [_("Give the password for this login name.")]
    elif resulting and not username:
        form.smtp_username.errors = [_("A password needs a login name.")]
    if form.smtp_password.errors or form.smtp_username.errors:
        return _page(_settings_form(), 400, relay_form=form)
    changes = _changes(form, RELAY)
    if not changes and password is None:
        flash(_("Nothing changed."), "success")
    else:
        service.change_relay(get_db(), actor(), state().keys.cipher(), changes, password)
        flash(_("Mail settings saved; they apply to the next message."), "success")
    return redirect(url_for("settings.edit_settings") + "#mail-relay")


@bp.route("/return-mailbox", methods=["POST"])
@requires("settings.manage")
def save_return_mailbox():
    """The return address and the mailbox bounces are read from (the password stored sealed)."""
    form = ReturnMailboxForm()
    if not form.validate_on_submit():
        return _page(_settings_form(), 400, mailbox_form=form)
    password = _password_change(
        form.bounce_imap_password.data,
        form.clear_password.data,
        _mail_settings()[MAILBOX_PASSWORD],
    )
    changes = _changes(form, RETURN_MAILBOX)
    if not changes and password is None:
        flash(_("Nothing changed."), "success")
    else:
        service.change_relay(
            get_db(), actor(), state().keys.cipher(), changes, password, MAILBOX_PASSWORD
        )
        flash(_("Return mailbox settings saved; they apply at the next reading."), "success")
    return redirect(url_for("settings.edit_settings") + "#return-mailbox")


@bp.route("/return-mailbox/check", methods=["POST"])
@requires("settings.manage")
def check_return_mailbox():
    """Read the return mailbox now and say what was found, or what failed."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    reading = service.check_return_mailbox(state().settings, state().keys, actor())
    if reading.busy:
        flash(_("The return mailbox is being read right now; look again in a minute."), "warning")
    elif reading.error is not None:
        flash(
            _(
                "The return mailbox could not be read: %(reason)s",
                reason=problems.explain(reading.error),
            ),
            "error",
        )
    elif not reading.ran:
        flash(_("Reading the return mailbox is off."), "warning")
    else:
        t = reading.tally
        flash(
            _(
                "Return mailbox read: %(hard)s hard and %(soft)s soft bounces, %(auto)s automatic"
                " replies ignored, %(left)s messages left (not ours or not recognised).",
                hard=t.hard,
                soft=t.soft + t.delayed,
                auto=t.auto_replies + t.challenges,
                left=t.left,
            ),
            "success",
        )
    return redirect(url_for("settings.edit_settings") + "#return-mailbox")


@bp.route("/", methods=["GET", "POST"])
@requires("settings.manage")
def edit_settings():
    form = _settings_form()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    changes = _changes(form, EDITABLE)
    if changes:
        service.change_settings(get_db(), actor(), changes)
        flash(_("Settings saved."), "success")
    return redirect(url_for("settings.edit_settings"))
