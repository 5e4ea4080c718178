"""Response headers for every response, and error pages."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # data: only for the locally generated TOTP QR code
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",  # the sandboxed preview of a mail's HTML part
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


# A view whose page other sites may show in a frame (the publication widget) marks its
# response with this header. The middleware takes the mark off and sends EMBEDDABLE_HEADERS
# instead of HEADERS: any site may frame it, and nothing else of the policy changes. Every
# other response keeps refusing to be framed.
EMBEDDABLE = "X-Appliance-Embeddable"
_EMBEDDABLE = EMBEDDABLE.lower()
EMBEDDABLE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
EMBEDDABLE_HEADERS = {
    **{name: value for name, value in HEADERS.items() if name != "X-Frame-Options"},
    "Content-Security-Policy": EMBEDDABLE_CSP,
}

HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
# Pages carry personal or account data: never keep them in a shared or browser cache.
NO_STORE = ("Cache-Control", "no-store")
# The public pages' CSS (``appliance.publication.public_views.asset``).
PUBLIC_ASSETS = "/public/assets/"


class SecurityHeaders:
    """WSGI middleware adding the headers above to every response (a view's own value wins,
    Cache-Control aside; a response marked :data:`EMBEDDABLE` gets :data:`EMBEDDABLE_HEADERS`).
    Plain tuples on the way out: the respondents' busiest path should not pay for a dozen header
    lookups per response."""

    def __init__(self, app, static_prefix: str | tuple[str, ...]):
        self.app = app
        self.static_prefix = static_prefix
        self.plain = tuple(HEADERS.items())
        self.secure = (*self.plain, HSTS)
        self.embed_plain = tuple(EMBEDDABLE_HEADERS.items())
        self.embed_secure = (*self.embed_plain, HSTS)

    def __call__(self, environ, start_response):
        https = environ.get("wsgi.url_scheme") == "https"
        static = environ.get("PATH_INFO", "").startswith(self.static_prefix)

        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _value in headers}
            if _EMBEDDABLE in present:
                headers = [h for h in headers if h[0].lower() != _EMBEDDABLE]
                extra = self.embed_secure if https else self.embed_plain
            else:
                extra = self.secure if https else self.plain
            if not static:
                headers = [h for h in headers if h[0].lower() != "cache-control"]
                headers.append(NO_STORE)
            headers.extend(h for h in extra if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


# API clients are programs: their errors are in English whatever the account's language.
API_ERRORS = {
    400: "the request was refused: a form token is missing or expired",
    401: "an API token is required: Authorization: Bearer <token>",
    403: "your role, or this token's scopes, do not allow this",
    404: "nothing with that address that you may see",
    405: "this address does not accept that method",
    413: "the body is larger than this operation accepts",
}


def _error(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        response = jsonify({"error": API_ERRORS.get(status, message)})
        response.status_code = status
        return response
    return render_template("error.html", title=title, message=message), status


def install(app: Flask) -> None:
    """Headers on every response (wrap before any proxy fix, so it sees the real scheme), and
    the error pages."""
    # Files, not pages: the vendored assets and the public pages' CSS may be cached.
    app.wsgi_app = SecurityHeaders(app.wsgi_app, (f"{app.static_url_path}/", PUBLIC_ASSETS))

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return _error(
            400,
            _("Form expired"),
            _(
                "The form was open too long or came from another site. Go back, reload "
                "the page and try again; nothing was changed."
            ),
        )

    @app.errorhandler(401)
    def unauthorised(_exc):
        response = _error(
            401, _("Sign-in required"), _("an API token is required: Authorization: Bearer <token>")
        )
        return response

    @app.errorhandler(403)
    def forbidden(_exc):
        return _error(403, _("Not allowed"), _("Your role does not give access to this page."))

    @app.errorhandler(404)
    def not_found(_exc):
        return _error(404, _("Not found"), _("This page does not exist."))

    @app.errorhandler(405)
    def not_allowed(_exc):
        return _error(405, _("Not allowed"), _("This address does not accept that request."))

    @app.errorhandler(413)
    def too_large(_exc):
        return _error(413, _("Too large"), _("The upload is larger than this page accepts."))
