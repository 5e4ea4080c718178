"""The one declared list of settings, and how they are loaded.

Precedence, lowest first: the declared defaults, the TOML config file, ``APPLIANCE_<NAME>``
environment variables, then explicit overrides (CLI options, or the mapping given to
``create_app``). An unknown key or a bad value raises :class:`SettingsError` naming the key; nothing
starts with a bad config.

The config file is ``--config``, else ``APPLIANCE_CONFIG``, else ``<data_dir>/config.toml`` when it
exists. The data directory is ``--data-dir``, else ``APPLIANCE_DATA_DIR``, else ``data_dir`` from an
explicitly named config file, else ``./data``.

Settings marked ``editable`` may also be changed by an admin in the interface; the stored value then
wins over the file (see ``appliance.admin.store``).

The list is declared in parts, by meaning: ``general`` (the server, sign-in, interface, reports),
``mail`` (sending and bounces) and ``records`` (privacy statement, retention, backups); this module
joins them into :data:`SETTINGS` and loads the values.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance.settings.declaration import Setting, SettingsError
from appliance.settings.general import GENERAL, LANGUAGES, TEST_ONLY
from appliance.settings.mail import MAIL
from appliance.settings.records import RECORDS

__all__ = [
    "BY_NAME",
    "ENV_PREFIX",
    "LANGUAGES",
    "SETTINGS",
    "Setting",
    "SettingsError",
    "adopt_timezone",
    "coerce",
    "load",
    "plain_http_warning",
    "read_toml",
]

ENV_PREFIX = "APPLIANCE_"

# One list, in this order: config.example.toml and the admin's settings page follow it.
SETTINGS: tuple[Setting, ...] = (*GENERAL, *MAIL, *RECORDS, *TEST_ONLY)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _cross_check(values: dict[str, Any]) -> None:
    """Rules that involve more than one setting."""
    if values["mail_transport"] == "smtp" and not values["smtp_host"]:
        raise SettingsError("setting 'smtp_host': required when mail_transport is \"smtp\"")
    if values["bounce_mailbox"] == "imap" and not values["bounce_imap_host"]:
        raise SettingsError("setting 'bounce_imap_host': required when bounce_mailbox is \"imap\"")
    if values["bounce_mailbox"] == "maildir" and not values["bounce_maildir"]:
        raise SettingsError("setting 'bounce_maildir': required when bounce_mailbox is \"maildir\"")
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


def adopt_timezone(values: Mapping[str, Any]) -> None:
    """Make the ``timezone`` setting the process's local time zone.

    ``date.today()``, ``datetime.now()`` and SQLite's ``'localtime'`` then all count the
    organisation's day, whatever zone the server itself runs in (often UTC): a response given at
    00:30 in Amsterdam is dated that day, a survey closing on a day closes at its midnight.
    Called once by every entry point (the app factory and each command) before any work.
    Raises SettingsError when the system's own zone data (which the C library reads, unlike
    Python's ``zoneinfo``) does not know the zone: the day would silently be UTC's."""
    name = values["timezone"]
    if os.environ.get("TZ") != name:
        os.environ["TZ"] = name
        time.tzset()
    now = datetime.now(UTC)
    if now.astimezone().utcoffset() != now.astimezone(ZoneInfo(name)).utcoffset():
        raise SettingsError(
            f"setting 'timezone': this system has no time zone data for {name!r}; "
            "install the tzdata package"
        )
