"""Customer-satisfaction research appliance.

``create_app(config)`` builds the Flask application; nothing happens at import time. The data
directory must have been initialised (``appliance init``) and migrated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


class NotInitialised(RuntimeError):
    """The data directory is missing, has no keys, or has migrations pending."""


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` holds setting overrides (see ``appliance.settings``).

    Raises SettingsError for bad settings and NotInitialised when the data directory is not ready.
    """
    from appliance import db, keys, schema, security, settings
    from appliance.api import calls as api_calls
    from appliance.auth import guard, sessions
    from appliance.groupcommit import GroupCommit
    from appliance.web import ID, IdConverter, State, close_db

    values = settings.load(config)
    settings.adopt_timezone(values)
    data_dir = Path(values["data_dir"])
    if not db.db_path(data_dir).exists():
        raise NotInitialised(f"no database in {data_dir}; run `appliance init` first")
    try:
        app_keys = keys.load(data_dir)
    except keys.KeyFileError as exc:
        raise NotInitialised(str(exc)) from None
    conn = db.connect(db.db_path(data_dir))
    try:
        pending = schema.pending(conn)
    finally:
        conn.close()
    if pending:
        raise NotInitialised(f"migrations pending ({', '.join(pending)}); run `appliance init`")

    if not TEMPLATES.is_dir():
        raise NotInitialised(f"templates not found at {TEMPLATES}; install from the source tree")
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    secure = values["secure_cookies"]
    app.config.update(
        SECRET_KEY=app_keys.session,
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=values["max_upload_mb"] * 1024 * 1024 + 64 * 1024,  # + form fields
        BABEL_DEFAULT_LOCALE=values["default_language"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.session_interface = _SessionInterface()
    app.extensions["appliance"] = State(values, app_keys, GroupCommit(db.db_path(data_dir)))
    # Werkzeug's slash redirects build an absolute Location from the Host header; links must
    # come from base_url only, so both paths simply match instead of redirecting.
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    app.url_map.converters[ID] = IdConverter
    logging.getLogger("appliance").setLevel(values["log_level"])

    csrf = CSRFProtect(app)
    Babel(app, locale_selector=_locale)
    sessions.init_login(app)
    guard.install(app)
    api_calls.install(app)
    security.install(app)
    if values["trusted_proxies"]:
        n = values["trusted_proxies"]
        # Host is never taken from headers: links come from base_url. Outermost, so every
        # layer inside (security headers included) sees the client's scheme and address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=0, x_port=0)
    app.teardown_appcontext(close_db)
    _register_blueprints(app, csrf)
    guard.check_gate_routes(app)
    _register_template_helpers(app)
    return app


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie (it carries only the server-side session's id), with its signer
    built once per app instead of on every request. A request that set ``g.stateless`` (the
    public publication pages) never saves the session: those pages set no cookie for anyone,
    not even a refreshed one for a signed-in visitor."""

    def get_signing_serializer(self, app: Flask):
        cached = getattr(self, "_serializer", None)
        if cached is None:
            cached = self._serializer = super().get_signing_serializer(app)
        return cached

    def save_session(self, app: Flask, session, response) -> None:
        if g.get("stateless"):
            return
        super().save_session(app, session, response)


def _locale() -> str:
    from appliance.web import setting

    if current_user and current_user.is_authenticated and current_user.language:
        return current_user.language
    return setting("default_language")


def _register_blueprints(app: Flask, csrf: CSRFProtect) -> None:
    from appliance import home_views
    from appliance.admin import (
        audit_views,
        backup_views,
        licence_views,
        settings_views,
        users_views,
    )
    from appliance.api import audit_views as api_audit_views
    from appliance.api import campaign_views as api_campaign_views
    from appliance.api import response_views as api_response_views
    from appliance.api import subject_views as api_subject_views
    from appliance.api import survey_views as api_survey_views
    from appliance.api import views as api_views
    from appliance.auth import account_views, views
    from appliance.contacts import views as contact_views
    from appliance.interviews import (
        calls_views,
        interview_views,
        onsite_views,
        oversee_views,
        setup_views,
    )
    from appliance.mailing import code_views, letters_views, template_views, unsubscribe_views
    from appliance.mailing import views as mailing_views
    from appliance.paper import entry_views as paper_entry_views
    from appliance.paper import scan_views as paper_scan_views
    from appliance.paper import views as paper_views
    from appliance.privacy import request_views as privacy_request_views
    from appliance.privacy import retention_views, statement_views
    from appliance.publication import export_views
    from appliance.publication import public_views as publication_public
    from appliance.publication import views as publication_views
    from appliance.reports import activity_views, manage_views
    from appliance.reports import api_views as report_api_views
    from appliance.reports import views as report_views
    from appliance.responses import public_views as respondent_pages
    from appliance.responses import views as response_views
    from appliance.surveys import builder_views, qr_views
    from appliance.surveys import views as survey_views

    modules = (
        home_views,
        views,
        account_views,
        users_views,
        settings_views,
        audit_views,
        backup_views,
        licence_views,
        contact_views,
        survey_views,
        builder_views,
        qr_views,
        mailing_views,
        letters_views,
        template_views,
        privacy_request_views,
        response_views,
        report_views,
        manage_views,
        activity_views,
        retention_views,
        statement_views,
        publication_views,
        paper_views,
        paper_entry_views,
        paper_scan_views,
        oversee_views,
        calls_views,
        interview_views,
        onsite_views,
        setup_views,
        api_views,
        api_survey_views,
        api_campaign_views,
        api_response_views,
        api_subject_views,
        api_audit_views,
        report_api_views,
    )
    # Several view modules add their pages to one blueprint (compliance, surveys, reports,
    # mailing): register each blueprint once (Flask refuses a second registration under the
    # same name).
    for blueprint in dict.fromkeys(module.bp for module in modules):
        app.register_blueprint(blueprint)
    # Bearer tokens only, never the cookie (see appliance.auth.guard): no CSRF to forge.
    csrf.exempt(api_views.bp)
    csrf.exempt(report_api_views.bp)
    # Respondents have no session at all; their forms carry a signed state instead.
    csrf.exempt(respondent_pages.bp)
    # The token is the authority, and RFC 8058 one-click POSTs come from mail programs.
    csrf.exempt(unsubscribe_views.bp)
    # The short code of a letter is the authority; respondents have no session.
    csrf.exempt(code_views.bp)
    # The public results pages have no session and no forms (see public_views).
    csrf.exempt(publication_public.bp)
    app.register_blueprint(publication_public.bp)
    app.register_blueprint(export_views.bp)
    app.register_blueprint(respondent_pages.bp)
    app.register_blueprint(unsubscribe_views.bp)
    app.register_blueprint(code_views.bp)


def _register_template_helpers(app: Flask) -> None:
    from appliance import formats
    from appliance.admin.forms import ROLE_LABELS
    from appliance.auth.roles import allows
    from appliance.db import parse_iso
    from appliance.licence import gate as licence_gate
    from appliance.web import setting, state

    licence_gate.install(app)

    for shown in (formats.moment, formats.clock, formats.isoday, formats.filesize):
        app.add_template_filter(shown)
    app.add_template_filter(formats.language_name, "language_name")
    app.add_template_filter(formats.code_spans, "code_spans")

    @app.template_filter("localtime")
    def localtime(text: str | None) -> str:
        return formats.moment(parse_iso(text)) if text else ""

    @app.context_processor
    def helpers():
        def can(action: str) -> bool:
            return current_user.is_authenticated and allows(current_user.role, action)

        def requests_due() -> int:
            """Open data-subject requests near or past their deadline (a banner for staff)."""
            from datetime import datetime

            from appliance.privacy import register
            from appliance.web import get_db

            return register.due_soon_count(get_db(), datetime.now(state().tz).date())

        return {
            "role_labels": ROLE_LABELS,
            "can": can,
            "requests_due": requests_due,
            "organisation_name": setting("organisation_name"),
            "get_locale": get_locale,
        }
