"""Keeping the report counters: the fold and the recount, each in short write transactions.

:func:`fold_pending` adds what arrived (new responses, exclusions, inclusions) in batches of one
survey: each batch is computed without the write lock and written in a short transaction of its
own (all of a batch or nothing: see ``reports.fold_store``). The batch size follows the time the
last batch held the write lock, so no batch holds it for long (``TARGET_HOLD_S``). ``serve``
runs it every ``FOLD_SECONDS`` and right after each group commit; a submission never waits for
it, it only queues for the same write lock as any writer.

:func:`recount` counts a survey anew (its reportable segments changed, or its stored values
were settled) while submissions go on: the responses are read in ranges on short snapshots
without the write lock, and one short transaction swaps the result in.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from appliance.db import iso, parse_iso, transaction, turn_size, utcnow
from appliance.reports import fold_store, recount_store, store
from appliance.reports.counters import MAX_REPORT_SEGMENTS

FOLD_SECONDS = 1.0
# A batch aims to hold the write lock about this long; its size adapts between the bounds.
TARGET_HOLD_S = 0.05
BATCH_MIN, BATCH_START, BATCH_MAX = 50, 1000, 20000
# Responses per range of a recount: one range is one short read.
RECOUNT_RANGE = 4000
# A recount that lost its result to direct changes this many times does the count under lock.
RECOUNT_TRIES = 3
# A survey with up to this many responses is recounted in the request that changes its
# segments (about a second); a larger one by the background jobs (41 s at a million).
RECOUNT_INLINE = 20_000


class RecountBusy(Exception):
    """Another recount of the survey is under way."""


@dataclass
class Folded:
    """What one :func:`fold_pending` did: responses folded, batches (transactions), the longest
    time one batch held the write lock, and the surveys left to a recount under way."""

    responses: int = 0
    batches: int = 0
    longest_hold_s: float = 0.0
    held_back: list[int] = field(default_factory=list)


class Batching:
    """The batch size of the fold, kept between calls (one per process)."""

    def __init__(self, size: int = BATCH_START, adapt: bool = True) -> None:
        self.size, self.adapt = size, adapt

    def after(self, taken: int, held_s: float) -> None:
        # A batch that emptied the queue says nothing of how many more would have taken.
        if self.adapt and taken >= self.size:
            self.size = turn_size(self.size, held_s, TARGET_HOLD_S, BATCH_MIN, BATCH_MAX)


_BATCHING = Batching()


def fold_pending(
    conn: sqlite3.Connection,
    batching: Batching | None = None,
    *,
    limit_s: float = 30.0,
    between: Callable[[], None] | None = None,
) -> Folded:
    """Fold every response whose counted state is behind, survey by survey, batch by batch:
    each batch is computed without the write lock and written in a short transaction of its
    own. Stops early after ``limit_s`` seconds (the next round goes on). Surveys a live
    recount holds are left for after it. ``between`` runs after a batch is computed and before
    it is written (tests hold the fold there)."""
    batching = batching or _BATCHING
    done = Folded()
    deadline = time.monotonic() + limit_s
    for survey_id in fold_store.unfolded_surveys(conn):
        while time.monotonic() < deadline:
            moment = iso(utcnow())
            try:
                prepared = fold_store.prepare_batch(
                    conn, survey_id, batching.size, int(time.time())
                )
                if prepared is None:
                    done.held_back.append(survey_id)
                    break
                taken, generation = prepared
                if between is not None:
                    between()
                with transaction(conn):
                    began = time.perf_counter()
                    applied = fold_store.apply_batch(conn, survey_id, generation, int(time.time()))
                    drained = applied and taken < batching.size
                    if drained:
                        fold_store.set_folded_until(conn, survey_id, moment)
                held = time.perf_counter() - began
            finally:
                fold_store.finish(conn)
            if not applied:
                continue  # something changed under the batch: make it again
            done.responses += taken
            done.batches += 1
            done.longest_hold_s = max(done.longest_hold_s, held)
            batching.after(taken, held)
            if drained:
                break
    return done


def counted_until(conn: sqlite3.Connection, survey_id: int, now: datetime | None = None):
    """Up to when the survey's live counters hold every response: ``now`` when none waits,
    else the start of the last fold that left none waiting (None: never folded yet). Returns
    (moment, recounting)."""
    row = fold_store.folded_until(conn, survey_id)
    # A mark no longer renewed was left by a recount that died.
    recounting = bool(
        row
        and (
            row["recounting"] > time.time() - fold_store.RECOUNT_STALE_S
            or row["pending_segments"] is not None
        )
    )
    if not fold_store.pending(conn, survey_id):
        return (now or utcnow()).replace(microsecond=0), recounting
    return (parse_iso(row["folded_until"]) if row and row["folded_until"] else None), recounting


def recount(
    conn: sqlite3.Connection,
    survey_id: int,
    segments: Iterable[str] | None = None,
    *,
    per_range: int = RECOUNT_RANGE,
) -> list[str]:
    """Count the survey's counters anew, with ``segments`` as its reportable segments (default:
    those it has); returns them as stored. Never holds the write lock for more than a short
    transaction: ranges of responses are read on their own snapshots into a temporary table,
    one transaction swaps it in. Raises :class:`RecountBusy` while another recount of the
    survey runs."""
    chosen = None if segments is None else sorted(set(segments))[:MAX_REPORT_SEGMENTS]
    for _attempt in range(RECOUNT_TRIES):
        with transaction(conn):
            generation = recount_store.mark_recount(conn, survey_id, int(time.time()))
        if generation is None:
            raise RecountBusy(survey_id)
        swapped = False
        try:
            kinds_json, current = fold_store.counting(conn, survey_id)
            segs = current if chosen is None else chosen
            fold_store.start(conn, segs)
            excluded, renewed = 0, time.monotonic()
            for low, high in recount_store.id_ranges(conn, survey_id, per_range):
                excluded += recount_store.count_range(conn, survey_id, segs, kinds_json, low, high)
                if time.monotonic() - renewed > fold_store.RECOUNT_STALE_S / 4:
                    with transaction(conn):
                        recount_store.renew_recount(conn, survey_id, int(time.time()))
                    renewed = time.monotonic()
            fold_store.roll_up(conn, segs)
            with transaction(conn):
                swapped = recount_store.swap(conn, survey_id, segs, excluded, generation)
        finally:
            fold_store.finish(conn)
            if not swapped:
                with transaction(conn):
                    recount_store.unmark_recount(conn, survey_id)
        if swapped:
            return list(segs)
    # Answers were erased during every try (rare): count under the lock once.
    with transaction(conn):
        store.rebuild(conn, survey_id, chosen)
        return fold_store.counting(conn, survey_id)[1]


def choose_segments(
    conn: sqlite3.Connection,
    survey_id: int,
    segments: Iterable[str],
    *,
    inline_up_to: int = RECOUNT_INLINE,
) -> tuple[list[str], bool]:
    """Make ``segments`` the survey's reportable segments: recount now when it has at most
    ``inline_up_to`` responses, else leave the recount to the background jobs
    (:func:`recount_queued`; the figures say a recount is under way until then). Returns
    (the segments as they will be stored, whether they are in force already)."""
    chosen = sorted(set(segments))[:MAX_REPORT_SEGMENTS]
    if recount_store.response_count(conn, survey_id) <= inline_up_to:
        return recount(conn, survey_id, chosen), True
    with transaction(conn):
        recount_store.queue_recount(conn, survey_id, chosen)
    return chosen, False


def recount_queued(conn: sqlite3.Connection) -> list[int]:
    """Run the recounts staff asked for that wait for the jobs; returns the surveys done. One
    whose recount is under way elsewhere is left for the next round."""
    done = []
    for survey_id, segments in recount_store.queued_recounts(conn):
        try:
            recount(conn, survey_id, segments)
        except RecountBusy:
            continue
        done.append(survey_id)
    return done
