"""Every page of every signed-in role, filled from the demo data: the one enumeration shared by
``tests/browser/test_every_page.py`` (the checks) and ``tools/screenshots.py`` (the pictures).

:func:`demo_site` runs the real appliance (``init``, ``serve``) on a data directory filled by
``appliance demo`` plus the test cast (admin ``ada``, staff ``sam``, researcher ``rita``, who is
granted the demo survey, and interviewer ``ivo``, who is assigned it). :func:`pages` walks
``app.url_map``: every GET route whose action the role's entry in the guard's table allows
(``appliance.auth.roles``), with its URL parameters taken from the demo data. Downloads, the
JSON of live pages, the API, sign-in steps and the respondent pages (checked by
``test_accessibility.py``) are left out, each for a stated reason.
Every member signs in through a session created in the store (as ``tests/conftest.py`` does),
so no page waits for a TOTP window; the language is the member's own setting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from appliance import create_app, db
from appliance import demo as demo_data
from appliance.auth import store as auth_store
from appliance.auth.guard import required_action
from appliance.auth.roles import allows
from appliance.cli import initialise
from appliance.settings import load as load_settings
from tests.conftest import Member, _cast
from tests.serving import Server, running_server

ROLES = ("admin", "staff", "researcher", "interviewer")
LANGUAGES = ("nl", "en")
WIDTHS = {"wide": (1366, 900), "phone": (390, 844)}

# Endpoints that are no page of a signed-in role, with the reason they are left out.
NOT_PAGES = {
    "static": "a file, not a page",
    "home.health": "a health probe for monitoring",
    "auth.login": "sign-in steps: before a role exists",
    "auth.login_code": "sign-in steps: before a role exists",
    "auth.enrol": "sign-in steps: before a role exists",
    "auth.setup": "closed once an admin exists",
    "mailing.campaign_progress": "JSON polled by the campaign page",
    "mailing.preview_html": "a mail's HTML, sandboxed without scripts, shown in a frame of"
    " the template page (which is walked)",
    "respond.open_link": "respondent page: tests/browser/test_accessibility.py",
    "respond.invitation_link": "respondent page: tests/browser/test_accessibility.py",
    "respond.kiosk": "respondent page: tests/browser/test_accessibility.py",
    "respond.transparency": "respondent page: tests/browser/test_accessibility.py",
    "unsubscribe.unsubscribe_page": "respondent page: needs a mailed token",
    "public.asset": "a file, not a page",
    "interviews.onsite_token": "JSON fetched by the face-to-face interview app",
}
DOWNLOAD_SUFFIXES = (".csv", ".xlsx", ".pdf", ".json", ".png", ".svg")


@dataclass(frozen=True)
class Demo:
    """The ids that fill URL parameters: the demo's survey, import, campaign, template, a
    response, an account for the admin's user page, and the public address of its
    publication."""

    survey_id: int
    import_id: int
    campaign_id: int
    template_id: int
    response_id: str
    user_id: int
    qid: str
    slug: str
    form_id: str
    # The demo's telephone campaign, and the call of it the cast's interviewer holds.
    phone_campaign_id: int = 0
    call_id: int = 0

    def arguments(self, endpoint: str = "") -> dict[str, object]:
        """The URL parameters of ``endpoint``: the interviews area's campaign is the telephone
        campaign, everywhere else the e-mail one."""
        phone = endpoint.startswith("interviews.")
        return {
            "call_id": self.call_id,
            "survey_id": self.survey_id,
            "import_id": self.import_id,
            "campaign_id": self.phone_campaign_id if phone else self.campaign_id,
            "template_id": self.template_id,
            "response_id": self.response_id,
            "user_id": self.user_id,
            "qid": self.qid,
            "slug": self.slug,
            "form_id": self.form_id,
        }


@dataclass(frozen=True)
class Page:
    endpoint: str
    url: str

    @property
    def slug(self) -> str:
        """A file-name-safe name: the endpoint, then the path's ids."""
        tail = "-".join(p for p in self.url.strip("/").split("/") if p.isdigit() or len(p) > 20)
        return self.endpoint.replace(".", "_") + (f"-{tail[:12]}" if tail else "")


@dataclass
class Site:
    server: Server
    app: Flask
    cast: dict[str, Member]
    demo: Demo

    def pages(self, role: str) -> list[Page]:
        return pages(self.app, role, self.demo)

    def set_language(self, language: str) -> None:
        """Every member of the cast reads the interface in ``language`` from the next page."""
        conn = db.connect(db.db_path(self.server.data_dir))
        try:
            ids = [m.id for m in self.cast.values()]
            conn.executemany(
                "UPDATE users SET language = ? WHERE id = ?", [(language, i) for i in ids]
            )
        finally:
            conn.close()

    def session_cookie(self, role: str) -> dict:
        """A signed session cookie of a full (two-factor) session of ``role``'s member."""
        conn = db.connect(db.db_path(self.server.data_dir))
        try:
            sid = auth_store.create_session(conn, self.cast[role].id, "full", time.time())
        finally:
            conn.close()
        serializer = SecureCookieSessionInterface().get_signing_serializer(self.app)
        value = serializer.dumps({"_user_id": sid, "_fresh": True})
        return {"name": "session", "value": value, "url": self.server.base_url}


def pages(app: Flask, role: str, demo: Demo) -> list[Page]:
    """The GET pages ``role`` may open, in URL order, with parameters from ``demo``."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        endpoint = rule.endpoint
        if "GET" not in rule.methods or endpoint in NOT_PAGES or rule.rule.startswith("/api/"):
            continue  # the API answers programs with a token, not browsers
        if rule.rule.endswith(DOWNLOAD_SUFFIXES):
            continue  # a file download, not a page
        action = required_action(app, endpoint)
        if action is None or not allows(role, action):
            continue
        arguments = demo.arguments(endpoint)
        missing = set(rule.arguments) - set(arguments)
        assert not missing, f"{endpoint}: give Demo a value for {', '.join(sorted(missing))}"
        values = {name: arguments[name] for name in rule.arguments}
        with app.test_request_context():
            url = app.url_map.bind("localhost").build(endpoint, values)
        found.append(Page(endpoint, url))
    return found


def _demo_ids(data_dir: Path, cast: dict[str, Member]) -> Demo:
    conn = db.connect(db.db_path(data_dir))
    try:

        def first(sql: str):
            row = conn.execute(sql).fetchone()
            assert row is not None, sql
            return row[0]

        survey_id = first("SELECT id FROM surveys ORDER BY id")
        definition = json.loads(first(f"SELECT definition FROM surveys WHERE id = {survey_id}"))
        return Demo(
            survey_id=survey_id,
            import_id=first("SELECT id FROM contact_imports ORDER BY id"),
            campaign_id=first("SELECT id FROM campaigns ORDER BY id"),
            template_id=first("SELECT id FROM mail_templates ORDER BY id"),
            # One with an open answer, so the answers of the page are all filled.
            response_id=first(
                f"SELECT id FROM responses WHERE survey_id = {survey_id}"
                " AND answers LIKE '%remark%' ORDER BY submitted_on DESC"
            ),
            user_id=cast["staff"].id,
            qid=definition["pages"][0]["questions"][0]["id"],
            slug=first("SELECT slug FROM publications WHERE published = 1"),
            form_id=first("SELECT id FROM paper_scan_forms ORDER BY id"),
            phone_campaign_id=first("SELECT id FROM campaigns WHERE channel = 'phone'"),
        )
    finally:
        conn.close()


def _scan_waiting(data_dir: Path) -> None:
    """A scanned page waiting for verification (the demo has none): one no form can be read
    from, so its verification page shows."""
    import cv2
    import numpy as np

    from appliance.auth.service import CLI
    from appliance.keys import load as load_keys
    from appliance.paper import scan_service
    from appliance.paper.entry_service import Writing
    from appliance.surveys import service as surveys_service

    page = cv2.imencode(".png", np.full((1100, 800), 255, np.uint8))[1].tobytes()
    conn = db.connect(db.db_path(data_dir))
    try:
        row = surveys_service.get_survey(
            conn, conn.execute("SELECT min(id) FROM surveys").fetchone()[0]
        )
        definition = surveys_service.definition_of(row)
        # Nothing is stored from it, so nothing writes through the group commit.
        writing = Writing(None, load_keys(data_dir), None, 5, lambda _language: "")
        scan_service.upload(conn, writing, CLI, row["id"], definition, page, date.today())
    finally:
        conn.close()


@contextmanager
def demo_site(tmp_path: Path) -> Iterator[Site]:
    """The appliance serving the demo data and the cast; the researcher may see the survey and
    the interviewer is assigned it."""
    data_dir = tmp_path / "data"
    values = load_settings({"data_dir": str(data_dir)}, environ={})
    for _line in initialise(values):
        pass
    demo_data.fill(values)  # before serving: the scheduler never races the demo's sending
    _scan_waiting(data_dir)
    with running_server(tmp_path) as server:
        cast = _cast(data_dir)
        demo = _demo_ids(data_dir, cast)
        conn = db.connect(db.db_path(data_dir))
        try:
            conn.executemany(
                "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
                [(cast[role].id, demo.survey_id) for role in ("researcher", "interviewer")],
            )
        finally:
            conn.close()
        demo = replace(demo, call_id=_call_in_hand(data_dir, values, cast, demo))
        app = create_app({"data_dir": str(data_dir), "secure_cookies": False})
        yield Site(server, app, cast, demo)


def _call_in_hand(data_dir: Path, values: dict, cast: dict[str, Member], demo: Demo) -> int:
    """A call of the demo's telephone campaign held by the cast's interviewer: handed out at ten
    tomorrow morning (inside every part of the day), so the hold outlasts the walk whatever the
    hour it runs."""
    from appliance.interviews import calls_service
    from appliance.keys import load as load_keys

    tz = ZoneInfo(values["timezone"])
    tomorrow = datetime.now(tz).date() + timedelta(days=1)
    now = datetime.combine(tomorrow, clock(10), tz).timestamp()
    conn = db.connect(db.db_path(data_dir))
    try:
        call_id = calls_service.next_call(
            conn, load_keys(data_dir), cast["interviewer"].id, demo.phone_campaign_id, now, tz=tz
        )
    finally:
        conn.close()
    assert call_id is not None, "the demo's telephone campaign handed out no call"
    return call_id
