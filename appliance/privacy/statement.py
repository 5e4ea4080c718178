"""The facts the public privacy statement is written from, and the choice of its language.

The statement itself is two whole templates (``templates/privacy/statement_nl.html`` and
``statement_en.html``): a legal text reads better whole than cut into gettext fragments. Every
value in it that the organisation configures comes from :class:`Facts`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from appliance.db import parse_iso
from appliance.privacy import record_store
from appliance.settings import LANGUAGES

# The day the wording of the two templates last changed; raise it with every edit of them.
TEXT_REVISED = date(2026, 12, 3)
# Admin-editable settings that appear in the statement: a change to one of them dates it.
SHOWN_SETTINGS = (
    "organisation_name",
    "organisation_address",
    "organisation_registration",
    "privacy_contact",
    "agency_name",
    "min_group_size",
    "min_open_text_count",
)


@dataclass(frozen=True)
class Facts:
    organisation: str
    address: str
    registration: str
    contact: str
    agency: str
    k: int  # minimum group size behind any figure the agency sees
    open_text_k: int  # minimum number of open answers behind a count of them
    contact_months: int
    name_months: int
    request_days: int
    audit_months: int
    backup_keep: int
    staff_two_factor: bool  # staff sign in with a second factor too
    changed: date  # "last changed" as the statement shows it


def facts(conn: sqlite3.Connection, setting: Callable[[str], Any], tz: ZoneInfo) -> Facts:
    """The statement's values. Its date is the later of the text's own revision and an admin's
    last change of a setting it shows (settings from the config file carry no date)."""
    changed = TEXT_REVISED
    stamp = record_store.last_change(conn, SHOWN_SETTINGS)
    if stamp:
        changed = max(changed, parse_iso(stamp).astimezone(tz).date())
    k = setting("min_group_size")
    return Facts(
        organisation=setting("organisation_name"),
        address=setting("organisation_address"),
        registration=setting("organisation_registration"),
        contact=setting("privacy_contact"),
        agency=setting("agency_name"),
        k=k,
        open_text_k=max(k, setting("min_open_text_count")),
        contact_months=setting("retention_contact_months"),
        name_months=setting("retention_name_months"),
        request_days=setting("contact_request_days"),
        audit_months=setting("retention_audit_months"),
        backup_keep=setting("backup_keep"),
        staff_two_factor=setting("staff_totp_required"),
        changed=changed,
    )


def language(asked: str | None, accept, default: str) -> str:
    """``?lang=`` when it names a language of the statement, else the browser's preference
    among them (``accept``: werkzeug's LanguageAccept), else the organisation's default."""
    if asked in LANGUAGES:
        return asked
    return accept.best_match(LANGUAGES) or default
