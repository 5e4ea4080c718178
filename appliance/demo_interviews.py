"""The demo's interviewing: an interviewer assigned to the demo survey, and a telephone campaign
of that survey for them to work through.

Made through the functions staff and admins use (the account service, the contact importer, the
campaign service), so the interviewer signs in, enrols two-factor login and finds a call list
like any other. The call list is a contact list of its own: everyone on the demo's main list
was invited by e-mail already, and a contact is invited to a survey once.

The people are fictitious and seeded like the demo's other contacts; their numbers are in one
block of Dutch mobile numbers (06-1234 5xxx), and the appliance never dials: an interviewer does.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from appliance import demo_fieldwork, demo_import, keys
from appliance.auth import store as auth_store
from appliance.auth.service import CLI
from appliance.interviews import setup_service
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mailing_store

INTERVIEWER = ("demo.interviewer", "Iris Bakker (demo)")
# Works the evenings; signs in with a password staff set (none is printed).
SECOND_INTERVIEWER = ("demo.interviewer2", "Daan Jansen (demo)")
CALL_LIST = "Bellijst (demo)"
PHONE_CAMPAIGN = "Telefonische enquête (demo)"
PURPOSE = "Telefonisch klanttevredenheidsonderzoek (demo-gegevens)"
TEMPLATE = "Uitnodiging / Invitation"
CALLS = 40
SEGMENTS = ("regio", "klanttype")
NAMES = (
    ("Anneke", "", "Visser", "v"), ("Bart", "de", "Groot", "m"), ("Carla", "", "Mulder", "v"),
    ("Dennis", "van", "Dijk", "m"), ("Eline", "", "Smit", "v"), ("Frits", "", "Bos", "m"),
    ("Gerda", "van der", "Linden", "v"), ("Hugo", "", "Peters", "m"), ("Ineke", "", "Kok", "v"),
    ("Jeroen", "de", "Wit", "m"),
)  # fmt: skip
REGIONS = ("randstad", "west", "zuid", "oost", "noord")
# Where the demo's face-to-face interviews are held.
LOCATIONS = ("Winkel Zwolle", "Station Deventer")

# The demo's way of making an account: (conn, username, display name, role=..., **fields) ->
# (username, password). Passed in, so this module needs nothing of the demo module itself.
Account = Callable[..., tuple[str, str]]


@dataclass(frozen=True)
class Interviewing:
    interviewer: tuple[str, str]  # username, password
    campaign_id: int
    calls: int
    fieldwork: demo_fieldwork.Fieldwork


def fill(
    conn: sqlite3.Connection,
    values: dict[str, Any],
    secret: keys.Keys,
    survey_id: int,
    account: Account,
    answers: demo_fieldwork.Answers,
    seed: int = 2026,
) -> Interviewing:
    """Two interviewers, assigned to ``survey_id``; a telephone campaign of that survey over a
    call list of its own, calling in every part of the day since ten days ago; locations for
    face-to-face interviews; and the fieldwork of those ten days (:mod:`appliance.demo_fieldwork`,
    with ``answers`` as the respondents' answers)."""
    interviewer = account(conn, *INTERVIEWER, role="interviewer", survey_ids={survey_id})
    account(conn, *SECOND_INTERVIEWER, role="interviewer", survey_ids={survey_id})
    tz = ZoneInfo(values["timezone"])
    start = datetime.now(tz).date() - timedelta(days=demo_fieldwork.DAYS)
    list_id, _ = demo_import.import_rows(
        conn,
        values,
        secret,
        call_list_rows(random.Random(seed)),
        list_name=CALL_LIST,
        purpose=PURPOSE,
        segments=SEGMENTS,
    )
    template_id = next(
        row["id"] for row in mailing_store.list_templates(conn) if row["name"] == TEMPLATE
    )
    campaign_id, selection = mailing_service.create(
        conn,
        CLI,
        mailing_service.Plan(
            name=PHONE_CAMPAIGN,
            survey_id=survey_id,
            list_id=list_id,
            template_id=template_id,
            reminder_template_id=None,
            send_at=datetime.combine(start, clock(9), tz).timestamp(),
            reminders=0,
            reminder_days=7,
            segment_filter={},
            channel="phone",
            min_group_size=values["min_group_size"],
        ),
        secret,
    )
    _face_to_face(conn, survey_id)
    ids = tuple(
        auth_store.user_by_name(conn, name).id for name in (INTERVIEWER[0], SECOND_INTERVIEWER[0])
    )
    fieldwork = demo_fieldwork.fill(
        conn, values, secret, survey_id, campaign_id, ids, answers, seed
    )
    return Interviewing(interviewer, campaign_id, len(selection.contact_ids), fieldwork)


def describe(made: Interviewing) -> str:
    """The lines under the interviewer's sign-in in the demo's summary."""
    work, pad = made.fieldwork, " " * 15
    return (
        f"{pad}(assigned the survey, as is {SECOND_INTERVIEWER[0]}; telephone campaign "
        f"#{made.campaign_id}: {made.calls} calls,\n"
        f"{pad} {work.open_calls} still open; in the last {demo_fieldwork.DAYS} days "
        f"{work.attempts + work.phone} attempts,\n"
        f"{pad} {work.phone} telephone interviews, {work.broken_off} broken off, "
        f"{work.onsite} face to face)"
    )


def _face_to_face(conn: sqlite3.Connection, survey_id: int) -> None:
    """Locations and scripts, so the interviewer can interview face to face too."""
    for name in LOCATIONS:
        setup_service.add_location(conn, CLI, survey_id, name)
    setup_service.save_scripts(
        conn,
        CLI,
        survey_id,
        {
            "nl": setup_service.Script(
                "Goedendag {salutation}, u spreekt met Iris van de klantenservice. Mag ik u een"
                " paar vragen stellen over onze dienstverlening? Het duurt drie minuten.",
                "Hartelijk dank voor uw tijd. Nog een prettige dag!",
                "Mag ik u drie minuten een paar vragen stellen? Uw antwoorden worden zonder uw"
                " naam bewaard.",
            ),
            "en": setup_service.Script(
                "Good afternoon {salutation}, this is Iris from customer service. May I ask you a"
                " few questions about our service? It takes three minutes.",
                "Thank you for your time. Have a nice day!",
                "May I ask you a few questions for three minutes? Your answers are kept without"
                " your name.",
            ),
        },
    )


def call_list_rows(rng: random.Random, count: int = CALLS) -> list[list[str]]:
    """``count`` fictitious customers with a phone number and no e-mail address (header first)."""
    rows = [["Voornaam", "Tussenvoegsel", "Achternaam", "Geslacht", "Telefoon", "Taal", *SEGMENTS]]
    for number in range(count):
        first, infix, last, gender = rng.choice(NAMES)
        rows.append(
            [
                first,
                infix,
                last,
                gender,
                f"06-1234{5000 + number:04d}",
                "nl",
                rng.choice(REGIONS),
                rng.choice(("particulier", "zakelijk")),
            ]
        )
    return rows
