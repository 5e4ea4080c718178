"""Staff's setup of a survey's interviews: the scripts read out per language, the rule for a
broken-off interview, and the locations of face-to-face interviews.

Contracts:

- Scripts are plain texts per survey language; the introduction may hold ``{salutation}``,
  which :func:`intro_for` fills with the contact's salutation (any other brace is kept as
  typed). Saving is audited with the languages saved, never the texts.
- A location is added, renamed or retired, never deleted: a retired location takes no new
  interviews but its name stays offered to the reports. Every name a location has had is offered
  (``report_segment_values``, through the reports service), since responses keep the name of
  their day; the offer never depends on responses.
- The partial rule: a broken-off interview is kept when ``keep`` is on and at least ``percent``
  % of the questions that applied to it were answered (:func:`keeps_partial`).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.i18n import N_
from appliance.interviews import locations_store, scripts_store
from appliance.reports import service as reports_service

LOCATION = "location"  # the segment attribute of an on-site response
MAX_SCRIPT = 5000
MAX_LOCATION = 80
_TAKEN = N_("This survey has a location of that name already.")


class SetupError(ValueError):
    """``reason`` is a msgid."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Script:
    intro: str = ""
    closing: str = ""
    consent: str = ""


def scripts(conn: sqlite3.Connection, survey_id: int, languages) -> dict[str, Script]:
    """The survey's scripts for each of ``languages`` (empty texts where none were saved)."""
    saved = scripts_store.scripts_of(conn, survey_id)
    return {
        lang: Script(saved[lang]["intro"], saved[lang]["closing"], saved[lang]["consent"])
        if lang in saved
        else Script()
        for lang in languages
    }


def save_scripts(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, given: dict[str, Script]
) -> None:
    """Save the scripts per language; audited. Raises SetupError for a text too long."""
    for script in given.values():
        if any(len(t) > MAX_SCRIPT for t in (script.intro, script.closing, script.consent)):
            raise SetupError(N_("A text can be at most 5000 characters long."))
    with transaction(conn):
        for lang, script in given.items():
            scripts_store.set_script(
                conn,
                survey_id,
                lang,
                script.intro.strip(),
                script.closing.strip(),
                script.consent.strip(),
            )
        actor.log(conn, "interview.scripts_saved", f"survey:{survey_id}", languages=sorted(given))


def intro_for(script: Script, salutation: str) -> str:
    """The introduction with ``{salutation}`` filled in (only that placeholder)."""
    return script.intro.replace("{salutation}", salutation)


def partial_rule(conn: sqlite3.Connection, survey_id: int) -> tuple[bool, int]:
    """(keep a broken-off interview as a partial response, from this % of the questions)."""
    return scripts_store.partial_rule(conn, survey_id)


def set_partial_rule(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, keep: bool, percent: int
) -> None:
    """Audited; raises ValueError for a percentage outside 1-100."""
    if not 1 <= percent <= 100:
        raise ValueError(percent)
    with transaction(conn):
        scripts_store.set_partial_rule(conn, survey_id, keep, percent)
        actor.log(conn, "interview.partial_rule", f"survey:{survey_id}", keep=keep, percent=percent)


def keeps_partial(rule: tuple[bool, int], answered: int, applicable: int) -> bool:
    """Whether a broken-off interview with ``answered`` of ``applicable`` questions is kept."""
    keep, percent = rule
    return keep and answered > 0 and answered >= math.ceil(applicable * percent / 100)


# ---- locations ---------------------------------------------------------------------------------


def locations(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's locations (``id``, ``name``, ``retired``), those in use first."""
    return locations_store.locations_of(conn, survey_id)


def open_locations(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The locations that take new interviews."""
    return [r for r in locations_store.locations_of(conn, survey_id) if not r["retired"]]


def open_location(conn: sqlite3.Connection, survey_id: int, location_id: int) -> str | None:
    """The name of the survey's location ``location_id`` when it takes new interviews."""
    row = locations_store.location(conn, survey_id, location_id)
    return row["name"] if row is not None and not row["retired"] else None


def surveys_with_locations(conn: sqlite3.Connection, survey_ids: set[int]) -> set[int]:
    return locations_store.surveys_with_locations(conn, survey_ids)


def _name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean or len(clean) > MAX_LOCATION:
        raise SetupError(N_("Give the location a name of at most 80 characters."))
    return clean


def add_location(conn: sqlite3.Connection, actor: Actor, survey_id: int, name: str) -> int:
    """A new location in use; audited. Raises SetupError for an empty, long or taken name."""
    clean = _name(name)
    try:
        with transaction(conn):
            location_id = locations_store.add(conn, survey_id, clean)
            reports_service.offer_values(conn, survey_id, [(LOCATION, clean)])
            actor.log(conn, "location.added", f"survey:{survey_id}", location=location_id)
    except sqlite3.IntegrityError:
        raise SetupError(_TAKEN) from None
    return location_id


def rename_location(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, location_id: int, name: str
) -> bool:
    """Rename; audited. Responses stored already keep the old name, which stays offered to the
    reports. False when there is no such location; SetupError for a bad or taken name."""
    try:
        with transaction(conn):
            if locations_store.location(conn, survey_id, location_id) is None:
                return False
            clean = _name(name)
            locations_store.rename(conn, location_id, clean)
            reports_service.offer_values(conn, survey_id, [(LOCATION, clean)])
            actor.log(conn, "location.renamed", f"survey:{survey_id}", location=location_id)
    except sqlite3.IntegrityError:
        raise SetupError(_TAKEN) from None
    return True


def retire_location(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, location_id: int, retired: bool
) -> bool:
    """Retire (or take back into use); audited. False when there is no such location."""
    with transaction(conn):
        if locations_store.location(conn, survey_id, location_id) is None:
            return False
        locations_store.set_retired(conn, location_id, retired)
        actor.log(
            conn,
            "location.retired" if retired else "location.reopened",
            f"survey:{survey_id}",
            location=location_id,
        )
    return True
