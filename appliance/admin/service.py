"""The admin area's service: changes to the organisation's settings, written together with
their audit entry, the admin's test message and the audit log's export, both audited.

Reads of the effective settings pass through here as plain calls of the store, so views never
depend on SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from appliance import audit
from appliance.admin import store
from appliance.auth.service import Actor
from appliance.contacts import fields
from appliance.crypto import FieldCipher
from appliance.db import transaction
from appliance.keys import Keys
from appliance.mailing import bounce_jobs, bounce_service, testmail, transport

PASSWORD = "smtp_password"  # noqa: S105 - the name of the setting


def change_relay(
    conn: sqlite3.Connection,
    actor: Actor,
    cipher: FieldCipher,
    changes: Mapping[str, tuple[Any, Any]],
    password: str | None,
    password_name: str = PASSWORD,
) -> None:
    """Store the changed relay settings (name -> (old, new)) and, unless ``password`` is None,
    the password (the setting ``password_name``: the relay's, or the return mailbox's) sealed
    ("" clears it). The audit entry names the password's change, never the password."""
    if not changes and password is None:
        return
    details: dict[str, Any] = {k: [old, new] for k, (old, new) in changes.items()}
    with transaction(conn):
        for name, (_old, new) in changes.items():
            store.set_override(conn, name, new, actor.id)
        if password is not None:
            store.set_secret(conn, cipher, password_name, password, actor.id)
            details[password_name] = "set" if password else "cleared"
        actor.log(conn, "settings.changed", "settings", changes=details)


def check_return_mailbox(settings: Mapping[str, Any], keys: Keys, actor: Actor):
    """Read the return mailbox now (the admin's "check now"), audited with the admin as actor;
    returns the reading (``bounce_jobs.Reading``)."""
    return bounce_jobs.read_now(settings, keys, actor)


def last_mailbox_check(conn: sqlite3.Connection) -> dict | None:
    """When the return mailbox was last read, what it found and why it failed, if it did."""
    return bounce_service.last_check(conn)


def change_settings(
    conn: sqlite3.Connection, actor: Actor, changes: Mapping[str, tuple[Any, Any]]
) -> None:
    """Store the changed editable settings (name -> (old, new)) with one ``settings.changed``
    entry naming each old and new value; nothing is written when ``changes`` is empty."""
    if not changes:
        return
    with transaction(conn):
        for name, (_old, new) in changes.items():
            store.set_override(conn, name, new, actor.id)
        actor.log(
            conn,
            "settings.changed",
            "settings",
            changes={k: [old, new] for k, (old, new) in changes.items()},
        )


def send_test_mail(
    conn: sqlite3.Connection,
    actor: Actor,
    mailer: transport.FileTransport | transport.SmtpTransport,
    sender: str,
    recipient: str,
    organisation: str,
) -> None:
    """One test message to ``recipient`` (as typed) through ``mailer``, audited as
    ``mail.test_sent``, or as ``mail.test_failed`` with the reason before the error
    (``transport.MailError``, or ``fields.Invalid`` for the address) is raised again."""
    try:
        testmail.send(mailer, sender, fields.email(recipient), organisation)
    except (transport.MailError, fields.Invalid) as exc:
        actor.log(conn, "mail.test_failed", "mail", reason=str(exc))
        raise
    actor.log(conn, "mail.test_sent", "mail")


def audit_exported(conn: sqlite3.Connection, actor: Actor, flt: audit.Filter) -> None:
    """Record that the audit log was exported, with the filter used."""
    actor.log(conn, "audit.exported", "audit_log", filter=asdict(flt))


# ---- reads: plain calls of the store, so views never depend on its SQL ----------------------


def effective_settings(
    conn: sqlite3.Connection, settings: Mapping[str, Any], cipher: FieldCipher | None = None
) -> dict[str, Any]:
    """The settings with the admin's stored overrides applied (as the web pages see them).
    With ``cipher``, stored secrets are unsealed too (what the mailer needs); without it a
    secret keeps the config file's value."""
    return store.effective(conn, settings, cipher)
