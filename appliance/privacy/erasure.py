"""Physical erasure of identity-plane rows: the one place that deletes contacts, and that
blanks a person's own words (open answers, typed names) in the responses linked to them.

Used by the retention engine (contacts past their term), by data-subject requests (one person,
with everything that points at them) and after a restore (people erased since the backup was
taken). Every function joins the caller's transaction and returns counts per kind; none logs an
address or an answer. Deleted rows are overwritten in place because every connection runs with
``secure_delete`` on (``appliance.db``); :func:`compact` also clears the write-ahead log and
rebuilds the file so no freed page keeps old content.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.contacts import fields
from appliance.crypto import KeyedHasher
from appliance.db import iso, utcnow
from appliance.reports import store as counters
from appliance.responses.quality import open_text_digest
from appliance.surveys.definition import TEXT_TYPES, Definition
from appliance.surveys.store import parse_definition

# Phone numbers are hashed under this domain in the ledger (as the look-up does).
PHONE_DOMAIN = "phone"
# The parameter limit of SQLite is 32,766; stay well below it.
_CHUNK = 5_000
# Above this many erased rows in one run the database file is rebuilt (VACUUM).
LARGE_PURGE = 1_000


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _delete_in(conn: sqlite3.Connection, sql: str, ids: Sequence[int]) -> int:
    """Run ``sql`` (with one ``{marks}`` placeholder list) over ``ids`` in chunks."""
    total = 0
    for part in _chunks(list(ids)):
        marks = ",".join("?" * len(part))
        # Each ``{marks}`` in the statement takes the chunk once.
        params = tuple(part) * sql.count("{marks}")
        total += conn.execute(sql.format(marks=marks), params).rowcount
    return total


def _count_in(conn: sqlite3.Connection, table: str, where: str, ids: Sequence[Any]) -> int:
    """Rows of ``table`` matching ``where`` (one ``{marks}`` list) for ``ids``, in chunks; exact
    as long as a row matches through one id only (each row has one contact or response id)."""
    return sum(
        conn.execute(
            f"SELECT count(*) FROM {table} WHERE {where.format(marks=','.join('?' * len(part)))}",  # noqa: S608 - fixed names
            tuple(part),
        ).fetchone()[0]
        for part in _chunks(list(ids))
    )


# What an erasure on request removes beside the contact rows and the responses' own words:
# (count, table, rows of the person). The preview counts with the same conditions.
_PERSON_ROWS = (
    ("contact_requests", "contact_requests", "contact_id IN ({marks})"),
    ("response_links", "response_contacts", "contact_id IN ({marks})"),
    ("invitations", "invitations", "contact_id IN ({marks})"),
)
COUNTS = ("contacts", "invitations", "contact_requests", "response_links", "open_answers", "names")


def erase_contacts(
    conn: sqlite3.Connection,
    contact_ids: Sequence[int],
    *,
    person: bool = False,
    hasher: KeyedHasher | None = None,
) -> dict[str, int]:
    """Delete contact rows and return counts per kind (:data:`COUNTS`). Invitations keep their
    survey and token but lose the contact (``ON DELETE SET NULL``); delivery errors of their
    messages, which may quote the address, are blanked.

    ``person``: an erasure on request also removes the person's invitations (and so their
    outbox rows), their requests to be contacted and the links of non-anonymous responses to
    them, and blanks the person's own words in the responses linked to them (see
    :func:`linked_responses`): open answers and typed names go, closed answers stay, and the
    report counters follow. ``hasher`` (required with ``person``) finds the keyed hashes of the
    blanked open answers, which go too. :func:`person_counts` says beforehand exactly what this
    returns."""
    counts = dict.fromkeys(COUNTS, 0)
    if person and hasher is None:
        raise ValueError("an erasure on request needs the hasher")
    if not contact_ids:
        return counts
    _delete_in(
        conn,
        "UPDATE outbox SET error = '' WHERE error != '' AND invitation_id IN"
        " (SELECT id FROM invitations WHERE contact_id IN ({marks}))",
        contact_ids,
    )
    if person:
        # Before the links go: they are what says which responses are the person's.
        linked = linked_responses(conn, contact_ids)
        counts["open_answers"] = _blank(conn, own_words(conn, linked), hasher)
        counts["names"] = _delete_in(
            conn, "DELETE FROM name_answers WHERE response_id IN ({marks})", linked
        )
        for key, table, where in _PERSON_ROWS:
            counts[key] = _delete_in(conn, f"DELETE FROM {table} WHERE {where}", contact_ids)  # noqa: S608
    # Rows that replaced an erased contact keep their own data but not the pointer.
    _delete_in(
        conn, "UPDATE contacts SET replaces_id = NULL WHERE replaces_id IN ({marks})", contact_ids
    )
    counts["contacts"] = _delete_in(conn, "DELETE FROM contacts WHERE id IN ({marks})", contact_ids)
    return counts


def person_counts(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> dict[str, int]:
    """What ``erase_contacts(conn, contact_ids, person=True)`` would return, in the same state
    of the database: the same kinds, counted with the same conditions. Changes nothing."""
    linked = linked_responses(conn, contact_ids)
    counts = dict.fromkeys(COUNTS, 0)
    counts["contacts"] = _count_in(conn, "contacts", "id IN ({marks})", contact_ids)
    counts["open_answers"] = sum(len(found.removed) for found in own_words(conn, linked))
    counts["names"] = _count_in(conn, "name_answers", "response_id IN ({marks})", linked)
    for key, table, where in _PERSON_ROWS:
        counts[key] = _count_in(conn, table, where, contact_ids)
    return counts


def linked_responses(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[str]:
    """Ids of the responses linked to these contacts: through a request to be contacted (the
    respondent asked for it) or, in a survey announced as non-anonymous, as its invited
    contact. No other response can be tied to a person."""
    found: set[str] = set()
    for part in _chunks(list(contact_ids)):
        marks = ",".join("?" * len(part))
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT response_id FROM response_contacts WHERE contact_id IN ({marks})"  # noqa: S608
                f" UNION SELECT response_id FROM contact_requests WHERE contact_id IN ({marks})",
                (*part, *part),
            )
        )
    return sorted(found)


@dataclass(frozen=True)
class OwnWords:
    """A response holding words of its respondent: what its answers become without them
    (``kept``), and the (question id, value) pairs removed."""

    response: sqlite3.Row
    kept: dict[str, Any]
    removed: list[tuple[str, Any]]


def _is_own_words(definition: Definition, question_id: str) -> bool:
    """Open answers and names are the respondent's own words. An answer to a question the
    questionnaire no longer has cannot be told apart, so it counts as theirs: no report shows
    it anyway (a question with answers cannot be removed, so this is old data at most)."""
    question = definition.questions.get(question_id)
    return question is None or question.type in (*TEXT_TYPES, "name")


def own_words(conn: sqlite3.Connection, response_ids: Sequence[str]) -> list[OwnWords]:
    """The responses among ``response_ids`` that hold open answers (or names) of their
    respondent; closed answers (scores, choices) are not words and stay."""
    definitions: dict[int, Definition] = {}
    out = []
    for part in _chunks(list(response_ids)):
        rows = conn.execute(
            "SELECT r.id, r.survey_id, r.mode, r.submitted_on, r.segments, r.answers,"  # noqa: S608
            " r.excluded_on, s.definition FROM responses r JOIN surveys s ON s.id = r.survey_id"
            f" WHERE r.id IN ({','.join('?' * len(part))}) ORDER BY r.id",
            tuple(part),
        )
        for row in rows:
            if row["survey_id"] not in definitions:
                definitions[row["survey_id"]] = parse_definition(row["definition"])
            definition = definitions[row["survey_id"]]
            answers = json.loads(row["answers"])
            removed = [
                (qid, value)
                for qid, value in answers.items()
                if value not in (None, "", [], {}) and _is_own_words(definition, qid)
            ]
            if removed:
                gone = {qid for qid, _ in removed}
                kept = {k: v for k, v in answers.items() if k not in gone}
                out.append(OwnWords(row, kept, removed))
    return out


def _blank(conn: sqlite3.Connection, found: Sequence[OwnWords], hasher: KeyedHasher) -> int:
    """Write each response back without its respondent's words; returns how many answers went.
    A response still in the figures is counted out and in again, so the counters keep equal
    to a recount. The keyed hash of a removed open answer (kept to flag copied text) goes too:
    with the hash key it would confirm a guess of the text. A copy of the same text by someone
    else is then no longer flagged, once."""
    removed = 0
    for item in found:
        row = item.response
        if row["excluded_on"] is None:
            fixed = {
                "mode": row["mode"],
                "day": row["submitted_on"],
                "segments": json.loads(row["segments"]),
            }
            answers = json.loads(row["answers"])
            counters.count_response(conn, row["survey_id"], **fixed, answers=answers, sign=-1)
            counters.count_response(conn, row["survey_id"], **fixed, answers=item.kept)
        conn.execute(
            "UPDATE responses SET answers = ? WHERE id = ?",
            (json.dumps(item.kept, ensure_ascii=False, sort_keys=True), row["id"]),
        )
        conn.executemany(
            "DELETE FROM open_text_hashes WHERE survey_id = ? AND question_id = ? AND digest = ?",
            [
                (row["survey_id"], qid, open_text_digest(hasher, qid, value))
                for qid, value in item.removed
                if isinstance(value, str)
            ],
        )
        removed += len(item.removed)
    return removed


def remember(conn: sqlite3.Connection, entries: Iterable[tuple[str, bytes]]) -> None:
    """Note keyed hashes ('email' or 'phone', digest) of a person erased on request, so that a
    restore of an older backup erases them again."""
    now = iso(utcnow())
    conn.executemany(
        "INSERT OR REPLACE INTO privacy_erasures (kind, digest, erased_at) VALUES (?, ?, ?)",
        [(kind, digest, now) for kind, digest in entries],
    )


def erased_entries(conn: sqlite3.Connection) -> list[tuple[str, bytes, str]]:
    return [
        (r[0], bytes(r[1]), r[2])
        for r in conn.execute("SELECT kind, digest, erased_at FROM privacy_erasures")
    ]


def contacts_erased_since_import(conn: sqlite3.Connection) -> list[int]:
    """Contacts whose address is in the erasure ledger and who were imported before that
    erasure (someone imported again afterwards is a new, lawful contact)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT c.id FROM contacts c"
            " JOIN privacy_erasures e ON e.kind = 'email' AND e.digest = c.email_hash"
            " JOIN contact_imports i ON i.id = c.import_id"
            " WHERE i.created_at <= e.erased_at"
        )
    ]


def contacts_erased_by_phone(conn: sqlite3.Connection, cipher, hasher) -> list[int]:
    """Like :func:`contacts_erased_since_import`, for people erased by phone number: the phone
    column is sealed, so each one is decrypted and hashed (about 0.5 s per 100,000); only when
    the ledger holds phone numbers at all."""
    ledger = {
        bytes(r[0]): r[1]
        for r in conn.execute("SELECT digest, erased_at FROM privacy_erasures WHERE kind = 'phone'")
    }
    if not ledger:
        return []
    return [
        contact_id
        for contact_id, phone, imported_at in phones(conn, cipher)
        if ledger.get(hasher.digest(PHONE_DOMAIN, phone), "") >= imported_at
    ]


def phones(conn: sqlite3.Connection, cipher) -> Iterator[tuple[int, str, str]]:
    """(contact id, phone number, when its import was made) of every contact with a number,
    decrypted one by one: the column is sealed, so this is the only way to search it."""
    for row in conn.execute(
        "SELECT c.id, c.phone, i.created_at FROM contacts c"
        " JOIN contact_imports i ON i.id = c.import_id WHERE c.phone IS NOT NULL"
    ):
        yield row["id"], cipher.decrypt(row["phone"], "contacts", "phone", row["id"]), row[2]


def rejects_mentioning(conn: sqlite3.Connection, cipher, needles: set[str]) -> list[dict]:
    """Rows an import rejected (kept sealed, whole, until the import's term) with a cell equal
    to one of ``needles`` (lower-cased addresses, or phone numbers as the look-up normalised
    them). A row rejected for its postcode still holds the address."""
    if not needles:
        return []
    found = []
    for row in conn.execute(
        "SELECT r.id, r.import_id, r.row_number, r.reason, r.row_data, i.created_at"
        " FROM import_rejects r JOIN contact_imports i ON i.id = r.import_id"
    ):
        sealed = f"{row['import_id']}:{row['row_number']}"
        cells = json.loads(cipher.decrypt(row["row_data"], "import_rejects", "row_data", sealed))
        if any(_cell_matches(str(cell), needles) for cell in cells.values()):
            found.append({**{k: row[k] for k in ("id", "import_id", "reason")}, "row": cells})
    return found


def _cell_matches(cell: str, needles: set[str]) -> bool:
    """An address in any case, or a phone number in any notation (normalised as the importer
    and the look-up do)."""
    text = cell.strip().lower()
    if not text or text in needles:
        return bool(text)
    if "@" in text:
        return False
    try:
        return fields.phone(text, "NL") in needles
    except fields.Invalid:
        return False


def erase_rejects(conn: sqlite3.Connection, reject_ids: Sequence[int]) -> int:
    return _delete_in(conn, "DELETE FROM import_rejects WHERE id IN ({marks})", reject_ids)


def compact(conn: sqlite3.Connection, erased_rows: int) -> bool:
    """Flush the write-ahead log into the database and truncate it; after a large purge also
    rebuild the file, so no page of it, used or free, holds erased content. Returns whether the
    file was rebuilt. Must run outside a transaction."""
    rebuilt = False
    if erased_rows >= LARGE_PURGE or _free_share(conn) > 0.25:
        conn.execute("VACUUM")
        rebuilt = True
    checkpoint(conn)
    return rebuilt


def checkpoint(conn: sqlite3.Connection, attempts: int = 50) -> bool:
    """Copy the write-ahead log into the file and truncate it. A reader of the server in the
    middle of a request can hold old frames for a moment: try again for up to five seconds.
    Returns whether the log was emptied (if not, the next run's checkpoint does it)."""
    for _ in range(attempts):
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if not busy:
            return True
        time.sleep(0.1)
    return False


def _free_share(conn: sqlite3.Connection) -> float:
    pages = conn.execute("PRAGMA page_count").fetchone()[0] or 1
    return conn.execute("PRAGMA freelist_count").fetchone()[0] / pages
