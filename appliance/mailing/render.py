"""Turning an outbox row into a finished message for one campaign and wave.

A :class:`CampaignMail` is prepared once per campaign (templates compiled per language, fixed
headers, survey texts) and then fills in one contact at a time: its fields are decrypted here,
in memory, and never written anywhere else.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date

from appliance.crypto import FieldCipher, KeyedHasher
from appliance.mailing import compose, dkim_signing, links, salutation, store, unsubscribe
from appliance.mailing.outbox import Claimed
from appliance.planes import open_contact_field
from appliance.surveys.store import definition_of, get_survey


class NoAddress(ValueError):
    """The contact was erased, or has no address any more."""


@dataclass(frozen=True)
class Message:
    sender: str  # envelope sender
    recipient: str
    data: bytes


def close_date(value: str | None, language: str) -> str:
    if not value:
        return ""
    return format_date(date.fromisoformat(value), format="long", locale=language)


class CampaignMail:
    """Renders messages of one template for one survey (one wave of a campaign, or a preview)."""

    def __init__(
        self,
        template: sqlite3.Row,
        survey: sqlite3.Row,
        settings: Mapping[str, Any],
        cipher: FieldCipher,
        hasher: KeyedHasher,
        unsubscribe_secret: bytes,
    ):
        definition = definition_of(survey)
        parts = store.template_parts(template)
        self.languages = [lang for lang in definition.languages if lang in parts] or list(parts)
        self.style, self.fallback = template["style"], template["fallback"]
        sender = settings["mail_from"]
        self.prepared = {
            lang: compose.Prepared(
                parts[lang], sender, settings["mail_reply_to"], settings["unsubscribe_mailto"]
            )
            for lang in self.languages
        }
        self.common = {
            lang: {
                "organisation": settings["organisation_name"],
                "close_date": close_date(survey["closes_on"], lang),
                "survey_title": definition.title.get(lang) or next(iter(definition.title.values())),
            }
            for lang in self.languages
        }
        self.base_url = settings["base_url"]
        self.cipher, self.hasher, self.secret = cipher, hasher, unsubscribe_secret
        self.envelope_from = self.prepared[self.languages[0]].envelope_from
        self.signer = dkim_signing.from_settings(settings)

    @classmethod
    def for_wave(
        cls, conn: sqlite3.Connection, campaign: sqlite3.Row, wave: int, settings, keys
    ) -> CampaignMail:
        """Wave 0 uses the invitation template; reminders the reminder template (if chosen)."""
        template_id = campaign["template_id"]
        if wave > 0 and campaign["reminder_template_id"]:
            template_id = campaign["reminder_template_id"]
        return cls(
            store.get_template(conn, template_id),
            get_survey(conn, campaign["survey_id"]),
            settings,
            keys.cipher(),
            keys.hasher(),
            keys.session,
        )

    def language_of(self, item: Claimed) -> str:
        return item.language if item.language in self.prepared else self.languages[0]

    def values(self, item: Claimed, fields: Mapping[str, str], language: str) -> dict[str, str]:
        person = salutation.Person(
            fields.get("first_name", ""),
            fields.get("infix", ""),
            fields.get("last_name", ""),
            fields.get("gender", "unknown"),
        )
        first = person.first_name.strip()
        token = links.token(self.hasher, item.link_seed)
        return {
            **self.common[language],
            "salutation": salutation.salutation(person, language, self.style, self.fallback),
            "first_name": first,
            "last_name": salutation.surname(person, after_first_name=bool(first))
            if person.last_name
            else "",
            "survey_link": f"{links.survey_link(self.base_url, token)}?lang={language}",
            "unsubscribe_link": f"{self.base_url}/u/"
            + unsubscribe.token_for(
                self.secret, item.email_hash or b"", language, self.hasher.generation
            ),
        }

    def decrypt(self, item: Claimed) -> dict[str, str]:
        return {
            name: open_contact_field(self.cipher, name, blob, item.contact_id)
            for name, blob in item.fields.items()
        }

    def render(self, item: Claimed, to: str = "") -> Message:
        """The message for one claimed row (to ``to`` instead of the contact, for a test);
        NoAddress when there is nobody to send it to."""
        if item.contact_id is None or "email" not in item.fields or not item.email_hash:
            raise NoAddress
        fields = self.decrypt(item)
        language = self.language_of(item)
        recipient = to or fields["email"]
        data = self.prepared[language].render(recipient, self.values(item, fields, language)).data
        if self.signer is not None:
            data = self.signer.sign(data)
        return Message(self.envelope_from, recipient, data)
