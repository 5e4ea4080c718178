"""Unsubscribing: a link scanner's GET changes nothing; the button or an RFC 8058 one-click POST
puts the keyed hash on the suppression list; a forged token gets the neutral page."""

from __future__ import annotations

import base64

from appliance.contacts import fields
from appliance.keys import load as load_keys
from appliance.mailing import unsubscribe
from appliance.privacy import suppression


def _token(data_dir, address="els@example.nl", language="nl"):
    keys = load_keys(data_dir)
    digest = suppression.address_hash(keys.hasher(), fields.email(address))
    return unsubscribe.token_for(keys.session, digest, language), digest


def _listed(conn, digest) -> bool:
    return bool(suppression.suppressed(conn, [digest]))


def test_opening_the_link_asks_and_changes_nothing(app, conn, data_dir):
    token, digest = _token(data_dir)
    # The token is the keyed hash, the language and a signature: nothing of the address
    # itself (searching it for "els" would fail one run in a few thousand on random base64).
    payload, _signature = token.rsplit(".", 1)
    assert base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)) == digest + b"nl"
    page = app.test_client().get(f"/u/{token}")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert "Afmelden" in page.get_data(as_text=True)
    assert not _listed(conn, digest)


def test_the_button_unsubscribes_once_and_says_so_in_the_respondents_language(app, conn, data_dir):
    token, digest = _token(data_dir, language="en")
    client = app.test_client()
    first = client.post(f"/u/{token}")
    assert first.status_code == 200 and "You are unsubscribed" in first.get_data(as_text=True)
    assert _listed(conn, digest)
    again = client.post(f"/u/{token}")
    assert "already unsubscribed" in again.get_data(as_text=True)


def test_a_one_click_post_from_a_mail_program_works_without_cookies_or_csrf(app, conn, data_dir):
    token, digest = _token(data_dir)
    r = app.test_client().post(
        f"/u/{token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 200 and _listed(conn, digest)


def test_a_forged_or_damaged_token_unsubscribes_nobody(app, conn, data_dir):
    token, digest = _token(data_dir)
    other = unsubscribe.token_for(b"another key" * 4, digest, "nl")
    for bad in (token[:-2] + "xx", other, "nonsense"):
        r = app.test_client().post(f"/u/{bad}")
        assert r.status_code == 404
    assert not _listed(conn, digest)


def test_a_token_names_the_key_generation_and_old_tokens_stay_generation_one():
    secret, digest = b"k" * 32, bytes(range(32))
    assert unsubscribe.read(secret, unsubscribe.token_for(secret, digest, "nl")) == (
        digest,
        "nl",
        1,
    )
    assert unsubscribe.read(secret, unsubscribe.token_for(secret, digest, "en", 3)) == (
        digest,
        "en",
        3,
    )
    # A generation-1 token is byte for byte what links mailed before rotations carry.
    assert unsubscribe.token_for(secret, digest, "nl") == unsubscribe.token_for(
        secret, digest, "nl", 1
    )
