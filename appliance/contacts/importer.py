"""The streaming contact importer.

Contract: :func:`run_import` reads a :class:`~appliance.contacts.reader.Table` batch by batch and
either makes the whole batch of contacts visible at once or leaves nothing behind. Rows are written
in short transactions (other users keep working) under a batch that stays invisible until
:func:`appliance.contacts.store.finish_import` flips it in one transaction; a failure, a cancel or
a crash leaves only invisible rows, which are removed at once or at the next start.

Per row: validation and normalisation (``fields``), a keyed hash of the address, AES-GCM of every
personal field bound to the row id. Per batch, never per row: one query for suppressed addresses,
one for addresses already in the list (the newer row wins and replaces the older contact), and
duplicates inside the file fall to the unique index (first row wins).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from appliance.auth.accounts import Actor
from appliance.contacts import fields, store
from appliance.contacts.mapping import Mapping, split_full_name
from appliance.contacts.reader import FileError, Table
from appliance.db import iso, transaction, utcnow
from appliance.i18n import N_
from appliance.keys import Keys
from appliance.privacy import suppression

BATCH = 2000
BASES = ("consent", "legitimate_interest")


class Cancelled(Exception):
    """Staff cancelled the import while it ran."""


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    duplicate: int = 0
    invalid: int = 0
    suppressed: int = 0
    rows_seen: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Prepared:
    """One valid row, normalised, ready to be sealed."""

    number: int
    values: dict[str, str]
    segments: dict[str, str] = field(default_factory=dict)
    email_hash: bytes | None = None


def basis_problems(basis: str, purpose: str) -> list[str]:
    """Every import names its lawful basis; legitimate interest needs its purpose in words."""
    if basis not in BASES:
        return [N_("Choose the lawful basis: consent or legitimate interest.")]
    if basis == "legitimate_interest" and len(purpose.strip()) < 10:
        return [N_("Describe the legitimate interest (at least 10 characters).")]
    return []


def prepare(number: int, cells: list[str], mapping: Mapping) -> Prepared:
    """Validate and normalise one row; raises fields.Invalid with the first reason."""
    raw: dict[str, str] = {}
    segments: dict[str, str] = {}
    for target, cell in zip(mapping.targets, cells, strict=True):
        if target == "drop" or not cell.strip():
            continue
        kind, _, name = target.partition(":")
        if kind == "segment":
            segments[name] = fields.segment(cell)
        elif name == "full_name":
            first, infix, last = split_full_name(fields.name(cell))
            raw.update(
                {
                    k: v
                    for k, v in (("first_name", first), ("infix", infix), ("last_name", last))
                    if v
                }
            )
        else:
            raw[name] = cell
    country = fields.text(raw.get("country", ""))
    values: dict[str, str] = {}
    for name, value in raw.items():
        if name == "email":
            values[name] = fields.email(value)
        elif name in fields.NAME_FIELDS:
            values[name] = fields.name(value)
        elif name == "gender":
            values[name] = fields.gender(value)
        elif name == "postcode":
            values[name] = fields.postcode(value, country)
        elif name == "phone":
            values[name] = fields.phone(value, country)
        elif name == "language":
            values[name] = fields.language(value)
        else:
            values[name] = fields.text(value)
    if not any(values.get(name) for name in fields.PERSONAL if name != "gender"):
        raise fields.Invalid(N_("the row has no contact data"))
    return Prepared(number, values, segments)


def _batches(table: Table, mapping: Mapping, hasher) -> Iterator[tuple[list, list]]:
    """(valid rows, rejected rows) per batch of the file."""
    valid: list[Prepared] = []
    rejected: list[tuple[int, str, list[str]]] = []
    for number, cells in table.rows():
        try:
            row = prepare(number, cells, mapping)
        except fields.Invalid as exc:
            rejected.append((number, exc.reason, cells))
        else:
            if "email" in row.values:
                row.email_hash = suppression.address_hash(hasher, row.values["email"])
            valid.append(row)
        if len(valid) + len(rejected) >= BATCH:
            yield valid, rejected
            valid, rejected = [], []
    if valid or rejected:
        yield valid, rejected


def _seal(
    keys_cipher,
    contact_id: int,
    row: Prepared,
    list_id: int,
    import_id: int,
    replaces: int | None,
    now: str,
) -> tuple:
    sealed = [
        keys_cipher.encrypt(row.values[name], "contacts", name, contact_id)
        if row.values.get(name)
        else None
        for name in fields.PERSONAL
    ]
    return (
        contact_id,
        list_id,
        import_id,
        replaces,
        row.email_hash,
        *sealed,
        row.values.get("language"),
        json.dumps(row.segments, ensure_ascii=False),
        now,
    )


def _write_batch(
    conn,
    keys: Keys,
    cipher,
    import_id: int,
    list_id: int,
    mapping: Mapping,
    valid: list[Prepared],
    rejected: list,
    counts: Counts,
) -> None:
    hashes = [r.email_hash for r in valid if r.email_hash]
    with transaction(conn):
        if store.cancel_requested(conn, import_id):
            raise Cancelled
        blocked = suppression.suppressed(conn, hashes)
        existing = store.existing_in_list(conn, list_id, hashes)
        next_id, now = store.next_contact_id(conn), iso(utcnow())
        new_rows, replacing = [], []
        for row in valid:
            if row.email_hash in blocked:
                counts.suppressed += 1
                continue
            replaces = existing.get(row.email_hash) if row.email_hash else None
            target = replacing if replaces else new_rows
            target.append(_seal(cipher, next_id, row, list_id, import_id, replaces, now))
            next_id += 1
        added = store.insert_contacts(conn, new_rows)
        updated = store.insert_contacts(conn, replacing)
        counts.added += added
        counts.updated += updated
        counts.duplicate += len(new_rows) + len(replacing) - added - updated
        counts.invalid += len(rejected)
        store.insert_rejects(
            conn,
            [
                (
                    import_id,
                    number,
                    reason,
                    cipher.encrypt(
                        json.dumps(
                            dict(zip(mapping.headers, cells, strict=False)), ensure_ascii=False
                        ),
                        "import_rejects",
                        "row_data",
                        f"{import_id}:{number}",
                    ),
                )
                for number, reason, cells in rejected
            ],
        )
        counts.rows_seen += len(valid) + len(rejected)
        store.record_progress(conn, import_id, counts.rows_seen, counts.as_dict())


def begin(
    conn: sqlite3.Connection, actor: Actor, list_id: int, basis: str, purpose: str, mapping: Mapping
) -> int:
    """Register a running batch for the list; raises ValueError when the list is busy."""
    with transaction(conn):
        if store.running_import(conn, list_id):
            raise ValueError(N_("another import into this list is still running"))
        return store.start_import(conn, list_id, basis, purpose.strip(), actor.id, mapping.dropped)


def run_import(
    conn: sqlite3.Connection,
    keys: Keys,
    actor: Actor,
    import_id: int,
    table: Table,
    mapping: Mapping,
    progress: Callable[[Counts], None] | None = None,
) -> Counts:
    """Import every row of ``table`` into the batch ``import_id`` (see module docstring).

    Returns the counts when the batch is visible. Raises FileError (unreadable file), Cancelled,
    or whatever else went wrong, always after removing the batch's rows and recording the
    outcome on the batch and in the audit log.
    """
    batch = store.get_import(conn, import_id)
    list_id = batch["list_id"]
    cipher, hasher = keys.cipher(), keys.hasher()
    counts = Counts()
    try:
        for valid, rejected in _batches(table, mapping, hasher):
            _write_batch(conn, keys, cipher, import_id, list_id, mapping, valid, rejected, counts)
            if progress:
                progress(counts)
        with transaction(conn):
            store.record_progress(conn, import_id, counts.rows_seen, counts.as_dict())
            store.finish_import(conn, import_id)
            actor.log(
                conn,
                "contacts.imported",
                f"import:{import_id}",
                list=list_id,
                basis=batch["basis"],
                dropped_columns=len(mapping.dropped),
                **counts.as_dict(),
            )
    except BaseException as exc:
        outcome, message = "failed", "unexpected error"
        if isinstance(exc, Cancelled):
            outcome, message = "cancelled", "cancelled"
        elif isinstance(exc, FileError):
            message = str(exc)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        with transaction(conn):
            store.abandon_import(conn, import_id, outcome, message)
            actor.log(
                conn,
                f"contacts.import_{outcome}",
                f"import:{import_id}",
                list=list_id,
                reason=message,
                rows_seen=counts.rows_seen,
            )
        raise
    return counts


def undo(conn: sqlite3.Connection, actor: Actor, import_id: int) -> int:
    """Remove the contacts a finished batch added or updated; refused once the batch was used
    for a mailing. Returns how many contacts were removed."""
    with transaction(conn):
        batch = store.get_import(conn, import_id)
        if batch is None or batch["status"] != "done":
            raise ValueError(N_("only a finished import can be undone"))
        if batch["used_in_mailing"]:
            raise ValueError(N_("this import was used for a mailing and cannot be undone"))
        removed = store.undo_import(conn, import_id)
        actor.log(
            conn,
            "contacts.import_undone",
            f"import:{import_id}",
            list=batch["list_id"],
            removed=removed,
        )
    return removed


def rejects_csv(conn: sqlite3.Connection, keys: Keys, import_id: int) -> Iterator[list[str]]:
    """The invalid rows of a batch, for staff to fix: row number, reason, then the row's cells
    under the file's headers. Cells are made formula-safe by the caller's CSV writer."""
    cipher = keys.cipher()
    rows = store.rejects(conn, import_id)
    decoded = [
        (
            r["row_number"],
            r["reason"],
            json.loads(
                cipher.decrypt(
                    r["row_data"], "import_rejects", "row_data", f"{import_id}:{r['row_number']}"
                )
            ),
        )
        for r in rows
    ]
    headers = list(decoded[0][2]) if decoded else []
    yield ["row", "reason", *headers]
    for number, reason, cells in decoded:
        yield [str(number), reason, *(cells.get(h, "") for h in headers)]
