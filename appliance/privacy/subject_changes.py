"""Changes to a person found by a data-subject request (``appliance.privacy.subjects``):
rectification of a contact row and erasure of the person. Every function joins the caller's
transaction and logs nothing; the caller audits field names and counts only."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from appliance.contacts import fields
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.i18n import N_
from appliance.planes import open_contact_field, seal_contact_field
from appliance.privacy import erasure, subject_store, suppression
from appliance.privacy.subjects import PHONE_DOMAIN, Query, digest


def current_values(conn: sqlite3.Connection, cipher: FieldCipher, contact_id: int) -> dict:
    """The contact's editable fields, decrypted ({} when the row is gone)."""
    row = subject_store.contact(conn, contact_id)
    if row is None:
        return {}
    values = {
        name: open_contact_field(cipher, name, row[name], contact_id)
        for name in fields.PERSONAL
        if row[name] is not None
    }
    if row["language"]:
        values["language"] = row["language"]
    return values


def changes(
    current: Mapping[str, str], submitted: Mapping[str, str]
) -> tuple[dict[str, str | None], dict[str, str]]:
    """(field -> new normalised value, None to clear) for the fields that change, and reasons
    (msgids) per refused field; '' holds a reason about the whole row."""
    country = (submitted.get("country") or "").strip()
    changed: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for name in fields.FIELDS:
        raw = (submitted.get(name) or "").strip()
        try:
            value = fields.NORMALISERS[name](raw, country) if raw else None
        except fields.Invalid as exc:
            problems[name] = exc.reason
            continue
        if (value or None) != current.get(name):
            changed[name] = value or None
    after = {**current, **changed}
    if not problems and not any(after.get(n) for n in fields.PERSONAL if n != "gender"):
        problems[""] = N_("the row has no contact data")
    return changed, problems


def address_taken(
    conn: sqlite3.Connection, hasher: KeyedHasher, contact_id: int, address: str
) -> bool:
    """Another row of the contact's list already has this address."""
    return subject_store.hash_taken_in_list(
        conn, suppression.address_hash(hasher, address), contact_id
    )


def rectify(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    contact_id: int,
    changed: Mapping[str, str | None],
) -> None:
    """Write the changed fields, each sealed again under its row's associated data (table,
    column, row id); a new address gets its keyed hash. Inside the caller's transaction."""
    values: dict[str, Any] = {}
    for name, value in changed.items():
        if name not in fields.FIELDS:
            raise ValueError(name)
        if name in fields.PLAIN:
            values[name] = value
        else:
            values[name] = seal_contact_field(cipher, name, value, contact_id) if value else None
        if name == "email":
            values["email_hash"] = suppression.address_hash(hasher, value) if value else None
    subject_store.update_contact(conn, contact_id, values)


# ---- erasure -----------------------------------------------------------------------------------

# What an erasure removes, per kind: the confirmation page and the result page show these counts.
ERASED = (*erasure.COUNTS, "rejected_rows", "mail_files")


def preview(
    conn: sqlite3.Connection, contact_ids: Sequence[int], dossier: Mapping[str, Any]
) -> dict[str, int]:
    """What :func:`erase` of these contact rows, with the dossier's rejected rows and mail files,
    would erase now: per kind of :data:`ERASED`, counted as the erasure counts. Changes
    nothing."""
    counts = erasure.person_counts(conn, contact_ids)
    counts["rejected_rows"] = len(dossier["rejected_rows"])
    counts["mail_files"] = dossier["mail_files"]
    return counts


def erase(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    query: Query,
    contact_ids: Sequence[int],
    *,
    suppress: bool,
    reject_ids: Sequence[int] = (),
) -> dict[str, int]:
    """Erase the person's contact rows with their invitations (and messages), contact requests
    and response links, and their own words (open answers, typed names) in the responses linked
    to them; note the keyed hashes of their addresses and phone numbers in the erasure ledger;
    optionally add the addresses to the unsubscribe list. Inside the caller's transaction; the
    caller compacts afterwards and removes the mail files. Returns the counts of
    :data:`ERASED` (the caller adds ``mail_files``), ``ledger`` and ``unsubscribed``. Closed
    answers stay, and so do responses not linked to the person."""
    rows = subject_store.hashes_and_phones(conn, contact_ids)
    emails = {bytes(r["email_hash"]) for r in rows if r["email_hash"]}
    if query.kind == "email":
        emails.add(digest(hasher, query))
    ledger = {("email", h) for h in emails}
    ledger |= {
        (
            "phone",
            hasher.digest(PHONE_DOMAIN, open_contact_field(cipher, "phone", r["phone"], r["id"])),
        )
        for r in rows
        if r["phone"] is not None
    }
    if query.kind == "phone":
        ledger.add(("phone", digest(hasher, query)))
    result = erasure.erase_contacts(conn, [r["id"] for r in rows], person=True, hasher=hasher)
    result["rejected_rows"] = erasure.erase_rejects(conn, reject_ids)
    subject_store.delete_bounce_marks(conn, sorted(emails))
    erasure.remember(conn, sorted(ledger))
    result["ledger"] = len(ledger)
    result["unsubscribed"] = suppression.add(conn, sorted(emails), "staff") if suppress else 0
    return result
