"""Optional DKIM signatures (RFC 6376) for relays that do not sign themselves, by dkimpy.

Configured with ``dkim_key_file`` (a PEM RSA private key), ``dkim_selector`` and optionally
``dkim_domain`` (default: the domain of ``mail_from``). The public key goes into DNS as
``<selector>._domainkey.<domain>`` (see docs/operations.md). An RSA-2048 signature costs about a
millisecond of CPU a message, which is why signing stays off unless configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import dkim

# What a receiver shows or acts on; Date and Message-ID make the signature unique per message.
HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"MIME-Version",
    b"Content-Type",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
)


class DkimSigner:
    def __init__(self, key_pem: bytes, selector: str, domain: str):
        self.key, self.selector, self.domain = key_pem, selector.encode(), domain.encode()

    def sign(self, message: bytes) -> bytes:
        """The message with a DKIM-Signature header in front."""
        signature = dkim.sign(
            message,
            self.selector,
            self.domain,
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=list(HEADERS),
        )
        return signature + message


def from_settings(values: Mapping[str, Any]) -> DkimSigner | None:
    if not values.get("dkim_key_file"):
        return None
    domain = values["dkim_domain"] or parseaddr(values["mail_from"])[1].rpartition("@")[2]
    if not domain:
        return None
    return DkimSigner(Path(values["dkim_key_file"]).read_bytes(), values["dkim_selector"], domain)
