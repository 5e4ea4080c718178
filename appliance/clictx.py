"""The shared context of every ``appliance`` command: settings and the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import click

from appliance import db, settings
from appliance.auth.accounts import AccountError
from appliance.settings import SettingsError


class Context:
    def __init__(self, data_dir: str | None, config: str | None):
        self.data_dir = data_dir
        self.config = config

    def settings(self, **overrides) -> dict:
        try:
            return settings.load(
                {"data_dir": self.data_dir, "config_file": self.config, **overrides}
            )
        except SettingsError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None

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


pass_ctx = click.make_pass_decorator(Context)
