"""The three planes of data, named in one place.

- Identity plane: who the contacts are (contacts, lists, invitations, suppression list). Encrypted
  at rest, staff and admin only, purged on schedule. Code: ``appliance.contacts``. A contact's
  personal fields are sealed and opened only through :func:`seal_contact_field` and
  :func:`open_contact_field` (:func:`contact_row_sealer` for a bulk write), which build the
  associated data in one place. Whether an address may be contacted, and putting one on the
  unsubscribe list, is decided in one module, ``appliance.privacy.suppression``
  (``suppressed`` and ``add``): the importer, the preview, the campaign build and the sender all
  ask it.
- Response plane: what respondents answered, without any contact id. Staff read it; the researcher
  never does. Code: ``appliance.responses``.
- Aggregate plane: the one gate through which the researcher sees anything, enforcing the minimum
  group size. Code: ``appliance.reports.gate``.
- Publication: what the organisation chose to publish, cut with the researcher's release, read by
  the public through the public gate alone (``appliance.publication.gate``), which may read
  :data:`PUBLIC_READABLE` only, narrowed by :data:`PUBLIC_COLUMNS`, and applies the minimum group
  size to every figure.

The system tables (accounts, sessions, audit log) belong to none of them. ``GATE_DENIED`` lists what
the gate's read-only connection may never read: the SQLite authorizer in ``reports.gate`` refuses
any statement touching these tables, so even a mistaken query in a report cannot leak rows of them;
``GATE_COLUMNS`` narrows the readable tables to the columns the gate needs.

Which columns depend on the keys is listed here too (:data:`SEALED`, :data:`HASHED`,
:data:`SEEDS`, :data:`NOT_KEYED`): key rotation and restore (``appliance.backup.sealed``) rewrite
exactly these, and a test walks the schema so that no BLOB column is left out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appliance.contacts.fields import PERSONAL

if TYPE_CHECKING:
    from appliance.crypto import FieldCipher

IDENTITY_TABLES = frozenset(
    {
        "contacts",
        "contact_lists",
        "contact_imports",
        "import_rejects",
        "mapping_presets",
        "invitations",
        "submissions",
        "suppressions",
        "privacy_erasures",
        "contact_requests",
        "response_contacts",
        "outbox",
        # Letters produced per campaign wave: counts, when, by whom (no addresses).
        "letter_runs",
        # A first paper entry waiting for its second: answers beside their invitation.
        "paper_pending",
        # Scanned forms waiting for verification: answers beside their code's hash, and the
        # sealed page images (handwriting).
        "paper_scan_forms",
        "paper_scan_pages",
        # The call list of telephone campaigns: who is to be called, each attempt's time and
        # outcome, appointments (the number and name stay sealed in ``contacts``).
        "calls",
        "call_attempts",
        # Hard bounces per keyed address hash and campaign (two campaigns: undeliverable), and
        # the automatic replies counted per campaign (no message, no address is kept).
        "bounce_marks",
        "bounce_counts",
    }
)
SYSTEM_TABLES = frozenset(
    {
        "users",
        "paper_entry_settings",
        "recovery_codes",
        "privacy_requests",
        "audit_summaries",
        "sessions",
        "login_failures",
        "setup_codes",
        "setting_overrides",
        "audit_log",
        "api_tokens",
        "kiosks",
        "mail_templates",
        "wal_pad",
        "publication_moderation",
        "publication_exports",
        # Where the boxes of each printed paper form are: no personal data.
        "paper_layouts",
        # What interviewers read out beside the questions, and the partial-interview rule.
        "interview_scripts",
        "interview_settings",
        # A telephone campaign's calling rules: attempts, parts of the day, intervals.
        "phone_settings",
        # Counters per interviewer, survey and day (working time, interviews, score sums):
        # staff's figures about their interviewers, out of the researcher's reach.
        "interviewer_days",
        "interviewer_scores",
        # The licence file as installed and the trial's start: no personal data.
        "licence_state",
        # When the return mailbox was last read and what it found (counts), or why it failed.
        "bounce_checks",
    }
)
# Names typed into a name field live beside the responses but are personal data.
PERSONAL_RESPONSE_TABLES = frozenset({"name_answers"})
# Single responses (open texts included) are for staff only: the gate reads the counters kept in
# ``report_counts`` instead, so no report can show a single answer, whatever its code does.
RESPONSE_TABLES = frozenset(
    {
        "responses",
        "open_text_hashes",
        # The places of face-to-face interviews: their names are on-site responses' segment
        # values, offered to reports through report_segment_values.
        "survey_locations",
    }
)
# What is published: staff's choices, the snapshot the public sees, and withheld reviews. The
# researcher's gate reads none of it (published reviews are single responses).
PUBLICATION_TABLES = frozenset(
    {
        "publications",
        "publication_counts",
        "publication_months",
        "published_reviews",
        "published_review_counts",
        "withheld_reviews",
    }
)
GATE_DENIED = (
    IDENTITY_TABLES
    | SYSTEM_TABLES
    | PERSONAL_RESPONSE_TABLES
    | RESPONSE_TABLES
    | PUBLICATION_TABLES
)
# What the gate may read: survey definitions, grants, the counters of the aggregate plane, the
# segment values offered to reports (taken from the invited, never from who answered),
# benchmarks and the campaign counts behind response rates (not their names:
# ``GATE_COLUMNS``). A new table must be named in one of these sets (a test walks
# the schema).
GATE_READABLE = frozenset(
    {
        "surveys",
        "researcher_grants",
        "campaigns",
        "report_counts",
        "report_benchmarks",
        "report_segment_values",
        "report_release_counts",
        "report_release_waves",
        "report_releases",
        "report_folds",
        # Disposition counts per mode copied at a release, and the e staff chose for the
        # response rates: counts of contacts by outcome, never who.
        "report_dispositions",
        "survey_rate_settings",
        "_sqlite_migrations",
    }
)
GATE_COLUMNS = {
    # Not the open link's token: it would let its holder answer the survey.
    "surveys": frozenset({"id", "title", "status", "definition", "report_segments"}),
    "campaigns": frozenset(
        {"id", "survey_id", "recipients", "responses", "started_at", "waves_built", "channel"}
    ),
    # Not the count of changes since the release: it would count responses not yet released.
    "report_releases": frozenset({"survey_id", "released_at"}),
    # Up to when the live counters are complete; not how often they were changed directly.
    "report_folds": frozenset({"survey_id", "folded_until", "recounting"}),
    # The estimate, not who chose it when.
    "survey_rate_settings": frozenset({"survey_id", "e"}),
}
"""Columns the gate may read where a readable table holds more than it needs (table -> columns);
a table of :data:`GATE_READABLE` not named here is readable whole. The authorizer of
``reports.gate`` refuses any other column of these tables."""


# What the public gate may read: the survey's title, and the publication's snapshot. Nothing of
# the response plane, the counters or the releases: the snapshot is cut from them by staff's
# side (``appliance.publication.service``).
PUBLIC_READABLE = frozenset(
    {
        "surveys",
        "publications",
        "publication_counts",
        "publication_months",
        "published_reviews",
        "published_review_counts",
        "withheld_reviews",
    }
)
PUBLIC_COLUMNS = {
    "surveys": frozenset({"id", "title", "definition"}),
    # Not the response a review was taken from.
    "published_reviews": frozenset(
        {
            "id",
            "survey_id",
            "day",
            "month",
            "score",
            "title",
            "body",
            "name",
            "verified",
            "redactions",
            "reply",
            "replied_on",
        }
    ),
    # How many were withheld and why; never what they said.
    "withheld_reviews": frozenset({"survey_id", "reason"}),
}
"""Columns the public gate may read where a table holds more (table -> columns)."""


def read_authorizer(
    readable: frozenset[str], columns: dict[str, frozenset[str]], pragmas: bool = False
) -> Callable[..., int]:
    """A SQLite authorizer for a gate's read-only connection: reads of ``readable`` tables
    only, narrowed to ``columns`` where a table is named there; no temporary tables, no write,
    no ATTACH, no schema change; PRAGMAs only with ``pragmas``."""
    allowed_actions = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_FUNCTION}
    if pragmas:
        allowed_actions.add(sqlite3.SQLITE_PRAGMA)

    def authorize(action: int, arg1, arg2, dbname, source) -> int:
        if action == sqlite3.SQLITE_READ:
            if dbname == "temp" or arg1 not in readable:
                return sqlite3.SQLITE_DENY
            allowed = columns.get(arg1)
            if allowed is not None and arg2 and arg2 not in allowed:
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_OK if action in allowed_actions else sqlite3.SQLITE_DENY

    return authorize


@dataclass(frozen=True)
class Sealed:
    """Columns sealed with the field key; ``row_id`` is the SQL for the AAD's row id."""

    table: str
    columns: tuple[str, ...]
    row_id: str


SEALED = (
    Sealed("contacts", PERSONAL, "id"),
    Sealed("import_rejects", ("row_data",), "import_id || ':' || row_number"),
    Sealed("name_answers", ("value",), "response_id"),
    Sealed("published_reviews", ("name",), "id"),
    Sealed("withheld_reviews", ("name",), "id"),
    Sealed("users", ("totp_secret",), "id"),
    Sealed("setting_overrides", ("sealed",), "name"),
    Sealed("paper_scan_pages", ("image",), "form_id || ':' || page"),
)
"""Every column sealed with ``FieldCipher``, bound to (table, column, row id). A new sealed column
must be listed here: key rotation and restore re-seal exactly these, under the same associated
data."""

HASHED = (
    ("contacts", "email_hash"),
    ("suppressions", "email_hash"),
    ("bounce_marks", "email_hash"),
    ("privacy_erasures", "digest"),
    ("invitations", "token_hash"),
    ("invitations", "code_hash"),
    ("paper_scan_forms", "code_hash"),
    ("open_text_hashes", "digest"),
    ("submissions", "key_hash"),
    ("kiosks", "key_hash"),
    ("recovery_codes", "code_hash"),
    ("login_failures", "key"),
)
"""(table, column) holding a ``KeyedHasher`` digest: a key rotation wraps each once more."""

SEEDS = (("invitations", "link_seed", 16),)
"""(table, column, size) of seeds from which a keyed hash is derived again later (invitation
links): tagged with the generation they were made under, so the same link comes out after a
rotation."""

NOT_KEYED = (
    ("sessions", "id_hash"),
    ("setup_codes", "code_hash"),
    ("api_tokens", "token_hash"),
    ("licence_state", "body"),
    # A random token naming an outbox message in its return path (checked by a tag under the
    # session key, which no rotation replaces).
    ("outbox", "return_token"),
)
"""BLOB columns that do not depend on the keys: unkeyed SHA-256 of high-entropy secrets, and the
licence file as the vendor signed it."""


def seal_contact_field(cipher: FieldCipher, field: str, value: str, contact_id: int) -> bytes:
    """``value`` of the personal ``field`` of contact ``contact_id``, sealed under the
    associated data ("contacts", field, contact id) that :data:`SEALED` names for key rotation.
    Raises ValueError when ``field`` is not a sealed contact field (it would be stored in a
    column key rotation does not reach)."""
    _check_sealed(field)
    return cipher.encrypt(value, "contacts", field, contact_id)


def open_contact_field(cipher: FieldCipher, field: str, blob: bytes, contact_id: int) -> str:
    """The plaintext of ``blob`` as sealed by :func:`seal_contact_field` for this field and
    contact. Raises ``crypto.DecryptionError`` when it was sealed for another contact or
    field, or has been altered; ValueError when ``field`` is not a sealed contact field."""
    _check_sealed(field)
    return cipher.decrypt(blob, "contacts", field, contact_id)


def contact_row_sealer(
    cipher: FieldCipher, columns: tuple[str, ...] = PERSONAL
) -> Callable[[int, Sequence[str | None]], list[bytes | None]]:
    """For a bulk write: a function that seals one contact's values of the personal fields
    ``columns`` (all of ``PERSONAL`` by default), given in that order, into that order, None
    where a value is None or empty. Bytes and associated data are those of
    :func:`seal_contact_field`; only the per-call work is saved. Raises ValueError when a
    column is not a sealed contact field."""
    for column in columns:
        _check_sealed(column)
    layout = cipher.row_layout("contacts", columns)
    return lambda contact_id, values: cipher.encrypt_values(layout, contact_id, values)


_CONTACT_SEALED = frozenset(PERSONAL)


def _check_sealed(field: str) -> None:
    if field not in _CONTACT_SEALED:
        raise ValueError(f"{field!r} is not a sealed contact field")
