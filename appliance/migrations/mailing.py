"""Migration 0012: mail templates, campaigns and the outbox (identity plane)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0012_mailing(db: Database) -> None:
    run(
        db,
        # Staff-written texts: per language a subject, an HTML and a plain-text part (JSON
        # {"nl": {"subject": .., "html": .., "text": ..}, ..}), run in Jinja2's sandbox.
        """CREATE TABLE mail_templates (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            style TEXT NOT NULL DEFAULT 'formal' CHECK (style IN ('formal', 'informal')),
            fallback TEXT NOT NULL DEFAULT 'formal' CHECK (fallback IN ('formal', 'customer')),
            parts TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        # A campaign: survey + contact list (+ segment filter) + templates + schedule + reminder
        # plan. Waves: 0 is the invitation, 1.. the reminders; next_wave_at (epoch seconds)
        # says when the next one is built. not_before holds sending back after a relay failure.
        """CREATE TABLE campaigns (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            list_id INTEGER NOT NULL REFERENCES contact_lists(id) ON DELETE CASCADE,
            segment_filter TEXT NOT NULL DEFAULT '{}',
            template_id INTEGER NOT NULL REFERENCES mail_templates(id),
            reminder_template_id INTEGER REFERENCES mail_templates(id),
            send_at REAL NOT NULL,
            reminders INTEGER NOT NULL DEFAULT 0 CHECK (reminders BETWEEN 0 AND 5),
            reminder_days INTEGER NOT NULL DEFAULT 7 CHECK (reminder_days BETWEEN 1 AND 90),
            waves_built INTEGER NOT NULL DEFAULT 0,
            next_wave_at REAL,
            status TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'active', 'paused', 'cancelled', 'done')),
            not_before REAL NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            recipients INTEGER NOT NULL DEFAULT 0,
            skipped TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            started_at TEXT,
            finished_at TEXT
        )""",
        "CREATE INDEX campaigns_status ON campaigns(status)",
        # Campaign invitations carry a random seed from which the link token is derived with
        # the keyed hash (key file apart from the database): the same link goes into the
        # reminders and into a message sent again after a crash, yet only its hash is looked up.
        "ALTER TABLE invitations ADD COLUMN link_seed BLOB",
        "ALTER TABLE invitations ADD COLUMN campaign_id INTEGER"
        " REFERENCES campaigns(id) ON DELETE SET NULL",
        # One row per message. queued -> claimed (a sender took it) -> sent / bounced (5xx) /
        # failed (gave up after retries) / suppressed (unsubscribed before it went) / cancelled.
        # unconfirmed: the sender died after handing the message over, before the relay's reply.
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            wave INTEGER NOT NULL DEFAULT 0,
            invitation_id INTEGER NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
            state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN
                ('queued', 'claimed', 'sent', 'bounced', 'failed', 'suppressed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT '',
            sent_at TEXT,
            unconfirmed INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX outbox_queue ON outbox(campaign_id, state, next_at)",
        # Never two messages of one wave for one invitation, whatever happens.
        "CREATE UNIQUE INDEX outbox_once ON outbox(invitation_id, wave)",
    )


# The standard templates, frozen as shipped (staff edit copies in the database).
_INVITATION_NL = {
    "subject": "Uw mening over {{ organisation }}",
    "text": (
        "{{ salutation }}\n\n"
        "Graag horen wij hoe tevreden u bent over {{ organisation }}. Wilt u daarvoor een korte"
        " vragenlijst invullen? Dat duurt ongeveer vijf minuten.\n\n"
        "Naar de vragenlijst: {{ survey_link }}\n\n"
        "{% if close_date %}U kunt de vragenlijst invullen tot en met {{ close_date }}.\n\n"
        "{% endif %}Alvast hartelijk dank voor uw tijd.\n\n"
        "Met vriendelijke groet,\n{{ organisation }}\n\n"
        "--\nWilt u geen uitnodigingen voor onderzoek meer ontvangen? Meld u af:\n"
        "{{ unsubscribe_link }}\n"
    ),
    "html": (
        "<p>{{ salutation }}</p>\n"
        "<p>Graag horen wij hoe tevreden u bent over {{ organisation }}. Wilt u daarvoor een"
        " korte vragenlijst invullen? Dat duurt ongeveer vijf minuten.</p>\n"
        '<p><a href="{{ survey_link }}">Naar de vragenlijst</a></p>\n'
        "{% if close_date %}<p>U kunt de vragenlijst invullen tot en met {{ close_date }}.</p>\n"
        "{% endif %}<p>Alvast hartelijk dank voor uw tijd.</p>\n"
        "<p>Met vriendelijke groet,<br>{{ organisation }}</p>\n"
        '<p style="font-size:small;color:#555">Wilt u geen uitnodigingen voor onderzoek meer'
        ' ontvangen? <a href="{{ unsubscribe_link }}">Meld u af</a>.</p>\n'
    ),
}
_INVITATION_EN = {
    "subject": "Your opinion of {{ organisation }}",
    "text": (
        "{{ salutation }}\n\n"
        "We would like to know how satisfied you are with {{ organisation }}. Would you fill in"
        " a short questionnaire? It takes about five minutes.\n\n"
        "To the questionnaire: {{ survey_link }}\n\n"
        "{% if close_date %}The questionnaire is open until {{ close_date }}.\n\n"
        "{% endif %}Thank you for your time.\n\n"
        "Kind regards,\n{{ organisation }}\n\n"
        "--\nNo more invitations to our research? Unsubscribe:\n{{ unsubscribe_link }}\n"
    ),
    "html": (
        "<p>{{ salutation }}</p>\n"
        "<p>We would like to know how satisfied you are with {{ organisation }}. Would you"
        " fill in a short questionnaire? It takes about five minutes.</p>\n"
        '<p><a href="{{ survey_link }}">To the questionnaire</a></p>\n'
        "{% if close_date %}<p>The questionnaire is open until {{ close_date }}.</p>\n"
        "{% endif %}<p>Thank you for your time.</p>\n"
        "<p>Kind regards,<br>{{ organisation }}</p>\n"
        '<p style="font-size:small;color:#555">No more invitations to our research?'
        ' <a href="{{ unsubscribe_link }}">Unsubscribe</a>.</p>\n'
    ),
}


def _reminder(parts: dict[str, str], subject: str, opening: str) -> dict[str, str]:
    return {
        "subject": subject,
        "text": parts["text"].replace("{{ salutation }}\n\n", "{{ salutation }}\n\n" + opening),
        "html": parts["html"].replace(
            "<p>{{ salutation }}</p>\n", "<p>{{ salutation }}</p>\n<p>" + opening.strip() + "</p>\n"
        ),
    }


DEFAULT_TEMPLATES = {
    "Uitnodiging / Invitation": {"nl": _INVITATION_NL, "en": _INVITATION_EN},
    "Herinnering / Reminder": {
        "nl": _reminder(
            _INVITATION_NL,
            "Herinnering: uw mening over {{ organisation }}",
            "Enige tijd geleden nodigden wij u uit voor ons klanttevredenheidsonderzoek. Heeft u"
            " de vragenlijst nog niet ingevuld? Dan horen wij graag alsnog van u.\n\n",
        ),
        "en": _reminder(
            _INVITATION_EN,
            "Reminder: your opinion of {{ organisation }}",
            "Some time ago we invited you to our customer satisfaction survey. If you have not"
            " filled it in yet, we would still like to hear from you.\n\n",
        ),
    },
}


def m0013_default_mail_templates(db: Database) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for name, parts in DEFAULT_TEMPLATES.items():
        db.execute(
            "INSERT OR IGNORE INTO mail_templates (name, parts, created_at, updated_at)"
            " VALUES (?, ?, ?, ?)",
            (name, json.dumps(parts, ensure_ascii=False), now, now),
        )
