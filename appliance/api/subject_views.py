"""Data-subject requests through the API, for staff: look a person up by e-mail address or phone
number, export what is held about them, erase them.

The same workflows as the pages (``appliance.privacy.request_views``), through the same service
(``request_service``), audited alike and noted in a chosen register entry alike. The address or
number travels in POST bodies only, never in a URL (which the call's audit entry records).

The pages' safeguard holds here too: an erasure acts on a look-up, never on a value typed
afresh. The look-up answers with a ``lookup_token`` (signed with the session key, bound to the
member of staff, valid for an hour) and with the counts an erasure would erase now, as the
confirmation page shows them; the erasure takes that token and ``"confirm": true``. The token is
signed, not encrypted: it holds the value looked up, which its holder sent anyway.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from flask import Response, current_app, jsonify
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from appliance.api.blueprint import bp
from appliance.api.declare import ERROR, ID_SCHEMA, Operation, Schema, body, operation, problem
from appliance.auth.guard import requires
from appliance.contacts import fields
from appliance.db import iso, utcnow
from appliance.privacy import register, request_service, subject_changes, subject_export, subjects
from appliance.privacy.request_views import make_desk
from appliance.web import get_db, setting

TAG = "Data-subject requests"
# Not the pages' salt: a token of a page is no token here, nor the other way round.
TOKEN_SALT, TOKEN_SECONDS = "api-subject-lookup", 3600  # valid as long as the page's
COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
REQUEST_ID = {
    **ID_SCHEMA,
    "type": ["integer", "null"],
    "description": "An open entry of the register of requests: the action is noted in it",
}
LOOKUP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["query"],
    "properties": {
        "query": {
            "type": "string",
            "minLength": 1,
            "maxLength": 254,
            "description": "An e-mail address, or a phone number (Dutch when without a "
            "country code)",
        },
        "request_id": REQUEST_ID,
    },
}
FOUND = Schema(
    "SubjectLookup",
    {
        "type": "object",
        "required": [
            "looked_up",
            "counts",
            "contacts",
            "erasure",
            "lookup_token",
            "expires_at",
        ],
        "properties": {
            "looked_up": {
                "type": "object",
                "required": ["kind", "value"],
                "properties": {
                    "kind": {"enum": ["email", "phone"]},
                    "value": {"type": "string", "description": "As normalised"},
                },
            },
            "counts": {**COUNTS, "description": "What is held, per kind (as audited)"},
            "contacts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "list", "imported_at", "basis", "invitations", "calls"],
                    "properties": {
                        "id": {"type": "integer"},
                        "list": {"type": "string"},
                        "imported_at": {"type": ["string", "null"]},
                        "import_status": {"type": "string"},
                        "basis": {"type": "string"},
                        "purpose": {"type": ["string", "null"]},
                        "invitations": {"type": "integer"},
                        "calls": {"type": "integer"},
                    },
                },
            },
            "erasure": {**COUNTS, "description": "What an erasure would erase now, per kind"},
            "lookup_token": {"type": "string"},
            "expires_at": {"type": "string"},
        },
    },
)
DOSSIER = Schema(
    "SubjectExport",
    {
        "type": "object",
        "description": "The JSON file the page's export gives: everything held about the "
        "person, and what cannot be linked to them",
        "required": [
            "organisation",
            "compiled_on",
            "looked_up",
            "contacts",
            "unsubscribed",
            "erased_before",
            "contact_requests",
            "responses",
            "mail_files",
            "rejected_rows",
            "not_linked_to_this_person",
        ],
    },
)
ERASURE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["lookup_token", "confirm"],
    "properties": {
        "lookup_token": {"type": "string", "minLength": 1, "maxLength": 2000},
        "confirm": {"const": True, "description": "Erasure is at once and for good"},
        "suppress": {
            "type": "boolean",
            "default": False,
            "description": "Also add the person's addresses to the unsubscribe list",
        },
        "request_id": REQUEST_ID,
    },
}
ERASED = Schema(
    "SubjectErasure",
    {
        "type": "object",
        "required": ["erased", "request_id"],
        "properties": {
            "erased": {**COUNTS, "description": "What was erased, per kind"},
            "request_id": {"type": ["integer", "null"]},
        },
    },
)
REFUSALS = {
    409: ("The register entry is closed", ERROR),
    422: ("Not an e-mail address or phone number, or no such register entry", ERROR),
}


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


def _query(text: str) -> subjects.Query:
    try:
        return subjects.parse(text)
    except fields.Invalid as exc:
        raise _Refused(422, f"query: {exc.reason}") from None


def _entry(request_id: int | None):
    """The open register entry an action is noted in (None: none given). The page goes on
    without one it cannot use, with a warning; a program gets no warning, so it is refused."""
    if request_id is None:
        return None
    found = register.get(get_db(), request_id)
    if found is None:
        raise _Refused(422, f"request_id: no register entry {request_id}")
    if found["status"] != "open":
        raise _Refused(409, f"request_id: register entry {request_id} is closed")
    return found


def _refusing(view):
    """Answer a :class:`_Refused` as the API's error."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except _Refused as exc:
            return problem(exc.status, str(exc))

    return run


@bp.route("/v1/subjects/look-up", methods=["POST"])
@requires("privacy.requests")
@operation(
    Operation(
        "Look a person up: what is held about them, in counts, and a token for erasing them",
        {200: ("Found (a person of whom nothing is held has empty counts)", FOUND), **REFUSALS},
        TAG,
        description="Audited as subject.looked_up with the counts, never the value. The "
        "contact fields themselves are in the export.",
        body=LOOKUP,
    )
)
@_refusing
def look_up_subject():
    wanted = body()
    query = _query(wanted["query"])
    entry = _entry(wanted.get("request_id"))
    desk = make_desk()
    dossier = request_service.look_up(desk, query, entry)
    token = _serializer().dumps(
        {"k": query.kind, "v": query.value, "d": query.digits, "u": current_user.id}
    )
    contacts = dossier["contacts"]
    return jsonify(
        {
            "looked_up": dossier["looked_up"],
            "counts": subjects.counts(dossier),
            "contacts": [
                {
                    "id": c["id"],
                    "list": c["list"],
                    "imported_at": c["imported_at"],
                    "import_status": c["import_status"],
                    "basis": c["basis"],
                    "purpose": c["purpose"],
                    "invitations": len(c["invitations"]),
                    "calls": len(c["calls"]),
                }
                for c in contacts
            ],
            "erasure": subject_changes.preview(desk.conn, [c["id"] for c in contacts], dossier),
            "lookup_token": token,
            "expires_at": iso(utcnow() + timedelta(seconds=TOKEN_SECONDS)),
        }
    )


@bp.route("/v1/subjects/export", methods=["POST"])
@requires("privacy.requests")
@operation(
    Operation(
        "Everything held about a person, as the JSON file the page exports",
        {200: ("The export", DOSSIER), **REFUSALS},
        TAG,
        description="Audited as subject.exported (format json) with the counts. Texts meant "
        "for the person are in the language of the token's owner.",
        body=LOOKUP,
    )
)
@_refusing
def export_subject():
    wanted = body()
    query = _query(wanted["query"])
    entry = _entry(wanted.get("request_id"))
    dossier = request_service.export(make_desk(), query, [], entry, "json")
    return Response(
        subject_export.to_json(dossier, setting("organisation_name")),
        mimetype="application/json",
        headers={"Cache-Control": "no-store"},
    )


@bp.route("/v1/subjects/erasure", methods=["POST"])
@requires("privacy.requests")
@operation(
    Operation(
        "Erase a person looked up before, at once and for good",
        {
            200: ("Erased; the counts per kind", ERASED),
            409: ("The register entry is closed", ERROR),
            422: (
                "The look-up token is not valid (expired after an hour, made for another "
                "member of staff, or altered), or no such register entry",
                ERROR,
            ),
        },
        TAG,
        description="Takes the lookup_token of a look-up by the same member of staff within "
        "the hour; the person is found afresh, so a contact imported meanwhile goes too. "
        "Erases their contact rows, invitations and messages, requests to be contacted, "
        "links of responses, their own words in linked responses, rejected import rows and "
        "messages in the mail folder; anonymous responses stay. Audited as subject.erased "
        "with the counts; the database is compacted.",
        body=ERASURE,
    )
)
@_refusing
def erase_subject():
    wanted = body()
    try:
        data = _serializer().loads(wanted["lookup_token"], max_age=TOKEN_SECONDS)
    except BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("u") != current_user.id:
        raise _Refused(422, "lookup_token: not valid; look the person up again (valid an hour)")
    query = subjects.Query(data["k"], data["v"], data["d"])
    entry = _entry(wanted.get("request_id"))
    erased = request_service.erase(
        make_desk(), query, [], entry, suppress=wanted.get("suppress", False)
    )
    return jsonify({"erased": erased, "request_id": entry["id"] if entry else None})
