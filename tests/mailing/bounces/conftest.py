"""Bounces coming back: a campaign sent through the real SMTP server with return paths, a real
IMAP server over TLS and a real Maildir to drop the corpus's bounce messages into."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from appliance.keys import load as load_keys
from appliance.mailing.return_path import ReturnPath
from tests.mailing.imap_server import imap_server

CORPUS = Path(__file__).parent / "corpus"
BOUNCE_ADDRESS = "bounces@voorbeeld.nl"
IMAP_USER, IMAP_PASSWORD = "bounces@voorbeeld.nl", "geheim-imap"


def bounce(name: str, return_path: str, recipient: str) -> bytes:
    """A corpus message addressed to ``return_path``, about ``recipient``, with CRLF lines."""
    raw = (CORPUS / name).read_bytes()
    raw = raw.replace(b"RETURN_PATH", return_path.encode()).replace(
        b"RECIPIENT", recipient.encode()
    )
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def return_paths(world) -> dict[str, str]:
    """recipient -> the envelope sender its latest message went out with (at the SMTP server)."""
    return {item.recipients[0]: item.sender for item in world.smtp.handler.messages}


def path_of(world) -> ReturnPath:
    return ReturnPath.of(BOUNCE_ADDRESS, load_keys(world.data_dir).session)


@pytest.fixture
def imap():
    with imap_server({IMAP_USER: IMAP_PASSWORD}) as server:
        yield server


@pytest.fixture
def maildir(tmp_path) -> mailbox.Maildir:
    return mailbox.Maildir(tmp_path / "Maildir", create=True)
