"""What bounces do, written in transactions with their audit entries (``actor`` 'system', or
the admin who asked for a check).

- A hard bounce (the address itself is bad, by the rule of ``bounce_status``: a bounce message
  with 5.1.x or 5.2.1 or without a status, or the relay refusing the recipient at send time)
  marks its message ``bounced`` with a reason for staff (the status and its meaning, never the
  remote server's words), withdraws the invitation's queued reminder, and marks the keyed
  address hash for its campaign; marks from two different campaigns put the address on the
  organisation's suppression list with the source 'bounce' (undeliverable), so later campaigns
  skip it like an unsubscribed one. Marks older than :data:`MARK_DAYS` lapse: they count no
  more, and are pruned at each reading and by the nightly retention run.
- Any other permanent failure in a bounce (5.7.x policy, 5.3.x/5.4.x the remote system or
  network, other codes) fails its message with its reason; the address is not marked.
- A soft bounce (a final 4.x.x) is counted on its message, which goes back to the queue by the
  sender's own rules (``mail_retry_seconds`` doubling, ``mail_max_attempts``, then ``failed``);
  a campaign already done is active again to send it. Not when the invitation was answered
  meanwhile (as reminders are skipped): then the message is withdrawn. A delay warning is
  counted for the campaign only: the remote server is still trying, and a second copy would
  arrive twice.
- Automatic replies and challenges are counted per campaign and never answered.

Every function applies what it is given idempotently where it matters: a bounce read twice (the
mailbox could not be emptied after the outcome was committed) finds its message bounced or
queued already and changes nothing; only a delay warning may be counted twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from appliance import audit
from appliance.auth.service import Actor
from appliance.db import iso, transaction, utcnow
from appliance.mailing import bounce_parse, bounce_store
from appliance.privacy import suppression

MARK_DAYS = 365
RUN_ACTION = "mailing.bounces_read"
FAILED_ACTION = "mailing.bounce_check_failed"
# Why a queued reminder was withdrawn (shown to staff like the relay's words).
EARLIER_BOUNCE = "an earlier message to this address bounced"
ANSWERED = "not sent again: the invitation was answered meanwhile"
REPORTED = "bounce reported by the remote server"


@dataclass
class Tally:
    """What one reading of the mailbox found: counts only (fit for the audit log)."""

    hard: int = 0
    soft: int = 0
    delayed: int = 0
    failed: int = 0  # permanent failures that are no fault of the address (policy, system)
    auto_replies: int = 0
    challenges: int = 0
    reports: int = 0
    unmatched: int = 0  # a valid return path whose message is gone (erased)
    undeliverable: int = 0  # addresses put on the suppression list
    left: int = 0  # not ours, or not recognised: left in the mailbox
    forged: int = 0  # of those left: carried return paths of ours whose tag does not verify
    too_large: int = 0  # of those left: over the size limit, never downloaded
    deleted: int = 0  # settled, so deleted from the mailbox
    not_expunged: int = 0  # of those deleted: only flagged (other mail is flagged for deletion)

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def _hard_marks(conn: sqlite3.Connection, marks: Iterable[tuple[bytes, int]]) -> int:
    """Inside a transaction: record hard bounces (address hash, campaign); returns how many
    addresses went on the suppression list now (two campaigns)."""
    marks = list(marks)
    if not marks:
        return 0
    bounce_store.add_marks(conn, marks)
    since = _lapse_before(utcnow())
    added = 0
    for email_hash in {h for h, _c in marks}:
        if bounce_store.campaigns_marked(conn, email_hash, since) >= 2:
            added += suppression.add(conn, [email_hash], bounce_store.SOURCE)
            bounce_store.forget_marks(conn, email_hash)
    return added


def _lapse_before(now: datetime) -> str:
    return iso(now - timedelta(days=MARK_DAYS))


def prune_lapsed(conn: sqlite3.Connection, now: datetime) -> int:
    """Inside a transaction (the nightly retention run's): drop the marks that lapsed as of
    ``now``; returns how many."""
    return bounce_store.prune_marks(conn, _lapse_before(now))


def relay_refused(conn: sqlite3.Connection, outbox_ids: Sequence[int]) -> int:
    """Inside the sender's transaction: messages whose recipient the relay refused as an
    address failure (``bounce_status.address_failure``) count as hard bounces of their
    addresses. Returns how many addresses became undeliverable."""
    return _hard_marks(conn, bounce_store.hard_of_messages(conn, outbox_ids))


def undeliverable(conn: sqlite3.Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of ``hashes`` are on the suppression list as undeliverable (a read)."""
    if not hashes or not bounce_store.any_undeliverable(conn):
        return set()
    return bounce_store.undeliverable(conn, hashes)


def note_undeliverable(conn: sqlite3.Connection, outbox_ids: Sequence[int]) -> None:
    """Inside the sender's transaction: these suppressed messages were for undeliverable
    addresses (the campaign page counts them apart from unsubscribes)."""
    bounce_store.mark_undeliverable(conn, outbox_ids)


def _reason(verdict: bounce_parse.Verdict) -> str:
    """The status and its meaning: nothing the remote server wrote (it may name anyone)."""
    return f"{REPORTED}: {verdict.reason}" if verdict.reason else REPORTED


def _apply_one(
    conn: sqlite3.Connection,
    token: bytes,
    verdict: bounce_parse.Verdict,
    tally: Tally,
    retry_seconds: float,
    max_attempts: int,
    now: float,
) -> None:
    row = bounce_store.by_token(conn, token)
    if row is None:
        tally.unmatched += 1
        return
    kind = verdict.kind
    if kind == bounce_parse.HARD:
        tally.hard += 1
        if bounce_store.mark_bounced(conn, row["id"], _reason(verdict)):
            bounce_store.cancel_later(conn, row["invitation_id"], EARLIER_BOUNCE)
            if row["email_hash"] is not None:
                tally.undeliverable += _hard_marks(
                    conn, [(bytes(row["email_hash"]), row["campaign_id"])]
                )
    elif kind == bounce_parse.SOFT:
        tally.soft += 1
        attempts = max(int(row["attempts"]), 1)
        if bounce_store.answered(conn, row["invitation_id"]):
            bounce_store.drop_after_bounce(conn, row["id"], ANSWERED)
        elif attempts >= max_attempts:
            bounce_store.fail_after_bounce(conn, row["id"], _reason(verdict))
        elif bounce_store.campaign_status(conn, row["campaign_id"]) in ("active", "done", "paused"):
            when = now + retry_seconds * 2 ** (attempts - 1)
            if bounce_store.retry_after_bounce(conn, row["id"], when, _reason(verdict)):
                bounce_store.reopen_campaign(conn, row["campaign_id"])
        else:  # cancelled: nothing more is sent
            bounce_store.fail_after_bounce(conn, row["id"], _reason(verdict))
    elif kind == bounce_parse.FAILED:
        tally.failed += 1
        bounce_store.fail_message(conn, row["id"], _reason(verdict))
    elif kind == bounce_parse.DELAYED:
        tally.delayed += 1
        bounce_store.count_for_campaign(conn, row["campaign_id"], "delays")
    elif kind == bounce_parse.AUTO_REPLY:
        tally.auto_replies += 1
        bounce_store.count_for_campaign(conn, row["campaign_id"], "auto_replies")
    elif kind == bounce_parse.CHALLENGE:
        tally.challenges += 1
        bounce_store.count_for_campaign(conn, row["campaign_id"], "challenges")
    else:
        tally.reports += 1


def apply(
    conn: sqlite3.Connection,
    found: Sequence[tuple[bytes, bounce_parse.Verdict]],
    tally: Tally,
    *,
    retry_seconds: float,
    max_attempts: int,
    clock: Callable[[], float],
    actor: Actor | None = None,
) -> Tally:
    """Apply the verdicts of one reading of the mailbox ((token, verdict), each token's tag
    verified), prune lapsed marks, record the reading and audit ``mailing.bounces_read`` with
    the counts of ``tally`` when the mailbox held anything; one transaction."""
    now = clock()
    with transaction(conn):
        for token, verdict in found:
            _apply_one(conn, token, verdict, tally, retry_seconds, max_attempts, now)
        bounce_store.prune_marks(conn, _lapse_before(utcnow()))
        counts = tally.as_dict()
        bounce_store.set_last_check(conn, now, counts, "")
        if found or tally.left or tally.forged:
            _audit(conn, RUN_ACTION, actor, counts)
    return tally


def record_position(
    conn: sqlite3.Connection, where: str, not_expunged: int, clock: Callable[[], float]
) -> None:
    """After the mailbox was emptied of what was settled: where the reading stopped (the next
    one starts after it) and how many settled messages are only flagged for deletion."""
    with transaction(conn):
        bounce_store.set_position(conn, clock(), where, not_expunged)


def position(conn: sqlite3.Connection) -> str:
    """Where the last reading of the mailbox stopped ('' for none, and for a Maildir)."""
    return bounce_store.position(conn)


def record_failure(
    conn: sqlite3.Connection,
    problem: str,
    text: str,
    clock: Callable[[], float],
    actor: Actor | None = None,
) -> None:
    """The mailbox could not be read: keep the problem (``errors.storable``) for the settings
    page and audit ``mailing.bounce_check_failed`` with its English ``text`` when it differs
    from the last one (a mailbox down for a day is one entry, not one every ten minutes)."""
    with transaction(conn):
        last = bounce_store.last_check(conn)
        bounce_store.set_last_check(conn, clock(), {}, problem)
        if actor is not None or last is None or last["problem"] != problem:
            _audit(conn, FAILED_ACTION, actor, {"reason": text})


def _audit(conn, action: str, actor: Actor | None, details: Mapping) -> None:
    if actor is not None:
        actor.log(conn, action, "mailbox", **details)
    else:
        audit.record(conn, action, target="mailbox", details=dict(details))


# ---- reads: plain calls of the store, so views never depend on its SQL ----------------------


def last_check(conn: sqlite3.Connection) -> dict | None:
    """When the return mailbox was last read, its counts and problem ('' when it worked)."""
    return bounce_store.last_check(conn)


def campaign_counts(conn: sqlite3.Connection, campaign_id: int, skipped: Mapping) -> dict:
    """The campaign's bounces by kind: hard, soft (tried again), delays (delay warnings, not
    tried again), undeliverable (skipped when the wave was built, or not sent), auto_replies
    (automatic replies and challenges, ignored)."""
    counts = bounce_store.campaign_counts(conn, campaign_id)
    return {
        "hard": counts["hard"],
        "soft": counts["soft"],
        "delays": counts["delays"],
        "undeliverable": counts["undeliverable"] + int(skipped.get("undeliverable", 0)),
        "auto_replies": counts["auto_replies"] + counts["challenges"],
    }
