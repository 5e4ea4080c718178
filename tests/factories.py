"""Builders shared by the test folders: open surveys, invitations, stored responses, answers
given through the respondent pages and a sent campaign.

Each builder writes through the appliance's own service or store functions, so what it leaves
behind is what the appliance itself would have written; only :func:`grant` adds its one row
directly (the store can only replace a researcher's grants as a whole).
"""

from __future__ import annotations

import re
import time
from datetime import date

from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.mailing import jobs, links
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mail_store
from appliance.reports import fold_service
from appliance.responses import quality
from appliance.responses import service as responses_service
from appliance.responses import store as responses_store
from appliance.settings import load as load_settings
from appliance.surveys import service as surveys_service
from appliance.surveys import store as surveys_store
from appliance.surveys.definition import Definition

DAY = date(2026, 11, 22)
"""The day :func:`submit_response` stores a response on unless told otherwise."""
LOW_SCORES = ["0", "1", "2", "3", "4", "5", "6"]
"""The NPS scores of a detractor."""


def nps_with_follow_up() -> list[dict]:
    """Two questions for a definition's page: ``nps``, required, and ``why`` ("Wat kan beter?",
    an open question) shown only for a score in :data:`LOW_SCORES`. A new list on each call."""
    return [
        {"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS", "en": "NPS"}},
        {
            "id": "why",
            "type": "text_long",
            "show_if": {"question": "nps", "in": list(LOW_SCORES)},
            "text": {"nl": "Wat kan beter?", "en": "What could be better?"},
        },
    ]


def open_survey(conn, definition: dict | None = None, *, template: str = "nps", **changes) -> int:
    """A survey made from ``template`` by the command line (audited as the staff pages would),
    its definition replaced by ``definition`` if given, the top-level ``changes`` (for example
    ``anonymous=False``) applied on top, and opened. Returns its id."""
    survey_id = surveys_service.create_from_template(conn, CLI, template)
    if definition is not None or changes:
        if definition is None:
            row = surveys_store.get_survey(conn, survey_id)
            definition = surveys_store.definition_of(row).to_json()
        surveys_service.update_definition(conn, CLI, survey_id, {**definition, **changes})
    surveys_service.change_status(conn, CLI, survey_id, "open")
    return survey_id


def open_survey_row(conn, definition: dict | None = None, **kw):
    """:func:`open_survey`, returned as the stored row (``id``, ``link_token`` and so on)."""
    return surveys_store.get_survey(conn, open_survey(conn, definition, **kw))


def stored_open_survey(conn, definition: dict) -> int:
    """A survey with ``definition`` written straight to the store and opened, in one commit
    and without an audit entry. Returns its id."""
    with transaction(conn):
        survey_id = surveys_store.create_survey(conn, Definition.parse(definition))
        surveys_store.set_status(conn, survey_id, "open")
    return survey_id


def grant(conn, member, survey_id: int) -> None:
    """Let the researcher ``member`` (of the cast) read the reports of ``survey_id``."""
    conn.execute(
        "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)", (member.id, survey_id)
    )


def invite(conn, data_dir, survey_id: int, contact_id: int | None = None) -> tuple[str, int]:
    """One unused invitation to ``survey_id`` (for ``contact_id``, or nobody), written in the
    caller's transaction if there is one. Returns (the token of its link, its row id)."""
    hasher = load_keys(data_dir).hasher()
    token = responses_store.create_invitation(conn, hasher, survey_id, contact_id)
    row = conn.execute(
        "SELECT id FROM invitations WHERE token_hash = ?",
        (links.invitation_hash(hasher, token),),
    ).fetchone()
    return token, row[0]


def submit_response(
    conn,
    data_dir,
    survey_id: int,
    answers: dict,
    key: str = "k",
    *,
    mode: str = "link",
    language: str = "nl",
    today: date = DAY,
    invitation: str | None = None,
    quality_flags: bool = True,
    fold: bool = True,
    **kw,
) -> str:
    """Store one response the way the respondent pages do, fold it into the report counters
    (as ``serve`` does a moment later; not with ``fold`` False) and return its id.

    ``key`` is the form key (the same key twice stores one response). ``invitation`` is the
    token of an invitation the response answers (it is marked used). With ``quality_flags`` the
    response gets the quality flags the pages would compute; without, none. ``kw`` goes to
    :func:`appliance.responses.service.submit` unchanged (``segments``, ``names``,
    ``duration_s``, ``contact_consent``, ...)."""
    keys = load_keys(data_dir)
    hasher = keys.hasher()
    if invitation is not None:
        kw["invitation_hash"] = links.invitation_hash(hasher, invitation)
    if quality_flags:
        definition = surveys_store.definition_of(surveys_store.get_survey(conn, survey_id))

        def flagger(c):
            return quality.flags_for(
                c, hasher, survey_id, definition, answers, kw.get("duration_s")
            )

        kw["flagger"] = flagger
    response_id = responses_service.submit(
        conn,
        hasher,
        keys.cipher(),
        survey_id=survey_id,
        mode=mode,
        language=language,
        answers=answers,
        form_key=key,
        today=today,
        **kw,
    )
    if fold:
        fold_pending(conn)
    return response_id


def fold_pending(conn) -> None:
    """Add every response, exclusion and inclusion waiting to the report counters, as the fold
    of ``serve`` does within a second or two."""
    fold_service.fold_pending(conn)


def state_of(page: str) -> str:
    """The hidden ``state`` field of a respondent page (it must be on the page)."""
    found = re.search(r'name="state" value="([^"]+)"', page)
    assert found, "no state field on the page"
    return found.group(1)


def answer_page(client, url: str, answers: dict, **kw):
    """Open the respondent page at ``url`` and send ``answers`` with the page's state, as a
    browser without script would; ``kw`` goes to both requests. Returns the POST's response."""
    page = client.get(url, **kw).get_data(as_text=True)
    return client.post(url, data={"state": state_of(page), **answers}, **kw)


def send_campaign(
    conn, data_dir, survey_id: int, list_id: int, name: str, *, reminder: bool = True
) -> int:
    """A campaign of the standard invitation to every contact of ``list_id``, delivered through
    the real sender (file transport); with ``reminder``, the standard reminder is sent at once
    and delivered too. Returns the campaign id."""
    keys = load_keys(data_dir)
    templates = {r["name"]: r["id"] for r in mail_store.list_templates(conn)}
    plan = mailing_service.Plan(
        name=name,
        survey_id=survey_id,
        list_id=list_id,
        template_id=templates["Uitnodiging / Invitation"],
        reminder_template_id=templates["Herinnering / Reminder"] if reminder else None,
        send_at=time.time(),
        reminders=1 if reminder else 0,
        reminder_days=7,
        segment_filter={},
    )

    campaign_id = mailing_service.create(conn, CLI, plan)[0]
    settings = load_settings(
        {
            "data_dir": str(data_dir),
            "base_url": "https://enquete.example.nl",
            "mail_from": "Voorbeeld BV <enquete@voorbeeld.nl>",
        },
        environ={},
    )
    jobs.deliver(settings, keys)
    if reminder:
        mailing_service.remind_now(conn, CLI, campaign_id)
        jobs.deliver(settings, keys)
    return campaign_id
