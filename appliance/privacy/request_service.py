"""Data-subject request workflows: look a person up, export what is held about them, rectify a
contact row, erase the person; and the register of requests.

Each change is written in one transaction together with its audit entry. The audit log gets
counts, field names and ids only, never a value of the person; when staff chose an open register
entry, a line about what was done (again without values) is added to that entry's outcome, in
the staff member's language (:attr:`Desk.translate`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from appliance.auth.service import Actor
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.db import transaction
from appliance.i18n import N_
from appliance.privacy import erasure, register, subject_changes, subjects


@dataclass(frozen=True)
class Desk:
    """Who handles a request and with what: the database, the member of staff, the keys, the
    organisation's today, the file transport's folder, and ``translate`` (gettext: msgid and
    named values) for the notes added to register entries."""

    conn: sqlite3.Connection
    actor: Actor
    cipher: FieldCipher
    hasher: KeyedHasher
    today: date
    mail_folder: Path
    translate: Callable[..., str]


def _log(
    desk: Desk,
    action: str,
    entry: sqlite3.Row | None,
    note: str,
    target: str = "subject",
    **details: Any,
) -> None:
    """Inside the caller's transaction: the audit entry and, for a chosen register entry, a
    line in its outcome."""
    if entry is not None:
        register.note(desk.conn, entry["id"], desk.today, note)
        details["request"] = entry["id"]
    desk.actor.log(desk.conn, action, target, **details)


def dossier(desk: Desk, query: subjects.Query, also: Sequence[int]) -> dict[str, Any]:
    """Everything held about the person, found afresh (see ``subjects.collect``)."""
    ids = subjects.find(desk.conn, desk.cipher, desk.hasher, query, also)
    return subjects.collect(desk.conn, desk.cipher, desk.hasher, query, ids, desk.mail_folder)


def is_theirs(desk: Desk, query: subjects.Query, also: Sequence[int], contact_id: int) -> bool:
    """Whether the contact row belongs to the person looked up."""
    return contact_id in subjects.find(desk.conn, desk.cipher, desk.hasher, query, also)


def look_up(desk: Desk, query: subjects.Query, entry: sqlite3.Row | None) -> dict[str, Any]:
    """The person's dossier; the look-up is audited with its counts."""
    found = dossier(desk, query, [])
    with transaction(desk.conn):
        n = subjects.counts(found)
        note = desk.translate(N_("looked up: %(n)d contact rows"), n=n["contacts"])
        _log(desk, "subject.looked_up", entry, note, by=query.kind, **n)
    return found


def export(
    desk: Desk, query: subjects.Query, also: Sequence[int], entry: sqlite3.Row | None, kind: str
) -> dict[str, Any]:
    """The dossier to hand over as ``kind`` ('json' or 'pdf'); the export is audited."""
    found = dossier(desk, query, also)
    with transaction(desk.conn):
        n = subjects.counts(found)
        note = desk.translate(N_("exported as %(format)s"), format=kind.upper())
        _log(desk, "subject.exported", entry, note, format=kind, **n)
    return found


def check_rectification(
    desk: Desk, contact_id: int, submitted: Mapping[str, str]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """The fields of a contact row that the submitted values change (field -> new normalised
    value, None to clear) and the problems per field as msgids ('' for the whole row). Changes
    nothing."""
    current = subject_changes.current_values(desk.conn, desk.cipher, contact_id)
    changed, problems = subject_changes.changes(current, submitted)
    new_email = changed.get("email")
    if new_email and subject_changes.address_taken(desk.conn, desk.hasher, contact_id, new_email):
        problems["email"] = N_("another contact in this list already has this address")
    return changed, problems


def rectify(
    desk: Desk, contact_id: int, changed: Mapping[str, str | None], entry: sqlite3.Row | None
) -> None:
    """Write the changes :func:`check_rectification` found without problems, audited by field
    name (never a value)."""
    conn = desk.conn
    with transaction(conn):
        subject_changes.rectify(conn, desk.cipher, desk.hasher, contact_id, changed)
        note = desk.translate(
            N_("rectified contact %(id)d: %(fields)s"), id=contact_id, fields=", ".join(changed)
        )
        target = f"contact:{contact_id}"
        _log(desk, "subject.rectified", entry, note, target, fields=sorted(changed))


def erase(
    desk: Desk,
    query: subjects.Query,
    also: Sequence[int],
    entry: sqlite3.Row | None,
    *,
    suppress: bool,
) -> dict[str, int]:
    """Erase the person (``subject_changes.erase``) with the messages the file transport wrote
    to them, audited with the counts; then compact the database. Returns the counts."""
    conn = desk.conn
    found = dossier(desk, query, also)
    files = subjects.mail_files(desk.mail_folder, subjects.addresses_of(found))
    with transaction(conn):
        # Found again inside the transaction: a contact imported meanwhile goes too.
        ids = subjects.find(conn, desk.cipher, desk.hasher, query, also)
        n = subject_changes.erase(
            conn,
            desk.cipher,
            desk.hasher,
            query,
            ids,
            suppress=suppress,
            reject_ids=[r["id"] for r in found["rejected_rows"]],
        )
        n["mail_files"] = len(files)
        note = desk.translate(
            N_(
                "erased: %(contacts)d contact rows, %(invitations)d invitations, %(requests)d"
                " contact requests, %(links)d response links"
            ),
            contacts=n["contacts"],
            invitations=n["invitations"],
            requests=n["contact_requests"],
            links=n["response_links"],
        )
        _log(desk, "subject.erased", entry, note, **n)
    for path in files:
        path.unlink(missing_ok=True)
    erasure.compact(conn, sum(n.values()))
    return n


# ---- the register ------------------------------------------------------------------------------


def add_request(
    conn: sqlite3.Connection, actor: Actor, received: date, kind: str, reference: str
) -> int:
    """Add a request to the register, audited; returns its id."""
    with transaction(conn):
        request_id = register.add(conn, received, kind, reference, actor.id)
        actor.log(conn, "privacy_request.added", f"privacy_request:{request_id}", kind=kind)
    return request_id


def close_request(
    conn: sqlite3.Connection,
    actor: Actor,
    request_id: int,
    status: str,
    outcome: str,
    today: date,
) -> bool:
    """Close an open request as ``status`` ('done' or 'refused'), audited; False (and nothing
    audited) when it was not open."""
    with transaction(conn):
        closed = register.close(conn, request_id, status, outcome, actor.id, today)
        if closed:
            actor.log(
                conn, "privacy_request.closed", f"privacy_request:{request_id}", status=status
            )
    return closed
