"""``appliance demo``: fill a fresh data directory with an example to explore at once.

Everything goes through the functions the web pages and the other commands use, so the example
is exactly what staff would have made by hand: the customer-satisfaction survey from its
template (open, with reportable segments), a contact list of generated Dutch contacts imported
by the contact importer (encrypted and hashed as always), a campaign sent to ``.eml`` files by
the mail sender, responses over the last three months (answered through the invitation links in
those files, by open link and at a kiosk), a staff and a researcher account, and an interviewer
assigned to the survey (:mod:`appliance.demo_interviews`).

The generated people are fictitious (seeded, so every run makes the same contacts) and their
addresses are at example domains; the demo never sends through an SMTP relay.
"""

from __future__ import annotations

import email
import json
import random
import re
import secrets
import sqlite3
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email import policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance import db, demo_import, demo_interviews, keys, schema
from appliance.admin import store as admin_store
from appliance.auth import passwords
from appliance.auth import service as auth_service
from appliance.auth import store as auth_store
from appliance.auth.service import CLI
from appliance.contacts import store as contacts_store
from appliance.db import transaction
from appliance.mailing import jobs, links, transport
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mailing_store
from appliance.publication import moderation_service
from appliance.publication import service as publication_service
from appliance.reports import fold_service, release_service
from appliance.reports import store as report_store
from appliance.responses import quality
from appliance.responses import store as responses_store
from appliance.surveys import service
from appliance.surveys import store as surveys_store

TEMPLATE = "customer_satisfaction"
CONSENT_QUESTION = "publish"
CONSENT_SHARE = 0.7
PUBLIC_SLUG = "klanttevredenheid"
INVITATION_TEMPLATE = "Uitnodiging / Invitation"
LIST_NAME = "Klanten (demo)"
CAMPAIGN_NAME = "Klanttevredenheid (demo)"
PURPOSE = "Klanttevredenheidsonderzoek onder bestaande klanten (demo-gegevens)"
ORGANISATION = "Voorbeeld BV"
MAIL_FROM = "Klantenservice Voorbeeld BV <enquete@voorbeeld.nl>"
SEGMENTS = ("regio", "klanttype")
STAFF = ("demo.staff", "Sanne de Vries (demo)")
RESEARCHER = ("demo.researcher", "Onderzoeksbureau Peilpunt (demo)")

CONTACTS = 3000
NO_ADDRESS = 24  # contacts without an e-mail address: the campaign skips them
INVALID = 6  # rows the importer rejects, to be seen under the import's rejected rows
RESPONSES = {"invitation": 430, "link": 120, "kiosk": 55}
DAYS = 90
CAMPAIGN_DAYS_AGO = 84
REMARK_SHARE = 0.25

# ---- generated people ---------------------------------------------------------------------------

FIRST_MEN = (
    "Jan", "Pieter", "Kees", "Henk", "Willem", "Johan", "Gerrit", "Bram", "Daan", "Sem", "Lucas",
    "Thijs", "Ruben", "Jeroen", "Martijn", "Bas", "Tim", "Niels", "Sander", "Joost", "Mark",
    "Erik", "Rob", "Wouter", "Stefan", "Koen", "Lars", "Jesse", "Milan", "Mohammed", "Youssef",
    "Hans", "Frank", "Dirk", "Arjen", "Maarten", "Jasper", "Teun", "Finn", "Levi",
)  # fmt: skip
FIRST_WOMEN = (
    "Anna", "Emma", "Julia", "Sophie", "Lotte", "Sanne", "Lisa", "Eva", "Fleur", "Iris", "Anouk",
    "Marieke", "Ingrid", "Annemieke", "Petra", "Monique", "Linda", "Esther", "Karin", "Nicole",
    "Femke", "Roos", "Noor", "Tess", "Sara", "Fatima", "Yasmina", "Wilma", "Ria", "Tineke",
    "Margriet", "Joke", "Hanneke", "Ilse", "Maud", "Mila", "Zoë", "Renée", "Chantal", "Naomi",
)  # fmt: skip
INFIXES = (
    ("", 62), ("van", 8), ("de", 10), ("van der", 6), ("van den", 4), ("van de", 4), ("ter", 1),
    ("ten", 1), ("van 't", 1), ("den", 1), ("in 't", 1), ("op de", 1),
)  # fmt: skip
LAST_WITH_INFIX = (
    "Vries", "Berg", "Jong", "Boer", "Dijk", "Bruijn", "Graaf", "Wit", "Heuvel", "Leeuwen",
    "Linden", "Meer", "Veen", "Haar", "Brink", "Hoek", "Wal", "Laan", "Bosch", "Vliet",
)  # fmt: skip
LAST_PLAIN = (
    "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
    "Dekker", "Brouwer", "Dijkstra", "Smits", "Janssen", "Kok", "Vermeulen", "Willems", "Prins",
    "Postma", "Kuipers", "Koster", "Huisman", "Schouten", "Verbeek", "Wouters", "Hoekstra",
    "Maas", "Verhoeven", "Kramer", "Sanders", "Koning", "Groen", "Gerritsen", "Timmermans",
    "Bouma", "Veenstra", "Kaya", "Yilmaz", "El Amrani", "Nguyen", "Öztürk", "Blom", "Claassen",
)  # fmt: skip
REGIONS = {
    # region: (weight, towns)
    "randstad": (38, ("Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Almere")),
    "west": (17, ("Haarlem", "Leiden", "Alkmaar", "Delft", "Dordrecht", "Zoetermeer")),
    "zuid": (19, ("Eindhoven", "Tilburg", "Breda", "Maastricht", "'s-Hertogenbosch", "Venlo")),
    "oost": (16, ("Zwolle", "Enschede", "Apeldoorn", "Arnhem", "Nijmegen", "Deventer")),
    "noord": (10, ("Groningen", "Leeuwarden", "Assen", "Emmen", "Drachten")),
}
DOMAINS = ("example.nl", "example.com", "voorbeeld.nl", "example.org")

# ---- answers ------------------------------------------------------------------------------------

# How a group differs from the average, in NPS points: something to find in the report.
REGION_SHIFT = {"randstad": -0.4, "west": 0.0, "zuid": 0.4, "oost": 0.2, "noord": 0.7}
TYPE_SHIFT = {"particulier": 0.2, "zakelijk": -0.5}
NPS_WEIGHTS = (1, 1, 1, 2, 3, 5, 8, 18, 25, 19, 12)  # 0..10: mostly 7-9, some detractors

PRAISE = (
    "Snelle en vriendelijke hulp bij de klantenservice.",
    "Alles was goed geregeld, ga zo door!",
    "Prima service, mijn vraag werd dezelfde dag beantwoord.",
    "Fijn dat ik altijd dezelfde contactpersoon heb.",
    "Duidelijke uitleg en goede nazorg.",
    "De monteur was op tijd en heeft alles netjes achtergelaten.",
    "Ik ben al jaren tevreden klant, niets aan veranderen.",
    "De nieuwe website werkt een stuk prettiger.",
    "Goede prijs-kwaliteitverhouding.",
    "Heel klantvriendelijk, ook toen er iets misging.",
)
SUGGESTIONS = (
    "De wachttijd aan de telefoon mag korter.",
    "Graag een bevestiging per e-mail na een telefoongesprek.",
    "Het zou fijn zijn als ik 's avonds ook kan bellen.",
    "De factuur is lastig te lezen; maak die overzichtelijker.",
    "Geef eerder door wanneer een levering vertraging heeft.",
    "Mijn vraag moest ik twee keer stellen voordat die werd opgepakt.",
    "De app loopt soms vast bij het inloggen.",
    "Meer mogelijkheden om zelf online iets te wijzigen.",
    "De chatfunctie geeft vaak standaardantwoorden.",
    "Een vast aanspreekpunt voor zakelijke klanten zou helpen.",
)
COMPLAINTS = (
    "Al drie keer gebeld over dezelfde storing en nog steeds niet opgelost.",
    "De prijsverhoging werd slecht uitgelegd.",
    "Mijn klacht is nooit beantwoord.",
    "De levering was een week te laat en niemand liet iets weten.",
    "Ik werd steeds doorverbonden en niemand voelde zich verantwoordelijk.",
    "Het opzeggen van mijn abonnement was onnodig ingewikkeld.",
    "De monteur kwam niet op de afgesproken tijd.",
    "Onduidelijke voorwaarden; ik voel me niet serieus genomen.",
)
OPENINGS = (
    "",
    "",
    "",
    "Mijn ervaring: ",
    "Eerlijk gezegd: ",
    "Kort samengevat: ",
    "Wat mij betreft: ",
    "Zoals eerder aangegeven: ",
)
ADDITIONS = (
    "",
    "",
    "",
    " Verder geen opmerkingen.",
    " Dank voor het vragen.",
    " Succes!",
    " Dat mag best eens gezegd worden.",
    " Hopelijk doen jullie hier iets mee.",
    " Groet.",
)


class NotFresh(Exception):
    """The data directory holds data already; the demo fills only a fresh one."""


@dataclass
class Summary:
    survey_id: int
    contacts: int
    rejected: int
    campaign_id: int
    messages: int
    responses: int
    staff: tuple[str, str]
    researcher: tuple[str, str]
    interviewing: demo_interviews.Interviewing
    valid_until: str
    base_url: str
    mail_dir: str
    settings_set: dict[str, str]
    seconds: float


def refusal(values: dict[str, Any]) -> str | None:
    """Why the demo cannot fill this data directory, or None when it is fresh (or absent)."""
    path = db.db_path(values["data_dir"])
    if not path.exists():
        return None
    conn = db.connect(path)
    try:
        if not schema.applied(conn):
            return None
        found = []
        if surveys_store.list_surveys(conn):
            found.append("surveys")
        if contacts_store.lists_with_counts(conn):
            found.append("contacts")
        if auth_store.list_users(conn):
            found.append("user accounts")
    finally:
        conn.close()
    if not found:
        return None
    held = ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else found[0]
    return (
        f"the data directory {values['data_dir']} already holds {held}; "
        "`appliance demo` fills only a fresh one (use another --data-dir)"
    )


def fill(values: dict[str, Any], seed: int = 2026) -> Summary:
    """Create the example in an initialised, fresh data directory (see :func:`refusal`)."""
    started = time.monotonic()
    rng = random.Random(seed)
    secret = keys.load(values["data_dir"])
    today = datetime.now(ZoneInfo(values["timezone"])).date()
    conn = db.connect(db.db_path(values["data_dir"]))
    try:
        reason = refusal(values)  # checked again: another process may have been quicker
        if reason:
            raise NotFresh(reason)
        settings_set = _settings(conn, values)
        survey_id = service.create_from_template(conn, CLI, TEMPLATE)
        _ask_to_publish(conn, survey_id)
        service.change_status(conn, CLI, survey_id, "open")
        list_id, counts = demo_import.import_rows(
            conn,
            values,
            secret,
            contact_rows(rng),
            list_name=LIST_NAME,
            purpose=PURPOSE,
            segments=SEGMENTS,
        )
        # Reportable before the invitations are made: they fix what a response may carry.
        with transaction(conn):
            report_store.set_reportable(conn, survey_id, SEGMENTS)
            CLI.log(
                conn, "survey.report_segments_changed", f"survey:{survey_id}", segments=SEGMENTS
            )
        campaign_id = _campaign(conn, survey_id, list_id, today, values)
        messages = _deliver(values, secret)
        answered = _responses(conn, values, secret, rng, survey_id, today)
        # Counted now, not a second after `serve` starts: the reports are whole at once.
        fold_service.fold_pending(conn)
        release_service.cut_due(conn, values["min_group_size"])
        _publish(conn, secret, survey_id)
        valid_until = (today + timedelta(days=30)).isoformat()
        staff = _account(conn, *STAFF, role="staff")
        researcher = _account(
            conn,
            *RESEARCHER,
            role="researcher",
            valid_from=(today - timedelta(days=1)).isoformat(),
            valid_until=valid_until,
            survey_ids={survey_id},
        )
        interviewing = demo_interviews.fill(conn, values, secret, survey_id, _account, answers_for)
    finally:
        conn.close()
    return Summary(
        survey_id=survey_id,
        contacts=counts.added + counts.updated,
        rejected=counts.invalid,
        campaign_id=campaign_id,
        messages=messages,
        responses=answered,
        staff=staff,
        researcher=researcher,
        interviewing=interviewing,
        valid_until=valid_until,
        base_url=values["base_url"],
        mail_dir=str(Path(values["data_dir"]) / transport.MAIL_DIR),
        settings_set=settings_set,
        seconds=time.monotonic() - started,
    )


def _settings(conn: sqlite3.Connection, values: dict[str, Any]) -> dict[str, str]:
    """A sender and an organisation name (as an admin sets them under Settings), when unset:
    the sender refuses to send without ``mail_from``."""
    current = jobs.effective(conn, values)
    wanted = {"organisation_name": ORGANISATION, "mail_from": MAIL_FROM}
    changes = {name: value for name, value in wanted.items() if not current[name]}
    if changes:
        with transaction(conn):
            for name, value in changes.items():
                admin_store.set_override(conn, name, value, None)
            CLI.log(
                conn,
                "settings.changed",
                "settings",
                changes={name: ["", value] for name, value in changes.items()},
            )
    return changes


# ---- contacts -----------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " -"))


def _weighted(rng: random.Random, pairs) -> str:
    choices, weights = zip(*pairs, strict=True)
    return rng.choices(choices, weights)[0]


def contact_rows(rng: random.Random, count: int = CONTACTS) -> list[list[str]]:
    """``count`` fictitious Dutch customers as CSV rows (header first), plus a few rows the
    importer rejects; seeded, so the same every time."""
    header = [
        "Voornaam",
        "Tussenvoegsel",
        "Achternaam",
        "Geslacht",
        "E-mailadres",
        "Plaats",
        "Taal",
        "regio",
        "klanttype",
    ]
    rows, used = [header], set()
    regions = [(name, weight) for name, (weight, _) in REGIONS.items()]
    for number in range(count):
        woman = rng.random() < 0.5
        first = rng.choice(FIRST_WOMEN if woman else FIRST_MEN)
        infix = _weighted(rng, INFIXES)
        last = rng.choice(LAST_WITH_INFIX if infix else LAST_PLAIN)
        gender = rng.choices(["v" if woman else "m", "onbekend"], [97, 3])[0]
        region = _weighted(rng, regions)
        kind = _weighted(rng, [("particulier", 78), ("zakelijk", 22)])
        address = ""
        if number % (count // NO_ADDRESS) != 7:
            local = f"{first[0] if rng.random() < 0.3 else first}.{infix}{last}"
            local = _ascii(local).lower().replace(" ", "").replace("-", "")
            local = local.replace("'", "")
            domain = rng.choice(DOMAINS)
            address, n = f"{local}@{domain}", 1
            while address in used:
                n += 1
                address = f"{local}{n}@{domain}"
            used.add(address)
        rows.append(
            [
                first,
                infix,
                last,
                gender,
                address,
                rng.choice(REGIONS[region][1]),
                _weighted(rng, [("nl", 92), ("en", 8)]),
                region,
                kind,
            ]
        )
    # What real exports contain too: a mistyped address, a row without any contact data.
    broken = [
        ["Piet", "", "Hein", "m", "piet.hein@@example.nl", "Delft", "nl", "west", "particulier"],
        ["Marloes", "", "Kramer", "v", "marloes.kramer@", "Zwolle", "nl", "oost", "particulier"],
        ["", "", "", "v", "", "", "nl", "randstad", "zakelijk"],
        ["Tom", "van", "Dam", "m", "tom van dam@example.nl", "Breda", "nl", "zuid", "zakelijk"],
        ["Els", "", "Bakker", "x-y", "els.bakker@example.com", "Assen", "nl", "noord", "zakelijk"],
        ["", "", "", "", "", "", "", "randstad", "particulier"],
    ]
    for n, row in enumerate(broken[:INVALID]):
        rows.insert(1 + (n + 1) * count // (INVALID + 1) + n, row)
    return rows


# ---- the campaign -------------------------------------------------------------------------------


def _campaign(conn, survey_id: int, list_id: int, today: date, values) -> int:
    by_name = {row["name"]: row["id"] for row in mailing_store.list_templates(conn)}
    day = today - timedelta(days=CAMPAIGN_DAYS_AGO)
    send_at = datetime(day.year, day.month, day.day, 9, 30, tzinfo=ZoneInfo(values["timezone"]))
    campaign_id, _ = mailing_service.create(
        conn,
        CLI,
        mailing_service.Plan(
            name=CAMPAIGN_NAME,
            survey_id=survey_id,
            list_id=list_id,
            template_id=by_name[INVITATION_TEMPLATE],
            reminder_template_id=None,
            send_at=send_at.timestamp(),
            reminders=0,
            reminder_days=7,
            segment_filter={},
        ),
    )
    return campaign_id


def _deliver(values: dict[str, Any], secret: keys.Keys) -> int:
    """One round of `appliance mail send`, always into files: the demo's addresses are made up,
    and no relay should ever see them. No rate limit, so it takes seconds."""
    report = jobs.deliver({**values, "mail_transport": "file", "mail_per_minute": 0}, secret)
    if report.busy:
        raise RuntimeError("another mail sender is running on this data directory")
    if report.problems:
        raise RuntimeError("sending the demo campaign failed: " + "; ".join(report.problems))
    return report.sent


# ---- responses ----------------------------------------------------------------------------------

LINK = re.compile(r"/i/([A-Za-z0-9_-]{20,})")


def invitation_tokens(mail_dir: Path, rng: random.Random, wanted: int) -> list[str]:
    """Invitation links out of ``wanted`` of the sent messages, as their recipients would
    click them."""
    files = sorted(mail_dir.rglob("*.eml"))
    tokens = []
    for path in rng.sample(files, min(wanted, len(files))):
        with path.open("rb") as fh:
            message = email.message_from_binary_file(fh, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        found = LINK.search(body.get_content() if body else "")
        if found:
            tokens.append(found.group(1))
    return tokens


def _score(rng: random.Random, segments: dict[str, str]) -> int:
    base = rng.choices(range(11), NPS_WEIGHTS)[0]
    shift = REGION_SHIFT.get(segments.get("regio", ""), 0.0)
    shift += TYPE_SHIFT.get(segments.get("klanttype", ""), 0.0)
    return max(0, min(10, round(base + shift + rng.uniform(-0.5, 0.5))))


def answers_for(rng: random.Random, segments: dict[str, str], said: set[str]) -> dict[str, str]:
    """NPS mostly 7-9 with some detractors, a grade that goes with it, sometimes a remark."""
    nps = _score(rng, segments)
    grade = max(1, min(10, round(nps * 0.55 + 3.3 + rng.gauss(0, 0.8))))
    answers = {"nps": str(nps), "grade": str(grade)}
    if rng.random() < REMARK_SHARE + (0.15 if nps <= 5 else 0.0):
        pool = PRAISE if nps >= 9 else COMPLAINTS if nps <= 5 else SUGGESTIONS
        for _ in range(5):
            remark = rng.choice(OPENINGS) + rng.choice(pool) + rng.choice(ADDITIONS)
            # Now and then the same words twice: the quality flag has something to show.
            if remark not in said or rng.random() < 0.1:
                break
        said.add(remark)
        answers["remark"] = remark
    return answers


def _responses(conn, values, secret: keys.Keys, rng: random.Random, survey_id: int, today: date):
    """Invitation responses through the links of the sent messages (each marks its invitation
    used and counts for the campaign's response rate), most in the first weeks after it was sent;
    open-link and kiosk responses spread over the last three months."""
    hasher, cipher = secret.hasher(), secret.cipher()
    definition = surveys_store.definition_of(surveys_store.get_survey(conn, survey_id))
    medians = quality.Medians()
    sent_on = today - timedelta(days=CAMPAIGN_DAYS_AGO)
    planned: list[tuple[date, str, bytes | None, dict[str, str]]] = []
    mail_dir = Path(values["data_dir"]) / transport.MAIL_DIR
    for token in invitation_tokens(mail_dir, rng, RESPONSES["invitation"]):
        token_hash = links.invitation_hash(hasher, token)
        invitation = responses_store.find_invitation(conn, token_hash)
        if invitation is None or invitation["used"]:
            continue
        segments = _segments(invitation["segments"])
        day = sent_on + timedelta(days=min(CAMPAIGN_DAYS_AGO, int(rng.expovariate(1 / 9))))
        planned.append((day, "invitation", token_hash, segments))
    for mode in ("link", "kiosk"):
        for _ in range(RESPONSES[mode]):
            planned.append((today - timedelta(days=rng.randint(0, DAYS)), mode, None, {}))
    planned.sort(key=lambda item: item[0])
    stored, said = 0, set()
    # Its own sequence: the answers stay those of earlier versions of the demo.
    consents = random.Random(rng.random())
    # One transaction for all: a few hundred commits would cost more than the rest together.
    with transaction(conn):
        for day, mode, token_hash, segments in planned:
            answers = answers_for(rng, segments, said)
            answers[CONSENT_QUESTION] = "yes" if consents.random() < CONSENT_SHARE else "no"
            duration = max(25, int(rng.lognormvariate(4.6, 0.45)))
            responses_store.store_response(
                conn,
                hasher,
                cipher,
                survey_id=survey_id,
                mode=mode,
                language="nl",
                answers=answers,
                form_key=secrets.token_urlsafe(16),
                today=day,
                segments=segments,
                duration_s=duration,
                invitation_hash=token_hash,
                flagger=_flagger(hasher, survey_id, definition, answers, duration, medians),
                k=values["min_group_size"],
                publication_notice=True,
            )
            stored += 1
    return stored


def _ask_to_publish(conn, survey_id: int) -> None:
    """The notice on the first page and the consent question, as staff would add them."""
    definition = surveys_store.definition_of(surveys_store.get_survey(conn, survey_id)).to_json()
    definition["publication_notice"] = True
    definition["pages"][-1]["questions"].append(
        {
            "id": CONSENT_QUESTION,
            "type": "publish_consent",
            "text": {
                "nl": "Mogen wij uw antwoorden als anonieme beoordeling op onze website zetten?",
                "en": "May we show your answers as an anonymous review on our website?",
            },
        }
    )
    service.update_definition(conn, CLI, survey_id, definition)


def _publish(conn, secret: keys.Keys, survey_id: int) -> None:
    """Publish the grade, the NPS and the remarks as reviews; one review withheld, one with
    words removed and one replied to, so every part of the public page shows."""
    cipher = secret.cipher()
    choices = publication_service.Choices(
        show_averages=True,
        show_reviews=True,
        score_question="grade",
        rating_questions=["nps"],
        text_question="remark",
        title_question=None,
        name_question=None,
        from_date=None,
        modes=[],
    )
    publication_service.save(conn, CLI, survey_id, PUBLIC_SLUG, choices, cipher)
    publication_service.publish(conn, CLI, survey_id, cipher)
    shown = moderation_service.reviews_for_staff(conn, survey_id, False, 0, 3)
    if len(shown) == 3:
        first, second, third = (row["id"] for row in shown)
        moderation_service.withhold(conn, CLI, survey_id, first, "spam", cipher)
        words = (shown[1]["body"] or "").split()
        if words:
            moderation_service.set_redactions(conn, CLI, survey_id, second, [words[-1]])
        moderation_service.reply(
            conn, CLI, survey_id, third, "Dank voor uw reactie, wij nemen contact met u op."
        )


def _segments(text: str | None) -> dict[str, str]:
    found = json.loads(text or "{}")
    return {name: str(found[name]) for name in SEGMENTS if name in found}


def _flagger(hasher, survey_id, definition, answers, duration, medians) -> Callable:
    def flags(conn: sqlite3.Connection) -> list[str]:
        return quality.flags_for(conn, hasher, survey_id, definition, answers, duration, medians)

    return flags


# ---- accounts -----------------------------------------------------------------------------------


def new_password(username: str) -> str:
    while True:
        password = secrets.token_urlsafe(15)
        if not passwords.problems(password, username):
            return password


def _account(conn, username: str, display_name: str, *, role: str, **window) -> tuple[str, str]:
    password = new_password(username)
    auth_service.create(
        conn,
        CLI,
        username=username,
        role=role,
        password=password,
        display_name=display_name,
        **window,
    )
    return username, password


def report(summary: Summary, echo: Callable[[str], None]) -> None:
    """What the new user needs: where to go, how to sign in, what there is to see."""
    for name, value in summary.settings_set.items():
        echo(f"set {name} = {value!r} (change it under Settings)")
    echo(
        f"demo data created in {summary.seconds:.1f} s:\n"
        f"  survey       #{summary.survey_id} 'Klanttevredenheidsonderzoek' (open; report "
        f"segments: {', '.join(SEGMENTS)})\n"
        f"  contacts     {summary.contacts:,} in list '{LIST_NAME}' "
        f"({summary.rejected} rows rejected by the importer, see Contacts)\n"
        f"  campaign     #{summary.campaign_id} '{CAMPAIGN_NAME}': {summary.messages:,} "
        f"messages written as .eml files to {summary.mail_dir}\n"
        f"  responses    {summary.responses:,} over the last {DAYS} days "
        "(invitation, open link, kiosk)\n"
        "\n"
        f"Open {summary.base_url}/login and sign in as\n"
        f"  staff:       {summary.staff[0]}  password {summary.staff[1]}\n"
        f"  researcher:  {summary.researcher[0]}  password {summary.researcher[1]}\n"
        f"               (access until {summary.valid_until})\n"
        f"  interviewer: {summary.interviewing.interviewer[0]}  "
        f"password {summary.interviewing.interviewer[1]}\n"
        f"{demo_interviews.describe(summary.interviewing)}\n"
        "Each sets up two-factor login with an authenticator app at the first sign-in (staff "
        "unless staff_totp_required is off).\n"
        "The passwords are shown only now. No admin exists yet: `appliance setup-code` prints a "
        "one-time code for /setup."
    )
