"""The append-only, hash-chained audit log.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and this entry's fields, in a fixed
canonical form, so editing, inserting or deleting any row breaks every later link; :func:`verify`
reports the first broken one. Triggers refuse UPDATE and DELETE from inside the application.

What goes in: who (user id and username, or 'cli' / 'system'), what (a dotted action name), on what
(a target such as ``user:7``), counts and parameters. Never contact data and never secrets: callers
pass only ids, usernames of accounts, counts and settings values.

The SQL is in :mod:`appliance.audit_store`; this module keeps the chain's rules and the public
functions every caller uses (:func:`record`, :func:`verify`, :func:`search` and the rest).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from appliance import audit_store
from appliance.audit_store import Filter
from appliance.csvsafe import csv_rows
from appliance.db import iso, transaction, utcnow

GENESIS = "0" * 64
_FIELDS = ("at", "actor_id", "actor", "action", "target", "details", "address")


def _link(prev_hash: str, entry: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        [prev_hash] + [entry[name] for name in _FIELDS], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    conn: sqlite3.Connection,
    action: str,
    *,
    actor_id: int | None = None,
    actor: str = "system",
    target: str = "",
    details: Mapping[str, Any] | None = None,
    address: str = "",
) -> int:
    """Append one entry and return its id. Joins the caller's transaction when one is open."""
    entry = {
        "at": iso(utcnow()),
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "target": target,
        "details": json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=False),
        "address": address,
    }
    if conn.in_transaction:
        return _append(conn, entry)
    with transaction(conn):
        return _append(conn, entry)


def _append(conn: sqlite3.Connection, entry: dict[str, Any]) -> int:
    last = audit_store.last_entry(conn)
    if last is None:
        # Every entry went into a summary: the next one continues its ids and its chain.
        last = audit_store.last_summary_tail(conn)
    prev_hash = last["hash"] if last else GENESIS
    return audit_store.insert_entry(
        conn,
        {
            **entry,
            "id": last["id"] + 1 if last else None,
            "prev_hash": prev_hash,
            "hash": _link(prev_hash, entry),
        },
    )


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    summarised: int = 0  # entries past retention, stood in for by signed summaries


def verify(
    conn: sqlite3.Connection, public_key: bytes | None = None, *, through: int | None = None
) -> Verification:
    """Check the signed summaries of expired entries, then walk the chain of the entries kept
    from the last summary's tail (or from the start); stop at the first link that does not hold.
    ``through``: walk the entries up to that id only.

    ``public_key`` (raw Ed25519) is the appliance's own audit key: a summary signed by any
    other key is refused, so a forged summary cannot hide a deleted stretch of the log."""
    prev_hash, prev_signature, next_id, summarised = GENESIS, "", None, 0
    for summary in audit_store.summary_rows(conn):
        problem = _summary_problem(summary, prev_signature, next_id, public_key)
        if problem:
            return Verification(False, 0, None, f"summary {summary['id']}: {problem}", summarised)
        prev_hash, prev_signature = summary["tail_hash"], summary["signature"]
        next_id, summarised = summary["last_id"] + 1, summarised + summary["entries"]
    checked = 0
    for row in audit_store.entries(conn):
        if through is not None and row["id"] > through:
            break
        if checked == 0 and next_id is not None and row["id"] != next_id:
            return Verification(
                False, 0, row["id"], "entries after the last summary are missing", summarised
            )
        if row["prev_hash"] != prev_hash:
            return Verification(
                False, checked, row["id"], "previous entry missing or changed", summarised
            )
        if _link(prev_hash, row) != row["hash"]:
            return Verification(False, checked, row["id"], "entry content changed", summarised)
        prev_hash = row["hash"]
        checked += 1
    return Verification(True, checked, summarised=summarised)


_SIGNED = (
    "first_id",
    "last_id",
    "entries",
    "first_at",
    "last_at",
    "actions",
    "tail_hash",
    "prev_signature",
    "public_key",
    "created_at",
)


def _signed_bytes(summary: Mapping[str, Any]) -> bytes:
    return json.dumps(
        ["appliance-audit-summary-v1"] + [summary[name] for name in _SIGNED],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _summary_problem(
    summary: sqlite3.Row, prev_signature: str, next_id: int | None, public_key: bytes | None
) -> str:
    if summary["prev_signature"] != prev_signature:
        return "does not follow the summary before it"
    if next_id is not None and summary["first_id"] != next_id:
        return "entries between two summaries are missing"
    if public_key is not None and summary["public_key"] != public_key.hex():
        return "signed by another key than this appliance's audit key"
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(summary["public_key"]))
        key.verify(bytes.fromhex(summary["signature"]), _signed_bytes(summary))
    except (ValueError, InvalidSignature):
        return "signature does not verify"
    return ""


def summarise(conn: sqlite3.Connection, signer: Ed25519PrivateKey, last: int) -> int:
    """Replace the entries up to id ``last`` by one signed summary: their
    number, time span, count per action and the hash of the last one, which the first entry
    kept names as its predecessor. Refuses (returns 0) when the summaries or the stretch do not
    verify, so a summary never launders a tampered log; the entries after the stretch stay in
    the log, and in every later check. Inside the caller's transaction; returns how many
    entries were replaced."""
    # Only the stretch: the whole log takes seconds to walk (3 s at 100,000 entries) and this
    # runs inside the write lock, every day once the oldest entries are past their term.
    if not verify(conn, public_key_of(signer), through=last).ok:
        return 0
    span = audit_store.span(conn, last)
    actions = audit_store.action_counts(conn, last)
    previous = audit_store.last_signature(conn)
    summary = {
        "first_id": span[0],
        "last_id": last,
        "entries": span[1],
        "first_at": span[2],
        "last_at": span[3],
        "actions": json.dumps(actions, sort_keys=True, separators=(",", ":")),
        "tail_hash": audit_store.entry_hash(conn, last),
        "prev_signature": previous[0] if previous else "",
        "public_key": public_key_of(signer).hex(),
        "created_at": iso(utcnow()),
    }
    summary["signature"] = signer.sign(_signed_bytes(summary)).hex()
    audit_store.insert_summary(conn, summary)
    audit_store.delete_through(conn, last)
    return span[1]


def public_key_of(signer: Ed25519PrivateKey) -> bytes:
    """The raw public key that verifies summaries signed by ``signer``."""
    return signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def summaries(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return audit_store.summaries(conn)


def search(
    conn: sqlite3.Connection, flt: Filter, *, limit: int = 100, before_id: int | None = None
) -> list[sqlite3.Row]:
    """Newest first; ``before_id`` pages backwards."""
    return audit_store.search(conn, flt, limit=limit, before_id=before_id)


def actions(conn: sqlite3.Connection) -> list[str]:
    return audit_store.actions(conn)


def iter_all(conn: sqlite3.Connection, flt: Filter) -> Iterator[sqlite3.Row]:
    """The entries ``flt`` selects, oldest first; nothing is read before the first is asked for."""
    yield from audit_store.matching(conn, flt)


def to_csv(rows: Iterable[sqlite3.Row]) -> Iterator[str]:
    """Stream the log as formula-safe CSV, header first."""
    columns = ("id", "at", "actor", "action", "target", "details", "address", "hash")
    yield from csv_rows(itertools.chain([columns], ([row[c] for c in columns] for row in rows)))


def by_actors(
    conn: sqlite3.Connection, actor_ids: Iterable[int], *, limit: int = 500
) -> list[sqlite3.Row]:
    """Everything the given accounts did, newest first."""
    return audit_store.by_actors(conn, actor_ids, limit=limit)


def after(conn: sqlite3.Connection, flt: Filter, after_id: int, limit: int) -> list[sqlite3.Row]:
    """Oldest first from the entry after ``after_id``: a reader that keeps the last id it saw
    reads every new entry once, in order."""
    return audit_store.after(conn, flt, after_id, limit)
