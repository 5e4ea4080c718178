"""The HTTP API of the identity plane, for IT jobs that push CRM exports without a browser.

Authentication is by per-user token only (``Authorization: Bearer apl_...``), never by the
session cookie: a browser session cannot reach these routes, so they need no CSRF token. Every
route still declares its action for the deny-by-default guard; the token's owner must hold it.
The routes are described in ``appliance/api/openapi.py`` (served at ``/api/openapi.json``).
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from appliance.api import service
from appliance.api.openapi import spec
from appliance.auth.guard import public, requires
from appliance.contacts import identifiers, import_service, jobs, reader, uploads
from appliance.contacts import service as contacts_service
from appliance.contacts.mapping import Mapping, targets_for
from appliance.contacts.preview import PREVIEW_ROWS
from appliance.web import ID, actor, get_db, state

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_JSON_BYTES = 8 * 1024 * 1024  # JSON is parsed whole: keep its memory bounded


def problem(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    return response


@bp.before_request
def tokens_only():
    if request.endpoint == "api.openapi":
        return None
    if not getattr(current_user, "via_token", False):
        response = problem(401, "an API token is required: Authorization: Bearer <token>")
        response.headers["WWW-Authenticate"] = 'Bearer realm="appliance"'
        return response
    return None


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(spec(state().settings["base_url"]))


@bp.route("/v1/lists")
@requires("contacts.manage")
def list_lists():
    return jsonify(
        [
            {"id": r["id"], "name": r["name"], "contacts": r["contacts"]}
            for r in contacts_service.lists_with_counts(get_db())
        ]
    )


def _import_json(batch) -> dict:
    return {
        "id": batch["id"],
        "list_id": batch["list_id"],
        "status": batch["status"],
        "basis": batch["basis"],
        "rows_seen": batch["rows_seen"],
        **{name: batch[name] for name in contacts_service.IMPORT_COUNTS},
        "dropped_columns": contacts_service.dropped_columns(batch),
        "message": identifiers.stored_text(batch["message"]) if batch["status"] != "done" else "",
        "url": url_for("api.show_import", import_id=batch["id"]),
    }


@bp.route("/v1/imports", methods=["POST"])
@requires("contacts.manage")
def create_import():
    """The request body is the file itself (CSV or XLSX); options are query parameters."""
    args = request.args
    list_name, basis = args.get("list", "").strip(), args.get("basis", "")
    problems = import_service.basis_problems(basis, args.get("purpose", ""))
    if not list_name or len(list_name) > 100:
        problems.append("'list' names the contact list (1-100 characters)")
    if problems:
        return problem(400, "; ".join(problems))
    data_dir = state().settings["data_dir"]
    try:
        token = uploads.store_stream(
            data_dir, request.stream, state().settings["max_upload_mb"] * 1024 * 1024
        )
    except uploads.TooLarge as exc:
        return problem(413, str(exc))
    delimiter = args.get("delimiter", "")
    try:
        table = reader.open_table(
            uploads.path_for(data_dir, token),
            encoding=args.get("encoding", ""),
            delimiter="\t" if delimiter == "tab" else delimiter,
            sheet=args.get("sheet", ""),
        )
    except reader.FileError as exc:
        uploads.remove(data_dir, token)
        return problem(422, f"cannot read the file: {exc}")
    return _start(table, token, list_name, basis, args)


def _start(table: reader.Table, token: str, list_name: str, basis: str, args):
    conn, data_dir = get_db(), state().settings["data_dir"]
    try:
        preset = None
        if args.get("preset"):
            preset = contacts_service.presets(conn).get(args["preset"])
            if preset is None:
                raise ValueError(f"no mapping preset named {args['preset']!r}")
        mapping = Mapping.build(
            table.headers, targets_for(table.headers, preset, tuple(args.getlist("map")))
        )
        if not mapping.fields():
            raise ValueError("no column maps to a contact field; use map=HEADER=field:email")
        # The rows a web preview reads, answered at once; the import checks the whole file.
        import_service.check_segments(table, mapping, limit=PREVIEW_ROWS)
        import_id = import_service.begin(
            conn, actor(), list_name, basis, args.get("purpose", ""), mapping
        )
    except ValueError as exc:
        table.close()
        uploads.remove(data_dir, token)
        return problem(422, str(exc))
    jobs.start(data_dir, state().keys, actor(), import_id, table, mapping, token)
    response = jsonify(_import_json(contacts_service.get_import(conn, import_id)))
    response.status_code = 202
    response.headers["Location"] = url_for("api.show_import", import_id=import_id)
    return response


@bp.route(f"/v1/imports/<{ID}:import_id>")
@requires("contacts.manage")
def show_import(import_id: int):
    batch = contacts_service.get_import(get_db(), import_id)
    if batch is None:
        abort(404)
    return jsonify(_import_json(batch))


@bp.route("/v1/suppressions", methods=["POST"])
@requires("contacts.manage")
def add_suppressions():
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return problem(413, "send at most 8 MB of addresses per request")
    body = request.get_json(silent=True) or {}
    addresses = body.get("addresses") if isinstance(body, dict) else None
    if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
        return problem(400, 'expected JSON {"addresses": ["name@example.nl", ...]}')
    added, already, invalid = service.add_suppressions(
        get_db(), actor(), state().keys.hasher(), addresses
    )
    return jsonify({"added": added, "already_listed": already, "invalid": invalid})
