"""Survey operations shared by the staff pages (and later the CLI): each validates, writes in one
transaction with its audit entry, and raises :class:`SurveyError` with msgids when refused.

Reads of surveys and kiosks pass through here as plain calls of the store, so views (staff and
respondent pages alike) never depend on SQL."""

from __future__ import annotations

import copy
import sqlite3
from datetime import date
from typing import Any

from appliance.auth.service import Actor
from appliance.crypto import KeyedHasher
from appliance.db import transaction
from appliance.i18n import N_
from appliance.licence import limits
from appliance.surveys import store
from appliance.surveys.definition import Definition, breaking_changes
from appliance.surveys.templates import TEMPLATES

TRANSITIONS = {("draft", "open"), ("open", "closed"), ("closed", "open")}


class SurveyError(ValueError):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def create_from_template(
    conn: sqlite3.Connection, actor: Actor, template: str, title: dict[str, str] | None = None
) -> int:
    """The one way a survey is made: a draft from one of the templates, its title replaced
    for the languages ``title`` names (the others keep the template's; a language the template
    does not have is ignored). Refused while the licence refuses new work
    (:mod:`appliance.licence.limits`); raises DefinitionError for a title the questionnaire
    cannot take (blank, too long)."""
    if template not in TEMPLATES:
        raise SurveyError([N_("Choose one of the templates.")])
    data = copy.deepcopy(TEMPLATES[template])
    if title:
        data["title"] = {**data["title"], **title}
    definition = Definition.parse(data)
    with transaction(conn):
        refused = limits.creation_refusals(conn)
        if refused:
            raise SurveyError(refused)
        survey_id = store.create_survey(conn, definition)
        actor.log(conn, "survey.created", f"survey:{survey_id}", template=template)
    return survey_id


def update_definition(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, data: Any
) -> Definition:
    """Save a new definition. Raises DefinitionError (with the place) for an invalid one, and
    SurveyError when the survey has responses and the change would corrupt them. Audited as
    ``survey.changed``, with ``publication_notice`` (its new value) when that was switched."""
    new = Definition.parse(data)
    with transaction(conn):
        row = store.get_survey(conn, survey_id)
        old = store.definition_of(row)
        problems = []
        if old.anonymous != new.anonymous and row["status"] != "draft":
            # Respondents answer under the mode they were shown; once the survey has been open,
            # someone may be answering under the old one.
            problems.append(N_("The anonymity of a survey cannot change once it has been open."))
        answered = store.answered_questions(conn, survey_id)
        if answered:
            problems += [reason for qid, reason in breaking_changes(old, new) if qid in answered]
        if problems:
            raise SurveyError(problems)
        store.save_definition(conn, survey_id, new)
        # Switching the publication notice decides which later responses may become public
        # reviews: the audit log says when it was switched, and which way.
        notice = (
            {"publication_notice": new.publication_notice}
            if old.publication_notice != new.publication_notice
            else {}
        )
        actor.log(conn, "survey.changed", f"survey:{survey_id}", **notice)
    return new


def change_status(conn: sqlite3.Connection, actor: Actor, survey_id: int, status: str) -> None:
    with transaction(conn):
        row = store.get_survey(conn, survey_id)
        if (row["status"], status) not in TRANSITIONS:
            raise SurveyError([N_("That change of status is not possible.")])
        store.set_status(conn, survey_id, status)
        actor.log(
            conn, f"survey.{'opened' if status == 'open' else 'closed'}", f"survey:{survey_id}"
        )


def set_dates(
    conn: sqlite3.Connection,
    actor: Actor,
    survey_id: int,
    opens_on: date | None,
    closes_on: date | None,
) -> None:
    if opens_on and closes_on and closes_on < opens_on:
        raise SurveyError([N_("The survey closes before it opens.")])
    with transaction(conn):
        store.set_dates(
            conn,
            survey_id,
            opens_on.isoformat() if opens_on else None,
            closes_on.isoformat() if closes_on else None,
        )
        actor.log(
            conn,
            "survey.dates_changed",
            f"survey:{survey_id}",
            opens_on=opens_on.isoformat() if opens_on else None,
            closes_on=closes_on.isoformat() if closes_on else None,
        )


def accepting(row: sqlite3.Row, today: date) -> bool:
    """Open status, and today within the open and close dates when they are set."""
    if row["status"] != "open":
        return False
    if row["opens_on"] and today < date.fromisoformat(row["opens_on"]):
        return False
    return not (row["closes_on"] and today > date.fromisoformat(row["closes_on"]))


def register_kiosk(
    conn: sqlite3.Connection,
    actor: Actor,
    hasher: KeyedHasher,
    survey_id: int,
    name: str,
    idle_seconds: int,
    on_idle: str,
) -> str:
    """Register a tablet or terminal for the survey; audited. Returns its device key, which is
    stored only as a keyed hash: the caller shows it once."""
    with transaction(conn):
        key = store.create_kiosk(conn, hasher, survey_id, name, idle_seconds, on_idle)
        actor.log(conn, "kiosk.registered", f"survey:{survey_id}", name=name)
    return key


def revoke_kiosk(conn: sqlite3.Connection, actor: Actor, survey_id: int, kiosk_id: int) -> bool:
    """Revoke one of the survey's kiosks; audited. False, with nothing written, when the survey
    has no such kiosk."""
    with transaction(conn):
        revoked = store.revoke_kiosk(conn, survey_id, kiosk_id)
        if revoked:
            actor.log(conn, "kiosk.revoked", f"survey:{survey_id}", kiosk=kiosk_id)
    return revoked


# ---- reads: plain calls of the store, so views never depend on its SQL ----------------------


def get_survey(conn: sqlite3.Connection, survey_id: int) -> sqlite3.Row | None:
    """The survey's row (every column), or None for an id that does not exist."""
    return store.get_survey(conn, survey_id)


def survey_by_link(conn: sqlite3.Connection, token: str) -> sqlite3.Row | None:
    """The survey whose open link carries ``token``, or None."""
    return store.get_survey_by_link(conn, token)


def list_surveys(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every survey, newest first, with its response count (``responses``)."""
    return store.list_surveys(conn)


def titles(conn: sqlite3.Connection, include_closed: bool = True) -> list[sqlite3.Row]:
    """(id, title) of every survey (without the closed ones unless ``include_closed``),
    newest first."""
    return store.titles(conn, include_closed)


def definition_of(row: sqlite3.Row) -> Definition:
    """The parsed questionnaire of a survey row (parsed once per distinct text)."""
    return store.definition_of(row)


def parse_definition(text: str) -> Definition:
    """A questionnaire from its stored JSON text (parsed once per distinct text)."""
    return store.parse_definition(text)


def response_count(conn: sqlite3.Connection, survey_id: int) -> int:
    """How many responses the survey has, excluded ones included."""
    return store.response_count(conn, survey_id)


def kiosks_of(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's kiosks, revoked ones included, in the order they were registered."""
    return store.kiosks_of(conn, survey_id)


def kiosk_by_key(conn: sqlite3.Connection, hasher: KeyedHasher, key: str) -> sqlite3.Row | None:
    """The kiosk whose device key is ``key``, or None (also once it is revoked)."""
    return store.kiosk_by_key(conn, hasher, key)
