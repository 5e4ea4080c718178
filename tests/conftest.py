"""Fixtures: a real data directory (SQLite file, key files) per test and a fixed cast of users.

The cast is built once per session (argon2 hashing is deliberately slow) and copied for each test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, timedelta

import pyotp
import pytest
from hypothesis import settings
from itsdangerous import URLSafeTimedSerializer

from appliance import create_app, db
from appliance.auth import service as auth_service
from appliance.auth import store as auth_store
from appliance.auth.service import CLI
from appliance.cli import initialise
from appliance.keys import load as load_keys
from appliance.settings import BY_NAME, adopt_timezone
from appliance.settings import load as load_settings

PASSWORD = "Lange-zin-voor-de-tests-2026"

# CI explores the same examples every run (a red run must be reproducible); locally, hypothesis
# explores afresh each time and keeps the failures it finds in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_configure(config):
    """Every app adopts its ``timezone`` setting as the process's zone; adopt the default one
    before collection too, so a test module's ``date.today()`` counts the same day as the app
    it tests, at any hour the suite runs."""
    adopt_timezone({"timezone": BY_NAME["timezone"].default})


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    id: int
    totp_secret: str | None


def _cast(data_dir) -> dict[str, Member]:
    conn = db.connect(db.db_path(data_dir))
    keys = load_keys(data_dir)
    today = date.today()
    spec = {
        "admin": ("ada", "admin", None, None, True),
        "staff": ("sam", "staff", None, None, True),
        "staff2": ("sara", "staff", None, None, True),
        "researcher": (
            "rita",
            "researcher",
            today - timedelta(days=1),
            today + timedelta(days=30),
            True,
        ),
        "interviewer": ("ivo", "interviewer", None, None, True),
        "expired": (
            "rex",
            "researcher",
            today - timedelta(days=60),
            today - timedelta(days=1),
            True,
        ),
    }
    cast = {}
    for key, (name, role, start, end, with_totp) in spec.items():
        user_id = auth_service.create(
            conn,
            CLI,
            username=name,
            role=role,
            password=PASSWORD,
            display_name=name.title(),
            valid_from=start.isoformat() if start else None,
            valid_until=end.isoformat() if end else None,
        )
        secret = None
        if with_totp:
            secret = pyotp.random_base32(32)
            auth_store.set_pending_totp(conn, keys.cipher(), user_id, secret)
            auth_store.enable_totp(conn, user_id)
            auth_store.replace_recovery_codes(
                conn, keys.hasher(), user_id, [f"aaaa-bbbb-cccc-{i:04d}" for i in range(10)]
            )
        cast[key] = Member(name, role, user_id, secret)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return cast


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("template") / "data"
    initialise(load_settings({"data_dir": str(data_dir)}, environ={}))
    return data_dir, _cast(data_dir)


@pytest.fixture
def data_dir(template_dir, tmp_path):
    source, _ = template_dir
    target = tmp_path / "data"
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="session")
def cast(template_dir) -> dict[str, Member]:
    return template_dir[1]


def app_settings(data_dir) -> dict:
    """The settings every test app runs with: ``data_dir``, English pages, plain-HTTP cookies."""
    return {"data_dir": str(data_dir), "default_language": "en", "secure_cookies": False}


@pytest.fixture
def settings_overrides(data_dir):
    return app_settings(data_dir)


@pytest.fixture
def app(settings_overrides, monkeypatch):
    for name in list(os.environ):
        if name.startswith("APPLIANCE_"):
            monkeypatch.delenv(name)
    return create_app(settings_overrides)


@pytest.fixture(scope="module")
def shared_data_dir(template_dir, tmp_path_factory):
    """One copy of the template data directory (with the cast) for a whole test module; see
    :mod:`tests.read_only` for the modules that may use it."""
    target = tmp_path_factory.mktemp("shared") / "data"
    shutil.copytree(template_dir[0], target)
    return target


@pytest.fixture(scope="module")
def shared_conn(shared_data_dir):
    """A connection to ``shared_data_dir``, open for the whole module."""
    connection = db.connect(db.db_path(shared_data_dir))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def shared_app(shared_data_dir):
    """One app on ``shared_data_dir`` for the whole module, made and used with no
    ``APPLIANCE_*`` variable in the environment (as the ``app`` fixture)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("APPLIANCE_"):
                patch.delenv(name)
        yield create_app(app_settings(shared_data_dir))


@pytest.fixture
def conn(data_dir):
    connection = db.connect(db.db_path(data_dir))
    yield connection
    connection.close()


class Browser:
    """A test client that fills in CSRF tokens the way a rendered form would."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def csrf(self) -> str:
        with self.client.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", "a" * 40)
        return URLSafeTimedSerializer(self.app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, url, data=None, prefix="", csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            data[f"{prefix}-csrf_token" if prefix else "csrf_token"] = self.csrf()
        return self.client.post(url, data=data, **kw)

    def login_password(self, username, password=PASSWORD, **kw):
        return self.post("/login", {"username": username, "password": password}, **kw)

    def sign_in_with_code(
        self, member: Member, code: str | None = None, password: str = PASSWORD, **kw
    ):
        """Sign in through the pages: the password, then ``code`` (default: the member's
        current TOTP code). Returns the answer to the code step."""
        r = self.login_password(member.name, password, **kw)
        assert r.headers.get("Location") == "/login/code", r.status_code
        return self.post("/login/code", {"code": code or totp_now(member.totp_secret)}, **kw)

    def enrol(self, user_id: int):
        """Finish a sign-in that is due for TOTP enrolment as the person would: open the page,
        read the secret (from the store, where the QR code comes from), type the first code."""
        assert self.get("/login/enrol").status_code == 200
        state = self.app.extensions["appliance"]
        conn = db.connect(db.db_path(state.settings["data_dir"]))
        secret = auth_store.totp_secret(conn, state.keys.cipher(), user_id)
        conn.close()
        return self.post("/login/enrol", {"code": totp_now(secret)})

    def sign_in(self, member: Member) -> str:
        """Start a full session directly in the store (fast); returns the raw session id."""
        conn = db.connect(db.db_path(self.app.extensions["appliance"].settings["data_dir"]))
        sid = auth_store.create_session(conn, member.id, "full", time.time())
        conn.close()
        with self.client.session_transaction() as sess:
            sess["_user_id"] = sid
            sess["_fresh"] = True
        return sid


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app)


@pytest.fixture
def as_role(app, cast):
    """``as_role("staff")`` -> a Browser signed in as that member of the cast."""

    def make(role: str) -> Browser:
        b = Browser(app)
        b.sign_in(cast[role])
        return b

    return make


def totp_now(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def audit_actions(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
