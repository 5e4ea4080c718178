"""Staff pages for mail templates: list, create, edit (checked on save), preview with a real
contact of a list, and "send me a test" through the configured transport.

The pages live under ``/mailing/templates``, on the ``mailing`` blueprint (:mod:`.blueprint`)
with the campaign pages of :mod:`.views`."""

from __future__ import annotations

import sqlite3

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.contacts import fields
from appliance.contacts import service as contacts_service
from appliance.mailing import compose, jobs, problems, template_service, transport
from appliance.mailing.blueprint import bp
from appliance.mailing.forms import TemplateForm, TestMailForm
from appliance.mailing.render import CampaignMail
from appliance.settings import LANGUAGES
from appliance.surveys import service as surveys_service
from appliance.web import ID, actor, get_db, state


@bp.route("/templates/")
@requires("mailings.manage")
def list_templates():
    return render_template(
        "mailing/templates.html", templates=template_service.list_templates(get_db())
    )


def _template_or_404(template_id: int) -> sqlite3.Row:
    row = template_service.get_template(get_db(), template_id)
    if row is None:
        abort(404)
    return row


def _parts(form: TemplateForm) -> dict[str, dict[str, str]]:
    """The languages filled in (a language left wholly empty is left out)."""
    out = {}
    for lang in LANGUAGES:
        part = {p: (getattr(form, f"{lang}_{p}").data or "") for p in compose.PARTS}
        if any(v.strip() for v in part.values()):
            out[lang] = part
    return out


def _problems(parts: dict[str, dict[str, str]]) -> list[str]:
    if not parts:
        return [_("Fill in the texts for at least one language.")]
    problems = []
    for lang, part in parts.items():
        try:
            compose.check(part)
        except compose.TemplateProblem as problem:
            problems.append(f"{lang} / {problem.part}: {_(problem.reason)} {problem.detail}")
    return problems


@bp.route("/templates/new", methods=["GET", "POST"])
@bp.route(f"/templates/<{ID}:template_id>", methods=["GET", "POST"])
@requires("mailings.manage")
def edit_template(template_id: int | None = None):
    row = _template_or_404(template_id) if template_id is not None else None
    form = TemplateForm()
    if row is not None and not form.is_submitted():
        form.process(data=_form_data(row))
    if form.validate_on_submit():
        parts = _parts(form)
        problems = _problems(parts)
        if not problems:
            try:
                saved = template_service.save_template(
                    get_db(),
                    actor(),
                    template_id,
                    form.name.data,
                    form.style.data,
                    form.fallback.data,
                    parts,
                )
            except sqlite3.IntegrityError:
                problems = [_("Another template has this name.")]
            else:
                flash(_("Template saved."), "success")
                return redirect(url_for("mailing.edit_template", template_id=saved))
        for problem in problems:
            flash(problem, "error")
        return _page(row, form, status=400)
    return _page(row, form)


def _form_data(row: sqlite3.Row) -> dict[str, str]:
    data = {"name": row["name"], "style": row["style"], "fallback": row["fallback"]}
    for lang, part in template_service.template_parts(row).items():
        for name, value in part.items():
            data[f"{lang}_{name}"] = value
    return data


def _page(row, form, status=200, test_form=None):
    conn = get_db()
    args = _preview_args()
    return render_template(
        "mailing/template.html",
        template=row,
        form=form,
        test_form=test_form or TestMailForm(),
        placeholders=compose.PLACEHOLDERS,
        preview=_preview(row) if row is not None else None,
        lists=contacts_service.lists_with_counts(conn),
        surveys=surveys_service.titles(conn),
        chosen={"survey": None, "list": None, "n": 0, **args},
        preview_args=args,
    ), status


def _preview_source(row) -> tuple[CampaignMail, sqlite3.Row, dict] | None:
    """The renderer, the contact and the effective settings for the survey, list and contact
    number in the query string (defaults: the newest survey, the first list, its first contact
    with an address), or None when there is nothing to show."""
    conn = get_db()
    args = _preview_args()
    survey_id = args.get("survey") or next((r["id"] for r in surveys_service.titles(conn)), None)
    survey = surveys_service.get_survey(conn, survey_id) if survey_id else None
    list_id = args.get("list") or contacts_service.first_list_id(conn)
    contact = contacts_service.nth_with_address(conn, list_id, args.get("n", 0))
    keys = state().keys
    values = jobs.effective(conn, state().settings, keys.cipher())
    if survey is None or contact is None or not values["mail_from"]:
        return None
    mail = CampaignMail(row, survey, values, keys.cipher(), keys.hasher(), keys.session)
    return mail, contact, values


def _preview(row) -> dict | None:
    found = _preview_source(row)
    if found is None:
        return None
    mail, contact, _values = found
    try:
        return template_service.preview(mail, contact)
    except compose.TemplateProblem as problem:
        return {"error": f"{_(problem.reason)} {problem.detail}"}


# The HTML part is mail: its inline styles are what mail programs read. It is shown in a
# sandboxed frame under a policy of its own that allows those styles and nothing else.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@bp.route(f"/templates/<{ID}:template_id>/preview.html")
@requires("mailings.manage")
def preview_html(template_id: int):
    """The HTML part of the preview on its own, for the frame on the template page."""
    preview = _preview(_template_or_404(template_id))
    if preview is None or "html" not in preview:
        abort(404)
    response = make_response(preview["html"])
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route(f"/templates/<{ID}:template_id>/test", methods=["POST"])
@requires("mailings.manage")
def send_test(template_id: int):
    """The preview message, sent to the address typed in, through the configured transport."""
    row = _template_or_404(template_id)
    test_form = TestMailForm()
    if not test_form.validate_on_submit():
        return _page(row, TemplateForm(data=_form_data(row)), 400, test_form)
    try:
        to = fields.email(test_form.to.data)
    except fields.Invalid:
        test_form.to.errors = [_("Not a valid e-mail address.")]
        return _page(row, TemplateForm(data=_form_data(row)), 400, test_form)
    found = _preview_source(row)
    if found is None:
        flash(
            _("A test needs a survey, a contact list with addresses and a sender address."),
            "error",
        )
        return _page(row, TemplateForm(data=_form_data(row)), 400, test_form)
    mail, contact, values = found
    try:
        template_service.send_test(
            get_db(), actor(), state().keys.hasher(), template_id, mail, contact, values, to
        )
    except compose.TemplateProblem as problem:
        flash(_("The test was not sent: %(reason)s", reason=_(problem.reason)), "error")
    except transport.MailError as exc:
        flash(_("The test was not sent: %(reason)s", reason=problems.explain(exc)), "error")
    else:
        flash(_("Test message sent."), "success")
    return redirect(url_for("mailing.edit_template", template_id=template_id, **_preview_args()))


def _preview_args() -> dict[str, int]:
    """The preview's own query arguments, and nothing else a URL may carry."""
    return {
        name: value
        for name in ("survey", "list", "n")
        if (value := request.args.get(name, type=int)) is not None
    }
