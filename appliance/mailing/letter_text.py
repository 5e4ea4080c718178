"""The text of invitation letters: the campaign's mail template, its plain-text part, filled
in for one contact, and the address block.

Contract: a letter uses the same template staff wrote for e-mail (its plain-text part, in the
contact's language, with the same placeholders and salutation rules), so one campaign has one
text to maintain. Two placeholders mean what a reader of paper can use: ``{{ survey_link }}``
becomes the short address where the code is typed (``<base_url>/c``; the full link is in the QR
code) and ``{{ unsubscribe_link }}`` the page where the same code opts out (``<base_url>/u``).
The template runs in the same Jinja2 sandbox as for e-mail. The opened contact fields live in
memory only, for the letter being made.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.dates import format_date
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from appliance.contacts.postal import Address, addressee
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.mailing import codes, links, salutation, store
from appliance.mailing.render import close_date
from appliance.paper.letters import Letter, Letterhead, LetterTexts
from appliance.planes import open_contact_field
from appliance.surveys.store import definition_of

_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)


def short_address(base_url: str, path: str) -> str:
    """``enquete.example.nl/c``: the base URL without its scheme, as printed on paper."""
    return base_url.split("://", 1)[-1].rstrip("/") + path


class LetterText:
    """Fills in the letters of one template for one survey (one wave of a post campaign)."""

    def __init__(
        self,
        template: sqlite3.Row,
        survey: sqlite3.Row,
        settings: Mapping[str, Any],
        cipher: FieldCipher,
        hasher: KeyedHasher,
        texts_for: Callable[[str], LetterTexts],
        today: date,
    ):
        definition = definition_of(survey)
        parts = store.template_parts(template)
        self.languages = [lang for lang in definition.languages if lang in parts] or list(parts)
        self.style, self.fallback = template["style"], template["fallback"]
        self.bodies = {lang: _ENV.from_string(parts[lang]["text"]) for lang in self.languages}
        self.base_url = settings["base_url"].rstrip("/")
        organisation = settings["organisation_name"]
        self.common = {
            lang: {
                "organisation": organisation,
                "close_date": close_date(survey["closes_on"], lang),
                "survey_title": definition.title.get(lang) or next(iter(definition.title.values())),
                "survey_link": short_address(self.base_url, "/c"),
                "unsubscribe_link": short_address(self.base_url, "/u"),
            }
            for lang in self.languages
        }
        self.dates = {
            lang: format_date(today, format="long", locale=lang) for lang in self.languages
        }
        self.texts = {lang: texts_for(lang) for lang in self.languages}
        self.letterhead = Letterhead(
            organisation,
            settings.get("organisation_address", ""),
            short_address(self.base_url, "/c"),
            short_address(self.base_url, "/u"),
        )
        self.cipher, self.hasher = cipher, hasher

    def open(self, row: sqlite3.Row, names: tuple[str, ...]) -> dict[str, str]:
        """The contact's fields ``names`` of ``row`` (sealed), opened in memory."""
        contact_id = row["contact_id"]
        return {
            name: open_contact_field(self.cipher, name, row[name], contact_id)
            for name in names
            if row[name] is not None
        }

    def letter(self, row: sqlite3.Row, fields: Mapping[str, str]) -> Letter:
        """The letter of one invitation ``row`` (link seed, language) to the contact whose
        opened ``fields`` are given."""
        language = row["language"] if row["language"] in self.bodies else self.languages[0]
        person = salutation.Person(
            fields.get("first_name", ""),
            fields.get("infix", ""),
            fields.get("last_name", ""),
            fields.get("gender", "unknown"),
        )
        first = person.first_name.strip()
        values = {
            **self.common[language],
            "salutation": salutation.salutation(person, language, self.style, self.fallback),
            "first_name": first,
            "last_name": salutation.surname(person, after_first_name=bool(first))
            if person.last_name
            else "",
        }
        body = _without_mail_footer(
            self.bodies[language].render(values), values["unsubscribe_link"]
        )
        organisation = values["organisation"]
        if organisation.endswith("."):  # "Voorbeeld B.V." ending a sentence: one full stop
            body = body.replace(organisation + ".", organisation)
        seed = bytes(row["link_seed"])
        token = links.token(self.hasher, seed)
        name = addressee(fields)
        lines = Address.of(fields).lines()
        return Letter(
            address=tuple(line for line in (name, *lines) if line),
            body=body,
            link=f"{links.survey_link(self.base_url, token)}?lang={language}",
            code=codes.shown(codes.derive(self.hasher, seed)),
            date=self.dates[language],
            texts=self.texts[language],
            language=language,
        )


def _without_mail_footer(body: str, optout: str) -> str:
    """The text without a mail-style footer ("--" on a line of its own) that only says how to
    unsubscribe: every letter ends with its own opt-out block, which also names the code."""
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == "--":
            footer = "\n".join(lines[i + 1 :])
            if optout in footer:
                return "\n".join(lines[:i]).rstrip() + "\n"
    return body
