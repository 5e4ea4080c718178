"""Staff pages of the identity plane: lists, upload, column mapping with preview, import
progress, undo, rejected rows, and the suppression list."""

from __future__ import annotations

import itertools

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import format_number
from flask_babel import gettext as _

from appliance import formats
from appliance.auth.guard import requires
from appliance.contacts import (
    identifiers,
    import_service,
    jobs,
    reader,
    service,
    uploads,
)
from appliance.contacts.forms import FIELD_LABELS, AddressesForm, MapForm, UploadForm
from appliance.contacts.mapping import (
    TARGET_FIELDS,
    Mapping,
    forbidden,
    segment_label,
    segment_refusal,
    suggest,
)
from appliance.contacts.preview import PREVIEW_ROWS, preview
from appliance.csvsafe import csv_rows
from appliance.db import connect
from appliance.i18n import N_
from appliance.privacy import retention, suppression
from appliance.web import ID, actor, flash_reasons, get_db, state

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
OPTIONS = ("list_name", "basis", "purpose", "encoding", "delimiter", "sheet")


@bp.context_processor
def labels():
    return {
        "status_labels": {
            "running": _("running"),
            "done": _("done"),
            "failed": _("failed"),
            "cancelled": _("cancelled"),
            "undone": _("undone"),
        },
        "basis_labels": {"consent": _("consent"), "legitimate_interest": _("legitimate interest")},
        "separator_names": {",": _("comma"), ";": _("semicolon"), "\t": _("tab"), "|": _("pipe")},
        "field_labels": FIELD_LABELS,
    }


def _data_dir() -> str:
    return state().settings["data_dir"]


def _import_or_404(import_id: int):
    batch = service.get_import(get_db(), import_id)
    if batch is None:
        abort(404)
    return batch


@bp.route("/")
@requires("contacts.manage")
def index():
    conn = get_db()
    return render_template(
        "contacts/index.html",
        lists=service.lists_with_counts(conn),
        erasure=retention.list_dates(conn, state().settings),
        imports=service.recent_imports(conn),
        suppressed=suppression.count(conn),
    )


@bp.route("/import", methods=["GET", "POST"])
@requires("contacts.manage")
def upload():
    form = UploadForm()
    lists = [r["name"] for r in service.lists_with_counts(get_db())]
    if not form.validate_on_submit():
        return render_template("contacts/upload.html", form=form, lists=lists), (
            400 if form.errors else 200
        )
    problems = import_service.basis_problems(form.basis.data, form.purpose.data or "")
    if problems:
        for problem in problems:
            flash(_(problem), "error")
        return render_template("contacts/upload.html", form=form, lists=lists), 400
    limit = state().settings["max_upload_mb"] * 1024 * 1024
    uploads.remove_stale(_data_dir())  # previews walked away from do not linger
    try:
        token = uploads.store_stream(_data_dir(), form.file.data.stream, limit)
    except uploads.TooLarge as exc:
        flash(_(str(exc)), "error")
        return render_template("contacts/upload.html", form=form, lists=lists), 413
    options = {name: getattr(form, name).data or "" for name in OPTIONS}
    return _mapping_page(token, MapForm(formdata=None, data=options), None)


def _options(form: MapForm) -> dict[str, str]:
    delimiter = form.delimiter.data or ""
    return {
        "encoding": form.encoding.data or "",
        "delimiter": "\t" if delimiter == "tab" else delimiter,
        "sheet": form.sheet.data or "",
    }


def _open(token: str, form: MapForm) -> reader.Table:
    return reader.open_table(uploads.path_for(_data_dir(), token), **_options(form))


def _checked(table: reader.Table, targets: list[str]) -> Mapping:
    """The mapping, its segment columns checked on the rows a preview reads; raises
    ValueError (NotACategory among them: the mapping page, which reads the same rows, says
    which columns and why) or FileError."""
    mapping = Mapping.build(table.headers, targets)
    import_service.check_segments(table, mapping, limit=PREVIEW_ROWS)
    return mapping


def _mapping_page(token: str, form: MapForm, targets: list[str] | None, status: int = 200):
    """Render the column mapping with a dry-run preview, or send staff back with the reason."""
    conn = get_db()
    presets = service.presets(conn)
    form.preset.choices = [("", "—")] + [(name, name) for name in presets]
    try:
        table = _open(token, form)
    except FileNotFoundError:
        flash(_("The uploaded file is no longer there; upload it again."), "error")
        return redirect(url_for("contacts.upload"))
    except reader.FileError as exc:
        flash(_("The file cannot be read: %(reason)s", reason=_(exc.reason)), "error")
        uploads.remove(_data_dir(), token)
        return redirect(url_for("contacts.upload"))
    with table:
        headers = table.headers
        if targets is None:
            targets = suggest(headers)
        found = service.list_by_name(conn, form.list_name.data or "")
        dry_run = None
        try:
            mapping = Mapping.build(headers, targets)
            dry_run = preview(conn, state().keys, table, mapping, found["id"] if found else None)
            if dry_run.refused:
                raise identifiers.NotACategory(dry_run.refused)  # shown with the preview
        except identifiers.NotACategory as exc:
            for finding in exc.findings:
                flash(formats.counted(finding.reason, **finding.variables), "error")
            status = 400
        except ValueError as exc:
            flash(_(str(exc)), "error")
            status = 400
        except reader.FileError as exc:
            flash(_("The file cannot be read: %(reason)s", reason=_(exc.reason)), "error")
            dry_run, status = None, 400
        return render_template(
            "contacts/map.html",
            form=form,
            token=token,
            headers=headers,
            targets=targets,
            fields=TARGET_FIELDS,
            forbidden=[forbidden(h) for h in headers],
            segment_labels=[segment_label(h) for h in headers],
            no_segment=[segment_refusal(h) is not None for h in headers],
            preview=dry_run,
            table=table,
            list_exists=found is not None,
        ), status


@bp.route("/import/<token>", methods=["POST"])
@requires("contacts.manage")
def map_columns(token: str):
    form = MapForm()
    if not form.validate_on_submit():
        abort(400)
    headers_count = request.form.get("columns", 0, type=int)
    targets = [request.form.get(f"col-{i}", "drop") for i in range(min(headers_count, 200))]
    action = request.form.get("action", "preview")
    if action == "cancel":
        uploads.remove(_data_dir(), token)
        return redirect(url_for("contacts.index"))
    if action == "apply_preset" and form.preset.data:
        return _apply_preset(token, form)
    if action == "save_preset" and (form.preset_name.data or "").strip():
        return _save_preset(token, form, targets)
    if action == "import":
        return _start(token, form, targets)
    return _mapping_page(token, form, targets)


def _apply_preset(token: str, form: MapForm):
    preset = service.presets(get_db()).get(form.preset.data, {})
    try:
        with _open(token, form) as table:
            headers = table.headers
    except (FileNotFoundError, reader.FileError):
        return _mapping_page(token, form, None)
    suggested = suggest(headers)
    return _mapping_page(
        token, form, [preset.get(h, s) for h, s in zip(headers, suggested, strict=True)]
    )


def _save_preset(token: str, form: MapForm, targets: list[str]):
    try:
        with _open(token, form) as table:
            mapping = _checked(table, targets)
    except identifiers.NotACategory:
        return _mapping_page(token, form, targets, 400)
    except (ValueError, reader.FileError, FileNotFoundError) as exc:
        flash(_(str(getattr(exc, "reason", exc))), "error")
        return _mapping_page(token, form, targets, 400)
    service.save_preset(get_db(), form.preset_name.data, mapping.headers, mapping.targets)
    flash(_("Mapping saved."), "success")
    return _mapping_page(token, form, targets)


def _start(token: str, form: MapForm, targets: list[str]):
    conn = get_db()
    problems: list[str] = []
    try:
        table = _open(token, form)
    except (FileNotFoundError, reader.FileError):
        return _mapping_page(token, form, targets)
    try:
        mapping = _checked(table, targets)
        if not mapping.fields():
            problems.append(N_("Map at least one column to a contact field."))
    except identifiers.NotACategory:
        table.close()
        return _mapping_page(token, form, targets, 400)
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        table.close()
        for problem in problems:
            flash(_(problem), "error")
        return _mapping_page(token, form, targets, 400)
    try:
        import_id = import_service.begin(
            conn,
            actor(),
            form.list_name.data or "",
            form.basis.data or "",
            form.purpose.data or "",
            mapping,
        )
    except import_service.Refused as exc:
        table.close()
        flash_reasons(exc.reasons)
        return _mapping_page(token, form, targets, 409)
    jobs.start(_data_dir(), state().keys, actor(), import_id, table, mapping, token)
    return redirect(url_for("contacts.show_import", import_id=import_id))


@bp.route(f"/imports/<{ID}:import_id>")
@requires("contacts.manage")
def show_import(import_id: int):
    batch = _import_or_404(import_id)
    conn = get_db()
    return render_template(
        "contacts/import.html",
        batch=batch,
        contact_list=service.get_list(conn, batch["list_id"]),
        dropped=service.dropped_columns(batch),
        reasons=[formats.counted(m, **v) for m, v in identifiers.stored_reasons(batch["message"])],
    )


@bp.route(f"/imports/<{ID}:import_id>/cancel", methods=["POST"])
@requires("contacts.manage")
def cancel_import(import_id: int):
    _import_or_404(import_id)
    service.request_cancel(get_db(), actor(), import_id)
    return redirect(url_for("contacts.show_import", import_id=import_id))


@bp.route(f"/imports/<{ID}:import_id>/undo", methods=["POST"])
@requires("contacts.manage")
def undo_import(import_id: int):
    _import_or_404(import_id)
    try:
        removed = service.undo(get_db(), actor(), import_id)
        flash(_("Import undone: %(n)s contacts removed.", n=format_number(removed)), "success")
    except ValueError as exc:
        flash(_(str(exc)), "error")
    return redirect(url_for("contacts.show_import", import_id=import_id))


@bp.route(f"/imports/<{ID}:import_id>/rejects.csv")
@requires("contacts.manage")
def download_rejects(import_id: int):
    batch = _import_or_404(import_id)
    if batch["status"] != "done":
        abort(404)  # the rows of an unfinished or undone batch no longer exist
    service.rejects_downloaded(get_db(), actor(), import_id, batch["invalid"])
    keys = state().keys
    # Its own connection: the body streams after the request's connection has closed.
    conn = connect(state().db_path, readonly=True)

    def generate():
        try:
            yield from csv_rows(service.rejects_csv(conn, keys, import_id, _))
        finally:
            conn.close()

    disposition = f'attachment; filename="import-{import_id}-invalid-rows.csv"'
    # In the request's context while it streams: the reasons are translated row by row.
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": disposition},
    )


@bp.route("/suppressions", methods=["GET", "POST"])
@requires("contacts.manage")
def suppressions():
    form = AddressesForm()
    conn = get_db()
    if form.validate_on_submit():
        addresses = itertools.chain(
            (form.addresses.data or "").splitlines(),
            suppression.addresses_in(form.file.data.stream) if form.file.data else (),
        )
        added, _already, invalid = service.add_suppressions(
            conn,
            actor(),
            state().keys.hasher(),
            addresses,
            "upload" if form.file.data else "staff",
        )
        flash(
            _(
                "%(added)s addresses added to the suppression list; %(invalid)s were not valid "
                "addresses.",
                added=format_number(added),
                invalid=format_number(invalid),
            ),
            "success",
        )
        return redirect(url_for("contacts.suppressions"))
    return render_template("contacts/suppressions.html", form=form, count=suppression.count(conn))
