"""The interviewer canary: an interviewer holding one call opens every page their role allows
and every page those link to, and none shows what is not theirs to see.

The world: two contacts of a telephone campaign with distinctive names, numbers, e-mail and
postal addresses, and responses to the campaign's survey with distinctive open answers and a
distinctive NPS. The interviewer (``ivo``, assigned the survey) takes the next call. No page
may show the other contact's name or number, any e-mail or postal address, any stored answer or
any report figure; the held contact's name must show somewhere (else the walk proved nothing).
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from appliance.auth.guard import required_action
from appliance.auth.roles import PUBLIC, allows
from appliance.auth.service import CLI
from appliance.interviews import calls_service
from appliance.keys import load as load_keys
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mailing_store
from tests.contacts.conftest import Importer
from tests.factories import grant, nps_with_follow_up, open_survey, submit_response

CONTACTS = (
    "E-mailadres;Voornaam;Achternaam;Geslacht;Straat;Huisnummer;Postcode;Plaats;Telefoon\n"
    "ottoline.zwaluwstaart@kanarie-post.example;Ottoline;Zwaluwstaart;vrouw;Kievitlaan;17;"
    "7957 NA;Koekange;0612345671\n"
    "barnabas.merelzang@kanarie-post.example;Barnabas;Merelzang;man;Lijsterbesweg;23;"
    "8351 HK;Wapserveen;0687654329\n"
)
PEOPLE = {
    "Ottoline Zwaluwstaart": ("Ottoline", "Zwaluwstaart", "0612345671", "612345671"),
    "Barnabas Merelzang": ("Barnabas", "Merelzang", "0687654329", "687654329"),
}
NEVER = (
    # E-mail and postal addresses of both contacts: an interviewer needs neither.
    "kanarie-post",
    "ottoline.zwaluwstaart",
    "barnabas.merelzang",
    "Kievitlaan",
    "Lijsterbesweg",
    "7957 NA",
    "8351 HK",
    "Koekange",
    "Wapserveen",
    # Stored answers.
    "Pimpelmees-antwoord",
    "Roodborstje-klacht",
)
# Six promoters and one detractor: NPS 71.4 and a mean of 9.0 (9,0) in any report.
SCORES = ("10", "10", "10", "10", "10", "10", "3")
FIGURES = ("71.4", "71,4", "+71")
DEFINITION = {
    "languages": ["nl", "en"],
    "title": {"nl": "Telefonische enquête", "en": "Telephone survey"},
    "closing": {"nl": "Dank!", "en": "Thanks!"},
    "pages": [{"id": "p1", "questions": nps_with_follow_up()}],
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}")
TZ = ZoneInfo("Europe/Amsterdam")
SKIPPED = ("static", "auth.logout")


@pytest.fixture
def world(conn, data_dir, tmp_path, cast):
    survey_id = open_survey(conn, DEFINITION)
    grant(conn, cast["interviewer"], survey_id)
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(CONTACTS.encode())
    keys = load_keys(data_dir)
    template = next(
        r["id"] for r in mailing_store.list_templates(conn) if r["name"].startswith("Uitnodiging")
    )
    plan = mailing_service.Plan(
        name="Bellen",
        survey_id=survey_id,
        list_id=imports.list_id(),
        template_id=template,
        reminder_template_id=None,
        send_at=0,
        reminders=0,
        reminder_days=7,
        segment_filter={},
        channel="phone",
    )
    campaign_id = mailing_service.create(conn, CLI, plan, keys)[0]
    for n, score in enumerate(SCORES):
        answers = {"nps": score}
        if score == "3":
            answers["why"] = "Roodborstje-klacht over de levering"
        submit_response(conn, data_dir, survey_id, answers, key=f"k{n}")
    submit_response(
        conn, data_dir, survey_id, {"nps": "2", "why": "Pimpelmees-antwoord"}, key="p", mode="phone"
    )
    # Handed out at ten tomorrow morning (inside every part of the day a campaign may call in),
    # so the hold outlasts the walk whatever the hour the test runs.
    tomorrow = datetime.now(TZ).date() + timedelta(days=1)
    now = datetime.combine(tomorrow, time(10), TZ).timestamp()
    call_id = calls_service.next_call(conn, keys, cast["interviewer"].id, campaign_id, now, tz=TZ)
    assert call_id is not None
    held = calls_service.in_hand(conn, keys, cast["interviewer"].id, call_id)
    assert held is not None and held.name in PEOPLE
    return {
        "args": {"survey_id": survey_id, "campaign_id": campaign_id, "call_id": call_id},
        "held": held.name,
        "other": next(name for name in PEOPLE if name != held.name),
    }


def _role_urls(app, args: dict) -> list[str]:
    """Every GET route the interviewer's role allows (public pages aside: the same for anyone),
    with its parameters from the world."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED:
            continue
        action = required_action(app, rule.endpoint)
        if action is None or action == PUBLIC or not allows("interviewer", action):
            continue
        missing = set(rule.arguments) - set(args)
        assert not missing, f"{rule.endpoint}: give the canary a value for {sorted(missing)}"
        with app.test_request_context():
            values = {name: args[name] for name in rule.arguments}
            urls.append(app.url_map.bind("localhost").build(rule.endpoint, values))
    return sorted(urls)


def _links(html: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', html):
        href = unescape(href)
        if href.startswith("/") and not href.startswith(("//", "/static/")):
            found.append(href.split("#")[0])
    return found


def _text(html: str) -> str:
    """The page without its CSRF tokens (random text that might hold any short string)."""
    html = re.sub(r'name="csrf_token"[^>]*>', ">", html)
    html = re.sub(r'value="[A-Za-z0-9._-]{40,}"', "", html)
    return unescape(html)


def test_an_interviewer_sees_only_the_contact_in_hand(app, as_role, world):
    browser = as_role("interviewer")
    first, last, national, digits = PEOPLE[world["other"]]
    never = (*NEVER, first, last, national, digits, *FIGURES)
    queue = _role_urls(app, world["args"])
    seen: set[str] = set()
    pages: dict[str, str] = {}
    while queue and len(seen) < 300:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = browser.get(url)
        assert response.status_code < 500, url
        if response.status_code in (301, 302, 303):
            queue.append(response.headers["Location"])
            continue
        if response.mimetype != "text/html":
            body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
        else:
            body = response.get_data(as_text=True)
            queue.extend(_links(body))
        pages[url] = _text(body)
    assert pages, "the walk opened no page"
    for url, text in pages.items():
        # Numbers are shown grouped (+31 6 12345671): look for their digits without spaces too.
        packed = re.sub(r"[\s\u00a0-]", "", text)
        for canary in never:
            assert canary not in text, f"{url} shows {canary!r}"
            assert canary.replace(" ", "") not in packed, f"{url} shows {canary!r}"
        assert not EMAIL.search(text), f"{url} shows an e-mail address"
    # The walk reached the call: the held contact's name is on at least one page.
    held_first, held_last, *_ = PEOPLE[world["held"]]
    assert any(held_last in text for text in pages.values()), sorted(pages)
