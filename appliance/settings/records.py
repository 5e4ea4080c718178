"""The settings of what the appliance keeps about people and for how long: the particulars of the
privacy statement, the retention periods and the runs that erase and rebuild, and the backups."""

from __future__ import annotations

from appliance import setting_checks as checks
from appliance.i18n import N_
from appliance.settings.declaration import Setting

RECORDS: tuple[Setting, ...] = (
    # ---- privacy statement and record of processing (shown to respondents) ----
    Setting(
        "organisation_address",
        "",
        N_(
            "Postal address of the organisation, for the privacy statement and the record of "
            "processing activities."
        ),
        editable=True,
    ),
    Setting(
        "organisation_registration",
        "",
        N_("Chamber of Commerce (KvK) number or other registration of the organisation."),
        editable=True,
    ),
    Setting(
        "privacy_contact",
        "",
        N_(
            "Where respondents send privacy questions and requests (inspection, correction, "
            "erasure): an e-mail address, shown in the privacy statement."
        ),
        check=checks.check_mail_address,
        editable=True,
    ),
    Setting(
        "agency_name",
        "",
        N_("Name of the external research agency that analyses the aggregated results."),
        editable=True,
    ),
    # ---- retention (see docs/privacy.md) ----
    Setting(
        "retention_contact_months",
        6,
        N_(
            "Contact data for invitations and reminders is erased this many months after the last "
            "invitation or reminder sent to the contact, or after its import if none was sent."
        ),
        int,
        1,
        24,
    ),
    Setting(
        "retention_name_months",
        6,
        N_("A name typed into a name field is erased this many months after the answer."),
        int,
        1,
        24,
    ),
    Setting(
        "contact_request_days",
        30,
        N_(
            "Deadline for acting on a respondent's request to be contacted; the request (the link "
            "from the answer to the person) is erased once handled, or at this deadline."
        ),
        int,
        1,
        365,
    ),
    Setting(
        "retention_audit_months",
        24,
        N_("Audit-log entries older than this are replaced by a signed summary."),
        int,
        6,
        240,
    ),
    Setting(
        "purge_time",
        "03:15",
        N_("Local time of day at which the daily retention run erases what is due (HH:MM)."),
        check=checks.check_clock_time,
    ),
    Setting(
        "rebuild_time",
        "03:45",
        N_(
            "Local time of day (HH:MM) at which the database file is rebuilt, so that its page "
            "layout forgets the order in which responses came in; empty switches it off."
        ),
        check=checks.check_clock_time,
    ),
    # ---- backups (see docs/operations.md) ----
    Setting(
        "backup_dir",
        "",
        N_(
            "Directory for encrypted backups; empty means <data_dir>/backups. Put it on another "
            "disk or a mounted share."
        ),
    ),
    Setting(
        "backup_time",
        "02:30",
        N_("Local time of the nightly backup (HH:MM); empty switches nightly backups off."),
        check=checks.check_clock_time,
    ),
    Setting("backup_keep", 14, N_("How many nightly backups to keep."), int, 1, 365),
    Setting(
        "backup_key_file",
        "",
        N_(
            "File holding the backup key (64 hex digits, from `appliance backup-key`); keep a copy "
            "away from the server. Either this or backup_passphrase."
        ),
    ),
    Setting(
        "backup_passphrase",
        "",
        N_(
            "Passphrase from which the backup key is derived (scrypt); at least 16 characters. "
            "Best given as the environment variable APPLIANCE_BACKUP_PASSPHRASE."
        ),
        secret=True,
    ),
)
