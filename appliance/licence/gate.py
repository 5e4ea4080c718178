"""Where the licence takes effect in the web pages: the licensed modules' pages, and the banner.

Each module's blueprint calls :func:`guard` once (``guard(bp, "paper")``): while the licence
does not allow the module (:meth:`Status.allows`), every page of the blueprint answers 403 with
a page that says why, in the reader's language, after the role check of
``appliance.auth.guard`` (so a guest is still sent to sign in, and a wrong role still gets the
plain 403). The views stay as they are.

Some pages stay open without the module, because the licence never cuts off a legal duty or
what people are in the middle of (:data:`KEPT`):

- publication: the public pages are not guarded at all (results already published stay up),
  and what takes something off them stays possible: withdrawing, and withholding or redacting
  a review (a review may name someone who asks for it to go);
- paper: entering and scanning returned forms of a survey whose forms went out on paper (and
  the letters of a post campaign made before are not guarded at all: only making a new post
  campaign needs the module, and the campaign service refuses that);
- interviews: the figures of the interviews made (reports of existing data), recording the
  outcome of the call in hand (an objection among them), and saving an interview under way or
  sent later by a tablet (answers given are never lost). No new call is handed out.

New surveys, campaigns and accounts are refused in the services, not here
(:mod:`appliance.licence.limits`), so the API and the console obey too.

:func:`install` adds the template helpers of ``base.html`` to the app: the banner
for admins and staff while :attr:`Status.banner`, whether a module is licensed (to hide its
links), why new work is refused (to disable the "New" buttons), and the licence page's address
(None while no such page is registered).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask import Blueprint, Flask, current_app, g, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from appliance.licence import limits
from appliance.licence import service as licence_service
from appliance.licence.labels import MODULE_LABELS
from appliance.paper import service as paper_service
from appliance.publication import service as publication_service
from appliance.web import get_db

# The roles that see the banner: the people who run the appliance (and can act on it).
BANNER_ROLES = frozenset({"admin", "staff"})
LICENCE_PAGE = "licence.show"


def _always(_args: dict[str, Any]) -> bool:
    return True


def _forms_out(args: dict[str, Any]) -> bool:
    survey_id = args.get("survey_id")
    return isinstance(survey_id, int) and paper_service.forms_out(get_db(), survey_id)


# Endpoint (or blueprint name followed by a dot) -> when it stays open without its module.
KEPT: dict[str, Callable[[dict[str, Any]], bool]] = {
    "publication.withdraw": _always,
    "publication.moderate": _always,
    "publication.moderation_log": _always,
    "publication.withhold_review": _always,
    "publication.redact_review": _always,
    "paper_entry.": _forms_out,
    "paper_scans.": _forms_out,
    "interviews.rates_page": _always,
    "interviews.interviewers": _always,
    "interviews.choose_e": _always,
    "interviews.interview": _always,
    # The call in hand: its outcome, and an objection ("do not call"), must be recordable.
    "interviews.call": _always,
    "interviews.onsite_submit": _always,
    "interviews.onsite_token": _always,
}


def current():
    """The licence's status for this request (read once per request)."""
    found = g.get("_licence_status")
    if found is None:
        today = licence_service.today()
        found = g._licence_status = licence_service.status(get_db(), today)
    return found


def kept(endpoint: str, args: dict[str, Any]) -> bool:
    """Whether ``endpoint`` stays open without its module (see :data:`KEPT`)."""
    rule = KEPT.get(endpoint) or KEPT.get(endpoint.split(".", 1)[0] + ".")
    return rule is not None and rule(args)


def guard(bp: Blueprint, module: str, endpoints: Collection[str] | None = None) -> None:
    """Refuse the pages of ``bp`` (only ``endpoints`` of it, when given) while the licence
    does not allow ``module``; :data:`KEPT` pages excepted."""
    if module not in MODULE_LABELS:
        raise ValueError(f"unknown module {module!r}")

    def check():
        endpoint = request.endpoint or ""
        if endpoint_refused(module, endpoint, endpoints, request.view_args or {}):
            return refusal(module)
        return None

    bp.before_request(check)


def endpoint_refused(
    module: str, endpoint: str, endpoints: Collection[str] | None, args: dict[str, Any]
) -> bool:
    if endpoints is not None and endpoint not in endpoints:
        return False
    if current().allows(module):
        return False
    return not kept(endpoint, args)


def channel_offered(channel: str) -> bool:
    """Whether the campaign form offers ``channel`` (post and telephone need their module)."""
    module = limits.CHANNEL_MODULE.get(channel)
    return module is None or current().allows(module)


def refusal(module: str):
    """The 403 page naming the module, with what still works (and, for a survey published
    now, the button that withdraws it)."""
    args = request.view_args or {}
    survey_id = args.get("survey_id")
    published = module == "publication" and isinstance(survey_id, int) and _live(survey_id)
    return render_template(
        "licence/refused.html",
        module=module,
        module_label=MODULE_LABELS[module],
        survey_id=survey_id if isinstance(survey_id, int) else None,
        published=published,
    ), 403


def _live(survey_id: int) -> bool:
    """Whether the survey's results are on the public pages now."""
    pub = publication_service.publication(get_db(), survey_id)
    return pub is not None and bool(pub["published"])


def install(app: Flask) -> None:
    """The template helpers of ``base.html`` (see the module's docstring)."""
    app.context_processor(_helpers)


def _helpers() -> dict[str, Any]:
    def licence_banner():
        """The status when this reader sees the banner, else None."""
        if not current_user.is_authenticated or current_user.role not in BANNER_ROLES:
            return None
        status = current()
        return status if status.banner or status.problem else None

    def licensed(module: str) -> bool:
        return current().allows(module)

    def new_work_refused() -> str:
        """Why no new survey, campaign or account can be made, translated ('' : they can)."""
        status = current()
        return "" if status.may_create else gettext(limits.NO_NEW_WORK[status.state])

    def licence_page() -> str | None:
        # The page is the lead's blueprint; until it is registered there is no link.
        if LICENCE_PAGE not in current_app.view_functions:
            return None
        return url_for(LICENCE_PAGE)

    def paper_forms_out(survey_id: int) -> bool:
        return paper_service.forms_out(get_db(), survey_id)

    return {
        "licence_banner": licence_banner,
        "paper_forms_out": paper_forms_out,
        "publication_live": _live,
        "licensed": licensed,
        "new_work_refused": new_work_refused,
        "licence_page": licence_page,
    }
