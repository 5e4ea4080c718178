"""Staff pages for data-subject requests: look a person up by e-mail address or phone number, see
and export everything held about them, rectify a contact row, erase the person; and the register
of requests with its deadlines.

The address or phone number is never in a URL, a log line or the audit log. It is typed into a
POST form; the page about the person is the answer to that POST; every follow-up (export,
rectify, erase) is a POST carrying a look-up token signed with the session key (itsdangerous):
staff cannot alter what was looked up between the confirmation and the erasure, a token is bound
to the member of staff who looked up, and it expires after an hour. It is signed, not encrypted:
the page it sits in shows the address anyway.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from appliance.auth.guard import requires
from appliance.contacts import fields
from appliance.mailing.transport import MAIL_DIR
from appliance.privacy import register, request_service, subject_changes, subject_export, subjects
from appliance.privacy.blueprint import bp
from appliance.privacy.forms import (
    ActionForm,
    CloseForm,
    ContactForm,
    EraseForm,
    ExportForm,
    LookupForm,
    RectifyForm,
    RequestForm,
)
from appliance.web import ID, actor, get_db, setting, state

TOKEN_SALT, TOKEN_SECONDS = "privacy-subject-lookup", 3600


@bp.context_processor
def labels():
    return {
        "kind_labels": {k: _(v) for k, v in register.KINDS.items()},
        "status_labels": {k: _(v) for k, v in register.STATUSES.items()},
        "basis_labels": {k: _(v) for k, v in subject_export.BASIS.items()},
        "source_labels": {k: _(v) for k, v in subject_export.SOURCES.items()},
        "linked_by_labels": {k: _(v) for k, v in subject_export.LINKED_BY.items()},
        "field_label": subject_export.field_label,
        "wave_label": subject_export.wave_label,
        "state_label": subject_export.state_label,
        "not_linked": [_(text) for text in subject_export.NOT_LINKED],
    }


def local_today() -> date:
    """The organisation's today."""
    return datetime.now(state().tz).date()


def make_desk() -> request_service.Desk:
    """The signed-in member of staff's desk for a request (the API's operations use it too)."""
    keys = state().keys
    folder = Path(state().settings["data_dir"]) / MAIL_DIR
    return request_service.Desk(
        get_db(), actor(), keys.cipher(), keys.hasher(), local_today(), folder, _
    )


# ---- the signed look-up ------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def _token(query: subjects.Query, also: list[int]) -> str:
    payload = {"k": query.kind, "v": query.value, "d": query.digits, "u": current_user.id}
    return _serializer().dumps({**payload, "x": sorted(set(also))})


def _load(form: ActionForm) -> tuple[subjects.Query, list[int]]:
    """The look-up a follow-up form carries; an expired or foreign token stops the request."""
    try:
        data = _serializer().loads(form.token.data or "", max_age=TOKEN_SECONDS)
    except BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("u") != current_user.id:
        abort(
            Response(
                render_template(
                    "error.html",
                    title=_("Look-up expired"),
                    message=_("Look the person up again: a look-up is valid for one hour."),
                ),
                400,
            )
        )
    return subjects.Query(data["k"], data["v"], data["d"]), [int(i) for i in data["x"]]


def _linked_request(request_id: int | None):
    """The open register entry an action is for (None: none chosen)."""
    if not request_id:
        return None
    found = register.get(get_db(), request_id)
    if found is None or found["status"] != "open":
        flash(_("That register entry is not open; the action was not recorded in it."), "warning")
        return None
    return found


def _person(query: subjects.Query, also: list[int], dossier: dict, entry) -> str:
    return render_template(
        "privacy/person.html",
        dossier=dossier,
        token=_token(query, also),
        requests=register.open_requests(get_db()),
        chosen=entry["id"] if entry else None,
    )


# ---- look-up, export, rectify, erase -----------------------------------------------------------


@bp.route("/people", methods=["GET", "POST"])
@requires("privacy.requests")
def lookup():
    form = LookupForm(request_id=request.args.get("request", 0, type=int))
    form.request_id.choices = [(0, _("(none)"))] + [
        (r["id"], f"#{r['id']} {_(register.KINDS[r['kind']])} {r['reference']}")
        for r in register.open_requests(get_db())
    ]
    if form.validate_on_submit():
        try:
            query = subjects.parse(form.identifier.data)
        except fields.Invalid as exc:
            form.identifier.errors = [_(exc.reason)]
        else:
            entry = _linked_request(form.request_id.data)
            dossier = request_service.look_up(make_desk(), query, entry)
            return _person(query, [], dossier, entry)
    return render_template("privacy/lookup.html", form=form), 400 if form.errors else 200


@bp.route("/people/export", methods=["POST"])
@requires("privacy.requests")
def export():
    form = ExportForm()
    if not form.validate_on_submit() or form.format.data not in ("json", "pdf"):
        abort(400)
    query, also = _load(form)
    entry = _linked_request(form.request_id.data)
    kind = form.format.data
    dossier = request_service.export(make_desk(), query, also, entry, kind)
    organisation = setting("organisation_name")
    if kind == "json":
        body, mimetype = subject_export.to_json(dossier, organisation), "application/json"
    else:
        body = subject_export.to_pdf(dossier, organisation, state().tz)
        mimetype = "application/pdf"
    name = f"personal-data-{local_today().isoformat()}.{kind}"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _contact_of(form: ContactForm) -> tuple[subjects.Query, list[int], int]:
    query, also = _load(form)
    contact_id = form.contact_id.data
    if not request_service.is_theirs(make_desk(), query, also, contact_id):
        abort(404)
    return query, also, contact_id


@bp.route("/people/contact", methods=["POST"])
@requires("privacy.requests")
def edit_contact():
    form = ContactForm()
    if not form.validate_on_submit():
        abort(400)
    _query, _also, contact_id = _contact_of(form)
    current = subject_changes.current_values(get_db(), state().keys.cipher(), contact_id)
    carried = {name: form[name].data for name in ("token", "request_id", "contact_id")}
    edit = RectifyForm(formdata=None, data={**current, **carried})
    return render_template("privacy/rectify.html", form=edit, contact_id=contact_id)


@bp.route("/people/rectify", methods=["POST"])
@requires("privacy.requests")
def rectify():
    form = RectifyForm()
    if not form.validate_on_submit():
        return render_template("privacy/rectify.html", form=form), 400
    query, also, contact_id = _contact_of(form)
    desk = make_desk()
    submitted = {n: form[n].data for n in fields.FIELDS}
    changed, problems = request_service.check_rectification(desk, contact_id, submitted)
    if problems:
        for name, reason in problems.items():
            form[name or "email"].errors = [_(reason)]
        return render_template("privacy/rectify.html", form=form, contact_id=contact_id), 400
    entry = _linked_request(form.request_id.data)
    if changed:
        request_service.rectify(desk, contact_id, changed, entry)
        flash(_("The contact was changed."), "success")
    else:
        flash(_("Nothing was changed."), "success")
    also = [*also, contact_id]
    return _person(query, also, request_service.dossier(desk, query, also), entry)


@bp.route("/people/erase/confirm", methods=["POST"])
@requires("privacy.requests")
def confirm_erasure():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    query, also = _load(form)
    dossier = request_service.dossier(make_desk(), query, also)
    erase_form = EraseForm(formdata=None, data={"token": form.token.data})
    ids = [contact["id"] for contact in dossier["contacts"]]
    return render_template(
        "privacy/erase.html",
        form=erase_form,
        dossier=dossier,
        counts=subject_changes.preview(get_db(), ids, dossier),
        has_address=bool(subjects.addresses_of(dossier)),
        chosen=form.request_id.data,
        requests=register.open_requests(get_db()),
    )


@bp.route("/people/erase", methods=["POST"])
@requires("privacy.requests")
def erase():
    form = EraseForm()
    if not form.validate_on_submit():
        abort(400)
    query, also = _load(form)
    entry = _linked_request(form.request_id.data)
    n = request_service.erase(make_desk(), query, also, entry, suppress=form.suppress.data)
    return render_template("privacy/erased.html", counts=n, entry=entry)


# ---- the register ------------------------------------------------------------------------------


@bp.route("/requests", methods=["GET", "POST"])
@requires("privacy.requests")
def register_page():
    conn = get_db()
    form = RequestForm()
    if form.validate_on_submit():
        request_service.add_request(
            conn, actor(), form.received_on.data, form.kind.data, form.reference.data or ""
        )
        flash(_("The request was added to the register."), "success")
        return redirect(url_for("compliance.register_page"))
    today = local_today()
    if not form.is_submitted():
        form.received_on.data = today
    rows = register.all_requests(conn)
    return render_template(
        "privacy/register.html",
        form=form,
        rows=rows,
        warnings={r["id"]: register.warning(r, today) for r in rows},
        overdue=register.overdue_count(conn, today),
        due_soon=register.due_soon_count(conn, today) - register.overdue_count(conn, today),
    ), 400 if form.errors else 200


@bp.route(f"/requests/<{ID}:request_id>/close", methods=["POST"])
@requires("privacy.requests")
def close_request(request_id: int):
    conn = get_db()
    if register.get(conn, request_id) is None:
        abort(404)
    form = CloseForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("compliance.register_page"))
    closed = request_service.close_request(
        conn, actor(), request_id, form.status.data, form.outcome.data or "", local_today()
    )
    flash(
        _("The request was closed.") if closed else _("The request was closed already."),
        "success" if closed else "warning",
    )
    return redirect(url_for("compliance.register_page"))
