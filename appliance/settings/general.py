"""The settings of the server itself: where it keeps its data and listens, sign-in and its
throttles, the limits on public submissions and uploads, the interface, and the floors of reports.
Also the test suite's licence key, which comes last in the list."""

from __future__ import annotations

from appliance import setting_checks as checks
from appliance.i18n import N_
from appliance.settings.declaration import Setting

LANGUAGES = ("nl", "en")

GENERAL: tuple[Setting, ...] = (
    Setting("data_dir", "./data", N_("Directory holding the database, key files and mail spool.")),
    Setting("host", "127.0.0.1", N_("Address `appliance serve` listens on.")),
    Setting("port", 8080, N_("Port `appliance serve` listens on."), int, 1, 65535),
    Setting("threads", 8, N_("Worker threads of the waitress server."), int, 1, 256),
    Setting(
        "workers",
        0,
        N_(
            "Processes `appliance serve` answers requests in, each with `threads` threads, on "
            "one port. 0: one per CPU core."
        ),
        int,
        0,
        64,
    ),
    Setting(
        "base_url",
        "",
        N_(
            "Public address used in every link the appliance builds (mail, setup link). "
            "Empty: http://<host>:<port>. Never taken from the request's Host header."
        ),
        check=checks.check_base_url,
    ),
    Setting(
        "trusted_proxies",
        0,
        N_(
            "Number of reverse proxies in front of the appliance whose X-Forwarded-* headers are "
            "trusted (0 when clients connect directly)."
        ),
        int,
        0,
        5,
    ),
    Setting(
        "secure_cookies",
        True,
        N_(
            "Send cookies only over https. Turn off only for plain-http use on this machine; "
            "the server warns at start-up."
        ),
        bool,
    ),
    Setting("session_idle_minutes", 30, N_("Sign out after this many idle minutes."), int, 1, 1440),
    Setting("session_absolute_hours", 12, N_("Sign out this many hours after login."), int, 1, 168),
    Setting(
        "login_max_failures_account",
        5,
        N_("Failed logins per account within the window before that account is throttled."),
        int,
        1,
        100,
    ),
    Setting(
        "login_max_failures_address",
        20,
        N_("Failed logins per client address within the window before that address is throttled."),
        int,
        1,
        1000,
    ),
    Setting("login_window_minutes", 15, N_("Length of the login throttle window."), int, 1, 1440),
    Setting(
        "setup_code_minutes",
        60,
        N_("Lifetime of the one-time setup code printed when no admin exists."),
        int,
        5,
        1440,
    ),
    Setting(
        "staff_totp_required",
        True,
        N_(
            "Staff sign in with a second factor (TOTP), as admins, researchers and interviewers "
            "always do: staff read contact data. Turn off only where staff reach the appliance "
            "through another second factor."
        ),
        bool,
    ),
    Setting(
        "open_link_per_client_per_minute",
        30,
        N_(
            "Submissions (each page sent counts) one client may make to one survey's open link in "
            "a minute. Clients are told apart by address; the address is held in memory only."
        ),
        int,
        1,
        10_000,
    ),
    Setting(
        "open_link_per_survey_per_minute",
        3000,
        N_(
            "Submissions to one survey's open link from all clients together in a minute: a "
            "ceiling against floods from many addresses."
        ),
        int,
        1,
        100_000,
    ),
    Setting(
        "max_upload_mb",
        256,
        N_(
            "Largest contact file accepted, in megabytes; a larger upload is refused before it is "
            "read."
        ),
        int,
        1,
        4096,
    ),
    Setting(
        "timezone",
        "Europe/Amsterdam",
        N_(
            "The organisation's time zone: every day is counted in it (responses, closing days, "
            "access windows, exports, the licence), whatever the server's own zone."
        ),
        check=checks.check_timezone,
    ),
    Setting(
        "log_level",
        "INFO",
        N_("Application log level."),
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
    ),
    Setting(
        "organisation_name",
        "",
        N_("Name of the organisation running the appliance, shown in the interface."),
        editable=True,
    ),
    Setting(
        "default_language",
        "nl",
        N_("Interface language for users who have not chosen one, and for public pages."),
        choices=LANGUAGES,
        editable=True,
    ),
    Setting(
        "min_group_size",
        5,
        N_("Minimum number of responses behind any figure the researcher sees (never below 3)."),
        int,
        3,
        1000,
        editable=True,
    ),
    Setting(
        "min_open_text_count",
        10,
        N_(
            "Minimum number of open-text answers behind any count of them in a report (the larger "
            "of this and min_group_size applies)."
        ),
        int,
        3,
        1000,
        editable=True,
    ),
    Setting(
        "speeder_seconds_per_answer",
        2,
        N_(
            "A response given faster than this many seconds per answer is flagged as a speeder, "
            "from the first response on (0 switches this floor off; a response faster than a third "
            "of the survey's median time is flagged too, once 20 responses exist)."
        ),
        int,
        0,
        30,
    ),
)

TEST_ONLY: tuple[Setting, ...] = (
    Setting(
        "licence_test_key",
        "",
        N_(
            "For the test suite only: a throw-away Ed25519 public key (PEM or base64) that "
            "licences are checked against instead of the vendor's key. `serve` and `check` "
            "refuse to run while it is set."
        ),
        check=checks.check_licence_key,
    ),
)
