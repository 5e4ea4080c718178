"""The shared context of every ``appliance`` command: settings and the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import click

from appliance import db, settings
from appliance.auth.service import AccountError
from appliance.keys import Keys
from appliance.keys import load as load_keys
from appliance.settings import SettingsError


class Context:
    def __init__(self, data_dir: str | None, config: str | None):
        self.data_dir = data_dir
        self.config = config

    def settings(self, **overrides) -> dict:
        try:
            values = settings.load(
                {"data_dir": self.data_dir, "config_file": self.config, **overrides}
            )
            settings.adopt_timezone(values)
        except SettingsError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None
        return values

    @contextmanager
    def database(self, values: dict | None = None) -> Iterator[sqlite3.Connection]:
        """A connection to the initialised database, closed afterwards. Account refusals
        (AccountError) become a clean CLI error carrying every reason."""
        values = values or self.settings()
        path = db.db_path(values["data_dir"])
        if not path.exists():
            raise click.ClickException(f"no database in {values['data_dir']}; run `appliance init`")
        conn = db.connect(path)
        try:
            yield conn
        except AccountError as exc:
            raise click.ClickException("; ".join(exc.reasons)) from None
        finally:
            conn.close()

    @contextmanager
    def keys(self, values: dict) -> Iterator[Keys]:
        """The data directory's keys, held against a key rotation for the whole block: what
        the command seals or hashes stays readable and matching afterwards. Refuses while an
        interrupted rotation waits to be settled."""
        from appliance import locks
        from appliance.backup import rotation

        if rotation.unfinished(values["data_dir"]):
            raise click.ClickException(rotation.unfinished_message(values["data_dir"]))
        try:
            with locks.no_rotation(values["data_dir"]):
                yield load_keys(values["data_dir"])
        except locks.Busy as exc:
            raise click.ClickException(str(exc)) from None


pass_ctx = click.make_pass_decorator(Context)
