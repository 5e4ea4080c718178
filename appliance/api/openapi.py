"""The OpenAPI 3.1 description of the HTTP API, served at ``/api/openapi.json``.

A test checks that every API route is described here and that nothing else is.
"""

from __future__ import annotations

from typing import Any

_COUNTS = {
    name: {"type": "integer"}
    for name in ("rows_seen", "added", "updated", "duplicate", "invalid", "suppressed")
}

IMPORT = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "list_id": {"type": "integer"},
        "status": {"enum": ["running", "done", "failed", "cancelled", "undone"]},
        "basis": {"enum": ["consent", "legitimate_interest"]},
        **_COUNTS,
        "dropped_columns": {"type": "array", "items": {"type": "string"}},
        "message": {"type": "string"},
        "url": {"type": "string"},
    },
}
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _query(name: str, description: str, required: bool = False, **schema) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/lists": {
        "get": {
            "summary": "Contact lists with their number of contacts",
            "responses": {
                "200": {
                    "description": "The lists",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "id": {"type": "integer"},
                                        "name": {"type": "string"},
                                        "contacts": {"type": "integer"},
                                    },
                                },
                            }
                        }
                    },
                }
            },
        },
    },
    "/api/v1/imports": {
        "post": {
            "summary": "Import a CSV or XLSX export into a contact list (runs in the background)",
            "description": "The request body is the file itself. Columns are mapped from Dutch "
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
            "parameters": [
                _query("list", "Contact list; created when new", True),
                _query("basis", "Lawful basis", True, enum=["consent", "legitimate_interest"]),
                _query("purpose", "The legitimate interest, in words (required with it)"),
                _query("map", "HEADER=TARGET, repeatable"),
                _query("preset", "A saved mapping preset"),
                _query("encoding", "Override the detected encoding, e.g. cp1252"),
                _query("delimiter", "Override the detected separator", enum=[",", ";", "tab", "|"]),
                _query("sheet", "XLSX: the sheet to read"),
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "text/csv": {"schema": {"type": "string", "format": "binary"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            },
            "responses": {
                "202": {
                    "description": "Import started; poll its url",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Import"}}
                    },
                },
                "400": _error("Missing or bad parameters"),
                "413": _error("Larger than max_upload_mb"),
                "422": _error("The file or the mapping cannot be used"),
            },
        },
    },
    "/api/v1/imports/{import_id}": {
        "get": {
            "summary": "Status and counts of an import",
            "parameters": [
                {"name": "import_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": {
                    "description": "The import",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Import"}}
                    },
                },
                "404": _error("No such import"),
            },
        },
    },
    "/api/v1/suppressions": {
        "post": {
            "summary": "Add addresses to the organisation's suppression list",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["addresses"],
                            "properties": {
                                "addresses": {"type": "array", "items": {"type": "string"}}
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Counts",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "added": {"type": "integer"},
                                    "already_listed": {"type": "integer"},
                                    "invalid": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "400": _error("Not a list of addresses"),
            },
        },
    },
}


def spec(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Survey appliance API",
            "version": "1",
            "description": "Contacts stay inside the organisation: this API only takes data in. "
            "Authenticate with a personal API token (My account > API tokens, staff only).",
        },
        "servers": [{"url": base_url}],
        "security": [{"token": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Import": IMPORT, "Error": ERROR},
        },
    }
