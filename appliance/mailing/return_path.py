"""Per-message return paths (VERP): the envelope sender a bounce comes back to names the message,
and nothing else.

With ``bounce_address`` set (say ``bounces@voorbeeld.nl``), each outbox row carries a random
128-bit token and its messages go out with the envelope sender (``MAIL FROM``, the Return-Path)
``bounces+<token><tag>@voorbeeld.nl``: the token in lowercase base32 (26 characters), then a
40-bit tag (8 characters), HMAC-SHA256 of the token under the session key (the key unsubscribe
links are signed with, which no key rotation replaces). So the return path holds no address and
no readable id, a bounce names its message by a look-up of the token, and a forged or mangled
return path is refused by the tag before the database is asked. Relays deliver
``local+anything@domain`` to ``local@domain`` when "+" is their recipient delimiter (Postfix's
``recipient_delimiter = +``, Exchange Online's plus addressing).

Contract: :func:`address` only ever returns ``[a-z0-9.+_-]`` before the "@" and the checked
domain after it, so it can go into ``MAIL FROM:<...>`` and a ``Return-Path:`` header as it is;
:func:`tokens_in` returns only tokens whose tag verifies.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

TOKEN_BYTES = 16
TAG_BYTES = 5
_TOKEN_CHARS = 26  # base32 of 16 bytes, unpadded
_TAG_CHARS = 8  # base32 of 5 bytes
_DOMAIN = b"return-path\x1f"
# What ``bounce_address`` may be: a bare address whose local part needs no quoting and carries
# no "+" of its own (the delimiter must be the one we add), at a plain host name.
_LOCAL = r"[A-Za-z0-9._-]{1,29}"  # with "+" and 34 characters: 64 at most (RFC 5321)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})+"
BOUNCE_ADDRESS = re.compile(rf"({_LOCAL})@({_HOST})")


def new_token() -> bytes:
    """A fresh random token for one outbox row."""
    return secrets.token_bytes(TOKEN_BYTES)


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()


def _unb32(text: str) -> bytes | None:
    try:
        return base64.b32decode(text.upper() + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return None


def _tag(secret: bytes, token: bytes) -> bytes:
    mac = crypto_hmac.HMAC(secret, hashes.SHA256())
    mac.update(_DOMAIN + token)
    return mac.finalize()[:TAG_BYTES]


@dataclass(frozen=True)
class ReturnPath:
    """Makes and reads the return paths of one ``bounce_address`` under one secret."""

    local: str
    domain: str
    secret: bytes

    @classmethod
    def of(cls, bounce_address: str, secret: bytes) -> ReturnPath | None:
        """None when ``bounce_address`` is empty (the feature is off); ValueError when it is
        not a bare address of plain characters."""
        if not bounce_address:
            return None
        match = BOUNCE_ADDRESS.fullmatch(bounce_address.strip())
        if match is None:
            raise ValueError("bounce_address must be a bare address such as bounces@voorbeeld.nl")
        return cls(match.group(1).lower(), match.group(2).lower(), secret)

    def address(self, token: bytes) -> str:
        """The envelope sender of the messages of the outbox row with ``token``."""
        if len(token) != TOKEN_BYTES:
            raise ValueError("a return-path token has 16 bytes")
        return f"{self.local}+{_b32(token)}{_b32(_tag(self.secret, token))}@{self.domain}"

    def _pattern(self) -> re.Pattern[str]:
        return re.compile(
            rf"(?<![A-Za-z0-9._+-]){re.escape(self.local)}\+"
            rf"([A-Za-z2-7]{{{_TOKEN_CHARS}}})([A-Za-z2-7]{{{_TAG_CHARS}}})@{re.escape(self.domain)}"
            r"(?![A-Za-z0-9-])",
            re.IGNORECASE,
        )

    def tokens_in(self, text: str) -> tuple[list[bytes], int]:
        """The tokens of the return paths in ``text`` whose tag verifies, in order of first
        appearance, and how many return paths of this address were forged or mangled."""
        good: list[bytes] = []
        bad = 0
        for token_text, tag_text in self._pattern().findall(text):
            token, tag = _unb32(token_text), _unb32(tag_text)
            if (
                token is None
                or tag is None
                or len(token) != TOKEN_BYTES
                or not hmac.compare_digest(tag, _tag(self.secret, token))
            ):
                bad += 1
            elif token not in good:
                good.append(token)
        return good, bad
