"""The sending engine: drains one campaign's due outbox rows through pooled connections.

Contract of :meth:`Sender.send_campaign`:
- one thread (the caller's) claims rows in batches, checks the suppression list again, renders
  the messages and records results (each write one transaction of
  :mod:`~appliance.mailing.send_service`); ``connections`` worker threads each hold one
  connection to the relay and send many messages over it, no faster together than
  ``per_minute``;
- each message goes out with its own return path (VERP, ``return_path``) when one is given,
  so a bounce arriving later names its message;
- every message's id is appended to the journal just before the relay can accept it (see
  ``outbox``), so a crash at any point neither repeats nor loses a message;
- a temporary failure (4xx, dropped connection) goes back to the queue with exponential backoff,
  until ``max_attempts``; the relay refusing the recipient's address (``RecipientRefused``)
  marks the message bounced (a hard bounce of the address); any other permanent failure (5xx
  at DATA, a policy denial, an address refused before the relay was asked) fails it;
- a breaker (:mod:`~appliance.mailing.breaker`): when the relay refuses (5xx) more than
  :data:`BREAKER_SHARE` of a run of at least :data:`BREAKER_MIN` results (counted in runs of
  :data:`BREAKER_RUN`), the relay itself is the likely cause (a blocked account, a wrong
  setting): sending stops, the campaign pauses with a problem that says so, and the refused
  messages of that run go back to the queue untouched, no address marked. Refusals are held,
  not recorded, until their run is judged;
- when no connection can be opened, or the relay refuses the sender address, sending stops and
  the unsent rows go back to the queue untouched; the result says why;
- it returns when nothing more is due now, the campaign is paused or cancelled, or ``stop`` is set.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from appliance.crypto import DecryptionError
from appliance.mailing import errors, send_service, store
from appliance.mailing.breaker import REFUSALS, Breaker
from appliance.mailing.compose import TemplateProblem
from appliance.mailing.outbox import Claimed
from appliance.mailing.render import CampaignMail, Message, NoAddress
from appliance.mailing.transport import (
    Connection,
    ConnectionLost,
    NotSendable,
    PermanentFailure,
    RecipientRefused,
    SenderRefused,
    TemporaryFailure,
)

log = logging.getLogger(__name__)

JOURNAL = "mail-journal"
BATCH = 200
CHUNK = 8  # messages handed to a worker at a time
COMMIT_SECONDS = 0.25
# The breaker's tuning, read when a round starts (tests lower them).
BREAKER_RUN = 50  # results judged together
BREAKER_MIN = 10  # fewer results than this (a small campaign's last run) never trip it
BREAKER_SHARE = 0.2


class Journal:
    """Ids of messages handed to the relay, appended with one write() each: the kernel keeps
    them when this process is killed (``recover`` reads them after a crash)."""

    def __init__(self, data_dir: str | Path):
        self.path = Path(data_dir) / JOURNAL
        self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def add(self, outbox_id: int, attempts: int) -> None:
        # With the attempt: a message journaled, refused (4xx) and claimed again must not
        # count as handed over on its next attempt.
        os.write(self.fd, b"%d %d\n" % (outbox_id, attempts))

    def clear(self) -> None:
        os.ftruncate(self.fd, 0)

    def close(self) -> None:
        os.close(self.fd)

    @staticmethod
    def read(data_dir: str | Path) -> set[tuple[int, int]]:
        """(outbox id, attempts) of every message handed over (a torn last line is skipped)."""
        try:
            text = (Path(data_dir) / JOURNAL).read_bytes()
        except FileNotFoundError:
            return set()
        out = set()
        for line in text.split(b"\n"):
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                out.add((int(parts[0]), int(parts[1])))
        return out


class RateLimit:
    """At most ``per_minute`` messages a minute over all connections (0: no limit), spaced
    evenly so the relay sees a steady stream rather than bursts."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.clock = clock
        self.next_slot = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@dataclass
class Outcome:
    """What one call did, for the campaign page, the audit summary and the tests."""

    sent: int = 0
    retried: int = 0
    bounced: int = 0
    failed: int = 0
    suppressed: int = 0
    problem: str = ""  # set when the relay could not be used; nothing was lost
    pause: bool = False  # a problem no retry can solve: the campaign waits for staff


@dataclass
class _Results:
    sent: list[int] = field(default_factory=list)
    unconfirmed: list[int] = field(default_factory=list)
    retry: list[tuple[int, float, str]] = field(default_factory=list)
    final: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    release: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.sent)
            + len(self.unconfirmed)
            + len(self.retry)
            + len(self.release)
            + sum(map(len, self.final.values()))
        )


class Sender:
    def __init__(
        self,
        conn: sqlite3.Connection,
        data_dir: str | Path,
        connect: Callable[[], Connection],
        mail_for: Callable[[sqlite3.Row, int], CampaignMail],
        *,
        connections: int = 4,
        per_minute: int = 0,
        retry_seconds: float = 60.0,
        max_attempts: int = 8,
        clock: Callable[[], float] = time.time,
        return_path: Callable[[bytes], str] | None = None,
    ):
        self.conn, self.data_dir, self.connect, self.mail_for = conn, data_dir, connect, mail_for
        # Token -> the message's own envelope sender (``return_path``); None: mail_from's.
        self.return_path = return_path
        self.connections, self.per_minute = connections, per_minute
        self.retry_seconds, self.max_attempts = retry_seconds, max_attempts
        self.clock = clock

    # ---- the caller's thread -------------------------------------------------------------------

    def send_campaign(self, campaign_id: int, stop: threading.Event | None = None) -> Outcome:
        stop = stop or threading.Event()
        outcome = Outcome()
        jobs: queue.Queue = queue.Queue(maxsize=BATCH * 2 // CHUNK)  # backlog + one batch
        results: queue.Queue = queue.Queue()
        halt = threading.Event()  # set by a worker when the relay cannot be used
        journal = Journal(self.data_dir)
        limit = RateLimit(self.per_minute)
        self._breaker = Breaker(BREAKER_RUN, BREAKER_MIN, BREAKER_SHARE)
        self._halt = halt
        workers = [
            threading.Thread(
                target=self._work,
                args=(jobs, results, halt, journal, limit, outcome),
                name=f"mail-{campaign_id}-{n}",
                daemon=True,
            )
            for n in range(self.connections)
        ]
        for worker in workers:
            worker.start()
        mails: dict[int, CampaignMail] = {}
        pending = _Results()
        last_commit = time.monotonic()
        try:
            while True:
                # Keep the backlog short, so a pause or a rate limit holds back little.
                busy = jobs.qsize() * CHUNK >= BATCH // 2
                last_commit = self._collect(
                    results, pending, outcome, last_commit, wait=0.02 if busy else 0.0
                )
                if not any(worker.is_alive() for worker in workers):
                    halt.set()
                    break
                if stop.is_set() or halt.is_set() or not self._still_active(campaign_id):
                    halt.set()  # workers hand back what they have not started
                    break
                if busy:
                    continue
                claimed, blocked, tokens = send_service.claim_batch(
                    self.conn, campaign_id, BATCH, self.clock
                )
                outcome.suppressed += len(blocked)
                if not claimed:
                    break
                campaign = store.get_campaign(self.conn, campaign_id)
                chunk: list[tuple[Claimed, Message]] = []
                for index, item in enumerate(claimed):
                    if item.id in blocked:
                        continue
                    try:
                        message = self._mail(mails, campaign, item.wave).render(item)
                    except NoAddress:
                        pending.final.setdefault("failed", []).append(
                            (item.id, "the contact has no address any more")
                        )
                        continue
                    except (TemplateProblem, DecryptionError) as exc:
                        # Every later message would fail alike: hold the campaign for staff.
                        # The chunk in hand goes to the workers, who hand it back (halt).
                        outcome.problem, outcome.pause = str(exc), True
                        halt.set()
                        pending.release.extend(c.id for c in claimed[index:] if c.id not in blocked)
                        break
                    if self.return_path is not None and item.id in tokens:
                        message = replace(message, sender=self.return_path(tokens[item.id]))
                    chunk.append((item, message))
                    if len(chunk) == CHUNK:
                        jobs.put(chunk)  # never blocks long: the backlog is bounded
                        chunk = []
                if chunk:
                    jobs.put(chunk)
        finally:
            failure = None
            for _ in workers:
                jobs.put(None)
            while any(worker.is_alive() for worker in workers):
                try:
                    last_commit = self._collect(results, pending, outcome, last_commit, wait=0.05)
                except Exception as exc:  # noqa: BLE001 - first let every worker finish
                    failure = failure or exc
                    halt.set()  # the workers hand back what they have not started
                    time.sleep(0.05)
            for worker in workers:
                worker.join()
            if failure is not None:
                journal.close()
                raise failure
            try:
                # Workers answer every job before their stop signal, so nothing is left queued.
                self._collect(results, pending, outcome, 0.0, final=True)
                if self._status(campaign_id) == "cancelled":
                    send_service.withdraw_queued(self.conn, campaign_id)
                # Only once every result is recorded: until then the journal is what tells a
                # later recovery which claimed messages the relay already has.
                journal.clear()
            finally:
                journal.close()
        return outcome

    def _mail(self, mails: dict[int, CampaignMail], campaign, wave: int) -> CampaignMail:
        mail = mails.get(wave)
        if mail is None:
            mail = mails[wave] = self.mail_for(campaign, wave)
        return mail

    def _status(self, campaign_id: int) -> str:
        return store.campaign_status(self.conn, campaign_id)

    def _still_active(self, campaign_id: int) -> bool:
        return self._status(campaign_id) == "active"

    def _collect(
        self, results, pending: _Results, outcome: Outcome, last: float, final=False, wait=0.0
    ) -> float:
        """Drain worker results (waiting up to ``wait`` for the first) and record them in one
        transaction, at most every COMMIT_SECONDS unless ``final``."""
        if wait:
            with contextlib.suppress(queue.Empty):
                for result in results.get(timeout=wait):
                    self._sort(*result, pending, outcome)
        while True:
            try:
                done = results.get_nowait()
            except queue.Empty:
                break
            for kind, item, detail in done:
                self._sort(kind, item, detail, pending, outcome)
        if final:
            self._judge(pending, outcome, final=True)
        if not pending or (not final and time.monotonic() - last < COMMIT_SECONDS):
            return last
        send_service.record_results(
            self.conn,
            pending.sent,
            pending.unconfirmed,
            pending.retry,
            pending.final,
            pending.release,
        )
        pending.__init__()
        return time.monotonic()

    def _sort(self, kind: str, item: Claimed, detail: str, pending: _Results, outcome: Outcome):
        if self._breaker.hands_back(kind):
            pending.release.append(item.id)
            return
        if self._breaker.count(kind, item, detail):
            self._judge(pending, outcome)
        if kind in REFUSALS:
            return  # held by the breaker until its run is judged
        if kind == "sent":
            pending.sent.append(item.id)
            outcome.sent += 1
        elif kind == "unconfirmed":
            pending.unconfirmed.append(item.id)
            outcome.sent += 1
        elif kind == "unsendable":
            pending.final.setdefault("failed", []).append((item.id, detail))
            outcome.failed += 1
        elif kind == "release":
            pending.release.append(item.id)
        elif item.attempts + 1 >= self.max_attempts:
            pending.final.setdefault("failed", []).append((item.id, detail))
            outcome.failed += 1
        else:
            delay = self.retry_seconds * 2**item.attempts
            pending.retry.append((item.id, self.clock() + delay, detail))
            outcome.retried += 1

    def _judge(self, pending: _Results, outcome: Outcome, final: bool = False) -> None:
        """Have the breaker judge the run of results so far: record its held refusals, or
        hand them back and stop sending when it trips."""
        verdict = self._breaker.judge(final)
        if verdict is None:
            return
        if verdict.problem:
            pending.release.extend(item.id for _kind, item, _detail in verdict.held)
            outcome.problem, outcome.pause = verdict.problem, True
            self._halt.set()
            return
        for kind, item, detail in verdict.held:
            state = "bounced" if kind == "bounced" else "failed"
            pending.final.setdefault(state, []).append((item.id, detail))
            if kind == "bounced":
                outcome.bounced += 1
            else:
                outcome.failed += 1

    # ---- worker threads ------------------------------------------------------------------------

    def _work(self, jobs, results, halt, journal: Journal, limit: RateLimit, outcome: Outcome):
        """Send chunks of messages over one connection; report each chunk's results at once
        (fewer hand-overs between threads than one a message). Every message of a chunk gets a
        result, whatever goes wrong, so none stays claimed while this process lives."""
        connection: Connection | None = None
        try:
            while True:
                chunk = jobs.get()
                if chunk is None:
                    return
                done: list[tuple[str, Claimed, str]] = []
                try:
                    for item, message in chunk:
                        if connection is None and not halt.is_set():
                            try:
                                connection = self.connect()
                            except Exception as exc:  # noqa: BLE001 - any failure: stop, keep all
                                outcome.problem = errors.storable(exc)
                                halt.set()
                        if halt.is_set():
                            done.append(("release", item, ""))
                            continue
                        limit.wait()
                        kind, detail, drop = self._send_one(connection, item, message, journal)
                        if kind == "refused":
                            outcome.problem, outcome.pause = detail, True
                            halt.set()
                            kind = "release"
                        done.append((kind, item, detail))
                        if drop:
                            connection.close()
                            connection = None
                finally:
                    answered = {item.id for _, item, _ in done}
                    done += [("release", i, "") for i, _ in chunk if i.id not in answered]
                    results.put(done)
        finally:
            if connection is not None:
                connection.close()

    @staticmethod
    def _send_one(connection: Connection, item: Claimed, message: Message, journal: Journal):
        """(result kind, detail, whether to reconnect) for one message."""
        handed = False

        def handover() -> None:
            nonlocal handed
            journal.add(item.id, item.attempts)
            handed = True

        try:
            connection.send(message.sender, message.recipient, message.data, handover)
        except SenderRefused as exc:
            return "refused", errors.storable(exc), True
        except RecipientRefused as exc:
            return "bounced", str(exc), False
        except NotSendable as exc:
            return "unsendable", str(exc), False
        except PermanentFailure as exc:
            return "rejected", str(exc), False
        except ConnectionLost as exc:
            # Dropped after the end of data: the relay may well have it; do not send it again.
            return ("unconfirmed" if exc.maybe_delivered else "retry"), str(exc), True
        except TemporaryFailure as exc:
            return "retry", str(exc), False
        except Exception as exc:  # noqa: BLE001 - unforeseen: never lose or repeat the message
            log.warning("unexpected %s while sending", type(exc).__name__)
            return ("unconfirmed" if handed else "retry"), type(exc).__name__, True
        return "sent", "", False
