"""Shared by the paper entry tests: a questionnaire with routing, a post invitation with a
printed code, and typing a form through the staff pages."""

from __future__ import annotations

import re
import secrets

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.mailing import codes
from appliance.responses import store as responses_store
from tests.factories import stored_open_survey


def _t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


DEFINITION = {
    "languages": ["nl", "en"],
    "title": _t("Papieren enquête", "Paper survey"),
    "pages": [
        {
            "id": "one",
            "questions": [
                {
                    "id": "nps",
                    "type": "nps",
                    "required": True,
                    "text": _t("Aanbevelen?", "Recommend?"),
                },
                {
                    "id": "why",
                    "type": "text_long",
                    "show_if": {"question": "nps", "in": [str(v) for v in range(7)]},
                    "text": _t("Wat kan beter?", "What could be better?"),
                },
                {"id": "visited", "type": "yesno", "text": _t("Eerder geweest?", "Been before?")},
                {
                    "id": "channel",
                    "type": "single",
                    "na": True,
                    "text": _t("Hoe kwam u bij ons?", "How did you find us?"),
                    "choices": [
                        {"value": "web", "label": _t("Website", "Website")},
                        {"value": "friend", "label": _t("Vrienden", "Friends")},
                    ],
                },
                {
                    "id": "products",
                    "type": "multiple",
                    "text": _t("Wat kocht u?", "What did you buy?"),
                    "choices": [
                        {"value": "bread", "label": _t("Brood", "Bread")},
                        {"value": "cake", "label": _t("Taart", "Cake")},
                        {"value": "coffee", "label": _t("Koffie", "Coffee")},
                    ],
                },
            ],
        },
        {
            "id": "two",
            "show_if": {"question": "visited", "in": ["yes"]},
            "questions": [
                {"id": "again", "type": "rating", "text": _t("Hoe was het nu?", "How was it now?")},
                {"id": "remark", "type": "text_short", "text": _t("Opmerking", "Remark")},
            ],
        },
    ],
}


def survey(conn) -> int:
    return stored_open_survey(conn, DEFINITION)


def coded_invitation(conn, data_dir, survey_id: int) -> tuple[str, int]:
    """A post invitation with a printed code, as a paper campaign makes it: (code as printed,
    invitation id)."""
    hasher = load_keys(data_dir).hasher()
    code = codes.encode(secrets.token_bytes(10))
    with transaction(conn):
        token = responses_store.create_invitation(conn, hasher, survey_id, None)
        from appliance.mailing.links import invitation_hash

        conn.execute(
            "UPDATE invitations SET code_hash = ? WHERE token_hash = ?",
            (codes.code_hash(hasher, code), invitation_hash(hasher, token)),
        )
        row = conn.execute("SELECT max(id) FROM invitations").fetchone()
    return codes.shown(code), row[0]


def state_of(page: str) -> str:
    found = re.search(r'name="state" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def hidden_values(page: str) -> dict[str, str]:
    """The typed values a summary carries in hidden fields."""
    return dict(re.findall(r'type="hidden" name="(k-[^"]+)" value="([^"]*)"', page))


def start(browser, survey_id: int, **form):
    return browser.post(f"/surveys/{survey_id}/paper/entry", form)


def type_form(browser, survey_id: int, typed: dict[str, str], **step1):
    """Step 1 (``code=…`` or ``anonymous="1"``) and step 2; returns the summary response."""
    page = start(browser, survey_id, **step1)
    assert page.status_code == 200, page.get_data(as_text=True)[:3000]
    state = state_of(page.get_data(as_text=True))
    return browser.post(
        f"/surveys/{survey_id}/paper/entry/answers",
        {"state": state, **{f"k-{k}": v for k, v in typed.items()}},
    )


def confirm(browser, survey_id: int, summary):
    """Confirm the summary as shown (its state and hidden values)."""
    page = summary.get_data(as_text=True)
    return browser.post(
        f"/surveys/{survey_id}/paper/entry/confirm",
        {"state": state_of(page), **hidden_values(page)},
    )


def responses(conn, survey_id: int):
    return conn.execute(
        "SELECT * FROM responses WHERE survey_id = ? ORDER BY id", (survey_id,)
    ).fetchall()
