"""Data-subject requests: everything the appliance holds about one person, found by an e-mail
address or a phone number (rectification and erasure: ``subject_changes``).

An address is found through its keyed hash (``contacts.email_hash``, indexed), in every list. A
phone number has no hash column, so every stored phone number is decrypted and compared with the
normalised number (about 0.5 s per 100,000 contacts with a phone number; ``docs/decisions.md``).
Nothing found here is logged: callers audit counts only.

What cannot be found, by construction: anonymous responses (no contact id, no invitation id, the
day only) and names typed into a name field (sealed per response, not linked to a contact).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from appliance.contacts import fields
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.i18n import N_
from appliance.interviews import calls_service
from appliance.planes import open_contact_field
from appliance.privacy import erasure, subject_store, suppression
from appliance.responses.service import names_of
from appliance.surveys.store import parse_definition

PHONE_DOMAIN = erasure.PHONE_DOMAIN
_DIGITS = re.compile(r"\D")
_HEADER_BYTES = 16_384


@dataclass(frozen=True)
class Query:
    """What staff looked up: ``kind`` 'email' or 'phone', ``value`` normalised; for a phone
    number also its digits as typed (numbers that did not parse are stored as typed)."""

    kind: str
    value: str
    digits: str = ""


def parse(text: str) -> Query:
    """An address when the text holds an '@', else a phone number (Dutch when it has no country
    code). Raises fields.Invalid."""
    text = text.strip()
    if not text:
        raise fields.Invalid(N_("enter an e-mail address or a phone number"))
    if "@" in text:
        return Query("email", fields.email(text))
    return Query("phone", fields.phone(text, "NL"), _DIGITS.sub("", text))


def digest(hasher: KeyedHasher, query: Query) -> bytes:
    """The keyed hash the erasure ledger (and, for an address, the unsubscribe list) keeps."""
    if query.kind == "email":
        return suppression.address_hash(hasher, query.value)
    return hasher.digest(PHONE_DOMAIN, query.value)


# ---- finding the person ------------------------------------------------------------------------


def find(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    query: Query,
    also: Iterable[int] = (),
) -> list[int]:
    """Ids of the contact rows of the person, in every list; ``also``: rows shown before under
    this look-up whose address was rectified since (they no longer match it)."""
    if query.kind == "email":
        ids = subject_store.ids_with_email_hash(conn, digest(hasher, query))
    else:
        ids = phone_matches(conn, cipher, query)
    extra = subject_store.existing_ids(conn, list(also))
    return sorted({*ids, *extra})


def phone_matches(conn: sqlite3.Connection, cipher: FieldCipher, query: Query) -> list[int]:
    """Decrypt every stored phone number and compare: the normalised form (E.164), or the digits
    as typed for numbers that were stored as typed (foreign numbers without a country code)."""
    wanted, digits = query.value, query.digits
    return [
        contact_id
        for contact_id, stored, _imported in erasure.phones(conn, cipher)
        if stored == wanted
        or (stored[:1] != "+" and len(digits) >= 6 and _DIGITS.sub("", stored) == digits)
    ]


def mail_files(folder: Path, addresses: Collection[str]) -> list[Path]:
    """Messages the file transport wrote (``<data_dir>/mail``) to one of ``addresses`` (compared
    in lower case). Only the header block of each file is read, and parsed only when it holds
    one of the addresses at all (about 0.05 ms a file that does not)."""
    if not addresses or not folder.is_dir():
        return []
    needles = [a.encode() for a in addresses]
    parser, hits = BytesHeaderParser(), []
    for path in sorted(folder.rglob("*.eml")):
        try:
            with path.open("rb") as fh:
                head = fh.read(_HEADER_BYTES)
        except OSError:
            continue
        block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
        if not any(n in block.lower() for n in needles):
            continue
        to = getaddresses([str(v) for v in parser.parsebytes(block).get_all("To", [])])
        if any(address.lower() in addresses for _, address in to):
            hits.append(path)
    return hits


# ---- everything held ---------------------------------------------------------------------------


def collect(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    query: Query,
    contact_ids: Sequence[int],
    mail_folder: Path | None = None,
) -> dict[str, Any]:
    """Everything held about the person, as plain data (the page, the JSON and the PDF all show
    exactly this)."""
    contacts = _contacts(conn, cipher, contact_ids)
    invitations = _invitations(conn, contact_ids)
    calls = calls_service.calls_of_person(conn, list(contact_ids))
    for contact in contacts:
        contact["invitations"] = invitations.get(contact["id"], [])
        contact["calls"] = calls.get(contact["id"], [])
    email_hashes = {bytes(h) for h in (c.pop("_email_hash") for c in contacts) if h}
    if query.kind == "email":
        email_hashes.add(digest(hasher, query))
    ledger = [("email", h) for h in email_hashes]
    if query.kind == "phone":
        ledger.append(("phone", digest(hasher, query)))
    addresses = _addresses(query, contacts)
    files = mail_files(mail_folder, addresses) if mail_folder else []
    phones = {c["fields"]["phone"] for c in contacts if "phone" in c["fields"]}
    if query.kind == "phone":
        phones.add(query.value)
    # The "do not call" list shares the unsubscribe list, under the numbers' own keys.
    listed = email_hashes | calls_service.phone_hashes(hasher, phones)
    return {
        "looked_up": {"kind": query.kind, "value": query.value},
        "contacts": contacts,
        "unsubscribed": [
            {"since": r["created_at"], "source": r["source"]}
            for r in subject_store.suppressions_of(conn, sorted(listed))
        ],
        "erased_before": _erased_before(conn, ledger),
        "contact_requests": _contact_requests(conn, contact_ids),
        "responses": _linked_responses(conn, cipher, contact_ids),
        "mail_files": len(files),
        "rejected_rows": erasure.rejects_mentioning(conn, cipher, addresses | phones),
    }


def counts(dossier: Mapping[str, Any]) -> dict[str, int]:
    """Counts of a dossier, for the audit log (never a value)."""
    return {
        "contacts": len(dossier["contacts"]),
        "invitations": sum(len(c["invitations"]) for c in dossier["contacts"]),
        "contact_requests": len(dossier["contact_requests"]),
        "responses": len(dossier["responses"]),
        "unsubscribed": len(dossier["unsubscribed"]),
        "mail_files": dossier["mail_files"],
        "rejected_rows": len(dossier["rejected_rows"]),
    }


def _contacts(conn, cipher: FieldCipher, ids: Sequence[int]) -> list[dict[str, Any]]:
    rows = subject_store.contacts(conn, ids)
    return [
        {
            "id": r["id"],
            "list": r["list_name"],
            "imported_at": r["imported_at"],
            "import_status": r["import_status"],
            "basis": r["basis"],
            "purpose": r["purpose"],
            "fields": {
                name: open_contact_field(cipher, name, r[name], r["id"])
                for name in fields.PERSONAL
                if r[name] is not None
            },
            "language": r["language"] or "",
            "segments": json.loads(r["segments"]),
            "_email_hash": r["email_hash"],
        }
        for r in rows
    ]


def _invitations(conn, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    rows = subject_store.invitations(conn, ids)
    messages: dict[int, list[dict[str, Any]]] = {}
    for m in subject_store.messages(conn, [r["id"] for r in rows]):
        messages.setdefault(m["invitation_id"], []).append(
            {"wave": m["wave"], "state": m["state"], "sent_at": m["sent_at"]}
        )
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["contact_id"], []).append(
            {
                "survey": r["survey"],
                "campaign": r["campaign"] or "",
                "used": bool(r["used"]),
                "messages": messages.get(r["id"], []),
            }
        )
    return out


def _contact_requests(conn, ids: Sequence[int]) -> list[dict[str, Any]]:
    return [
        {
            "contact_id": r["contact_id"],
            "survey": r["title"],
            "created_at": r["created_at"],
            "consent_text": r["consent_text"],
            "handled_at": r["handled_at"],
        }
        for r in subject_store.contact_requests(conn, ids)
    ]


def _erased_before(conn, ledger: Sequence[tuple[str, bytes]]) -> list[dict[str, str]]:
    found = []
    for kind in ("email", "phone"):
        found += [
            {"kind": kind, "erased_at": r["erased_at"]}
            for r in subject_store.erased_at(conn, kind, [d for k, d in ledger if k == kind])
        ]
    return found


def _linked_responses(conn, cipher: FieldCipher, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Responses linked to the person: in a survey announced as non-anonymous, or through the
    respondent's own request to be contacted about them."""
    links: dict[str, dict[str, Any]] = {}
    for found, how in (
        (subject_store.non_anonymous_links, "non_anonymous"),
        (subject_store.request_links, "contact_request"),
    ):
        for r in found(conn, ids):
            link = links.setdefault(r["response_id"], {"contact_id": r["contact_id"], "how": []})
            link["how"].append(how)
    rows = subject_store.responses(conn, sorted(links))
    return [
        {
            "contact_id": links[r["id"]]["contact_id"],
            "linked_by": links[r["id"]]["how"],
            "survey": r["title"],
            "submitted_on": r["submitted_on"],
            "mode": r["mode"],
            "answers": readable_answers(
                r["definition"],
                json.loads(r["answers"]),
                names_of(conn, cipher, r["id"]),
                r["language"],
            ),
        }
        for r in rows
    ]


def readable_answers(
    definition_text: str, answers: Mapping[str, Any], names: Mapping[str, str], language: str
) -> list[dict[str, str]]:
    """(question, answer) in the respondent's language, labels instead of stored values."""
    definition = parse_definition(definition_text)
    lang = language if language in definition.languages else definition.languages[0]
    out = []
    for q in definition.questions.values():
        value = names.get(q.id) if q.type == "name" else answers.get(q.id)
        if value in (None, "", [], {}):
            continue
        labels = {c.value: c.label.get(lang, c.value) for c in (*q.choices, *q.items)}
        if isinstance(value, dict):
            text = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = ", ".join(labels.get(str(v), str(v)) for v in value)
        else:
            text = labels.get(str(value), str(value))
        out.append({"question": q.text.get(lang, q.id), "answer": text})
    return out


def addresses_of(dossier: Mapping[str, Any]) -> set[str]:
    """The person's addresses in lower case (to find their messages in the mail folder)."""
    looked_up = dossier["looked_up"]
    return _addresses(Query(looked_up["kind"], looked_up["value"]), dossier["contacts"])


def _addresses(query: Query, contacts: Iterable[Mapping[str, Any]]) -> set[str]:
    found = {fields.email_key(c["fields"]["email"]) for c in contacts if "email" in c["fields"]}
    if query.kind == "email":
        found.add(fields.email_key(query.value))
    return found
