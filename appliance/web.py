"""Request-scoped helpers shared by the views: the database connection, app state, the actor."""

from __future__ import annotations

import functools
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, g, has_app_context, request
from flask_babel import gettext
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from appliance import db
from appliance.admin import store as admin_store
from appliance.auth.service import Actor
from appliance.groupcommit import GroupCommit
from appliance.keys import KeyRing, Keys, LiveKeys
from appliance.responses.quality import Medians
from appliance.settings import BY_NAME


class IdConverter(IntegerConverter):
    """Row ids in URLs: at most 18 digits, so a larger number is no match (a 404, never an
    overflow in SQLite). Bounded by the pattern, not by a check after it: werkzeug counts a
    rule whose check refused as matching, and would answer another method's route with 405."""

    regex = r"\d{1,18}"


# The converter's name, registered on the app's URL map (``create_app``).
ID = "id"


@dataclass(frozen=True)
class State:
    """What create_app resolved once: settings, keys and derived helpers."""

    settings: dict[str, Any]
    loaded_keys: Keys
    writer: GroupCommit
    medians: Medians = field(default_factory=Medians)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ring", KeyRing(self.settings["data_dir"], self.loaded_keys))

    @property
    def keys(self) -> Keys:
        """The keys, read again after ``rotate-keys`` (one ``stat`` per request); the same for
        the whole of a request, which waits while a rotation runs."""
        if not has_app_context():
            return self.ring.current()
        found = g.get("_appliance_keys")
        if found is None:
            found = g._appliance_keys = self.ring.current()
        return found

    @property
    def live_keys(self) -> LiveKeys:
        """For background jobs: the current keys at every use."""
        return LiveKeys(self.ring)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings["timezone"])

    @functools.cached_property
    def db_path(self) -> Path:
        return db.db_path(self.settings["data_dir"])


def state() -> State:
    return current_app.extensions["appliance"]


_threads = threading.local()


def get_db() -> sqlite3.Connection:
    """The request's connection. Each server thread keeps one open between requests: opening
    costs pragmas, and closing the last connection makes SQLite checkpoint the whole WAL, which
    would be paid on every request otherwise."""
    if "db" not in g:
        # During a key rotation this waits for it (see KeyRing), so a request neither meets the
        # rotation's write lock nor reads with keys the database no longer matches.
        state().keys  # noqa: B018 - read for its effect
        path = str(state().db_path)
        cached = getattr(_threads, "conn", None)
        if cached is None or _threads.path != path:
            if cached is not None:
                cached.close()
            _threads.conn, _threads.path = db.connect(path), path
        g.db = _threads.conn
    return g.db


def close_db(_exc=None) -> None:
    """Teardown: the connection stays with the thread, but never with a transaction open."""
    conn = g.pop("db", None)
    if conn is not None and conn.in_transaction:
        conn.execute("ROLLBACK")


def setting(name: str) -> Any:
    """Effective value: an admin's stored override for editable settings, else the config."""
    if BY_NAME[name].editable:
        overrides = g.get("setting_overrides")
        if overrides is None:
            overrides = g.setting_overrides = admin_store.overrides(get_db())
        if name in overrides:
            return overrides[name]
    return state().settings[name]


def client_address() -> str:
    # remote_addr is already the real client when ProxyFix trusts the configured proxies.
    return request.remote_addr or ""


def actor() -> Actor:
    return Actor.of(current_user.user if current_user.is_authenticated else None, client_address())


def flash_reasons(reasons) -> None:
    """Show refusal reasons (msgids, as services raise them) as errors in the user's language."""
    for reason in reasons:
        flash(gettext(reason), "error")
