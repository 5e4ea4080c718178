"""The licence file: its format and its offline check against the vendor's public key.

A licence file is UTF-8 JSON::

    {"format": "appliance-licence/1",
     "payload": "<base64 of the payload's UTF-8 JSON bytes>",
     "signature": "<base64 of an Ed25519 signature>"}

The signature covers ``b"appliance-licence/1\\n" + payload bytes``: the exact bytes, so no JSON
canonicalisation is needed, and the prefix keeps a licence signature from ever passing as the
signature of an install bundle (``appliance-bundle/1``), which the same vendor key signs.

The payload holds ``licensee``, ``licence_id``, ``valid_from`` and ``valid_until`` (ISO dates,
both days included), ``modules`` (a list of :data:`MODULES` names), ``researchers`` and
``interviewers`` (account limits, 0 or more) and ``issued`` (an ISO date).

Nothing here reaches the network: the check is the signature, the format and the dates.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

FORMAT = "appliance-licence/1"
SIGNED_PREFIX = FORMAT.encode() + b"\n"
MODULES = ("publication", "paper", "interviews")
MAX_BYTES = 16 * 1024
VENDOR_KEY_FILE = Path(__file__).with_name("vendor_key.pem")


class LicenceError(ValueError):
    """The file is not a licence this appliance accepts; the message says why, in English
    (views translate by :attr:`code`)."""

    def __init__(self, code: str, message: str, **params: str):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Licence:
    licensee: str
    licence_id: str
    valid_from: date
    valid_until: date
    modules: frozenset[str]
    researchers: int
    interviewers: int
    issued: date

    def as_dict(self) -> dict:
        return {
            "licensee": self.licensee,
            "licence_id": self.licence_id,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "modules": sorted(self.modules),
            "researchers": self.researchers,
            "interviewers": self.interviewers,
            "issued": self.issued.isoformat(),
        }


def vendor_key() -> Ed25519PublicKey:
    """The vendor's public key built into the package."""
    return public_key_from_pem(VENDOR_KEY_FILE.read_bytes())


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A key given in a setting: PEM, or the base64 of the 32 raw key bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        return public_key_from_pem(text.encode())
    try:
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise ValueError("neither PEM nor the base64 of a 32-byte Ed25519 public key") from None


def read(data: bytes, key: Ed25519PublicKey) -> Licence:
    """The licence in ``data``, checked against ``key``. Raises :class:`LicenceError`.

    The signature is checked before the payload is interpreted, so a forged file never reaches
    the date and module parsing."""
    if len(data) > MAX_BYTES:
        raise LicenceError("too_large", "the file is too large to be a licence")
    try:
        outer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LicenceError("not_licence", "the file is not a licence (not JSON)") from None
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise LicenceError("not_licence", f"the file is not a licence (format is not {FORMAT})")
    try:
        payload = base64.b64decode(str(outer.get("payload", "")), validate=True)
        signature = base64.b64decode(str(outer.get("signature", "")), validate=True)
    except binascii.Error:
        raise LicenceError("not_licence", "the licence's payload or signature is damaged") from None
    try:
        key.verify(signature, SIGNED_PREFIX + payload)
    except InvalidSignature:
        raise LicenceError(
            "bad_signature", "the licence's signature does not match the vendor's key"
        ) from None
    return _parse(payload)


def read_checked_before(data: bytes) -> Licence:
    """The licence in ``data`` without checking its signature again: only for bytes that
    :func:`read` accepted when they were installed (and the start-up and daily checks re-check).
    """
    try:
        outer = json.loads(data.decode("utf-8"))
        payload = base64.b64decode(str(outer["payload"]), validate=True)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, binascii.Error):
        raise LicenceError("not_licence", "the stored licence is damaged") from None
    return _parse(payload)


def _parse(payload: bytes) -> Licence:
    try:
        fields = json.loads(payload.decode("utf-8"))
        licence = Licence(
            licensee=_text(fields["licensee"]),
            licence_id=_text(fields["licence_id"]),
            valid_from=date.fromisoformat(fields["valid_from"]),
            valid_until=date.fromisoformat(fields["valid_until"]),
            modules=frozenset(fields["modules"]),
            researchers=_count(fields["researchers"]),
            interviewers=_count(fields["interviewers"]),
            issued=date.fromisoformat(fields["issued"]),
        )
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, json.JSONDecodeError):
        raise LicenceError("bad_payload", "the licence's contents are incomplete") from None
    unknown = licence.modules - set(MODULES)
    if unknown:
        raise LicenceError("bad_payload", f"unknown modules: {', '.join(sorted(unknown))}")
    if licence.valid_until < licence.valid_from:
        raise LicenceError("bad_payload", "the licence ends before it starts")
    return licence


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("bad text")
    return value.strip()


def _count(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
        raise ValueError("bad count")
    return value
