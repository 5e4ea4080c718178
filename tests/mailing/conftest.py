"""A mailing world for the tests: an open survey, a contact list imported through the real
importer, a real SMTP server (aiosmtpd) and the real sending job."""

from __future__ import annotations

import email
import email.policy
import re
import time
from dataclasses import dataclass

import pytest

from appliance.auth.service import CLI
from appliance.contacts.mapping import suggest
from appliance.keys import load as load_keys
from appliance.mailing import jobs, store
from appliance.mailing import service as mailing_service
from appliance.settings import load as load_settings
from tests.conftest import app_settings
from tests.contacts.conftest import Importer
from tests.factories import open_survey
from tests.mailing.smtp_server import smtp_server

CONTACTS = (
    "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Geslacht;Taal;Vestiging\n"
    "jan@example.nl;Jan;;Jansen;man;nl;Zwolle\n"
    "els@example.nl;;de;Vries;vrouw;nl;Zwolle\n"
    "sam@example.nl;Sam;de;Vries;;en;Deventer\n"
    "kim@example.nl;Kim;;Bakker;vrouw;nl;Deventer\n"
    "piet@example.nl;Piet;van;Dam;man;nl;Zwolle\n"
)
BASE = "https://enquete.example.nl"


@dataclass
class World:
    conn: object
    data_dir: object
    smtp: object
    survey_id: int
    imports: Importer

    def settings(self, **extra) -> dict:
        return load_settings(
            {
                "data_dir": str(self.data_dir),
                "base_url": BASE,
                "mail_transport": "smtp",
                "smtp_host": self.smtp.host,
                "smtp_port": self.smtp.port,
                "smtp_security": "none",
                "mail_from": "Voorbeeld BV <enquete@voorbeeld.nl>",
                "organisation_name": "Voorbeeld BV",
                "mail_retry_seconds": 1,
                **extra,
            },
            environ={},
        )

    def template_id(self, name="Uitnodiging / Invitation") -> int:
        return next(r["id"] for r in store.list_templates(self.conn) if r["name"] == name)

    def campaign(self, *, reminders=1, segment_filter=None, list_name="Klanten 2026", **kw):
        plan = mailing_service.Plan(
            name=kw.pop("name", "Najaar"),
            survey_id=self.survey_id,
            list_id=self.imports.list_id(list_name),
            template_id=self.template_id(),
            reminder_template_id=self.template_id("Herinnering / Reminder"),
            send_at=kw.pop("send_at", time.time()),
            reminders=reminders,
            reminder_days=7,
            segment_filter=segment_filter or {},
        )
        return mailing_service.create(self.conn, CLI, plan)[0]

    def deliver(self, **extra) -> jobs.Report:
        return jobs.deliver(self.settings(**extra), load_keys(self.data_dir))

    def states(self, campaign_id: int) -> dict[str, str]:
        """address -> the state of its invitation message (wave 0)."""
        cipher = load_keys(self.data_dir).cipher()
        return {
            cipher.decrypt(email_blob, "contacts", "email", contact_id): state
            for state, contact_id, email_blob in self.conn.execute(
                "SELECT o.state, c.id, c.email FROM outbox o"
                " JOIN invitations i ON i.id = o.invitation_id"
                " JOIN contacts c ON c.id = i.contact_id WHERE o.campaign_id = ? AND o.wave = 0",
                (campaign_id,),
            )
        }

    def received(self) -> dict[str, list[email.message.EmailMessage]]:
        """recipient -> the parsed messages that reached the server, in order."""
        out: dict[str, list] = {}
        for item in self.smtp.handler.messages:
            parsed = email.message_from_bytes(item.data, policy=email.policy.default)
            for rcpt in item.recipients:
                out.setdefault(rcpt, []).append(parsed)
        return out


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, kind: str) -> str:
    """The path of the survey (/i/...) or unsubscribe (/u/...) link in the text part."""
    found = re.search(
        rf"https?://[^/\s]+(/{kind}/[A-Za-z0-9_.\-]+(?:\?lang=\w+)?)", text_of(message)
    )
    assert found, text_of(message)
    return found.group(1)


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings_overrides(data_dir, smtp):
    """The web app of these tests mails through the test's SMTP server."""
    return {
        **app_settings(data_dir),
        "base_url": "http://localhost",
        "mail_transport": "smtp",
        "smtp_host": smtp.host,
        "smtp_port": smtp.port,
        "smtp_security": "none",
        "mail_from": "Voorbeeld BV <enquete@voorbeeld.nl>",
        "organisation_name": "Voorbeeld BV",
    }


@pytest.fixture
def world(conn, data_dir, tmp_path, smtp):
    survey_id = open_survey(conn)
    imports = Importer(conn, data_dir, tmp_path)
    headers = CONTACTS.splitlines()[0].split(";")
    targets = suggest(headers)
    targets[headers.index("Vestiging")] = "segment:vestiging"
    imports.run(CONTACTS.encode(), targets=targets)
    return World(conn, data_dir, smtp, survey_id, imports)
