"""Mail template pages: the standard templates, checks on save, a preview with a real contact,
and "send me a test" through the real SMTP server."""

from __future__ import annotations

import html
import re

from appliance.keys import load as load_keys
from appliance.mailing import store
from appliance.privacy import suppression
from tests.mailing.conftest import link_in


def _fields(world, template_id) -> dict:
    row = store.get_template(world.conn, template_id)
    data = {"name": row["name"], "style": row["style"], "fallback": row["fallback"]}
    for lang, part in store.template_parts(row).items():
        for name, value in part.items():
            data[f"{lang}_{name}"] = value
    return data


def test_the_preview_shows_a_real_contact_of_the_list(world, as_role):
    page = as_role("staff").get(
        f"/mailing/templates/{world.template_id()}?list={world.imports.list_id()}&n=0"
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Geachte heer Jansen," in text and "Uw mening over Voorbeeld BV" in text
    assert "jan@example.nl" in text
    # The HTML part is shown in a sandboxed frame, from a page of its own under its own policy.
    frame = re.search(r'<iframe[^>]* sandbox src="([^"]+)"', text)
    assert frame, "no sandboxed frame"
    part = as_role("staff").get(html.unescape(frame.group(1)))
    assert part.status_code == 200 and "<p>Geachte heer Jansen,</p>" in part.get_data(as_text=True)
    policy = part.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script" not in policy


def test_stray_query_arguments_do_not_break_the_page(world, as_role):
    page = as_role("staff").get(f"/mailing/templates/{world.template_id()}?template_id=2&x=1")
    assert page.status_code == 200


def test_a_template_with_an_unknown_placeholder_is_refused_and_nothing_changes(world, as_role):
    template_id = world.template_id()
    before = store.get_template(world.conn, template_id)["parts"]
    data = _fields(world, template_id)
    data["nl_text"] = "{{ salutation }} {{ wachtwoord }} {{ survey_link }}"
    r = as_role("staff").post(f"/mailing/templates/{template_id}", data)
    assert r.status_code == 400 and "wachtwoord" in r.get_data(as_text=True)
    assert store.get_template(world.conn, template_id)["parts"] == before


def test_a_template_that_tries_to_reach_python_is_refused(world, as_role):
    data = _fields(world, world.template_id())
    data["name"] = "Kwaadaardig"
    data["nl_html"] = "{{ survey_link.__class__.__mro__ }}"
    r = as_role("staff").post("/mailing/templates/new", data)
    assert r.status_code == 400 and "cannot be filled in" in r.get_data(as_text=True)
    assert "Kwaadaardig" not in [t["name"] for t in store.list_templates(world.conn)]


def test_a_new_template_in_one_language_is_saved(world, as_role, conn):
    r = as_role("staff").post(
        "/mailing/templates/new",
        {
            "name": "Kort",
            "style": "informal",
            "fallback": "customer",
            "nl_subject": "Even een vraag, {{ first_name }}",
            "nl_text": "{{ salutation }}\n{{ survey_link }}",
            "nl_html": '<p>{{ salutation }}</p><a href="{{ survey_link }}">Start</a>',
        },
    )
    assert r.status_code == 302
    row = conn.execute("SELECT * FROM mail_templates WHERE name = 'Kort'").fetchone()
    assert list(store.template_parts(row)) == ["nl"] and row["style"] == "informal"
    page = as_role("staff").get(r.headers["Location"]).get_data(as_text=True)
    assert "Beste Jan," in page and "Even een vraag, Jan" in page


def test_send_me_a_test_mails_the_preview_without_a_working_link(world, as_role, app, conn):
    template_id = world.template_id()
    r = as_role("staff").post(
        f"/mailing/templates/{template_id}/test?list={world.imports.list_id()}&n=0",
        {"to": "tester@voorbeeld.nl"},
        prefix="",
    )
    assert r.status_code == 302
    [message] = world.received()["tester@voorbeeld.nl"]
    assert message["Subject"] == "Uw mening over Voorbeeld BV"
    client = app.test_client()
    assert client.get(link_in(message, "i")).status_code == 404
    # The test's unsubscribe link names the tester, never the contact shown.
    client.post(link_in(message, "u"))
    hasher = load_keys(world.data_dir).hasher()
    listed = suppression.suppressed(
        conn,
        [
            suppression.address_hash(hasher, "tester@voorbeeld.nl"),
            suppression.address_hash(hasher, "jan@example.nl"),
        ],
    )
    assert listed == {suppression.address_hash(hasher, "tester@voorbeeld.nl")}
    assert "mailing.test_sent" in [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert html.escape("tester@voorbeeld.nl") not in "".join(
        r[0] for r in conn.execute("SELECT details FROM audit_log")
    )
