"""Real-world shapes of what comes back to a return address, each recognised for what it is."""

from __future__ import annotations

import pytest

from appliance.mailing import bounce_parse, bounce_status
from tests.mailing.bounces.conftest import CORPUS, bounce

EXPECTED = {
    "postfix_hard.eml": (bounce_parse.HARD, "5.1.1"),
    "exchange_o365.eml": (bounce_parse.HARD, "5.1.10"),
    "gmail.eml": (bounce_parse.HARD, "5.1.1"),
    # 5.5.0 is a protocol status, but the recipient's server said 550 (mailbox unavailable)
    # at the recipient step: the same rule as at send time makes it a hard bounce.
    "outlook_com.eml": (bounce_parse.HARD, "5.5.0"),
    "qmail.eml": (bounce_parse.HARD, "5.1.1"),
    "soft_mailbox_full.eml": (bounce_parse.SOFT, "4.2.2"),
    "delayed.eml": (bounce_parse.DELAYED, "4.4.1"),
    "auto_reply.eml": (bounce_parse.AUTO_REPLY, ""),
    "auto_reply_en.eml": (bounce_parse.AUTO_REPLY, ""),
    "challenge.eml": (bounce_parse.CHALLENGE, ""),
}


def test_the_corpus_is_what_the_expectations_name():
    assert sorted(p.name for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_shape_is_recognised_and_its_reason_names_no_address(name):
    raw = bounce(name, "bounces+abc@voorbeeld.nl", "kim.bakker@example.nl")
    verdict = bounce_parse.classify(raw)
    assert (verdict.kind, verdict.status) == EXPECTED[name]
    assert "@" not in verdict.reason and "kim.bakker" not in verdict.reason


def test_a_persons_mail_and_garbage_are_not_recognised():
    letter = (
        b"From: Jan <jan@example.nl>\r\nTo: bounces@voorbeeld.nl\r\nSubject: Vraag over de"
        b" enquete\r\n\r\nGoedendag, ik heb een vraag over uw vragenlijst.\r\n"
    )
    assert bounce_parse.classify(letter).kind == bounce_parse.UNKNOWN
    assert bounce_parse.classify(b"\x00\xff" * 500).kind == bounce_parse.UNKNOWN


def _dsn(status: str, diagnostic: str) -> bytes:
    """A minimal RFC 3464 report for one recipient, with the remote server's own words."""
    return (
        "From: MAILER-DAEMON@mx.example.nl\r\nTo: bounces+abc@voorbeeld.nl\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; x\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n--b--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("5.1.1", bounce_parse.HARD),
        ("5.2.1", bounce_parse.HARD),
        ("5.7.1", bounce_parse.FAILED),  # DMARC, SPF, spam: a policy, not the address
        ("5.7.26", bounce_parse.FAILED),
        ("5.3.0", bounce_parse.FAILED),  # the remote system
        ("5.4.4", bounce_parse.FAILED),  # routing
        ("5.2.2", bounce_parse.FAILED),
        ("4.2.2", bounce_parse.SOFT),
    ],
)
def test_only_address_failures_are_hard_bounces(status, kind):
    verdict = bounce_parse.classify(_dsn(status, f"550 {status} refused"))
    assert (verdict.kind, verdict.status) == (kind, status)


def test_the_reason_keeps_nothing_the_remote_server_wrote():
    words = (
        '550 5.1.1 <"jan jansen"@example.nl> jan @ example.nl, jan(at)example.nl,'
        " jan%40example.nl, jan\uff20example.nl, =?utf-8?q?jan=40example.nl?= unknown;"
        " Jan Jansen, tel. 06-12345678, mailbox quota"
    )
    verdict = bounce_parse.classify(_dsn("5.1.1", words))
    assert verdict.kind == bounce_parse.HARD
    assert verdict.reason == "5.1.1 bad destination mailbox address"


def test_a_status_is_described_by_its_class_when_its_detail_is_unknown():
    assert bounce_status.describe("5.7.99") == "5.7.99 security or policy status"
    assert bounce_status.describe("4.9.9") == "4.9.9 temporary failure"
    assert bounce_status.describe("jan@example.nl") == ""
