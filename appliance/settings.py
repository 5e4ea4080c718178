"""The one declared list of settings, and how they are loaded.

Precedence, lowest first: the defaults below, the TOML config file, ``APPLIANCE_<NAME>`` environment
variables, then explicit overrides (CLI options, or the mapping given to ``create_app``). An unknown
key or a bad value raises :class:`SettingsError` naming the key; nothing starts with a bad config.

The config file is ``--config``, else ``APPLIANCE_CONFIG``, else ``<data_dir>/config.toml`` when it
exists. The data directory is ``--data-dir``, else ``APPLIANCE_DATA_DIR``, else ``data_dir`` from an
explicitly named config file, else ``./data``.

Settings marked ``editable`` may also be changed by an admin in the interface; the stored value then
wins over the file (see ``appliance.admin.store``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance import setting_checks as checks
from appliance.i18n import N_

ENV_PREFIX = "APPLIANCE_"
LANGUAGES = ("nl", "en")


class SettingsError(ValueError):
    """A setting is unknown or has a bad value; the message names the key."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str  # an English msgid marked with N_(), translated only where it is shown
    kind: type = str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    check: Callable[[Any], str | None] | None = None
    editable: bool = False
    secret: bool = False  # never shown, only whether it is set


SETTINGS: tuple[Setting, ...] = (
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
        N_("Time zone for dates shown and access windows."),
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
    Setting(
        "mail_transport",
        "file",
        N_(
            'Where mail goes: "file" writes every message as an .eml file under '
            '<data_dir>/mail (try the appliance without a mail server); "smtp" sends through the '
            "company's relay below."
        ),
        choices=("file", "smtp"),
        editable=True,
    ),
    Setting(
        "smtp_host",
        "",
        N_("Host name of the company's SMTP relay (required for smtp)."),
        editable=True,
    ),
    Setting(
        "smtp_port",
        587,
        N_("Port of the SMTP relay (587 STARTTLS, 465 TLS, 25)."),
        int,
        1,
        65535,
        editable=True,
    ),
    Setting(
        "smtp_security",
        "starttls",
        N_(
            "starttls: upgrade the connection before anything is sent; tls: implicit TLS from the "
            "start (port 465); none: plain, only for a relay on this machine or a trusted network."
        ),
        choices=("starttls", "tls", "none"),
        editable=True,
    ),
    Setting(
        "smtp_verify_certificate",
        True,
        N_(
            "Check the relay's TLS certificate and host name. Turn off only for a relay with a "
            "self-signed certificate on a trusted network."
        ),
        bool,
    ),
    Setting("smtp_username", "", N_("Login name at the relay, if it asks for one."), editable=True),
    Setting(
        "smtp_password",
        "",
        N_(
            "Password for smtp_username. Prefer the APPLIANCE_SMTP_PASSWORD environment variable "
            "(e.g. a systemd credential) to writing it in a file."
        ),
        editable=True,
        secret=True,
    ),
    Setting(
        "smtp_timeout_seconds",
        30,
        N_("Give up on an unresponsive relay after this long."),
        int,
        1,
        600,
    ),
    Setting(
        "mail_from",
        "",
        N_(
            'Sender of invitations, e.g. "Klantenservice Voorbeeld BV <enquete@voorbeeld.nl>". '
            "Required before anything is sent."
        ),
        check=checks.check_mail_address,
        editable=True,
    ),
    Setting(
        "mail_reply_to",
        "",
        N_("Optional Reply-To address of invitations."),
        check=checks.check_mail_address,
        editable=True,
    ),
    Setting(
        "mail_connections",
        4,
        N_("Parallel connections to the relay while a campaign is sent."),
        int,
        1,
        16,
    ),
    Setting(
        "mail_per_minute",
        0,
        N_("At most this many messages a minute to the relay (0: no limit), so it is not flooded."),
        int,
        0,
        1_000_000,
    ),
    Setting(
        "mail_retry_seconds",
        120,
        N_(
            "After a temporary refusal (4xx, dropped connection) try a message again after this "
            "long, doubling each time."
        ),
        int,
        1,
        86_400,
    ),
    Setting(
        "mail_max_attempts",
        8,
        N_("Give a message up as failed after this many temporary refusals."),
        int,
        1,
        30,
    ),
    Setting(
        "dkim_key_file",
        "",
        N_(
            "Optional: a PEM RSA private key to DKIM-sign invitations with, for a relay that does "
            "not sign. Empty: no signature (the relay may sign)."
        ),
        check=checks.check_dkim_key,
    ),
    Setting(
        "dkim_selector",
        "enquete",
        N_("DKIM selector: the public key is published at <selector>._domainkey.<domain>."),
    ),
    Setting(
        "dkim_domain",
        "",
        N_("DKIM signing domain (d=). Empty: the domain of mail_from."),
    ),
    Setting(
        "unsubscribe_mailto",
        "",
        N_(
            "Optional address for mailto: unsubscribe requests, added to the List-Unsubscribe "
            "header beside the https link."
        ),
        check=checks.check_mail_address,
    ),
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

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _cross_check(values: dict[str, Any]) -> None:
    """Rules that involve more than one setting."""
    if values["mail_transport"] == "smtp" and not values["smtp_host"]:
        raise SettingsError("setting 'smtp_host': required when mail_transport is \"smtp\"")
    if values["backup_key_file"] and values["backup_passphrase"]:
        raise SettingsError(
            "settings 'backup_key_file' and 'backup_passphrase': give one of them, not both"
        )
    if values["backup_passphrase"] and len(values["backup_passphrase"]) < 16:
        raise SettingsError("setting 'backup_passphrase': must be at least 16 characters")
    if bool(values["smtp_username"]) != bool(values["smtp_password"]):
        raise SettingsError(
            "settings 'smtp_username' and 'smtp_password': give both, or neither for a relay "
            "that does not ask for a login"
        )


def coerce(setting: Setting, value: Any, source: str) -> Any:
    """Return ``value`` converted to the setting's type, or raise SettingsError naming the key."""
    where = f"setting '{setting.name}' (from {source})"
    if setting.kind is bool:
        if isinstance(value, bool):
            result: Any = value
        elif isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
            result = True
        elif isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
            result = False
        else:
            raise SettingsError(f"{where}: expected true or false, got {value!r}")
    elif setting.kind is int:
        if isinstance(value, bool):
            raise SettingsError(f"{where}: expected a whole number, got {value!r}")
        try:
            result = int(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: expected a whole number, got {value!r}") from None
        if setting.minimum is not None and result < setting.minimum:
            raise SettingsError(f"{where}: must be at least {setting.minimum}, got {result}")
        if setting.maximum is not None and result > setting.maximum:
            raise SettingsError(f"{where}: must be at most {setting.maximum}, got {result}")
    else:
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected text, got {value!r}")
        result = value.strip()
    if setting.choices and result not in setting.choices:
        raise SettingsError(f"{where}: must be one of {', '.join(setting.choices)}, got {result!r}")
    if setting.check:
        problem = setting.check(result)
        if problem:
            raise SettingsError(f"{where} {problem}")
    return result


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a config file; a syntax error becomes a SettingsError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path}: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"config file {path}: cannot be read ({exc.strerror})") from None


def _apply(values: dict[str, Any], raw: Mapping[str, Any], source: str) -> None:
    for key, value in raw.items():
        setting = BY_NAME.get(key)
        if setting is None:
            raise SettingsError(f"unknown setting '{key}' (from {source})")
        values[key] = coerce(setting, value, source)


def load(
    overrides: Mapping[str, Any] | None = None,
    config_file: str | os.PathLike | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Resolve every setting; returns a plain dict with all names of SETTINGS.

    ``overrides`` are explicit values (CLI options, tests); ``None`` values in it are ignored.
    A ``config_file`` key in it names the config file, like the ``config_file`` argument.
    Raises SettingsError for an unknown key or a bad value, naming the key and where it came from.
    """
    environ = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    config_file = overrides.pop("config_file", None) or config_file
    values = {s.name: s.default for s in SETTINGS}

    env_values = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in BY_NAME:
            raise SettingsError(f"unknown setting '{key}' (from environment variable {name})")
        env_values[key] = value

    explicit_file = config_file or environ.get(ENV_PREFIX + "CONFIG")
    if explicit_file:
        path = Path(explicit_file)
        if not path.is_file():
            raise SettingsError(f"config file {path} does not exist")
        _apply(values, read_toml(path), str(path))
        values["config_file"] = str(path)
    data_dir = overrides.get("data_dir") or env_values.get("data_dir") or values["data_dir"]
    if not explicit_file:
        path = Path(data_dir) / "config.toml"
        if path.is_file():
            raw = read_toml(path)
            if "data_dir" in raw:
                raise SettingsError(
                    f"setting 'data_dir' (from {path}): cannot be set inside the data directory's "
                    "own config file; use --data-dir or APPLIANCE_DATA_DIR"
                )
            _apply(values, raw, str(path))
            values["config_file"] = str(path)
    values.setdefault("config_file", "")

    for key, value in env_values.items():
        values[key] = coerce(BY_NAME[key], value, f"environment variable {ENV_PREFIX}{key.upper()}")
    _apply(values, overrides, "explicit option")

    values["data_dir"] = str(Path(values["data_dir"]).expanduser().resolve())
    if not values["base_url"]:
        host = values["host"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        values["base_url"] = f"http://{shown}:{values['port']}"
    values["base_url"] = values["base_url"].rstrip("/")
    _cross_check(values)
    if values["base_url"].startswith("https://") and not values["secure_cookies"]:
        raise SettingsError(
            "setting 'secure_cookies': cannot be false when base_url is https "
            f"({values['base_url']})"
        )
    return values


def plain_http_warning(values: Mapping[str, Any]) -> str | None:
    """The start-up warning for insecure cookies, or None when cookies are Secure."""
    if values["secure_cookies"]:
        return None
    return (
        "WARNING: secure_cookies is off; session cookies travel over plain http. "
        "Use this only on this machine; put the appliance behind https for real use."
    )
