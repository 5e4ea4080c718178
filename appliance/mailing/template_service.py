"""Mail templates: saving (audited), previewing, sending a test message, and reading them.

Nothing here logs an address: a test message is audited with a keyed hash of where it went.
"""

from __future__ import annotations

import email
import email.policy
import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from appliance.auth.service import Actor
from appliance.crypto import KeyedHasher
from appliance.db import transaction
from appliance.mailing import links, outbox, store, transport
from appliance.privacy import suppression

if TYPE_CHECKING:
    from appliance.mailing.render import CampaignMail

PREVIEW_HASH = b"\0" * 32  # the unsubscribe link of a preview names nobody


def save_template(
    conn: sqlite3.Connection,
    actor: Actor,
    template_id: int | None,
    name: str,
    style: str,
    fallback: str,
    parts: Mapping[str, Mapping[str, str]],
) -> int:
    """Insert (``template_id`` None) or update a template with its audit entry; returns its id.
    The caller checks the parts first (``compose.check``); a duplicate name raises
    sqlite3.IntegrityError and nothing is written."""
    with transaction(conn):
        saved = store.save_template(conn, template_id, name, style, fallback, parts)
        actor.log(conn, "mailing.template_saved", f"mail_template:{saved}")
    return saved


def preview(mail: CampaignMail, contact: sqlite3.Row) -> dict[str, Any]:
    """The message ``mail`` makes for ``contact``, as To, Subject and the plain and HTML parts.
    Its links lead nowhere and unsubscribe no one. Raises compose.TemplateProblem."""
    message = mail.render(outbox.preview_item(contact, links.new_seed(), PREVIEW_HASH))
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    return {
        "to": parsed["To"],
        "subject": parsed["Subject"],
        "text": parsed.get_body(("plain",)).get_content(),
        "html": parsed.get_body(("html",)).get_content(),
    }


def send_test(
    conn: sqlite3.Connection,
    actor: Actor,
    hasher: KeyedHasher,
    template_id: int,
    mail: CampaignMail,
    contact: sqlite3.Row,
    values: Mapping[str, Any],
    to: str,
) -> None:
    """Send the message ``mail`` makes for ``contact`` to the normalised address ``to``, through
    the transport the effective settings ``values`` describe, and audit it (the contact's id and
    a keyed hash of ``to``). Raises compose.TemplateProblem or transport.MailError; then nothing
    is audited."""
    # The test's unsubscribe link names the tester's own address, never the contact's.
    unsubscribe_hash = suppression.address_hash(hasher, to)
    message = mail.render(outbox.preview_item(contact, links.new_seed(), unsubscribe_hash), to=to)
    connection = transport.from_settings(values).connect()
    try:
        connection.send(message.sender, message.recipient, message.data)
    finally:
        connection.close()
    with transaction(conn):
        # Who was shown, and a keyed hash of where it went (never the address itself).
        actor.log(
            conn,
            "mailing.test_sent",
            f"mail_template:{template_id}",
            contact=contact["id"],
            to_hash=unsubscribe_hash.hex()[:16],
        )


def list_templates(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every mail template, by name (case-insensitive)."""
    return store.list_templates(conn)


def get_template(conn: sqlite3.Connection, template_id: int) -> sqlite3.Row | None:
    """The mail template ``template_id``, or None."""
    return store.get_template(conn, template_id)


def template_parts(template: sqlite3.Row) -> dict[str, dict[str, str]]:
    """A template's texts: language -> {"subject", "html", "text"}."""
    return store.template_parts(template)
