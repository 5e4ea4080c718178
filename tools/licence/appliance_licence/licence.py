"""Licence files: issue one (validate, sign, write) and read one back (verify, decode).

The format is the one ``appliance.licence.document`` reads (UTF-8 JSON)::

    {"format": "appliance-licence/1",
     "payload": "<std base64 of the payload's UTF-8 JSON bytes>",
     "signature": "<std base64 of Ed25519 over b'appliance-licence/1\\n' + payload bytes>"}

Inputs are checked here at least as strictly as the appliance checks them, so a licence this
tool writes is never one the appliance refuses for its contents.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .errors import ToolError

FORMAT = "appliance-licence/1"
SIGNED_PREFIX = FORMAT.encode() + b"\n"
MODULES = ("publication", "paper", "interviews")
MAX_TEXT = 200  # the appliance refuses longer licensee names and ids
MAX_COUNT = 100_000  # the appliance refuses larger account limits
MAX_BYTES = 16 * 1024  # the appliance refuses larger files
# The id names the default output file, so it is kept to characters that are safe in a file name.
LICENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Terms:
    """What a licence grants; :func:`payload` turns it into the signed JSON."""

    licensee: str
    licence_id: str
    valid_from: date
    valid_until: date
    modules: tuple[str, ...]
    researchers: int
    interviewers: int
    issued: date


def parse_modules(text: str) -> tuple[str, ...]:
    """``"publication,paper"`` as module names in the canonical order; an empty text is no
    optional module at all. Raises :class:`ToolError` naming any unknown module."""
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(MODULES))
    if unknown:
        raise ToolError(
            f"unknown module(s): {', '.join(unknown)}; known modules are {', '.join(MODULES)}"
        )
    return tuple(name for name in MODULES if name in names)


def check(terms: Terms) -> Terms:
    """``terms`` with the licensee trimmed, or :class:`ToolError` saying what is wrong."""
    licensee = terms.licensee.strip()
    if not licensee:
        raise ToolError("the licensee is empty; give the customer's name with --licensee")
    if len(licensee) > MAX_TEXT:
        raise ToolError(f"the licensee is longer than {MAX_TEXT} characters")
    if not LICENCE_ID.fullmatch(terms.licence_id):
        raise ToolError(
            "the licence id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit (got {terms.licence_id!r})"
        )
    if terms.valid_until < terms.valid_from:
        raise ToolError(
            f"--until {terms.valid_until.isoformat()} is before --from "
            f"{terms.valid_from.isoformat()}"
        )
    for name, value in (("researchers", terms.researchers), ("interviewers", terms.interviewers)):
        if not 0 <= value <= MAX_COUNT:
            raise ToolError(f"--{name} must be between 0 and {MAX_COUNT} (got {value})")
    parse_modules(",".join(terms.modules))
    return replace(terms, licensee=licensee)


def payload(terms: Terms) -> bytes:
    return json.dumps(
        {
            "licensee": terms.licensee,
            "licence_id": terms.licence_id,
            "valid_from": terms.valid_from.isoformat(),
            "valid_until": terms.valid_until.isoformat(),
            "modules": list(terms.modules),
            "researchers": terms.researchers,
            "interviewers": terms.interviewers,
            "issued": terms.issued.isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def sign(terms: Terms, key: Ed25519PrivateKey) -> bytes:
    """The licence file's bytes for ``terms`` (checked first), signed with ``key``."""
    body = payload(check(terms))
    document = {
        "format": FORMAT,
        "payload": base64.b64encode(body).decode("ascii"),
        "signature": base64.b64encode(key.sign(SIGNED_PREFIX + body)).decode("ascii"),
    }
    data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ToolError("the licence would be larger than the appliance accepts")
    return data


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file ``path``; an existing file is never replaced, since it may be
    a licence already sent to a customer."""
    try:
        with open(path, "xb") as out:
            out.write(data)
    except FileExistsError:
        raise ToolError(f"{path} already exists; refusing to overwrite it") from None


def read(data: bytes, key: Ed25519PublicKey) -> dict:
    """The payload fields of licence ``data`` once its signature checks out against ``key``.
    Raises :class:`ToolError` for a file that is not a licence or whose signature fails."""
    try:
        outer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ToolError("not a licence file (not JSON)") from None
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise ToolError(f"not a licence file (format is not {FORMAT})")
    try:
        body = base64.b64decode(str(outer.get("payload", "")), validate=True)
        signature = base64.b64decode(str(outer.get("signature", "")), validate=True)
    except binascii.Error:
        raise ToolError("the licence's payload or signature is damaged (not base64)") from None
    try:
        key.verify(signature, SIGNED_PREFIX + body)
    except InvalidSignature:
        raise ToolError(
            "SIGNATURE INVALID: the licence was not signed by this vendor key, or was changed "
            "after signing"
        ) from None
    try:
        fields = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ToolError("the signed payload is not JSON") from None
    if not isinstance(fields, dict):
        raise ToolError("the signed payload is not a JSON object")
    return fields
