"""Telephone campaigns: the call list, handing out the next call, and recording outcomes.

Contracts:

- :func:`next_call` hands one open call of a campaign to one interviewer, in one write
  transaction with a single claiming ``UPDATE``: no two interviewers ever hold the same call.
  An interviewer holding a call gets that one back. A hold lasts :data:`LEASE_SECONDS` (made
  longer by :func:`keep`); a call whose holder's time ran out goes back on the list. Order:
  their own appointments that are due; anyone's appointment more than the campaign's grace
  minutes overdue; then calls due now, within the campaign's parts of the day, not yet tried
  in this part first, fewest attempts first. Before a call is handed out, its number is
  checked against the "do not call" list again; a number found there takes the call off.
- Only interviewers whose surveys (``auth.service.granted_survey_ids``) hold the campaign's
  survey get its calls, only while the campaign is active and its survey open.
- :func:`record` records an attempt's outcome (``outcomes.RECORDABLE``) with its time and
  interviewer, counts it for the interviewer's figures (``figures.count_attempt``) and audits
  it (``call.recorded``, the outcome code only) in one transaction; a temporary outcome plans
  the next try (``dayparts.next_try``), a final one or the last allowed attempt closes the
  call; "do not call again" puts the number's keyed hash on the organisation-wide list.
- :func:`completed` closes a call with a complete or partial interview inside the response's
  transaction: no time is stored, no attempt row written, nothing audited, so that nothing
  ties the time of the call to the day of the response.
- Interviewers see the salutation, name and number of the one contact whose call they hold
  (:func:`in_hand`), never anyone else's; staff see counts only (:func:`summary`).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from appliance.auth import service as auth_service
from appliance.auth.service import Actor
from appliance.contacts.fields import NAME_FIELDS
from appliance.db import iso, transaction
from appliance.i18n import N_
from appliance.interviews import calls_store, dayparts, figures, phone_campaign
from appliance.interviews.outcomes import BY_CODE, OUTCOMES, RECORDABLE, Outcome
from appliance.mailing.salutation import Person, surname
from appliance.planes import open_contact_field
from appliance.privacy import suppression
from appliance.settings import BY_NAME

LEASE_SECONDS = 30 * 60
# How long an interview under way holds its call from its last step (no interview lasts this).
INTERVIEW_SECONDS = 3 * 3600
# Calls taken off the list at hand-out (number now on the "do not call" list, or gone) before
# one that can be called; past this many, the interviewer is told to try again.
_SKIPS = 50
# Which due call is handed out next is drawn here, never stored (see calls_store.claim).
_DRAW = random.SystemRandom()
_TITLES = {"nl": {"man": "meneer", "woman": "mevrouw"}, "en": {"man": "Mr", "woman": "Ms"}}
_RECORDABLE = frozenset(o.code for o in RECORDABLE)


@dataclass(frozen=True)
class InHand:
    """The call an interviewer holds: all they may see of the contact (salutation, name, phone
    number in E.164), and what the interview needs to store its response."""

    call_id: int
    campaign_id: int
    survey_id: int
    invitation_id: int
    salutation: str
    name: str
    phone: str
    language: str
    # For the call screen: the attempt this is (1 for the first), and the appointment made
    # for it (epoch), if any.
    attempt: int = 1
    appointment_at: float | None = None
    # The salutation in each language the appliance speaks, for an interview held in another
    # language than the contact's ("Good afternoon Mr Jansen", not "... meneer Jansen").
    salutations: tuple[tuple[str, str], ...] = ()

    def salutation_in(self, language: str) -> str:
        """The salutation for an interview in ``language`` (the contact's own by default)."""
        return dict(self.salutations).get(language, self.salutation)

    @property
    def spoken_phone(self) -> str:
        """The number grouped for reading and dialling by hand (+31 6 12345678)."""
        try:
            parsed = phonenumbers.parse(self.phone)
        except phonenumbers.NumberParseException:
            return self.phone
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class CallError(ValueError):
    """A refused outcome; ``reasons`` are msgids."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class NotYours(LookupError):
    """The call or campaign is not one this interviewer may see (shown as "not found")."""


def default_tz() -> tzinfo:
    return ZoneInfo(BY_NAME["timezone"].default)


# ---- handing out -----------------------------------------------------------------------------


def _campaign_for(conn: sqlite3.Connection, user_id: int, campaign_id: int) -> sqlite3.Row:
    found = calls_store.campaign(conn, campaign_id)
    if found is None or found["survey_id"] not in auth_service.granted_survey_ids(conn, user_id):
        raise NotYours(campaign_id)
    return found


def _callable(campaign: sqlite3.Row) -> bool:
    return campaign["status"] == "active" and campaign["survey_status"] == "open"


def next_call(
    conn: sqlite3.Connection,
    keys,
    user_id: int,
    campaign_id: int,
    now: float,
    *,
    tz: tzinfo | None = None,
    draw: random.Random | None = None,
) -> int | None:
    """The id of the call handed to ``user_id`` (see the module's contract), or None when
    nobody can be called now. Raises NotYours for a campaign that is not a telephone campaign
    of a survey assigned to them. ``draw``: where the pick among the due calls is drawn
    (default: the system's randomness; the demo passes a seeded one, to be the same each run)."""
    tz = tz or default_tz()
    draw = draw or _DRAW
    hasher, cipher = keys.hasher(), keys.cipher()
    with transaction(conn):
        campaign = _campaign_for(conn, user_id, campaign_id)
        granted = auth_service.granted_survey_ids(conn, user_id)
        for row in calls_store.held(conn, user_id):
            held = calls_store.campaign(conn, row["campaign_id"])
            if held is not None and _callable(held) and held["survey_id"] in granted:
                calls_store.set_hold(conn, row["id"], user_id, now + LEASE_SECONDS)
                return row["id"]
            calls_store.release(conn, row["id"])
        if not _callable(campaign):
            return None
        part = dayparts.part_of(now, tz) & campaign["day_parts"]
        for _ in range(_SKIPS):
            claimed = calls_store.claim(
                conn,
                campaign_id,
                user_id,
                now,
                now + LEASE_SECONDS,
                part,
                campaign["grace_minutes"] * 60,
                campaign["max_attempts"],
                draw.random(),
            )
            if claimed is None:
                return None
            if _may_call(conn, cipher, hasher, claimed["id"]):
                return claimed["id"]
            calls_store.suppress(conn, claimed["id"])
    return None


def _may_call(conn: sqlite3.Connection, cipher, hasher, call_id: int) -> bool:
    """Whether the call's contact is still there with a number that is not on the "do not
    call" list (reads the phone field alone)."""
    contact = calls_store.phone_of(conn, call_id)
    if contact is None or not contact["visible"]:
        return False
    number = phone_campaign.phone_of(cipher, contact["phone"], contact["contact_id"])
    if number is None:
        return False
    return not suppression.suppressed(conn, [suppression.phone_hash(hasher, number)])


def keep(
    conn: sqlite3.Connection,
    user_id: int,
    call_id: int,
    now: float | None = None,
    seconds: float = LEASE_SECONDS,
) -> bool:
    """Hold the call ``user_id`` holds for another ``seconds`` (an interview holds it for
    :data:`INTERVIEW_SECONDS` from each of its steps: its answers are typed on one page, and a
    hold running out under it would hand the person to a second interviewer and lose the
    interview); False when they no longer hold it."""
    now = time.time() if now is None else now
    with transaction(conn):
        return calls_store.set_hold(conn, call_id, user_id, now + seconds)


def next_appointment(conn: sqlite3.Connection, campaign_id: int) -> float | None:
    """The earliest appointment among the campaign's open calls (epoch), or None."""
    return calls_store.next_appointment(conn, campaign_id)


# ---- the call in hand ------------------------------------------------------------------------


def _person(fields: dict[str, str], language: str) -> tuple[str, str]:
    """(salutation, name): "mevrouw De Vries" / "Ms De Vries" when the gender and a last name
    are known, else ""; the whole name as it is written after a first name."""
    person = Person(
        fields.get("first_name", ""),
        fields.get("infix", ""),
        fields.get("last_name", ""),
        fields.get("gender", "unknown"),
    )
    first = person.first_name.strip()
    last = surname(person, after_first_name=bool(first)) if person.last_name.strip() else ""
    name = " ".join(part for part in (first, last) if part)
    title = _TITLES.get(language, _TITLES["nl"]).get(person.gender, "")
    salutation = f"{title} {surname(person, after_first_name=False)}" if title and last else ""
    return salutation, name


def held_call(conn: sqlite3.Connection, user_id: int) -> int | None:
    """The id of the open call ``user_id`` holds (the first, should there be more), or None.
    The pages find the call this way, never from their address: a proxy's access log would
    otherwise keep when each call's interview was confirmed, beside the call."""
    rows = calls_store.held(conn, user_id)
    return rows[0]["id"] if rows else None


def in_hand(conn: sqlite3.Connection, keys, user_id: int, call_id: int) -> InHand | None:
    """The call ``call_id`` when ``user_id`` holds it, it is still open and its survey is
    still assigned to them (removing an assignment takes effect on the next request); else
    None."""
    row = _held_and_assigned(conn, user_id, call_id)
    if row is None:
        return None
    cipher = keys.cipher()
    fields = {
        name: open_contact_field(cipher, name, row[name], row["contact_id"])
        for name in (*NAME_FIELDS, "gender", "phone")
        if row[name] is not None
    }
    language = row["language"] or ""
    salutation, name = _person(fields, language)
    phone = phone_campaign.e164(fields.get("phone", "")) or fields.get("phone", "")
    return InHand(
        call_id=row["id"],
        campaign_id=row["campaign_id"],
        survey_id=row["survey_id"],
        invitation_id=row["invitation_id"],
        salutation=salutation,
        salutations=tuple((code, _person(fields, code)[0]) for code in _TITLES),
        name=name,
        phone=phone,
        language=language,
        attempt=row["attempts"] + 1,
        appointment_at=row["appointment_at"],
    )


def _held_and_assigned(conn: sqlite3.Connection, user_id: int, call_id: int) -> sqlite3.Row | None:
    row = calls_store.in_hand(conn, call_id, user_id)
    if row is None or row["survey_id"] not in auth_service.granted_survey_ids(conn, user_id):
        return None
    return row


# ---- outcomes --------------------------------------------------------------------------------


def _actor_for(conn: sqlite3.Connection, user_id: int) -> Actor:
    return Actor.of(auth_service.get_user(conn, user_id), "")


def record(
    conn: sqlite3.Connection,
    keys,
    user_id: int,
    call_id: int,
    outcome: str,
    *,
    actor: Actor | None = None,
    appointment_at: float | None = None,
    do_not_call: bool = False,
    now: float | None = None,
    tz: tzinfo | None = None,
) -> str:
    """Record the outcome of an attempt on the call ``user_id`` holds (see the module's
    contract); returns the call's status after it (open or closed). ``actor`` is who the
    audit names (default: the account ``user_id``); ``now`` the attempt's time (default: the
    clock); ``tz`` the appliance's time zone, for the parts of the day. Raises NotYours when
    the call is not open in their hands, CallError for an outcome that cannot be recorded (an
    appointment needs a time in the future)."""
    now = time.time() if now is None else now
    tz = tz or default_tz()
    if outcome not in _RECORDABLE:
        raise CallError([N_("Choose the outcome of the call.")])
    if outcome == "appointment" and (appointment_at is None or appointment_at <= now):
        raise CallError([N_("An appointment needs a date and time in the future.")])
    with transaction(conn):
        call = _held_and_assigned(conn, user_id, call_id)
        if call is None:
            raise NotYours(call_id)
        code, status, next_at = _after(call, outcome, do_not_call, now, tz)
        if do_not_call:
            _do_not_call(conn, keys, call)
        calls_store.add_attempt(conn, call_id, user_id, now, code)
        calls_store.after_attempt(
            conn,
            call_id,
            status=status,
            outcome=code,
            tried_parts=call["tried_parts"] | dayparts.part_of(now, tz),
            next_at=next_at,
            appointment_at=appointment_at if status == "open" and code == "appointment" else None,
            appointment_by=user_id if status == "open" and code == "appointment" else None,
        )
        figures.count_attempt(conn, call["survey_id"], user_id, now)
        (actor or _actor_for(conn, user_id)).log(
            conn, "call.recorded", f"call:{call_id}", outcome=code
        )
    return status


def _after(
    call: sqlite3.Row, outcome: str, do_not_call: bool, now: float, tz: tzinfo
) -> tuple[str, str, float | None]:
    """(the code stored, the call's status, when it is next due) after this attempt."""
    final = BY_CODE[outcome].final
    if do_not_call:
        return (outcome if final else "refusal"), "closed", None
    if final:
        return outcome, "closed", None
    if outcome == "appointment":
        return outcome, "open", None  # handed out at its time, not from the queue
    if call["attempts"] + 1 >= call["max_attempts"]:
        return outcome, "closed", None
    tried = call["tried_parts"] | dayparts.part_of(now, tz)
    at = dayparts.next_try(now, tried, call["day_parts"], call["min_gap_hours"], tz)
    return outcome, "open", at


def _do_not_call(conn: sqlite3.Connection, keys, call: sqlite3.Row) -> None:
    number = phone_campaign.phone_of(keys.cipher(), call["phone"], call["contact_id"])
    if number is not None:
        suppression.add(conn, [suppression.phone_hash(keys.hasher(), number)], "unsubscribe")


def completed(
    call_id: int, user_id: int, outcome: str = "complete"
) -> Callable[[sqlite3.Connection], None]:
    """For ``responses.service.submit_answers(also=...)``: inside the response's transaction,
    record ``outcome`` (complete or partial) as the call's final outcome, without a time, and
    let go of the call."""
    if outcome not in ("complete", "partial"):
        raise ValueError(f"not an interview's outcome: {outcome!r}")

    def close(conn: sqlite3.Connection) -> None:
        # Whoever holds it now: the interview took place. No audit entry and no attempt row:
        # either would carry the time of the interview beside the contact.
        calls_store.complete(conn, call_id, outcome)

    return close


# ---- what the pages show ---------------------------------------------------------------------


def campaigns_for(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """The active telephone campaigns of the surveys assigned to ``user_id``: id, name,
    survey id and title, and the number of calls left (``open_calls``)."""
    return calls_store.open_campaigns(conn, auth_service.granted_survey_ids(conn, user_id))


@dataclass(frozen=True)
class Summary:
    """Staff's view of a call list: counts only, never who was called when."""

    outcomes: list[tuple[Outcome, int]]
    states: dict[str, int]
    rules: sqlite3.Row | None


def summary(conn: sqlite3.Connection, campaign_id: int, now: float) -> Summary:
    """Per outcome code (in ``OUTCOMES`` order, those with calls), the calls open, held now,
    closed and taken off the list, appointments pending, and the campaign's rules."""
    counts = calls_store.outcome_counts(conn, campaign_id)
    return Summary(
        [(o, counts[o.code]) for o in OUTCOMES if counts.get(o.code)],
        calls_store.state_counts(conn, campaign_id, now),
        calls_store.settings(conn, campaign_id),
    )


def calls_of_person(conn: sqlite3.Connection, contact_ids: list[int]) -> dict[int, list[dict]]:
    """For a data-subject access request: contact id -> its calls, each with its survey,
    campaign, outcome (code, label msgid, AAPOR number) and attempts (time as ISO UTC text,
    outcome code and label msgid). A complete or partial interview appears as the call's
    outcome alone, without a time: none is kept."""
    calls = calls_store.calls_of(conn, contact_ids)
    attempts: dict[int, list[dict[str, Any]]] = {}
    for row in calls_store.attempts_of(conn, [c["id"] for c in calls]):
        attempts.setdefault(row["call_id"], []).append(
            {
                "at": iso(datetime.fromtimestamp(row["at"], UTC)),
                "outcome": row["outcome"],
                "outcome_label": _label(row["outcome"]),
            }
        )
    out: dict[int, list[dict[str, Any]]] = {}
    for c in calls:
        out.setdefault(c["contact_id"], []).append(
            {
                "survey": c["survey"],
                "campaign": c["campaign"],
                "outcome": c["last_outcome"],
                "outcome_label": _label(c["last_outcome"]),
                "aapor": BY_CODE[c["last_outcome"]].aapor if c["last_outcome"] in BY_CODE else "",
                "attempts": attempts.get(c["id"], []),
            }
        )
    return out


def _label(code: str) -> str:
    return BY_CODE[code].label if code in BY_CODE else code


def phone_hashes(hasher, numbers) -> set[bytes]:
    """The "do not call" list's keys of those of ``numbers`` that are telephone numbers."""
    found = (phone_campaign.e164(n) for n in numbers)
    return {suppression.phone_hash(hasher, n) for n in found if n}
