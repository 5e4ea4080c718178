"""The retention workflows: the purge, and what a restore re-applies to the database it brings
back. :mod:`appliance.privacy.retention` holds the rules and says what falls due when;
:mod:`appliance.privacy.reapply` reads what a restore must carry over.

Contract of :func:`apply`: everything due erased in one transaction, with the deletion receipt
(counts per kind, never a value of a person) written to the audit log in that same transaction;
mail files removed only after the commit; then the file compacted when asked. Contract of
:func:`after_restore`: the carried suppression list and erasure ledger merged and the people in
the ledger erased again in one transaction, then :func:`apply` as of ``now``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from appliance import audit, keys
from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.privacy import erasure, erasure_store, retention_store, suppression_store
from appliance.privacy.reapply import Carried
from appliance.privacy.retention import (
    RECEIPT,
    SYSTEM,
    Receipt,
    Rules,
    due_mail_files,
    local_today,
)

RESTORE = Actor(None, "restore")


def apply(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    *,
    now: datetime | None = None,
    actor: Actor = SYSTEM,
    compact: bool = True,
    signer=None,
) -> Receipt:
    """Erase everything due as of ``now`` and log the receipt. ``signer`` signs the audit
    summary (default: the data directory's audit key). ``compact`` rebuilds the file after a
    large purge and truncates the write-ahead log (a restore compacts once at its end)."""
    rules, today = Rules.of(settings), local_today(settings, now)
    if signer is None:
        signer = keys.load(settings["data_dir"]).signer()
    counts: dict[str, int] = {}
    files = due_mail_files(settings, rules, today)
    with transaction(conn):
        erased = erasure.erase_contacts(
            conn, retention_store.due_contacts(conn, rules.contact_months, today)
        )
        counts["contacts"] = erased["contacts"]
        counts["import_rejects"] = retention_store.erase_rejects(conn, rules.contact_months, today)
        counts["names"] = retention_store.erase_names(conn, rules.name_months, today)
        counts["contact_requests"] = retention_store.erase_contact_requests(
            conn, rules.request_days, today
        )
        counts["mail_files"] = len(files)
        last_id = retention_store.last_audit_id_due(conn, rules.audit_months, today)
        counts["audit_entries"] = audit.summarise(conn, signer, last_id) if last_id else 0
        receipt_id = audit.record(
            conn,
            RECEIPT,
            actor_id=actor.id,
            actor=actor.name,
            address=actor.address,
            details={"counts": counts, "as_of": today, "rules": rules.__dict__},
        )
    # Files go after the commit: a failed transaction leaves them, and the next run tries again.
    for path in files:
        path.unlink(missing_ok=True)
    compacted = erasure.compact(conn, sum(counts.values())) if compact else False
    return Receipt(counts, compacted, receipt_id)


def after_restore(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    carried: Carried,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Merge the carried suppression list and erasure ledger, erase the people in the ledger
    again, then run retention as of ``now``. Returns counts; the caller compacts and logs."""
    with transaction(conn):
        before = suppression_store.count(conn)
        suppression_store.insert(conn, carried.suppressions)
        after = suppression_store.count(conn)
        # The later erasure counts: someone imported between two erasures must go again.
        erasure_store.merge_erasures(conn, carried.erasures)
        restored_keys = keys.load(settings["data_dir"])
        people = set(erasure.contacts_erased_since_import(conn))
        people |= set(
            erasure.contacts_erased_by_phone(conn, restored_keys.cipher(), restored_keys.hasher())
        )
        again = erasure.erase_contacts(
            conn, sorted(people), person=True, hasher=restored_keys.hasher()
        )
    receipt = apply(conn, settings, now=now, actor=RESTORE, compact=False)
    return {
        "suppressions_added": after - before,
        "erased_again": again["contacts"],
        **{f"retention_{k}": v for k, v in receipt.counts.items()},
    }
