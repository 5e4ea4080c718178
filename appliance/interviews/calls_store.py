"""SQL of telephone campaigns: the calling rules, the call list, handing out a call, the
attempts and the counts staff see. No Flask here; every function joins the caller's
transaction.

Data minimisation: the statements here read, of a contact, only the phone number (building
the list, and checking it against the "do not call" list), and the name fields, language and
phone number of the one contact whose call is in hand; never the e-mail address, its hash or
the postal address.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping

from appliance.contacts.store import VISIBLE

# The sealed fields an interviewer sees of the contact in hand.
IN_HAND_FIELDS = ("first_name", "infix", "last_name", "gender", "phone")
_IN_HAND = ", ".join(f"c.{name}" for name in IN_HAND_FIELDS)
PART_BITS = (1, 2, 4)  # see ``dayparts.PARTS`` (and the indexes of migration 0028)


# ---- the campaign's rules and its list -------------------------------------------------------


def save_settings(conn: sqlite3.Connection, campaign_id: int, rules: Mapping[str, int]) -> None:
    conn.execute(
        "INSERT INTO phone_settings (campaign_id, max_attempts, day_parts, min_gap_hours,"
        " grace_minutes) VALUES (?, ?, ?, ?, ?)",
        (
            campaign_id,
            rules["max_attempts"],
            rules["day_parts"],
            rules["min_gap_hours"],
            rules["grace_minutes"],
        ),
    )


def settings(conn: sqlite3.Connection, campaign_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM phone_settings WHERE campaign_id = ?", (campaign_id,)
    ).fetchone()


def phone_contacts(conn: sqlite3.Connection, list_id: int) -> Iterator[sqlite3.Row]:
    """(id, segments, sealed phone) of the list's visible contacts, by id."""
    return conn.execute(
        f"SELECT id, segments, phone FROM contacts WHERE list_id = ? AND {VISIBLE}"  # noqa: S608
        " ORDER BY id",
        (list_id,),
    )


def invited_contacts(conn: sqlite3.Connection, survey_id: int) -> set[int]:
    """Ids of the contacts invited to the survey so far, by any campaign."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT contact_id FROM invitations WHERE survey_id = ? AND contact_id IS NOT NULL",
            (survey_id,),
        )
    }


def insert_calls(conn: sqlite3.Connection, campaign_id: int, due_at: float) -> int:
    """One open call per invitation of the campaign, due within a second after ``due_at`` at a
    random point (so that a random point among due times draws a call at random: see
    :func:`claim`); returns how many."""
    return conn.execute(
        "INSERT INTO calls (campaign_id, contact_id, invitation_id, next_at)"
        " SELECT campaign_id, contact_id, id, ? + abs(random() % 1000000) / 1e6 FROM invitations"
        " WHERE campaign_id = ? AND contact_id IS NOT NULL ORDER BY id",
        (due_at, campaign_id),
    ).rowcount


def set_due(conn: sqlite3.Connection, campaign_id: int, at: float) -> None:
    """Every open call of the campaign due at ``at`` exactly, without the random point of
    :func:`insert_calls`: the demo hands its calls out in the same order every run."""
    conn.execute(
        "UPDATE calls SET next_at = ? WHERE campaign_id = ? AND status = 'open'", (at, campaign_id)
    )


# ---- handing out -----------------------------------------------------------------------------


def campaign(conn: sqlite3.Connection, campaign_id: int) -> sqlite3.Row | None:
    """A telephone campaign with its rules and its survey's status, or None."""
    return conn.execute(
        "SELECT c.id, c.name, c.survey_id, c.status, s.status AS survey_status,"
        " p.max_attempts, p.day_parts, p.min_gap_hours, p.grace_minutes"
        " FROM campaigns c JOIN phone_settings p ON p.campaign_id = c.id"
        " JOIN surveys s ON s.id = c.survey_id WHERE c.id = ? AND c.channel = 'phone'",
        (campaign_id,),
    ).fetchone()


def held(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """(id, campaign_id) of the open calls ``user_id`` holds."""
    return conn.execute(
        "SELECT id, campaign_id FROM calls WHERE held_by = ? AND status = 'open' ORDER BY id",
        (user_id,),
    ).fetchall()


def claim(
    conn: sqlite3.Connection,
    campaign_id: int,
    user_id: int,
    now: float,
    until: float,
    part: int,
    grace_seconds: float,
    max_attempts: int,
    pick: float,
) -> sqlite3.Row | None:
    """Take the next free call of the campaign for ``user_id`` until ``until``, inside the
    caller's write transaction: an appointment of theirs that is due, else anyone's appointment
    more than ``grace_seconds`` overdue, else (when ``part`` is one of :data:`PART_BITS`) a due
    call not tried in that part of the day first, then with the fewest attempts (below
    ``max_attempts``). Within that group the call is drawn at random from ``pick`` (0 <= pick <
    1, drawn by the caller): its first half takes the first call due at or after a point that
    far along from the earliest to the latest due time, its second half the last call due
    before such a point (the first when none is), so that the order calls are handed out in is
    not the order of anything stored. One direction alone would sweep: the call after one
    handed out inherits its gap, and so its chance. A call is free when nobody holds it or its
    holder's time ran out. Returns (id, contact_id) or None."""
    free = "(held_until IS NULL OR held_until <= :now)"
    params = {
        "user": user_id,
        "until": until,
        "campaign": campaign_id,
        "now": now,
        "late": now - grace_seconds,
    }
    appointment = conn.execute(
        _TAKE.format(
            free=free,
            probe="coalesce("  # noqa: S608 - fixed text, values bound
            "(SELECT id FROM calls WHERE campaign_id = :campaign AND status = 'open'"
            "  AND appointment_at IS NOT NULL AND appointment_at <= :now"
            f"  AND appointment_by = :user AND {free} ORDER BY appointment_at LIMIT 1),"
            "(SELECT id FROM calls WHERE campaign_id = :campaign AND status = 'open'"
            f"  AND appointment_at IS NOT NULL AND appointment_at <= :late AND {free}"
            "  ORDER BY appointment_at LIMIT 1))",
        ),
        params,
    ).fetchone()
    if appointment is not None or part not in PART_BITS:
        return appointment
    # One group per (tried in this part of the day or not, attempts): equalities and a range
    # on next_at of the index ``calls_due_<part>``, so each look-up is a seek, never a walk.
    # Each look-up names exactly one upper bound on next_at: given two (the point and now),
    # the planner seeks on one and filters the other row by row, walking every call between.
    for tried in (0, part):
        for attempts in range(max_attempts):
            group = (
                f"campaign_id = :campaign AND status = 'open' AND (tried_parts & {part})"
                f" = {tried} AND attempts = {attempts} AND {free}"
            )
            first, last = conn.execute(
                f"SELECT (SELECT next_at FROM calls WHERE {group} AND next_at <= :now"  # noqa: S608
                " ORDER BY next_at LIMIT 1),"
                f" (SELECT next_at FROM calls WHERE {group} AND next_at <= :now"
                " ORDER BY next_at DESC LIMIT 1)",
                params,
            ).fetchone()
            if first is None:
                continue
            after, point = (True, 2 * pick) if pick < 0.5 else (False, 2 * pick - 1)
            # At or before the last due call, so "before the point" is due as well.
            at = min(first + point * (last - first), last)
            taken = conn.execute(
                _TAKE.format(free=free, probe=(_AFTER if after else _BEFORE).format(group=group)),
                {**params, "at": at},
            ).fetchone()
            if taken is not None:
                return taken
    return None


_AT_OR_AFTER = (
    "(SELECT id FROM calls WHERE {group} AND next_at >= :at AND next_at <= :now"
    " ORDER BY next_at LIMIT 1)"
)
_BEFORE_POINT = (
    "(SELECT id FROM calls WHERE {group} AND next_at < :at ORDER BY next_at DESC LIMIT 1)"
)
_AFTER = f"coalesce({_AT_OR_AFTER}, {_BEFORE_POINT})"
_BEFORE = f"coalesce({_BEFORE_POINT}, {_AT_OR_AFTER})"
_TAKE = (
    "UPDATE calls SET held_by = :user, held_until = :until WHERE id = {probe}"
    " AND status = 'open' AND {free} RETURNING id, contact_id"
)


def set_hold(conn: sqlite3.Connection, call_id: int, user_id: int, until: float) -> bool:
    """Keep the call ``user_id`` holds until ``until``; False when they do not hold it."""
    return (
        conn.execute(
            "UPDATE calls SET held_until = ? WHERE id = ? AND held_by = ? AND status = 'open'",
            (until, call_id, user_id),
        ).rowcount
        == 1
    )


def release(conn: sqlite3.Connection, call_id: int) -> None:
    conn.execute("UPDATE calls SET held_by = NULL, held_until = NULL WHERE id = ?", (call_id,))


def phone_of(conn: sqlite3.Connection, call_id: int) -> sqlite3.Row | None:
    """(contact_id, sealed phone, visible) of the call's contact."""
    return conn.execute(
        f"SELECT c.id AS contact_id, c.phone, c.{VISIBLE} AS visible"  # noqa: S608
        " FROM calls k JOIN contacts c ON c.id = k.contact_id WHERE k.id = ?",
        (call_id,),
    ).fetchone()


def suppress(conn: sqlite3.Connection, call_id: int) -> None:
    """Take the call off the list: its number may not be called (any more)."""
    conn.execute(
        "UPDATE calls SET status = 'suppressed', held_by = NULL, held_until = NULL,"
        " next_at = NULL, appointment_at = NULL, appointment_by = NULL WHERE id = ?",
        (call_id,),
    )


def next_appointment(conn: sqlite3.Connection, campaign_id: int) -> float | None:
    """The earliest appointment of the campaign's open calls, as epoch; None when none."""
    row = conn.execute(
        "SELECT min(appointment_at) FROM calls WHERE campaign_id = ? AND status = 'open'"
        " AND appointment_at IS NOT NULL",
        (campaign_id,),
    ).fetchone()
    return row[0] if row else None


# ---- the call in hand ------------------------------------------------------------------------


def in_hand(conn: sqlite3.Connection, call_id: int, user_id: int) -> sqlite3.Row | None:
    """The open call ``user_id`` holds, with its campaign's survey and rules and the contact's
    sealed :data:`IN_HAND_FIELDS` and language; None otherwise."""
    return conn.execute(
        "SELECT k.id, k.campaign_id, k.contact_id, k.invitation_id, k.attempts,"  # noqa: S608
        " k.tried_parts, k.last_outcome, k.appointment_at, k.appointment_by, k.held_until,"
        " m.survey_id, m.name AS campaign_name, p.max_attempts, p.day_parts,"
        f" p.min_gap_hours, c.language, {_IN_HAND}"
        " FROM calls k JOIN campaigns m ON m.id = k.campaign_id"
        " JOIN phone_settings p ON p.campaign_id = k.campaign_id"
        " JOIN contacts c ON c.id = k.contact_id"
        " WHERE k.id = ? AND k.held_by = ? AND k.status = 'open'",
        (call_id, user_id),
    ).fetchone()


def add_attempt(
    conn: sqlite3.Connection, call_id: int, user_id: int, at: float, outcome: str
) -> None:
    conn.execute(
        "INSERT INTO call_attempts (call_id, interviewer_id, at, outcome) VALUES (?, ?, ?, ?)",
        (call_id, user_id, at, outcome),
    )


def after_attempt(
    conn: sqlite3.Connection,
    call_id: int,
    *,
    status: str,
    outcome: str,
    tried_parts: int,
    next_at: float | None,
    appointment_at: float | None,
    appointment_by: int | None,
) -> None:
    """Count one attempt with ``outcome``, set what follows from it, and let go of the call."""
    conn.execute(
        "UPDATE calls SET status = ?, last_outcome = ?, attempts = attempts + 1,"
        " tried_parts = ?, next_at = ?, appointment_at = ?, appointment_by = ?,"
        " held_by = NULL, held_until = NULL WHERE id = ?",
        (status, outcome, tried_parts, next_at, appointment_at, appointment_by, call_id),
    )


def complete(conn: sqlite3.Connection, call_id: int, outcome: str) -> bool:
    """Close the open call with ``outcome`` (complete or partial), counting the attempt, and
    with no time anywhere; False when it was not open."""
    return (
        conn.execute(
            "UPDATE calls SET status = 'closed', last_outcome = ?, attempts = attempts + 1,"
            " next_at = NULL, appointment_at = NULL, appointment_by = NULL, held_by = NULL,"
            " held_until = NULL WHERE id = ? AND status = 'open'",
            (outcome, call_id),
        ).rowcount
        == 1
    )


# ---- what the pages count --------------------------------------------------------------------


def open_campaigns(conn: sqlite3.Connection, survey_ids: Iterable[int]) -> list[sqlite3.Row]:
    """The active telephone campaigns of ``survey_ids`` of open surveys: id, name, survey id
    and title, and the calls left (``open_calls``), by survey title and campaign name."""
    ids = sorted(set(survey_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        "SELECT m.id, m.name, m.survey_id, s.title AS survey_title,"  # noqa: S608
        " (SELECT count(*) FROM calls k WHERE k.campaign_id = m.id AND k.status = 'open')"
        "  AS open_calls"
        " FROM campaigns m JOIN surveys s ON s.id = m.survey_id"
        f" WHERE m.channel = 'phone' AND m.status = 'active' AND s.status = 'open'"
        f" AND m.survey_id IN ({marks}) ORDER BY s.title, m.name, m.id",
        ids,
    ).fetchall()


def outcome_counts(conn: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    """last outcome code -> number of the campaign's calls."""
    return dict(
        conn.execute(
            "SELECT last_outcome, count(*) FROM calls WHERE campaign_id = ? GROUP BY last_outcome",
            (campaign_id,),
        ).fetchall()
    )


def state_counts(conn: sqlite3.Connection, campaign_id: int, now: float) -> dict[str, int]:
    """open, held (now), closed, suppressed and appointments (open, with an appointment)."""
    row = conn.execute(
        "SELECT coalesce(sum(status = 'open'), 0),"
        " coalesce(sum(status = 'open' AND held_by IS NOT NULL AND held_until > ?), 0),"
        " coalesce(sum(status = 'closed'), 0), coalesce(sum(status = 'suppressed'), 0),"
        " coalesce(sum(status = 'open' AND appointment_at IS NOT NULL), 0)"
        " FROM calls WHERE campaign_id = ?",
        (now, campaign_id),
    ).fetchone()
    return dict(zip(("open", "held", "closed", "suppressed", "appointments"), row, strict=True))


# ---- a person's own calls (data-subject access) ----------------------------------------------


def calls_of(conn: sqlite3.Connection, contact_ids: Iterable[int]) -> list[sqlite3.Row]:
    """The calls of these contacts: id, contact id, campaign name, survey title, status, last
    outcome and attempts, by id."""
    ids = sorted(set(contact_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        "SELECT k.id, k.contact_id, m.name AS campaign, s.title AS survey, k.status,"  # noqa: S608
        " k.last_outcome, k.attempts FROM calls k JOIN campaigns m ON m.id = k.campaign_id"
        f" JOIN surveys s ON s.id = m.survey_id WHERE k.contact_id IN ({marks}) ORDER BY k.id",
        ids,
    ).fetchall()


def attempts_of(conn: sqlite3.Connection, call_ids: Iterable[int]) -> list[sqlite3.Row]:
    """The attempts of these calls: call id, time (epoch) and outcome, in time order."""
    ids = sorted(set(call_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return conn.execute(
        f"SELECT call_id, at, outcome FROM call_attempts WHERE call_id IN ({marks})"  # noqa: S608
        " ORDER BY at, id",
        ids,
    ).fetchall()
