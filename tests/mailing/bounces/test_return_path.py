"""Every invitation goes out with its own return path: opaque, signed, safe in SMTP and headers."""

from __future__ import annotations

import email
import re

import pytest

from appliance.mailing import transport
from appliance.mailing.return_path import ReturnPath, new_token
from tests.mailing.bounces.conftest import BOUNCE_ADDRESS, path_of, return_paths

VERP = re.compile(r"bounces\+([a-z2-7]{26})([a-z2-7]{8})@voorbeeld\.nl")


def test_each_message_has_its_own_opaque_return_path_that_names_it(world, conn):
    campaign = world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    paths = return_paths(world)
    assert len(paths) == 5 and len(set(paths.values())) == 5
    path = path_of(world)
    stored = {
        bytes(r[0])
        for r in conn.execute(
            "SELECT return_token FROM outbox WHERE campaign_id = ? AND state = 'sent'",
            (campaign,),
        )
    }
    for recipient, sender in paths.items():
        assert VERP.fullmatch(sender), sender
        assert recipient not in sender and "example" not in sender
        tokens, forged = path.tokens_in(sender)
        assert forged == 0 and len(tokens) == 1 and tokens[0] in stored
        # No address, no part of one, no readable id: the whole return path is a
        # function of the stored random token alone (a short local part such as
        # "sam" may turn up in random base32 by chance, so it is not searched for).
        assert sender == path.address(tokens[0])
    # The headers are the template's: the return path is the envelope's alone.
    first = world.received()["jan@example.nl"][0]
    assert first["From"] == "Voorbeeld BV <enquete@voorbeeld.nl>" and "bounces" not in str(first)


def test_without_a_bounce_address_the_return_path_is_the_senders(world):
    world.campaign(reminders=0)
    world.deliver()
    assert set(return_paths(world).values()) == {"enquete@voorbeeld.nl"}


def test_a_forged_or_mangled_tag_is_refused_without_asking_the_database():
    path = ReturnPath.of(BOUNCE_ADDRESS, b"k" * 32)
    token = new_token()
    good = path.address(token)
    assert path.tokens_in(f"To: <{good.upper()}>") == ([token], 0)
    tag_at = good.index("@") - 1
    flipped = good[:tag_at] + ("a" if good[tag_at] != "a" else "b") + good[tag_at + 1 :]
    other_key = ReturnPath.of(BOUNCE_ADDRESS, b"x" * 32).address(token)
    for bad in (flipped, other_key, good.replace("+", "+a", 1)[:-1]):
        assert path.tokens_in(bad)[0] == []
    assert path.tokens_in(flipped)[1] == 1


@pytest.mark.parametrize(
    "value", ["bounces+x@voorbeeld.nl", "Naam <b@voorbeeld.nl>", "b@voorbeeld.nl\r\nBcc: x@y.nl"]
)
def test_a_bounce_address_that_could_break_a_header_is_refused(value):
    with pytest.raises(ValueError):
        ReturnPath.of(value, b"k" * 32)


def test_the_file_transport_writes_the_envelope_sender_as_return_path(tmp_path):
    sender = ReturnPath.of(BOUNCE_ADDRESS, b"k" * 32).address(new_token())
    connection = transport.FileTransport(tmp_path / "mail").connect()
    connection.send(sender, "jan@example.nl", b"From: a@voorbeeld.nl\r\nSubject: hoi\r\n\r\nx\r\n")
    connection.send("a@voorbeeld.nl>\r\nBcc: x@example.nl", "jan@example.nl", b"Subject: b\r\n\r\n")
    parsed = {
        m["Subject"]: m
        for m in (
            email.message_from_bytes(f.read_bytes()) for f in (tmp_path / "mail").rglob("*.eml")
        )
    }
    assert parsed["hoi"]["Return-Path"] == f"<{sender}>"
    assert parsed["b"]["Bcc"] is None
    assert parsed["b"]["Return-Path"] == "<a@voorbeeld.nlBcc:x@example.nl>"
