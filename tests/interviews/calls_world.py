"""A telephone campaign for the call tests: contacts imported through the real importer (with
phone numbers, some unusable), an open survey assigned to the interviewer, and the campaign
created through the mailing service as the staff page does."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from appliance.auth import store as auth_store
from appliance.auth.service import CLI
from appliance.contacts.mapping import suggest
from appliance.interviews.phone_campaign import PhoneRules
from appliance.keys import load as load_keys
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mail_store
from tests.contacts.conftest import Importer
from tests.factories import grant, open_survey

TZ = ZoneInfo("Europe/Amsterdam")
CONTACTS = (
    "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Geslacht;Telefoon;Straat;Huisnummer;"
    "Postcode;Plaats;Taal\n"
    "jan@example.nl;Jan;;Jansen;man;06 12345678;Dorpsstraat;1;1234 AB;Zwolle;nl\n"
    "els@example.nl;Els;de;Vries;vrouw;+31 38 123 4567;Kerkweg;2;8011 AB;Zwolle;nl\n"
    "sam@example.nl;Sam;;Smith;;+44 20 7946 0958;High Street;7;SW1A 1AA;London;en\n"
    "kim@example.nl;Kim;;Bakker;vrouw;;Markt;3;7411 AA;Deventer;nl\n"
    "piet@example.nl;Piet;van;Dam;man;12345678;Markt;4;7411 AA;Deventer;nl\n"
)
CALLABLE = 3  # Jan, Els and Sam; Kim has no number, Piet's is not a possible one


def local(hour: int, minute: int = 0, day: int = 1) -> float:
    """An epoch in the appliance's time zone: 2 December 2026 + ``day`` - 1 at ``hour``."""
    return datetime(2026, 12, day + 1, hour, minute, tzinfo=TZ).timestamp()


def callable_contacts(count: int) -> str:
    """An import file of ``count`` contacts, each with a distinct Dutch mobile number."""
    rows = "".join(f"Klant{i};Test;man;06 12{i:06d};nl\n" for i in range(count))
    return "Voornaam;Achternaam;Geslacht;Telefoon;Taal\n" + rows


def calling_hours(monkeypatch, at: float | None = None) -> SimpleNamespace:
    """Fix the clock the calling pages read at ``at`` (default: 10:00 local on day 1, inside
    the calling hours), whatever the hour the tests run at; returns it, its ``now`` settable."""
    from appliance.interviews import calls_views

    clock = SimpleNamespace(now=local(10) if at is None else at)
    monkeypatch.setattr(calls_views, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


class CallWorld:
    def __init__(self, conn, data_dir, tmp_path, cast, contacts: str = CONTACTS):
        self.conn, self.data_dir, self.cast = conn, data_dir, cast
        self.keys = load_keys(data_dir)
        self.imports = Importer(conn, data_dir, tmp_path)
        self.imports.run(contacts.encode(), targets=suggest(contacts.splitlines()[0].split(";")))
        self.survey_id = open_survey(conn)
        grant(conn, cast["interviewer"], self.survey_id)

    def interviewer(self, name: str, survey_id: int | None = None) -> int:
        """Another interviewer assigned to the survey (written to the store: no password
        hashing, these never sign in)."""
        user_id = auth_store.create_user(
            self.conn, username=name, role="interviewer", password_hash="-"
        )
        self.conn.execute(
            "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
            (user_id, survey_id or self.survey_id),
        )
        return user_id

    def template_id(self) -> int:
        return next(
            r["id"]
            for r in mail_store.list_templates(self.conn)
            if r["name"] == "Uitnodiging / Invitation"
        )

    def plan(self, **kw) -> mailing_service.Plan:
        return mailing_service.Plan(
            name=kw.pop("name", "Bellen"),
            survey_id=kw.pop("survey_id", self.survey_id),
            list_id=self.imports.list_id(kw.pop("list_name", "Klanten 2026")),
            template_id=self.template_id(),
            reminder_template_id=None,
            send_at=kw.pop("send_at", local(9)),
            reminders=0,
            reminder_days=7,
            segment_filter=kw.pop("segment_filter", {}),
            channel="phone",
            phone=kw.pop("rules", PhoneRules()),
            **kw,
        )

    def campaign(self, **kw) -> int:
        return mailing_service.create(self.conn, CLI, self.plan(**kw), self.keys)[0]

    def calls(self, campaign_id: int) -> list:
        return self.conn.execute(
            "SELECT * FROM calls WHERE campaign_id = ? ORDER BY id", (campaign_id,)
        ).fetchall()
