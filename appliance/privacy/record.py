"""The record of processing activities (GDPR article 30), built at the moment it is viewed.

It is made of the organisation's settings and of counts of what the appliance holds
(``record_store.usage``); it names no person. Labels are translated into the viewer's language
here, so the page and the PDF show the same sections word for word.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_decimal

from appliance import formats
from appliance.privacy import record_store
from appliance.privacy.record_store import Usage, Window

Value = str | list[str]


# Every message of the record takes its counts as ``%(n)s``, written as the reader writes them.
_ = formats.counted


def _count(n: int) -> str:
    return format_decimal(n)


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[tuple[str, Value]]


@dataclass(frozen=True)
class Record:
    organisation: str
    generated: str  # local date and time
    sections: list[Section]


def build(conn: sqlite3.Connection, setting: Callable[[str], Any], now: datetime) -> Record:
    """``now`` is local time; it dates the record and decides which access windows are open."""
    usage = record_store.usage(conn, now.date())
    k = setting("min_group_size")
    sections = [
        _controller(setting),
        _recipients(setting, usage, k),
        Section(
            _("Purposes of the processing"),
            [
                (
                    _("Purposes"),
                    [
                        _("Measuring customer satisfaction"),
                        _("Sending survey invitations and reminders"),
                        _("Contacting respondents who ask to be contacted about their answers"),
                        *_publishing(usage),
                        *_interviewing_purpose(usage),
                    ],
                ),
            ],
        ),
        Section(
            _("Categories of data subjects"),
            [
                (
                    _("Customers and other contacts invited to surveys"),
                    _(
                        "Contacts: %(n)s; contact lists: %(lists)s",
                        n=usage.contacts,
                        lists=usage.lists,
                    ),
                ),
                (_("Respondents"), _("Responses stored: %(n)s", n=usage.responses)),
            ],
        ),
        _categories(usage),
        *_interviewing(usage),
        _bases(usage),
        Section(
            _("Transfers outside the EEA"),
            [(_("Transfers"), _("None. Personal data does not leave the organisation's network."))],
        ),
        _retention(setting),
        _security(setting, usage, k),
    ]
    return Record(setting("organisation_name"), formats.moment(now), sections)


def _or_unset(value: str) -> str:
    return value or _("not configured yet")


def _controller(setting) -> Section:
    return Section(
        _("Controller"),
        [
            (_("Organisation"), _or_unset(setting("organisation_name"))),
            (_("Address"), _or_unset(setting("organisation_address"))),
            (_("Registration (KvK)"), _or_unset(setting("organisation_registration"))),
            (_("Contact for privacy questions"), _or_unset(setting("privacy_contact"))),
        ],
    )


def _window(w: Window) -> str:
    text = _(
        "%(start)s to %(end)s; surveys granted: %(n)s",
        start=format_date(date.fromisoformat(w.valid_from)) if w.valid_from else "-",
        end=format_date(date.fromisoformat(w.valid_until)) if w.valid_until else "-",
        n=w.surveys,
    )
    return _("%(window)s (open now)", window=text) if w.open_today else text


def _recipients(setting, usage: Usage, k: int) -> Section:
    open_k = max(k, setting("min_open_text_count"))
    rows: list[tuple[str, Value]] = [
        (_("External research agency (processor)"), setting("agency_name") or _("none named")),
        (
            _("What the agency receives"),
            _(
                "Only aggregated results, through the aggregate gate: figures of groups of at "
                "least %(k)s responses, open answers only counted (from %(n)s on). Never "
                "contacts, single responses or free text.",
                k=k,
                n=open_k,
            ),
        ),
        (_("Researcher accounts"), _count(usage.accounts.get("researcher", 0))),
    ]
    if usage.researchers:
        rows.append((_("Access windows"), [_window(w) for w in usage.researchers]))
    rows += [
        (
            _("Staff accounts (internal)"),
            _(
                "%(n)s: contacts, mailings and individual anonymous responses",
                n=usage.accounts.get("staff", 0),
            ),
        ),
        (
            _("Interviewer accounts"),
            _(
                "%(n)s: only the contact being called (salutation, name, phone number) and the "
                "questionnaire of the surveys assigned to them; never other contacts, "
                "responses or reports",
                n=usage.accounts.get("interviewer", 0),
            ),
        ),
        (
            _("Admin accounts (internal)"),
            _(
                "%(n)s: accounts, settings and the audit log; no contacts or responses",
                n=usage.accounts.get("admin", 0),
            ),
        ),
    ]
    if usage.surveys_published:
        rows.append(
            (
                _("The public (published results)"),
                _(
                    "Surveys published: %(surveys)s. Averages of groups of at least %(k)s "
                    "responses, and %(reviews)s single reviews whose respondents agreed to "
                    "their publication, with a typed name only where they gave one.",
                    surveys=usage.surveys_published,
                    k=k,
                    reviews=usage.reviews_published,
                ),
            )
        )
    return Section(_("Recipients"), rows)


def _publishing(usage: Usage) -> list[str]:
    if not usage.surveys_published:
        return []
    return [_("Publishing results, and reviews of respondents who agreed to it")]


def _interviewing_in_use(usage: Usage) -> bool:
    return bool(
        usage.accounts.get("interviewer") or usage.phone_campaigns or usage.interview_responses
    )


def _interviewing_purpose(usage: Usage) -> list[str]:
    if not _interviewing_in_use(usage):
        return []
    return [_("Interviewing customers by telephone or face to face")]


def _interviewing(usage: Usage) -> list[Section]:
    """How telephone and face-to-face interviewing processes personal data, once it is in use."""
    if not _interviewing_in_use(usage):
        return []
    return [
        Section(
            _("Interviewing by telephone and face to face"),
            [
                (
                    _("Telephone campaigns"),
                    _(
                        "%(n)s; interviews stored as responses: %(responses)s",
                        n=usage.phone_campaigns,
                        responses=usage.interview_responses,
                    ),
                ),
                (
                    _("Phone numbers"),
                    _(
                        "Decrypted only to show the interviewer the one contact they are "
                        "calling, never in a list"
                    ),
                ),
                (
                    _("Call outcomes"),
                    _(
                        "Kept with the contact in the identity plane and erased with it; a "
                        "completed interview is recorded without its time"
                    ),
                ),
                (
                    _("Do-not-call list"),
                    _(
                        "The phone numbers of people who asked not to be called again, as keyed "
                        "hashes only on the unsubscribe list, kept indefinitely; such a number "
                        "is never offered to an interviewer again"
                    ),
                ),
                (
                    _("Answers given to an interviewer"),
                    _(
                        "Stored as an anonymous response, with no contact, call or interviewer "
                        "linked to it"
                    ),
                ),
            ],
        )
    ]


def _categories(usage: Usage) -> Section:
    c = usage.categories
    return Section(
        _("Categories of personal data in use"),
        [
            (_("Contacts with an e-mail address"), _count(c.get("email", 0))),
            (_("Contacts with a name"), _count(c.get("name", 0))),
            (_("Contacts with a gender"), _count(c.get("gender", 0))),
            (_("Contacts with a postal address"), _count(c.get("postal", 0))),
            (_("Contacts with a phone number"), _count(c.get("phone", 0))),
            (_("Invitations still linked to a contact"), _count(usage.invitations_linked)),
            (_("Unsubscribe list (keyed hashes only)"), _count(usage.suppressions)),
            (
                _("Surveys with a name field"),
                _(
                    "%(n)s of %(total)s surveys; typed names held: %(names)s",
                    n=usage.surveys_with_name_field,
                    total=usage.surveys,
                    names=usage.names_held,
                ),
            ),
            (
                _("Non-anonymous surveys"),
                _(
                    "%(n)s; responses linked to a contact: %(linked)s",
                    n=usage.surveys_not_anonymous,
                    linked=usage.responses_linked,
                ),
            ),
            (_("Open contact requests"), _count(usage.contact_requests_open)),
            (
                _("Special categories of personal data"),
                _("None: such columns can only be dropped at import."),
            ),
        ],
    )


def _bases(usage: Usage) -> Section:
    names = {"consent": _("Consent"), "legitimate_interest": _("Legitimate interest")}
    rows: list[tuple[str, Value]] = [
        (
            names[basis],
            _(
                "Imports: %(imports)s; contacts: %(contacts)s",
                imports=usage.bases.get(basis, (0, 0))[0],
                contacts=usage.bases.get(basis, (0, 0))[1],
            ),
        )
        for basis in names
    ]
    rows.append((_("Purposes given at import"), usage.purposes or _("none given")))
    rows.append(
        (
            _("Contacting a respondent"),
            _("The respondent's consent; the exact wording they agreed to is stored."),
        )
    )
    return Section(_("Lawful basis recorded at import"), rows)


def _retention(setting) -> Section:
    return Section(
        _("Retention periods"),
        [
            (
                _("Contact data"),
                _(
                    "%(n)s month(s) after the last invitation or reminder sent to the contact, "
                    "or after its import if none was sent",
                    n=setting("retention_contact_months"),
                ),
            ),
            (
                _("Names typed into a name field"),
                _("%(n)s month(s) after the answer", n=setting("retention_name_months")),
            ),
            (
                _("Contact requests"),
                _(
                    "Erased once handled, at the latest after %(n)s day(s)",
                    n=setting("contact_request_days"),
                ),
            ),
            (_("Unsubscribe list"), _("Indefinitely, as a keyed hash of the address only")),
            (
                _("Audit log"),
                _(
                    "%(n)s month(s), then replaced by a signed summary",
                    n=setting("retention_audit_months"),
                ),
            ),
            (
                _("Backups"),
                _("Only the most recent %(n)s backup(s) are kept", n=setting("backup_keep")),
            ),
        ],
    )


def _security(setting, usage: Usage, k: int) -> Section:
    backup_time = setting("backup_time")
    backups = (
        _(
            "Encrypted nightly backups at %(time)s; the most recent %(n)s kept",
            time=backup_time,
            n=setting("backup_keep"),
        )
        if backup_time
        else _("Nightly backups are switched off (backup_time is empty)")
    )
    measures = [
        _("Contact data encrypted field by field (AES-256-GCM), each value bound to its place"),
        _("Keyed hashes (HMAC-SHA256) instead of addresses on the unsubscribe list"),
        _("Two-factor login for every account: admins, staff, researchers and interviewers")
        if setting("staff_totp_required")
        else _(
            "Two-factor login for admins, researchers and interviewers; staff with it on: "
            "%(n)s of %(total)s",
            n=usage.staff_two_factor,
            total=usage.accounts.get("staff", 0),
        ),
        _("Deny-by-default roles: every page declares the action it needs"),
        _(
            "The aggregate gate: researchers see figures of groups of at least %(k)s only, "
            "through a connection that cannot read contacts or responses",
            k=k,
        ),
        _("Hash-chained, append-only audit log with signed summaries"),
        backups,
        _("Secure deletion: erased data is overwritten, and the database compacted"),
        _(
            "No outbound connections: the appliance runs inside the organisation's network, "
            "loads nothing from other sites and sends mail only through the organisation's relay"
        ),
    ]
    return Section(_("Technical and organisational security measures"), [(_("Measures"), measures)])
