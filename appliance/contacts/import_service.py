"""The contact import workflow: start a batch, stream the file into it, finish or abandon it,
in transactions of its own, the outcome audited with the step that settles it (the SQL is in
:mod:`appliance.contacts.store`; cancel, undo and the rejected rows are in
:mod:`appliance.contacts.service`).

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

import itertools
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from appliance import planes
from appliance.auth.service import Actor
from appliance.contacts import fields, identifiers, store
from appliance.contacts.mapping import Mapping
from appliance.contacts.reader import FileError, Table
from appliance.contacts.rows import RowPlan, prepare
from appliance.db import transaction
from appliance.i18n import N_
from appliance.keys import Keys
from appliance.privacy import suppression

COMMIT_SECONDS = 2.0  # longest a write transaction of the importer holds the database
# The address indexes of a million contacts outgrow 64 MiB, and every page the cache drops is
# written to the log mid-chunk and read back for the next row that lands on it.
CACHE_KIB = 128 * 1024
STALE_SECONDS = 120  # a running batch that wrote nothing for this long was interrupted
BATCH = 10_000  # rows per write transaction: short enough for others, few commits
BASES = ("consent", "legitimate_interest")


class Refused(ValueError):
    """An import cannot start; ``reasons`` are msgids."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


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


def basis_problems(basis: str, purpose: str) -> list[str]:
    """Every import names its lawful basis; legitimate interest needs its purpose in words."""
    if basis not in BASES:
        return [N_("Choose the lawful basis: consent or legitimate interest.")]
    if basis == "legitimate_interest" and len(purpose.strip()) < 10:
        return [N_("Describe the legitimate interest (at least 10 characters).")]
    return []


def check_segments(
    table: Table,
    mapping: Mapping,
    limit: int | None = None,
    tick: Callable[[], None] | None = None,
) -> None:
    """Raise :class:`identifiers.NotACategory` when a segment column of the file is
    identifier-like, judged on its first ``limit`` data rows (every row when None). Reads the
    file afresh and leaves ``table`` unread; calls ``tick`` after every identifiers.FEED_ROWS
    rows. Raises FileError."""
    segments = identifiers.SegmentCheck(mapping)
    if not segments:
        return
    with table.reopen() as again:
        # Tuples, not the reader's lists: a chunk of untracked tuples costs the garbage
        # collector nothing while it is counted.
        rows = itertools.islice((tuple(cells) for _, cells in again.rows()), limit)
        while chunk := list(itertools.islice(rows, identifiers.FEED_ROWS)):
            segments.add_rows(chunk)
            if tick:
                tick()
    if found := segments.findings():
        raise identifiers.NotACategory(found)


def _still_wanted(conn: sqlite3.Connection, import_id: int) -> None:
    """During the whole-file check: honour a cancel, and show the batch is alive (it has
    written nothing yet, and a batch silent for STALE_SECONDS counts as crashed)."""
    with transaction(conn):
        if not store.may_continue(conn, import_id):
            raise Cancelled
        store.record_progress(conn, import_id, 0, Counts().as_dict())


def _batches(
    table: Table, plan: RowPlan, hasher, personal: tuple[str, ...]
) -> Iterator[tuple[list[tuple], list]]:
    """(valid rows, rejected rows) per batch of the file. A valid row is a tuple: the keyed
    hash of the address (or None), the segments JSON, the language (or None), then the values
    of the ``personal`` fields in that order (None where empty)."""
    valid: list[tuple] = []
    rejected: list[tuple[int, str, list[str]]] = []
    address_hash = suppression.address_hash
    for number, cells in table.rows():
        try:
            row = prepare(number, cells, plan)
        except fields.Invalid as exc:
            rejected.append((number, exc.reason, cells))
        else:
            values = row.values
            email = values.get("email")
            # A flat tuple of strings and bytes, not the Prepared object and its dict: the
            # garbage collector stops tracking such a tuple at its first pass, so the batch
            # held for the write is not walked again by every later collection.
            valid.append(
                (
                    address_hash(hasher, email) if email else None,
                    row.segments,
                    values.get("language"),
                    *map(values.get, personal),
                )
            )
        if len(valid) + len(rejected) >= BATCH:
            yield valid, rejected
            valid, rejected = [], []
    if valid or rejected:
        yield valid, rejected


@dataclass
class _Run:
    """One import in progress: where it writes, and what it has counted so far."""

    conn: sqlite3.Connection
    cipher: object
    import_id: int
    list_id: int
    mapping: Mapping
    plan: RowPlan
    counts: Counts
    # Only this import may write to the list while it runs, so a list that was empty at the
    # start has no older contact to replace: the per-batch look-up can be skipped.
    list_had_contacts: bool
    fraction: Callable[[], float] = lambda: 0.0

    def __post_init__(self) -> None:
        # Only the fields the file fills are sealed and bound: the others stay NULL.
        filled = self.plan.filled
        self.personal = tuple(name for name in filled if name in fields.PERSONAL)
        self.seal_fields = planes.contact_row_sealer(self.cipher, self.personal)
        self.language = "language" in filled
        self.columns = (
            ("id", "list_id", "import_id", "email_hash", "segments")
            + (("language",) if self.language else ())
            + self.personal
        )

    def seal(self, contact_id: int, row: tuple, replaces: int | None) -> tuple:
        """A row of :func:`_batches` in the order of :attr:`columns`, followed by ``replaces``
        when given."""
        head = (contact_id, self.list_id, self.import_id, *row[: 3 if self.language else 2])
        sealed = self.seal_fields(contact_id, row[3:])
        return (*head, *sealed, replaces) if replaces else (*head, *sealed)

    def seal_reject(self, number: int, reason: str, cells: list[str]) -> tuple:
        # Only the mapped columns: a dropped column (special categories above all) is not
        # stored anywhere, not even with a rejected row.
        kept = {
            h: c
            for h, c, t in zip(self.mapping.headers, cells, self.mapping.targets, strict=False)
            if t != "drop"
        }
        data = json.dumps(kept, ensure_ascii=False)
        sealed = self.cipher.encrypt(
            data, "import_rejects", "row_data", f"{self.import_id}:{number}"
        )
        return (self.import_id, number, reason, sealed)

    def write(self, valid: list[tuple], rejected: list) -> None:
        """One batch, inside the write transaction the caller holds."""
        conn, counts = self.conn, self.counts
        hashes = [row[0] for row in valid if row[0]]
        if not store.may_continue(conn, self.import_id):
            raise Cancelled
        blocked = suppression.suppressed(conn, hashes)
        existing = (
            store.existing_in_list(conn, self.list_id, hashes) if self.list_had_contacts else {}
        )
        next_id = store.next_contact_id(conn)
        new_rows, replacing = [], []
        for row in valid:
            email_hash = row[0]
            if email_hash in blocked:
                counts.suppressed += 1
                continue
            replaces = existing.get(email_hash) if email_hash else None
            (replacing if replaces else new_rows).append(self.seal(next_id, row, replaces))
            next_id += 1
        added = store.insert_contacts(conn, self.columns, new_rows)
        updated = store.insert_contacts(conn, (*self.columns, "replaces_id"), replacing)
        counts.added += added
        counts.updated += updated
        counts.duplicate += len(new_rows) + len(replacing) - added - updated
        counts.invalid += len(rejected)
        store.insert_rejects(conn, [self.seal_reject(*r) for r in rejected])
        counts.rows_seen += len(valid) + len(rejected)
        store.record_progress(
            conn, self.import_id, counts.rows_seen, counts.as_dict(), self.fraction()
        )


def _write_chunk(run: _Run, batches: Iterator[tuple[list, list]]) -> bool:
    """Write the next batches from ``batches`` in one transaction, until COMMIT_SECONDS have
    passed or the file is read; True when it stopped on time (more may follow), False when the
    file is read (perhaps with nothing left to write). The first batch of a chunk is read before
    the transaction starts, the following ones inside it.

    The transaction is :func:`appliance.db.transaction`, so each chunk takes this process's write
    lock and gives it back at its commit: a respondent's submission or a sign-in waits for one
    chunk at most, never for the whole file. Committed chunks stay invisible until
    :func:`store.finish_import`; a failure rolls back the open chunk and :func:`run_import` then
    removes the committed ones, so the import stays all-or-nothing.

    The rows go in through ``executemany`` on the raw sqlite3 connection
    (:func:`store.insert_contacts`): one call per batch runs the whole insert loop in C, the
    cheapest way to write tens of thousands of sealed rows."""
    first = next(batches, None)
    if first is None:
        return False
    with transaction(run.conn):
        started = time.monotonic()
        run.write(*first)
        del first  # one batch in memory at a time, as the rows stream through
        while time.monotonic() - started < COMMIT_SECONDS:
            following = next(batches, None)
            if following is None:
                return False
            run.write(*following)
    return True


def begin(
    conn: sqlite3.Connection,
    actor: Actor,
    list_name: str,
    basis: str,
    purpose: str,
    mapping: Mapping,
) -> int:
    """Register a running batch for the named list, creating the list in the same transaction
    (a failed start leaves no empty list behind). Raises ValueError with the reason when the
    name or basis is unusable or the list is busy."""
    problems = basis_problems(basis, purpose)
    list_name = list_name.strip()
    if not list_name or len(list_name) > 100:
        problems.append(N_("Name the contact list (at most 100 characters)."))
    if len(purpose) > 500:
        problems.append(N_("Keep the purpose under 500 characters."))
    if problems:
        raise Refused(problems)
    with transaction(conn):
        store.discard_stale(conn, time.time() - STALE_SECONDS)
        found = store.list_by_name(conn, list_name)
        list_id = found["id"] if found else store.create_list(conn, list_name, actor.id)
        if store.running_import(conn, list_id):
            raise Refused([N_("another import into this list is still running")])
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

    The segment columns are checked over the whole file first (:func:`check_segments`): an
    identifier-like one stops the import before it writes a row. Returns the counts when the
    batch is visible. Raises NotACategory, FileError (unreadable file), Cancelled, or whatever
    else went wrong, always after removing the batch's rows and recording the outcome on the
    batch (a NotACategory as :meth:`~identifiers.NotACategory.stored`) and in the audit log.
    """
    batch = store.get_import(conn, import_id)
    list_id = batch["list_id"]
    plan = RowPlan.of(mapping)
    run = _Run(
        conn,
        keys.cipher(),
        import_id,
        list_id,
        mapping,
        plan,
        Counts(),
        store.list_has_contacts(conn, list_id),
        table.fraction,
    )
    counts = run.counts
    # Dirty index pages stay in memory for the length of a write transaction; committing every
    # couple of seconds keeps others' waits short without rewriting the index on every batch.
    store.set_cache_kib(conn, CACHE_KIB)
    try:
        check_segments(table, mapping, tick=lambda: _still_wanted(conn, import_id))
        batches = _batches(table, plan, keys.hasher(), run.personal)
        while _write_chunk(run, batches):
            if progress:
                progress(counts)
        with transaction(conn):
            if not store.may_continue(conn, import_id):
                raise Cancelled
            store.record_progress(conn, import_id, counts.rows_seen, counts.as_dict(), 1.0)
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
        elif isinstance(exc, identifiers.NotACategory):
            message = exc.stored()
        with transaction(conn):
            store.abandon_import(conn, import_id, outcome, message)
            actor.log(
                conn,
                f"contacts.import_{outcome}",
                f"import:{import_id}",
                list=list_id,
                reason=identifiers.stored_text(message),
                rows_seen=counts.rows_seen,
            )
        raise
    return counts


def discard_interrupted(conn: sqlite3.Connection) -> int:
    """At start-up: batches a crash interrupted (silent for ``STALE_SECONDS``) fail and lose
    their rows, in one transaction with ``contacts.imports_discarded`` (actor 'system') when
    there were any. Returns how many."""
    with transaction(conn):
        discarded = store.discard_stale(conn, time.time() - STALE_SECONDS)
        if discarded:
            Actor(None, "system").log(conn, "contacts.imports_discarded", batches=discarded)
    return discarded
