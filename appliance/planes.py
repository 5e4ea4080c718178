"""The three planes of data, named in one place.

- Identity plane: who the contacts are (contacts, lists, invitations, suppression list). Encrypted
  at rest, staff and admin only, purged on schedule. Code: ``appliance.contacts``.
- Response plane: what respondents answered, without any contact id. Staff read it; the researcher
  never does. Code: ``appliance.responses``.
- Aggregate plane: the one gate through which the researcher sees anything, enforcing the minimum
  group size. Code: ``appliance.reports.gate``.

The system tables (accounts, sessions, audit log) belong to none of them. ``GATE_DENIED`` lists what
the gate's read-only connection may never read: the SQLite authorizer in ``reports.gate`` refuses
any statement touching these tables, so even a mistaken query in a report cannot leak rows of them.
"""

from __future__ import annotations

IDENTITY_TABLES = frozenset(
    {
        "contacts",
        "contact_lists",
        "contact_imports",
        "import_rejects",
        "mapping_presets",
        "invitations",
        "submissions",
        "suppressions",
        "privacy_erasures",
        "contact_requests",
        "response_contacts",
        "outbox",
    }
)
SYSTEM_TABLES = frozenset(
    {
        "users",
        "recovery_codes",
        "privacy_requests",
        "audit_summaries",
        "sessions",
        "login_failures",
        "setup_codes",
        "setting_overrides",
        "audit_log",
        "api_tokens",
        "kiosks",
        "mail_templates",
        "wal_pad",
    }
)
# Names typed into a name field live beside the responses but are personal data.
PERSONAL_RESPONSE_TABLES = frozenset({"name_answers"})
# Single responses (open texts included) are for staff only: the gate reads the counters kept in
# ``report_counts`` instead, so no report can show a single answer, whatever its code does.
RESPONSE_TABLES = frozenset({"responses", "open_text_hashes"})
GATE_DENIED = IDENTITY_TABLES | SYSTEM_TABLES | PERSONAL_RESPONSE_TABLES | RESPONSE_TABLES
# What the gate may read: survey definitions, grants, the counters of the aggregate plane, the
# segment values offered to reports (taken from the invited, never from who answered),
# benchmarks and the campaign counts behind response rates (not their names:
# ``reports.gate.GATE_COLUMNS``). A new table must be named in one of these sets (a test walks
# the schema).
GATE_READABLE = frozenset(
    {
        "surveys",
        "researcher_grants",
        "campaigns",
        "report_counts",
        "report_benchmarks",
        "report_segment_values",
        "report_release_counts",
        "report_release_waves",
        "report_releases",
        "_sqlite_migrations",
    }
)
