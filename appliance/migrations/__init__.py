"""Named schema migrations, applied in order by ``appliance init`` and on every start.

Never edit a migration that has shipped; add a new one. Each runs inside one transaction, so each
function executes statements one at a time (``executescript`` would commit half-way).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from appliance.migrations import accounts, anonymity, early, mailing, privacy, relay, reports

MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("0001_accounts", early.m0001_accounts),
    ("0002_audit_log", early.m0002_audit_log),
    ("0003_surveys_and_grants", early.m0003_surveys_and_grants),
    ("0004_identity_plane", early.m0004_identity_plane),
    ("0005_api_tokens", early.m0005_api_tokens),
    ("0006_response_plane", early.m0006_response_plane),
    ("0007_survey_links", early.m0007_survey_links),
    ("0008_contact_requests", early.m0008_contact_requests),
    ("0009_kiosks", early.m0009_kiosks),
    ("0010_response_contacts", early.m0010_response_contacts),
    ("0011_kiosk_idle_action", early.m0011_kiosk_idle_action),
    ("0012_mailing", mailing.m0012_mailing),
    ("0013_default_mail_templates", mailing.m0013_default_mail_templates),
    ("0014_report_counts", reports.m0014_report_counts),
    ("0015_privacy_operations", privacy.m0015_privacy_operations),
    ("0016_invitation_segments", anonymity.m0016_invitation_segments),
    ("0017_report_releases", anonymity.m0017_report_releases),
    ("0018_first_password", accounts.m0018_first_password),
    ("0019_sealed_settings", relay.m0019_sealed_settings),
]
