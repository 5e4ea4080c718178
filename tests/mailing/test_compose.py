"""Invitation messages: what a mail program reads, sandboxed templates, and no header injection
from contact data or template text."""

from __future__ import annotations

import email
from email import policy

import pytest

from appliance.mailing.compose import Prepared, TemplateProblem, check

TEMPLATE = {
    "subject": "{{ organisation }}: hoe tevreden bent u, {{ first_name }}?",
    "text": "{{ salutation }}\n\nVul de enquête in: {{ survey_link }}\n\n"
    "Afmelden: {{ unsubscribe_link }}\n",
    "html": '<p>{{ salutation }}</p><p><a href="{{ survey_link }}">Naar de enquête</a></p>'
    '<p><a href="{{ unsubscribe_link }}">Afmelden</a></p>',
}


def values(**changes):
    base = {
        "salutation": "Geachte mevrouw De Vries,",
        "first_name": "Els",
        "last_name": "de Vries",
        "survey_link": "https://enquete.voorbeeld.nl/i/abc",
        "unsubscribe_link": "https://enquete.voorbeeld.nl/u/xyz",
        "organisation": "Voorbeeld BV",
        "close_date": "1 december 2026",
        "survey_title": "Klanttevredenheid",
    }
    return {**base, **changes}


def parse(data: bytes):
    return email.message_from_bytes(data, policy=policy.default)


def render(**changes):
    prepared = Prepared(
        TEMPLATE,
        "Enquêtes Voorbeeld BV <enquete@voorbeeld.nl>",
        reply_to="Klantenservice <service@voorbeeld.nl>",
        unsubscribe_mailto="afmelden@voorbeeld.nl",
    )
    return prepared.render("els@voorbeeld.nl", values(**changes))


def test_a_mail_program_reads_headers_and_both_parts():
    rendered = render()
    message = parse(rendered.data)
    assert message["From"] == "Enquêtes Voorbeeld BV <enquete@voorbeeld.nl>"
    assert message["Reply-To"] == "Klantenservice <service@voorbeeld.nl>"
    assert message["To"] == "els@voorbeeld.nl"
    assert message["Subject"] == "Voorbeeld BV: hoe tevreden bent u, Els?"
    assert message["Message-ID"] == rendered.message_id and message["Date"]
    assert message["List-Unsubscribe"] == (
        "<https://enquete.voorbeeld.nl/u/xyz>, <mailto:afmelden@voorbeeld.nl?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Vul de enquête in: https://enquete.voorbeeld.nl/i/abc" in text
    assert '<a href="https://enquete.voorbeeld.nl/i/abc">' in html
    assert all(len(line) <= 998 for line in rendered.data.split(b"\r\n"))
    assert b"\n" not in rendered.data.replace(b"\r\n", b"")  # CRLF only


@pytest.mark.parametrize(
    "name",
    [
        "Els\r\nBcc: everyone@evil.example",
        "Els\nX-Injected: 1",
        "=?UTF-8?Q?=0A?=Bcc: x@evil.example",
        "=?UTF-8?B?DQpCY2M6IHhAZXZpbC5leGFtcGxl?=",
        "Éls\u2028Bcc: x@evil.example",
    ],
)
def test_names_and_subjects_cannot_add_headers(name):
    message = parse(render(first_name=name).data)
    assert message["Bcc"] is None and message["X-Injected"] is None
    subject = message["Subject"]
    assert "\n" not in subject and "\r" not in subject
    # Encoded-word text in a name arrives literally, never decoded into a line break.
    if name.startswith("=?"):
        assert name in subject
    keys = [k.lower() for k in message]
    assert keys.count("to") == 1 and keys.count("subject") == 1


def test_html_values_are_escaped_but_the_text_part_stays_plain():
    message = parse(render(salutation='Beste <script>alert(1)</script> "Sam",').data)
    assert "<script>" not in message.get_body(("html",)).get_content()
    assert "<script>" in message.get_body(("plain",)).get_content()


def test_templates_are_checked_when_saved():
    with pytest.raises(TemplateProblem) as unknown:
        check({**TEMPLATE, "text": "{{ salutation }} {{ wachtwoord }} {{ survey_link }}"})
    assert unknown.value.detail == "wachtwoord"
    with pytest.raises(TemplateProblem, match="survey link is missing"):
        check({**TEMPLATE, "html": "<p>{{ salutation }}</p>"})
    with pytest.raises(TemplateProblem, match="does not parse"):
        check({**TEMPLATE, "subject": "{{ organisation "})


def test_staff_text_cannot_reach_python():
    sneaky = {**TEMPLATE, "text": "{{ survey_link.__class__.__mro__ }} {{ survey_link }}"}
    with pytest.raises(TemplateProblem):
        Prepared(sneaky, "a@voorbeeld.nl").render("b@voorbeeld.nl", values())
