"""The retention workflows: the purge, and what a restore re-applies to the database it brings
back. :mod:`appliance.privacy.retention` holds the rules and says what falls due when;
:mod:`appliance.privacy.reapply` reads what a restore must carry over.

Contract of :func:`apply`: everything due as of the run's day erased in short turns (see
:class:`Turns`), each its own write transaction that checks again that what it erases is due, so
other writers never wait long and a run stopped between turns leaves only whole turns behind
(what is still due stays due for the next run); then the audit summary and the deletion receipt
(counts per kind for the whole run, never a value of a person) in one last transaction; mail
files removed only after that commit; then the file compacted when asked. Contract of
:func:`after_restore`: the carried suppression list and erasure ledger merged and the people in
the ledger erased again in one transaction, then :func:`apply` as of ``now``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance import audit, keys
from appliance.auth.service import Actor
from appliance.db import transaction, turn_size, utcnow
from appliance.mailing import bounce_service
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


@dataclass(frozen=True)
class Turns:
    """How the purge shares the write lock: each turn erases a bounded number of items in one
    write transaction, sized from the time the turn before took so that a turn holds the lock
    about ``target_s``; after each turn the purge pauses (``pause_share`` of the turn's time, at
    least ``min_pause_s``) so that writers queued behind it, a sign-in or a submission, get
    their turn, including those that wait in SQLite's busy handler, which retries every 25 to
    100 ms. Once the turns since the last checkpoint held the lock ``checkpoint_after_s``, the
    pause starts with a passive checkpoint."""

    target_s: float = 0.03
    first: int = 500
    smallest: int = 20
    largest: int = 20_000
    pause_share: float = 2.0
    min_pause_s: float = 0.03
    checkpoint_after_s: float = 0.25

    def size_after(self, size: int, took_s: float) -> int:
        return turn_size(size, took_s, self.target_s, self.smallest, self.largest)

    def run(
        self, conn: sqlite3.Connection, keys: Sequence, erase: Callable[[Sequence], int]
    ) -> int:
        """Call ``erase`` on consecutive slices of ``keys``, each in its own transaction;
        returns the sum of what it returned."""
        if not keys:
            return 0
        total, done, size, unsaved = 0, 0, self.first, 0.0
        # SQLite's automatic checkpoint runs inside the COMMIT, so this process's writers would
        # queue for it; the pauses do it instead, without the write lock (PASSIVE), and less
        # often: a turn touches a leaf page of each hash index per contact, and one checkpoint
        # after several turns copies a page they share once.
        automatic = erasure_store.set_autocheckpoint(conn, 0)
        try:
            while done < len(keys):
                part = keys[done : done + size]
                with transaction(conn):
                    # Timed inside: the wait for the lock is not the turn's own cost.
                    start = time.perf_counter()
                    total += erase(part)
                took = time.perf_counter() - start
                done, unsaved = done + len(part), unsaved + took
                size = self.size_after(size, took)
                paused = time.perf_counter()
                if unsaved >= self.checkpoint_after_s or done >= len(keys):
                    erasure_store.passive_checkpoint(conn)
                    unsaved = 0.0
                if done < len(keys):
                    wanted = max(self.min_pause_s, took * self.pause_share)
                    time.sleep(max(0.0, wanted - (time.perf_counter() - paused)))
        finally:
            erasure_store.set_autocheckpoint(conn, automatic)
        return total


# A restore works on a copy no one else writes to: no pauses.
ALONE = Turns(pause_share=0, min_pause_s=0)


def apply(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    *,
    now: datetime | None = None,
    actor: Actor = SYSTEM,
    compact: bool = True,
    defer_rebuild: bool = False,
    signer=None,
    turns: Turns = Turns(),  # noqa: B008 - frozen
) -> Receipt:
    """Erase everything due as of ``now`` and log the receipt. ``signer`` signs the audit
    summary (default: the data directory's audit key). ``compact`` truncates the write-ahead
    log and rebuilds the file after a large purge (a restore compacts once at its end).
    ``defer_rebuild`` leaves that rebuild to the nightly one when ``rebuild_time`` schedules
    it: a ``VACUUM`` holds the write lock for all of its seconds, and deleted content is
    already overwritten (``secure_delete``) and the log truncated either way. ``turns``: how
    the erasing shares the write lock. An exception in a turn leaves the turns before it done
    and no receipt."""
    rules, today = Rules.of(settings), local_today(settings, now)
    if signer is None:
        signer = keys.load(settings["data_dir"]).signer()
    counts: dict[str, int] = {}
    files = due_mail_files(settings, rules, today)
    # What is due is read outside the write lock; each turn checks its part again, so an item
    # that stopped being due meanwhile (a message sent to a contact) stays.
    months, days = rules.contact_months, rules.request_days
    counts["contacts"] = turns.run(
        conn,
        retention_store.due_contacts(conn, months, today),
        lambda ids: erasure.erase_contacts(
            conn, retention_store.due_contacts(conn, months, today, among=ids)
        )["contacts"],
    )
    counts["import_rejects"] = turns.run(
        conn,
        retention_store.due_rejects(conn, months, today),
        lambda ids: retention_store.erase_rejects(conn, months, today, ids),
    )
    counts["names"] = turns.run(
        conn,
        retention_store.due_names(conn, rules.name_months, today),
        lambda ids: retention_store.erase_names(conn, rules.name_months, today, ids),
    )
    counts["contact_requests"] = turns.run(
        conn,
        retention_store.due_contact_requests(conn, days, today),
        lambda ids: retention_store.erase_contact_requests(conn, days, today, ids),
    )
    counts["mail_files"] = len(files)
    with transaction(conn):
        # Hard-bounce marks lapse after a year, whether or not mail still bounces. They are
        # keyed hashes that stop counting, not a person's data falling due: not in the receipt.
        bounce_service.prune_lapsed(conn, now or utcnow())
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
    compacted = False
    if compact:
        rebuild = not (defer_rebuild and settings["rebuild_time"])
        compacted = erasure.compact(conn, sum(counts.values()), rebuild=rebuild)
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
    receipt = apply(conn, settings, now=now, actor=RESTORE, compact=False, turns=ALONE)
    return {
        "suppressions_added": after - before,
        "erased_again": again["contacts"],
        **{f"retention_{k}": v for k, v in receipt.counts.items()},
    }
