"""The one table of role -> allowed actions. Every route names one action (see ``guard``)."""

from __future__ import annotations

PUBLIC = "public"  # no login needed: login, setup, health, static files
AUTHENTICATED = "authenticated"  # any signed-in role: logout, home redirect

ACTIONS: dict[str, str] = {
    "account.self": "Change own password, language and two-factor login",
    "users.manage": "Create, change and disable accounts; grant or assign surveys to them",
    "settings.manage": "Change the organisation's settings",
    "audit.read": "Read and export the audit log",
    "contacts.manage": "Import and manage contact lists (identity plane)",
    "surveys.manage": "Build and open surveys",
    "mailings.manage": "Send invitations and reminders",
    "responses.read": "Read individual anonymous responses (response plane)",
    "publication.manage": "Publish results and reviews, moderate and reply to reviews",
    "reports.read": "Read aggregated reports through the aggregate gate",
    "researchers.watch": "See everything external researchers viewed and exported",
    "privacy.oversee": "See what retention erases and when; the record of processing activities",
    "privacy.requests": "Handle data-subject requests: look up, export, rectify and erase a person",
    "interviews.conduct": (
        "Call the contact in hand and interview, for the surveys assigned to them"
    ),
    "interviews.oversee": (
        "Set up interviewing; see call outcomes, response rates, interviewer figures"
    ),
}

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "account.self",
            "users.manage",
            "settings.manage",
            "audit.read",
            "researchers.watch",
            "privacy.oversee",
        }
    ),
    "staff": frozenset(
        {
            "account.self",
            "contacts.manage",
            "surveys.manage",
            "mailings.manage",
            "responses.read",
            "publication.manage",
            "reports.read",
            "researchers.watch",
            "privacy.oversee",
            "privacy.requests",
            "interviews.oversee",
        }
    ),
    "researcher": frozenset({"account.self", "reports.read"}),
    # Client staff or a call centre's people: the contact in hand and the questionnaire, never
    # responses, reports or other contacts.
    "interviewer": frozenset({"account.self", "interviews.conduct"}),
}

# Every role signs in with a second factor (TOTP); staff, who read contact data, may be let off
# only by switching the setting staff_totp_required off. See totp_required.
TOTP_BY_SETTING = frozenset({"staff"})
# Outsiders: every request of theirs that is refused is recorded for the client to see, beside
# what they viewed (see ``guard.record_refusal``).
WATCHED_ROLES = frozenset({"researcher"})
# The researcher's only way to data is the aggregate gate: routes needing this action must live
# in the blueprints whose views read through the gate alone, the report pages and their JSON
# twins in the API (checked when the app is created).
GATE_ACTION, GATE_BLUEPRINTS = "reports.read", ("reports", "reports_api")


def allows(role: str, action: str) -> bool:
    """True when ``role`` may perform ``action``. Unknown roles and actions are refused."""
    if action == PUBLIC:
        return True
    if role not in ROLES:
        return False
    return action == AUTHENTICATED or action in ROLES[role]


def totp_required(role: str, staff_totp_required: bool) -> bool:
    """True when ``role`` must sign in with a second factor. Every role needs one except staff
    while ``staff_totp_required`` is off; an unknown role needs one too."""
    if role in TOTP_BY_SETTING:
        return staff_totp_required
    return True
