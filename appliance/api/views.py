"""Contact lists, imports and suppressions through the API, for IT jobs that push CRM exports
without a browser; and the API's own document.

Authentication is by per-user token only (``Authorization: Bearer apl_...``, see
``appliance.api.blueprint``). Every route declares its action for the deny-by-default guard and
its operation (``appliance.api.declare``), from which ``/api/openapi.json`` is built.
"""

from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for

from appliance.api import service
from appliance.api.blueprint import bp
from appliance.api.declare import (
    ERROR,
    NOT_BLANK,
    Operation,
    Param,
    Schema,
    body,
    operation,
    problem,
    query,
)
from appliance.api.openapi import spec
from appliance.auth.guard import public, requires
from appliance.contacts import identifiers, import_service, jobs, reader, uploads
from appliance.contacts import service as contacts_service
from appliance.contacts.mapping import Mapping, targets_for
from appliance.contacts.preview import PREVIEW_ROWS
from appliance.web import ID, actor, get_db, state


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(spec(current_app, state().settings["base_url"]))


COUNTS = ("rows_seen", "added", "updated", "duplicate", "invalid", "suppressed")
IMPORT = Schema(
    "Import",
    {
        "type": "object",
        "required": ["id", "list_id", "status", "basis", *COUNTS, "dropped_columns", "url"],
        "properties": {
            "id": {"type": "integer"},
            "list_id": {"type": "integer"},
            "status": {"enum": ["running", "done", "failed", "cancelled", "undone"]},
            "basis": {"enum": ["consent", "legitimate_interest"]},
            **{name: {"type": "integer"} for name in COUNTS},
            "dropped_columns": {"type": "array", "items": {"type": "string"}},
            "message": {"type": "string"},
            "url": {"type": "string"},
        },
    },
)
LISTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "name", "contacts"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "contacts": {"type": "integer"},
        },
    },
}
TAG = "Contacts"


@bp.route("/v1/lists")
@requires("contacts.manage")
@operation(
    Operation("Contact lists with their number of contacts", {200: ("The lists", LISTS)}, TAG)
)
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
@operation(
    Operation(
        "Import a CSV or XLSX export into a contact list (runs in the background)",
        {
            202: ("Import started; poll its url", IMPORT),
            422: ("The file, the mapping or the lawful basis cannot be used", ERROR),
        },
        TAG,
        description="The request body is the file itself. Columns are mapped from Dutch "
        "and English headers; override with map=HEADER=TARGET (field:email, "
        "field:first_name, field:infix, field:last_name, field:full_name, field:gender, "
        "field:street, field:house_number, field:postcode, field:town, field:country, "
        "field:phone, field:language, segment:NAME, drop). Columns that look like special "
        "categories of personal data are always dropped. A segment must be a category: a "
        "column that identifies people (its header names an identifier or contact detail, "
        "its values look like e-mail addresses, phone numbers, postcodes, IBANs or customer "
        "numbers, or nearly every row has a value of its own) is refused with 422 when the "
        "first 20,000 rows show it, else the import fails before writing anything, with the "
        "reason in its message.",
        params=(
            Param(
                "list",
                "Contact list; created when new",
                {"type": "string", "minLength": 1, "maxLength": 100, "pattern": NOT_BLANK},
                True,
            ),
            Param("basis", "Lawful basis", {"enum": ["consent", "legitimate_interest"]}, True),
            Param("purpose", "The legitimate interest, in words (required with it)"),
            Param("map", "HEADER=TARGET, repeatable", many=True),
            Param("preset", "A saved mapping preset"),
            Param("encoding", "Override the detected encoding, e.g. cp1252"),
            Param("delimiter", "Override the detected separator", {"enum": [",", ";", "tab", "|"]}),
            Param("sheet", "XLSX: the sheet to read"),
        ),
        upload=("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )
)
def create_import():
    """The request body is the file itself (CSV or XLSX); options are query parameters."""
    args = query()
    list_name, basis = args["list"].strip(), args["basis"]
    # The purpose a legitimate interest needs is a rule across parameters: 422, not 400.
    problems = import_service.basis_problems(basis, args.get("purpose", ""))
    if problems:
        return problem(422, "; ".join(problems))
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


def _start(table: reader.Table, token: str, list_name: str, basis: str, args: dict):
    conn, data_dir = get_db(), state().settings["data_dir"]
    try:
        preset = None
        if args.get("preset"):
            preset = contacts_service.presets(conn).get(args["preset"])
            if preset is None:
                raise ValueError(f"no mapping preset named {args['preset']!r}")
        mapping = Mapping.build(
            table.headers, targets_for(table.headers, preset, tuple(args.get("map", ())))
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
@operation(Operation("Status and counts of an import", {200: ("The import", IMPORT)}, TAG))
def show_import(import_id: int):
    batch = contacts_service.get_import(get_db(), import_id)
    if batch is None:
        abort(404)
    return jsonify(_import_json(batch))


SUPPRESSION_COUNTS = {
    "type": "object",
    "required": ["added", "already_listed", "invalid"],
    "properties": {
        "added": {"type": "integer"},
        "already_listed": {"type": "integer"},
        "invalid": {"type": "integer"},
    },
}


@bp.route("/v1/suppressions", methods=["POST"])
@requires("contacts.manage")
@operation(
    Operation(
        "Add addresses to the organisation's suppression list",
        {200: ("Counts", SUPPRESSION_COUNTS)},
        "Suppressions",
        body={
            "type": "object",
            "required": ["addresses"],
            "properties": {"addresses": {"type": "array", "items": {"type": "string"}}},
        },
    )
)
def add_suppressions():
    added, already, invalid = service.add_suppressions(
        get_db(), actor(), state().keys.hasher(), body()["addresses"]
    )
    return jsonify({"added": added, "already_listed": already, "invalid": invalid})
