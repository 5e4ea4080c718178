"""The dry run shown before an import: sample rows as they would be stored, the counts, and the
segment columns the rows show to be identifier-like (the import checks the whole file again)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from appliance.contacts import fields, identifiers, store
from appliance.contacts.import_service import BATCH, Counts
from appliance.contacts.mapping import Mapping
from appliance.contacts.reader import Table
from appliance.contacts.rows import Prepared, RowPlan, prepare
from appliance.keys import Keys
from appliance.privacy import suppression


@dataclass
class Preview:
    """What an import would do, computed without writing anything."""

    samples: list[tuple[int, dict[str, str] | None, str]]  # (row, stored values or None, reason)
    counts: Counts
    complete: bool  # False when only the first PREVIEW_ROWS rows were examined
    refused: list[identifiers.Finding] = field(default_factory=list)  # segment columns


PREVIEW_ROWS = 20_000
PREVIEW_SAMPLES = 10


def preview(
    conn: sqlite3.Connection, keys: Keys, table: Table, mapping: Mapping, list_id: int | None
) -> Preview:
    """Dry run over the first rows: the first few as they would be stored, the counts
    (added, updated, duplicate, invalid, suppressed) the import would report for them, and the
    findings of the segment check over the same rows."""
    plan, hasher = RowPlan.of(mapping), keys.hasher()
    segments = identifiers.SegmentCheck(mapping)
    counts, samples, seen = Counts(), [], set()
    has_contacts = list_id is not None and store.list_has_contacts(conn, list_id)
    pending: list[Prepared] = []

    def settle() -> None:
        hashes = [r.email_hash for r in pending if r.email_hash]
        blocked = suppression.suppressed(conn, hashes)
        existing = store.existing_in_list(conn, list_id, hashes) if has_contacts else {}
        for row in pending:
            if row.email_hash in blocked:
                counts.suppressed += 1
            elif row.email_hash and row.email_hash in seen:
                counts.duplicate += 1
            elif row.email_hash and row.email_hash in existing:
                counts.updated += 1
            else:
                counts.added += 1
            if row.email_hash:
                seen.add(row.email_hash)
        pending.clear()

    complete = True
    for number, cells in table.rows():
        if counts.rows_seen >= PREVIEW_ROWS:
            complete = False
            break
        counts.rows_seen += 1
        if segments:
            segments.add(cells)
        try:
            row = prepare(number, cells, plan)
        except fields.Invalid as exc:
            counts.invalid += 1
            if len(samples) < PREVIEW_SAMPLES:
                samples.append((number, None, exc.reason))
            continue
        if "email" in row.values:
            row.email_hash = suppression.address_hash(hasher, row.values["email"])
        if len(samples) < PREVIEW_SAMPLES:
            shown = dict(row.values)
            shown.update(json.loads(row.segments))
            samples.append((number, shown, ""))
        pending.append(row)
        if len(pending) >= BATCH:
            settle()
    settle()
    return Preview(samples, counts, complete, segments.findings())
