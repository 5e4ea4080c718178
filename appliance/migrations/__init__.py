"""Named schema migrations: one sqlite-utils migration set, :data:`MIGRATIONS`, applied in the
order of :data:`STEPS` by ``appliance.schema.migrate`` (``appliance init``, ``serve``,
``restore``).

Never edit a migration that has shipped, nor its name; add a new one at the end of
:data:`STEPS`. Each runs inside one transaction, so each function executes statements one at a
time (``executescript`` would commit half-way). A migration means the same thing forever: it
imports nothing of the application outside this package (a test parses the imports), and data
it derives is computed by frozen SQL here, not by live code.

The shipped migrations keep their hand-written SQL: sqlite-utils' builders (``table.create``,
``add_column``, ``transform``) write their own statement text, and SQLite keeps that text as the
schema, so installed and new databases would no longer have the same schema. New migrations use
the builders where they say the change plainly; WITHOUT ROWID tables, partial indexes, triggers
and data copies stay SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlite_utils import Database, Migrations

from appliance.migrations import (
    accounts,
    anonymity,
    api_tokens,
    bounces,
    calls,
    contacts,
    folding,
    foundation,
    interviewer_figures,
    interviewing,
    interviews,
    licence,
    mailing,
    paper_entry,
    paper_layouts,
    paper_scans,
    post,
    privacy,
    publication,
    relay,
    reports,
)

SET_NAME = "appliance"

STEPS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_accounts", foundation.m0001_accounts),
    ("0002_audit_log", foundation.m0002_audit_log),
    ("0003_surveys_and_grants", foundation.m0003_surveys_and_grants),
    ("0004_identity_plane", foundation.m0004_identity_plane),
    ("0005_api_tokens", foundation.m0005_api_tokens),
    ("0006_response_plane", foundation.m0006_response_plane),
    ("0007_survey_links", foundation.m0007_survey_links),
    ("0008_contact_requests", foundation.m0008_contact_requests),
    ("0009_kiosks", foundation.m0009_kiosks),
    ("0010_response_contacts", foundation.m0010_response_contacts),
    ("0011_kiosk_idle_action", foundation.m0011_kiosk_idle_action),
    ("0012_mailing", mailing.m0012_mailing),
    ("0013_default_mail_templates", mailing.m0013_default_mail_templates),
    ("0014_report_counts", reports.m0014_report_counts),
    ("0015_privacy_operations", privacy.m0015_privacy_operations),
    ("0016_invitation_segments", anonymity.m0016_invitation_segments),
    ("0017_report_releases", anonymity.m0017_report_releases),
    ("0018_first_password", accounts.m0018_first_password),
    ("0019_sealed_settings", relay.m0019_sealed_settings),
    ("0020_folded_counters", folding.m0020_folded_counters),
    ("0021_contact_address_index", contacts.m0021_contact_address_index),
    ("0022_publication", publication.m0022_publication),
    ("0023_post", post.m0023_post),
    ("0024_paper_entry", paper_entry.m0024_paper_entry),
    ("0025_paper_layouts", paper_layouts.m0025_paper_layouts),
    ("0026_paper_scans", paper_scans.m0026_paper_scans),
    ("0027_interviewer_role", interviewing.m0027_interviewer_role),
    ("0028_calls", calls.m0028_calls),
    ("0029_interviews", interviews.m0029_interviews),
    ("0030_interviewer_figures", interviewer_figures.m0030_interviewer_figures),
    ("0031_licence", licence.m0031_licence),
    ("0032_api_tokens", api_tokens.m0032_api_tokens),
    ("0033_bounces", bounces.m0033_bounces),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)


def migration_set(steps: Iterable[tuple[str, Callable[[Database], None]]]) -> Migrations:
    """A sqlite-utils migration set named :data:`SET_NAME` holding ``steps`` in order, each
    transactional (the runner gives each its own write transaction)."""
    migrations = Migrations(SET_NAME)
    for name, step in steps:
        migrations(name=name)(step)
    return migrations


MIGRATIONS = migration_set(STEPS)
