"""The demo's fieldwork: the ten days of interviewing before today, by telephone and face to
face, so the staff pages of fieldwork (response rates, interviewer figures) and the report's
response rates have something to show.

Done through the services the interview pages use, with the time of each step given instead of
read from the clock: calls handed out by ``calls_service.next_call`` and their outcomes
recorded by ``calls_service.record``; interviews stored by ``interview_service.store_phone``
(one broken off, and not kept, by ``break_off``) and, face to face, by
``onsite_service.submit``, through a group-commit writer as in ``serve``. So the calls,
responses, counters and interviewer figures are exactly what two interviewers working ten days
would have left.

What each contact does when called (answers at once, after a few tries, makes an appointment,
refuses, is never reached) is dealt from a fixed deck; the tries, the answers and the order the
calls are handed out in are drawn from a seeded generator: every run makes the same fieldwork.
A few calls stay open (retries due, appointments in the coming days), so the interviewer who
signs in has calls to make.
"""

from __future__ import annotations

import random
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from appliance import db, keys
from appliance.db import transaction
from appliance.groupcommit import GroupCommit
from appliance.interviews import (
    calls_service,
    calls_store,
    interview_service,
    onsite_service,
    setup_service,
)
from appliance.reports import fold_service, release_service
from appliance.surveys import service as surveys_service

DAYS = 10
# What a contact does once reached (after the tries drawn for them), one card per call.
DECK = (
    ("complete",) * 20
    + ("appointment",) * 3  # an appointment, kept: a complete at the agreed time
    + ("later",) * 2  # an appointment in the coming days: open at the end
    + ("break_off", "do_not_call", "wrong_number", "wrong_number")
    + ("refusal",) * 3
    + ("unreached",) * 6  # never answers: open until the attempts run out
)
TRIES = (0, 0, 0, 1, 1, 2, 3)  # attempts without an answer before someone picks up
NOT_REACHED = (("no_answer", 5), ("answering_machine", 3), ("busy", 2))
# (interviewer number, days before today, start, end, calls at most): the shifts of the two,
# between their other work; fewer calls than the list needs, so some are still to make today.
SHIFTS = tuple(
    [(0, d, clock(9, 15), clock(11, 15), 7) for d in (10, 9, 8, 6, 5, 2, 1)]
    + [(0, d, clock(13, 30), clock(15, 30), 7) for d in (7, 4, 3)]
    + [(1, d, clock(17, 30), clock(19, 30), 5) for d in range(DAYS - 1, 0, -2)]
    + [(1, d, clock(12, 30), clock(14, 0), 3) for d in (6, 4)]
)
# (interviewer number, days before today, start, location number, interviews) face to face,
# on days and at hours the interviewer does not telephone.
ONSITE = (
    (0, 9, clock(11, 45), 0, 3),
    (1, 8, clock(14, 30), 1, 3),
    (0, 5, clock(11, 45), 0, 2),
    (1, 6, clock(14, 30), 1, 2),
    (0, 3, clock(11, 45), 0, 2),
    (1, 2, clock(14, 30), 1, 3),
)

Answers = Callable[[random.Random, dict[str, str], set[str]], dict[str, str]]


@dataclass
class Fieldwork:
    """What the ten days left: attempts recorded (interviews broken off among them), interviews
    stored (telephone, face to face), and calls still open (of them, with an appointment)."""

    attempts: int = 0
    broken_off: int = 0
    phone: int = 0
    onsite: int = 0
    open_calls: int = 0
    appointments: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class _Contact:
    fate: str
    tries: int
    appointed: bool = False


class _Work:
    """The state of the simulation: who is who, the deck, the writer, the clock's zone."""

    def __init__(self, conn, values, secret, survey_id, campaign_id, answers, seed):
        self.conn, self.secret, self.campaign_id = conn, secret, campaign_id
        self.tz = ZoneInfo(values["timezone"])
        self.today = datetime.now(self.tz).date()
        self.rng = random.Random(seed)
        self.draw = random.Random(self.rng.random())
        self.answers, self.said = answers, set()
        self.deck = list(DECK)
        self.rng.shuffle(self.deck)
        self.contacts: dict[int, _Contact] = {}
        self.row = surveys_service.get_survey(conn, survey_id)
        self.definition = surveys_service.definition_of(self.row)
        self.writer = GroupCommit(db.db_path(values["data_dir"]))
        self.writing = interview_service.Writing(
            self.writer,
            secret,
            values["min_group_size"],
            values.get("speeder_seconds_per_answer", 2),
            # The demo survey asks no contact opt-in: no consent is ever worded.
            lambda _language: "",
        )
        self.done = Fieldwork()

    def at(self, days_ago: int, moment: clock) -> float:
        day = self.today - timedelta(days=days_ago)
        return datetime.combine(day, moment, self.tz).timestamp()

    def day_of(self, moment: float) -> date:
        return datetime.fromtimestamp(moment, self.tz).date()

    # ---- telephone ------------------------------------------------------------------------

    def shift(self, user_id: int, start: float, end: float, most: int) -> None:
        now, handled = start, 0
        while now < end and handled < most:
            call_id = calls_service.next_call(
                self.conn, self.secret, user_id, self.campaign_id, now, tz=self.tz, draw=self.draw
            )
            if call_id is None:
                now += 20 * 60  # nothing due: a retry or an appointment may come due later
                continue
            now = self.call(user_id, call_id, now)
            handled += 1
            now += self.rng.randint(30, 150)  # notes, a sip of coffee

    def call(self, user_id: int, call_id: int, now: float) -> float:
        """One attempt on the call in hand at ``now``; returns when it ended."""
        contact = self.contacts.get(call_id)
        if contact is None:
            contact = _Contact(
                self.deck.pop() if self.deck else "unreached", self.rng.choice(TRIES)
            )
            self.contacts[call_id] = contact
        ring = now + self.rng.randint(25, 75)
        if contact.fate == "unreached" or (contact.tries > 0 and not contact.appointed):
            contact.tries -= 1
            choices, weights = zip(*NOT_REACHED, strict=True)
            return self.record(user_id, call_id, self.rng.choices(choices, weights)[0], ring)
        if contact.fate in ("appointment", "later") and not contact.appointed:
            contact.appointed = True
            return self.record(
                user_id,
                call_id,
                "appointment",
                ring + 60,
                appointment_at=self.agreed(contact, ring),
            )
        if contact.fate in ("refusal", "do_not_call", "wrong_number"):
            outcome = "refusal" if contact.fate == "do_not_call" else contact.fate
            return self.record(
                user_id, call_id, outcome, ring + 90, do_not_call=contact.fate == "do_not_call"
            )
        return self.interview(user_id, call_id, ring, broken=contact.fate == "break_off")

    def agreed(self, contact: _Contact, now: float) -> float:
        """The time agreed: tomorrow in the same part of the day (from now, for an appointment
        kept); in the coming days (from today, for one still to come)."""
        if contact.fate == "later":
            days = self.rng.choice((1, 2))
            return self.at(-days, self.rng.choice((clock(11, 0), clock(14, 30), clock(18, 45))))
        local = datetime.fromtimestamp(now, self.tz) + timedelta(days=1)
        return local.replace(minute=0 if local.minute < 30 else 30, second=0).timestamp()

    def record(self, user_id, call_id, outcome, now, **extra) -> float:
        calls_service.record(
            self.conn, self.secret, user_id, call_id, outcome, now=now, tz=self.tz, **extra
        )
        self.done.attempts += 1
        return now

    def interview(self, user_id: int, call_id: int, now: float, *, broken: bool) -> float:
        """The interview, stored as the interview page stores it; ``started`` is as long before
        the clock as the interview lasted (the writer measures its length from the clock).
        Broken off after the first question, it is not kept (the survey keeps no partial
        interviews): one partial response would hide the telephone rates of the report, which
        hides 1 to k-1 partials (``reports.dispositions``)."""
        call = calls_service.in_hand(self.conn, self.secret, user_id, call_id)
        seconds = max(90, int(self.rng.lognormvariate(5.3, 0.3)))
        answers = self.answers(self.rng, {}, self.said)
        started = int(time.time()) - seconds
        ended = now + seconds
        common = {"form_key": secrets.token_urlsafe(16), "started": started}
        if broken:
            ended = now + seconds // 3
            interview_service.break_off(
                self.conn,
                self.writing,
                call,
                user_id,
                self.definition,
                answers={"nps": answers["nps"]},
                today=self.day_of(ended),
                tz=self.tz,
                now=ended,
                **common,
            )
            self.done.attempts += 1
            self.done.broken_off += 1
        else:
            interview_service.store_phone(
                self.conn,
                self.writing,
                call,
                user_id,
                self.definition,
                answers=answers,
                today=self.day_of(ended),
                **common,
            )
            self.done.phone += 1
        return ended

    # ---- face to face ---------------------------------------------------------------------

    def onsite(self, user_id: int, start: float, location_id: int, count: int) -> None:
        now = start + self.rng.randint(0, 15 * 60)
        for _ in range(count):
            seconds = max(60, int(self.rng.lognormvariate(5.0, 0.3)))
            answers = self.answers(self.rng, {}, self.said)
            now += seconds
            payload = {
                "key": secrets.token_hex(16),
                "location": location_id,
                "language": "en" if self.rng.random() < 0.1 else "nl",
                "seconds": seconds,
                "answers": {qid: [value] for qid, value in answers.items()},
            }
            onsite_service.submit(
                self.conn, self.writing, user_id, self.row, payload, self.day_of(now), now=now
            )
            self.done.onsite += 1
            now += self.rng.randint(4, 25) * 60  # the next passer-by willing to answer


def fill(
    conn: sqlite3.Connection,
    values: dict[str, Any],
    secret: keys.Keys,
    survey_id: int,
    campaign_id: int,
    interviewer_ids: tuple[int, int],
    answers: Answers,
    seed: int = 2026,
) -> Fieldwork:
    """Ten days of fieldwork on ``campaign_id`` (a telephone campaign of ``survey_id`` whose
    calls are due from ten days ago) and at the survey's locations, by the two interviewers;
    ``answers(rng, segments, said)`` gives a respondent's answers. Returns what it left."""
    work = _Work(conn, values, secret, survey_id, campaign_id, answers, seed)
    with transaction(conn):
        calls_store.set_due(conn, campaign_id, work.at(DAYS, clock(9)))
    locations = [row["id"] for row in setup_service.open_locations(conn, survey_id)]
    try:
        plans = [(days, start, "phone", who, (end, most)) for who, days, start, end, most in SHIFTS]
        plans += [(days, at, "onsite", who, (place, n)) for who, days, at, place, n in ONSITE]
        # In the order they happened: a retry or an appointment is due in a later shift.
        for days, start, kind, who, (what, number) in sorted(
            plans, key=lambda p: (-p[0], p[1], p[2])
        ):
            user_id = interviewer_ids[who]
            if kind == "phone":
                work.shift(user_id, work.at(days, start), work.at(days, what), number)
            else:
                work.onsite(user_id, work.at(days, start), locations[what], number)
    finally:
        work.writer.close()
    # Folded and released now, as the demo's other responses were: the researcher's report
    # shows the interviews and the response rates at once.
    fold_service.fold_pending(conn)
    release_service.cut_due(conn, values["min_group_size"])
    return _tally(conn, campaign_id, work.done)


def _tally(conn: sqlite3.Connection, campaign_id: int, done: Fieldwork) -> Fieldwork:
    summary = calls_service.summary(conn, campaign_id, time.time())
    done.outcomes = {outcome.code: n for outcome, n in summary.outcomes}
    done.open_calls = summary.states.get("open", 0)
    done.appointments = summary.states.get("appointments", 0)
    return done
