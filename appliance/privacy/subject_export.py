"""What the appliance holds about one person (a dossier of ``subjects.collect``) as a JSON file
and as a readable PDF (fpdf2, with the embedded Unicode font of every PDF). Both hold exactly
what the page shows, in the language of the member of staff."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, tzinfo
from typing import Any

from flask_babel import gettext as _

from appliance import formats
from appliance.contacts.forms import FIELD_LABELS
from appliance.db import parse_iso
from appliance.i18n import N_
from appliance.pdfdoc import Document

# What cannot be found, and why: on the page, in the JSON and in the PDF.
NOT_LINKED = (
    N_(
        "Anonymous responses: a response holds no contact, invitation or address and only the "
        "day it was given, so nobody (this appliance included) can tell which ones this person "
        "gave."
    ),
    N_(
        "Names typed into a name field of a survey: they are sealed with the response they "
        "belong to, not linked to a contact, and cannot be searched; they are erased after the "
        "retention term."
    ),
    N_(
        "The audit log: it records what staff did with ids and counts, never an address, a name "
        "or a phone number."
    ),
)
BASIS = {"consent": N_("consent"), "legitimate_interest": N_("legitimate interest")}
LINKED_BY = {
    "non_anonymous": N_("survey announced as not anonymous"),
    "contact_request": N_("asked to be contacted about the answers"),
}
SOURCES = {
    "unsubscribe": N_("unsubscribe link"),
    "staff": N_("added by staff"),
    "upload": N_("uploaded list"),
    "bounce": N_("bounce"),
}


MESSAGE_STATES = {
    "queued": N_("waiting to be sent"),
    "claimed": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "bounced": N_("bounced"),
    "suppressed": N_("not sent: unsubscribed"),
    "cancelled": N_("cancelled"),
}


def wave_label(wave: int) -> str:
    return _("invitation") if wave == 0 else _("reminder %(n)d", n=wave)


def state_label(state: str) -> str:
    """What became of a message not (yet) sent, in the reader's language."""
    return _(MESSAGE_STATES[state]) if state in MESSAGE_STATES else state


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def to_json(dossier: Mapping[str, Any], organisation: str) -> bytes:
    document = {
        "organisation": organisation,
        "compiled_on": date.today().isoformat(),
        **dossier,
        "not_linked_to_this_person": [_(text) for text in NOT_LINKED],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


class _Doc(Document):
    tz: tzinfo = UTC

    def when(self, moment: str | None) -> str:
        """A stored UTC moment in local time, to the minute."""
        if not moment:
            return ""
        try:
            return parse_iso(moment).astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return moment

    def heading(self, text: str, size: int = 12) -> None:
        if self.get_y() > 250:
            self.add_page()
        self.ln(2)
        self.use(size, bold=True)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def line(self, label: str, value: Any) -> None:
        self.use(10)
        label = str(label)
        if self.get_string_width(label) > 53:  # a long label gets a line of its own
            self.multi_cell(0, 6, label, new_x="LMARGIN", new_y="NEXT")
            label = ""
        self.cell(55, 6, label)
        self.multi_cell(0, 6, str(value), new_x="LMARGIN", new_y="NEXT")

    def para(self, value: str) -> None:
        self.use(10)
        self.multi_cell(0, 5, str(value), new_x="LMARGIN", new_y="NEXT")


def to_pdf(dossier: Mapping[str, Any], organisation: str, tz: tzinfo) -> bytes:
    doc = _Doc()
    doc.tz = tz
    doc.footer_text = _("Personal data held about one person")
    doc.set_auto_page_break(True, margin=16)
    doc.add_page()
    doc.heading(_("Personal data held about one person"), 16)
    if organisation:
        doc.line(_("Organisation"), organisation)
    doc.line(_("Compiled on"), date.today().isoformat())
    looked_up = dossier["looked_up"]
    kind = _("E-mail address") if looked_up["kind"] == "email" else _("Phone number")
    doc.line(_("Looked up by"), f"{kind}: {looked_up['value']}")
    if not dossier["contacts"]:
        doc.para(_("No contact data was found for this person."))
    for contact in dossier["contacts"]:
        _contact(doc, contact)
    doc.heading(_("Unsubscribe list"))
    for entry in dossier["unsubscribed"]:
        doc.line(
            _("On the list since"), f"{doc.when(entry['since'])} ({_(SOURCES[entry['source']])})"
        )
    if not dossier["unsubscribed"]:
        doc.para(_("Not on the unsubscribe list."))
    for entry in dossier["erased_before"]:
        doc.line(_("Erased on request before"), doc.when(entry["erased_at"]))
    doc.heading(_("Requests to be contacted"))
    for item in dossier["contact_requests"]:
        handled = doc.when(item["handled_at"]) or _("not yet handled")
        doc.line(_("Survey"), item["survey"])
        doc.line(_("Date"), doc.when(item["created_at"]))
        doc.line(_("Agreed to"), item["consent_text"])
        doc.line(_("Handled"), handled)
    if not dossier["contact_requests"]:
        doc.para(_("None."))
    doc.heading(_("Responses linked to this person"))
    for response in dossier["responses"]:
        how = ", ".join(_(LINKED_BY[h]) for h in response["linked_by"])
        doc.line(_("Survey"), f"{response['survey']} ({response['submitted_on']}; {how})")
        for answer in response["answers"]:
            doc.use(10, bold=True)
            doc.multi_cell(0, 5, answer["question"], new_x="LMARGIN", new_y="NEXT")
            doc.para(answer["answer"])
        doc.ln(2)
    if not dossier["responses"]:
        doc.para(_("None."))
    if dossier["rejected_rows"]:
        doc.heading(_("Rows an import rejected"))
        for row in dossier["rejected_rows"]:
            doc.para(f"{row['reason']}: " + " · ".join(str(v) for v in row["row"].values()))
    if dossier["mail_files"]:
        doc.heading(_("Messages in the mail folder"))
        doc.line(_("Messages"), dossier["mail_files"])
    doc.heading(_("Not linked to this person"))
    for text in NOT_LINKED:
        doc.para(f"- {_(text)}")
    return bytes(doc.output())


def _contact(doc: _Doc, contact: Mapping[str, Any]) -> None:
    doc.heading(_("Contact in the list %(name)s", name=contact["list"]))
    doc.line(_("Imported"), doc.when(contact["imported_at"]))
    doc.line(_("Lawful basis"), _(BASIS.get(contact["basis"], contact["basis"])))
    if contact["purpose"]:
        doc.line(_("Purpose"), contact["purpose"])
    for name, value in contact["fields"].items():
        doc.line(field_label(name), value)
    if contact["language"]:
        doc.line(field_label("language"), formats.language_name(contact["language"]))
    for attribute, value in contact["segments"].items():
        doc.line(attribute, value)
    for invitation in contact["invitations"]:
        survey = invitation["survey"]
        if invitation["campaign"]:
            survey += f" - {invitation['campaign']}"
        doc.line(_("Invited to"), survey)
        for message in invitation["messages"]:
            sent = doc.when(message["sent_at"]) or state_label(message["state"])
            doc.line("", f"{wave_label(message['wave'])}: {sent}")
        doc.line("", _("link used") if invitation["used"] else _("link not used"))
    for call in contact.get("calls", []):
        doc.line(_("Telephone calls"), f"{call['survey']} - {call['campaign']}")
        for attempt in call["attempts"]:
            doc.line("", f"{doc.when(attempt['at'])}: {_(attempt['outcome_label'])}")
        doc.line("", _("Outcome: %(outcome)s", outcome=_(call["outcome_label"])))
