"""Physical erasure of identity-plane rows: deleting contacts with what points at them, and
blanking a person's own words (open answers, typed names) in the responses linked to them. Its
SQL is in ``erasure_store``. (Contact rows also go elsewhere as part of the import workflow:
rows an import replaced, and the rows of an abandoned import, in ``contacts.store``.)

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
from appliance.db import iso, truncate_wal, utcnow
from appliance.planes import open_contact_field
from appliance.privacy import erasure_store
from appliance.publication import moderation_service
from appliance.reports import service as reports_service
from appliance.responses.quality import open_text_digest
from appliance.surveys.definition import TEXT_TYPES, Definition
from appliance.surveys.store import parse_definition

# Phone numbers are hashed under this domain in the ledger (as the look-up does).
PHONE_DOMAIN = "phone"
# Above this many erased rows in one run the database file is rebuilt (VACUUM).
LARGE_PURGE = 1_000
# How long one attempt of the checkpoint after an erasure waits for readers (milliseconds).
CHECKPOINT_WAIT_MS = 100

COUNTS = (
    "contacts",
    "invitations",
    "contact_requests",
    "response_links",
    "paper_forms",
    "open_answers",
    "names",
)


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
    erasure_store.blank_outbox_errors(conn, contact_ids)
    if person:
        # Before the links go: they are what says which responses are the person's.
        linked = linked_responses(conn, contact_ids)
        counts["open_answers"] = _blank(conn, own_words(conn, linked), hasher)
        counts["names"] = erasure_store.delete_name_answers(conn, linked)
        counts.update(erasure_store.delete_person_rows(conn, contact_ids))
    counts["contacts"] = erasure_store.delete_contacts(conn, contact_ids)
    return counts


def person_counts(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> dict[str, int]:
    """What ``erase_contacts(conn, contact_ids, person=True)`` would return, in the same state
    of the database: the same kinds, counted with the same conditions. Changes nothing."""
    linked = linked_responses(conn, contact_ids)
    counts = dict.fromkeys(COUNTS, 0)
    counts["contacts"] = erasure_store.count_contacts(conn, contact_ids)
    counts["open_answers"] = sum(len(found.removed) for found in own_words(conn, linked))
    counts["names"] = erasure_store.count_name_answers(conn, linked)
    counts.update(erasure_store.count_person_rows(conn, contact_ids))
    return counts


def linked_responses(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[str]:
    """Ids of the responses linked to these contacts: through a request to be contacted (the
    respondent asked for it) or, in a survey announced as non-anonymous, as its invited
    contact. No other response can be tied to a person."""
    return sorted(erasure_store.linked_response_ids(conn, contact_ids))


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
    for row in erasure_store.responses_with_definitions(conn, response_ids):
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
    The counters follow (``reports.service.rewrite_answers``). The keyed hash
    of a removed open answer (kept to flag copied text) goes too: with the hash key it would
    confirm a guess of the text. A copy of the same text by someone else is then no longer
    flagged, once."""
    removed = 0
    for item in found:
        row = item.response
        reports_service.rewrite_answers(conn, row, item.kept)
        # A person erased on request has no published review any more, not even a blank one.
        moderation_service.erased(conn, row["id"])
        erasure_store.set_answers(
            conn, row["id"], json.dumps(item.kept, ensure_ascii=False, sort_keys=True)
        )
        erasure_store.delete_open_text_hashes(
            conn,
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
    erasure_store.replace_erasures(conn, [(kind, digest, now) for kind, digest in entries])


def erased_entries(conn: sqlite3.Connection) -> list[tuple[str, bytes, str]]:
    return erasure_store.erased_entries(conn)


def contacts_erased_since_import(conn: sqlite3.Connection) -> list[int]:
    """Contacts whose address is in the erasure ledger and who were imported before that
    erasure (someone imported again afterwards is a new, lawful contact)."""
    return erasure_store.contacts_erased_since_import(conn)


def contacts_erased_by_phone(conn: sqlite3.Connection, cipher, hasher) -> list[int]:
    """Like :func:`contacts_erased_since_import`, for people erased by phone number: the phone
    column is sealed, so each one is decrypted and hashed (about 0.5 s per 100,000); only when
    the ledger holds phone numbers at all."""
    ledger = erasure_store.phone_ledger(conn)
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
    for row in erasure_store.contacts_with_phones(conn):
        yield row["id"], open_contact_field(cipher, "phone", row["phone"], row["id"]), row[2]


def rejects_mentioning(conn: sqlite3.Connection, cipher, needles: set[str]) -> list[dict]:
    """Rows an import rejected (kept sealed, whole, until the import's term) with a cell equal
    to one of ``needles`` (lower-cased addresses, or phone numbers as the look-up normalised
    them). A row rejected for its postcode still holds the address."""
    if not needles:
        return []
    found = []
    for row in erasure_store.import_rejects(conn):
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
    return erasure_store.delete_rejects(conn, reject_ids)


def compact(conn: sqlite3.Connection, erased_rows: int, *, rebuild: bool = True) -> bool:
    """Flush the write-ahead log into the database and truncate it; after a large purge also
    rebuild the file (unless ``rebuild`` is False), so no page of it, used or free, holds erased
    content. Returns whether the file was rebuilt. Must run outside a transaction."""
    rebuilt = False
    if rebuild and (erased_rows >= LARGE_PURGE or erasure_store.free_share(conn) > 0.25):
        erasure_store.vacuum(conn)
        rebuilt = True
    checkpoint(conn)
    return rebuilt


def checkpoint(conn: sqlite3.Connection, attempts: int = 25) -> bool:
    """Copy the write-ahead log into the file and truncate it. A reader of the server in the
    middle of a request can hold old frames for a moment: try again for up to five seconds.
    Returns whether the log was emptied (if not, the next run's checkpoint does it)."""
    for _ in range(attempts):
        # The checkpoint holds the write lock while it waits for readers: wait briefly, often.
        if truncate_wal(conn, wait_ms=CHECKPOINT_WAIT_MS):
            return True
        time.sleep(0.1)
    return False
