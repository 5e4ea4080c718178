"""One reading of the return mailbox: read what came back, settle it, delete it, return.

Called by the scheduler of ``serve`` (:func:`read_if_due`, every minute; it reads when
``bounce_check_minutes`` have passed since the last reading) and by the admin's "check now"
(:func:`read_now`). One reader at a time per data directory (``locks.BOUNCE_READER_LOCK``).

Each message is examined once: a reading goes on where the last one stopped (``bounce_mailbox``:
IMAP by UID, Maildir by moving what is left to cur/), so mail left in the mailbox, however much,
never holds up later bounces. For each message not examined before (at most :data:`BATCH` a
reading, oldest first):
- over ``bounce_mailbox.MAX_BYTES``: left alone, never downloaded (counted ``too_large``);
- no return path of ours in it, or only forged or mangled ones (the tag does not verify): left
  in the mailbox as it is, unread (it may be a person's mail);
- a return path of ours, and recognised (a bounce, an automatic reply, a challenge, a delivery
  report): its outcome is committed (``bounce_service``) and then the message is deleted, since
  it holds addresses; nothing of it is kept but the outcome;
- a return path of ours but not recognised: left for a person to read.

Where the token is looked for: the headers the delivering server adds for the envelope
(Delivered-To, X-Original-To, Envelope-To) and To first, then anywhere in the message (the
returned message's headers, a DSN's Original-Recipient or Original-Envelope-Id). Settings are
read on every call, so what an admin changes under Settings applies at the next reading. Nothing
here logs an address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance import db, locks
from appliance.admin.store import effective
from appliance.auth.service import Actor
from appliance.keys import Keys
from appliance.mailing import bounce_mailbox, bounce_parse, bounce_service, errors
from appliance.mailing.return_path import ReturnPath

log = logging.getLogger(__name__)
BATCH = 500
_ENVELOPE_HEADERS = (b"delivered-to:", b"x-original-to:", b"envelope-to:", b"to:")


@dataclass
class Reading:
    """What one call did (for the admin's page, logs and tests)."""

    ran: bool = False
    busy: bool = False
    tally: bounce_service.Tally = field(default_factory=bounce_service.Tally)
    problem: str = ""  # English, for logs; the reason below for the page
    error: bounce_mailbox.MailboxError | None = None


def _envelope_part(raw: bytes) -> str:
    """The header lines that name the envelope recipient, as text."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lines = [
        line
        for line in head.replace(b"\r\n", b"\n").split(b"\n")
        if line.lower().startswith(_ENVELOPE_HEADERS)
    ]
    return b"\n".join(lines).decode("latin-1")


def find_token(path: ReturnPath, raw: bytes) -> tuple[bytes | None, int]:
    """The first token of ours in the message (envelope headers first), and how many forged
    or mangled return paths of ours it carried."""
    tokens, forged = path.tokens_in(_envelope_part(raw))
    if tokens:
        return tokens[0], forged
    tokens, forged_anywhere = path.tokens_in(raw.decode("latin-1"))
    return (tokens[0] if tokens else None), max(forged, forged_anywhere)


def read_mailbox(
    conn,
    values: Mapping[str, Any],
    keys: Keys,
    box: bounce_mailbox.Mailbox,
    clock=time.time,
    actor: Actor | None = None,
) -> bounce_service.Tally:
    """Read an opened mailbox once (see the module's docstring); MailboxError when it fails."""
    path = ReturnPath.of(values["bounce_address"], keys.session)
    tally = bounce_service.Tally()
    found: list[tuple[bytes, bounce_parse.Verdict]] = []
    settled: list[str] = []
    left: list[str] = []
    for key, raw in box.messages(BATCH, bounce_service.position(conn)):
        if raw is None:
            tally.too_large += 1
            left.append(key)
            continue
        token, forged = find_token(path, raw) if path is not None else (None, 0)
        if token is None:
            left.append(key)
            tally.forged += int(forged > 0)
            continue
        verdict = bounce_parse.classify(raw)
        if verdict.kind not in bounce_parse.HANDLED:
            left.append(key)
            continue
        found.append((token, verdict))
        settled.append(key)
    tally.left = len(left)
    tally.deleted = len(settled)
    bounce_service.apply(
        conn,
        found,
        tally,
        retry_seconds=values["mail_retry_seconds"],
        max_attempts=values["mail_max_attempts"],
        clock=clock,
        actor=actor,
    )
    # Only once the outcomes are committed: a failure here leaves the messages, and the
    # position unsaved, for the next reading, which finds their messages settled already.
    tally.not_expunged = box.delete(settled)
    box.leave(left)
    bounce_service.record_position(conn, box.position, tally.not_expunged, clock)
    if tally.not_expunged:
        log.warning(
            "%d settled messages in the return mailbox are only flagged for deletion: the"
            " server offers no UIDPLUS and other messages are flagged too, so no EXPUNGE was"
            " sent; they go when the mailbox is next expunged",
            tally.not_expunged,
        )
    return tally


def _read(
    settings: Mapping[str, Any], keys: Keys, due_only: bool, clock, actor: Actor | None
) -> Reading:
    reading = Reading()
    data_dir = settings["data_dir"]
    with locks.attempt(Path(data_dir) / locks.BOUNCE_READER_LOCK) as mine:
        if not mine:
            reading.busy = True
            return reading
        conn = db.connect(db.db_path(data_dir))
        try:
            values = effective(conn, settings, keys.cipher())
            box = bounce_mailbox.from_settings(values)
            if box is None:
                return reading
            if due_only:
                last = bounce_service.last_check(conn)
                minutes = values["bounce_check_minutes"]
                if last is not None and clock() - last["at"] < minutes * 60 - 5:
                    return reading
            reading.ran = True
            try:
                box.open()
                try:
                    reading.tally = read_mailbox(conn, values, keys, box, clock, actor)
                finally:
                    box.close()
            except bounce_mailbox.MailboxError as exc:
                reading.problem, reading.error = str(exc), exc
                bounce_service.record_failure(conn, errors.storable(exc), str(exc), clock, actor)
        finally:
            conn.close()
    return reading


def read_if_due(settings: Mapping[str, Any], keys: Keys, clock=time.time) -> Reading:
    """The scheduler's call: read when reading is on and ``bounce_check_minutes`` have passed."""
    return _read(settings, keys, True, clock, None)


def read_now(
    settings: Mapping[str, Any], keys: Keys, actor: Actor | None = None, clock=time.time
) -> Reading:
    """Read at once (the admin's "check now", and tests), whatever the time of the last one."""
    return _read(settings, keys, False, clock, actor)
